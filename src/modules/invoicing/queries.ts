import type { Selectable } from 'kysely'
import { type CalendarDate, calendarDateAt, isCalendarDate } from '../../core/dates.js'
import { invalid, notFound } from '../../core/errors.js'
import { isUuid } from '../../core/ids.js'
import { compareDecimal, type Decimal, decimalFromStore, formatDecimal } from '../../core/money.js'
import { decodeCursor, type Page, pageSizeDefault, toPage } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'
import type {
  AllowanceCharge,
  Buyer,
  DocumentLanguage,
  DocumentTotals,
  DocumentType,
  Seller,
  VatBreakdown,
  VatCategory,
} from './document.js'
import { camelKeys } from './json-case.js'
import { listSettlements, type Settlement, settledMinorOfInvoice } from './settlements.js'
import type { InvoiceOrigin, InvoicingTables } from './tables.js'

// Reading invoices back: one document with everything on it (getInvoice), lists for the
// billing specialist (listInvoices) and the open items of a customer (listOpenItems).

export type InvoiceLine = {
  lineNumber: number
  itemCode: string
  description: string
  quantity: Decimal
  unit: string
  unitPriceMinor: bigint
  discountPercent: Decimal
  vatCategory: VatCategory
  vatRate: Decimal
  netMinor: bigint
  orderId: string | null
  orderLineId: string | null
  shipmentLineId: string | null
}

/** The payment terms as a draft asks for them and, once issued, with their dates and amounts. */
export type InvoiceTerms = {
  netDays: number
  discount: {
    percent: Decimal
    days: number
    /** Set at issue. */
    dueDate?: CalendarDate
    amountMinor?: bigint
  } | null
  instalments: {
    count?: number
    dueDays?: number[]
    /** Set at issue: the instalments' dates and amounts, which sum to the amount due. */
    schedule?: { dueDate: CalendarDate; amountMinor: bigint }[]
  } | null
}

export type Invoice = {
  id: string
  documentType: DocumentType
  status: 'draft' | 'issued'
  origin: InvoiceOrigin
  customerId: string
  currency: string
  correctsInvoiceId: string | null
  series: string | null
  fiscalYear: number | null
  sequence: bigint | null
  number: string | null
  issueDate: CalendarDate | null
  dueDate: CalendarDate | null
  paymentReference: string | null
  seller: Seller | null
  buyer: Buyer | null
  language: DocumentLanguage
  buyerReference: string | null
  orderReference: string | null
  paymentTerms: InvoiceTerms
  period: { start: CalendarDate; end: CalendarDate } | null
  deliveryDate: CalendarDate | null
  note: string | null
  lines: InvoiceLine[]
  allowancesCharges: AllowanceCharge[]
  vatBreakdown: VatBreakdown[]
  totals: DocumentTotals
  accountingCurrency: { currency: string; rate: Decimal; vatMinor: bigint } | null
  /** What is still open: issued invoices only (null for drafts and credit notes). */
  openMinor: bigint | null
  settlements: Settlement[]
  createdAt: Date
  createdBy: string
  issuedAt: Date | null
  issuedBy: string | null
  updatedAt: Date
  version: number
}

export type InvoiceSummary = Omit<
  Invoice,
  'lines' | 'allowancesCharges' | 'vatBreakdown' | 'settlements' | 'seller' | 'buyer'
> & { customerName: string | null }

/** One invoice or credit note with its lines, allowances and charges, VAT and settlements. */
export async function getInvoice(
  ctx: Ctx,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Invoice> {
  if (!isUuid(id)) throw notFound('invoice', id)
  const query = ctx.db
    .selectFrom('invoice')
    .selectAll('invoice')
    .select(settledMinorOfInvoice.as('settledMinor'))
    .where('invoice.tenantId', '=', ctx.tenantId)
    .where('invoice.id', '=', id)
  // Issuing locks the row it reads (the only writer of a draft's status holds it till commit).
  const row = await (options.forUpdate ? query.forUpdate() : query).executeTakeFirst()
  if (!row) throw notFound('invoice', id)
  const [lines, allowances, vat, settlements] = await Promise.all([
    ctx.db
      .selectFrom('invoiceLine')
      .selectAll()
      .where('tenantId', '=', ctx.tenantId)
      .where('invoiceId', '=', id)
      .orderBy('lineNumber')
      .execute(),
    ctx.db
      .selectFrom('invoiceAllowanceCharge')
      .selectAll()
      .where('tenantId', '=', ctx.tenantId)
      .where('invoiceId', '=', id)
      .orderBy('position')
      .execute(),
    ctx.db
      .selectFrom('invoiceVat')
      .selectAll()
      .where('tenantId', '=', ctx.tenantId)
      .where('invoiceId', '=', id)
      .execute(),
    row.documentType === 'invoice' && row.status === 'issued'
      ? listSettlements(ctx, id)
      : Promise.resolve([]),
  ])
  return {
    ...header(row),
    seller: row.seller ? (camelKeys(row.seller) as Seller) : null,
    buyer: row.buyer ? (camelKeys(row.buyer) as Buyer) : null,
    // Open only on an issued invoice (as in the view invoice_open_item).
    openMinor:
      row.status === 'issued' && row.documentType === 'invoice'
        ? row.payableMinor - row.settledMinor
        : null,
    lines: lines.map((line) => ({
      lineNumber: line.lineNumber,
      itemCode: line.itemCode,
      description: line.description,
      quantity: decimalFromStore(line.quantity),
      unit: line.unit,
      unitPriceMinor: line.unitPriceMinor,
      discountPercent: decimalFromStore(line.discountPercent),
      vatCategory: line.vatCategory,
      vatRate: decimalFromStore(line.vatRate),
      netMinor: line.netMinor,
      orderId: line.orderId,
      orderLineId: line.orderLineId,
      shipmentLineId: line.shipmentLineId,
    })),
    allowancesCharges: allowances.map((entry) => ({
      isCharge: entry.isCharge,
      reason: entry.reason,
      ...(entry.reasonCode ? { reasonCode: entry.reasonCode } : {}),
      amountMinor: entry.amountMinor,
      vatCategory: entry.vatCategory,
      vatRate: decimalFromStore(entry.vatRate),
    })),
    vatBreakdown: sortBreakdown(
      vat.map((entry) => ({
        category: entry.vatCategory,
        rate: decimalFromStore(entry.vatRate),
        taxableMinor: entry.taxableMinor,
        vatMinor: entry.vatMinor,
        ...(entry.exemptionReason ? { exemptionReason: entry.exemptionReason } : {}),
        ...(entry.exemptionReasonCode ? { exemptionReasonCode: entry.exemptionReasonCode } : {}),
      })),
    ),
    settlements,
  }
}

type InvoiceRow = Selectable<InvoicingTables['invoice']>

function header(row: InvoiceRow) {
  return {
    id: row.id,
    documentType: row.documentType,
    status: row.status,
    origin: row.origin,
    customerId: row.customerId,
    currency: row.currency,
    correctsInvoiceId: row.correctsInvoiceId,
    series: row.series,
    fiscalYear: row.fiscalYear,
    sequence: row.sequence,
    number: row.number,
    issueDate: row.issueDate,
    dueDate: row.dueDate,
    paymentReference: row.paymentReference,
    language: row.language,
    buyerReference: row.buyerReference,
    orderReference: row.orderReference,
    paymentTerms: termsFromJson(row.paymentTerms),
    period:
      row.periodStart && row.periodEnd ? { start: row.periodStart, end: row.periodEnd } : null,
    deliveryDate: row.deliveryDate,
    note: row.note,
    totals: {
      lineNetMinor: row.lineNetMinor,
      allowancesMinor: row.allowanceMinor,
      chargesMinor: row.chargeMinor,
      taxExclusiveMinor: row.taxExclusiveMinor,
      vatMinor: row.vatMinor,
      taxInclusiveMinor: row.totalMinor,
      prepaidMinor: row.prepaidMinor,
      payableMinor: row.payableMinor,
    },
    accountingCurrency:
      row.accountingCurrency && row.exchangeRate && row.vatAccountingMinor !== null
        ? {
            currency: row.accountingCurrency,
            rate: decimalFromStore(row.exchangeRate),
            vatMinor: row.vatAccountingMinor,
          }
        : null,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    issuedAt: row.issuedAt,
    issuedBy: row.issuedBy,
    updatedAt: row.updatedAt,
    version: row.version,
  }
}

export type InvoiceFilter = {
  customerId?: string
  status?: 'draft' | 'issued'
  documentType?: DocumentType
  /** Issued invoices past their due date with something open. */
  overdue?: boolean
  number?: string
  cursor?: string
  limit?: number
}

/** Invoices and credit notes, oldest first (by id), a page at a time. */
export async function listInvoices(
  ctx: Ctx,
  filter: InvoiceFilter = {},
): Promise<Page<InvoiceSummary>> {
  const limit = filter.limit ?? pageSizeDefault
  const after = decodeCursor(filter.cursor)
  let query = ctx.db
    .selectFrom('invoice')
    .leftJoin('invoiceOpenItem as open', 'open.invoiceId', 'invoice.id')
    .leftJoin('customer', (join) =>
      join
        .onRef('customer.tenantId', '=', 'invoice.tenantId')
        .onRef('customer.id', '=', 'invoice.customerId'),
    )
    .selectAll('invoice')
    .select(['open.openMinor', 'customer.legalName as customerName'])
    .orderBy('invoice.id')
    .limit(limit + 1)
  if (after) query = query.where('invoice.id', '>', after)
  if (filter.customerId) query = query.where('invoice.customerId', '=', filter.customerId)
  if (filter.status) query = query.where('invoice.status', '=', filter.status)
  if (filter.documentType) query = query.where('invoice.documentType', '=', filter.documentType)
  if (filter.number) query = query.where('invoice.number', '=', filter.number)
  if (filter.overdue) {
    const today = calendarDateAt(ctx.now, ctx.timeZone)
    query = query.where('invoice.dueDate', '<', today).where('open.openMinor', '>', 0n)
  }
  const rows = await query.execute()
  return toPage(
    rows.map((row) => ({
      ...header(row),
      openMinor: row.openMinor ?? null,
      customerName: row.customerName ?? null,
    })),
    limit,
  )
}

export type OpenItem = {
  invoiceId: string
  customerId: string
  number: string
  currency: string
  issueDate: CalendarDate
  dueDate: CalendarDate
  paymentReference: string
  payableMinor: bigint
  openMinor: bigint
}

// One customer's open items fit on a statement; a customer with more is looked at in pages.
const openItemsMax = 5_000

/** The issued invoices with something open, oldest due first. */
export async function listOpenItems(
  ctx: Ctx,
  filter: { customerId?: string; currency?: string; asOf?: CalendarDate } = {},
): Promise<OpenItem[]> {
  if (filter.customerId !== undefined && !isUuid(filter.customerId)) {
    throw invalid([{ field: 'customer_id', message: 'is not a uuid' }])
  }
  if (filter.asOf !== undefined && !isCalendarDate(filter.asOf)) {
    throw invalid([{ field: 'as_of', message: 'must be a date YYYY-MM-DD' }])
  }
  let query = ctx.db
    .selectFrom('invoiceOpenItem')
    .select([
      'invoiceId',
      'customerId',
      'number',
      'currency',
      'issueDate',
      'dueDate',
      'paymentReference',
      'payableMinor',
      'openMinor',
    ])
    .where('openMinor', '<>', 0n)
    .orderBy('dueDate')
    .orderBy('number')
    .limit(openItemsMax)
  if (filter.customerId) query = query.where('customerId', '=', filter.customerId)
  if (filter.currency) query = query.where('currency', '=', filter.currency)
  return query.execute()
}

export function termsFromJson(json: unknown): InvoiceTerms {
  const terms = (json ?? {}) as {
    net_days?: number
    discount?: { percent: string; days: number; due_date?: string; amount_minor?: string } | null
    instalments?: {
      count?: number
      due_days?: number[]
      schedule?: { due_date: string; amount_minor: string }[]
    } | null
  }
  return {
    netDays: terms.net_days ?? 30,
    discount: terms.discount
      ? {
          percent: decimalFromStore(terms.discount.percent),
          days: terms.discount.days,
          ...(terms.discount.due_date ? { dueDate: terms.discount.due_date } : {}),
          ...(terms.discount.amount_minor !== undefined
            ? { amountMinor: BigInt(terms.discount.amount_minor) }
            : {}),
        }
      : null,
    instalments: terms.instalments
      ? {
          ...(terms.instalments.count !== undefined ? { count: terms.instalments.count } : {}),
          ...(terms.instalments.due_days ? { dueDays: terms.instalments.due_days } : {}),
          ...(terms.instalments.schedule
            ? {
                schedule: terms.instalments.schedule.map((i) => ({
                  dueDate: i.due_date,
                  amountMinor: BigInt(i.amount_minor),
                })),
              }
            : {}),
        }
      : null,
  }
}

export function termsToJson(terms: InvoiceTerms): string {
  return JSON.stringify({
    net_days: terms.netDays,
    discount: terms.discount
      ? {
          percent: formatDecimal(terms.discount.percent),
          days: terms.discount.days,
          due_date: terms.discount.dueDate,
          amount_minor: terms.discount.amountMinor?.toString(),
        }
      : null,
    instalments: terms.instalments
      ? {
          count: terms.instalments.count,
          due_days: terms.instalments.dueDays,
          schedule: terms.instalments.schedule?.map((i) => ({
            due_date: i.dueDate,
            amount_minor: i.amountMinor.toString(),
          })),
        }
      : null,
  })
}

function sortBreakdown(rows: VatBreakdown[]): VatBreakdown[] {
  return rows.sort((a, b) => {
    if (a.category !== b.category) return a.category < b.category ? -1 : 1
    return compareDecimal(a.rate, b.rate)
  })
}
