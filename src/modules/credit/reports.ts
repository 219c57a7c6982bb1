import type { Selectable } from 'kysely'
import { calendarDateAt, isCalendarDate } from '../../core/dates.js'
import { domainError, type FieldIssue } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import { formatAmount, parseAmount } from '../../core/money.js'
import { decodeCursor, type Page, pageSizeDefault } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'
import { recordAuditBatch } from '../audit/index.js'
import { getCustomer } from '../customers/index.js'
import { type ReportRecord, reportColumns } from './report-file.js'
import type { CreditTables } from './tables.js'

// External credit reports, kept as history: each import adds reports, none is overwritten.
// An import is all or nothing unless the caller skips invalid rows; re-importing the same
// file changes nothing (a report already on file with the same figures is "unchanged").

export type CreditReport = {
  id: string
  customerId: string
  bureau: string
  score: number | null
  rating: string | null
  recommendedLimitMinor: bigint | null
  currency: string
  paymentIndex: number | null
  reportDate: string
  source: 'file' | 'api'
  fileName: string | null
  importedAt: Date
  importedBy: string
}

export type RejectedReport = {
  row: number
  line: number | null
  customerNumber: string | null
  errors: FieldIssue[]
}

export type ReportImport = {
  received: number
  imported: number
  unchanged: number
  rejected: RejectedReport[]
  reportIds: string[]
}

export type ReportImportOptions = {
  source: 'file' | 'api'
  fileName?: string
  /** Keep the valid reports when some are not; otherwise one bad row refuses the file. */
  skipInvalid?: boolean
  /** Told after each batch written, for a progress bar. */
  onProgress?: (done: number, total: number) => void
}

// Bounds for set-based reads and writes: well under PostgreSQL's 65,535 bind parameters.
const lookupBatchSize = 5_000
const insertBatchSize = 1_000

type Candidate = Omit<CreditReport, 'id' | 'importedAt' | 'importedBy' | 'source' | 'fileName'>

/**
 * Imports credit reports read from a file or an API body. Every record is checked first;
 * rejected ones are named by row and line. Throws credit.report_file_invalid (nothing
 * written) when any is rejected and `skipInvalid` is not set.
 */
export async function importCreditReports(
  ctx: Ctx,
  records: ReportRecord[],
  options: ReportImportOptions,
): Promise<ReportImport> {
  const today = calendarDateAt(ctx.now, ctx.timeZone)
  const customers = await customersByNumber(ctx, records)
  const existing = await reportsOnFile(
    ctx,
    [...customers.values()].map((c) => c.id),
  )
  const seenInFile = new Map<string, number>()
  const rejected: RejectedReport[] = []
  const fresh: Candidate[] = []
  let unchanged = 0

  for (const [index, record] of records.entries()) {
    const { candidate, errors } = checkReport(record, customers, today)
    if (candidate) {
      const key = reportKey(candidate)
      const earlier = seenInFile.get(key)
      const onFile = existing.get(key)
      if (earlier !== undefined) {
        errors.push({
          field: 'report_date',
          message: `repeats ${where(records[earlier])} (same customer, bureau and report date)`,
        })
      } else if (onFile && !sameFigures(onFile, candidate)) {
        errors.push({
          field: 'report_date',
          message: `a ${candidate.bureau} report of ${candidate.reportDate} is on file for this customer with other figures`,
        })
      }
      seenInFile.set(key, index)
      if (errors.length === 0) {
        if (onFile) unchanged++
        else fresh.push(candidate)
      }
    }
    if (errors.length > 0) {
      rejected.push({
        row: record.row,
        line: record.line,
        customerNumber: textOf(record.values.customer_number) ?? null,
        errors,
      })
    }
  }

  if (rejected.length > 0 && !options.skipInvalid) {
    const first = rejected[0]
    throw domainError(
      'credit.report_file_invalid',
      `${rejected.length} of ${records.length} reports are not valid; the first, ${where(first)}: ` +
        `${first.errors[0].field}: ${first.errors[0].message}`,
      { rejected: rejected.map(rejectedToApi) },
    )
  }

  const reportIds: string[] = []
  for (let start = 0; start < fresh.length; start += insertBatchSize) {
    const batch = fresh.slice(start, start + insertBatchSize).map((c) => ({
      ...c,
      id: newId(),
      tenantId: ctx.tenantId,
      source: options.source,
      fileName: options.fileName ?? null,
      importedAt: ctx.now,
      importedBy: ctx.actor.name,
    }))
    await ctx.db.insertInto('creditReport').values(batch).execute()
    // One audit event per report, written for the whole batch in two statements.
    await recordAuditBatch(
      ctx,
      batch.map(({ tenantId: _tenantId, ...report }) => ({
        entityType: 'credit_report',
        entityId: report.id,
        action: 'imported',
        after: report,
      })),
    )
    reportIds.push(...batch.map((report) => report.id))
    options.onProgress?.(Math.min(start + insertBatchSize, fresh.length), fresh.length)
  }
  return { received: records.length, imported: fresh.length, unchanged, rejected, reportIds }
}

export function rejectedToApi(r: RejectedReport) {
  return { row: r.row, line: r.line, customer_number: r.customerNumber, errors: r.errors }
}

function where(r: { row: number; line: number | null }): string {
  return r.line === null ? `item ${r.row}` : `line ${r.line}`
}

function reportKey(r: { customerId: string; bureau: string; reportDate: string }): string {
  return `${r.customerId}\u0000${r.bureau.toLowerCase()}\u0000${r.reportDate}`
}

function sameFigures(a: Candidate | CreditReport, b: Candidate): boolean {
  return (
    a.score === b.score &&
    a.rating === b.rating &&
    a.recommendedLimitMinor === b.recommendedLimitMinor &&
    a.paymentIndex === b.paymentIndex
  )
}

type CustomerRef = { id: string; number: string; currency: string }

// The customers of a file are looked up in sets by number, not one by one: a portfolio
// file names thousands. (A read of the customers' table; the customers module owns it.)
async function customersByNumber(
  ctx: Ctx,
  records: ReportRecord[],
): Promise<Map<string, CustomerRef>> {
  const numbers = [
    ...new Set(records.map((r) => textOf(r.values.customer_number)).filter((n) => n !== undefined)),
  ]
  const found = new Map<string, CustomerRef>()
  for (let start = 0; start < numbers.length; start += lookupBatchSize) {
    const rows = await ctx.db
      .selectFrom('customer')
      .select(['id', 'number', 'currency'])
      .where('number', 'in', numbers.slice(start, start + lookupBatchSize))
      .execute()
    for (const row of rows) found.set(row.number, row)
  }
  return found
}

async function reportsOnFile(ctx: Ctx, customerIds: string[]): Promise<Map<string, CreditReport>> {
  const onFile = new Map<string, CreditReport>()
  for (let start = 0; start < customerIds.length; start += lookupBatchSize) {
    const rows = await ctx.db
      .selectFrom('creditReport')
      .selectAll()
      .where('customerId', 'in', customerIds.slice(start, start + lookupBatchSize))
      .execute()
    for (const row of rows) onFile.set(reportKey(row), reportFromRow(row))
  }
  return onFile
}

function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  const text = String(value).trim()
  return text === '' ? undefined : text
}

function integerIn(
  value: unknown,
  field: string,
  min: number,
  max: number,
  errors: FieldIssue[],
): number | null {
  const text = textOf(value)
  if (text === undefined) return null
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    errors.push({ field, message: `${text} is not a whole number from ${min} to ${max}` })
    return null
  }
  return Number(text)
}

/** Checks one record; every problem is named by its field. */
function checkReport(
  record: ReportRecord,
  customers: Map<string, CustomerRef>,
  today: string,
): { candidate?: Candidate; errors: FieldIssue[] } {
  const errors: FieldIssue[] = []
  const v = record.values
  if (v.__not_an_object) return { errors: [{ field: '', message: 'is not a report object' }] }
  for (const key of Object.keys(v)) {
    if (!(reportColumns as readonly string[]).includes(key)) {
      errors.push({
        field: key,
        message: `is not a credit report field (${reportColumns.join(', ')})`,
      })
    }
  }
  const number = textOf(v.customer_number)
  const customer = number === undefined ? undefined : customers.get(number)
  if (number === undefined) errors.push({ field: 'customer_number', message: 'is required' })
  else if (!customer)
    errors.push({ field: 'customer_number', message: `no customer has number ${number}` })
  const bureau = textOf(v.bureau)
  if (bureau === undefined) errors.push({ field: 'bureau', message: 'is required' })
  else if (bureau.length > 100)
    errors.push({ field: 'bureau', message: 'is longer than 100 characters' })
  const score = integerIn(v.score, 'score', 0, 1000, errors)
  const paymentIndex = integerIn(v.payment_index, 'payment_index', 0, 100, errors)
  const rating = textOf(v.rating) ?? null
  if (rating !== null && rating.length > 20) {
    errors.push({ field: 'rating', message: 'is longer than 20 characters' })
  }
  const reportDate = textOf(v.report_date)
  if (reportDate === undefined) errors.push({ field: 'report_date', message: 'is required' })
  else if (!isCalendarDate(reportDate))
    errors.push({ field: 'report_date', message: `${reportDate} is not a date (YYYY-MM-DD)` })
  else if (reportDate > today)
    errors.push({ field: 'report_date', message: `${reportDate} is in the future` })
  let recommendedLimitMinor: bigint | null = null
  const limitText = textOf(v.recommended_limit)
  if (limitText !== undefined && customer) {
    const minor = parseAmount(limitText, customer.currency)
    if (minor === undefined || minor < 0n) {
      errors.push({
        field: 'recommended_limit',
        message: `${limitText} is not an amount in ${customer.currency} (e.g. 25000.00)`,
      })
    } else recommendedLimitMinor = minor
  }
  if (errors.length > 0 || !customer || !bureau || !reportDate) return { errors }
  return {
    errors,
    candidate: {
      customerId: customer.id,
      bureau,
      score,
      rating,
      recommendedLimitMinor,
      currency: customer.currency,
      paymentIndex,
      reportDate,
    },
  }
}

export function reportFromRow(row: Selectable<CreditTables['creditReport']>): CreditReport {
  const { tenantId: _tenantId, ...report } = row
  return report
}

/** A customer's reports, newest first. */
export async function listCreditReports(
  ctx: Ctx,
  customerId: string,
  page: { cursor?: string; limit?: number } = {},
): Promise<Page<CreditReport>> {
  await getCustomer(ctx, customerId)
  const limit = page.limit ?? pageSizeDefault
  const after = decodeCursor(page.cursor)
  let query = ctx.db
    .selectFrom('creditReport')
    .selectAll()
    .where('customerId', '=', customerId)
    .orderBy('reportDate', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
  if (after) {
    const [date, id] = after.split('/')
    query = query.where((eb) =>
      eb.or([
        eb('reportDate', '<', date),
        eb.and([eb('reportDate', '=', date), eb('id', '<', id)]),
      ]),
    )
  }
  const rows = (await query.execute()).map(reportFromRow)
  const more = rows.length > limit
  const data = more ? rows.slice(0, limit) : rows
  const last = data[data.length - 1]
  return {
    data,
    nextCursor:
      more && last
        ? Buffer.from(JSON.stringify({ id: `${last.reportDate}/${last.id}` })).toString('base64url')
        : null,
  }
}

/** The newest report on file for a customer (by report date), if any. */
export async function latestCreditReport(
  ctx: Ctx,
  customerId: string,
): Promise<CreditReport | undefined> {
  const row = await ctx.db
    .selectFrom('creditReport')
    .selectAll()
    .where('customerId', '=', customerId)
    .orderBy('reportDate', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row ? reportFromRow(row) : undefined
}

export function reportToApi(r: CreditReport) {
  return {
    id: r.id,
    customer_id: r.customerId,
    bureau: r.bureau,
    score: r.score,
    rating: r.rating,
    recommended_limit:
      r.recommendedLimitMinor === null ? null : formatAmount(r.recommendedLimitMinor, r.currency),
    currency: r.currency,
    payment_index: r.paymentIndex,
    report_date: r.reportDate,
    source: r.source,
    file_name: r.fileName,
    imported_at: r.importedAt.toISOString(),
    imported_by: r.importedBy,
  }
}
