import { sql } from 'kysely'
import { invalid } from '../../core/errors.js'
import { formatAmount } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { type TransactionFilter, transactionFilterSql } from './match-store.js'
import type { MatchStatus } from './matching/model.js'

// `o2c cashapp export`: per bank transaction what the matching decided and what is applied,
// for checking against the books or a ground truth. `status` is the matching's decision
// (auto, suggested, unmatched); `allocations` what is applied now (the cash on each invoice,
// in the invoice's currency; write-offs are not cash and not listed). A suggested transaction
// that a person applied shows its allocations; an un-applied one shows none.

export type ExportFormat = 'json' | 'csv'

export type ExportedTransaction = {
  entry_ref: string | null
  status: MatchStatus
  allocations: { invoice_number: string; amount: string }[]
}

export const exportCsvColumns = ['entry_ref', 'status', 'invoice_number', 'amount'] as const

// Transactions read per query: a few thousand rows per round trip, constant memory.
const transactionsPerQuery = 2_000

/**
 * Writes the export (JSON: one array; CSV: one row per allocation, a transaction without any
 * gets one row with empty invoice columns). `write` is awaited, so a slow reader slows the
 * query loop instead of filling memory. Returns the number of transactions written.
 *
 *   await exportCashApplication(ctx, { statementId }, 'csv', (text) => out.write(text))
 */
export async function exportCashApplication(
  ctx: Ctx,
  filter: Omit<TransactionFilter, 'cursor' | 'limit'>,
  format: ExportFormat,
  write: (text: string) => Promise<void> | void,
): Promise<number> {
  if (format !== 'json' && format !== 'csv') {
    throw invalid([{ field: 'format', message: 'is json or csv' }])
  }
  const where = transactionFilterSql(ctx, filter)
  await write(format === 'json' ? '[' : `${exportCsvColumns.join(',')}\r\n`)
  let after: string | null = null
  let count = 0
  for (;;) {
    const { rows } = await sql<{
      id: string
      entryRef: string | null
      decision: MatchStatus
      allocations: { invoice_number: string; amount_minor: string; currency: string }[]
    }>`
      select t.id, coalesce(e.bank_reference, e.customer_reference) as entry_ref, t.decision,
        coalesce((
          select json_agg(json_build_object('invoice_number', i.number,
            'amount_minor', l.amount_minor::text, 'currency', a.currency) order by l.line_no)
          from cash_application a
          join cash_application_line l on l.tenant_id = a.tenant_id
            and l.cash_application_id = a.id and l.kind = 'payment'
          join invoice i on i.tenant_id = l.tenant_id and i.id = l.invoice_id
          where a.tenant_id = t.tenant_id and a.bank_transaction_id = t.id
            and a.reversed_at is null
        ), '[]'::json) as allocations
      from bank_transaction t
      join bank_entry e on e.tenant_id = t.tenant_id and e.id = t.bank_entry_id
      where ${where} ${after === null ? sql`` : sql`and t.id > ${after}::uuid`}
      order by t.id
      limit ${transactionsPerQuery}`.execute(ctx.db)
    if (rows.length === 0) break
    let text = ''
    for (const row of rows) {
      const exported: ExportedTransaction = {
        entry_ref: row.entryRef,
        status: row.decision,
        allocations: row.allocations.map((a) => ({
          invoice_number: a.invoice_number,
          amount: formatAmount(BigInt(a.amount_minor), a.currency),
        })),
      }
      if (format === 'json') {
        text += `${count === 0 ? '' : ','}\n${JSON.stringify(exported)}`
      } else if (exported.allocations.length === 0) {
        text += `${csvRow([exported.entry_ref ?? '', exported.status, '', ''])}\r\n`
      } else {
        for (const a of exported.allocations) {
          text += `${csvRow([exported.entry_ref ?? '', exported.status, a.invoice_number, a.amount])}\r\n`
        }
      }
      count++
    }
    await write(text)
    after = rows[rows.length - 1].id
    if (rows.length < transactionsPerQuery) break
  }
  if (format === 'json') await write(count === 0 ? ']\n' : '\n]\n')
  return count
}

/** One CSV record: cells with a comma, quote or line break are quoted (RFC 4180). */
function csvRow(cells: string[]): string {
  return cells
    .map((cell) => (/[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell))
    .join(',')
}
