import {
  decodePDFRawStream,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRawStream,
  PDFString,
} from 'pdf-lib'
import { describe, expect, test } from 'vitest'
import { renderInvoicePdf } from '../../src/modules/documents/index.js'
import { renderFacturX } from '../../src/modules/einvoice/index.js'
import { catalogueLine, invoiceDocument, logoPng, look, seller } from '../invoice-documents.js'

// The Factur-X of our invoice PDF against the points of PDF/A-3b (ISO 19005-3) that can be
// checked from the file's structure, without veraPDF: every font embedded with a ToUnicode
// map, no encryption, an ID in the trailer, XMP with pdfaid part 3 / conformance B that says
// what the document information dictionary says, an sRGB output intent with its ICC profile,
// no transparency, annotations that print, and the embedded XML as an associated file.
// The seller's name has letters outside ASCII and an "&", to catch encoding slips.

const doc = invoiceDocument({
  lines: Array.from({ length: 10 }, (_, i) => catalogueLine(i + 1)),
  extra: {
    seller: { ...seller, name: 'Dvořák & Synové s.r.o.' },
    paymentLink: 'https://pay.example.com/i/abc123',
  },
})

describe('the Factur-X of an invoice PDF', async () => {
  const withLogo = { ...look, logo: { data: logoPng(), mediaType: 'image/png' as const } }
  const hybrid = await renderFacturX(doc, await renderInvoicePdf(doc, withLogo))
  const pdf = await PDFDocument.load(hybrid, { updateMetadata: false })
  const objects = pdf.context.enumerateIndirectObjects().map(([, object]) => object)
  const dictionaries = objects.map((object) =>
    object instanceof PDFRawStream ? object.dict : object instanceof PDFDict ? object : undefined,
  )
  const named = (dict: PDFDict | undefined, key: string) =>
    dict?.lookupMaybe(PDFName.of(key), PDFName)?.decodeText()
  const xmp = new TextDecoder('utf-8', { fatal: true }).decode(
    decodePDFRawStream(pdf.catalog.lookup(PDFName.of('Metadata')) as PDFRawStream).decode(),
  )
  const xmpText = (property: string) => {
    const match = new RegExp(
      `<${property}>(?:\\s*<rdf:(?:Alt|Seq)>\\s*<rdf:li[^>]*>)?([^<]*)<`,
    ).exec(xmp)
    return match?.[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
  }

  test('embeds every font, as a subset with a ToUnicode map', () => {
    const fonts = dictionaries.filter((dict) => named(dict, 'Type') === 'Font')
    const composite = fonts.filter((font) => named(font, 'Subtype') === 'Type0')
    expect(composite).toHaveLength(2)
    for (const font of composite) {
      expect(named(font, 'BaseFont')).toMatch(/^[A-Z]{6}\+DejaVuSans(-Bold)?$/)
      expect(font?.lookup(PDFName.of('ToUnicode'))).toBeInstanceOf(PDFRawStream)
      const cidFont = font?.lookup(PDFName.of('DescendantFonts'), PDFArray).lookup(0, PDFDict)
      expect(named(cidFont, 'CIDToGIDMap')).toBe('Identity')
      const descriptor = cidFont?.lookup(PDFName.of('FontDescriptor'), PDFDict)
      expect(descriptor?.lookup(PDFName.of('FontFile2'))).toBeInstanceOf(PDFRawStream)
    }
    // The rest are the CIDFonts under them: no standard font without a font program.
    expect(fonts.filter((font) => named(font, 'Subtype') !== 'Type0')).toHaveLength(2)
  })

  test('is not encrypted and has an ID in the trailer', () => {
    expect(pdf.isEncrypted).toBe(false)
    expect(pdf.context.trailerInfo.Encrypt).toBeUndefined()
    const id = pdf.context.trailerInfo.ID as PDFArray
    expect(id).toBeInstanceOf(PDFArray)
    expect(id.size()).toBe(2)
    expect(id.get(0)).toBeInstanceOf(PDFHexString)
  })

  test('says PDF/A-3b in XMP that is valid UTF-8 and matches the document information', () => {
    expect(xmpText('pdfaid:part')).toBe('3')
    expect(xmpText('pdfaid:conformance')).toBe('B')
    expect(xmpText('dc:creator')).toBe('Dvořák & Synové s.r.o.')
    expect(xmpText('dc:title')).toBe('Dvořák & Synové s.r.o.: Invoice INV-2026-00042')
    expect(pdf.getTitle()).toBe(xmpText('dc:title'))
    expect(pdf.getAuthor()).toBe(xmpText('dc:creator'))
    expect(pdf.getSubject()).toBe(xmpText('dc:description'))
    expect(pdf.getKeywords()).toBe(xmpText('pdf:Keywords'))
    expect(pdf.getCreator()).toBe(xmpText('xmp:CreatorTool'))
    expect(pdf.getProducer()).toBe(xmpText('pdf:Producer'))
    expect(pdf.getCreationDate()?.toISOString()).toBe(
      new Date(xmpText('xmp:CreateDate') ?? '').toISOString(),
    )
    expect(pdf.getModificationDate()?.toISOString()).toBe(
      new Date(xmpText('xmp:ModifyDate') ?? '').toISOString(),
    )
  })

  test('has one sRGB output intent with its ICC profile embedded', () => {
    const intents = pdf.catalog.lookup(PDFName.of('OutputIntents'), PDFArray)
    expect(intents.size()).toBe(1)
    const intent = intents.lookup(0, PDFDict)
    expect(named(intent, 'S')).toBe('GTS_PDFA1')
    const profile = intent.lookup(PDFName.of('DestOutputProfile')) as PDFRawStream
    expect(profile.dict.lookup(PDFName.of('N'), PDFNumber).asNumber()).toBe(3)
    const icc = Buffer.from(decodePDFRawStream(profile).decode())
    expect(icc.toString('latin1', 36, 40)).toBe('acsp') // the ICC signature
    expect(icc.toString('latin1', 16, 20)).toBe('RGB ') // its colour space
    expect(icc.toString('latin1', 12, 16)).toBe('mntr') // a display profile
  })

  test('draws nothing transparent: no soft masks, no alpha constants, no blend modes', () => {
    for (const dict of dictionaries) {
      if (!dict) continue
      expect(dict.get(PDFName.of('SMask'))).toBeUndefined()
      for (const key of ['ca', 'CA']) {
        const alpha = dict.lookupMaybe(PDFName.of(key), PDFNumber)
        if (alpha) expect(alpha.asNumber()).toBe(1)
      }
      const blend = named(dict, 'BM')
      if (blend) expect(['Normal', 'Compatible']).toContain(blend)
    }
  })

  test('has annotations that print and carry no script', () => {
    const annotations = dictionaries.filter((dict) => named(dict, 'Type') === 'Annot')
    expect(annotations.length).toBeGreaterThan(0) // the pay link
    for (const annotation of annotations) {
      const flags = annotation?.lookup(PDFName.of('F'), PDFNumber).asNumber() ?? 0
      expect(flags & 4).toBe(4)
      const action = annotation?.lookupMaybe(PDFName.of('A'), PDFDict)
      expect(named(action, 'S')).toBe('URI')
    }
  })

  test('carries factur-x.xml as an associated file with its MIME type', () => {
    const associated = pdf.catalog.lookup(PDFName.of('AF'), PDFArray)
    expect(associated.size()).toBe(1)
    const spec = associated.lookup(0, PDFDict)
    expect(spec.lookup(PDFName.of('F'), PDFString, PDFHexString).decodeText()).toBe('factur-x.xml')
    expect(spec.lookup(PDFName.of('UF'), PDFString, PDFHexString).decodeText()).toBe('factur-x.xml')
    expect(named(spec, 'AFRelationship')).toBe('Alternative')
    const file = spec.lookup(PDFName.of('EF'), PDFDict).lookup(PDFName.of('F')) as PDFRawStream
    expect(named(file.dict, 'Subtype')).toBe('text/xml')
  })
})
