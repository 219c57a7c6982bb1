import {
  addressLines,
  type Column,
  contentWidth,
  type DocumentLook,
  drawLetterhead,
  drawPairs,
  drawTable,
  ensureSpace,
  finishPdf,
  finishPdfInParts,
  formatDate,
  left,
  newPdf,
  type Pdf,
  type PdfPart,
  printable,
} from '../../documents/index.js'
import { itemRows, itemTableHeader, type MessageData } from './message-data.js'

// A dunning letter on A4 as the invoice PDF looks: the tenant's letterhead (logo, seller,
// colours), the customer's billing address where a window envelope shows it, the date and
// customer number, the subject, and the body with the items as a table where the template
// says {{items}}.

const ink = '#000000'

/** One part of the letter's body: text, or the items table. */
export type LetterPart = { text: string } | { items: true }

/** A rendered letter, ready to be drawn: its data, subject and body parts. */
export type Letter = { data: MessageData; subject: string; body: readonly LetterPart[] }

/** One letter as its own PDF. */
export async function renderLetterPdf(letter: Letter, look: DocumentLook): Promise<Uint8Array> {
  const { seller, language } = letter.data
  const pdf = newPdf({
    title: letter.subject,
    author: seller.name,
    subject: letter.subject,
    language,
  })
  drawLetter(pdf, letter, look)
  return finishPdf(pdf, language, footerOf(letter))
}

/**
 * Many letters in one PDF for the printer, each starting on a new page with its own "page n
 * of m": one document, so the fonts are embedded once, not once per letter.
 */
export async function renderLettersPdf(
  letters: readonly Letter[],
  look: DocumentLook,
  title: string,
): Promise<Uint8Array> {
  const first = letters[0]
  if (!first) throw new RangeError('A print batch needs at least one letter')
  const pdf = newPdf({
    title,
    author: first.data.seller.name,
    subject: title,
    language: first.data.language,
  })
  const parts: PdfPart[] = []
  for (const [index, letter] of letters.entries()) {
    if (index > 0) pdf.addPage()
    const firstPage = pdf.bufferedPageRange().count - 1
    drawLetter(pdf, letter, look)
    parts.push({
      firstPage,
      pageCount: pdf.bufferedPageRange().count - firstPage,
      language: letter.data.language,
      footer: footerOf(letter),
    })
  }
  return finishPdfInParts(pdf, parts)
}

function footerOf(letter: Letter): string {
  return `${letter.data.seller.name} · ${letter.data.customer.number}`
}

/** Draws a letter from the top of the current page, onto as many pages as it needs. */
function drawLetter(pdf: Pdf, letter: Letter, look: DocumentLook): void {
  const { data, subject, body } = letter
  const { seller, customer, language } = data
  let y = drawLetterhead(pdf, seller, look, language)

  pdf.font('DejaVuSans-Bold').fontSize(10).fillColor(ink)
  pdf.text(printable(customer.name), left, y, { width: 250 })
  pdf.font('DejaVuSans').fontSize(9)
  const address = customer.address ? addressLines(customer.address, language) : []
  pdf.text(printable(address.join('\n')), left, pdf.y + 1, { width: 250 })
  const addressBottom = pdf.y
  const pairs: [string, string][] =
    language === 'nl'
      ? [
          ['Datum', formatDate(data.date, language)],
          ['Klantnummer', customer.number],
        ]
      : [
          ['Date', formatDate(data.date, language)],
          ['Customer number', customer.number],
        ]
  const pairsBottom = drawPairs(pdf, pairs, left + contentWidth - 220, y, 220, 95)
  y = Math.max(addressBottom, pairsBottom) + 28

  pdf.font('DejaVuSans-Bold').fontSize(11).fillColor(look.primaryColour)
  pdf.text(printable(subject), left, y, { width: contentWidth })
  y = pdf.y + 12

  for (const part of body) {
    if ('items' in part) {
      const header = itemTableHeader(language)
      const columns: Column[] = [
        { header: header[0] ?? '', width: 150 },
        { header: header[1] ?? '', width: 120 },
        { header: header[2] ?? '', width: 130, align: 'right' },
        { header: header[3] ?? '', width: contentWidth - 400, align: 'right' },
      ]
      y = drawTable(pdf, look, y, columns, itemRows(data)) + 10
      continue
    }
    for (const paragraph of part.text.split(/\n{2,}/)) {
      const text = paragraph.trim()
      if (text === '') continue
      pdf.font('DejaVuSans').fontSize(9.5).fillColor(ink)
      const height = pdf.heightOfString(printable(text), { width: contentWidth })
      y = ensureSpace(pdf, y, Math.min(height, 60))
      pdf.text(printable(text), left, y, { width: contentWidth })
      y = pdf.y + 9
    }
  }
}
