import { type CalendarDate, isCalendarDate } from '../../core/dates.js'
import { domainError, type FieldIssue, invalid } from '../../core/errors.js'
import {
  currencyExponent,
  type Decimal,
  divideRounded,
  formatDecimal,
  isCurrency,
  parseDecimal,
} from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { emitEvent } from '../outbox/index.js'
import './errors.js'

// Rates to the tenant's accounting currency (its base currency), for invoices in another
// currency: EN 16931 wants their VAT total in the accounting currency too (BT-6, BT-111).
// A rate holds from its date until the next one; an invoice uses the rate of its issue date.

export type ExchangeRate = { currency: string; validFrom: CalendarDate; rate: Decimal }

// numeric(18, 8) in 0008.
const rateScaleMax = 8

export async function putExchangeRate(ctx: Ctx, input: ExchangeRate): Promise<ExchangeRate> {
  const issues: FieldIssue[] = []
  if (!isCurrency(input.currency)) {
    issues.push({ field: 'currency', message: `"${input.currency}" is not an ISO 4217 currency` })
  }
  if (!isCalendarDate(input.validFrom)) {
    issues.push({ field: 'valid_from', message: 'must be a date YYYY-MM-DD' })
  }
  if (input.rate.units <= 0n || input.rate.scale > rateScaleMax) {
    issues.push({ field: 'rate', message: `must be above 0 with at most ${rateScaleMax} decimals` })
  }
  const base = await accountingCurrency(ctx)
  if (input.currency === base) {
    issues.push({ field: 'currency', message: `is the accounting currency ${base} itself` })
  }
  if (issues.length > 0) throw invalid(issues)
  const before = await ctx.db
    .selectFrom('exchangeRate')
    .select('rate')
    .where('currency', '=', input.currency)
    .where('validFrom', '=', input.validFrom)
    .executeTakeFirst()
  await ctx.db
    .insertInto('exchangeRate')
    .values({
      tenantId: ctx.tenantId,
      currency: input.currency,
      validFrom: input.validFrom,
      rate: formatDecimal(input.rate),
      createdAt: ctx.now,
    })
    .onConflict((oc) =>
      oc
        .columns(['tenantId', 'currency', 'validFrom'])
        .doUpdateSet({ rate: formatDecimal(input.rate), createdAt: ctx.now }),
    )
    .execute()
  const key = `${input.currency}:${input.validFrom}`
  await recordAudit(ctx, {
    entityType: 'exchange_rate',
    entityId: key,
    action: before ? 'updated' : 'created',
    before: before ? { rate: before.rate } : undefined,
    after: {
      currency: input.currency,
      valid_from: input.validFrom,
      rate: formatDecimal(input.rate),
    },
  })
  await emitEvent(ctx, {
    type: 'exchange_rate.set',
    entityType: 'exchange_rate',
    entityId: key,
    payload: {
      currency: input.currency,
      accounting_currency: base,
      valid_from: input.validFrom,
      rate: formatDecimal(input.rate),
    },
  })
  return input
}

export async function listExchangeRates(
  ctx: Ctx,
  filter: { currency?: string } = {},
): Promise<ExchangeRate[]> {
  let query = ctx.db
    .selectFrom('exchangeRate')
    .select(['currency', 'validFrom', 'rate'])
    .orderBy('currency')
    .orderBy('validFrom', 'desc')
    .limit(1000)
  if (filter.currency) query = query.where('currency', '=', filter.currency)
  return (await query.execute()).map((row) => ({
    currency: row.currency,
    validFrom: row.validFrom,
    rate: parseDecimal(row.rate, rateScaleMax) as Decimal,
  }))
}

/** The rate of `currency` on `date`: the latest one valid on or before it, or undefined. */
export async function rateOn(
  ctx: Ctx,
  currency: string,
  date: CalendarDate,
): Promise<ExchangeRate | undefined> {
  const row = await ctx.db
    .selectFrom('exchangeRate')
    .select(['currency', 'validFrom', 'rate'])
    .where('currency', '=', currency)
    .where('validFrom', '<=', date)
    .orderBy('validFrom', 'desc')
    .limit(1)
    .executeTakeFirst()
  if (!row) return undefined
  return {
    currency: row.currency,
    validFrom: row.validFrom,
    rate: parseDecimal(row.rate, rateScaleMax) as Decimal,
  }
}

/** Like rateOn, but an invoice cannot be issued without it. */
export async function requireRateOn(
  ctx: Ctx,
  currency: string,
  date: CalendarDate,
  accounting: string,
): Promise<ExchangeRate> {
  const rate = await rateOn(ctx, currency, date)
  if (!rate) {
    throw domainError(
      'invoicing.exchange_rate_missing',
      `No ${currency}→${accounting} exchange rate valid on or before ${date}: set one with PUT /v1/exchange-rates`,
      { field: 'currency', currency, accounting_currency: accounting, date },
    )
  }
  return rate
}

/** The tenant's accounting currency (its base currency). */
export async function accountingCurrency(ctx: Ctx): Promise<string> {
  const tenant = await ctx.db
    .selectFrom('tenant')
    .select('baseCurrency')
    .where('tenantId', '=', ctx.tenantId)
    .executeTakeFirstOrThrow()
  return tenant.baseCurrency
}

/**
 * An amount converted at a rate, rounded once half away from zero to the minor unit of the
 * target currency (the exponents may differ: USD 2, JPY 0).
 */
export function convertMinor(amountMinor: bigint, from: string, to: string, rate: Decimal): bigint {
  const shift = currencyExponent(to) - currencyExponent(from)
  const numerator = amountMinor * rate.units * 10n ** BigInt(Math.max(shift, 0))
  const denominator = 10n ** BigInt(rate.scale) * 10n ** BigInt(Math.max(-shift, 0))
  return divideRounded(numerator, denominator)
}
