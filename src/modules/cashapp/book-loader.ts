import { sql } from 'kysely'
import type { CalendarDate } from '../../core/dates.js'
import { type Decimal, divideRounded, parseDecimal } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { accountingCurrency, listExchangeRates } from '../invoicing/index.js'
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
// items (invoice_open_item, with the early-payment discount of the invoice's terms), the
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

/** Every open item with something open (oldest first per customer is the book's work). */
export async function loadOpenItems(
  ctx: Ctx,
  customerIds?: readonly string[],
): Promise<OpenItem[]> {
  const only = customerIds
    ? sql`and o.customer_id = any(${customerIds as string[]}::uuid[])`
    : sql``
  const { rows } = await sql<{
    invoiceId: string
    number: string
    customerId: string
    currency: string
    openMinor: bigint
    issueDate: string
    dueDate: string
    paymentReference: string | null
    discountMinor: string | null
    discountUntil: string | null
  }>`
    select o.invoice_id, o.number, o.customer_id, o.currency, o.open_minor, o.issue_date,
      o.due_date, o.payment_reference,
      i.payment_terms -> 'discount' ->> 'amount_minor' as discount_minor,
      i.payment_terms -> 'discount' ->> 'due_date' as discount_until
    from invoice_open_item o
    join invoice i on i.tenant_id = o.tenant_id and i.id = o.invoice_id
    where o.tenant_id = ${ctx.tenantId} and o.open_minor > 0 ${only}`.execute(ctx.db)
  return rows.map((r) => {
    const item: OpenItem = {
      invoiceId: r.invoiceId,
      number: r.number,
      customerId: r.customerId,
      currency: r.currency,
      openMinor: BigInt(r.openMinor),
      issueDate: dateText(r.issueDate),
      dueDate: dateText(r.dueDate),
    }
    if (r.paymentReference) item.paymentReference = r.paymentReference
    // The discount holds while the invoice is paid whole: a partly paid invoice keeps it
    // only when its open amount is still the amount the discount was given on.
    if (r.discountMinor && r.discountUntil && /^\d+$/.test(r.discountMinor)) {
      item.discountMinor = BigInt(r.discountMinor)
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
      case when c.parent_id is not null then c.parent_id
           when exists (select 1 from customer k where k.tenant_id = c.tenant_id
                        and k.parent_id = c.id) then c.id end as group_id,
      (select array_agg(ci.iban order by ci.position) from customer_iban ci
        where ci.tenant_id = c.tenant_id and ci.customer_id = c.id) as ibans
    from customer c
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

/** Dates come back as text or Date depending on the driver's parser. */
function dateText(value: unknown): CalendarDate {
  if (value instanceof Date) return value.toISOString().slice(0, 10)
  return String(value)
}
