import {
  decodePDFRawStream,
  PDFArray,
  PDFDict,
  PDFDocument,
  type PDFHexString,
  PDFName,
  type PDFRawStream,
  type PDFString,
} from 'pdf-lib'
import PDFKit from 'pdfkit'

// Helpers for tests that handle PDFs: a small real PDF made with pdfkit (as the invoice PDF
// helper makes them), and what a Factur-X reader looks at in a PDF: the embedded files with
// their AFRelationship, the catalog's AF array, the XMP metadata and the output intents.

/** A one-page PDF with a line of text, the way pdfkit writes it. */
export function samplePdf(title: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const doc = new PDFKit({ size: 'A4', pdfVersion: '1.7', info: { Title: title } })
    const chunks: Buffer[] = []
    doc.on('data', (chunk: Buffer) => chunks.push(chunk))
    doc.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))))
    doc.on('error', reject)
    doc.fontSize(18).text(title)
    doc.fontSize(11).text('This page stands in for the invoice PDF.')
    doc.end()
  })
}

export type EmbeddedFile = { name: string; relationship?: string; bytes: Uint8Array }

export type PdfParts = {
  files: EmbeddedFile[]
  /** Number of entries in the catalog's /AF array (PDF/A-3 associated files). */
  associatedFiles: number
  metadata?: string
  outputIntents: number
  pageCount: number
}

export async function pdfParts(pdf: Uint8Array): Promise<PdfParts> {
  const document = await PDFDocument.load(pdf, { updateMetadata: false })
  const catalog = document.catalog
  const names = catalog.lookupMaybe(PDFName.of('Names'), PDFDict)
  const embedded = names?.lookupMaybe(PDFName.of('EmbeddedFiles'), PDFDict)
  const pairs = embedded?.lookupMaybe(PDFName.of('Names'), PDFArray)
  const files: EmbeddedFile[] = []
  for (let index = 0; pairs && index < pairs.size(); index += 2) {
    const name = pairs.lookup(index) as PDFString | PDFHexString
    const spec = pairs.lookup(index + 1, PDFDict)
    const stream = spec.lookup(PDFName.of('EF'), PDFDict).lookup(PDFName.of('F')) as PDFRawStream
    const relationship = spec.lookupMaybe(PDFName.of('AFRelationship'), PDFName)
    files.push({
      name: name.decodeText(),
      relationship: relationship?.decodeText(),
      bytes: decodePDFRawStream(stream).decode(),
    })
  }
  const metadata = catalog.lookup(PDFName.of('Metadata')) as PDFRawStream | undefined
  return {
    files,
    associatedFiles: catalog.lookupMaybe(PDFName.of('AF'), PDFArray)?.size() ?? 0,
    metadata: metadata
      ? new TextDecoder().decode(decodePDFRawStream(metadata).decode())
      : undefined,
    outputIntents: catalog.lookupMaybe(PDFName.of('OutputIntents'), PDFArray)?.size() ?? 0,
    pageCount: document.getPageCount(),
  }
}
