import type { Selectable } from 'kysely'
import { invalid, notFound } from '../../core/errors.js'
import { isUuid } from '../../core/ids.js'
import { formatAmount } from '../../core/money.js'
import { decodeCursor, encodeCursor, pageSizeDefault } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'
import type { BalanceCheck, Sign } from './bank-files/model.js'
import type { BankEntryStatus, CashappTables } from './tables.js'

// A stored statement read back, in the shape of the fixtures' expected.json (snake_case, the
// same field names, amounts as unsigned decimal strings with a sign) so that what a bank file
// says and what o2c kept can be compared field by field. `id` is therefore the bank's id of
// the statement; o2c's own fields stand beside the bank's, and o2c's id of a statement or an
// entry is `o2c_id` (the {id} of GET /v1/bank-statements/{id}).

export type BalanceOut = { amount: string; sign: Sign | null; date: string | null }

export type BankStatementSummaryOut = {
  o2c_id: string
  id: string | null
  statement_number: string | null
  account: { iban: string | null; number: string | null; currency: string | null }
  opening_balance: BalanceOut | null
  closing_balance: BalanceOut | null
  balance_check: BalanceCheck
  bank_account_id: string
  format: string
  currency: string | null
  unbalanced: boolean
  /** closing − (opening + entries), signed; null when the check is not applicable. */
  difference: string | null
  entry_count: number
  file_name: string
  import_id: string
  imported_at: string
  imported_by: string
}

export type BankEntryOut = {
  booking_date: string | null
  value_date: string | null
  amount: string
  currency: string
  sign: Sign
  reversal: boolean
  bank_reference: string | null
  customer_reference: string | null
  end_to_end_id: string | null
  mandate_id: string | null
  counterparty: { name: string | null; iban: string | null; bic: string | null }
  remittance: { unstructured: string | null; structured_reference: string | null }
  bank_transaction_code: string | null
  return_reason: string | null
  details: unknown[]
  o2c_id: string
  status: BankEntryStatus
  /** o2c's id of the statement that brought the entry first (another, for a repeated one). */
  first_statement_o2c_id: string
}

export type BankStatementOut = BankStatementSummaryOut & {
  /** The entries in file order: all of them, or one page (see entries_next_cursor). */
  entries: BankEntryOut[]
  /** Where the next page of entries starts (entries_cursor); null when this page is the last. */
  entries_next_cursor: string | null
}

// A statement comes whole up to this many entries (about 1 MB of JSON), which covers the
// daily and monthly statements of most accounts; a payment provider's month of 275,000
// entries comes a page at a time instead of as a response of some 300 MB.
export const bankEntriesPageDefault = 1_000
// The largest page asked for: some 5 MB of JSON.
export const bankEntriesPageMax = 5_000

export type BankEntriesPage = {
  /** Entries per page; bankEntriesPageDefault when not given. */
  limit?: number
  /** entries_next_cursor of the previous page. */
  cursor?: string
}

function statementQuery(ctx: Ctx) {
  return ctx.db
    .selectFrom('bankStatement as s')
    .innerJoin('bankAccount as a', (join) =>
      join.onRef('a.tenantId', '=', 's.tenantId').onRef('a.id', '=', 's.bankAccountId'),
    )
    .where('s.tenantId', '=', ctx.tenantId)
    .selectAll('s')
    .select(['a.iban', 'a.number', 'a.currency as accountCurrency'])
}

type StatementRow = Awaited<
  ReturnType<ReturnType<typeof statementQuery>['executeTakeFirstOrThrow']>
>

function summaryOut(row: StatementRow): BankStatementSummaryOut {
  const currency = row.currency ?? ''
  const balance = (minor: bigint | null, sign: Sign | null, date: string | null) =>
    minor === null ? null : { amount: formatAmount(minor, currency), sign, date }
  return {
    o2c_id: row.id,
    id: row.statementId,
    statement_number: row.statementNumber,
    account: { iban: row.iban, number: row.number, currency: row.accountCurrency },
    opening_balance: balance(row.openingAmountMinor, row.openingSign, row.openingDate),
    closing_balance: balance(row.closingAmountMinor, row.closingSign, row.closingDate),
    balance_check: row.balanceCheck,
    bank_account_id: row.bankAccountId,
    format: row.format,
    currency: row.currency,
    unbalanced: row.unbalanced,
    difference: row.differenceMinor === null ? null : formatAmount(row.differenceMinor, currency),
    entry_count: row.entryCount,
    file_name: row.fileName,
    import_id: row.importId,
    imported_at: row.importedAt.toISOString(),
    imported_by: row.importedBy,
  }
}

/**
 * A statement with its balances and its entries in file order: whole up to the page size,
 * else the first page and a cursor for the next (`entries_next_cursor`).
 *
 *   const first = await getBankStatement(ctx, id)
 *   const next = await getBankStatement(ctx, id, { cursor: first.entries_next_cursor })
 */
export async function getBankStatement(
  ctx: Ctx,
  id: string,
  page: BankEntriesPage = {},
): Promise<BankStatementOut> {
  if (!isUuid(id)) throw notFound('bank_statement', id)
  const limit = page.limit ?? bankEntriesPageDefault
  const after = decodeEntriesCursor(page.cursor)
  const row = await statementQuery(ctx).where('s.id', '=', id).executeTakeFirst()
  if (!row) throw notFound('bank_statement', id)
  const entries = await ctx.db
    .selectFrom('bankStatementEntry as l')
    .innerJoin('bankEntry as e', (join) =>
      join.onRef('e.tenantId', '=', 'l.tenantId').onRef('e.id', '=', 'l.bankEntryId'),
    )
    .where('l.tenantId', '=', ctx.tenantId)
    .selectAll('e')
    .select('l.position as listedAt')
    .where('l.bankStatementId', '=', id)
    .where('l.position', '>', after)
    .orderBy('l.position')
    .limit(limit + 1)
    .execute()
  const more = entries.length > limit
  const shown = more ? entries.slice(0, limit) : entries
  return {
    ...summaryOut(row),
    entries: shown.map(entryOut),
    entries_next_cursor: more ? encodeEntriesCursor(shown[shown.length - 1].listedAt) : null,
  }
}

function entryOut(e: Selectable<CashappTables['bankEntry']>): BankEntryOut {
  return {
    booking_date: e.bookingDate,
    value_date: e.valueDate,
    amount: formatAmount(e.amountMinor, e.currency),
    currency: e.currency,
    sign: e.sign,
    reversal: e.reversal,
    bank_reference: e.bankReference,
    customer_reference: e.customerReference,
    end_to_end_id: e.endToEndId,
    mandate_id: e.mandateId,
    counterparty: { name: e.counterpartyName, iban: e.counterpartyIban, bic: e.counterpartyBic },
    remittance: {
      unstructured: e.remittanceUnstructured,
      structured_reference: e.remittanceStructuredReference,
    },
    bank_transaction_code: e.bankTransactionCode,
    return_reason: e.returnReason,
    details: e.details as unknown[],
    o2c_id: e.id,
    status: e.status,
    first_statement_o2c_id: e.bankStatementId,
  }
}

// The cursor is the position of the page's last entry, opaque to the client like every
// cursor of the API (core/pagination.ts).
function encodeEntriesCursor(position: number): string {
  return Buffer.from(JSON.stringify({ position })).toString('base64url')
}

function decodeEntriesCursor(cursor: string | undefined): number {
  if (!cursor) return -1
  try {
    const { position } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Number.isSafeInteger(position) && position >= 0) return position
  } catch {
    // refused below
  }
  throw invalid([{ field: 'entries_cursor', message: 'is not a cursor this API handed out' }])
}

export type BankStatementFilter = { cursor?: string; limit?: number; bankAccountId?: string }

/** Statements, newest import last, a page at a time (cursor: the last o2c_id). */
export async function listBankStatements(
  ctx: Ctx,
  filter: BankStatementFilter = {},
): Promise<{ data: BankStatementSummaryOut[]; next_cursor: string | null }> {
  const limit = filter.limit ?? pageSizeDefault
  const after = decodeCursor(filter.cursor)
  let query = statementQuery(ctx)
    .orderBy('s.id')
    .limit(limit + 1)
  if (after) query = query.where('s.id', '>', after)
  if (filter.bankAccountId) query = query.where('s.bankAccountId', '=', filter.bankAccountId)
  const rows = await query.execute()
  const more = rows.length > limit
  const data = (more ? rows.slice(0, limit) : rows).map(summaryOut)
  return { data, next_cursor: more ? encodeCursor(data[data.length - 1].o2c_id) : null }
}
