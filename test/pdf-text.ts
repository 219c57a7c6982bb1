import { inflateSync } from 'node:zlib'

// What a PDF says, for tests: the text of each page, and the images it carries. pdfkit writes
// each page's content as one deflated stream. Its text is in embedded fonts, so a text run is
// a hex string of glyph ids inside a TJ array (`[<0029004400460057> 0] TJ`, after `/F1 8.5 Tf`
// picks the font), and each font carries a ToUnicode CMap that maps its glyph ids back to the
// characters. Inflating the streams and decoding the runs through those maps gives back
// exactly the text that was drawn, without a PDF library that can read text. One text object
// (BT … ET) is one printed line. Pages are read in the order of the page tree, each with
// the fonts of its own resources (PDFs merged with pdf-lib have an F1 per part, and keep
// their dictionaries in object streams). A font without a ToUnicode map (a standard font,
// which is not embedded) is an error: every font our PDFs use must be embedded.

type PdfObject = { dictionary: string; data?: Buffer }

/** The objects by number, also those inside object streams. */
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
  for (const { dictionary, data } of [...found.values()]) {
    if (!data || !/\/Type\s*\/ObjStm/.test(dictionary)) continue
    const first = Number(/\/First (\d+)/.exec(dictionary)?.[1])
    const header = data.toString('latin1', 0, first).trim().split(/\s+/).map(Number)
    for (let index = 0; index < header.length; index += 2) {
      const end = index + 3 < header.length ? first + header[index + 3] : data.length
      found.set(header[index], {
        dictionary: data.toString('latin1', first + header[index + 1], end),
      })
    }
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

const reference = (dictionary: string, key: string) =>
  Number(new RegExp(`/${key}\\s*(\\d+) 0 R`).exec(dictionary)?.[1])

/** The pages in order: the page tree from the catalog, depth first. */
function pageObjects(all: Map<number, PdfObject>): PdfObject[] {
  const catalog = [...all.values()].find((o) => /\/Type\s*\/Catalog/.test(o.dictionary))
  const walk = (number: number): PdfObject[] => {
    const node = all.get(number)
    if (!node) return []
    if (!/\/Type\s*\/Pages/.test(node.dictionary)) return [node]
    const kids = /\/Kids\s*\[([^\]]*)\]/.exec(node.dictionary)?.[1] ?? ''
    return [...kids.matchAll(/(\d+) 0 R/g)].flatMap((kid) => walk(Number(kid[1])))
  }
  return catalog ? walk(reference(catalog.dictionary, 'Pages')) : []
}

/** The character map of each font of a page, by the name its content uses (`F1`, …). */
function pageFonts(all: Map<number, PdfObject>, page: string): Map<string, CharacterMap> {
  const resources = all.get(reference(page, 'Resources'))?.dictionary ?? page
  const inline = /\/Font\s*<<([^>]*)>>/.exec(resources)?.[1]
  const fonts = inline ?? all.get(reference(resources, 'Font'))?.dictionary ?? ''
  const byName = new Map<string, CharacterMap>()
  for (const [, name, number] of fonts.matchAll(/\/(\w+)\s*(\d+) 0 R/g)) {
    const cmap = all.get(reference(all.get(Number(number))?.dictionary ?? '', 'ToUnicode'))?.data
    if (cmap) byName.set(name, characterMap(cmap.toString('latin1')))
  }
  return byName
}

/** The text of every page, one printed line per array entry. */
export function pdfPages(pdf: Uint8Array): string[][] {
  const all = objects(pdf)
  return pageObjects(all).map((page) => {
    const fonts = pageFonts(all, page.dictionary)
    const contents = /\/Contents\s*(\[[^\]]*\]|\d+ 0 R)/.exec(page.dictionary)?.[1] ?? ''
    const content = [...contents.matchAll(/(\d+) 0 R/g)]
      .map((ref) => all.get(Number(ref[1]))?.data?.toString('latin1') ?? '')
      .join('\n')
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
