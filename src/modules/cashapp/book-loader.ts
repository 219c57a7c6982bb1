import { sql } from 'kysely'
import type { CalendarDate } from '../../core/dates.js'
import { type Decimal, divideRounded, parseDecimal } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { accountingCurrency, listExchangeRates, openItemsInBulk } from '../invoicing/index.js'
import { buildMatchBook, type MatchBook } from './matching/book.js'
import {
  type CustomerRecord,
  defaultMatchSettings,
  type LearnedLink,
  type MatchSettings,
  type OpenItem,
  type RateLookup,
  type RemittanceAdvice,
} from './matching/model.js'

// The matching's book, read from the tenant's tables in a few set-based queries: the open
// items (invoicing's openItemsInBulk, with the early-payment discount of the terms), the
// customers with their IBANs and group, what people taught (learned links), and the tenant's
// tolerances. Built once per run of match-and-apply; the run keeps it current as it applies.

export type LoadBookOptions = {
  /** Parsed remittance advices (another stage's table; the caller passes them). */
  advices?: readonly RemittanceAdvice[]
  /** Only these customers' open items and records (manual apply of one customer). */
  customerIds?: readonly string[]
}

/**
 * The MatchBook of the tenant as it stands in this transaction.
 *
 *   const book = await loadMatchBook(ctx)
 *   matchTransaction(book, entry, { rate: await loadRateLookup(ctx) })
 */
export async function loadMatchBook(ctx: Ctx, options: LoadBookOptions = {}): Promise<MatchBook> {
  const [openItems, customers, learnedLinks, settings] = await Promise.all([
    loadOpenItems(ctx, options.customerIds),
    loadCustomers(ctx, options.customerIds),
    loadLearnedLinks(ctx),
    getCashApplicationSettings(ctx),
  ])
  return buildMatchBook({
    openItems,
    customers,
    learnedLinks,
    advices: options.advices ?? [],
    settings,
  })
}

/** Every open item with something open, in the matching's shape. */
export async function loadOpenItems(
  ctx: Ctx,
  customerIds?: readonly string[],
): Promise<OpenItem[]> {
  const rows = await openItemsInBulk(ctx, customerIds ? { customerIds } : {})
  return rows.map((r) => {
    const item: OpenItem = {
      invoiceId: r.invoiceId,
      number: r.number,
      customerId: r.customerId,
      currency: r.currency,
      openMinor: r.openMinor,
      issueDate: r.issueDate,
      dueDate: r.dueDate,
    }
    if (r.paymentReference) item.paymentReference = r.paymentReference
    if (r.discountMinor !== null && r.discountUntil) {
      item.discountMinor = r.discountMinor
      item.discountUntil = r.discountUntil
    }
    return item
  })
}

/** Customers with names, IBANs (master data and learned) and group. */
export async function loadCustomers(
  ctx: Ctx,
  customerIds?: readonly string[],
): Promise<CustomerRecord[]> {
  const only = customerIds ? sql`and c.id = any(${customerIds as string[]}::uuid[])` : sql``
  const { rows } = await sql<{
    id: string
    number: string
    legalName: string
    tradingNames: string[]
    groupId: string | null
    ibans: string[] | null
  }>`
    select c.id, c.number, c.legal_name, c.trading_names,
      -- A group is a parent and its children: the parent's id names it.
      coalesce(c.parent_id, parents.id) as group_id, ib.ibans
    from customer c
    left join (select distinct k.parent_id as id from customer k
               where k.tenant_id = ${ctx.tenantId} and k.parent_id is not null) parents
      on parents.id = c.id
    left join (select ci.customer_id, array_agg(ci.iban order by ci.position) as ibans
               from customer_iban ci where ci.tenant_id = ${ctx.tenantId}
               group by ci.customer_id) ib
      on ib.customer_id = c.id
    where c.tenant_id = ${ctx.tenantId} ${only}`.execute(ctx.db)
  return rows.map((r) => ({
    customerId: r.id,
    number: r.number,
    legalName: r.legalName,
    ...(r.tradingNames[0] ? { tradingName: r.tradingNames[0] } : {}),
    ...(r.groupId ? { groupId: r.groupId } : {}),
    ibans: r.ibans ?? [],
  }))
}

export async function loadLearnedLinks(ctx: Ctx): Promise<LearnedLink[]> {
  const rows = await ctx.db
    .selectFrom('bankPayerLink')
    .select(['kind', 'key', 'customerId'])
    .where('tenantId', '=', ctx.tenantId)
    .execute()
  return rows.map((r) =>
    r.kind === 'iban'
      ? { kind: 'iban', iban: r.key, customerId: r.customerId }
      : { kind: 'payer_name', payerName: r.key, customerId: r.customerId },
  )
}

/** The tenant's tolerances; the matching's defaults where the tenant set none. */
export async function getCashApplicationSettings(ctx: Ctx): Promise<MatchSettings> {
  const row = await ctx.db
    .selectFrom('cashApplicationSettings')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .executeTakeFirst()
  if (!row) return { ...defaultMatchSettings }
  return {
    smallDifferenceMinorMax: row.smallDifferenceMinorMax,
    bankFeeMinorMax: row.bankFeeMinorMax,
    bankFeePercentMax: BigInt(row.bankFeePercentMax),
    discountGraceDays: row.discountGraceDays,
    adviceDaysMax: row.adviceDaysMax,
  }
}

/** Sets the tenant's tolerances for automatic write-offs (audited). */
export async function putCashApplicationSettings(
  ctx: Ctx,
  input: Partial<MatchSettings>,
): Promise<MatchSettings> {
  const before = await getCashApplicationSettings(ctx)
  const after: MatchSettings = { ...before, ...input }
  const row = {
    smallDifferenceMinorMax: after.smallDifferenceMinorMax,
    bankFeeMinorMax: after.bankFeeMinorMax,
    bankFeePercentMax: Number(after.bankFeePercentMax),
    discountGraceDays: after.discountGraceDays,
    adviceDaysMax: after.adviceDaysMax,
    updatedAt: ctx.now,
  }
  await ctx.db
    .insertInto('cashApplicationSettings')
    .values({ tenantId: ctx.tenantId, ...row })
    .onConflict((oc) =>
      oc.column('tenantId').doUpdateSet((eb) => ({ ...row, version: eb('version', '+', 1) })),
    )
    .execute()
  await recordAudit(ctx, {
    entityType: 'cash_application_settings',
    entityId: ctx.tenantId,
    action: 'updated',
    before: settingsRecord(before),
    after: settingsRecord(after),
  })
  return after
}

function settingsRecord(s: MatchSettings) {
  return {
    small_difference_minor_max: s.smallDifferenceMinorMax.toString(),
    bank_fee_minor_max: s.bankFeeMinorMax.toString(),
    bank_fee_percent_max: s.bankFeePercentMax.toString(),
    discount_grace_days: s.discountGraceDays,
    advice_days_max: s.adviceDaysMax,
  }
}

// Cross rates are computed to this many decimals (the rates themselves have at most 8).
const crossRateScale = 10

/**
 * The tenant's rates (invoicing's exchange_rate: one unit of a currency in the accounting
 * currency, from a date on) as the matching asks for them: any currency to any other, through
 * the accounting currency. Undefined when a rate is missing.
 */
export async function loadRateLookup(ctx: Ctx): Promise<RateLookup> {
  const base = await accountingCurrency(ctx)
  const rates = await listExchangeRates(ctx)
  // Newest first per currency, as listExchangeRates gives them.
  const toBase = (currency: string, date: CalendarDate): Decimal | undefined => {
    if (currency === base) return { units: 1n, scale: 0 }
    return rates.find((r) => r.currency === currency && r.validFrom <= date)?.rate
  }
  return (from, to, date) => {
    const a = toBase(from, date)
    const b = toBase(to, date)
    if (!a || !b) return undefined
    // from→to = (from→base) / (to→base), rounded at crossRateScale decimals.
    const units = divideRounded(
      a.units * 10n ** BigInt(b.scale + crossRateScale),
      b.units * 10n ** BigInt(a.scale),
    )
    return parseDecimal(formatScaled(units, crossRateScale), crossRateScale)
  }
}

function formatScaled(units: bigint, scale: number): string {
  const digits = units.toString().padStart(scale + 1, '0')
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`
}
