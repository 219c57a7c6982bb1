import { AsyncLocalStorage } from 'node:async_hooks'
import { type EInvoiceFormat, FormatFactoryService, type Logger } from '@e-invoice-eu/core'
import type { InvoiceDocument } from '../invoicing/index.js'
import { type FacturXWriter, withPdfACorrections } from './pdfa.js'
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
    if (name !== 'UBL') withCiiCorrections(service as EInvoiceFormat & XmlWriter)
    if (name === 'Factur-X-EN16931') withPdfACorrections(service as unknown as FacturXWriter)
    formats[name] = service
  }
  return formats[name]
}

type CiiTree = Record<string, Record<string, Record<string, Record<string, unknown>>>>
type XmlWriter = { renderXML(data: object): string }

// The document being rendered, for the CII corrections below; it follows the call through the
// library's awaits, so concurrent renders never see each other's document.
const rendering = new AsyncLocalStorage<InvoiceDocument>()

// Two gaps of the library's CII writer (2.3.4), corrected in the tree it hands to its public
// renderXML, which every CII it writes passes through (also the one inside Factur-X):
// - the CII schema requires ram:ApplicableHeaderTradeDelivery, empty when there is no delivery
//   date or place (a service); the library writes it only when there is one;
// - its Factur-X EN 16931 profile drops the buyer's order reference (BT-13), which EN 16931
//   and the Factur-X EN 16931 profile both have;
// - it writes the preceding invoice's date (BT-26) as udt:DateTimeString where the schema
//   has qdt:DateTimeString.
function withCiiCorrections(service: XmlWriter): void {
  const renderXML = service.renderXML.bind(service)
  service.renderXML = (data: object) => {
    const transaction = (data as CiiTree)['rsm:CrossIndustryInvoice']?.[
      'rsm:SupplyChainTradeTransaction'
    ]
    if (transaction) {
      if (!('ram:ApplicableHeaderTradeDelivery' in transaction)) {
        insertBefore(transaction, 'ram:ApplicableHeaderTradeSettlement', {
          'ram:ApplicableHeaderTradeDelivery': {},
        })
      }
      const settlement = transaction['ram:ApplicableHeaderTradeSettlement'] ?? {}
      const preceding = settlement['ram:InvoiceReferencedDocument']
      for (const reference of Array.isArray(preceding) ? preceding : preceding ? [preceding] : []) {
        const date = reference['ram:FormattedIssueDateTime']
        if (date) reference['ram:FormattedIssueDateTime'] = qualifiedDateTime(date)
      }
      const agreement = transaction['ram:ApplicableHeaderTradeAgreement']
      const orderReference = rendering.getStore()?.orderReference
      if (agreement && orderReference && !('ram:BuyerOrderReferencedDocument' in agreement)) {
        insertBefore(agreement, agreementAfterOrder, {
          'ram:BuyerOrderReferencedDocument': { 'ram:IssuerAssignedID': orderReference },
        })
      }
    }
    return renderXML(data)
  }
}

function qualifiedDateTime(date: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(date).map(([key, value]) => [key.replace(/^udt:/, 'qdt:'), value]),
  )
}

// What follows the buyer order reference in a header trade agreement (CII D16B sequence).
const agreementAfterOrder = [
  'ram:ContractReferencedDocument',
  'ram:AdditionalReferencedDocument',
  'ram:SpecifiedProcuringProject',
]

/** Adds `entries` to `tree` before the first of `following` it has (else at the end). */
function insertBefore(
  tree: Record<string, unknown>,
  following: string | string[],
  entries: Record<string, unknown>,
): void {
  const names = Array.isArray(following) ? following : [following]
  const rest = Object.keys(tree).filter((_, index, keys) =>
    keys.slice(0, index + 1).some((key) => names.includes(key)),
  )
  const moved = Object.fromEntries(rest.map((key) => [key, tree[key]]))
  for (const key of rest) delete tree[key]
  Object.assign(tree, entries, moved)
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
  return (await rendering.run(doc, () =>
    format('CII').generate(model, { format: 'cii', lang: doc.language }),
  )) as string
}

/**
 * The given PDF as a Factur-X / ZUGFeRD hybrid, profile EN 16931: PDF/A-3 with the CII
 * embedded as factur-x.xml (AFRelationship Alternative) and the Factur-X XMP metadata.
 *
 *   const hybrid = await renderFacturX(doc, await renderInvoicePdf(doc))
 *
 * Whether the result is valid PDF/A-3b also depends on the PDF given: renderInvoicePdf embeds
 * its fonts. The library adds the sRGB output intent, the metadata, the ID and the attachment;
 * pdfa.ts completes what it leaves short of PDF/A.
 */
export async function renderFacturX(doc: InvoiceDocument, pdf: Uint8Array): Promise<Uint8Array> {
  const model = ublModelOf(doc, 'cii')
  const facturX = format('Factur-X-EN16931')
  facturX.fillInvoiceDefaults(model)
  return (await rendering.run(doc, () =>
    facturX.generate(model, {
      format: 'factur-x-en16931',
      lang: doc.language,
      pdf: { buffer: pdf, filename: documentFileName(doc, 'pdf'), mimetype: 'application/pdf' },
    }),
  )) as Uint8Array
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
