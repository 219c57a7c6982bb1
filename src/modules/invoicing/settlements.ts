import { sql } from 'kysely'
import type { CalendarDate } from '../../core/dates.js'
import { calendarDateAt } from '../../core/dates.js'
import { domainError, invalid, notFound } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import { formatAmount } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { emitEvents } from '../outbox/index.js'
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

export type BulkSettlementInput = SettlementInput & {
  /** Given by the caller, so that its own rows can name the settlement in the same batch. */
  id: string
}

/**
 * Locks these issued invoices (in id order, so two bulk writers cannot deadlock) and reads
 * what is open on each, in two set-based statements. Cash application plans its allocations
 * on these amounts and then settles with settleInvoicesInBulk in the same transaction.
 */
export async function lockOpenAmounts(
  ctx: Ctx,
  invoiceIds: readonly string[],
): Promise<Map<string, OpenAmount>> {
  const ids = [...new Set(invoiceIds)].sort()
  const amounts = new Map<string, OpenAmount>()
  if (ids.length === 0) return amounts
  // One statement: the invoices locked (in id order), their settlements summed apart, so
  // that 100,000 invoices cost one pass over each table, not a look-up per invoice.
  const { rows } = await sql<{
    invoiceId: string
    number: string
    customerId: string
    currency: string
    payableMinor: bigint
    openMinor: bigint
  }>`
    with given as (
      select unnest(${ids}::uuid[]) as id
    ), locked as (
      -- Joined to the given ids, so that each invoice is found by its key whatever the
      -- planner thinks of a long id list.
      select i.id, i.number, i.customer_id, i.currency, i.payable_minor, i.status,
        i.document_type
      from given join invoice i on i.tenant_id = ${ctx.tenantId} and i.id = given.id
      order by i.id
      for update of i
    ), settled as (
      select st.invoice_id, sum(st.amount_minor)::bigint as settled_minor
      from given join invoice_settlement st
        on st.tenant_id = ${ctx.tenantId} and st.invoice_id = given.id
      group by st.invoice_id
    )
    select locked.id as invoice_id, locked.number, locked.customer_id, locked.currency,
      locked.payable_minor, locked.payable_minor - coalesce(settled.settled_minor, 0) as open_minor
    from locked left join settled on settled.invoice_id = locked.id
    where locked.status = 'issued' and locked.document_type = 'invoice'`.execute(ctx.db)
  for (const r of rows) {
    const payableMinor = BigInt(r.payableMinor)
    const openMinor = BigInt(r.openMinor)
    amounts.set(r.invoiceId, {
      ...r,
      payableMinor,
      openMinor,
      settledMinor: payableMinor - openMinor,
    })
  }
  return amounts
}

// Settlements per statement of a bulk settling: a few megabytes of JSON per round trip.
const settlementsPerStatement = 10_000

/**
 * Settles many invoices in a few set-based statements (cash application's automatic run):
 * the rules of settleInvoice — issued invoices only, the invoice's currency, never more than
 * is open (summed over the batch) — checked on amounts read under lock, then every settlement
 * and its timeline step (paid, partially_paid, written_off) written in bulk. Not audited row
 * by row: the caller records one audit event per application that names its settlements.
 */
export async function settleInvoicesInBulk(
  ctx: Ctx,
  inputs: readonly BulkSettlementInput[],
  options: {
    /**
     * What lockOpenAmounts gave the caller in this transaction for (at least) these invoices,
     * with nothing settled on them since: spares locking and reading them a second time.
     */
    locked?: ReadonlyMap<string, OpenAmount>
  } = {},
): Promise<Settlement[]> {
  if (inputs.length === 0) return []
  const open = new Map(
    options.locked ??
      (await lockOpenAmounts(
        ctx,
        inputs.map((i) => i.invoiceId),
      )),
  )
  const today = calendarDateAt(ctx.now, ctx.timeZone)
  const settlements: Settlement[] = []
  const steps: Array<{ id: string; invoiceId: string; step: InvoiceStep; detail: object }> = []
  for (const [index, input] of inputs.entries()) {
    const before = open.get(input.invoiceId)
    if (!before) throw notFound('invoice', input.invoiceId)
    if (input.amountMinor <= 0n) {
      throw invalid([{ field: `settlements[${index}].amount`, message: 'must be above 0' }])
    }
    if (input.currency !== before.currency) {
      throw domainError(
        'invoicing.currency_mismatch',
        `Invoice ${before.number} is in ${before.currency}, the amount in ${input.currency}`,
        { field: `settlements[${index}].currency`, invoice_currency: before.currency },
      )
    }
    if (input.amountMinor > before.openMinor) {
      throw domainError(
        'invoicing.settlement_exceeds_open',
        `${formatAmount(input.amountMinor, input.currency)} is more than the ${formatAmount(before.openMinor, before.currency)} ${before.currency} open on invoice ${before.number}`,
        {
          field: `settlements[${index}].amount`,
          invoice_number: before.number,
          open: formatAmount(before.openMinor, before.currency),
        },
      )
    }
    const openAfter = before.openMinor - input.amountMinor
    open.set(input.invoiceId, { ...before, openMinor: openAfter })
    settlements.push({
      id: input.id,
      invoiceId: input.invoiceId,
      kind: input.kind,
      amountMinor: input.amountMinor,
      currency: input.currency,
      settledOn: input.settledOn ?? today,
      sourceType: input.source.type,
      sourceId: input.source.id,
      reversesSettlementId: null,
    })
    const step = stepFor(input.kind, openAfter)
    if (step) {
      steps.push({
        id: newId(),
        invoiceId: input.invoiceId,
        step,
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
  }
  for (let start = 0; start < settlements.length; start += settlementsPerStatement) {
    const rows = settlements.slice(start, start + settlementsPerStatement).map((s) => ({
      id: s.id,
      invoice_id: s.invoiceId,
      kind: s.kind,
      amount_minor: s.amountMinor.toString(),
      currency: s.currency,
      settled_on: s.settledOn,
      source_type: s.sourceType,
      source_id: s.sourceId,
    }))
    await sql`
      insert into invoice_settlement (tenant_id, id, invoice_id, kind, amount_minor, currency,
        settled_on, source_type, source_id, created_at, created_by)
      select ${ctx.tenantId}::uuid, r.id, r.invoice_id, r.kind, r.amount_minor::bigint,
        r.currency, r.settled_on, r.source_type, r.source_id, ${ctx.now}::timestamptz,
        ${ctx.actor.name}
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, invoice_id uuid,
        kind text, amount_minor text, currency text, settled_on date, source_type text,
        source_id text)`.execute(ctx.db)
  }
  await recordInvoiceStepsInBulk(ctx, steps)
  return settlements
}

async function recordInvoiceStepsInBulk(
  ctx: Ctx,
  steps: ReadonlyArray<{ id: string; invoiceId: string; step: InvoiceStep; detail: object }>,
): Promise<void> {
  for (let start = 0; start < steps.length; start += settlementsPerStatement) {
    const part = steps.slice(start, start + settlementsPerStatement)
    const rows = part.map((s) => ({
      id: s.id,
      invoice_id: s.invoiceId,
      step: s.step,
      detail: s.detail,
    }))
    await sql`
      insert into invoice_event (tenant_id, id, invoice_id, step, channel, detail, occurred_at)
      select ${ctx.tenantId}::uuid, r.id, r.invoice_id, r.step, null, r.detail,
        ${ctx.now}::timestamptz
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, invoice_id uuid,
        step text, detail jsonb)`.execute(ctx.db)
    // The same announcement recordInvoiceStep makes, for each step.
    await emitEvents(
      ctx,
      part.map((s) => ({
        type: `invoice.${s.step}`,
        entityType: 'invoice',
        entityId: s.invoiceId,
        payload: {
          invoice_id: s.invoiceId,
          step: s.step,
          channel: null,
          occurred_at: ctx.now.toISOString(),
          ...s.detail,
        },
      })),
    )
  }
}

export type VatShare = {
  category: string
  ratePercent: string
  taxableMinor: bigint
  vatMinor: bigint
}

/**
 * The VAT breakdown of these invoices as issued (invoice_vat), per invoice: what an
 * early-payment discount's VAT correction is split by. Opening balances have none.
 */
export async function vatBreakdownOf(
  ctx: Ctx,
  invoiceIds: readonly string[],
): Promise<Map<string, VatShare[]>> {
  const byInvoice = new Map<string, VatShare[]>()
  if (invoiceIds.length === 0) return byInvoice
  const rows = await ctx.db
    .selectFrom('invoiceVat')
    .select(['invoiceId', 'vatCategory', 'vatRate', 'taxableMinor', 'vatMinor'])
    .where('invoiceId', 'in', [...new Set(invoiceIds)])
    .orderBy('invoiceId')
    .orderBy('vatCategory')
    .orderBy('vatRate')
    .execute()
  for (const r of rows) {
    const list = byInvoice.get(r.invoiceId) ?? []
    list.push({
      category: r.vatCategory,
      ratePercent: String(r.vatRate),
      taxableMinor: BigInt(r.taxableMinor),
      vatMinor: BigInt(r.vatMinor),
    })
    byInvoice.set(r.invoiceId, list)
  }
  return byInvoice
}

export type BulkOpenItem = {
  invoiceId: string
  number: string
  customerId: string
  currency: string
  openMinor: bigint
  issueDate: CalendarDate
  dueDate: CalendarDate
  paymentReference: string | null
  /** The early-payment discount of the invoice's terms, when it has one. */
  discountMinor: bigint | null
  discountUntil: CalendarDate | null
}

/**
 * Every open item with something open (of these customers, when given), with its discount
 * terms: cash application's book. The same numbers as invoice_open_item, in one grouped join
 * the planner may hash, which is what 200,000 open items, or one customer's 100,000, need.
 * (A join to a CTE of the invoices went wrong: with no statistics on fresh settlements the
 * planner scanned the CTE once per settlement, 36 s for one customer's 100,000 invoices.)
 */
export async function openItemsInBulk(
  ctx: Ctx,
  filter: { customerIds?: readonly string[] } = {},
): Promise<BulkOpenItem[]> {
  const only = filter.customerIds
    ? sql`and i.customer_id = any(${filter.customerIds as string[]}::uuid[])`
    : sql``
  const { rows } = await sql<{
    invoiceId: string
    number: string
    customerId: string
    currency: string
    openMinor: string
    issueDate: unknown
    dueDate: unknown
    paymentReference: string | null
    discountMinor: string | null
    discountUntil: string | null
  }>`
    select i.id as invoice_id, i.number, i.customer_id, i.currency,
      (i.payable_minor - coalesce(sum(st.amount_minor), 0))::text as open_minor,
      i.issue_date, i.due_date, i.payment_reference,
      i.payment_terms -> 'discount' ->> 'amount_minor' as discount_minor,
      i.payment_terms -> 'discount' ->> 'due_date' as discount_until
    from invoice i
    left join invoice_settlement st on st.tenant_id = i.tenant_id and st.invoice_id = i.id
    where i.tenant_id = ${ctx.tenantId} and i.status = 'issued'
      and i.document_type = 'invoice' ${only}
    group by i.tenant_id, i.id
    having i.payable_minor - coalesce(sum(st.amount_minor), 0) > 0`.execute(ctx.db)
  return rows.map((r) => ({
    invoiceId: r.invoiceId,
    number: r.number,
    customerId: r.customerId,
    currency: r.currency,
    openMinor: BigInt(r.openMinor),
    issueDate: dateText(r.issueDate),
    dueDate: dateText(r.dueDate),
    paymentReference: r.paymentReference,
    discountMinor:
      r.discountMinor && /^\d+$/.test(r.discountMinor) ? BigInt(r.discountMinor) : null,
    discountUntil: r.discountMinor ? r.discountUntil : null,
  }))
}

/** A date column as text, whichever way the driver parsed it. */
function dateText(value: unknown): CalendarDate {
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value)
}
