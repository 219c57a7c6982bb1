// What the library's Factur-X writer (@e-invoice-eu/core 2.3.4) leaves short of PDF/A-3b,
// completed in the document it is about to save: its addMetadata(pdf, xmp) is the last step
// before saving, after it has set the document information, the output intent and the ID.
// - PDF/A wants every document information entry equal to its XMP twin; the library writes
//   a different Title (its dc:title is the subject), Creator and Producer, and Keywords the
//   XMP does not have. The information dictionary is kept and the XMP made to say the same.
// - It writes the XMP string into the stream byte for byte by the low byte of each character,
//   so a seller named Dvořák came out as "DvoYák" in the XMP: it is encoded as UTF-8 here.
// - Its XMP dates are UTC with the machine's offset behind them (right only on a UTC machine);
//   they become UTC with a "Z".
// - The ICC profile stream of the sRGB output intent lacks N, the number of its colour
//   components, which an ICC profile stream must have.

/** The little of the library's pdf-lib (@cantoo/pdf-lib) document used here. */
type Dict = { lookup(key: unknown): unknown; set(key: unknown, value: unknown): void }
type LibraryPdf = {
  getTitle(): string | undefined
  getAuthor(): string | undefined
  getSubject(): string | undefined
  getKeywords(): string | undefined
  getCreator(): string | undefined
  getProducer(): string | undefined
  catalog: Dict
  context: { obj(literal: string | number): unknown }
}
export type FacturXWriter = { addMetadata(pdf: LibraryPdf, xmp: string | Uint8Array): void }

export function withPdfACorrections(writer: FacturXWriter): void {
  const addMetadata = writer.addMetadata.bind(writer)
  writer.addMetadata = (pdf, xmp) => {
    withProfileComponents(pdf)
    addMetadata(pdf, new TextEncoder().encode(alignedXmp(pdf, String(xmp))))
  }
}

function alignedXmp(pdf: LibraryPdf, xmp: string): string {
  let aligned = xmp.replace('\u00ef\u00bb\u00bf', '\ufeff') // the BOM, written as its bytes
  aligned = setXmp(aligned, 'dc:title', pdf.getTitle())
  aligned = setXmp(aligned, 'dc:creator', pdf.getAuthor())
  aligned = setXmp(aligned, 'dc:description', pdf.getSubject())
  aligned = setXmp(aligned, 'xmp:CreatorTool', pdf.getCreator())
  aligned = setXmp(aligned, 'pdf:Producer', pdf.getProducer())
  const keywords = pdf.getKeywords()
  if (keywords !== undefined) {
    aligned = aligned.replace(
      /(\s*)<pdf:Producer>/,
      (producer, space) => `${space}<pdf:Keywords>${escapeXml(keywords)}</pdf:Keywords>${producer}`,
    )
  }
  return aligned.replace(/(>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)[+-]\d\d:\d\d</g, '$1Z<')
}

/** The text of an XMP property, also one inside an rdf:Alt or rdf:Seq. */
function setXmp(xmp: string, property: string, value: string | undefined): string {
  if (value === undefined) return xmp
  const text = new RegExp(`(<${property}>(?:\\s*<rdf:(?:Alt|Seq)>\\s*<rdf:li[^>]*>)?)[^<]*`)
  if (!text.test(xmp)) throw new Error(`Factur-X XMP has no ${property}`)
  return xmp.replace(text, (_, open: string) => open + escapeXml(value))
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function withProfileComponents(pdf: LibraryPdf): void {
  const name = (key: string) => pdf.context.obj(key)
  const intents = pdf.catalog.lookup(name('OutputIntents')) as
    | { size(): number; lookup(index: number): Dict }
    | undefined
  for (let index = 0; intents && index < intents.size(); index++) {
    const profile = intents.lookup(index).lookup(name('DestOutputProfile')) as { dict: Dict }
    profile.dict.set(name('N'), pdf.context.obj(3)) // sRGB: three components
  }
}
