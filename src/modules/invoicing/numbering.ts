import { sql } from 'kysely'
import { type CalendarDate, isCalendarDate } from '../../core/dates.js'
import { domainError } from '../../core/errors.js'
import type { Ctx } from '../../db/context.js'
import './errors.js'

// Invoice numbers (DESIGN.md invariant 2): gapless and increasing per series and fiscal year,
// assigned when the invoice is issued, inside the issuing transaction. The counter row of the
// series and year is incremented with one upsert; its row lock is held until the transaction
// ends, so concurrent issuers take turns and a rollback hands the number back to the next one.

export const SERIES_PATTERN = /^[A-Z0-9-]{1,20}$/
export const DEFAULT_NUMBER_FORMAT = '{series}-{year}-{seq:5}'

export type InvoiceNumber = {
  /** The position in the series and fiscal year: 1, 2, 3, … without gaps. */
  sequence: bigint
  /** The number as printed on the invoice, e.g. INV-2026-00042. */
  number: string
}

export type NumberRequest = { series: string; fiscalYear: number; issueDate: CalendarDate }

/**
 * Gives the next number of `series` in `fiscalYear` to a document dated `issueDate`. Call it
 * in the transaction that issues the invoice, as late as possible: the series stays locked
 * for other issuers until commit. Refuses a date before the previous number's
 * (invoicing.issue_date_before_previous), so numbers and dates run in the same order.
 */
export async function assignInvoiceNumber(
  ctx: Ctx,
  { series, fiscalYear, issueDate }: NumberRequest,
): Promise<InvoiceNumber> {
  checkSeries(series)
  checkFiscalYear(fiscalYear)
  const row = await ctx.db
    .insertInto('invoiceNumberSeries')
    .values((eb) => ({
      tenantId: ctx.tenantId,
      series,
      fiscalYear,
      // The first number of a new year keeps the format the series had in its latest year.
      format: eb.fn.coalesce(
        eb
          .selectFrom('invoiceNumberSeries as previous')
          .select('previous.format')
          .where('previous.series', '=', series)
          .orderBy('previous.fiscalYear', 'desc')
          .limit(1),
        sql.val(DEFAULT_NUMBER_FORMAT),
      ),
      lastNumber: 1,
      lastIssueDate: issueDate,
    }))
    .onConflict((oc) =>
      oc
        .columns(['tenantId', 'series', 'fiscalYear'])
        .doUpdateSet((eb) => ({
          lastNumber: eb(eb.ref('invoiceNumberSeries.lastNumber'), '+', 1),
          lastIssueDate: eb.ref('excluded.lastIssueDate'),
        }))
        // No update, so no row returned, when the date is before the previous number's.
        .where(
          sql<boolean>`invoice_number_series.last_issue_date is null
            or invoice_number_series.last_issue_date <= excluded.last_issue_date`,
        ),
    )
    .returning(['lastNumber', 'format'])
    .executeTakeFirst()
  if (!row) throw await dateBeforePrevious(ctx, { series, fiscalYear, issueDate })
  const sequence = BigInt(row.lastNumber)
  return {
    sequence,
    number: formatInvoiceNumber(row.format, { series, fiscalYear, sequence }),
  }
}

async function dateBeforePrevious(ctx: Ctx, request: NumberRequest) {
  const previous = await ctx.db
    .selectFrom('invoiceNumberSeries')
    .select(['lastNumber', 'lastIssueDate', 'format'])
    .where('series', '=', request.series)
    .where('fiscalYear', '=', request.fiscalYear)
    .executeTakeFirstOrThrow()
  const number = formatInvoiceNumber(previous.format, {
    ...request,
    sequence: BigInt(previous.lastNumber),
  })
  return domainError(
    'invoicing.issue_date_before_previous',
    `The issue date ${request.issueDate} is before ${previous.lastIssueDate}, the date of ${number}, the previous number of series ${request.series}; numbers and dates run in the same order, so issue it on or after ${previous.lastIssueDate}`,
    {
      field: 'issue_date',
      series: request.series,
      previous_number: number,
      previous_issue_date: previous.lastIssueDate,
    },
  )
}

const TOKEN = /\{(series|year|seq)(?::(\d{1,2}))?\}/g

/** Checks a number format: it must hold {seq} and no tokens other than the known ones. */
export function checkNumberFormat(format: string): void {
  const unknown = format.replace(TOKEN, '').match(/[{}]/)
  if (unknown || !/\{seq(?::\d{1,2})?\}/.test(format) || format.length > 100) {
    throw domainError(
      'invoicing.number_format_invalid',
      `The number format "${format}" must contain {seq} (or {seq:N}) and only the tokens {series}, {year}, {seq}`,
      { field: 'format', value: format },
    )
  }
}

/** The printed number: {series}, {year} and {seq} (or {seq:N}, zero-padded to N digits). */
export function formatInvoiceNumber(
  format: string,
  parts: { series: string; fiscalYear: number; sequence: bigint },
): string {
  checkNumberFormat(format)
  return format.replace(TOKEN, (_, token: string, width?: string) => {
    if (token === 'series') return parts.series
    if (token === 'year') return String(parts.fiscalYear)
    return parts.sequence.toString().padStart(Number(width ?? 0), '0')
  })
}

/**
 * The fiscal year a calendar date falls in, named by the calendar year it starts in. With the
 * default start in January it is the calendar year; with a start in July, 2026-03-31 is in
 * fiscal year 2025 (July 2025 – June 2026) and 2026-07-01 in 2026.
 */
export function fiscalYearOf(date: CalendarDate, fiscalYearStartMonth = 1): number {
  if (!isCalendarDate(date)) throw new RangeError(`Not a calendar date: ${date}`)
  if (
    !Number.isInteger(fiscalYearStartMonth) ||
    fiscalYearStartMonth < 1 ||
    fiscalYearStartMonth > 12
  ) {
    throw new RangeError(`A fiscal year starts in month 1 to 12, not ${fiscalYearStartMonth}`)
  }
  const year = Number(date.slice(0, 4))
  const month = Number(date.slice(5, 7))
  return month >= fiscalYearStartMonth ? year : year - 1
}

function checkSeries(series: string): void {
  if (!SERIES_PATTERN.test(series)) {
    throw domainError(
      'invoicing.series_invalid',
      `The series "${series}" must be 1 to 20 capital letters, digits or hyphens`,
      { field: 'series', value: series },
    )
  }
}

function checkFiscalYear(fiscalYear: number): void {
  if (!Number.isInteger(fiscalYear) || fiscalYear < 1900 || fiscalYear > 9999) {
    throw domainError(
      'invoicing.fiscal_year_invalid',
      `The fiscal year ${fiscalYear} must be a whole year between 1900 and 9999`,
      { field: 'fiscal_year', value: fiscalYear },
    )
  }
}
