import { addDays, type CalendarDate } from '../../../core/dates.js'
import { formatAmount } from '../../../core/money.js'
import type { Allocation, MatchSettings, OpenItem, WriteOffKind } from './model.js'

// How a payment amount is explained by open items: exactly, by a set of them, less an
// early-payment discount, less a bank fee or a small difference, or only in part. Every
// settlement keeps the money exact: allocations + unapplied = the payment, and no invoice gets
// more (allocated + written off) than it has open.

export type AmountFit =
  | 'exact'
  | 'subset'
  | 'discount'
  | 'small_difference'
  | 'bank_fee'
  | 'partial'
  | 'over'
  | 'none'

export type WriteOff = { kind: WriteOffKind; invoiceId: string; amountMinor: bigint }

export type Settlement = {
  fit: AmountFit
  allocations: Allocation[]
  writeOffs: WriteOff[]
  unappliedMinor: bigint
  reasons: string[]
}

/** Open items considered by the amount search; a customer's oldest ones are what gets paid. */
export const searchItemsMax = 40
/** Items and set size of the subset-sum search, and its step budget: it must stay microseconds. */
export const subsetItemsMax = 20
export const subsetSizeMax = 4
const subsetStepsMax = 20_000

/** The smaller of two amounts (Math.min does not take bigint). */
export function smaller(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}

function sum(items: readonly OpenItem[]): bigint {
  return items.reduce((total, item) => total + item.openMinor, 0n)
}

function numbers(items: readonly OpenItem[]): string {
  return items.map((i) => i.number).join(' + ')
}

function full(items: readonly OpenItem[]): Allocation[] {
  return items.map((i) => ({ invoiceId: i.invoiceId, amountMinor: i.openMinor }))
}

// Discount dates repeat across thousands of invoices; their last day with grace is computed once.
const lastDays = new Map<string, CalendarDate>()

function discountOf(item: OpenItem, date: CalendarDate, settings: MatchSettings): bigint {
  if (!item.discountMinor || !item.discountUntil) return 0n
  const key = `${item.discountUntil}+${settings.discountGraceDays}`
  let lastDay = lastDays.get(key)
  if (!lastDay) {
    lastDay = addDays(item.discountUntil, settings.discountGraceDays)
    if (lastDays.size < 10_000) lastDays.set(key, lastDay)
  }
  return date <= lastDay ? item.discountMinor : 0n
}

/** All of the items paid, less `shortMinor` written off on the newest of them. */
export function short(
  items: readonly OpenItem[],
  shortMinor: bigint,
  kind: WriteOffKind,
): Settlement {
  const allocations = full(items)
  // Take the shortfall off the newest items first, never below zero on any one.
  let left = shortMinor
  const writeOffs: WriteOff[] = []
  for (let i = allocations.length - 1; i >= 0 && left > 0n; i--) {
    const take = smaller(allocations[i]!.amountMinor, left)
    allocations[i] = { ...allocations[i]!, amountMinor: allocations[i]!.amountMinor - take }
    writeOffs.push({ kind, invoiceId: allocations[i]!.invoiceId, amountMinor: take })
    left -= take
  }
  return {
    fit: kind,
    allocations: allocations.filter((a) => a.amountMinor > 0n),
    writeOffs,
    unappliedMinor: 0n,
    reasons: [],
  }
}

function isBankFee(shortMinor: bigint, paidForMinor: bigint, settings: MatchSettings): boolean {
  return (
    shortMinor <= settings.bankFeeMinorMax &&
    shortMinor * 100n <= paidForMinor * settings.bankFeePercentMax
  )
}

/** Oldest first until the payment is used up; what is left over is unapplied. */
export function settleOldestFirst(items: readonly OpenItem[], paymentMinor: bigint): Settlement {
  const allocations: Allocation[] = []
  let left = paymentMinor
  for (const item of items) {
    if (left <= 0n) break
    const amount = smaller(item.openMinor, left)
    allocations.push({ invoiceId: item.invoiceId, amountMinor: amount })
    left -= amount
  }
  const total = sum(items)
  return {
    fit: paymentMinor > total ? 'over' : paymentMinor < total ? 'partial' : 'exact',
    allocations,
    writeOffs: [],
    unappliedMinor: left,
    reasons: [],
  }
}

/**
 * The payment of invoices a person named (by reference, number or advice), oldest first.
 * Exact; or a set of them exactly; or less their early-payment discounts; or short by a small
 * difference or a bank fee within the tenant's tolerance; else partial or with a rest.
 */
export function settleNamed(
  items: readonly OpenItem[],
  paymentMinor: bigint,
  date: CalendarDate,
  settings: MatchSettings,
): Settlement {
  const currency = items[0]!.currency
  const total = sum(items)
  const say = (minor: bigint) => `${formatAmount(minor, currency)} ${currency}`
  if (paymentMinor === total) {
    return { ...settleOldestFirst(items, paymentMinor), reasons: ['amount equals the open amount'] }
  }
  if (paymentMinor > total) {
    const settlement = settleOldestFirst(items, paymentMinor)
    return {
      ...settlement,
      reasons: [`over-payment: ${say(settlement.unappliedMinor)} more than the open amount`],
    }
  }
  if (items.length > 1) {
    const sets = subsetsSumming(items, paymentMinor, 2)
    if (sets.length === 1) {
      return {
        ...settleOldestFirst(sets[0]!, paymentMinor),
        fit: 'subset',
        reasons: [`amount equals ${numbers(sets[0]!)} of the invoices named`],
      }
    }
  }
  const discounts = items.map((item) => discountOf(item, date, settings))
  const discountMinor = discounts.reduce((a, b) => a + b, 0n)
  if (discountMinor > 0n && paymentMinor === total - discountMinor) {
    return {
      fit: 'discount',
      allocations: items.map((item, i) => ({
        invoiceId: item.invoiceId,
        amountMinor: item.openMinor - discounts[i]!,
      })),
      writeOffs: items
        .map((item, i) => ({
          kind: 'discount' as const,
          invoiceId: item.invoiceId,
          amountMinor: discounts[i]!,
        }))
        .filter((w) => w.amountMinor > 0n),
      unappliedMinor: 0n,
      reasons: [`early-payment discount of ${say(discountMinor)} taken in time`],
    }
  }
  const shortMinor = total - paymentMinor
  if (shortMinor <= settings.smallDifferenceMinorMax) {
    return {
      ...short(items, shortMinor, 'small_difference'),
      reasons: [`${say(shortMinor)} short, within the small-difference tolerance`],
    }
  }
  if (isBankFee(shortMinor, total, settings)) {
    return {
      ...short(items, shortMinor, 'bank_fee'),
      reasons: [`${say(shortMinor)} short, taken as a bank fee within tolerance`],
    }
  }
  const settlement = settleOldestFirst(items, paymentMinor)
  return {
    ...settlement,
    reasons: [`partial payment: ${say(shortMinor)} stays open`],
  }
}

/**
 * Sets of 2..subsetSizeMax of the oldest items summing exactly to the amount, oldest sets
 * first, at most `wanted` of them: two are enough to know the answer is not unique.
 */
export function subsetsSumming(
  items: readonly OpenItem[],
  amountMinor: bigint,
  wanted: number,
): OpenItem[][] {
  const pool = items.slice(0, subsetItemsMax)
  const found: OpenItem[][] = []
  const chosen: OpenItem[] = []
  let steps = 0
  const walk = (start: number, left: bigint) => {
    if (found.length >= wanted || steps++ > subsetStepsMax) return
    if (left === 0n && chosen.length >= 2) {
      found.push([...chosen])
      return
    }
    if (chosen.length === subsetSizeMax) return
    for (let i = start; i < pool.length; i++) {
      const item = pool[i]!
      if (item.openMinor > left) continue
      chosen.push(item)
      walk(i + 1, left - item.openMinor)
      chosen.pop()
      if (found.length >= wanted) return
    }
  }
  walk(0, amountMinor)
  return found
}

/**
 * Pairs among all of a customer's items, not only the oldest: a pair is found in one pass with
 * a map, so no bound hides a second pair that makes the same sum.
 */
export function pairsSumming(items: readonly OpenItem[], amountMinor: bigint): OpenItem[][] {
  const byAmount = new Map<bigint, OpenItem>()
  const found: OpenItem[][] = []
  for (const item of items) {
    const partner = byAmount.get(amountMinor - item.openMinor)
    if (partner) {
      found.push([partner, item])
      if (found.length >= 2) break
    }
    if (!byAmount.has(item.openMinor)) byAmount.set(item.openMinor, item)
  }
  return found
}

/**
 * What a payment from a known payer, naming no invoice, can be paying among its open items:
 * every explanation found, best kind first (one invoice exactly, a set exactly, one invoice
 * less its discount, one invoice short by a small difference or bank fee). More than one
 * means the amount alone does not decide.
 */
export function explainAmount(
  items: readonly OpenItem[],
  paymentMinor: bigint,
  date: CalendarDate,
  settings: MatchSettings,
  withSubsets: boolean,
): Settlement[] {
  const pool = items.slice(0, searchItemsMax)
  const currency = pool[0]?.currency ?? ''
  const say = (minor: bigint) => `${formatAmount(minor, currency)} ${currency}`
  const found: Settlement[] = []
  for (const item of pool) {
    if (item.openMinor === paymentMinor) {
      found.push({
        ...settleOldestFirst([item], paymentMinor),
        reasons: [`amount equals the open amount of ${item.number}`],
      })
    }
  }
  if (withSubsets) {
    for (const set of subsetsSumming(pool, paymentMinor, 2).concat(
      pairsSumming(items, paymentMinor),
    )) {
      const key = set
        .map((i) => i.invoiceId)
        .sort()
        .join(',')
      if (
        found.some(
          (f) =>
            f.allocations
              .map((a) => a.invoiceId)
              .sort()
              .join(',') === key,
        )
      )
        continue
      found.push({
        ...settleOldestFirst(set, paymentMinor),
        fit: 'subset',
        reasons: [`amount equals ${numbers(set)} together`],
      })
    }
  }
  for (const item of pool) {
    const discount = discountOf(item, date, settings)
    if (discount > 0n && item.openMinor - discount === paymentMinor) {
      found.push({
        fit: 'discount',
        allocations: [{ invoiceId: item.invoiceId, amountMinor: paymentMinor }],
        writeOffs: [{ kind: 'discount', invoiceId: item.invoiceId, amountMinor: discount }],
        unappliedMinor: 0n,
        reasons: [
          `amount equals ${item.number} less its early-payment discount of ${say(discount)}`,
        ],
      })
    }
  }
  // A single invoice to the cent (or less its discount) outweighs an invoice short by a fee; a
  // set of invoices does not: sets that add up to the cent by chance are common enough.
  if (found.some((f) => f.fit !== 'subset')) return found
  for (const item of pool) {
    const shortMinor = item.openMinor - paymentMinor
    if (shortMinor <= 0n) continue
    const small = shortMinor <= settings.smallDifferenceMinorMax
    if (!small && !isBankFee(shortMinor, item.openMinor, settings)) continue
    const kind = shortMinor <= settings.smallDifferenceMinorMax ? 'small_difference' : 'bank_fee'
    found.push({
      ...short([item], shortMinor, kind),
      reasons: [
        `amount is ${item.number} less ${say(shortMinor)}, within the ${kind.replace('_', '-')} tolerance`,
      ],
    })
  }
  return found
}
