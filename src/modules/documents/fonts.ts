import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { inflateSync } from 'node:zlib'
import { create, type Font } from 'fontkit'

// The typeface of every PDF: DejaVu Sans, regular and bold, embedded (subset to the glyphs a
// document uses) so that a PDF shows every name as written — Dvořák, Łódź, Ağaç — and can be
// PDF/A, which allows no font that is not embedded. It comes from @fontsource/dejavu-sans,
// whose "latin" files hold the whole font (Latin-1, Latin Extended-A and -B, Greek, Cyrillic,
// the euro sign), as WOFF.
//
// fontkit reads WOFF, but inflates a table again on every read of it — every glyph — which
// takes seconds per document. So the WOFF is unpacked once per process into the TrueType
// font it wraps, fontkit parses that once (~1 s, mostly the layout tables), and every
// document subsets the same parsed font.

export type DocumentFonts = { regular: Font; bold: Font }

let loaded: DocumentFonts | undefined

export function documentFonts(): DocumentFonts {
  loaded ??= { regular: load('400'), bold: load('700') }
  return loaded
}

function load(weight: '400' | '700'): Font {
  const file = createRequire(import.meta.url).resolve(
    `@fontsource/dejavu-sans/files/dejavu-sans-latin-${weight}-normal.woff`,
  )
  return create(woffToSfnt(readFileSync(file)))
}

/**
 * The TrueType (or OpenType) font inside a WOFF 1.0 file: the same tables, inflated, behind
 * an sfnt table directory. The tables keep their checksums, so the font is the original.
 */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.toString('latin1', 0, 4) !== 'wOFF') throw new Error('not a WOFF 1.0 font')
  const tableCount = woff.readUInt16BE(12)
  const tables = Array.from({ length: tableCount }, (_, index) => {
    const entry = 44 + index * 20
    const offset = woff.readUInt32BE(entry + 4)
    const compressed = woff.readUInt32BE(entry + 8)
    const length = woff.readUInt32BE(entry + 12)
    const stored = woff.subarray(offset, offset + compressed)
    return {
      tag: woff.readUInt32BE(entry),
      checksum: woff.readUInt32BE(entry + 16),
      data: compressed < length ? inflateSync(stored) : stored,
    }
  })
  const power = 2 ** Math.floor(Math.log2(tableCount))
  const header = Buffer.alloc(12 + 16 * tableCount)
  header.writeUInt32BE(woff.readUInt32BE(4), 0) // the flavour: TrueType or CFF
  header.writeUInt16BE(tableCount, 4)
  header.writeUInt16BE(power * 16, 6)
  header.writeUInt16BE(Math.log2(power), 8)
  header.writeUInt16BE(tableCount * 16 - power * 16, 10)
  const parts: Buffer[] = [header]
  let offset = header.length
  tables.forEach((table, index) => {
    const record = 12 + index * 16
    header.writeUInt32BE(table.tag, record)
    header.writeUInt32BE(table.checksum, record + 4)
    header.writeUInt32BE(offset, record + 8)
    header.writeUInt32BE(table.data.length, record + 12)
    const padding = (4 - (table.data.length % 4)) % 4
    parts.push(table.data, Buffer.alloc(padding))
    offset += table.data.length + padding
  })
  return Buffer.concat(parts)
}
