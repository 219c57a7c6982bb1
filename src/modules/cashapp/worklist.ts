import { sql } from 'kysely'
import { domainError, invalid, notFound } from '../../core/errors.js'
import { isUuid, newId } from '../../core/ids.js'
import { formatAmount, parseAmount } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { applyCandidate, lockCashApplication, rematchEntries, unapplyEntry } from './apply.js'
import {
  candidatesOf,
  listBankTransactions,
  refreshEntryStatuses,
  setTransactionStatuses,
  type TransactionFilter,
  transactionViewsById,
} from './match-store.js'
import type { WriteOffKind } from './matching/model.js'
import type {
  BankTransactionView,
  CashApplicationCounts,
  ManualApplication,
  StoredCandidate,
} from './model.js'
import { candidateKey, type Rejection, rejectionOf, rejectionsOf } from './rejections.js'
import './worklist-errors.js'
import type { BankTransactionStatus } from './tables.js'

// The people's side of cash application (issue 6): the worklist of bank transactions, and
// what a person does with one: accept a suggestion, reject it, have it matched again, apply
// it by hand, or un-apply it. Each act is keyed by the bank transaction's id (a batch entry's
// parts are transactions of their own), runs under the cash-application lock (so a bank
// import or re-match cannot change the row between reading and acting), may name the version
// it was made on (If-Match), and is audited on the transaction (`bank_transaction` /
// `accepted`, `rejected`, `applied`, `unapplied`, `rematched`) beside the application's own
// events. The money moves in apply.ts; this file decides what a person may do and resolves
// what they typed (customer and invoice numbers, decimal amounts) into it.

/** A stored candidate with the rejection that turned it down, if a person did. */
export type WorklistCandidate = StoredCandidate & { rejection: Rejection | null }

/** A worklist row: the transaction, its candidates (rejected ones marked) and its rejections. */
export type WorklistTransaction = Omit<BankTransactionView, 'candidates'> & {
  candidates: WorklistCandidate[]
  rejections: Rejection[]
}

/** Customer and invoice names for the ids a page of the worklist mentions. */
export type WorklistNames = {
  customers: Map<string, { number: string; legalName: string }>
  invoices: Map<string, { number: string; currency: string; openMinor: bigint }>
}

export type WorklistFilter = Omit<TransactionFilter, 'since'>

/** Options of every act: the version the person saw (If-Match); stale is 412. */
export type ActOptions = { expectedVersion?: number }

/** A page of the worklist, with the names of the customers and invoices it mentions. */
export async function listWorklist(
  ctx: Ctx,
  filter: WorklistFilter = {},
): Promise<{ data: WorklistTransaction[]; nextCursor: string | null; names: WorklistNames }> {
  const page = await listBankTransactions(ctx, filter)
  const data = await withRejections(ctx, page.data)
  return { data, nextCursor: page.nextCursor, names: await namesOf(ctx, data) }
}

/** One worklist row by the bank transaction's id. */
export async function getWorklistTransaction(
  ctx: Ctx,
  transactionId: string,
): Promise<{ transaction: WorklistTransaction; names: WorklistNames }> {
  if (!isUuid(transactionId)) throw notFound('bank_transaction', transactionId)
  const [view] = await transactionViewsById(ctx, [transactionId])
  if (!view) throw notFound('bank_transaction', transactionId)
  const [transaction] = await withRejections(ctx, [view])
  return { transaction, names: await namesOf(ctx, [transaction]) }
}

/**
 * Accepts a suggested candidate (rank 1, the best, unless told): applies it as the matching
 * offered it, checked against what is open now, and teaches the payer's IBAN and name.
 */
export async function acceptSuggestion(
  ctx: Ctx,
  transactionId: string,
  options: ActOptions & { rank?: number } = {},
) {
  const row = await lockedTransaction(ctx, transactionId, options)
  refuseUnlessOpen(row)
  const rank = options.rank ?? 1
  const candidates = (await candidatesOf(ctx, [row.id])).get(row.id) ?? []
  const candidate = candidates.find((c) => c.rank === rank)
  if (!candidate) {
    throw invalid([
      {
        field: 'rank',
        message:
          candidates.length === 0
            ? 'the transaction has no candidates; apply it by hand'
            : `the transaction has candidates 1 to ${candidates.length}`,
      },
    ])
  }
  const rejection = rejectionOf(candidate, (await rejectionsOf(ctx, [row.id])).get(row.id))
  if (rejection) {
    throw domainError(
      'cashapp.candidate_rejected',
      `Candidate ${rank} was rejected by ${rejection.rejectedBy} (${rejection.reason}); ` +
        'apply it by hand if it is right after all',
      { field: 'rank', rank },
    )
  }
  const application = await applyCandidate(
    ctx,
    row.bankEntryId,
    { rank },
    { transactionIndex: row.transactionIndex },
  )
  await recordAudit(ctx, {
    entityType: 'bank_transaction',
    entityId: row.id,
    action: 'accepted',
    before: { status: row.status, version: row.version },
    after: {
      rank,
      customer_id: application.customerId,
      cash_application_id: application.id,
      confidence: candidate.confidence,
    },
  })
  return getWorklistTransaction(ctx, row.id)
}

/**
 * Rejects a suggested candidate (the one of `rank`, or every candidate not yet rejected). It
 * stays on the transaction, marked; a re-match does not offer it again. With nothing left to
 * suggest, the transaction waits as unmatched.
 */
export async function rejectSuggestion(
  ctx: Ctx,
  transactionId: string,
  reason: string,
  options: ActOptions & { rank?: number } = {},
) {
  if (reason.trim() === '') throw invalid([{ field: 'reason', message: 'say why' }])
  const row = await lockedTransaction(ctx, transactionId, options)
  refuseUnlessOpen(row)
  const candidates = (await candidatesOf(ctx, [row.id])).get(row.id) ?? []
  const rejections = (await rejectionsOf(ctx, [row.id])).get(row.id) ?? []
  const open = candidates.filter((c) => !rejectionOf(c, rejections))
  let rejecting = open
  if (options.rank !== undefined) {
    const candidate = candidates.find((c) => c.rank === options.rank)
    if (!candidate) {
      throw invalid([
        { field: 'rank', message: `the transaction has no candidate ${options.rank}` },
      ])
    }
    rejecting = open.filter((c) => c === candidate)
  }
  if (rejecting.length === 0) {
    throw domainError(
      'cashapp.nothing_to_reject',
      options.rank === undefined
        ? 'The transaction has no suggestion left to reject'
        : `Candidate ${options.rank} is rejected already`,
      { bank_transaction_id: row.id, ...(options.rank === undefined ? {} : { field: 'rank' }) },
    )
  }
  const rows = rejecting.map((c) => ({
    tenant_id: ctx.tenantId,
    id: newId(),
    bank_transaction_id: row.id,
    ...snakeKey(candidateKey(c)),
    candidate: candidateJson(c),
    reason: reason.trim(),
  }))
  await sql`
    insert into bank_transaction_rejection (tenant_id, id, bank_transaction_id, customer_id,
      invoice_key, candidate, reason, rejected_at, rejected_by)
    select r.tenant_id, r.id, r.bank_transaction_id, r.customer_id, r.invoice_key, r.candidate,
      r.reason, ${ctx.now}::timestamptz, ${ctx.actor.name}
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(tenant_id uuid, id uuid,
      bank_transaction_id uuid, customer_id uuid, invoice_key text, candidate jsonb, reason text)
    on conflict do nothing`.execute(ctx.db)
  const left = open.length - rejecting.length
  const status: BankTransactionStatus = left > 0 ? 'suggested' : 'unmatched'
  await setTransactionStatuses(ctx, [{ id: row.id, status }])
  await refreshEntryStatuses(ctx, [row.bankEntryId])
  await recordAudit(ctx, {
    entityType: 'bank_transaction',
    entityId: row.id,
    action: 'rejected',
    before: { status: row.status, version: row.version },
    after: {
      status,
      reason: reason.trim(),
      rejected: rejecting.map((c) => ({
        rank: c.rank,
        customer_id: c.customerId,
        invoice_ids: candidateKey(c).invoiceKey.split(',').filter(Boolean),
      })),
    },
  })
  return getWorklistTransaction(ctx, row.id)
}

/**
 * Matches again, with the book as it is now (new invoices, new learned links), the
 * transactions named (all that wait, without ids) and applies what is certain now. What
 * people rejected is not offered again. A transaction named that does not wait (applied,
 * returned, …) is 409; a batch entry's other waiting parts are matched again with it.
 */
export async function rematchTransactions(
  ctx: Ctx,
  transactionIds?: readonly string[],
): Promise<CashApplicationCounts> {
  await lockCashApplication(ctx)
  let entryIds: string[] | undefined
  if (transactionIds !== undefined) {
    transactionIds.forEach((id, index) => {
      if (!isUuid(id)) throw invalid([{ field: `ids[${index}]`, message: 'is not a uuid' }])
    })
    const rows =
      transactionIds.length === 0
        ? []
        : await ctx.db
            .selectFrom('bankTransaction')
            .select(['id', 'bankEntryId', 'transactionIndex', 'status', 'version'])
            .where('tenantId', '=', ctx.tenantId)
            .where('id', 'in', [...transactionIds])
            .execute()
    const known = new Set(rows.map((r) => r.id))
    const unknown = transactionIds.findIndex((id) => !known.has(id))
    if (unknown >= 0) {
      throw domainError(
        'request.not_found',
        `No bank transaction with id ${transactionIds[unknown]}`,
        { entity: 'bank_transaction', id: transactionIds[unknown], field: `ids[${unknown}]` },
      )
    }
    // Applied, returned or ignored transactions are not matched again: un-apply first.
    for (const row of rows) refuseUnlessOpen(row)
    entryIds = [...new Set(rows.map((r) => r.bankEntryId))]
  }
  const counts = await rematchEntries(ctx, entryIds)
  await recordAudit(ctx, {
    entityType: 'bank_transaction',
    entityId: transactionIds?.length === 1 ? transactionIds[0] : 'worklist',
    action: 'rematched',
    after: { bank_transaction_ids: transactionIds ?? null, ...counts },
  })
  return counts
}

/** A person's own application as typed: invoices by id or number, amounts as decimals. */
export type ManualApplyInput = {
  customer: { id: string } | { number: string }
  allocations: { invoice: { id: string } | { number: string }; amount: string }[]
  writeOffs?: { kind: WriteOffKind; invoice: { id: string } | { number: string }; amount: string }[]
}

/**
 * Applies a transaction by hand: this customer, these invoices with these amounts, these
 * write-offs; the rest of the payment stays unapplied cash on the customer. Every number is
 * checked before anything is written, naming the field at fault.
 */
export async function applyManually(
  ctx: Ctx,
  transactionId: string,
  input: ManualApplyInput,
  options: ActOptions = {},
) {
  const row = await lockedTransaction(ctx, transactionId, options)
  refuseUnlessOpen(row)
  const manual = await resolveManual(ctx, input)
  const application = await applyCandidate(ctx, row.bankEntryId, manual, {
    transactionIndex: row.transactionIndex,
  })
  await recordAudit(ctx, {
    entityType: 'bank_transaction',
    entityId: row.id,
    action: 'applied',
    before: { status: row.status, version: row.version },
    after: {
      customer_id: application.customerId,
      cash_application_id: application.id,
      unapplied: formatAmount(application.unappliedMinor, application.currency),
    },
  })
  return getWorklistTransaction(ctx, row.id)
}

/**
 * Un-applies a transaction: invoices open again, payment and ledger reversed (apply.ts
 * unapplyEntry), audited with the reason. The transaction waits again: suggested when a
 * candidate is left that nobody rejected, else unmatched. What it taught (IBAN and payer name
 * → customer) stays: see the README ("Learning") for why.
 */
export async function unapplyTransaction(
  ctx: Ctx,
  transactionId: string,
  reason: string,
  options: ActOptions = {},
) {
  if (reason.trim() === '') throw invalid([{ field: 'reason', message: 'say why' }])
  const row = await lockedTransaction(ctx, transactionId, options)
  if (row.status !== 'applied') {
    throw domainError(
      'cashapp.nothing_applied',
      `Bank transaction ${row.id} is ${row.status}, not applied; there is nothing to un-apply`,
      { bank_transaction_id: row.id, status: row.status },
    )
  }
  const [before] = await transactionViewsById(ctx, [row.id])
  await unapplyEntry(ctx, row.bankEntryId, reason.trim(), {
    transactionIndex: row.transactionIndex,
  })
  const candidates = (await candidatesOf(ctx, [row.id])).get(row.id) ?? []
  const rejections = (await rejectionsOf(ctx, [row.id])).get(row.id)
  const waiting = candidates.some((c) => !rejectionOf(c, rejections))
  if (!waiting) {
    await setTransactionStatuses(ctx, [{ id: row.id, status: 'unmatched' }])
    await refreshEntryStatuses(ctx, [row.bankEntryId])
  }
  await recordAudit(ctx, {
    entityType: 'bank_transaction',
    entityId: row.id,
    action: 'unapplied',
    before: {
      status: row.status,
      version: row.version,
      cash_application_id: before?.application?.id ?? null,
    },
    after: { status: waiting ? 'suggested' : 'unmatched', reason: reason.trim() },
  })
  return getWorklistTransaction(ctx, row.id)
}

// ── Helpers ─────────────────────────────────────────────────────────────────────────────

type LockedRow = {
  id: string
  bankEntryId: string
  transactionIndex: number
  status: BankTransactionStatus
  version: number
}

/** Takes the cash-application lock, then reads the row and checks the version the person saw. */
async function lockedTransaction(
  ctx: Ctx,
  transactionId: string,
  options: ActOptions,
): Promise<LockedRow> {
  if (!isUuid(transactionId)) throw notFound('bank_transaction', transactionId)
  await lockCashApplication(ctx)
  const row = await ctx.db
    .selectFrom('bankTransaction')
    .select(['id', 'bankEntryId', 'transactionIndex', 'status', 'version'])
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', transactionId)
    .executeTakeFirst()
  if (!row) throw notFound('bank_transaction', transactionId)
  if (options.expectedVersion !== undefined && options.expectedVersion !== row.version) {
    throw domainError(
      'request.stale_etag',
      `Bank transaction ${row.id} is at version ${row.version}, not ${options.expectedVersion}: ` +
        'it changed since you read it (re-matched, applied or rejected); read it again',
      { field: 'If-Match', version: row.version },
    )
  }
  return row
}

/** Only what waits for a person (suggested or unmatched) may be accepted, rejected or applied. */
function refuseUnlessOpen(row: LockedRow): void {
  if (row.status === 'suggested' || row.status === 'unmatched') return
  throw domainError(
    'cashapp.transaction_not_open',
    `Bank transaction ${row.id} is ${row.status}` +
      (row.status === 'applied' ? '; un-apply it first to apply it otherwise' : ''),
    { bank_transaction_id: row.id, status: row.status },
  )
}

async function withRejections(
  ctx: Ctx,
  views: readonly BankTransactionView[],
): Promise<WorklistTransaction[]> {
  const rejections = await rejectionsOf(
    ctx,
    views.map((v) => v.id),
  )
  return views.map((v) => {
    const own = rejections.get(v.id) ?? []
    return {
      ...v,
      candidates: v.candidates.map((c) => ({ ...c, rejection: rejectionOf(c, own) ?? null })),
      rejections: own,
    }
  })
}

/** The customers and invoices a page mentions, in two queries. */
async function namesOf(ctx: Ctx, rows: readonly WorklistTransaction[]): Promise<WorklistNames> {
  const customerIds = new Set<string>()
  const invoiceIds = new Set<string>()
  for (const row of rows) {
    for (const c of row.candidates) {
      customerIds.add(c.customerId)
      for (const a of c.allocations) invoiceIds.add(a.invoiceId)
      for (const w of c.writeOffs) invoiceIds.add(w.invoiceId)
    }
    for (const r of row.rejections) {
      customerIds.add(r.customerId)
      for (const id of r.invoiceKey.split(',').filter(Boolean)) invoiceIds.add(id)
    }
    if (row.application) {
      customerIds.add(row.application.customerId)
      for (const l of row.application.lines) invoiceIds.add(l.invoiceId)
    }
  }
  const names: WorklistNames = { customers: new Map(), invoices: new Map() }
  if (customerIds.size > 0) {
    const customers = await ctx.db
      .selectFrom('customer')
      .select(['id', 'number', 'legalName'])
      .where('tenantId', '=', ctx.tenantId)
      .where('id', 'in', [...customerIds])
      .execute()
    for (const c of customers)
      names.customers.set(c.id, { number: c.number, legalName: c.legalName })
  }
  if (invoiceIds.size > 0) {
    const { rows: invoices } = await sql<{
      invoiceId: string
      number: string
      currency: string
      openMinor: bigint
    }>`
      select invoice_id, number, currency, open_minor from invoice_open_item
      where tenant_id = ${ctx.tenantId} and invoice_id = any(${[...invoiceIds]}::uuid[])`.execute(
      ctx.db,
    )
    for (const i of invoices) {
      names.invoices.set(i.invoiceId, {
        number: i.number,
        currency: i.currency,
        openMinor: BigInt(i.openMinor),
      })
    }
  }
  return names
}

type InvoiceRef = { id: string } | { number: string }

/**
 * What a person typed, resolved: the customer and invoices found (by id or number), the
 * amounts parsed in the invoice's currency, and no invoice given more than it has open.
 * The service checks all of it again under lock; these checks name the field.
 */
async function resolveManual(ctx: Ctx, input: ManualApplyInput): Promise<ManualApplication> {
  const customer = await findCustomer(ctx, input.customer)
  const writeOffs = input.writeOffs ?? []
  const lines = [
    ...input.allocations.map((a, index) => ({ ...a, field: `allocations[${index}]` })),
    ...writeOffs.map((w, index) => ({ ...w, field: `write_offs[${index}]` })),
  ]
  const invoices = await findInvoices(
    ctx,
    lines.map((l) => l.invoice),
  )
  const wanted = new Map<string, bigint>()
  const resolved = lines.map((line) => {
    const ref = line.invoice
    const invoice = 'id' in ref ? invoices.byId.get(ref.id) : invoices.byNumber.get(ref.number)
    const field = `${line.field}.${'id' in ref ? 'invoice_id' : 'invoice_number'}`
    if (!invoice) {
      throw domainError(
        'cashapp.invoice_unknown',
        `${field}: no issued invoice ${'id' in ref ? ref.id : ref.number}`,
        { field, invoice: 'id' in ref ? ref.id : ref.number },
      )
    }
    if (invoice.customerId !== customer.id) {
      throw domainError(
        'cashapp.invoice_not_customers',
        `${field}: invoice ${invoice.number} is not customer ${customer.number}'s`,
        { field, invoice_number: invoice.number, customer_number: customer.number },
      )
    }
    const amountMinor = parseAmount(line.amount, invoice.currency)
    if (amountMinor === undefined || amountMinor <= 0n) {
      throw invalid([
        {
          field: `${line.field}.amount`,
          message: `is not an amount above 0 in ${invoice.currency}`,
        },
      ])
    }
    const total = (wanted.get(invoice.id) ?? 0n) + amountMinor
    wanted.set(invoice.id, total)
    if (total > invoice.openMinor) {
      throw domainError(
        'cashapp.allocation_exceeds_open_amount',
        `${invoice.number} has ${formatAmount(invoice.openMinor, invoice.currency)} ` +
          `${invoice.currency} open; ${formatAmount(total, invoice.currency)} was requested`,
        {
          field: `${line.field}.amount`,
          invoice_number: invoice.number,
          open_amount: formatAmount(invoice.openMinor, invoice.currency),
          requested_amount: formatAmount(total, invoice.currency),
        },
      )
    }
    return { invoiceId: invoice.id, amountMinor }
  })
  return {
    customerId: customer.id,
    allocations: resolved.slice(0, input.allocations.length),
    writeOffs: resolved
      .slice(input.allocations.length)
      .map((w, index) => ({ ...w, kind: writeOffs[index].kind })),
  }
}

async function findCustomer(ctx: Ctx, ref: { id: string } | { number: string }) {
  const field = 'id' in ref ? 'customer_id' : 'customer_number'
  const value = 'id' in ref ? ref.id : ref.number
  const customer =
    'id' in ref && !isUuid(ref.id)
      ? undefined
      : await ctx.db
          .selectFrom('customer')
          .select(['id', 'number'])
          .where('tenantId', '=', ctx.tenantId)
          .where('id' in ref ? 'id' : 'number', '=', value)
          .executeTakeFirst()
  if (!customer) {
    throw domainError('cashapp.customer_unknown', `${field}: no customer ${value}`, {
      field,
      customer: value,
    })
  }
  return customer
}

type FoundInvoice = {
  id: string
  number: string
  customerId: string
  currency: string
  openMinor: bigint
}

/** Issued invoices by id and by number, with what is open on each, in one query. */
async function findInvoices(ctx: Ctx, refs: readonly InvoiceRef[]) {
  const ids = refs.flatMap((r) => ('id' in r && isUuid(r.id) ? [r.id] : []))
  const numbers = refs.flatMap((r) => ('number' in r ? [r.number] : []))
  const byId = new Map<string, FoundInvoice>()
  const byNumber = new Map<string, FoundInvoice>()
  if (ids.length + numbers.length === 0) return { byId, byNumber }
  const { rows } = await sql<FoundInvoice & { invoiceId: string }>`
    select invoice_id, number, customer_id, currency, open_minor from invoice_open_item
    where tenant_id = ${ctx.tenantId}
      and (invoice_id = any(${ids}::uuid[]) or number = any(${numbers}::text[]))`.execute(ctx.db)
  for (const r of rows) {
    const invoice = { ...r, id: r.invoiceId, openMinor: BigInt(r.openMinor) }
    byId.set(invoice.id, invoice)
    byNumber.set(invoice.number, invoice)
  }
  return { byId, byNumber }
}

function snakeKey(key: { customerId: string; invoiceKey: string }) {
  return { customer_id: key.customerId, invoice_key: key.invoiceKey }
}

/** A candidate as the rejection keeps it (the stored JSON shape, minor units as strings). */
function candidateJson(c: StoredCandidate) {
  return {
    rank: c.rank,
    customer_id: c.customerId,
    currency: c.currency,
    payment_minor: c.paymentMinor.toString(),
    unapplied_minor: c.unappliedMinor.toString(),
    confidence: c.confidence,
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
  }
}
