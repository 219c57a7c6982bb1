import { createHash, type Hash } from 'node:crypto'
import { sql } from 'kysely'
import { isCalendarDate } from '../../core/dates.js'
import { domainError, notFound } from '../../core/errors.js'
import { isUuid, newId } from '../../core/ids.js'
import { currencyExponent, formatAmount, isCurrency, parseAmount } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { type AuditEntry, recordAuditBatch } from '../audit/index.js'
import { type DomainEvent, emitEvents } from '../outbox/index.js'
import { csvMappingSchema, readBankFile } from './bank-files/index.js'
import {
  type Balance,
  type BalanceCheck,
  type BankEntry,
  BankFileError,
  type BankFileEvent,
  type EntryDetail,
  type StatementHead,
} from './bank-files/model.js'
import { entryDigest } from './entry-identity.js'
import './errors.js'

// `o2c bank import FILE…` and POST /v1/bank-statements: the statements of one bank file, read
// as a stream of events (bank-files/model.ts) and written in the caller's one transaction.
// A file the parser refuses halfway (BankFileError), an amount that is not one, or a
// statement that does not balance throws, and the transaction takes everything back: a
// file is imported whole or not at all.
//
// Entries are written in batches, each one set-based statement (occurrences counted, new
// entries stored, the statement's list of them), so memory stays flat whatever the file's
// size: the process holds one batch being read and one being written, as JSON text, and
// nothing that grows with the file. The occurrence of each entry (entry-identity.ts) is
// counted in the database, in a temporary table of this transaction, not in a map here; an
// entry whose identity the account has already is not stored again (the unique key decides,
// `on conflict do nothing`), and the statement lists it all the same. A statement read before
// (same account, ids, balances and entries: the same content digest, hashed as the batches
// come back) is recognised and not stored a second time.

// Entries per batch: past a few hundred rows the statement overhead is gone.
export const bankEntriesPerBatch = 1_000
// Characters of JSON per batch. V8 keeps a string under 128 kB in its young generation, which
// is collected cheaply and often; a longer one goes straight to the large-object space, which
// only a full collection frees. Batches of 1,000 entries (700 kB of JSON) piled up some 200 MB
// of such strings in a 200 MB import before the first full collection came. 100,000
// characters are 100 kB as Latin-1 text (V8's one-byte strings); a batch with other text
// (a name in Greek) takes two bytes a character and goes over, that batch only.
export const bankBatchTextMax = 100_000
// Entries written after which the import's foreign-key checks are planned again (see
// replanForeignKeyChecks): a table of this size plans them on the key.
const entriesPlannedOn = 5_000
// As the column allows: longer names are cut, not refused.
const fileNameLengthMax = 255
// Statements whose audit entries and events are written at a time.
const statementsPerRecord = 500

/** The bytes of a bank file, read once, start to end (a file or an upload stream). */
export type BankFileSource = AsyncIterable<Buffer | Uint8Array | string>

export type BankImportProgress = { statements: number; entries: number }

export type BankImportOptions = {
  /** The file's name, kept on each statement and named in errors. */
  fileName: string
  /** Keep a statement that does not balance, flagged with its difference, instead of refusing. */
  allowUnbalanced?: boolean
  onProgress?: (progress: BankImportProgress) => void
  /**
   * The account whose saved CSV column mapping reads the file: the file is that account's
   * CSV export (a CSV names no account and has no standard layout).
   */
  bankAccountId?: string
  /** Entries per batch; bankEntriesPerBatch unless a test needs small batches. */
  batchEntries?: number
  /** Characters of JSON per batch; bankBatchTextMax unless a test or bench sets it. */
  batchText?: number
}

export type StatementImported = {
  /** o2c's id of the statement (the stored one, for a statement imported before). */
  statementId: string
  /** The bank's id of the statement (camt Stmt/Id, MT940 :20:). */
  bankStatementId: string | null
  statementNumber: string | null
  accountIban: string | null
  accountNumber: string | null
  currency: string | null
  entries: number
  /** Entries stored by this import. */
  entriesNew: number
  /** Entries an earlier statement of the account had stored already. */
  entriesKnown: number
  /** The same statement was imported before: nothing of it was stored again. */
  alreadyImported: boolean
  balanceCheck: BalanceCheck
  unbalanced: boolean
  /** closing − (opening + entries); null when a balance is missing. */
  differenceMinor: bigint | null
}

export type BankImportSummary = {
  importId: string
  fileName: string
  format: string | null
  statements: number
  entries: number
  entriesNew: number
  entriesKnown: number
  statementsAlreadyImported: number
  statementsUnbalanced: number
  perStatement: StatementImported[]
}

/**
 * Imports a bank file (camt.053/054, MT940, CSV with the account's mapping).
 *
 *   await importBankFile(ctx, createReadStream(path), { fileName: 'ing-2026-03.xml' })
 */
export async function importBankFile(
  ctx: Ctx,
  source: BankFileSource,
  options: BankImportOptions,
): Promise<BankImportSummary> {
  const csvMapping = options.bankAccountId
    ? await savedCsvMapping(ctx, options.bankAccountId, options.fileName)
    : undefined
  return importBankStatements(
    ctx,
    readBankFile(source, { fileName: options.fileName, csvMapping }),
    options,
  )
}

async function savedCsvMapping(ctx: Ctx, accountId: string, fileName: string) {
  if (!isUuid(accountId)) throw notFound('bank_account', accountId)
  const account = await ctx.db
    .selectFrom('bankAccount')
    .select(['csvMapping', 'iban', 'number'])
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', accountId)
    .executeTakeFirst()
  if (!account) throw notFound('bank_account', accountId)
  if (!account.csvMapping) {
    throw domainError(
      'cashapp.csv_mapping_missing',
      `${fileName}: account ${account.iban ?? account.number} has no saved CSV column mapping; ` +
        'save one (o2c bank mapping set, PUT /v1/bank-accounts/{id}/csv-mapping); nothing was ' +
        'imported',
      { file: fileName, bank_account_id: accountId },
    )
  }
  return csvMappingSchema.parse(account.csvMapping)
}

/** Imports the statements a bank-file parser yields; see importBankFile. */
export async function importBankStatements(
  ctx: Ctx,
  events: AsyncIterable<BankFileEvent>,
  given: BankImportOptions,
): Promise<BankImportSummary> {
  // One bank import at a time per tenant: the second waits, then finds the first's entries.
  await sql`select pg_advisory_xact_lock(hashtextextended(${`bank-import:${ctx.tenantId}`}, 0))`.execute(
    ctx.db,
  )
  await replanForeignKeyChecks(ctx)
  // The name is the user's (an upload's filename); keep what fits the column.
  const options = { ...given, fileName: given.fileName.slice(0, fileNameLengthMax) || 'unnamed' }
  const run: ImportRun = {
    ctx,
    options,
    summary: {
      importId: newId(),
      fileName: options.fileName,
      format: null,
      statements: 0,
      entries: 0,
      entriesNew: 0,
      entriesKnown: 0,
      statementsAlreadyImported: 0,
      statementsUnbalanced: 0,
      perStatement: [],
    },
    accounts: new Map(),
    audits: [],
    events: [],
    occurrenceTable: false,
    entriesWritten: 0,
  }
  let statement: OpenStatement | undefined
  // While one batch is written, the parser reads the next (on PostgreSQL the server works
  // while this process parses); at most one write is in flight.
  let writing: Promise<void> | undefined
  try {
    for await (const event of events) {
      if (event.kind === 'statement') {
        if (statement) throw new BankFileError('a statement starts inside another', {})
        run.summary.format ??= event.format
        statement = openStatement(run, event.format, event.statement)
      } else if (!statement) {
        throw new BankFileError(`${event.kind} outside a statement`, {})
      } else if (event.kind === 'entry') {
        addEntry(run, statement, event.entry)
        if (batchFull(run, statement)) {
          await writing
          writing = startBatch(run, statement)
        }
      } else {
        await writing
        writing = undefined
        await closeStatement(run, statement, event.closingBalance)
        statement = undefined
      }
    }
    if (statement) throw new BankFileError('the file ends inside a statement', {})
  } catch (error) {
    // Never leave a statement running on the transaction that is about to roll back.
    await writing?.catch(() => {})
    if (error instanceof BankFileError) throw malformed(options.fileName, error)
    throw error
  }
  await recordStatements(run)
  return run.summary
}

type ImportRun = {
  ctx: Ctx
  options: BankImportOptions
  summary: BankImportSummary
  /** Account ids by account key and currency, as found or created in this import. */
  accounts: Map<string, string>
  audits: AuditEntry[]
  events: DomainEvent[]
  /** Whether this import made sure of the temporary occurrence table. */
  occurrenceTable: boolean
  /** Entries written (listed) by this import. */
  entriesWritten: number
}

type OpenStatement = {
  index: number
  id: string
  format: string
  head: StatementHead
  /** The account's currency, else that of the first entry. */
  currency: string | null
  accountId: string | null
  stored: boolean
  entries: number
  entriesNew: number
  /** Σ signed entries in minor units; null once an entry is in another currency. */
  sumMinor: bigint | null
  /** The content digest: head, entry identities (as each batch comes back), closing. */
  digest: Hash
  /** The entries read and not yet written, each as the JSON of its row. */
  batch: string[]
  /** Characters of JSON in the batch. */
  batchText: number
}

function openStatement(run: ImportRun, format: string, head: StatementHead): OpenStatement {
  const index = run.summary.statements++
  if (!head.account.iban && !head.account.number) {
    throw domainError(
      'cashapp.statement_account_missing',
      `Statement ${statementName(head, index)} of ${run.options.fileName} names no account ` +
        '(neither IBAN nor account number); nothing was imported',
      { file: run.options.fileName, statement: index, statement_id: head.id },
    )
  }
  const currency = head.account.currency
  if (currency !== null && !isCurrency(currency)) {
    throw domainError(
      'cashapp.amount_invalid',
      `Statement ${statementName(head, index)} of ${run.options.fileName}: the account's ` +
        `currency ${currency} is not a currency; nothing was imported`,
      { file: run.options.fileName, statement: index, statement_id: head.id, currency },
    )
  }
  return {
    index,
    id: newId(),
    format,
    head,
    currency,
    accountId: null,
    stored: false,
    entries: 0,
    entriesNew: 0,
    sumMinor: 0n,
    digest: createHash('sha256').update(
      JSON.stringify([format, head.id, head.statementNumber, head.account, head.openingBalance]),
    ),
    batch: [],
    batchText: 0,
  }
}

function addEntry(run: ImportRun, statement: OpenStatement, entry: BankEntry): void {
  const position = statement.entries++
  run.summary.entries++
  for (const date of [entry.bookingDate, entry.valueDate]) {
    if (date !== null && !isCalendarDate(date)) {
      throw new BankFileError(`${date} is not a date`, {
        statement: statement.index,
        entry: position,
      })
    }
  }
  const amountMinor = amountIn(
    run,
    statement,
    entry.amount,
    entry.currency,
    `entry ${position + 1}`,
  )
  statement.currency ??= entry.currency
  if (statement.sumMinor !== null) {
    statement.sumMinor =
      entry.currency === statement.currency
        ? statement.sumMinor + (entry.sign === 'C' ? amountMinor : -amountMinor)
        : null
  }
  // Serialised at once: the row's objects die young, and only its text waits for the write.
  const row = JSON.stringify({
    id: newId(),
    position,
    digest: entryDigest(entry, amountMinor),
    booking_date: entry.bookingDate,
    value_date: entry.valueDate,
    amount_minor: amountMinor.toString(),
    currency: entry.currency,
    sign: entry.sign,
    reversal: entry.reversal,
    bank_reference: entry.bankReference,
    customer_reference: entry.customerReference,
    end_to_end_id: entry.endToEndId,
    mandate_id: entry.mandateId,
    counterparty_name: entry.counterparty.name,
    counterparty_iban: entry.counterparty.iban,
    counterparty_bic: entry.counterparty.bic,
    remittance_unstructured: entry.remittance.unstructured,
    remittance_structured_reference: entry.remittance.structuredReference,
    bank_transaction_code: entry.bankTransactionCode,
    return_reason: entry.returnReason,
    details: entry.details.map(detailJson),
  })
  statement.batch.push(row)
  statement.batchText += row.length + 1
}

/** Whether the statement's batch is full (by entries or by its text). */
function batchFull(run: ImportRun, statement: OpenStatement): boolean {
  return (
    statement.batch.length >= (run.options.batchEntries ?? bankEntriesPerBatch) ||
    statement.batchText >= (run.options.batchText ?? bankBatchTextMax)
  )
}

/** A batch entry's transaction as the API (and the fixtures' expected.json) writes it. */
export function detailJson(d: EntryDetail) {
  return {
    amount: d.amount,
    currency: d.currency,
    sign: d.sign,
    bank_reference: d.bankReference,
    end_to_end_id: d.endToEndId,
    mandate_id: d.mandateId,
    counterparty: { name: d.counterparty.name, iban: d.counterparty.iban, bic: d.counterparty.bic },
    remittance: {
      unstructured: d.remittance.unstructured,
      structured_reference: d.remittance.structuredReference,
    },
    return_reason: d.returnReason,
    bank_transaction_code: d.bankTransactionCode,
  }
}

/** Minor units of the currency; refuses an amount with more decimals than it has. */
function amountIn(
  run: ImportRun,
  statement: OpenStatement,
  amount: string,
  currency: string | null,
  what: string,
): bigint {
  const where = `${what} of statement ${statementName(statement.head, statement.index)} in ${run.options.fileName}`
  const details = {
    file: run.options.fileName,
    statement: statement.index,
    statement_id: statement.head.id,
    ...(what.startsWith('entry') ? { entry: statement.entries - 1 } : { balance: what }),
    amount,
    currency,
  }
  if (!currency || !isCurrency(currency)) {
    throw domainError(
      'cashapp.amount_invalid',
      `${where}: ${currency ? `${currency} is not a currency` : 'the currency is not known'}; nothing was imported`,
      details,
    )
  }
  const minor = parseAmount(amount, currency)
  if (minor === undefined || minor < 0n) {
    throw domainError(
      'cashapp.amount_invalid',
      `${where}: ${amount} is not an amount in ${currency} (at most ${currencyExponent(currency)} ` +
        'decimals); nothing was imported',
      details,
    )
  }
  return minor
}

/** The statement's row and account, written before its first entries. */
async function storeStatement(run: ImportRun, statement: OpenStatement): Promise<void> {
  if (statement.stored) return
  const { ctx } = run
  statement.accountId = await accountFor(run, statement.head, statement.currency)
  const opening = balanceIn(run, statement, statement.head.openingBalance, 'opening balance')
  await ctx.db
    .insertInto('bankStatement')
    .values({
      tenantId: ctx.tenantId,
      id: statement.id,
      bankAccountId: statement.accountId,
      format: statement.format,
      statementId: statement.head.id,
      statementNumber: statement.head.statementNumber,
      currency: statement.currency,
      openingAmountMinor: opening?.minor ?? null,
      openingSign: opening?.sign ?? null,
      openingDate: opening?.date ?? null,
      balanceCheck: 'not_applicable',
      unbalanced: false,
      entryCount: 0,
      // Set when the statement is closed; until then nothing can equal it.
      contentDigest: `open:${statement.id}`,
      fileName: run.options.fileName,
      importId: run.summary.importId,
      importedAt: ctx.now,
      importedBy: ctx.actor.name,
    })
    .execute()
  statement.stored = true
}

/** The account of a statement, found by IBAN (else number) and currency, or created. */
async function accountFor(
  run: ImportRun,
  head: StatementHead,
  currency: string | null,
): Promise<string> {
  const { ctx } = run
  const key = head.account.iban ?? head.account.number ?? ''
  const cacheKey = `${key}/${currency ?? ''}`
  const known = run.accounts.get(cacheKey)
  if (known) return known
  await ctx.db
    .insertInto('bankAccount')
    .values({
      tenantId: ctx.tenantId,
      id: newId(),
      iban: head.account.iban,
      number: head.account.number,
      currency,
      createdAt: ctx.now,
      createdBy: ctx.actor.name,
    })
    .onConflict((oc) => oc.doNothing())
    .execute()
  const account = await ctx.db
    .selectFrom('bankAccount')
    .select('id')
    .where('accountKey', '=', key)
    .where((eb) => (currency === null ? eb('currency', 'is', null) : eb('currency', '=', currency)))
    .executeTakeFirstOrThrow()
  run.accounts.set(cacheKey, account.id)
  return account.id
}

/**
 * One batch of a statement's entries: their occurrences counted, the new ones stored, every
 * one listed on the statement (a known one by the id stored earlier), in one statement.
 */
function startBatch(run: ImportRun, statement: OpenStatement): Promise<void> {
  const written = writeBatch(run, statement, takeBatch(statement))
  written.catch(() => {}) // its error is thrown where it is awaited
  return written
}

/**
 * The statement's batch, the batch emptied. Its JSON array is made only when the driver
 * writes the query (pg calls toPostgres; so does the PGlite pool) and is dropped right
 * after: V8 collects its young generation whenever the import waits for the file or the
 * database, and a string still referenced at two such collections moves to the old
 * generation, where only a full collection frees it. Held through the write, as a query
 * parameter is, the batches' JSON (some 700 bytes an entry) piled up there: about 150 MB
 * above rest in a 200 MB import.
 */
function takeBatch(statement: OpenStatement): Batch {
  let rows: string[] | undefined = statement.batch
  const batch = {
    entries: rows.length,
    json: {
      toPostgres() {
        if (!rows) throw new Error('a batch is written once')
        const json = `[${rows.join(',')}]`
        rows = undefined
        return json
      },
    },
  }
  statement.batch = []
  statement.batchText = 0
  return batch
}

type Batch = { entries: number; json: { toPostgres(): string } }

async function writeBatch(run: ImportRun, statement: OpenStatement, batch: Batch): Promise<void> {
  await storeStatement(run, statement)
  if (batch.entries === 0) return
  const { ctx } = run
  await occurrenceTable(run)
  const result = await sql<{ inserted: number; linked: number; identities: string }>`
    with given as (
      select * from jsonb_to_recordset(${batch.json}::jsonb) as g(id uuid,
        position int, digest text, booking_date date, value_date date, amount_minor text,
        currency text, sign text, reversal boolean, bank_reference text,
        customer_reference text, end_to_end_id text, mandate_id text, counterparty_name text,
        counterparty_iban text, counterparty_bic text, remittance_unstructured text,
        remittance_structured_reference text, bank_transaction_code text, return_reason text,
        details jsonb)
    ), counted as (
      -- How often each digest has come in this statement, this batch included.
      insert into bank_import_occurrence as o (statement_id, digest, seen)
      select ${statement.id}::uuid, g.digest, count(*) from given g group by g.digest
      on conflict (statement_id, digest) do update set seen = o.seen + excluded.seen
      returning o.digest, o.seen
    ), numbered as (
      -- The identity: the digest and its occurrence within the statement (entry-identity.ts).
      select g.*, g.digest || '#' || (c.seen - count(*) over (partition by g.digest)
          + row_number() over (partition by g.digest order by g.position)) as identity
      from given g join counted c on c.digest = g.digest
    ), inserted as (
      insert into bank_entry (tenant_id, id, bank_account_id, bank_statement_id, position,
        identity, booking_date, value_date, amount_minor, currency, sign, reversal,
        bank_reference, customer_reference, end_to_end_id, mandate_id, counterparty_name,
        counterparty_iban, counterparty_bic, remittance_unstructured,
        remittance_structured_reference, bank_transaction_code, return_reason, details,
        created_at)
      select ${ctx.tenantId}::uuid, n.id, ${statement.accountId}::uuid, ${statement.id}::uuid,
        n.position, n.identity, n.booking_date, n.value_date, n.amount_minor::bigint,
        n.currency, n.sign, n.reversal, n.bank_reference, n.customer_reference,
        n.end_to_end_id, n.mandate_id, n.counterparty_name, n.counterparty_iban,
        n.counterparty_bic, n.remittance_unstructured, n.remittance_structured_reference,
        n.bank_transaction_code, n.return_reason, n.details, ${ctx.now}::timestamptz
      from numbered n
      on conflict (tenant_id, bank_account_id, identity) do nothing
      returning id, identity
    ), linked as (
      insert into bank_statement_entry (tenant_id, bank_statement_id, position, bank_entry_id)
      select ${ctx.tenantId}::uuid, ${statement.id}::uuid, n.position, coalesce(i.id, (
        -- A known entry, looked up by its key only when it was not just stored. (A join here
        -- was planned as a scan of every entry of the account, once per batch: the import
        -- slowed with the account's history.)
        select e.id from bank_entry e
        where e.tenant_id = ${ctx.tenantId}::uuid
          and e.bank_account_id = ${statement.accountId}::uuid and e.identity = n.identity))
      from numbered n
      left join inserted i on i.identity = n.identity
      returning 1
    )
    select (select count(*) from inserted)::int as inserted,
      (select count(*) from linked)::int as linked,
      (select string_agg(identity, ' ' order by position) from numbered) as identities`.execute(
    ctx.db,
  )
  const { inserted, linked, identities } = result.rows[0]
  if (linked !== batch.entries) throw new Error(`listed ${linked} of ${batch.entries} entries`)
  run.entriesWritten += batch.entries
  const before = run.entriesWritten - batch.entries
  if (before < entriesPlannedOn && run.entriesWritten >= entriesPlannedOn) {
    await replanForeignKeyChecks(ctx)
  }
  // Batches come back in file order (one write at a time), so the digest sees the entries so.
  for (const identity of identities.split(' ')) statement.digest.update(identity)
  statement.entriesNew += inserted
  run.options.onProgress?.({ statements: run.summary.statements, entries: run.summary.entries })
}

/**
 * PostgreSQL plans each foreign-key check once per connection and keeps the plan. Made while
 * bank_entry is small (a first import; this import's first batches), the check that a listed
 * entry exists picks any index that starts with tenant_id (bank_entry_by_status as often as
 * the key), and every entry listed afterwards walks all of the tenant's entries: 4 ms an
 * entry after 12,000 of them, growing with the table, for as long as the connection lives
 * (on PGlite, which has no autovacuum to analyze the table, for the life of the process).
 * So the kept plans are dropped when an import starts, and again once it has written enough
 * entries that any new plan is made on a table large enough to choose the key. (A billing run
 * refreshes its tables' statistics instead, src/db/statistics.ts; the two should become one.)
 */
async function replanForeignKeyChecks(ctx: Ctx): Promise<void> {
  await sql`discard plans`.execute(ctx.db)
}

/**
 * The occurrences of this transaction's statements, counted where the entries go: held in
 * this process they grew with the statement (some 16 MB for 275,000 entries). Dropped at
 * commit; the statement id keeps the statements of one transaction apart.
 */
async function occurrenceTable(run: ImportRun): Promise<void> {
  if (run.occurrenceTable) return
  await sql`create temporary table if not exists bank_import_occurrence (
      statement_id uuid not null, digest text not null, seen integer not null,
      primary key (statement_id, digest)
    ) on commit drop`.execute(run.ctx.db)
  run.occurrenceTable = true
}

async function closeStatement(
  run: ImportRun,
  statement: OpenStatement,
  closingBalance: Balance | null,
): Promise<void> {
  await writeBatch(run, statement, takeBatch(statement))
  const { ctx } = run
  const opening = balanceIn(run, statement, statement.head.openingBalance, 'opening balance')
  const closing = balanceIn(run, statement, closingBalance, 'closing balance')
  const check = balanceCheckOf(opening, closing, statement.sumMinor)
  if (check.balanceCheck === 'mismatch' && !run.options.allowUnbalanced) {
    throw unbalanced(run, statement, opening, closing, check.differenceMinor ?? 0n)
  }
  const digest = statement.digest.update(JSON.stringify(closingBalance)).digest('base64url')
  const earlier =
    statement.entriesNew === 0
      ? await ctx.db
          .selectFrom('bankStatement')
          .select('id')
          .where('bankAccountId', '=', statement.accountId as string)
          .where('contentDigest', '=', digest)
          .orderBy('id')
          .executeTakeFirst()
      : undefined
  const imported: StatementImported = {
    statementId: earlier?.id ?? statement.id,
    bankStatementId: statement.head.id,
    statementNumber: statement.head.statementNumber,
    accountIban: statement.head.account.iban,
    accountNumber: statement.head.account.number,
    currency: statement.currency,
    entries: statement.entries,
    entriesNew: statement.entriesNew,
    entriesKnown: statement.entries - statement.entriesNew,
    alreadyImported: earlier !== undefined,
    balanceCheck: check.balanceCheck,
    unbalanced: check.balanceCheck === 'mismatch',
    differenceMinor: check.differenceMinor,
  }
  addToSummary(run.summary, imported)
  if (earlier) {
    // The same statement again: what this import wrote of it goes (it listed known entries
    // only), so that the statement is stored once.
    await ctx.db
      .deleteFrom('bankStatementEntry')
      .where('bankStatementId', '=', statement.id)
      .execute()
    await ctx.db.deleteFrom('bankStatement').where('id', '=', statement.id).execute()
    return
  }
  await ctx.db
    .updateTable('bankStatement')
    .set({
      closingAmountMinor: closing?.minor ?? null,
      closingSign: closing?.sign ?? null,
      closingDate: closing?.date ?? null,
      balanceCheck: check.balanceCheck,
      unbalanced: imported.unbalanced,
      differenceMinor: check.differenceMinor,
      entryCount: statement.entries,
      contentDigest: digest,
    })
    .where('id', '=', statement.id)
    .execute()
  const after = statementRecord(run, statement, imported, opening, closing)
  run.audits.push({
    entityType: 'bank_statement',
    entityId: statement.id,
    action: 'imported',
    after,
  })
  run.events.push({
    type: 'bank_statement.imported',
    entityType: 'bank_statement',
    entityId: statement.id,
    payload: { id: statement.id, ...after },
  })
  if (run.audits.length >= statementsPerRecord) await recordStatements(run)
}

function addToSummary(summary: BankImportSummary, imported: StatementImported): void {
  summary.perStatement.push(imported)
  summary.entriesNew += imported.entriesNew
  summary.entriesKnown += imported.entriesKnown
  if (imported.alreadyImported) summary.statementsAlreadyImported++
  if (imported.unbalanced) summary.statementsUnbalanced++
}

async function recordStatements(run: ImportRun): Promise<void> {
  await recordAuditBatch(run.ctx, run.audits)
  await emitEvents(run.ctx, run.events)
  run.audits = []
  run.events = []
}

type StoredBalance = { minor: bigint; sign: 'C' | 'D' | null; date: string | null }

function balanceIn(
  run: ImportRun,
  statement: OpenStatement,
  balance: Balance | null,
  what: string,
): StoredBalance | null {
  if (!balance) return null
  if (balance.date !== null && !isCalendarDate(balance.date)) {
    throw new BankFileError(`the ${what} date ${balance.date} is not a date`, {
      statement: statement.index,
    })
  }
  const minor = amountIn(run, statement, balance.amount, statement.currency, what)
  return { minor, sign: balance.sign, date: balance.date }
}

const signed = (b: StoredBalance) => (b.sign === 'D' ? -b.minor : b.minor)

/**
 * opening + Σ signed entries = closing, or the difference (closing − the sum). Not
 * applicable when a balance or its sign is missing (a camt.054 has none), or the entries are
 * in more than one currency.
 */
export function balanceCheckOf(
  opening: StoredBalance | null,
  closing: StoredBalance | null,
  sumMinor: bigint | null,
): { balanceCheck: BalanceCheck; differenceMinor: bigint | null } {
  if (!opening?.sign || !closing?.sign || sumMinor === null) {
    return { balanceCheck: 'not_applicable', differenceMinor: null }
  }
  const differenceMinor = signed(closing) - (signed(opening) + sumMinor)
  return { balanceCheck: differenceMinor === 0n ? 'ok' : 'mismatch', differenceMinor }
}

function unbalanced(
  run: ImportRun,
  statement: OpenStatement,
  opening: StoredBalance | null,
  closing: StoredBalance | null,
  differenceMinor: bigint,
) {
  const currency = statement.currency ?? ''
  const money = (minor: bigint) => formatAmount(minor, currency)
  const name = statementName(statement.head, statement.index)
  return domainError(
    'cashapp.statement_unbalanced',
    `Statement ${name} of ${run.options.fileName} does not balance: opening ` +
      `${money(signed(opening as StoredBalance))} + entries ${money(statement.sumMinor ?? 0n)} ` +
      `≠ closing ${money(signed(closing as StoredBalance))} ${currency}, a difference of ` +
      `${money(differenceMinor)}; nothing was imported (import it with --allow-unbalanced, ` +
      'or allow_unbalanced=true on the API, to keep it flagged as unbalanced)',
    {
      file: run.options.fileName,
      statement: statement.index,
      statement_id: statement.head.id,
      currency,
      difference: money(differenceMinor),
    },
  )
}

/** What the audit trail and the bank_statement.imported event say of a statement. */
function statementRecord(
  run: ImportRun,
  statement: OpenStatement,
  imported: StatementImported,
  opening: StoredBalance | null,
  closing: StoredBalance | null,
) {
  const currency = statement.currency ?? ''
  const balance = (b: StoredBalance | null) =>
    b && { amount: formatAmount(b.minor, currency), sign: b.sign, date: b.date }
  return {
    bank_account_id: statement.accountId,
    statement_id: statement.head.id,
    statement_number: statement.head.statementNumber,
    account: statement.head.account,
    format: statement.format,
    opening_balance: balance(opening),
    closing_balance: balance(closing),
    balance_check: imported.balanceCheck,
    unbalanced: imported.unbalanced,
    difference:
      imported.differenceMinor === null ? null : formatAmount(imported.differenceMinor, currency),
    entries: imported.entries,
    entries_new: imported.entriesNew,
    entries_known: imported.entriesKnown,
    file_name: run.options.fileName,
    import_id: run.summary.importId,
  }
}

function statementName(head: StatementHead, index: number): string {
  return head.id ? `"${head.id}"` : `${index + 1}`
}

function malformed(fileName: string, error: BankFileError) {
  return domainError(
    'cashapp.bank_file_malformed',
    `${fileName}: ${error.message}; nothing was imported`,
    { file: fileName, ...error.place },
  )
}
