import type { Ctx } from '../../db/context.js'
import type { DocumentType, InvoiceDocument } from '../invoicing/index.js'
import type { DeliveryChannel } from './tables.js'

// What delivery needs from the stages around it, in one place: invoicing finds the invoice,
// the customer's billing profile and the document; einvoice renders the UBL; documents the
// PDF; payments the pay page. Delivery is written against this shape only, and index.ts
// plugs the real functions in (see productionWiring there), so swapping a stage's function
// is a change of one line. Tests plug in their own.

export type InvoiceHead = {
  id: string
  customerId: string
  documentType: DocumentType
  number: string | null
  issued: boolean
}

/** Where a customer's invoices go (invoicing's customer_billing; defaults when none). */
export type BillingChannel = {
  invoiceChannel: DeliveryChannel
  invoiceEmail: string | null
  peppol: { scheme: string; id: string } | null
}

export interface DocumentRenderer {
  /** The PDF people read; `look` is what loadDocument gave with the document. */
  pdf(document: InvoiceDocument, look: unknown): Promise<Uint8Array>
  /** The UBL 2.1 e-invoice (Peppol BIS Billing 3.0). */
  ubl(document: InvoiceDocument): Promise<string>
}

export type DeliveryWiring = {
  /** The invoice or credit note, or null when the tenant has none with this id. */
  findInvoice(ctx: Ctx, invoiceId: string): Promise<InvoiceHead | null>
  customerBilling(ctx: Ctx, customerId: string): Promise<BillingChannel>
  /** An issued document and the look of its PDF (logo, colours), read in the job's transaction. */
  loadDocument(ctx: Ctx, invoiceId: string): Promise<{ document: InvoiceDocument; look: unknown }>
  /** The public page of the document: the pay page, which is also its portal page. */
  payPageUrl(ctx: Ctx, invoiceId: string): Promise<string>
  renderer: DocumentRenderer
}

let current: DeliveryWiring | null = null

/** Plugs in the functions delivery uses; index.ts does it at start, a test in its setup. */
export function wireDelivery(wiring: DeliveryWiring): void {
  current = wiring
}

export function deliveryWiring(): DeliveryWiring {
  if (!current) throw new Error('delivery: no wiring; call wireDelivery() at start-up')
  return current
}
