import { sql } from 'kysely'
import type { Ctx } from '../../db/context.js'
import { type MatchRunOptions, matchAndApplyEntries } from './apply.js'
import type { BankFileEvent } from './bank-files/model.js'
import type { CashApplicationCounts } from './model.js'
import {
  type BankFileSource,
  type BankImportOptions,
  type BankImportSummary,
  importBankFile,
  importBankStatements,
} from './statement-import.js'

// `o2c bank import` and POST /v1/bank-statements: a bank file imported, then its new entries
// matched and what is certain applied, in the caller's one transaction. Entries an earlier
// statement stored were matched when they came; re-importing a statement stores nothing new
// and so applies nothing twice (DESIGN.md invariant 7).

export type BankImportAndApply = BankImportSummary & { matching: CashApplicationCounts }

export type ImportAndApplyOptions = BankImportOptions & MatchRunOptions

/** Imports a bank file and applies what the matching is certain of. */
export async function importAndApplyBankFile(
  ctx: Ctx,
  source: BankFileSource,
  options: ImportAndApplyOptions,
): Promise<BankImportAndApply> {
  const summary = await importBankFile(ctx, source, options)
  return { ...summary, matching: await applyImported(ctx, summary, options) }
}

/** importAndApplyBankFile for the events of a parser (tests, benchmarks). */
export async function importAndApplyStatements(
  ctx: Ctx,
  events: AsyncIterable<BankFileEvent>,
  options: ImportAndApplyOptions,
): Promise<BankImportAndApply> {
  const started = performance.now()
  const summary = await importBankStatements(ctx, events, options)
  if (options.timings) options.timings.import = performance.now() - started
  return { ...summary, matching: await applyImported(ctx, summary, options) }
}

async function applyImported(
  ctx: Ctx,
  summary: BankImportSummary,
  options: MatchRunOptions,
): Promise<CashApplicationCounts> {
  const statementIds = summary.perStatement
    .filter((s) => s.entriesNew > 0)
    .map((s) => s.statementId)
  const entryIds = await entriesFirstStoredBy(ctx, statementIds)
  return matchAndApplyEntries(ctx, entryIds, options)
}

/** The entries these statements stored first (not those an earlier statement brought), in file order. */
async function entriesFirstStoredBy(ctx: Ctx, statementIds: string[]): Promise<string[]> {
  if (statementIds.length === 0) return []
  const { rows } = await sql<{ id: string }>`
    select e.id from bank_statement_entry se
    join bank_entry e on e.tenant_id = se.tenant_id and e.id = se.bank_entry_id
    where se.tenant_id = ${ctx.tenantId} and se.bank_statement_id = any(${statementIds}::uuid[])
      and e.bank_statement_id = se.bank_statement_id
    order by se.bank_statement_id, se.position`.execute(ctx.db)
  return rows.map((r) => r.id)
}
