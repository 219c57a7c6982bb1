import { sql } from 'kysely'
import { calendarDateAt, daysBetween } from '../../core/dates.js'
import { newId } from '../../core/ids.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { customerGroup } from '../customers/index.js'
import { amountText } from './amount-text.js'
import { getCreditPolicy } from './policy.js'
import { type CreditProfile, profileFromRow } from './profile.js'

// The credit check at order confirmation, as agreed with the orders module (the contract is
// in this module's README). It decides on facts read in one go, records the check and audits
// it on the order, and never throws for a business outcome: a hold is an answer.

export type OrderCreditRequest = {
  customerId: string
  orderId: string
  /** Gross amount of the order being confirmed, in minor units of `currency`. */
  amountMinor: bigint
  currency: string
  /**
   * Confirmed orders not yet invoiced (this order excluded), per customer of the customer's
   * group (or just the customer when it has no group), as the orders module sums them.
   */
  uninvoicedOrders: { customerId: string; currency: string; amountMinor: bigint }[]
  /** Prepayment orders skip the exposure check (but not a hold or block on the customer). */
  prepayment: boolean
}

export type CreditHoldReason = {
  code:
    | 'credit_limit_exceeded' // customer exposure + this order > customer limit
    | 'group_credit_limit_exceeded' // group exposure + this order > group limit
    | 'customer_on_hold' // credit status 'hold'
    | 'customer_blocked' // credit status 'blocked'
    | 'overdue_items' // oldest overdue item older than the tenant's allowed days
    | 'no_credit_limit' // no limit set on the customer (nor on its group)
    | 'currency_differs' // order currency is not the limit's currency
  detail: string // a readable line, e.g. "Exposure 12,400.00 EUR exceeds limit 10,000.00 EUR"
}

export type CreditDecision = {
  outcome: 'approved' | 'hold'
  reasons: CreditHoldReason[] // empty when approved
  currency: string // of the limit
  limitMinor: bigint | null
  exposureMinor: bigint // open receivables + uninvoiced orders + this order (customer)
  groupLimitMinor: bigint | null
  groupExposureMinor: bigint | null
  checkedAt: Date
}

/** Open receivables of one customer in one currency (the view customer_receivable_position). */
export type ReceivablePosition = {
  customerId: string
  currency: string
  openMinor: bigint
  oldestDueDate: string | null
}

/** Everything the decision depends on, read before deciding. */
export type CreditFacts = {
  request: OrderCreditRequest
  /** The tenant's calendar date at the moment of the check. */
  today: string
  overdueDaysMax: number
  profile: CreditProfile | undefined
  /** The profile of the group's top parent (the customer's own when it is the top). */
  groupProfile: CreditProfile | undefined
  memberIds: string[]
  positions: ReceivablePosition[]
}

// Any advisory-lock key of o2c starts with a number naming its purpose.
const creditExposureLockKey = 742_017_003

/**
 * Serialises credit checks of one customer group until the transaction ends, so that two
 * orders confirmed at the same moment cannot both fit under the same limit. The orders
 * module should call it before it sums the group's uninvoiced orders; checkOrderCredit
 * takes it too (taking it twice in one transaction is harmless).
 */
export async function lockCreditExposure(ctx: Ctx, customerId: string): Promise<void> {
  const group = await customerGroup(ctx, customerId)
  await lockGroup(ctx, group.rootId)
}

// Advisory transaction locks are re-entrant; remembering them saves the round trip.
const groupsLocked = new WeakMap<Ctx, Set<string>>()

async function lockGroup(ctx: Ctx, rootId: string): Promise<void> {
  const locked = groupsLocked.get(ctx) ?? new Set<string>()
  if (locked.has(rootId)) return
  locked.add(rootId)
  groupsLocked.set(ctx, locked)
  await sql`select pg_advisory_xact_lock(${creditExposureLockKey}::int4,
    hashtext(${`${ctx.tenantId}/${rootId}`}))`.execute(ctx.db)
}

/**
 * Decides whether an order may be confirmed on credit; records the check (audited on the
 * order). A customer of another tenant (or none) is not found.
 *
 *   const decision = await checkOrderCredit(ctx, { customerId, orderId, amountMinor: 12_100n,
 *     currency: 'EUR', uninvoicedOrders, prepayment: false })
 *   if (decision.outcome === 'hold') … decision.reasons[0].detail
 */
export async function checkOrderCredit(
  ctx: Ctx,
  request: OrderCreditRequest,
): Promise<CreditDecision> {
  const check = await assessOrderCredit(ctx, request)
  await recordOrderCreditCheck(ctx, check)
  return check.decision
}

/** A credit check decided but not yet recorded (see assessOrderCredit). */
export type AssessedCreditCheck = {
  request: OrderCreditRequest
  decision: CreditDecision
  groupRootId: string
}

/**
 * The first half of checkOrderCredit: locks the group, reads the facts and decides, writing
 * nothing. The caller must record it with recordOrderCreditCheck in the same transaction.
 * It lets the orders module decide on an order before the order exists (create and confirm
 * in one go) and still record the check after the order's creation, as it happened.
 */
export async function assessOrderCredit(
  ctx: Ctx,
  request: OrderCreditRequest,
): Promise<AssessedCreditCheck> {
  const group = await customerGroup(ctx, request.customerId)
  await lockGroup(ctx, group.rootId)
  const [policy, profiles, positions] = await Promise.all([
    getCreditPolicy(ctx),
    ctx.db
      .selectFrom('creditProfile')
      .selectAll()
      .where('customerId', 'in', [request.customerId, group.rootId])
      .execute(),
    ctx.db
      .selectFrom('customerReceivablePosition')
      .select(['customerId', 'currency', 'openMinor', 'oldestDueDate'])
      .where('customerId', 'in', group.memberIds)
      .execute(),
  ])
  const byCustomer = new Map(profiles.map((row) => [row.customerId, profileFromRow(row)]))
  const decision = decideOrderCredit({
    request,
    today: calendarDateAt(ctx.now, ctx.timeZone),
    overdueDaysMax: policy.overdueDaysMax,
    profile: byCustomer.get(request.customerId),
    groupProfile: byCustomer.get(group.rootId),
    memberIds: group.memberIds,
    positions,
  })
  return { request, decision: { ...decision, checkedAt: ctx.now }, groupRootId: group.rootId }
}

/** The second half of checkOrderCredit: stores the check and audits it on the order. */
export async function recordOrderCreditCheck(ctx: Ctx, check: AssessedCreditCheck): Promise<void> {
  const { request, decision } = check
  const checkId = newId()
  await ctx.db
    .insertInto('creditCheck')
    .values({
      tenantId: ctx.tenantId,
      id: checkId,
      customerId: request.customerId,
      orderId: request.orderId,
      checkedAt: decision.checkedAt,
      checkedBy: ctx.actor.name,
      outcome: decision.outcome,
      reasons: JSON.stringify(decision.reasons),
      orderAmountMinor: request.amountMinor,
      orderCurrency: request.currency,
      prepayment: request.prepayment,
      currency: decision.currency,
      limitMinor: decision.limitMinor,
      exposureMinor: decision.exposureMinor,
      groupRootId: decision.groupLimitMinor === null ? null : check.groupRootId,
      groupLimitMinor: decision.groupLimitMinor,
      groupExposureMinor: decision.groupExposureMinor,
    })
    .execute()
  // Audited on the order, so the order's history shows why it was held or let through.
  await recordAudit(ctx, {
    entityType: 'order',
    entityId: request.orderId,
    action: 'credit_checked',
    after: { checkId, customerId: request.customerId, ...decision },
  })
}

/**
 * The rules of the credit check, on facts already read. Pure: the same facts give the same
 * decision. Amounts in another currency than the limit's are not converted (no exchange
 * rates yet) and so not counted in the exposure.
 */
export function decideOrderCredit(facts: CreditFacts): Omit<CreditDecision, 'checkedAt'> {
  const { request, profile, groupProfile } = facts
  const reasons: CreditHoldReason[] = []

  if (profile?.creditStatus === 'blocked') {
    reasons.push({ code: 'customer_blocked', detail: 'The customer is blocked for credit' })
  }
  if (profile?.creditStatus === 'hold') {
    reasons.push({ code: 'customer_on_hold', detail: "The customer's credit status is hold" })
  }

  const oldestDueDate = facts.positions
    .filter((p) => p.customerId === request.customerId && p.openMinor > 0n && p.oldestDueDate)
    .map((p) => p.oldestDueDate as string)
    .sort()[0]
  if (oldestDueDate) {
    const daysOverdue = daysBetween(oldestDueDate, facts.today)
    if (daysOverdue > facts.overdueDaysMax) {
      reasons.push({
        code: 'overdue_items',
        detail:
          `The oldest open item, due ${oldestDueDate}, is ${daysOverdue} days overdue ` +
          `(allowed: ${facts.overdueDaysMax})`,
      })
    }
  }

  const limitMinor = profile?.creditLimitMinor ?? null
  const groupLimitMinor = groupProfile?.groupCreditLimitMinor ?? null
  const currency =
    (limitMinor !== null ? profile?.currency : undefined) ??
    (groupLimitMinor !== null ? groupProfile?.currency : undefined) ??
    profile?.currency ??
    request.currency
  const exposureMinor = exposureIn(facts, currency, [request.customerId])
  const groupCurrency = groupProfile?.currency ?? currency
  const groupExposureMinor =
    groupLimitMinor === null ? null : exposureIn(facts, groupCurrency, facts.memberIds)

  if (!request.prepayment) {
    if (limitMinor === null && groupLimitMinor === null) {
      reasons.push({
        code: 'no_credit_limit',
        detail: 'No credit limit is set for the customer or its group',
      })
    }
    const limitCurrencies = new Set<string>()
    if (limitMinor !== null) limitCurrencies.add(currency)
    if (groupLimitMinor !== null) limitCurrencies.add(groupCurrency)
    const otherCurrencies = [...limitCurrencies].filter((c) => c !== request.currency)
    if (otherCurrencies.length > 0) {
      reasons.push({
        code: 'currency_differs',
        detail: `The order is in ${request.currency}; the credit limit is in ${otherCurrencies.join(' and ')}`,
      })
    }
    if (limitMinor !== null && exposureMinor > limitMinor) {
      reasons.push({
        code: 'credit_limit_exceeded',
        detail: `Exposure ${amountText(exposureMinor, currency)} exceeds limit ${amountText(limitMinor, currency)}`,
      })
    }
    if (
      groupLimitMinor !== null &&
      groupExposureMinor !== null &&
      groupExposureMinor > groupLimitMinor
    ) {
      reasons.push({
        code: 'group_credit_limit_exceeded',
        detail:
          `Group exposure ${amountText(groupExposureMinor, groupCurrency)} exceeds the group ` +
          `limit ${amountText(groupLimitMinor, groupCurrency)}`,
      })
    }
  }

  return {
    outcome: reasons.length === 0 ? 'approved' : 'hold',
    reasons,
    currency,
    limitMinor,
    exposureMinor,
    groupLimitMinor,
    groupExposureMinor,
  }
}

/** Open receivables + uninvoiced orders + this order of the given customers, in `currency`. */
function exposureIn(facts: CreditFacts, currency: string, customerIds: string[]): bigint {
  const included = new Set(customerIds)
  let total = facts.request.currency === currency ? facts.request.amountMinor : 0n
  for (const p of facts.positions) {
    if (included.has(p.customerId) && p.currency === currency) total += p.openMinor
  }
  for (const o of facts.request.uninvoicedOrders) {
    if (included.has(o.customerId) && o.currency === currency) total += o.amountMinor
  }
  return total
}
