import { createHash, type Hash } from 'node:crypto'
import { sql } from 'kysely'
import { isCalendarDate } from '../../core/dates.js'
import { domainError } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import { currencyExponent, formatAmount, isCurrency, parseAmount } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { type AuditEntry, recordAuditBatch } from '../audit/index.js'
import { type DomainEvent, emitEvents } from '../outbox/index.js'
// STAND-IN until the parsers are merged: then `from './bank-files/index.js'`.
import { readBankFile } from './bank-files/index.js'
import {
  type Balance,
  type BalanceCheck,
  type BankEntry,
  BankFileError,
  type BankFileEvent,
  type EntryDetail,
  type StatementHead,
} from './bank-files/model.js'
import { entryDigest, entryIdentity, occurrenceCounter } from './entry-identity.js'
import './errors.js'

// `o2c bank import FILE…` and POST /v1/bank-statements: the statements of one bank file, read
// as a stream of events (bank-files/model.ts) and written in the caller's one transaction.
// A file the parser refuses halfway (BankFileError), an amount that is not one, or a
// statement that does not balance throws, and the transaction takes everything back: a
// file is imported whole or not at all.
//
// Entries are written in batches of a few set-based statements (entries and the statement's
// list of them in one statement), so memory stays flat whatever the file's size: one batch,
// and the digests of the current statement's entries (for the occurrence, entry-identity.ts).
// An entry whose identity the account has already is not stored again; the statement lists
// it all the same. A statement read before (same account, ids, balances and entries: the
// same content digest) is recognised and not stored a second time.

// Entries per batch: one INSERT of 1,000 rows with their JSON is a few hundred kB, and the
// statement overhead is gone at this size.
export const bankEntriesPerBatch = 1_000
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
  /** Entries per batch; bankEntriesPerBatch unless a test needs small batches. */
  batchEntries?: number
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
  return importBankStatements(ctx, readBankFile(source, { fileName: options.fileName }), options)
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
        if (statement.batch.length >= (options.batchEntries ?? bankEntriesPerBatch)) {
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
  occurrence: (digest: string) => number
  digest: Hash
  batch: EntryRow[]
}

type EntryRow = Record<string, unknown> & { position: number; identity: string }

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
    occurrence: occurrenceCounter(),
    digest: createHash('sha256').update(
      JSON.stringify([format, head.id, head.statementNumber, head.account, head.openingBalance]),
    ),
    batch: [],
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
  const digest = entryDigest(entry, amountMinor)
  const identity = entryIdentity(digest, statement.occurrence(digest))
  statement.digest.update(identity)
  statement.batch.push({
    id: newId(),
    position,
    identity,
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
 * One batch of a statement's entries: the new ones stored, every one listed on the
 * statement (a known one by the id stored earlier), in one statement.
 */
function startBatch(run: ImportRun, statement: OpenStatement): Promise<void> {
  const rows = statement.batch
  statement.batch = []
  const written = writeBatch(run, statement, rows)
  written.catch(() => {}) // its error is thrown where it is awaited
  return written
}

async function writeBatch(
  run: ImportRun,
  statement: OpenStatement,
  rows: EntryRow[],
): Promise<void> {
  await storeStatement(run, statement)
  if (rows.length === 0) return
  const { ctx } = run
  const result = await sql<{ inserted: number; linked: number }>`
    with given as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as g(id uuid,
        position int, identity text, booking_date date, value_date date, amount_minor text,
        currency text, sign text, reversal boolean, bank_reference text,
        customer_reference text, end_to_end_id text, mandate_id text, counterparty_name text,
        counterparty_iban text, counterparty_bic text, remittance_unstructured text,
        remittance_structured_reference text, bank_transaction_code text, return_reason text,
        details jsonb)
    ), inserted as (
      insert into bank_entry (tenant_id, id, bank_account_id, bank_statement_id, position,
        identity, booking_date, value_date, amount_minor, currency, sign, reversal,
        bank_reference, customer_reference, end_to_end_id, mandate_id, counterparty_name,
        counterparty_iban, counterparty_bic, remittance_unstructured,
        remittance_structured_reference, bank_transaction_code, return_reason, details,
        created_at)
      select ${ctx.tenantId}::uuid, g.id, ${statement.accountId}::uuid, ${statement.id}::uuid,
        g.position, g.identity, g.booking_date, g.value_date, g.amount_minor::bigint,
        g.currency, g.sign, g.reversal, g.bank_reference, g.customer_reference,
        g.end_to_end_id, g.mandate_id, g.counterparty_name, g.counterparty_iban,
        g.counterparty_bic, g.remittance_unstructured, g.remittance_structured_reference,
        g.bank_transaction_code, g.return_reason, g.details, ${ctx.now}::timestamptz
      from given g
      on conflict (tenant_id, bank_account_id, identity) do nothing
      returning id, identity
    ), linked as (
      insert into bank_statement_entry (tenant_id, bank_statement_id, position, bank_entry_id)
      select ${ctx.tenantId}::uuid, ${statement.id}::uuid, g.position, coalesce(i.id, known.id)
      from given g
      left join inserted i on i.identity = g.identity
      -- Entry by entry on the unique key: rows written earlier in this transaction have no
      -- statistics, and a plan that scans bank_entry would grow with the account's history.
      left join lateral (
        select e.id from bank_entry e
        where e.tenant_id = ${ctx.tenantId}::uuid and e.bank_account_id = ${statement.accountId}::uuid
          and e.identity = g.identity
      ) known on true
      returning 1
    )
    select (select count(*) from inserted)::int as inserted,
      (select count(*) from linked)::int as linked`.execute(ctx.db)
  const { inserted, linked } = result.rows[0]
  if (linked !== rows.length) throw new Error(`listed ${linked} of ${rows.length} entries`)
  statement.entriesNew += inserted
  run.options.onProgress?.({ statements: run.summary.statements, entries: run.summary.entries })
}

async function closeStatement(
  run: ImportRun,
  statement: OpenStatement,
  closingBalance: Balance | null,
): Promise<void> {
  const rows = statement.batch
  statement.batch = []
  await writeBatch(run, statement, rows)
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
