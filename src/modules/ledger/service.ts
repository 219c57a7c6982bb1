import { sql } from 'kysely'
import { type CalendarDate, isCalendarDate } from '../../core/dates.js'
import { domainError, invalid, notFound } from '../../core/errors.js'
import { isUuid, newId } from '../../core/ids.js'
import { formatAmount, isCurrency } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { emitEvent } from '../outbox/index.js'
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

/** Debits and credits per account and currency, of entries posted on or before asOf. */
export async function trialBalance(
  ctx: Ctx,
  options: { asOf?: CalendarDate } = {},
): Promise<TrialBalance> {
  const asOf = options.asOf ?? null
  if (asOf !== null && !isCalendarDate(asOf)) {
    throw invalid([{ field: 'as_of', message: 'must be a date YYYY-MM-DD' }])
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
  await emitEvent(ctx, {
    type: 'ledger.entry_posted',
    entityType: 'journal_entry',
    entityId: id,
    payload: {
      id,
      posted_on: input.postedOn,
      source_type: input.source.type,
      source_id: input.source.id,
      reverses_entry_id: reversesEntryId,
      totals: totalsPerCurrency(lines).map((t) => ({
        currency: t.currency,
        amount: formatAmount(t.debitMinor, t.currency),
      })),
    },
  })
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
  const codes = [...new Set(lines.map((l) => l.accountCode))]
  const known = new Set(
    (
      await ctx.db
        .selectFrom('account')
        .select('code')
        .where('code', 'in', codes)
        .where('active', '=', true)
        .execute()
    ).map((a) => a.code),
  )
  const index = lines.findIndex((l) => !known.has(l.accountCode))
  if (index >= 0) {
    throw domainError(
      'ledger.account_unknown',
      `lines[${index}].account_code: no active account ${lines[index].accountCode}`,
      { field: `lines[${index}].account_code`, account_code: lines[index].accountCode },
    )
  }
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
