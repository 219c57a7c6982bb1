import { sql } from 'kysely'
import { isCalendarDate } from '../../core/dates.js'
import { invalid, notFound } from '../../core/errors.js'
import { isUuid, newId } from '../../core/ids.js'
import { formatAmount } from '../../core/money.js'
import { decodeCursor, pageSizeDefault, toPage } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'
import { recordAuditBatch } from '../audit/index.js'
import type { BankEntry, EntryDetail, Sign } from './bank-files/model.js'
import type { Candidate, MatchStatus, WriteOffKind } from './matching/model.js'
import type {
  ApplicationLine,
  BankTransactionView,
  CashApplication,
  StoredCandidate,
} from './model.js'
import type { ApplicationLineKind, BankTransactionStatus } from './tables.js'

// The SQL of cash application's own tables: the transactions and their candidates as the
// matching left them, the applications, and reading them back for the worklist and the
// export. Writing is set-based: a run stores thousands of transactions in a few statements.

// Rows per statement of a bulk write: a few megabytes of JSON per round trip.
export const rowsPerStatement = 5_000

/** A stored bank entry as the matching reads it. */
export type StoredEntry = { id: string; entry: BankEntry }

/** Reads bank entries back into the parsers' shape (details from their API JSON). */
export async function loadEntries(ctx: Ctx, entryIds: readonly string[]): Promise<StoredEntry[]> {
  if (entryIds.length === 0) return []
  const rows = await ctx.db
    .selectFrom('bankEntry')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .where('id', 'in', [...entryIds])
    .orderBy('bankStatementId')
    .orderBy('position')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    entry: {
      bookingDate: dateText(r.bookingDate),
      valueDate: dateText(r.valueDate),
      amount: formatAmount(r.amountMinor, r.currency),
      currency: r.currency,
      sign: r.sign,
      reversal: r.reversal,
      bankReference: r.bankReference,
      customerReference: r.customerReference,
      endToEndId: r.endToEndId,
      mandateId: r.mandateId,
      counterparty: { name: r.counterpartyName, iban: r.counterpartyIban, bic: r.counterpartyBic },
      remittance: {
        unstructured: r.remittanceUnstructured,
        structuredReference: r.remittanceStructuredReference,
      },
      bankTransactionCode: r.bankTransactionCode,
      returnReason: r.returnReason,
      details: ((r.details as DetailJson[] | null) ?? []).map(detailFromJson),
    },
  }))
}

type DetailJson = {
  amount: string | null
  currency: string | null
  sign: Sign | null
  bank_reference: string | null
  end_to_end_id: string | null
  mandate_id: string | null
  counterparty: { name: string | null; iban: string | null; bic: string | null }
  remittance: { unstructured: string | null; structured_reference: string | null }
  return_reason: string | null
  bank_transaction_code: string | null
}

function detailFromJson(d: DetailJson): EntryDetail {
  return {
    amount: d.amount,
    currency: d.currency,
    sign: d.sign,
    bankReference: d.bank_reference,
    endToEndId: d.end_to_end_id,
    mandateId: d.mandate_id,
    counterparty: d.counterparty ?? { name: null, iban: null, bic: null },
    remittance: {
      unstructured: d.remittance?.unstructured ?? null,
      structuredReference: d.remittance?.structured_reference ?? null,
    },
    returnReason: d.return_reason,
    bankTransactionCode: d.bank_transaction_code,
  }
}

/** The transactions stored for these entries: key `${entryId}:${index}`. */
export async function storedTransactions(
  ctx: Ctx,
  entryIds: readonly string[],
): Promise<Map<string, { id: string; status: BankTransactionStatus }>> {
  const byKey = new Map<string, { id: string; status: BankTransactionStatus }>()
  if (entryIds.length === 0) return byKey
  const rows = await ctx.db
    .selectFrom('bankTransaction')
    .select(['id', 'bankEntryId', 'transactionIndex', 'status'])
    .where('tenantId', '=', ctx.tenantId)
    .where('bankEntryId', 'in', [...entryIds])
    .execute()
  for (const r of rows) {
    byKey.set(`${r.bankEntryId}:${r.transactionIndex}`, { id: r.id, status: r.status })
  }
  return byKey
}

/** What one matching of one transaction leaves in the store. */
export type TransactionResult = {
  id: string
  bankEntryId: string
  transactionIndex: number
  amountMinor: bigint
  currency: string
  sign: Sign
  bookedOn: string | null
  endToEndId: string | null
  mandateId: string | null
  counterpartyName: string | null
  counterpartyIban: string | null
  returnReason: string | null
  decision: MatchStatus
  notes: string[]
  status: BankTransactionStatus
  candidates: Candidate[]
  /** Matched before: its stored candidates are replaced. */
  matchedBefore?: boolean
}

/**
 * Stores the matching's answers: each transaction inserted, or updated when it was matched
 * before (its candidates replaced), in a few statements per 5,000.
 */
export async function saveMatchResults(
  ctx: Ctx,
  results: readonly TransactionResult[],
): Promise<void> {
  for (let start = 0; start < results.length; start += rowsPerStatement) {
    const part = results.slice(start, start + rowsPerStatement)
    const rows = part.map((t) => ({
      id: t.id,
      bank_entry_id: t.bankEntryId,
      transaction_index: t.transactionIndex,
      amount_minor: t.amountMinor.toString(),
      currency: t.currency,
      sign: t.sign,
      booked_on: t.bookedOn,
      end_to_end_id: t.endToEndId,
      mandate_id: t.mandateId,
      counterparty_name: t.counterpartyName,
      counterparty_iban: t.counterpartyIban,
      return_reason: t.returnReason,
      decision: t.decision,
      notes: t.notes,
      status: t.status,
    }))
    await sql`
      insert into bank_transaction (tenant_id, id, bank_entry_id, transaction_index,
        amount_minor, currency, sign, booked_on, end_to_end_id, mandate_id, counterparty_name,
        counterparty_iban, return_reason, decision, notes, status, matched_at, matched_by)
      select ${ctx.tenantId}::uuid, r.id, r.bank_entry_id, r.transaction_index,
        r.amount_minor::bigint, r.currency, r.sign, r.booked_on, r.end_to_end_id, r.mandate_id,
        r.counterparty_name, r.counterparty_iban, r.return_reason, r.decision, r.notes,
        r.status, ${ctx.now}::timestamptz, ${ctx.actor.name}
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, bank_entry_id uuid,
        transaction_index int, amount_minor text, currency text, sign text, booked_on date,
        end_to_end_id text, mandate_id text, counterparty_name text, counterparty_iban text,
        return_reason text, decision text, notes jsonb, status text)
      on conflict (tenant_id, id) do update set decision = excluded.decision,
        notes = excluded.notes, status = excluded.status, matched_at = excluded.matched_at,
        matched_by = excluded.matched_by`.execute(ctx.db)
    const ids = part.filter((t) => t.matchedBefore).map((t) => t.id)
    if (ids.length > 0) {
      await sql`
        delete from bank_transaction_candidate
        where tenant_id = ${ctx.tenantId} and bank_transaction_id = any(${ids}::uuid[])`.execute(
        ctx.db,
      )
    }
    const candidates = part.flatMap((t) =>
      t.candidates.map((c, index) => ({
        bank_transaction_id: t.id,
        rank: index + 1,
        customer_id: c.customerId,
        currency: c.currency,
        payment_minor: c.paymentMinor.toString(),
        unapplied_minor: c.unappliedMinor.toString(),
        confidence: Math.min(1, Math.max(0, Math.round(c.confidence * 1000) / 1000)),
        reasons: c.reasons,
        allocations: c.allocations.map((a) => ({
          invoice_id: a.invoiceId,
          amount_minor: a.amountMinor.toString(),
        })),
        write_offs: c.writeOffs.map((w) => ({
          kind: w.kind,
          invoice_id: w.invoiceId,
          amount_minor: w.amountMinor.toString(),
        })),
      })),
    )
    if (candidates.length === 0) continue
    await sql`
      insert into bank_transaction_candidate (tenant_id, bank_transaction_id, rank, customer_id,
        currency, payment_minor, unapplied_minor, confidence, reasons, allocations, write_offs)
      select ${ctx.tenantId}::uuid, r.bank_transaction_id, r.rank, r.customer_id, r.currency,
        r.payment_minor::bigint, r.unapplied_minor::bigint, r.confidence, r.reasons,
        r.allocations, r.write_offs
      from jsonb_to_recordset(${JSON.stringify(candidates)}::jsonb) as r(
        bank_transaction_id uuid, rank int, customer_id uuid, currency text,
        payment_minor text, unapplied_minor text, confidence numeric, reasons jsonb,
        allocations jsonb, write_offs jsonb)`.execute(ctx.db)
  }
}

/** Sets where transactions stand (applied, returned, reversal, …), in one statement per 5,000. */
export async function setTransactionStatuses(
  ctx: Ctx,
  updates: ReadonlyArray<{
    id: string
    status: BankTransactionStatus
    reversesTransactionId?: string | null
  }>,
): Promise<void> {
  for (let start = 0; start < updates.length; start += rowsPerStatement) {
    const rows = updates.slice(start, start + rowsPerStatement).map((u) => ({
      id: u.id,
      status: u.status,
      reverses_transaction_id: u.reversesTransactionId ?? null,
    }))
    await sql`
      update bank_transaction t set status = r.status,
        reverses_transaction_id = r.reverses_transaction_id
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, status text,
        reverses_transaction_id uuid)
      where t.tenant_id = ${ctx.tenantId} and t.id = r.id`.execute(ctx.db)
  }
}

/**
 * bank_entry.status follows its transactions: suggested while any waits for a person,
 * unmatched while any has nothing, ignored when all are, else applied (applied, returned
 * or a reversal: nothing left to do).
 */
export async function refreshEntryStatuses(ctx: Ctx, entryIds: readonly string[]): Promise<void> {
  for (let start = 0; start < entryIds.length; start += rowsPerStatement) {
    const ids = entryIds.slice(start, start + rowsPerStatement)
    await sql`
      update bank_entry e set status = s.status, matched_at = ${ctx.now}::timestamptz,
        matched_by = ${ctx.actor.name}
      from (
        select t.bank_entry_id,
          case when bool_or(t.status = 'suggested') then 'suggested'
               when bool_or(t.status = 'unmatched') then 'unmatched'
               when bool_and(t.status = 'ignored') then 'ignored'
               else 'applied' end as status
        from bank_transaction t
        where t.tenant_id = ${ctx.tenantId} and t.bank_entry_id = any(${ids}::uuid[])
        group by t.bank_entry_id
      ) s
      where e.tenant_id = ${ctx.tenantId} and e.id = s.bank_entry_id`.execute(ctx.db)
  }
}

/** The transactions of one bank entry with their candidates and live application. */
export async function getEntryTransactions(
  ctx: Ctx,
  entryId: string,
): Promise<BankTransactionView[]> {
  if (!isUuid(entryId)) throw notFound('bank_entry', entryId)
  const entry = await ctx.db
    .selectFrom('bankEntry')
    .select('id')
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', entryId)
    .executeTakeFirst()
  if (!entry) throw notFound('bank_entry', entryId)
  return transactionViews(ctx, sql`t.bank_entry_id = ${entryId}::uuid`, 'none')
}

/** A transaction's status, or `auto`: applied, and by the matching (not by a person). */
export type TransactionStatusFilter = BankTransactionStatus | 'auto'

/** These bank transactions (o2c's ids), in id order; ids no transaction has are left out. */
export async function transactionViewsById(
  ctx: Ctx,
  transactionIds: readonly string[],
): Promise<BankTransactionView[]> {
  if (transactionIds.length === 0) return []
  return transactionViews(ctx, sql`t.id = any(${[...transactionIds]}::uuid[])`, 'id')
}

export type TransactionFilter = {
  status?: TransactionStatusFilter | TransactionStatusFilter[]
  /** Transactions of the entries this statement (o2c's id) lists. */
  statementId?: string
  /** Booked on or after this date. */
  since?: string
  /** Transactions this customer is a candidate of, or applied to this customer. */
  customerId?: string
  cursor?: string
  limit?: number
}

/** A page of bank transactions (the worklist's list), in the order they were stored. */
export async function listBankTransactions(
  ctx: Ctx,
  filter: TransactionFilter = {},
): Promise<{ data: BankTransactionView[]; nextCursor: string | null }> {
  const limit = filter.limit ?? pageSizeDefault
  const after = decodeCursor(filter.cursor)
  const where = [transactionFilterSql(ctx, filter)]
  if (after) where.push(sql`t.id > ${after}::uuid`)
  const views = await transactionViews(ctx, sql.join(where, sql` and `), 'id', limit + 1)
  return toPage(views, limit)
}

/** The filter of the worklist and the export as SQL on bank_transaction t. */
export function transactionFilterSql(ctx: Ctx, filter: TransactionFilter) {
  const where = [sql`t.tenant_id = ${ctx.tenantId}`]
  const wanted = filter.status === undefined ? [] : [filter.status].flat()
  const statuses = wanted.filter((s) => s !== 'auto')
  if (wanted.includes('auto')) {
    where.push(sql`(t.status = any(${statuses}::text[]) or (t.status = 'applied'
      and exists (select 1 from cash_application a where a.tenant_id = t.tenant_id
        and a.bank_transaction_id = t.id and a.reversed_at is null
        and a.applied_by = 'matching')))`)
  } else if (statuses.length > 0) {
    where.push(sql`t.status = any(${statuses}::text[])`)
  }
  if (filter.statementId !== undefined) {
    if (!isUuid(filter.statementId)) throw notFound('bank_statement', filter.statementId)
    where.push(sql`t.bank_entry_id in (select se.bank_entry_id from bank_statement_entry se
      where se.tenant_id = ${ctx.tenantId} and se.bank_statement_id = ${filter.statementId}::uuid)`)
  }
  if (filter.since !== undefined) {
    if (!isCalendarDate(filter.since)) {
      throw invalid([{ field: 'since', message: 'must be a date YYYY-MM-DD' }])
    }
    where.push(sql`t.booked_on >= ${filter.since}::date`)
  }
  if (filter.customerId !== undefined) {
    if (!isUuid(filter.customerId)) throw notFound('customer', filter.customerId)
    where.push(sql`(exists (select 1 from bank_transaction_candidate c
        where c.tenant_id = t.tenant_id and c.bank_transaction_id = t.id
          and c.customer_id = ${filter.customerId}::uuid)
      or exists (select 1 from cash_application a
        where a.tenant_id = t.tenant_id and a.bank_transaction_id = t.id
          and a.reversed_at is null and a.customer_id = ${filter.customerId}::uuid))`)
  }
  return sql.join(where, sql` and `)
}

type TransactionRow = {
  id: string
  bankEntryId: string
  transactionIndex: number
  entryRef: string | null
  amountMinor: bigint
  currency: string
  sign: Sign
  bookedOn: unknown
  counterpartyName: string | null
  counterpartyIban: string | null
  endToEndId: string | null
  remittanceUnstructured: string | null
  remittanceStructuredReference: string | null
  decision: MatchStatus
  status: BankTransactionStatus
  notes: string[]
  reversesTransactionId: string | null
  version: number
}

async function transactionViews(
  ctx: Ctx,
  where: ReturnType<typeof sql>,
  order: 'id' | 'none',
  limit?: number,
): Promise<BankTransactionView[]> {
  const { rows } = await sql<TransactionRow>`
    select t.id, t.bank_entry_id, t.transaction_index,
      coalesce(e.bank_reference, e.customer_reference) as entry_ref, t.amount_minor,
      t.currency, t.sign, t.booked_on, t.counterparty_name, t.counterparty_iban,
      t.end_to_end_id, t.decision, t.status, t.notes, t.reverses_transaction_id, t.version,
      -- A batch entry's part has its own remittance (as transactionsOf reads it).
      case when jsonb_array_length(coalesce(e.details, '[]')) >= 2
        then e.details -> t.transaction_index -> 'remittance' ->> 'unstructured'
        else e.remittance_unstructured end as remittance_unstructured,
      case when jsonb_array_length(coalesce(e.details, '[]')) >= 2
        then e.details -> t.transaction_index -> 'remittance' ->> 'structured_reference'
        else e.remittance_structured_reference end as remittance_structured_reference
    from bank_transaction t
    join bank_entry e on e.tenant_id = t.tenant_id and e.id = t.bank_entry_id
    where t.tenant_id = ${ctx.tenantId} and ${where}
    order by ${order === 'id' ? sql`t.id` : sql`t.transaction_index`}
    ${limit === undefined ? sql`` : sql`limit ${limit}`}`.execute(ctx.db)
  const ids = rows.map((r) => r.id)
  const [candidates, applications] = await Promise.all([
    candidatesOf(ctx, ids),
    liveApplicationsOf(ctx, ids),
  ])
  return rows.map((r) => ({
    id: r.id,
    bankEntryId: r.bankEntryId,
    transactionIndex: r.transactionIndex,
    entryRef: r.entryRef,
    amountMinor: BigInt(r.amountMinor),
    currency: r.currency,
    sign: r.sign,
    bookedOn: dateText(r.bookedOn),
    counterpartyName: r.counterpartyName,
    counterpartyIban: r.counterpartyIban,
    endToEndId: r.endToEndId,
    remittance: {
      unstructured: r.remittanceUnstructured,
      structuredReference: r.remittanceStructuredReference,
    },
    decision: r.decision,
    status: r.status,
    notes: r.notes,
    candidates: candidates.get(r.id) ?? [],
    application: applications.get(r.id) ?? null,
    reversesTransactionId: r.reversesTransactionId,
    version: r.version,
  }))
}

type CandidateJson = {
  allocations: { invoice_id: string; amount_minor: string }[]
  write_offs: { kind: WriteOffKind; invoice_id: string; amount_minor: string }[]
}

/** The stored candidates of these transactions, best first. */
export async function candidatesOf(
  ctx: Ctx,
  transactionIds: readonly string[],
): Promise<Map<string, StoredCandidate[]>> {
  const byTransaction = new Map<string, StoredCandidate[]>()
  if (transactionIds.length === 0) return byTransaction
  const rows = await ctx.db
    .selectFrom('bankTransactionCandidate')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .where('bankTransactionId', 'in', [...transactionIds])
    .orderBy('bankTransactionId')
    .orderBy('rank')
    .execute()
  for (const r of rows) {
    const list = byTransaction.get(r.bankTransactionId) ?? []
    const allocations = r.allocations as CandidateJson['allocations']
    const writeOffs = r.writeOffs as CandidateJson['write_offs']
    list.push({
      rank: r.rank,
      customerId: r.customerId,
      currency: r.currency,
      paymentMinor: BigInt(r.paymentMinor),
      unappliedMinor: BigInt(r.unappliedMinor),
      confidence: Number(r.confidence),
      reasons: r.reasons as string[],
      allocations: allocations.map((a) => ({
        invoiceId: a.invoice_id,
        amountMinor: BigInt(a.amount_minor),
      })),
      writeOffs: writeOffs.map((w) => ({
        kind: w.kind,
        invoiceId: w.invoice_id,
        amountMinor: BigInt(w.amount_minor),
      })),
    })
    byTransaction.set(r.bankTransactionId, list)
  }
  return byTransaction
}

/** The live (not reversed) application of each of these transactions, with its lines. */
export async function liveApplicationsOf(
  ctx: Ctx,
  transactionIds: readonly string[],
): Promise<Map<string, CashApplication>> {
  const byTransaction = new Map<string, CashApplication>()
  if (transactionIds.length === 0) return byTransaction
  const rows = await ctx.db
    .selectFrom('cashApplication')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .where('bankTransactionId', 'in', [...transactionIds])
    .where('reversedAt', 'is', null)
    .execute()
  const lines = await applicationLinesOf(
    ctx,
    rows.map((r) => r.id),
  )
  for (const r of rows) {
    byTransaction.set(r.bankTransactionId, {
      id: r.id,
      bankTransactionId: r.bankTransactionId,
      customerId: r.customerId,
      paymentId: r.paymentId,
      journalEntryId: r.journalEntryId,
      currency: r.currency,
      paymentMinor: BigInt(r.paymentMinor),
      unappliedMinor: BigInt(r.unappliedMinor),
      appliedBy: r.appliedBy,
      confidence: r.confidence === null ? null : Number(r.confidence),
      reasons: r.reasons as string[],
      lines: lines.get(r.id) ?? [],
      createdAt: r.createdAt,
      createdBy: r.createdBy,
      reversedAt: r.reversedAt,
      reversalReason: r.reversalReason,
    })
  }
  return byTransaction
}

async function applicationLinesOf(
  ctx: Ctx,
  applicationIds: readonly string[],
): Promise<Map<string, ApplicationLine[]>> {
  const byApplication = new Map<string, ApplicationLine[]>()
  if (applicationIds.length === 0) return byApplication
  const rows = await ctx.db
    .selectFrom('cashApplicationLine as l')
    .innerJoin('invoice as i', (join) =>
      join.onRef('i.tenantId', '=', 'l.tenantId').onRef('i.id', '=', 'l.invoiceId'),
    )
    .select([
      'l.cashApplicationId',
      'l.kind',
      'l.invoiceId',
      'i.number as invoiceNumber',
      'l.amountMinor',
      'l.settlementId',
    ])
    .where('l.tenantId', '=', ctx.tenantId)
    .where('l.cashApplicationId', 'in', [...applicationIds])
    .orderBy('l.cashApplicationId')
    .orderBy('l.lineNo')
    .execute()
  for (const r of rows) {
    const list = byApplication.get(r.cashApplicationId) ?? []
    list.push({
      kind: r.kind as ApplicationLineKind,
      invoiceId: r.invoiceId,
      invoiceNumber: r.invoiceNumber ?? r.invoiceId,
      amountMinor: BigInt(r.amountMinor),
      settlementId: r.settlementId,
    })
    byApplication.set(r.cashApplicationId, list)
  }
  return byApplication
}

/**
 * Learns who pays: this IBAN and this payer name are the customer's (the last teaching wins).
 * Each link made or moved to another customer is audited (`bank_payer_link` / `taught`, the
 * entity `kind:key`), with the customer it named before; a link taught again unchanged is not.
 */
export async function teachPayer(
  ctx: Ctx,
  links: ReadonlyArray<{ kind: 'iban' | 'payer_name'; key: string; customerId: string }>,
): Promise<void> {
  const rows = links
    .map((l) => ({ ...l, key: l.key.trim().slice(0, 200) }))
    .filter((l) => l.key !== '')
  if (rows.length === 0) return
  const known = await ctx.db
    .selectFrom('bankPayerLink')
    .select(['kind', 'key', 'customerId'])
    .where('tenantId', '=', ctx.tenantId)
    .where((eb) => eb.or(rows.map((l) => eb.and([eb('kind', '=', l.kind), eb('key', '=', l.key)]))))
    .execute()
  const before = new Map(known.map((k) => [`${k.kind}:${k.key}`, k.customerId]))
  const changed = rows.filter((l) => before.get(`${l.kind}:${l.key}`) !== l.customerId)
  await recordAuditBatch(
    ctx,
    changed.map((l) => ({
      entityType: 'bank_payer_link',
      entityId: `${l.kind}:${l.key}`,
      action: 'taught',
      before: before.has(`${l.kind}:${l.key}`)
        ? { customer_id: before.get(`${l.kind}:${l.key}`) }
        : null,
      after: { kind: l.kind, key: l.key, customer_id: l.customerId },
    })),
  )
  await ctx.db
    .insertInto('bankPayerLink')
    .values(
      rows.map((l) => ({
        tenantId: ctx.tenantId,
        kind: l.kind,
        key: l.key,
        customerId: l.customerId,
        taughtAt: ctx.now,
        taughtBy: ctx.actor.name,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['tenantId', 'kind', 'key']).doUpdateSet((eb) => ({
        customerId: eb.ref('excluded.customerId'),
        taughtAt: eb.ref('excluded.taughtAt'),
        taughtBy: eb.ref('excluded.taughtBy'),
      })),
    )
    .execute()
}

export function newTransactionId(): string {
  return newId()
}

/** Dates come back as text or Date depending on the driver's parser. */
export function dateText(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value.toISOString().slice(0, 10)
  return String(value)
}
