import { sql } from 'kysely'
import { addDays, type CalendarDate, isCalendarDate } from '../../../core/dates.js'
import { invalid } from '../../../core/errors.js'
import { isUuid, newId } from '../../../core/ids.js'
import { allocate, formatAmount } from '../../../core/money.js'
import type { Ctx } from '../../../db/context.js'
import { recordAudit } from '../../audit/index.js'
import { accountCodesFor, type JournalEntryInput, postJournalEntries } from '../../ledger/index.js'
import { emitEvent } from '../../outbox/index.js'
import type { ChargeSummary } from '../contracts.js'
import {
  businessCollectionCosts,
  businessCostsChargeableFrom,
  collectionCostsForClaims,
  firstInterestDay,
  type InterestKind,
  statutoryInterest,
  statutoryRateCoverage,
  supportsCollectionLaw,
} from '../law/index.js'
import type { PolicyInterestKind } from '../tables.js'
import './errors.js'

// Collection costs and statutory interest on the items of dunning messages whose step charges
// them (action charge_costs_and_interest), as the Dutch law allows on the run's date:
//
// - the customer's country must be one whose law o2c knows (supportsCollectionLaw);
// - a consumer owes costs only after a correct 14-day letter's term passed unpaid
//   (dunning_item.costs_chargeable_from, set by the letter step); a business from the day
//   after the due date, at least EUR 40;
// - the WIK scale applies once to the sum of the customer's items in the message, and the
//   costs are split over the invoices in proportion (collectionCostsForClaims), so each
//   invoice carries its part;
// - interest per the policy's interest_kind, from the day after the due date (or the day
//   after the last interest charge's period) to the run date, on what is open now.
//
// Costs are charged once per item; interest once per day. A reversed charge (taken back by
// a collector, reverse.ts) still counts: what was taken back is not charged again. Each charge is booked (debit
// collection charges receivable 1110, customer-tagged; credit collection cost income 8900 or
// interest income 8910 — decision 0008), recorded in collection_charge with the law's
// breakdown, audited and announced, all in the caller's transaction.

export type ChargeItem = {
  messageId: string
  customerId: string
  invoiceId: string
  number: string
  currency: string
  dueDate: CalendarDate
  openMinor: bigint
  country: string | null
  segment: string
  interestKind: PolicyInterestKind
  costsChargeableFrom: CalendarDate | null
  costsCharged: boolean
  interestChargedThrough: CalendarDate | null
}

export type NewCharge = {
  id: string
  customerId: string
  invoiceId: string
  number: string
  kind: 'collection_costs' | 'interest'
  amountMinor: bigint
  currency: string
  periodFrom: CalendarDate | null
  periodTo: CalendarDate | null
  basis: Record<string, unknown>
  messageId: string
}

// A run charges per message; a message lists one customer's items at one step.
const messageIdsMax = 10_000

/**
 * Charges collection costs and interest for the items of these messages (whose step's action
 * is charge_costs_and_interest), as the law and the policy allow on runDate: books each charge
 * to the ledger and records it in collection_charge. Charges nothing twice.
 *
 *   const summary = await chargeCostsAndInterest(ctx, '2026-04-10', [messageId])
 *   // { costsMinor: 150_00n, interestMinor: 3_12n, charges: 4, refused: [] }
 */
export async function chargeCostsAndInterest(
  ctx: Ctx,
  runDate: CalendarDate,
  messageIds: readonly string[],
): Promise<ChargeSummary> {
  if (!isCalendarDate(runDate))
    throw invalid([{ field: 'run_date', message: 'must be YYYY-MM-DD' }])
  if (messageIds.length > messageIdsMax) {
    throw invalid([{ field: 'message_ids', message: `at most ${messageIdsMax} per call` }])
  }
  const ids = [...new Set(messageIds)].filter(isUuid)
  const summary: ChargeSummary = { costsMinor: 0n, interestMinor: 0n, charges: 0, refused: [] }
  if (ids.length === 0) return summary

  const items = await chargeItemsForUpdate(ctx, ids)
  const charges: NewCharge[] = []
  const byMessage = new Map<string, ChargeItem[]>()
  for (const item of items) {
    const group = byMessage.get(item.messageId)
    if (group) group.push(item)
    else byMessage.set(item.messageId, [item])
  }
  for (const messageItems of byMessage.values()) {
    const planned = planCharges(messageItems, runDate)
    charges.push(...planned.charges)
    summary.refused.push(...planned.refused)
  }
  if (charges.length === 0) return summary

  await bookCharges(ctx, runDate, charges)
  for (const charge of charges) {
    if (charge.kind === 'collection_costs') summary.costsMinor += charge.amountMinor
    else summary.interestMinor += charge.amountMinor
  }
  summary.charges = charges.length
  return summary
}

/**
 * The items of the messages with what has been charged on them before. Their dunning_item rows
 * are locked first, so that two runs cannot charge the same item at once: the second waits,
 * then reads what the first charged.
 */
async function chargeItemsForUpdate(ctx: Ctx, messageIds: string[]): Promise<ChargeItem[]> {
  const steps = await inChunks(messageIds, (ids) =>
    ctx.db
      .selectFrom('dunningItemStep')
      .select('invoiceId')
      .where('tenantId', '=', ctx.tenantId)
      .where('messageId', 'in', ids)
      .execute(),
  )
  const invoiceIds = [...new Set(steps.map((s) => s.invoiceId))].sort()
  if (invoiceIds.length === 0) return []
  await inChunks(invoiceIds, (ids) =>
    ctx.db
      .selectFrom('dunningItem')
      .select('invoiceId')
      .where('tenantId', '=', ctx.tenantId)
      .where('invoiceId', 'in', ids)
      .orderBy('invoiceId')
      .forUpdate()
      .execute(),
  )
  const rows = await inChunks(messageIds, (ids) =>
    ctx.db
      .selectFrom('dunningItemStep as s')
      .innerJoin('dunningMessage as m', (join) =>
        join.onRef('m.tenantId', '=', 's.tenantId').onRef('m.id', '=', 's.messageId'),
      )
      .innerJoin('dunningPolicy as p', (join) =>
        join.onRef('p.tenantId', '=', 'm.tenantId').onRef('p.id', '=', 'm.policyId'),
      )
      .innerJoin('customer as c', (join) =>
        join.onRef('c.tenantId', '=', 'm.tenantId').onRef('c.id', '=', 'm.customerId'),
      )
      .leftJoin('dunningItem as d', (join) =>
        join.onRef('d.tenantId', '=', 's.tenantId').onRef('d.invoiceId', '=', 's.invoiceId'),
      )
      .select([
        's.messageId',
        'm.customerId',
        's.invoiceId',
        // The debtor's country: the customer's, else its billing address's.
        sql<string | null>`coalesce(c.country, (
          select a.country from customer_address a
          where a.tenant_id = c.tenant_id and a.customer_id = c.id and a.kind = 'billing'
          order by a.position limit 1))`.as('country'),
        'c.segment',
        'p.interestKind',
        'd.costsChargeableFrom',
        sql<boolean>`exists (
          select 1 from collection_charge k
          where k.tenant_id = s.tenant_id and k.customer_id = m.customer_id
            and (k.invoice_id = s.invoice_id or k.basis -> 'invoice_ids' ? s.invoice_id::text)
            and k.kind = 'collection_costs' and k.amount_minor > 0)`.as('costsCharged'),
        sql<CalendarDate | null>`(
          select max(k.period_to) from collection_charge k
          where k.tenant_id = s.tenant_id and k.invoice_id = s.invoice_id
            and k.kind = 'interest' and k.amount_minor > 0)`.as('interestChargedThrough'),
      ])
      .where('s.tenantId', '=', ctx.tenantId)
      .where('s.messageId', 'in', ids)
      .execute(),
  )
  // The open items by their ids, not joined: a join lets the planner compute the view's
  // settlement sums for every invoice of the tenant (seen on PGlite, which keeps no
  // statistics), where a list of ids reads only these.
  const open = await inChunks(invoiceIds, (ids) =>
    ctx.db
      .selectFrom('invoiceOpenItem')
      .select(['invoiceId', 'number', 'currency', 'dueDate', 'openMinor'])
      .where('tenantId', '=', ctx.tenantId)
      .where('invoiceId', 'in', ids)
      .execute(),
  )
  const openById = new Map(open.map((o) => [o.invoiceId, o]))
  return rows
    .flatMap((r) => {
      const item = openById.get(r.invoiceId)
      if (!item) return []
      return [
        {
          ...r,
          number: item.number,
          currency: item.currency,
          dueDate: item.dueDate,
          openMinor: BigInt(item.openMinor),
          costsCharged: Boolean(r.costsCharged),
          interestChargedThrough: r.interestChargedThrough
            ? dateText(r.interestChargedThrough)
            : null,
          costsChargeableFrom: r.costsChargeableFrom ? dateText(r.costsChargeableFrom) : null,
        },
      ]
    })
    .sort(
      (a, b) =>
        compareText(a.messageId, b.messageId) ||
        compareText(a.dueDate, b.dueDate) ||
        compareText(a.number, b.number),
    )
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

// Ids per statement: far below the 65,535 parameters a PostgreSQL statement may carry.
const idsPerStatement = 5_000

async function inChunks<T>(ids: readonly string[], read: (ids: string[]) => Promise<T[]>) {
  const out: T[] = []
  for (let at = 0; at < ids.length; at += idsPerStatement) {
    out.push(...(await read(ids.slice(at, at + idsPerStatement))))
  }
  return out
}

// PGlite and pg give a date column as text here; a Date would be midnight UTC.
function dateText(value: string | Date): CalendarDate {
  return typeof value === 'string' ? value.slice(0, 10) : value.toISOString().slice(0, 10)
}

/**
 * What one message's items may be charged on runDate: pure, so the rules are tested on
 * values. Costs once over the sum of the eligible items, split over them; interest per item.
 */
export function planCharges(
  items: readonly ChargeItem[],
  runDate: CalendarDate,
): { charges: NewCharge[]; refused: ChargeSummary['refused'] } {
  const charges: NewCharge[] = []
  const refused: ChargeSummary['refused'] = []
  const first = items[0]
  if (!first) return { charges, refused }
  if (!first.country || !supportsCollectionLaw(first.country)) {
    for (const item of items) {
      refused.push({
        invoiceId: item.invoiceId,
        reason: `collection_law_unsupported: no collection law for country ${first.country ?? '(none)'}`,
      })
    }
    return { charges, refused }
  }
  const consumer = first.segment === 'consumer'
  const open = items.filter((i) => i.openMinor > 0n && i.currency === 'EUR')
  for (const item of items) {
    if (item.currency !== 'EUR') {
      refused.push({ invoiceId: item.invoiceId, reason: 'currency_not_eur: the law is in euro' })
    }
  }

  const costItems: ChargeItem[] = []
  for (const item of open) {
    if (item.costsCharged) continue
    if (consumer) {
      if (item.costsChargeableFrom === null) {
        refused.push({
          invoiceId: item.invoiceId,
          reason: 'no_fourteen_day_letter: a consumer owes costs only after a 14-day letter',
        })
        continue
      }
      if (item.costsChargeableFrom > runDate) {
        refused.push({
          invoiceId: item.invoiceId,
          reason: `fourteen_day_term_running: costs may be charged from ${item.costsChargeableFrom}`,
        })
        continue
      }
    } else if (businessCostsChargeableFrom(item.dueDate) > runDate) {
      refused.push({
        invoiceId: item.invoiceId,
        reason: `not_yet_late: costs may be charged from ${businessCostsChargeableFrom(item.dueDate)}`,
      })
      continue
    }
    costItems.push(item)
  }
  if (costItems.length > 0) charges.push(...costCharges(costItems, consumer))

  const interestKind = first.interestKind
  if (interestKind !== 'none') {
    const coverage = statutoryRateCoverage(interestKind)
    for (const item of open) {
      if (runDate > coverage.through) {
        refused.push({
          invoiceId: item.invoiceId,
          reason: `collections.interest_rate_unknown: the rate table ends on ${coverage.through}`,
        })
        continue
      }
      const charge = interestCharge(item, interestKind, runDate)
      if (charge) charges.push(charge)
    }
  }
  return { charges, refused }
}

function costCharges(items: ChargeItem[], consumer: boolean): NewCharge[] {
  const principals = items.map((i) => i.openMinor)
  const claims = collectionCostsForClaims(principals)
  let perClaim = claims.costsPerClaimMinor
  let basis: Record<string, unknown> = {
    rule: consumer ? 'wik_scale_consumer' : 'wik_scale_business',
    principal_minor: claims.principalMinor.toString(),
    scale_costs_minor: claims.costsMinor.toString(),
  }
  if (!consumer) {
    // Between businesses at least EUR 40 (Late Payment Directive art. 6).
    const business = businessCollectionCosts({ principalMinor: claims.principalMinor })
    if (business.totalMinor !== claims.costsMinor) {
      perClaim = allocate(business.totalMinor, principals)
      basis = { ...basis, minimum_compensation_minor: business.totalMinor.toString() }
    }
  }
  const total = perClaim.reduce((sum, c) => sum + c, 0n)
  return items.flatMap((item, index) => {
    const amountMinor = perClaim[index] ?? 0n
    if (amountMinor === 0n) return []
    return [
      {
        id: newId(),
        customerId: item.customerId,
        invoiceId: item.invoiceId,
        number: item.number,
        kind: 'collection_costs' as const,
        amountMinor,
        currency: item.currency,
        periodFrom: null,
        periodTo: null,
        basis: {
          ...basis,
          costs_minor: total.toString(),
          invoices: items.map((i) => i.number),
          // Every item the costs cover, also one whose share rounded to nothing: none of
          // them is charged costs again.
          invoice_ids: items.map((i) => i.invoiceId),
          share_principal_minor: item.openMinor.toString(),
        },
        messageId: item.messageId,
      },
    ]
  })
}

function interestCharge(
  item: ChargeItem,
  kind: InterestKind,
  runDate: CalendarDate,
): NewCharge | undefined {
  const from = item.interestChargedThrough
    ? addDays(item.interestChargedThrough, 1)
    : firstInterestDay(item.dueDate)
  if (from > runDate) return undefined
  const interest = statutoryInterest({
    kind,
    principalMinor: item.openMinor,
    from,
    through: runDate,
  })
  if (interest.interestMinor === 0n) return undefined
  return {
    id: newId(),
    customerId: item.customerId,
    invoiceId: item.invoiceId,
    number: item.number,
    kind: 'interest',
    amountMinor: interest.interestMinor,
    currency: item.currency,
    periodFrom: from,
    periodTo: runDate,
    basis: {
      kind,
      principal_minor: interest.principalMinor.toString(),
      periods: interest.periods.map((p) => ({
        from: p.from,
        to: p.to,
        days: p.days,
        rate_percent: p.ratePercent,
        principal_minor: p.principalMinor.toString(),
        interest_minor: p.interestMinor.toString(),
      })),
      capitalisations: interest.capitalisations.map((c) => ({
        on: c.on,
        added_minor: c.addedMinor.toString(),
      })),
    },
    messageId: item.messageId,
  }
}

/** The journal entries of the charges: debit charges receivable, credit the income. */
export function chargeEntries(
  charges: readonly NewCharge[],
  runDate: CalendarDate,
  codes: { receivable: string; costs: string; interest: string },
): JournalEntryInput[] {
  return charges.map((c) => ({
    postedOn: runDate,
    description:
      c.kind === 'collection_costs'
        ? `Collection costs ${c.number}`
        : `Interest ${c.number} ${c.periodFrom} to ${c.periodTo}`,
    source: { type: 'collection_charge', id: c.id },
    lines: [
      {
        accountCode: codes.receivable,
        debitMinor: c.amountMinor,
        currency: c.currency,
        customerId: c.customerId,
      },
      {
        accountCode: c.kind === 'collection_costs' ? codes.costs : codes.interest,
        creditMinor: c.amountMinor,
        currency: c.currency,
      },
    ],
  }))
}

async function bookCharges(ctx: Ctx, runDate: CalendarDate, charges: NewCharge[]): Promise<void> {
  const accounts = await accountCodesFor(ctx, [
    'collection_charges_receivable',
    'collection_cost_income',
    'interest_income',
  ])
  const entries = await postJournalEntries(
    ctx,
    chargeEntries(charges, runDate, {
      receivable: accounts.collection_charges_receivable,
      costs: accounts.collection_cost_income,
      interest: accounts.interest_income,
    }),
    { audit: false },
  )
  const rows = charges.map((c, index) => ({
    tenantId: ctx.tenantId,
    id: c.id,
    customerId: c.customerId,
    invoiceId: c.invoiceId,
    kind: c.kind,
    amountMinor: c.amountMinor,
    currency: c.currency,
    chargedOn: runDate,
    periodFrom: c.periodFrom,
    periodTo: c.periodTo,
    basis: JSON.stringify(c.basis),
    messageId: c.messageId,
    journalEntryId: entries[index]?.id as string,
    createdAt: ctx.now,
    createdBy: ctx.actor.name,
  }))
  await ctx.db.insertInto('collectionCharge').values(rows).execute()
  for (const [index, c] of charges.entries()) {
    const after = {
      invoice: c.number,
      kind: c.kind,
      amount: formatAmount(c.amountMinor, c.currency),
      currency: c.currency,
      charged_on: runDate,
      period_from: c.periodFrom,
      period_to: c.periodTo,
      message_id: c.messageId,
      journal_entry_id: entries[index]?.id,
      basis: c.basis,
    }
    await recordAudit(ctx, {
      entityType: 'collection_charge',
      entityId: c.id,
      action: 'charged',
      after,
    })
    await emitEvent(ctx, {
      type: 'collection_charge.created',
      entityType: 'collection_charge',
      entityId: c.id,
      payload: { id: c.id, customer_id: c.customerId, invoice_id: c.invoiceId, ...after },
    })
  }
}
