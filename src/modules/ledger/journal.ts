import { sql } from 'kysely'
import { type CalendarDate, isCalendarDate } from '../../core/dates.js'
import { invalid } from '../../core/errors.js'
import { formatAmount } from '../../core/money.js'
import { decodeCursor, type Page, toPage } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'
import type { JournalEntry, JournalLine } from './service.js'

// Reading the journal: a page of entries with their lines for the API, and the whole
// journal (or a period of it) as CSV for the accountant. Both select entries by the same
// filter and give every line of a selected entry, so an entry always reads as a whole.

export type JournalFilter = {
  /** Entries posted on or after this date. */
  from?: CalendarDate
  /** Entries posted on or before this date. */
  to?: CalendarDate
  sourceType?: string
  sourceId?: string
  /** Entries with at least one line on this account. */
  accountCode?: string
}

export type JournalLineView = JournalLine & { accountName: string; customerNumber: string | null }
export type JournalEntryView = Omit<JournalEntry, 'lines'> & { lines: JournalLineView[] }

/** The header of the journal export, in this order. */
export const journalCsvColumns = [
  'entry_id',
  'posted_on',
  'description',
  'source_type',
  'source_id',
  'line_no',
  'account_code',
  'account_name',
  'debit',
  'credit',
  'currency',
  'customer_number',
] as const

// Entries read per query while exporting: a few thousand lines per round trip, so a ledger
// of millions of lines streams in constant memory.
const exportEntriesPerQuery = 2_000

/** Checks a filter before anything is read (the export has sent its header by then). */
export function checkJournalFilter(filter: JournalFilter): void {
  const issues: Array<{ field: string; message: string }> = []
  for (const field of ['from', 'to'] as const) {
    const value = filter[field]
    if (value !== undefined && !isCalendarDate(value)) {
      issues.push({ field, message: 'must be a date YYYY-MM-DD' })
    }
  }
  if (filter.from && filter.to && issues.length === 0 && filter.from > filter.to) {
    issues.push({ field: 'to', message: `is before from (${filter.from})` })
  }
  if (issues.length > 0) throw invalid(issues)
}

/** A page of entries, oldest first (by id: the order they were posted in). */
export async function listJournal(
  ctx: Ctx,
  filter: JournalFilter & { cursor?: string; limit: number },
): Promise<Page<JournalEntryView>> {
  checkJournalFilter(filter)
  const after = decodeCursor(filter.cursor)
  let query = filteredEntries(ctx, filter)
    .orderBy('e.id')
    .limit(filter.limit + 1)
  if (after) query = query.where('e.id', '>', after)
  const page = toPage(await query.execute(), filter.limit)
  const lines = await linesOf(
    ctx,
    page.data.map((e) => e.id),
  )
  return {
    nextCursor: page.nextCursor,
    data: page.data.map((e) => ({
      id: e.id,
      postedOn: e.postedOn,
      description: e.description,
      source: { type: e.sourceType, id: e.sourceId },
      reversesEntryId: e.reversesEntryId,
      reason: e.reason,
      createdAt: e.createdAt,
      createdBy: e.createdBy,
      lines: lines.get(e.id) ?? [],
    })),
  }
}

/**
 * Writes the journal as CSV (header first), entries by posting date, lines in their order.
 * `write` is awaited, so a slow reader slows the query loop instead of filling memory.
 *
 *   await exportJournalCsv(ctx, { from: '2026-01-01', to: '2026-03-31' }, (text) => out.write(text))
 */
export async function exportJournalCsv(
  ctx: Ctx,
  filter: JournalFilter,
  write: (text: string) => Promise<void> | void,
): Promise<{ entries: number; lines: number }> {
  checkJournalFilter(filter)
  await write(`${journalCsvColumns.join(',')}\r\n`)
  let last: { postedOn: string; id: string } | undefined
  let entries = 0
  let lineCount = 0
  for (;;) {
    let query = filteredEntries(ctx, filter)
      .orderBy('e.postedOn')
      .orderBy('e.id')
      .limit(exportEntriesPerQuery)
    if (last) {
      const { postedOn, id } = last
      query = query.where(sql<boolean>`(e.posted_on, e.id) > (${postedOn}::date, ${id}::uuid)`)
    }
    const page = await query.execute()
    if (page.length === 0) break
    const lines = await linesOf(
      ctx,
      page.map((e) => e.id),
    )
    let text = ''
    for (const entry of page) {
      for (const line of lines.get(entry.id) ?? []) {
        text += `${csvRow([
          entry.id,
          entry.postedOn,
          entry.description,
          entry.sourceType,
          entry.sourceId,
          String(line.lineNo),
          line.accountCode,
          line.accountName,
          line.debitMinor > 0n ? formatAmount(line.debitMinor, line.currency) : '',
          line.creditMinor > 0n ? formatAmount(line.creditMinor, line.currency) : '',
          line.currency,
          line.customerNumber ?? '',
        ])}\r\n`
        lineCount++
      }
    }
    await write(text)
    entries += page.length
    const tail = page[page.length - 1]
    last = { postedOn: tail.postedOn, id: tail.id }
    if (page.length < exportEntriesPerQuery) break
  }
  return { entries, lines: lineCount }
}

function filteredEntries(ctx: Ctx, filter: JournalFilter) {
  let query = ctx.db
    .selectFrom('journalEntry as e')
    .select([
      'e.id',
      'e.postedOn',
      'e.description',
      'e.sourceType',
      'e.sourceId',
      'e.reversesEntryId',
      'e.reason',
      'e.createdAt',
      'e.createdBy',
    ])
  if (filter.from) query = query.where('e.postedOn', '>=', filter.from)
  if (filter.to) query = query.where('e.postedOn', '<=', filter.to)
  if (filter.sourceType) query = query.where('e.sourceType', '=', filter.sourceType)
  if (filter.sourceId) query = query.where('e.sourceId', '=', filter.sourceId)
  const accountCode = filter.accountCode
  if (accountCode) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('journalLine as l')
          .select('l.lineNo')
          .whereRef('l.entryId', '=', 'e.id')
          .where('l.accountCode', '=', accountCode),
      ),
    )
  }
  return query
}

/**
 * The lines of these entries, with the account's name and the customer's number. The
 * customer number is read with a join on the customers' table (read only): the journal
 * keeps the customer's id, and people read numbers.
 */
async function linesOf(ctx: Ctx, entryIds: string[]): Promise<Map<string, JournalLineView[]>> {
  const byEntry = new Map<string, JournalLineView[]>()
  if (entryIds.length === 0) return byEntry
  const rows = await ctx.db
    .selectFrom('journalLine as l')
    .innerJoin('account as a', (join) =>
      join.onRef('a.tenantId', '=', 'l.tenantId').onRef('a.code', '=', 'l.accountCode'),
    )
    .leftJoin('customer as c', (join) =>
      join.onRef('c.tenantId', '=', 'l.tenantId').onRef('c.id', '=', 'l.customerId'),
    )
    .select([
      'l.entryId',
      'l.lineNo',
      'l.accountCode',
      'a.name as accountName',
      'l.debitMinor',
      'l.creditMinor',
      'l.currency',
      'l.customerId',
      'c.number as customerNumber',
    ])
    .where('l.entryId', 'in', entryIds)
    .orderBy('l.entryId')
    .orderBy('l.lineNo')
    .execute()
  for (const { entryId, ...line } of rows) {
    const lines = byEntry.get(entryId) ?? []
    lines.push(line)
    byEntry.set(entryId, lines)
  }
  return byEntry
}

/** One CSV record: cells with a comma, quote or line break are quoted (RFC 4180). */
function csvRow(cells: string[]): string {
  return cells
    .map((cell) => (/[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell))
    .join(',')
}
