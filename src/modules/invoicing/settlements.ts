import { sql } from 'kysely'
import type { CalendarDate } from '../../core/dates.js'
import { calendarDateAt } from '../../core/dates.js'
import { domainError, invalid, notFound } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import { formatAmount } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import './errors.js'
import type { SettlementKind } from './tables.js'
import { type InvoiceStep, recordInvoiceStep } from './timeline.js'

// What settles an invoice: a credit note, a payment allocated by cash application, a
// write-off, an early-payment discount taken, or an amount settled in a previous system. The
// open amount is never stored: it is the payable amount less the settlements (DESIGN.md
// invariant 4, view invoice_open_item). A settlement never makes it negative; what a payment
// brings beyond the open amount stays with the payer as unapplied cash.
//
// Settling does not post to the ledger: the caller knows the accounts (a credit note reverses
// revenue and VAT, a payment moves unapplied cash to the receivable) and posts in the same
// transaction.

export type Settlement = {
  id: string
  invoiceId: string
  kind: SettlementKind
  amountMinor: bigint
  currency: string
  settledOn: CalendarDate
  sourceType: string
  sourceId: string
  reversesSettlementId: string | null
}

export type SettlementInput = {
  invoiceId: string
  kind: SettlementKind
  /** Above zero, in the invoice's currency, at most what is open. */
  amountMinor: bigint
  currency: string
  /** Defaults to today in the tenant's time zone. */
  settledOn?: CalendarDate
  /** What settled it, e.g. { type: 'invoice', id: creditNoteId }. */
  source: { type: string; id: string }
}

export type OpenAmount = {
  invoiceId: string
  number: string
  customerId: string
  currency: string
  payableMinor: bigint
  settledMinor: bigint
  openMinor: bigint
}

/**
 * Settles (part of) an issued invoice. The invoice row is locked first, so two settlements
 * in concurrent transactions cannot together settle more than is open.
 */
export async function settleInvoice(ctx: Ctx, input: SettlementInput): Promise<Settlement> {
  if (input.amountMinor <= 0n) {
    throw invalid([{ field: 'amount', message: 'must be above 0' }])
  }
  const before = await lockOpenAmount(ctx, input.invoiceId)
  if (input.currency !== before.currency) {
    throw domainError(
      'invoicing.currency_mismatch',
      `Invoice ${before.number} is in ${before.currency}, the amount in ${input.currency}`,
      { field: 'currency', invoice_currency: before.currency },
    )
  }
  if (input.amountMinor > before.openMinor) {
    throw domainError(
      'invoicing.settlement_exceeds_open',
      `${formatAmount(input.amountMinor, input.currency)} is more than the ${formatAmount(before.openMinor, before.currency)} ${before.currency} open on invoice ${before.number}`,
      {
        field: 'amount',
        invoice_number: before.number,
        open: formatAmount(before.openMinor, before.currency),
      },
    )
  }
  const settlement: Settlement = {
    id: newId(),
    invoiceId: input.invoiceId,
    kind: input.kind,
    amountMinor: input.amountMinor,
    currency: input.currency,
    settledOn: input.settledOn ?? calendarDateAt(ctx.now, ctx.timeZone),
    sourceType: input.source.type,
    sourceId: input.source.id,
    reversesSettlementId: null,
  }
  await insertSettlement(ctx, settlement)
  const openAfter = before.openMinor - input.amountMinor
  const step = stepFor(input.kind, openAfter)
  if (step) {
    await recordInvoiceStep(ctx, input.invoiceId, step, {
      detail: {
        kind: input.kind,
        amount: formatAmount(input.amountMinor, input.currency),
        open_amount: formatAmount(openAfter, input.currency),
        currency: input.currency,
        source_type: input.source.type,
        source_id: input.source.id,
      },
    })
  }
  return settlement
}

/**
 * Undoes a settlement (un-applying a payment, say) with a row of the opposite amount that
 * names it; the invoice is open again for that amount.
 */
export async function reverseSettlement(
  ctx: Ctx,
  settlementId: string,
  source: { type: string; id: string },
): Promise<Settlement> {
  const original = await ctx.db
    .selectFrom('invoiceSettlement')
    .selectAll()
    .where('id', '=', settlementId)
    .executeTakeFirst()
  if (!original || original.amountMinor < 0n) throw notFound('settlement', settlementId)
  await lockOpenAmount(ctx, original.invoiceId)
  const reversed = await ctx.db
    .selectFrom('invoiceSettlement')
    .select('id')
    .where('reversesSettlementId', '=', settlementId)
    .executeTakeFirst()
  if (reversed) {
    throw domainError(
      'invoicing.settlement_already_reversed',
      `Settlement ${settlementId} was reversed by ${reversed.id}`,
      { settlement_id: settlementId },
    )
  }
  const reversal: Settlement = {
    id: newId(),
    invoiceId: original.invoiceId,
    kind: original.kind,
    amountMinor: -original.amountMinor,
    currency: original.currency,
    settledOn: calendarDateAt(ctx.now, ctx.timeZone),
    sourceType: source.type,
    sourceId: source.id,
    reversesSettlementId: settlementId,
  }
  await insertSettlement(ctx, reversal)
  return reversal
}

/**
 * What has settled the invoice aliased `invoice` in the surrounding query: the sum of its
 * settlements, read through the settlement index. For one invoice this is used instead of the
 * view invoice_open_item (whose definition it repeats): a lookup by id through the view lets the
 * planner walk the tenant's issued invoices by the due-date index when the table has no
 * statistics, as PGlite's never has, which made every read of an invoice slower as invoices grew.
 */
export const settledMinorOfInvoice = sql<bigint>`(select coalesce(sum(st.amount_minor), 0)::bigint
  from invoice_settlement st where st.tenant_id = invoice.tenant_id and st.invoice_id = invoice.id)`

/** What is open on one issued invoice; not found for a draft, a credit note or another tenant's id. */
export async function openAmount(ctx: Ctx, invoiceId: string): Promise<OpenAmount> {
  const row = await ctx.db
    .selectFrom('invoice')
    .select(['id as invoiceId', 'number', 'customerId', 'currency', 'payableMinor'])
    .select(settledMinorOfInvoice.as('settledMinor'))
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', invoiceId)
    .where('status', '=', 'issued')
    .where('documentType', '=', 'invoice')
    .executeTakeFirst()
  if (!row?.number) throw notFound('invoice', invoiceId)
  return { ...row, number: row.number, openMinor: row.payableMinor - row.settledMinor }
}

/** The settlements of an invoice, oldest first (reversals included, negative). */
export async function listSettlements(ctx: Ctx, invoiceId: string): Promise<Settlement[]> {
  return ctx.db
    .selectFrom('invoiceSettlement')
    .select([
      'id',
      'invoiceId',
      'kind',
      'amountMinor',
      'currency',
      'settledOn',
      'sourceType',
      'sourceId',
      'reversesSettlementId',
    ])
    .where('tenantId', '=', ctx.tenantId)
    .where('invoiceId', '=', invoiceId)
    .orderBy('createdAt')
    .orderBy('id')
    .execute()
}

async function lockOpenAmount(ctx: Ctx, invoiceId: string): Promise<OpenAmount> {
  const invoice = await ctx.db
    .selectFrom('invoice')
    .select(['status', 'documentType', 'number'])
    .where('id', '=', invoiceId)
    .forUpdate()
    .executeTakeFirst()
  if (!invoice) throw notFound('invoice', invoiceId)
  if (invoice.status !== 'issued' || invoice.documentType !== 'invoice') {
    throw domainError(
      'invoicing.invoice_not_open',
      invoice.status !== 'issued'
        ? 'The invoice is a draft; issue it first'
        : `${invoice.number} is a credit note, not an invoice`,
      { invoice_id: invoiceId },
    )
  }
  return openAmount(ctx, invoiceId)
}

async function insertSettlement(ctx: Ctx, settlement: Settlement): Promise<void> {
  await ctx.db
    .insertInto('invoiceSettlement')
    .values({
      tenantId: ctx.tenantId,
      ...settlement,
      createdAt: ctx.now,
      createdBy: ctx.actor.name,
    })
    .execute()
  await recordAudit(ctx, {
    entityType: 'invoice_settlement',
    entityId: settlement.id,
    action: settlement.reversesSettlementId ? 'reversed' : 'settled',
    after: {
      invoice_id: settlement.invoiceId,
      kind: settlement.kind,
      amount: formatAmount(settlement.amountMinor, settlement.currency),
      currency: settlement.currency,
      source_type: settlement.sourceType,
      source_id: settlement.sourceId,
      reverses_settlement_id: settlement.reversesSettlementId,
    },
  })
}

function stepFor(kind: SettlementKind, openAfter: bigint): InvoiceStep | undefined {
  switch (kind) {
    case 'payment':
    case 'discount':
      return openAfter === 0n ? 'paid' : 'partially_paid'
    case 'credit_note':
      return 'credited'
    case 'write_off':
      return 'written_off'
    case 'prior_settlement':
      return undefined
  }
}
