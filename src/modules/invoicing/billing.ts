import { sql } from 'kysely'
import type { CalendarDate } from '../../core/dates.js'
import { DomainError, domainError } from '../../core/errors.js'
import { formatDecimal, money } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { statisticsRefresher } from '../../db/statistics.js'
import { getCustomerHeader } from '../customers/index.js'
import {
  getOrder,
  markOrderPrepaid,
  type Order,
  recordInvoicedQuantities,
  uninvoicedShipmentLines,
} from '../orders/index.js'
import {
  type BillableGroup,
  type BillingScope,
  billableGroupKeys,
  billableGroups,
} from './billing-selection.js'
import { type DraftLineInput, insertInvoiceDraft } from './drafts.js'
import './errors.js'
import { type IssuedDocument, issueDraft, issueInvoice } from './issue.js'
import { getInvoice, type Invoice } from './queries.js'
import type { InvoiceOrigin } from './tables.js'

// Where invoices come from: what was shipped and not yet invoiced (bill on shipment), a whole
// order (bill on order), a prepayment order before it ships (prepayment invoice), and the
// consolidated run of billing-run.ts. Every invoice is made and issued in one transaction
// together with the record of what it billed (recordInvoicedQuantities, which locks the
// shipment lines and refuses to bill a quantity twice), so a shipment line is on one invoice
// at most, also when two billing calls run at once.
//
// An order billed whole (on order, or a prepayment invoice) has its later shipments count as
// invoiced: the selection never offers them, and the job after each shipment.shipped records
// their quantities as invoiced (markShipmentsOfOrderBilledWhole), so the order moves on to
// invoiced and closed like any other.

/**
 * Runs work in a tenant transaction of its own, one per call: billing commits each invoice
 * on its own, so one bad customer does not hold back the rest and a crash loses at most the
 * invoice being made. Routes pass `(work) => read(request, work)`, the CLI inCliTenant, jobs
 * inJobTenant, tests `tenant.run`.
 */
export type TenantTransactions = <T>(work: (ctx: Ctx) => Promise<T>) => Promise<T>

export type BilledInvoice = {
  invoiceId: string
  number: string
  customerId: string
  currency: string
  orderIds: string[]
  linesCount: number
  netMinor: bigint
  vatMinor: bigint
  totalMinor: bigint
}

/** A group that could not be billed, with the rule that stopped it. */
export type BillingFailure = {
  customerId: string
  currency: string
  groupKey: string
  code: string
  detail: string
}

export type BillingOutcome = {
  invoices: BilledInvoice[]
  failures: BillingFailure[]
  /** Groups another billing call billed while this one was at work. */
  skipped: number
}

export type BillingProgress = (done: number, total?: number) => void

// Invoices chosen per selection statement: enough to amortise the statement, few enough to
// keep the lines of one page in memory (a consolidated invoice may carry hundreds of lines).
const groupsPerPageMax = 500

/**
 * Bill on shipment: an invoice per shipment for per_shipment customers (the default), and
 * per order for per_order customers once the order is fully shipped, from what was shipped
 * (up to `shippedTo`, a date in the tenant's time zone) and not yet invoiced.
 *
 *   const outcome = await billShipments(tenant.run, { customerId })
 */
export async function billShipments(
  inTransaction: TenantTransactions,
  options: {
    customerId?: string
    shippedTo?: CalendarDate
    issueDate?: CalendarDate
    onProgress?: BillingProgress
  } = {},
): Promise<BillingOutcome> {
  const customerId = options.customerId
  // Another tenant's customer, or none: not found, as for any id (DESIGN.md invariant 6).
  if (customerId) await inTransaction((ctx) => getCustomerHeader(ctx, customerId))
  const scope: BillingScope = {
    kind: 'on_shipment',
    customerId: options.customerId,
    shippedTo: options.shippedTo,
  }
  return billSelection(inTransaction, scope, {
    origin: 'shipment',
    issueDate: options.issueDate,
    onProgress: options.onProgress,
  })
}

// The tables each invoice of a run adds rows to (or updates), whose statistics the run
// refreshes as it grows (src/db/statistics.ts).
const tablesBillingGrows = [
  'invoice',
  'invoice_line',
  'invoice_vat',
  'invoice_event',
  'shipment_line',
  'sales_order',
  'journal_entry',
  'journal_line',
  'billing_run_invoice',
  'audit_event',
  'outbox_event',
]

/**
 * Pages through a selection and bills its groups, `batchSize` invoices per transaction (one
 * unless told). `onBatch` runs in the batch's transaction after its invoices (the billing
 * run links them to itself there). A batch commits whole or not at all, so the numbers stay gapless;
 * a batch that fails is billed again one invoice per transaction, so one bad customer costs
 * only its own invoice and the rest of its batch is billed.
 */
export async function billSelection(
  inTransaction: TenantTransactions,
  scope: BillingScope,
  options: {
    origin: InvoiceOrigin
    issueDate?: CalendarDate
    period?: (group: BillableGroup) => { start: CalendarDate; end: CalendarDate }
    onBatch?: (ctx: Ctx, invoices: BilledInvoice[]) => Promise<void>
    onFailure?: (failure: BillingFailure) => Promise<void>
    onProgress?: BillingProgress
    batchSize?: number
  },
): Promise<BillingOutcome> {
  const outcome: BillingOutcome = { invoices: [], failures: [], skipped: 0 }
  const batchSize = Math.max(1, options.batchSize ?? 1)
  const pageSize = Math.max(groupsPerPageMax, batchSize)
  let done = 0
  const statistics = statisticsRefresher(tablesBillingGrows)
  const billInTransaction = (batch: BillableGroup[]) =>
    inTransaction(async (ctx) => {
      const billed: BilledInvoice[] = []
      for (const group of batch) {
        const invoice = await billGroup(ctx, group, {
          origin: options.origin,
          issueDate: options.issueDate,
          period: options.period?.(group),
        })
        billed.push(invoice)
      }
      await options.onBatch?.(ctx, billed)
      await statistics.afterRows(ctx, done + billed.length)
      return billed
    })
  const billOne = async (group: BillableGroup) => {
    try {
      const [billed] = await billInTransaction([group])
      outcome.invoices.push(billed as BilledInvoice)
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      // Another billing call took these lines first: they are billed, once.
      if (error.code === 'shipments.invoiced_exceeds_shipped') {
        outcome.skipped++
      } else {
        const failure = {
          customerId: group.customerId,
          currency: group.currency,
          groupKey: group.key,
          code: error.code,
          detail: error.message,
        }
        outcome.failures.push(failure)
        await options.onFailure?.(failure)
      }
    }
    options.onProgress?.(++done)
  }
  // What is billable when the call starts; lines shipped later wait for the next call.
  const keys = await inTransaction((ctx) => billableGroupKeys(ctx, scope))
  for (let page = 0; page < keys.length; page += pageSize) {
    const pageKeys = keys.slice(page, page + pageSize)
    const groups = await inTransaction((ctx) => billableGroups(ctx, scope, pageKeys))
    for (let start = 0; start < groups.length; start += batchSize) {
      const batch = groups.slice(start, start + batchSize)
      if (batch.length === 1) {
        await billOne(batch[0] as BillableGroup)
        continue
      }
      let billed: BilledInvoice[]
      try {
        billed = await billInTransaction(batch)
      } catch {
        // Rolled back whole: bill them one by one, so each failure is its group's alone.
        for (const group of batch) await billOne(group)
        continue
      }
      outcome.invoices.push(...billed)
      for (let i = 0; i < billed.length; i++) options.onProgress?.(++done)
    }
  }
  return outcome
}

/**
 * Makes and issues the invoice of one group of shipment lines, in the caller's transaction.
 * The quantities are recorded first: that locks the lines' orders and refuses a line another
 * transaction billed meanwhile, before this one takes an invoice number.
 */
export async function billGroup(
  ctx: Ctx,
  group: BillableGroup,
  options: {
    origin: InvoiceOrigin
    issueDate?: CalendarDate
    period?: { start: CalendarDate; end: CalendarDate }
  },
): Promise<BilledInvoice> {
  await recordInvoicedQuantities(
    ctx,
    group.lines.map((line) => ({
      shipmentLineId: line.shipmentLineId,
      quantity: line.quantityText,
    })),
  )
  const orders = new Map(group.lines.map((line) => [line.orderId, line]))
  const shippedOn = [...new Set(group.lines.map((line) => line.shippedOn))]
  const single = orders.size === 1 ? group.lines[0] : undefined
  const draftId = await insertInvoiceDraft(ctx, {
    origin: options.origin,
    customerId: group.customerId,
    currency: group.currency,
    lines: group.lines.map(
      (line): DraftLineInput => ({
        itemCode: line.itemCode,
        description: line.description,
        quantity: line.quantity,
        unit: line.unit,
        unitPriceMinor: line.unitPriceMinor,
        discountPercent: line.discountPercent,
        vatCategory: line.vatCategory,
        vatRate: line.vatRate,
        orderId: line.orderId,
        orderLineId: line.orderLineId,
        shipmentLineId: line.shipmentLineId,
      }),
    ),
    // BT-13 names one purchase order; an invoice for several names each on its lines.
    orderReference: single ? orderReferenceOf(single) : null,
    period: options.period ?? null,
    deliveryDate: !options.period && shippedOn.length === 1 ? shippedOn[0] : null,
    paymentTerms: single ? { netDays: single.paymentTermsDays } : undefined,
  })
  const issued = await issueDraft(ctx, draftId, { issueDate: options.issueDate })
  return billedInvoice(issued, [...orders.keys()])
}

/**
 * Bill on order: one invoice for everything on the order, shipped or not (per_order
 * customers, or on demand). Refused, writing nothing, for a draft, a cancelled order, an
 * order on credit hold or one invoiced already (in whole or in part).
 */
export async function billOrder(
  ctx: Ctx,
  orderId: string,
  options: { issueDate?: CalendarDate } = {},
): Promise<Invoice> {
  const order = await lockOrderForBilling(ctx, orderId, 'order')
  return billOrderWhole(ctx, order, 'order', options)
}

/**
 * The prepayment invoice of an order that requires prepayment: the whole order, due on the
 * issue date. When it is paid in full, the order is marked prepaid and may ship
 * (releasePrepaidOrder, on the invoice.paid event); its shipments are not billed again.
 */
export async function billPrepayment(
  ctx: Ctx,
  orderId: string,
  options: { issueDate?: CalendarDate } = {},
): Promise<Invoice> {
  const order = await lockOrderForBilling(ctx, orderId, 'prepayment')
  return billOrderWhole(ctx, order, 'prepayment', options)
}

async function billOrderWhole(
  ctx: Ctx,
  order: Order,
  origin: 'order' | 'prepayment',
  options: { issueDate?: CalendarDate },
): Promise<Invoice> {
  const draftId = await insertInvoiceDraft(ctx, {
    origin,
    customerId: order.customerId,
    currency: order.currency,
    lines: order.lines.map(
      (line): DraftLineInput => ({
        itemCode: line.itemCode,
        description: line.description,
        quantity: line.quantity,
        unit: line.unit,
        unitPriceMinor: line.unitPriceMinor,
        discountPercent: line.discountPercent,
        vatCategory: line.vatCategory,
        vatRate: line.vatRate,
        orderId: order.id,
        orderLineId: line.id,
      }),
    ),
    orderReference: orderReferenceOf({
      customerReference: order.customerReference,
      orderNumber: order.number,
    }),
    // A prepayment is due at once: the goods wait for it.
    paymentTerms:
      origin === 'prepayment'
        ? { netDays: 0, discount: null, instalments: null }
        : { netDays: order.paymentTermsDays },
  })
  const issued = await issueInvoice(ctx, draftId, { issueDate: options.issueDate })
  await markShipmentsOfOrderBilledWhole(ctx, order.id)
  return issued
}

/**
 * Checks that an order may be billed whole, holding a transaction lock on it so two calls
 * for one order take turns (the second then finds the first's invoice).
 */
async function lockOrderForBilling(
  ctx: Ctx,
  orderId: string,
  origin: 'order' | 'prepayment',
): Promise<Order> {
  const order = await getOrder(ctx, orderId)
  await sql`select pg_advisory_xact_lock(hashtextextended(${`invoicing.order/${order.id}`}, 0))`.execute(
    ctx.db,
  )
  const facts = { order_id: order.id, order_number: order.number, order_status: order.status }
  if (order.status === 'draft' || order.status === 'cancelled' || order.status === 'credit_hold') {
    throw domainError(
      'invoicing.order_not_billable',
      `Order ${order.number} is ${order.status.replace('_', ' ')}; only a confirmed order can be invoiced`,
      facts,
    )
  }
  const billed = await invoicesOfOrder(ctx, order.id)
  if (order.status === 'invoiced' || order.status === 'closed' || billed.length > 0) {
    throw domainError(
      'invoicing.order_already_invoiced',
      `Order ${order.number} is invoiced already${billed.length > 0 ? ` (${billed.map((b) => b.number ?? 'a draft').join(', ')})` : ''}`,
      { ...facts, invoices: billed.map((b) => b.number) },
    )
  }
  if (origin === 'prepayment') {
    if (!order.requiresPrepayment) {
      throw domainError(
        'invoicing.prepayment_not_required',
        `Order ${order.number} does not require prepayment; bill it on order or on shipment`,
        facts,
      )
    }
    if (order.paidAt) {
      throw domainError(
        'invoicing.order_already_prepaid',
        `Order ${order.number} was prepaid already; it needs no prepayment invoice`,
        facts,
      )
    }
  }
  return order
}

/** The invoices (not credit notes) with a line of this order, drafts included. */
async function invoicesOfOrder(ctx: Ctx, orderId: string) {
  return ctx.db
    .selectFrom('invoice as i')
    .select(['i.id', 'i.number', 'i.origin'])
    .distinct()
    .where('i.documentType', '=', 'invoice')
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('invoiceLine as il')
          .select('il.lineNumber')
          .whereRef('il.invoiceId', '=', 'i.id')
          .where('il.orderId', '=', orderId),
      ),
    )
    .execute()
}

/** Whether an order was billed whole: an invoice of origin order or prepayment names it. */
export async function orderBilledWhole(ctx: Ctx, orderId: string): Promise<boolean> {
  const billed = await invoicesOfOrder(ctx, orderId)
  return billed.some((b) => b.origin === 'order' || b.origin === 'prepayment')
}

/**
 * The shipped lines of an order billed whole count as invoiced: records their quantities
 * (all of them, whichever shipment), so the order follows shipped → invoiced. Nothing to do
 * for an order not billed whole or with nothing left. Returns how many lines it recorded.
 */
export async function markShipmentsOfOrderBilledWhole(ctx: Ctx, orderId: string): Promise<number> {
  if (!(await orderBilledWhole(ctx, orderId))) return 0
  let recorded = 0
  for (let cursor: string | undefined, first = true; first || cursor; first = false) {
    const page = await uninvoicedShipmentLines(ctx, { orderId, cursor, limit: 1_000 })
    if (page.data.length > 0) {
      await recordInvoicedQuantities(
        ctx,
        page.data.map((line) => ({
          shipmentLineId: line.shipmentLineId,
          quantity: formatDecimal(line.quantity),
        })),
      )
    }
    recorded += page.data.length
    cursor = page.nextCursor ?? undefined
  }
  return recorded
}

/**
 * A prepayment invoice paid in full releases its order to ship: the order is marked prepaid
 * with the invoice number as the reference. Safe to repeat (the worker may run it twice).
 */
export async function releasePrepaidOrder(ctx: Ctx, invoiceId: string): Promise<boolean> {
  const invoice = await getInvoice(ctx, invoiceId)
  if (invoice.origin !== 'prepayment' || invoice.status !== 'issued') return false
  if (invoice.openMinor !== 0n) return false
  const orderId = invoice.lines.find((line) => line.orderId)?.orderId
  if (!orderId) return false
  const order = await getOrder(ctx, orderId)
  const awaitedMinor = order.totals.grossMinor - order.prepaidMinor
  if (order.paidAt || awaitedMinor <= 0n) return false
  await markOrderPrepaid(ctx, orderId, {
    reference: invoice.number as string,
    amount: money(awaitedMinor, order.currency),
  })
  return true
}

function orderReferenceOf(order: { customerReference: string; orderNumber: number }): string {
  return order.customerReference.trim() !== ''
    ? order.customerReference.trim()
    : String(order.orderNumber)
}

function billedInvoice(invoice: IssuedDocument, orderIds: string[]): BilledInvoice {
  return {
    invoiceId: invoice.id,
    number: invoice.number,
    customerId: invoice.customerId,
    currency: invoice.currency,
    orderIds,
    linesCount: invoice.linesCount,
    netMinor: invoice.totals.taxExclusiveMinor,
    vatMinor: invoice.totals.vatMinor,
    totalMinor: invoice.totals.taxInclusiveMinor,
  }
}
