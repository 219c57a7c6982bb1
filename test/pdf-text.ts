import { inflateSync } from 'node:zlib'

// What a PDF says, for tests: the text of each page, and the images it carries. pdfkit writes
// each page's content as one deflated stream, and with the standard fonts every text run is a
// hex string of Windows-1252 codes inside a TJ array (`[<4661637475757200> 0] TJ`). So
// inflating the streams and decoding those runs gives back exactly the text that was drawn,
// without a PDF library that can read text. One text object (BT … ET) is one printed line.

const winAnsiHigh: Record<number, string> = {
  128: '€',
  130: '‚',
  131: 'ƒ',
  132: '„',
  133: '…',
  134: '†',
  135: '‡',
  136: 'ˆ',
  137: '‰',
  138: 'Š',
  139: '‹',
  140: 'Œ',
  142: 'Ž',
  145: '‘',
  146: '’',
  147: '“',
  148: '”',
  149: '•',
  150: '–',
  151: '—',
  152: '˜',
  153: '™',
  154: 'š',
  155: '›',
  156: 'œ',
  158: 'ž',
  159: 'Ÿ',
}

type Stream = { dictionary: string; data: Buffer }

function streams(pdf: Uint8Array): Stream[] {
  const bytes = Buffer.from(pdf)
  const text = bytes.toString('latin1')
  const found: Stream[] = []
  const pattern = /<<((?:(?!>>\s*stream)[\s\S])*)>>\s*stream\r?\n/g
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const start = match.index + match[0].length
    const end = text.indexOf('endstream', start)
    let raw = bytes.subarray(start, end)
    if (raw.at(-1) === 0x0a) raw = raw.subarray(0, -1)
    const dictionary = match[1]
    found.push({
      dictionary,
      data: /\/FlateDecode/.test(dictionary) ? inflateSync(raw) : Buffer.from(raw),
    })
    pattern.lastIndex = end
  }
  return found
}

/** The text of every page, one printed line per array entry. */
export function pdfPages(pdf: Uint8Array): string[][] {
  return streams(pdf)
    .filter((stream) => !/\/Subtype\s*\/Image/.test(stream.dictionary))
    .map((stream) => stream.data.toString('latin1'))
    .filter((content) => content.includes(' TJ'))
    .map((content) => {
      const lines: string[] = []
      for (const block of content.split(/\bBT\b/).slice(1)) {
        const runs = [...block.matchAll(/\[([^\]]*)\] TJ/g)].flatMap((m) =>
          [...m[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => decode(h[1])),
        )
        if (runs.length > 0) lines.push(runs.join(''))
      }
      return lines
    })
}

/** All the text of the PDF, lines joined by newlines. */
export function pdfText(pdf: Uint8Array): string {
  return pdfPages(pdf)
    .map((lines) => lines.join('\n'))
    .join('\n')
}

function decode(hex: string): string {
  let out = ''
  for (let i = 0; i < hex.length; i += 2) {
    const code = Number.parseInt(hex.slice(i, i + 2), 16)
    out += winAnsiHigh[code] ?? String.fromCharCode(code)
  }
  return out
}

export type PdfImage = { width: number; height: number; colourSpace: string; data: Buffer }

/**
 * The images in the PDF, decoded. pdfkit stores a PNG's compressed rows as they are (with a PNG
 * predictor), so `data` holds each row behind its filter-type byte.
 */
export function pdfImages(pdf: Uint8Array): PdfImage[] {
  return streams(pdf)
    .filter((stream) => /\/Subtype\s*\/Image/.test(stream.dictionary))
    .map((stream) => ({
      width: Number(/\/Width (\d+)/.exec(stream.dictionary)?.[1]),
      height: Number(/\/Height (\d+)/.exec(stream.dictionary)?.[1]),
      colourSpace: /\/ColorSpace \/(\w+)/.exec(stream.dictionary)?.[1] ?? '',
      data: stream.data,
    }))
}
