import { domainError } from '../../../core/errors.js'

// The text of a PDF advice, line by line as it is laid out, for parseAdviceText. pdfjs-dist
// (Mozilla's PDF.js) gives the text runs of each page with their position; runs on one
// baseline make a line, and a gap between two runs becomes two spaces, so that the columns
// of a table stay apart as they do in a mail. A scanned advice (an image, no text) has no
// text to read and is refused: o2c does no OCR.

// An advice is a page or two; a PDF of more pages is a statement or a catalogue.
export const advicePdfPagesMax = 50

type TextRun = { str: string; transform: number[]; width: number; hasEOL?: boolean }

export async function pdfText(bytes: Uint8Array, fileName: string): Promise<string> {
  // Loaded on first use: most imports are CSV or mail, and PDF.js is a large module.
  const { getDocument, VerbosityLevel } = await import('pdfjs-dist/legacy/build/pdf.mjs')
  let document: Awaited<ReturnType<typeof getDocument>['promise']>
  try {
    document = await getDocument({
      data: new Uint8Array(bytes), // PDF.js takes the buffer over; keep the caller's
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      verbosity: VerbosityLevel.ERRORS,
    }).promise
  } catch (error) {
    throw domainError(
      'cashapp.remittance_malformed',
      `${fileName} is not a readable PDF (${error instanceof Error ? error.message : error}); ` +
        'nothing was imported',
      { file: fileName },
    )
  }
  try {
    if (document.numPages > advicePdfPagesMax) {
      throw domainError(
        'cashapp.remittance_malformed',
        `${fileName} has ${document.numPages} pages; an advice has at most ${advicePdfPagesMax}`,
        { file: fileName },
      )
    }
    const pages: string[] = []
    for (let number = 1; number <= document.numPages; number++) {
      const page = await document.getPage(number)
      const content = await page.getTextContent()
      pages.push(linesOf(content.items.flatMap((item) => ('str' in item ? [item] : []))))
    }
    const text = pages.join('\n')
    if (text.trim() === '') {
      throw domainError(
        'cashapp.remittance_malformed',
        `${fileName} has no text (a scanned image?); o2c reads advices whose PDF has text`,
        { file: fileName },
      )
    }
    return text
  } finally {
    await document.destroy()
  }
}

/** Runs grouped by baseline (top to bottom), each line's runs left to right. */
function linesOf(runs: TextRun[]): string {
  const rows: { y: number; runs: TextRun[] }[] = []
  for (const run of runs) {
    if (run.str === '') continue
    const y = run.transform[5]
    // Runs within 2 points of a line's baseline belong to it (superscripts, mixed fonts).
    const row = rows.find((r) => Math.abs(r.y - y) <= 2)
    if (row) row.runs.push(run)
    else rows.push({ y, runs: [run] })
  }
  rows.sort((a, b) => b.y - a.y)
  return rows
    .map((row) => {
      const sorted = row.runs.sort((a, b) => a.transform[4] - b.transform[4])
      let line = ''
      let end: number | undefined
      for (const run of sorted) {
        const x = run.transform[4]
        // A gap wider than about a space (3 points at 10 pt) separates columns.
        if (end !== undefined) line += x - end > 3 ? '  ' : ''
        line += run.str
        end = x + run.width
      }
      return line.replace(/\s+$/, '')
    })
    .join('\n')
}
