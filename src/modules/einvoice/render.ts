import { type EInvoiceFormat, FormatFactoryService, type Logger } from '@e-invoice-eu/core'
import type { InvoiceDocument } from '../invoicing/index.js'
import { ublModelOf } from './ubl-model.js'

// The e-invoice renderers: pure functions of an InvoiceDocument. They call the format
// services of @e-invoice-eu/core directly, created once per process. The library's own entry
// point (InvoiceService.generate) compiles its JSON schema with Ajv on every call, ~110 ms a
// document; the format services write the same XML in ~1 ms (decision 0004 has the figures).
// That skips the library's input schema check: our model is typed against the library's
// Invoice type, and every document the tests render passes the official EN 16931 and Peppol
// rules (validate-einvoice).

// The library logs progress through this; o2c has nothing to add to its own logs from it.
const quiet: Logger = {
  log: () => {},
  warn: () => {},
  error: (message: string) => console.error(`@e-invoice-eu/core: ${message}`),
}

const factory = new FormatFactoryService()
const formats: Record<string, EInvoiceFormat> = {}
function format(name: 'UBL' | 'CII' | 'Factur-X-EN16931'): EInvoiceFormat {
  if (!formats[name]) {
    const service = factory.createFormatService(name, quiet)
    if (name !== 'UBL') withHeaderTradeDelivery(service as EInvoiceFormat & XmlWriter)
    formats[name] = service
  }
  return formats[name]
}

type CiiTree = Record<string, Record<string, Record<string, unknown>>>
type XmlWriter = { renderXML(data: object): string }

// The CII schema requires ram:ApplicableHeaderTradeDelivery in every invoice, empty when
// nothing was delivered (a service) and no date or country is known. The library (2.3.4)
// writes it only when the model has delivery details, so an invoice without them fails the
// XSD. Every CII the library writes (also the one inside Factur-X) passes through its public
// renderXML; this adds the empty element there, in its place between agreement and
// settlement.
function withHeaderTradeDelivery(service: XmlWriter): void {
  const renderXML = service.renderXML.bind(service)
  service.renderXML = (data: object) => {
    const tree = data as CiiTree
    const transaction = tree['rsm:CrossIndustryInvoice']?.['rsm:SupplyChainTradeTransaction']
    if (transaction && !('ram:ApplicableHeaderTradeDelivery' in transaction)) {
      const { 'ram:ApplicableHeaderTradeSettlement': settlement, ...before } = transaction
      tree['rsm:CrossIndustryInvoice']['rsm:SupplyChainTradeTransaction'] = {
        ...before,
        'ram:ApplicableHeaderTradeDelivery': {},
        'ram:ApplicableHeaderTradeSettlement': settlement,
      }
    }
    return renderXML(data)
  }
}

/** UBL 2.1 Invoice (380) or CreditNote (381) per Peppol BIS Billing 3.0. */
export async function renderUbl(doc: InvoiceDocument): Promise<string> {
  return (await format('UBL').generate(ublModelOf(doc, 'ubl'), {
    format: 'ubl',
    lang: doc.language,
  })) as string
}

/** UN/CEFACT Cross Industry Invoice (D16B) per EN 16931. */
export async function renderCii(doc: InvoiceDocument): Promise<string> {
  const model = ublModelOf(doc, 'cii')
  format('CII').fillInvoiceDefaults(model)
  return (await format('CII').generate(model, { format: 'cii', lang: doc.language })) as string
}

/**
 * The given PDF as a Factur-X / ZUGFeRD hybrid, profile EN 16931: PDF/A-3 with the CII
 * embedded as factur-x.xml (AFRelationship Alternative) and the Factur-X XMP metadata.
 *
 *   const hybrid = await renderFacturX(doc, await renderInvoicePdf(doc))
 *
 * Whether the result is valid PDF/A-3b also depends on the PDF given (embedded fonts, no
 * transparency); the library adds the sRGB output intent, the metadata and the attachment.
 */
export async function renderFacturX(doc: InvoiceDocument, pdf: Uint8Array): Promise<Uint8Array> {
  const model = ublModelOf(doc, 'cii')
  const facturX = format('Factur-X-EN16931')
  facturX.fillInvoiceDefaults(model)
  return (await facturX.generate(model, {
    format: 'factur-x-en16931',
    lang: doc.language,
    pdf: { buffer: pdf, filename: documentFileName(doc, 'pdf'), mimetype: 'application/pdf' },
  })) as Uint8Array
}

export type DocumentKind = 'pdf' | 'ubl' | 'cii'

/**
 * The file name of a document as attached to a mail or dropped for a Peppol access point:
 * INV-2026-00042.pdf (also the Factur-X hybrid, which is the PDF), INV-2026-00042.ubl.xml,
 * INV-2026-00042.cii.xml. Characters a file system or mail client may refuse become "_".
 */
export function documentFileName(doc: Pick<InvoiceDocument, 'number'>, kind: DocumentKind): string {
  const base = doc.number.replace(/[^A-Za-z0-9._-]/g, '_')
  return kind === 'pdf' ? `${base}.pdf` : `${base}.${kind}.xml`
}
