import { notFound } from '../../core/errors.js'
import { isUuid } from '../../core/ids.js'
import { formatAmount } from '../../core/money.js'
import { decodeCursor, encodeCursor, pageSizeDefault } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'
import type { BalanceCheck, Sign } from './bank-files/model.js'
import type { BankEntryStatus } from './tables.js'

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

export type BankStatementOut = BankStatementSummaryOut & { entries: BankEntryOut[] }

function statementQuery(ctx: Ctx) {
  return ctx.db
    .selectFrom('bankStatement as s')
    .innerJoin('bankAccount as a', 'a.id', 's.bankAccountId')
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

/** A statement with its balances and every entry, in file order. */
export async function getBankStatement(ctx: Ctx, id: string): Promise<BankStatementOut> {
  if (!isUuid(id)) throw notFound('bank_statement', id)
  const row = await statementQuery(ctx).where('s.id', '=', id).executeTakeFirst()
  if (!row) throw notFound('bank_statement', id)
  const entries = await ctx.db
    .selectFrom('bankStatementEntry as l')
    .innerJoin('bankEntry as e', 'e.id', 'l.bankEntryId')
    .selectAll('e')
    .where('l.bankStatementId', '=', id)
    .orderBy('l.position')
    .execute()
  return {
    ...summaryOut(row),
    entries: entries.map((e) => ({
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
    })),
  }
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
