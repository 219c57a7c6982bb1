import { electronicFormatIBAN, isValidIBAN } from 'ibantools'
import { type CalendarDate, isCalendarDate } from '../../../core/dates.js'
import { domainError, invalid } from '../../../core/errors.js'
import { currencyExponent, formatAmount, isCurrency, parseAmount } from '../../../core/money.js'
import type { AdviceDraft, AdviceGiven, ParsedAdvice, Place } from './model.js'

// A parsed advice becomes an advice in money: the currency is what the person importing says,
// else what the document states, else the tenant's base currency; every amount becomes minor
// units of it (more decimals than it has is refused, naming the line). The total is the
// stated one, else the sum of the lines; a stated total that is not the sum is refused,
// naming the difference: one of the two is wrong, and o2c cannot tell which.

export type AdviceFallback = {
  /** The tenant's base currency. */
  currency: string
  /** The day the advice arrived (tenant's calendar), or the date of the mail. */
  date: CalendarDate
  /** For a mail, the sender's display name. */
  payerName?: string
}

export function completeAdvice(
  parsed: ParsedAdvice,
  given: AdviceGiven,
  fallback: AdviceFallback,
  fileName: string,
): AdviceDraft {
  const checked = checkGiven(given)
  const currency = checked.currency ?? parsed.currency ?? fallback.currency
  if (!isCurrency(currency)) {
    throw domainError(
      'cashapp.remittance_amount_invalid',
      `${fileName}: ${currency} is not a currency; nothing was imported`,
      { file: fileName, currency },
    )
  }
  if (parsed.lines.length === 0) {
    throw domainError(
      'cashapp.remittance_empty',
      `${fileName} lists no invoice number with an amount; nothing was imported`,
      { file: fileName },
    )
  }
  const minor = (amount: string, place: Place) => {
    const value = parseAmount(amount, currency)
    if (value === undefined) {
      throw domainError(
        'cashapp.remittance_amount_invalid',
        `${fileName}, line ${place.line}${place.column ? `, column ${place.column}` : ''}: ` +
          `${amount} is not an amount in ${currency} (at most ${currencyExponent(currency)} ` +
          'decimals); nothing was imported',
        { file: fileName, line: place.line, amount, currency },
      )
    }
    return value
  }
  const lines = parsed.lines.map((l) => ({
    invoiceNumber: l.invoiceNumber.slice(0, 100),
    amountMinor: minor(l.amount, l.place),
    line: l.place.line,
  }))
  const sumMinor = lines.reduce((sum, l) => sum + l.amountMinor, 0n)
  let amountMinor = sumMinor
  if (parsed.total) {
    const statedMinor = minor(parsed.total.amount, parsed.total.place)
    if (statedMinor !== sumMinor) {
      const difference = formatAmount(statedMinor - sumMinor, currency)
      throw domainError(
        'cashapp.remittance_total_mismatch',
        `${fileName}, line ${parsed.total.place.line}: the total ${formatAmount(statedMinor, currency)} ` +
          `${currency} is not the sum of the lines, ${formatAmount(sumMinor, currency)} ` +
          `${currency} (difference ${difference}); nothing was imported`,
        {
          file: fileName,
          line: parsed.total.place.line,
          total: formatAmount(statedMinor, currency),
          sum_of_lines: formatAmount(sumMinor, currency),
          difference,
          currency,
        },
      )
    }
    amountMinor = statedMinor
  }
  if (amountMinor <= 0n) {
    throw domainError(
      'cashapp.remittance_amount_invalid',
      `${fileName}: the advice totals ${formatAmount(amountMinor, currency)} ${currency}; ` +
        'an advice announces a payment, so its total is more than zero; nothing was imported',
      { file: fileName, amount: formatAmount(amountMinor, currency), currency },
    )
  }
  return {
    source: parsed.source,
    payerName: checked.payerName ?? parsed.payerName ?? fallback.payerName ?? null,
    payerIban: checked.payerIban ?? parsed.payerIban ?? null,
    currency,
    date: checked.date ?? parsed.date ?? fallback.date,
    amountMinor,
    totalStated: parsed.total !== undefined,
    lines,
  }
}

/** What a person gave (CLI flags, API fields), checked as request fields. */
export function checkGiven(given: AdviceGiven): AdviceGiven {
  const issues: { field: string; message: string }[] = []
  const payerIban = given.payerIban ? electronicFormatIBAN(given.payerIban) : undefined
  if (given.payerIban && !(payerIban && isValidIBAN(payerIban))) {
    issues.push({ field: 'payer_iban', message: `${given.payerIban} is not a valid IBAN` })
  }
  const currency = given.currency?.toUpperCase()
  if (currency && !isCurrency(currency)) {
    issues.push({ field: 'currency', message: `${given.currency} is not an ISO 4217 currency` })
  }
  if (given.date && !isCalendarDate(given.date)) {
    issues.push({ field: 'date', message: `${given.date} is not a date (YYYY-MM-DD)` })
  }
  if (issues.length > 0) throw invalid(issues)
  return {
    payerName: given.payerName?.trim().slice(0, 200) || undefined,
    payerIban: payerIban ?? undefined,
    currency,
    date: given.date,
  }
}
