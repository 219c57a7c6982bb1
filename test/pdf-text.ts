import { inflateSync } from 'node:zlib'

// What a PDF says, for tests: the text of each page, and the images it carries. pdfkit writes
// each page's content as one deflated stream. Its text is in embedded fonts, so a text run is
// a hex string of glyph ids inside a TJ array (`[<0029004400460057> 0] TJ`, after `/F1 8.5 Tf`
// picks the font), and each font carries a ToUnicode CMap that maps its glyph ids back to the
// characters. Inflating the streams and decoding the runs through those maps gives back
// exactly the text that was drawn, without a PDF library that can read text. One text object
// (BT … ET) is one printed line. A font without a ToUnicode map (a standard font, which is
// not embedded) is an error: every font our PDFs use must be embedded.

type PdfObject = { dictionary: string; data?: Buffer }

/** pdfkit's objects by number (it writes them plainly, without object streams). */
function objects(pdf: Uint8Array): Map<number, PdfObject> {
  const bytes = Buffer.from(pdf)
  const text = bytes.toString('latin1')
  const found = new Map<number, PdfObject>()
  const objectStart = /(\d+) 0 obj\b/g
  const streamStart = />>\s*stream\r?\n/g
  for (let match = objectStart.exec(text); match; match = objectStart.exec(text)) {
    const body = match.index + match[0].length
    const end = text.indexOf('endobj', body)
    streamStart.lastIndex = body
    const stream = streamStart.exec(text)
    if (!stream || stream.index > end) {
      found.set(Number(match[1]), { dictionary: text.slice(body, end) })
      objectStart.lastIndex = end
      continue
    }
    const dictionary = text.slice(body, stream.index + 2)
    const start = stream.index + stream[0].length
    const length = Number(/\/Length (\d+)/.exec(dictionary)?.[1] ?? Number.NaN)
    const raw = bytes.subarray(
      start,
      Number.isNaN(length) ? text.indexOf('endstream', start) : start + length,
    )
    const data = /\/FlateDecode/.test(dictionary) ? inflateSync(raw) : Buffer.from(raw)
    found.set(Number(match[1]), { dictionary, data })
    objectStart.lastIndex = start + raw.length
  }
  return found
}

/** Glyph id (as 4 hex digits) → text, from a ToUnicode CMap. */
type CharacterMap = Map<string, string>

function characterMap(cmap: string): CharacterMap {
  const map: CharacterMap = new Map()
  const hex = (value: number) => value.toString(16).padStart(4, '0')
  const utf16 = (units: string) =>
    String.fromCharCode(...(units.match(/[0-9a-f]{4}/gi) ?? []).map((u) => Number.parseInt(u, 16)))
  for (const [, ranges] of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    const entries = /<(\w+)>\s*<(\w+)>\s*(\[[^\]]*\]|<[^>]*>)/g
    for (const [, from, to, target] of ranges.matchAll(entries)) {
      const first = Number.parseInt(from, 16)
      const last = Number.parseInt(to, 16)
      // An array gives each code its text; a single string is the first code's, counting up.
      const targets = target.startsWith('[')
        ? [...target.matchAll(/<([^>]*)>/g)].map((t) => t[1])
        : []
      const base = target.startsWith('<') ? Number.parseInt(target.slice(1, -1), 16) : 0
      for (let code = first; code <= last; code++) {
        map.set(
          hex(code),
          targets.length > 0 ? utf16(targets[code - first]) : utf16(hex(base + code - first)),
        )
      }
    }
  }
  for (const [, chars] of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const [, code, target] of chars.matchAll(/<(\w+)>\s*<(\w*)>/g)) {
      map.set(code.toLowerCase().padStart(4, '0'), utf16(target))
    }
  }
  return map
}

/** The character map of each font, by the name pages use for it (`F1`, `F2`, …). */
function fontMaps(all: Map<number, PdfObject>): Map<string, CharacterMap | undefined> {
  const byName = new Map<string, CharacterMap | undefined>()
  for (const { dictionary } of all.values()) {
    const fonts = /\/Font\s*<<([^>]*)>>/.exec(dictionary)?.[1] ?? ''
    for (const [, name, number] of fonts.matchAll(/\/(\w+) (\d+) 0 R/g)) {
      const font = all.get(Number(number))?.dictionary ?? ''
      const toUnicode = /\/ToUnicode (\d+) 0 R/.exec(font)?.[1]
      const cmap = toUnicode ? all.get(Number(toUnicode))?.data : undefined
      byName.set(name, cmap ? characterMap(cmap.toString('latin1')) : undefined)
    }
  }
  return byName
}

/** The text of every page, one printed line per array entry. */
export function pdfPages(pdf: Uint8Array): string[][] {
  const all = objects(pdf)
  const fonts = fontMaps(all)
  return [...all.values()]
    .filter((object) => object.data && !/\/Subtype\s*\/Image/.test(object.dictionary))
    .map((object) => object.data?.toString('latin1') ?? '')
    .filter((content) => content.includes(' TJ'))
    .map((content) => {
      const lines: string[] = []
      let font: CharacterMap | undefined
      for (const block of content.split(/\bBT\b/).slice(1)) {
        let line = ''
        for (const [, name, runs] of block.matchAll(/\/(\w+) [\d.]+ Tf|\[([^\]]*)\] TJ/g)) {
          if (name) {
            font = fonts.get(name)
            if (!font) throw new Error(`font ${name} has no ToUnicode map: is it embedded?`)
            continue
          }
          for (const [, hex] of runs.matchAll(/<([0-9a-fA-F]*)>/g)) {
            for (const code of hex.toLowerCase().match(/.{4}/g) ?? []) {
              const char = font?.get(code)
              if (char === undefined)
                throw new Error(`glyph ${code} is not in the font's ToUnicode map`)
              line += char
            }
          }
        }
        if (line !== '') lines.push(line)
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

export type PdfImage = { width: number; height: number; colourSpace: string; data: Buffer }

/**
 * The images in the PDF, decoded. pdfkit stores a PNG's compressed rows as they are (with a PNG
 * predictor), so `data` holds each row behind its filter-type byte.
 */
export function pdfImages(pdf: Uint8Array): PdfImage[] {
  return [...objects(pdf).values()]
    .filter((object) => object.data && /\/Subtype\s*\/Image/.test(object.dictionary))
    .map((object) => ({
      width: Number(/\/Width (\d+)/.exec(object.dictionary)?.[1]),
      height: Number(/\/Height (\d+)/.exec(object.dictionary)?.[1]),
      colourSpace: /\/ColorSpace \/(\w+)/.exec(object.dictionary)?.[1] ?? '',
      data: object.data ?? Buffer.alloc(0),
    }))
}
