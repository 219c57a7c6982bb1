import { sql } from 'kysely'
import { type CalendarDate, isCalendarDate } from '../../core/dates.js'
import { DomainError, domainError, invalid, notFound } from '../../core/errors.js'
import { isUuid, newId } from '../../core/ids.js'
import { formatAmount, isCurrency } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit, recordAuditBatch } from '../audit/index.js'
import { type DomainEvent, emitEvent, emitEvents } from '../outbox/index.js'
import { defaultChart } from './chart.js'
import './errors.js'
import type { AccountKind } from './tables.js'

// Posting to the double-entry journal. Every entry balances per currency: checked here first
// (a clear domain error), and again by the database at commit (0007_ledger.sql), which
// catches whatever reaches journal_line without passing through this file.

export type Account = {
  id: string
  code: string
  name: string
  kind: AccountKind
  purpose: string | null
  active: boolean
}

export type JournalLineInput = {
  accountCode: string
  debitMinor?: bigint
  creditMinor?: bigint
  currency: string
  customerId?: string | null
}

export type JournalEntryInput = {
  postedOn: CalendarDate
  description: string
  source: { type: string; id: string }
  lines: JournalLineInput[]
}

export type JournalLine = {
  lineNo: number
  accountCode: string
  debitMinor: bigint
  creditMinor: bigint
  currency: string
  customerId: string | null
}

export type JournalEntry = {
  id: string
  postedOn: CalendarDate
  description: string
  source: { type: string; id: string }
  reversesEntryId: string | null
  reason: string | null
  createdAt: Date
  createdBy: string
  lines: JournalLine[]
}

export type TrialBalanceRow = {
  accountCode: string
  accountName: string
  kind: AccountKind
  currency: string
  debitMinor: bigint
  creditMinor: bigint
  /** Debit minus credit. */
  balanceMinor: bigint
}

export type TrialBalance = {
  asOf: CalendarDate | null
  rows: TrialBalanceRow[]
  totals: Array<{ currency: string; debitMinor: bigint; creditMinor: bigint }>
}

/** Creates the default chart's accounts the tenant does not have yet; safe to call again. */
export async function ensureChartOfAccounts(ctx: Ctx): Promise<Account[]> {
  const created = await ctx.db
    .insertInto('account')
    .values(
      defaultChart.map((a) => ({
        tenantId: ctx.tenantId,
        id: newId(),
        code: a.code,
        name: a.name,
        kind: a.kind,
        purpose: a.purpose,
        createdAt: ctx.now,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .returning(['id', 'code', 'name', 'kind', 'purpose', 'active'])
    .execute()
  for (const account of created) {
    await recordAudit(ctx, {
      entityType: 'account',
      entityId: account.id,
      action: 'created',
      after: account,
    })
  }
  return ctx.db
    .selectFrom('account')
    .select(['id', 'code', 'name', 'kind', 'purpose', 'active'])
    .orderBy('code')
    .execute()
}

export async function listAccounts(ctx: Ctx): Promise<Account[]> {
  return ctx.db
    .selectFrom('account')
    .select(['id', 'code', 'name', 'kind', 'purpose', 'active'])
    .orderBy('code')
    .execute()
}

/** Posts a balanced entry; returns it with its lines. */
export async function postJournalEntry(ctx: Ctx, input: JournalEntryInput): Promise<JournalEntry> {
  return insertEntry(ctx, input, null, null)
}

export type BulkPostingOptions = {
  /**
   * false: the caller records, in the same transaction, one audit event per entry's cause
   * that names the entry and holds its amounts (cash application audits each applied payment
   * with its journal entry), so the entries are not audited a second time one by one.
   */
  audit?: boolean
}

// Entries per statement of a bulk posting: a few megabytes of JSON per round trip.
const bulkEntriesPerStatement = 5_000

/**
 * Posts many balanced entries in a few set-based statements, for imports (opening
 * balances). Each entry is checked as postJournalEntry checks it, and audited and announced
 * one by one; only the writing is in bulk. Keep each entry small: the database checks the
 * balance at commit once per inserted line, reading all of that entry's lines each time.
 */
export async function postJournalEntries(
  ctx: Ctx,
  inputs: readonly JournalEntryInput[],
  options: BulkPostingOptions = {},
): Promise<JournalEntry[]> {
  const checked = inputs.map((input, index) => {
    try {
      return checkEntry(input)
    } catch (error) {
      if (error instanceof DomainError) error.details.entry = index
      throw error
    }
  })
  const codes = [...new Set(checked.flatMap((lines) => lines.map((l) => l.accountCode)))]
  const known = codes.length === 0 ? new Set<string>() : await activeAccountCodes(ctx, codes)
  const unknown = codes.find((code) => !known.has(code))
  if (unknown !== undefined) {
    throw domainError('ledger.account_unknown', `No active account ${unknown} in the chart`, {
      field: 'account_code',
      account_code: unknown,
    })
  }
  const entries: JournalEntry[] = inputs.map((input, index) => ({
    id: newId(),
    postedOn: input.postedOn,
    description: input.description,
    source: { ...input.source },
    reversesEntryId: null,
    reason: null,
    createdAt: ctx.now,
    createdBy: ctx.actor.name,
    lines: checked[index],
  }))
  for (let start = 0; start < entries.length; start += bulkEntriesPerStatement) {
    const part = entries.slice(start, start + bulkEntriesPerStatement)
    const entryRows = part.map((e) => ({
      id: e.id,
      posted_on: e.postedOn,
      description: e.description,
      source_type: e.source.type,
      source_id: e.source.id,
    }))
    await sql`
      insert into journal_entry (tenant_id, id, posted_on, description, source_type, source_id,
        created_at, created_by)
      select ${ctx.tenantId}::uuid, r.id, r.posted_on, r.description, r.source_type,
        r.source_id, ${ctx.now}::timestamptz, ${ctx.actor.name}
      from jsonb_to_recordset(${JSON.stringify(entryRows)}::jsonb) as r(id uuid,
        posted_on date, description text, source_type text, source_id text)`.execute(ctx.db)
    const lineRows = part.flatMap((e) =>
      e.lines.map((l) => ({
        entry_id: e.id,
        line_no: l.lineNo,
        account_code: l.accountCode,
        debit_minor: l.debitMinor.toString(),
        credit_minor: l.creditMinor.toString(),
        currency: l.currency,
        customer_id: l.customerId,
      })),
    )
    await sql`
      insert into journal_line (tenant_id, entry_id, line_no, account_code, debit_minor,
        credit_minor, currency, customer_id)
      select ${ctx.tenantId}::uuid, r.entry_id, r.line_no, r.account_code,
        r.debit_minor::bigint, r.credit_minor::bigint, r.currency, r.customer_id
      from jsonb_to_recordset(${JSON.stringify(lineRows)}::jsonb) as r(entry_id uuid,
        line_no int, account_code text, debit_minor text, credit_minor text, currency text,
        customer_id uuid)`.execute(ctx.db)
  }
  if (options.audit === false) {
    await emitEvents(ctx, entries.map(postedEvent))
    return entries
  }
  await recordAuditBatch(
    ctx,
    entries.map((entry) => ({
      entityType: 'journal_entry',
      entityId: entry.id,
      action: 'posted',
      after: entry,
    })),
  )
  await emitEvents(ctx, entries.map(postedEvent))
  return entries
}

/** Posts the mirror of an entry (debits and credits swapped), naming the original. */
export async function reverseJournalEntry(
  ctx: Ctx,
  entryId: string,
  reason: string,
): Promise<JournalEntry> {
  if (!isUuid(entryId)) throw notFound('journal_entry', entryId)
  // Entries are append-only for o2c_app (no select … for update): a transaction lock on the
  // entry's id serialises reversals of it; unique (tenant_id, reverses_entry_id) backs it up.
  await sql`select pg_advisory_xact_lock(hashtextextended(${`ledger:${entryId}`}, 0))`.execute(
    ctx.db,
  )
  const original = await findJournalEntry(ctx, entryId)
  if (!original) throw notFound('journal_entry', entryId)
  const reversal = await ctx.db
    .selectFrom('journalEntry')
    .select('id')
    .where('reversesEntryId', '=', entryId)
    .executeTakeFirst()
  if (reversal) {
    throw domainError(
      'ledger.entry_already_reversed',
      `Journal entry ${entryId} was reversed by entry ${reversal.id}`,
      { entry: entryId, reversal: reversal.id },
    )
  }
  return insertEntry(
    ctx,
    {
      postedOn: original.postedOn,
      description: `Reversal of: ${original.description}`.slice(0, 500),
      source: { type: 'journal_entry', id: original.id },
      lines: original.lines.map((l) => ({
        accountCode: l.accountCode,
        debitMinor: l.creditMinor,
        creditMinor: l.debitMinor,
        currency: l.currency,
        customerId: l.customerId,
      })),
    },
    original.id,
    reason,
  )
}

export async function findJournalEntry(ctx: Ctx, entryId: string): Promise<JournalEntry | null> {
  if (!isUuid(entryId)) return null
  const entry = await ctx.db
    .selectFrom('journalEntry')
    .selectAll()
    .where('id', '=', entryId)
    .executeTakeFirst()
  if (!entry) return null
  const lines = await ctx.db
    .selectFrom('journalLine')
    .select(['lineNo', 'accountCode', 'debitMinor', 'creditMinor', 'currency', 'customerId'])
    .where('entryId', '=', entryId)
    .orderBy('lineNo')
    .execute()
  return {
    id: entry.id,
    postedOn: entry.postedOn,
    description: entry.description,
    source: { type: entry.sourceType, id: entry.sourceId },
    reversesEntryId: entry.reversesEntryId,
    reason: entry.reason,
    createdAt: entry.createdAt,
    createdBy: entry.createdBy,
    lines,
  }
}

/**
 * Debits and credits per account and currency, of entries posted on or before asOf (all
 * entries without it), of one currency when given.
 */
export async function trialBalance(
  ctx: Ctx,
  options: { asOf?: CalendarDate; currency?: string } = {},
): Promise<TrialBalance> {
  const asOf = options.asOf ?? null
  if (asOf !== null && !isCalendarDate(asOf)) {
    throw invalid([{ field: 'as_of', message: 'must be a date YYYY-MM-DD' }])
  }
  if (options.currency !== undefined && !isCurrency(options.currency)) {
    throw invalid([{ field: 'currency', message: 'is not an ISO 4217 currency code' }])
  }
  let query = ctx.db
    .selectFrom('journalLine as l')
    .innerJoin('journalEntry as e', (join) =>
      join.onRef('e.tenantId', '=', 'l.tenantId').onRef('e.id', '=', 'l.entryId'),
    )
    .innerJoin('account as a', (join) =>
      join.onRef('a.tenantId', '=', 'l.tenantId').onRef('a.code', '=', 'l.accountCode'),
    )
    .select([
      'l.accountCode',
      'a.name as accountName',
      'a.kind',
      'l.currency',
      sql<bigint>`sum(l.debit_minor)::bigint`.as('debitMinor'),
      sql<bigint>`sum(l.credit_minor)::bigint`.as('creditMinor'),
    ])
    .groupBy(['l.accountCode', 'a.name', 'a.kind', 'l.currency'])
    .orderBy('l.accountCode')
    .orderBy('l.currency')
  if (asOf !== null) query = query.where('e.postedOn', '<=', asOf)
  if (options.currency !== undefined) query = query.where('l.currency', '=', options.currency)
  const rows = (await query.execute()).map((r) => ({
    ...r,
    balanceMinor: r.debitMinor - r.creditMinor,
  }))
  const totals = new Map<string, { currency: string; debitMinor: bigint; creditMinor: bigint }>()
  for (const row of rows) {
    const total = totals.get(row.currency) ?? {
      currency: row.currency,
      debitMinor: 0n,
      creditMinor: 0n,
    }
    total.debitMinor += row.debitMinor
    total.creditMinor += row.creditMinor
    totals.set(row.currency, total)
  }
  return {
    asOf,
    rows,
    totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
  }
}

async function insertEntry(
  ctx: Ctx,
  input: JournalEntryInput,
  reversesEntryId: string | null,
  reason: string | null,
): Promise<JournalEntry> {
  const lines = checkEntry(input)
  await checkAccounts(ctx, lines)

  const id = newId()
  const createdBy = ctx.actor.name
  await ctx.db
    .insertInto('journalEntry')
    .values({
      tenantId: ctx.tenantId,
      id,
      postedOn: input.postedOn,
      description: input.description,
      sourceType: input.source.type,
      sourceId: input.source.id,
      reversesEntryId,
      reason,
      createdAt: ctx.now,
      createdBy,
    })
    .execute()
  await ctx.db
    .insertInto('journalLine')
    .values(lines.map((l) => ({ tenantId: ctx.tenantId, entryId: id, ...l })))
    .execute()

  const entry: JournalEntry = {
    id,
    postedOn: input.postedOn,
    description: input.description,
    source: { ...input.source },
    reversesEntryId,
    reason,
    createdAt: ctx.now,
    createdBy,
    lines,
  }
  await recordAudit(ctx, {
    entityType: 'journal_entry',
    entityId: id,
    action: reversesEntryId ? 'reversed' : 'posted',
    after: entry,
  })
  await emitEvent(ctx, postedEvent(entry))
  return entry
}

/** Shape and balance of the entry, before any query; returns the lines to insert. */
function checkEntry(input: JournalEntryInput): JournalLine[] {
  if (!isCalendarDate(input.postedOn)) {
    throw invalid([{ field: 'posted_on', message: 'must be a date YYYY-MM-DD' }])
  }
  const description = input.description.trim()
  if (description === '' || description.length > 500) {
    throw invalid([{ field: 'description', message: 'must be 1 to 500 characters' }])
  }
  if (!/^[a-z0-9_]{1,64}$/.test(input.source.type) || input.source.id === '') {
    throw invalid([{ field: 'source', message: 'needs a type (a-z, 0-9, _) and an id' }])
  }
  if (input.lines.length < 2) {
    throw domainError(
      'ledger.entry_empty',
      `A journal entry needs at least two lines, not ${input.lines.length}`,
      { field: 'lines' },
    )
  }
  const lines = input.lines.map((line, index): JournalLine => {
    const debitMinor = line.debitMinor ?? 0n
    const creditMinor = line.creditMinor ?? 0n
    if (debitMinor < 0n || creditMinor < 0n || debitMinor > 0n === creditMinor > 0n) {
      throw domainError(
        'ledger.line_invalid',
        `lines[${index}] needs exactly one positive amount, debit or credit (debit ${debitMinor}, credit ${creditMinor})`,
        { field: `lines[${index}]` },
      )
    }
    if (!isCurrency(line.currency)) {
      throw invalid([{ field: `lines[${index}].currency`, message: 'is not a known currency' }])
    }
    if (line.customerId != null && !isUuid(line.customerId)) {
      throw invalid([{ field: `lines[${index}].customer_id`, message: 'is not a uuid' }])
    }
    return {
      lineNo: index + 1,
      accountCode: line.accountCode,
      debitMinor,
      creditMinor,
      currency: line.currency,
      customerId: line.customerId ?? null,
    }
  })
  for (const total of totalsPerCurrency(lines)) {
    if (total.debitMinor !== total.creditMinor) {
      const debit = formatAmount(total.debitMinor, total.currency)
      const credit = formatAmount(total.creditMinor, total.currency)
      throw domainError(
        'ledger.entry_unbalanced',
        `The entry does not balance in ${total.currency}: debit ${debit}, credit ${credit}`,
        { field: 'lines', currency: total.currency, debit, credit },
      )
    }
  }
  return lines
}

async function checkAccounts(ctx: Ctx, lines: JournalLine[]): Promise<void> {
  const known = await activeAccountCodes(ctx, [...new Set(lines.map((l) => l.accountCode))])
  const index = lines.findIndex((l) => !known.has(l.accountCode))
  if (index >= 0) {
    throw domainError(
      'ledger.account_unknown',
      `lines[${index}].account_code: no active account ${lines[index].accountCode}`,
      { field: `lines[${index}].account_code`, account_code: lines[index].accountCode },
    )
  }
}

/** The event `ledger.entry_posted` of an entry. */
function postedEvent(entry: JournalEntry): DomainEvent {
  return {
    type: 'ledger.entry_posted',
    entityType: 'journal_entry',
    entityId: entry.id,
    payload: {
      id: entry.id,
      posted_on: entry.postedOn,
      source_type: entry.source.type,
      source_id: entry.source.id,
      reverses_entry_id: entry.reversesEntryId,
      totals: totalsPerCurrency(entry.lines).map((t) => ({
        currency: t.currency,
        amount: formatAmount(t.debitMinor, t.currency),
      })),
    },
  }
}

async function activeAccountCodes(ctx: Ctx, codes: string[]): Promise<Set<string>> {
  const rows = await ctx.db
    .selectFrom('account')
    .select('code')
    .where('code', 'in', codes)
    .where('active', '=', true)
    .execute()
  return new Set(rows.map((a) => a.code))
}

function totalsPerCurrency(
  lines: JournalLine[],
): Array<{ currency: string; debitMinor: bigint; creditMinor: bigint }> {
  const totals = new Map<string, { currency: string; debitMinor: bigint; creditMinor: bigint }>()
  for (const line of lines) {
    const total = totals.get(line.currency) ?? {
      currency: line.currency,
      debitMinor: 0n,
      creditMinor: 0n,
    }
    total.debitMinor += line.debitMinor
    total.creditMinor += line.creditMinor
    totals.set(line.currency, total)
  }
  return [...totals.values()]
}
