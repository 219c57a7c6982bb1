import { domainError, notFound } from '../../core/errors.js'
import { isUuid } from '../../core/ids.js'
import { lineNetMinor } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import type { DocumentLine, InvoiceDocument, PaymentTerms } from './document.js'
import './errors.js'
import { getInvoice, type Invoice } from './queries.js'

// The contract with the renderers (PDF, UBL, CII): an issued document with everything on it,
// built from the stored rows only, so a document renders the same today and in ten years.
// The pay page link is left out: the payments module adds it.

export async function loadInvoiceDocument(ctx: Ctx, invoiceId: string): Promise<InvoiceDocument> {
  if (!isUuid(invoiceId)) throw notFound('invoice', invoiceId)
  const invoice = await getInvoice(ctx, invoiceId)
  if (invoice.status !== 'issued' || !invoice.number || !invoice.issueDate) {
    throw domainError(
      'invoicing.not_issued',
      'The document is a draft; only an issued document has a PDF or e-invoice',
      { invoice_id: invoiceId },
    )
  }
  const [orderNumbers, preceding] = await Promise.all([
    orderNumbersOf(ctx, invoice),
    invoice.correctsInvoiceId
      ? ctx.db
          .selectFrom('invoice')
          .select(['number', 'issueDate'])
          .where('id', '=', invoice.correctsInvoiceId)
          .executeTakeFirstOrThrow()
      : undefined,
  ])
  const seller = invoice.seller as NonNullable<Invoice['seller']>
  const buyer = invoice.buyer as NonNullable<Invoice['buyer']>
  // BR-O-02: an invoice outside the scope of VAT carries neither party's VAT id.
  const outsideScope = invoice.vatBreakdown.some((row) => row.category === 'O')
  const intraEu = invoice.vatBreakdown.some((row) => row.category === 'K')
  return {
    type: invoice.documentType,
    number: invoice.number,
    issueDate: invoice.issueDate,
    ...(invoice.dueDate ? { dueDate: invoice.dueDate } : {}),
    currency: invoice.currency,
    ...(invoice.accountingCurrency ? { accountingCurrency: invoice.accountingCurrency } : {}),
    ...(invoice.buyerReference ? { buyerReference: invoice.buyerReference } : {}),
    ...(invoice.orderReference ? { orderReference: invoice.orderReference } : {}),
    ...(preceding?.number && preceding.issueDate
      ? { precedingInvoice: { number: preceding.number, issueDate: preceding.issueDate } }
      : {}),
    ...(invoice.period ? { invoicingPeriod: invoice.period } : {}),
    // BR-IC-12: an intra-EU supply names the country delivered to (the buyer's, as we know it).
    ...(invoice.deliveryDate || intraEu
      ? {
          delivery: {
            ...(invoice.deliveryDate ? { date: invoice.deliveryDate } : {}),
            ...(intraEu ? { country: buyer.address.country } : {}),
          },
        }
      : {}),
    language: invoice.language,
    seller: outsideScope ? { ...seller, vatId: undefined } : seller,
    buyer: outsideScope ? { ...buyer, vatId: undefined } : buyer,
    lines: invoice.lines.map((line): DocumentLine => {
      const orderNumber = line.orderId ? orderNumbers.get(line.orderId) : undefined
      return {
        id: String(line.lineNumber),
        itemCode: line.itemCode,
        name: line.description || line.itemCode,
        ...(line.description ? { description: line.description } : {}),
        quantity: line.quantity,
        unit: line.unit,
        unitPriceMinor: line.unitPriceMinor,
        discountPercent: line.discountPercent,
        discountMinor: lineNetMinor(line.quantity, line.unitPriceMinor) - line.netMinor,
        netMinor: line.netMinor,
        vatCategory: line.vatCategory,
        vatRate: line.vatRate,
        ...(orderNumber !== undefined ? { orderNumber } : {}),
      }
    }),
    allowancesCharges: invoice.allowancesCharges,
    vatBreakdown: invoice.vatBreakdown,
    totals: invoice.totals,
    terms: documentTerms(invoice),
    paymentReference: invoice.paymentReference as string,
    ...(invoice.note ? { note: invoice.note } : {}),
  }
}

function documentTerms(invoice: Invoice): PaymentTerms {
  const { netDays, discount, instalments } = invoice.paymentTerms
  return {
    netDays,
    ...(discount?.dueDate && discount.amountMinor !== undefined
      ? {
          discount: {
            percent: discount.percent,
            days: discount.days,
            dueDate: discount.dueDate,
            amountMinor: discount.amountMinor,
          },
        }
      : {}),
    ...(instalments?.schedule ? { instalments: instalments.schedule } : {}),
  }
}

/** Our order numbers for the lines' orders, in one query. */
async function orderNumbersOf(ctx: Ctx, invoice: Invoice): Promise<Map<string, number>> {
  const ids = [...new Set(invoice.lines.flatMap((line) => (line.orderId ? [line.orderId] : [])))]
  if (ids.length === 0) return new Map()
  const rows = await ctx.db
    .selectFrom('salesOrder')
    .select(['id', 'number'])
    .where('id', 'in', ids)
    .execute()
  return new Map(rows.map((row) => [row.id, row.number]))
}
