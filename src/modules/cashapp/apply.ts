import { sql } from 'kysely'
import { type CalendarDate, calendarDateAt } from '../../core/dates.js'
import { domainError, invalid, notFound } from '../../core/errors.js'
import { isUuid, newId } from '../../core/ids.js'
import { currencyExponent, formatAmount, parseAmount } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { type AuditEntry, recordAudit, recordAuditBatch } from '../audit/index.js'
import { collectionsAfterPayments, collectionsAfterReturn } from '../collections/index.js'
import {
  type BulkSettlementInput,
  lockOpenAmounts,
  type OpenAmount,
  openAmount,
  reverseSettlement,
  settleInvoicesInBulk,
  vatBreakdownOf,
} from '../invoicing/index.js'
import {
  type AccountPurpose,
  accountCodesFor,
  type JournalEntryInput,
  type JournalLineInput,
  postJournalEntries,
} from '../ledger/index.js'
import { recordBankPaymentsInBulk, reversePayment } from '../payments/index.js'
import type { BankEntry } from './bank-files/model.js'
import { getCashApplicationSettings, loadMatchBook, loadRateLookup } from './book-loader.js'
import './errors.js'
import {
  candidatesOf,
  liveApplicationsOf,
  loadEntries,
  refreshEntryStatuses,
  rowsPerStatement,
  type StoredEntry,
  saveMatchResults,
  setTransactionStatuses,
  storedTransactions,
  type TransactionResult,
  teachPayer,
} from './match-store.js'
import type { MatchBook } from './matching/book.js'
import { matchTransaction, notAPayment, transactionsOf } from './matching/match.js'
import type {
  Candidate,
  MatchOutcome,
  RateLookup,
  RemittanceAdvice,
  WriteOffKind,
} from './matching/model.js'
import { normaliseIban } from './matching/text.js'
import type {
  ApplyChoice,
  ApplyOptions,
  CashApplication,
  CashApplicationCounts,
  ManualApplication,
} from './model.js'
import { rejectionsOf, withoutRejected } from './rejections.js'
import { markAdvicesUsed, openRemittanceAdvices } from './remittance/advices.js'
import type { BankTransactionStatus } from './tables.js'
import { writeOffPostings } from './write-off-postings.js'

// Applying what the matching decides. A run (an import, a re-match) reads the book once,
// matches every transaction of the entries in memory, and applies the automatic ones a chunk
// at a time in a few set-based statements per table: invoice settlements (invoicing), the
// payments and their allocations (payments), one journal entry per payment (ledger), the
// applications and their lines, and one audit event per application naming all of it. Returns
// and reversals then undo the credits they return (few per statement, one by one). A person's
// apply, un-apply and re-match (the worklist) go through the same code.
//
// Ledger, per applied transaction (in the invoices' currency): bank debit the payment;
// receivable credit what it settles (allocations and write-offs); unapplied cash credit the
// rest (the customer's, usable later); write-offs debit bank fees, write-offs, or the
// early-payment discount less its VAT, which reduces VAT payable per rate.

// Entries matched and applied per chunk: bounds the memory of a run and the size of each
// bulk statement (a chunk of 5,000 entries is ~15 MB of JSON at most).
export const entriesPerChunk = 5_000

export type MatchRunOptions = {
  /** Parsed remittance advices for the book (another stage's table; default none). */
  advices?: readonly RemittanceAdvice[]
  /** Entries per chunk; entriesPerChunk unless a test needs small chunks. */
  entriesPerChunk?: number
  /** When given, the milliseconds spent per step are added to it (the bench's breakdown). */
  timings?: Record<string, number>
}

/** Runs a step and adds its time to `timings[name]`, when timings are kept. */
async function timed<T>(
  timings: Record<string, number> | undefined,
  name: string,
  step: () => Promise<T>,
): Promise<T> {
  if (!timings) return step()
  const started = performance.now()
  try {
    return await step()
  } finally {
    timings[name] = (timings[name] ?? 0) + (performance.now() - started)
  }
}

/** What the run applies: one candidate, checked against what is open now. */
type Planned = {
  transactionId: string
  customerId: string
  currency: string
  paymentMinor: bigint
  unappliedMinor: bigint
  allocations: { invoiceId: string; amountMinor: bigint }[]
  writeOffs: { kind: WriteOffKind; invoiceId: string; amountMinor: bigint }[]
  appliedBy: 'matching' | 'person'
  confidence: number | null
  reasons: string[]
  /** The remittance advice the allocations follow. */
  adviceId?: string
  receivedOn: CalendarDate
  payerName: string | null
  payerIban: string | null
  reference: string | null
}

type RunContext = {
  book: MatchBook
  rate: RateLookup
  timings?: Record<string, number>
  /** Remittance advices an automatic answer of this run already follows. */
  advicesTaken: Set<string>
}

/**
 * Matches the transactions of these bank entries and applies what is certain: the step of
 * `o2c bank import` after the entries are stored. Transactions already applied, returned or
 * ignored are left as they are.
 */
export async function matchAndApplyEntries(
  ctx: Ctx,
  entryIds: readonly string[],
  options: MatchRunOptions = {},
): Promise<CashApplicationCounts> {
  await lockCashApplication(ctx)
  const counts: CashApplicationCounts = {
    transactions: 0,
    applied: 0,
    suggested: 0,
    unmatched: 0,
    reversed: 0,
  }
  if (entryIds.length === 0) return counts
  const timings = options.timings
  const run: RunContext = {
    book: await timed(timings, 'book', async () =>
      loadMatchBook(ctx, { advices: options.advices ?? (await openRemittanceAdvices(ctx)) }),
    ),
    rate: await loadRateLookup(ctx),
    timings,
    advicesTaken: new Set(),
  }
  // Matching is this process's work, writing the database's: while one chunk is written the
  // next is matched (matching yields now and then), so on PostgreSQL both cores work. At most
  // one chunk is being written; its writes run in order on the transaction's connection.
  // A chunk's entries are read while no write is in flight: one statement at a time on the
  // connection.
  const chunks: string[][] = []
  const size = options.entriesPerChunk ?? entriesPerChunk
  for (let start = 0; start < entryIds.length; start += size) {
    chunks.push(entryIds.slice(start, start + size))
  }
  const read = (chunk: string[]) =>
    timed(timings, 'read entries', async () => {
      const entries = await loadEntries(ctx, chunk)
      const stored = await storedTransactions(ctx, chunk)
      // What people rejected is not offered again (rejections.ts).
      const rejected = await rejectionsOf(
        ctx,
        [...stored.values()].map((t) => t.id),
      )
      return { chunk, entries, stored, rejected }
    })
  let writing: Promise<void> | undefined
  try {
    let next = await read(chunks[0])
    for (let index = 0; index < chunks.length; index++) {
      const { chunk, entries, stored, rejected } = next
      const matched = await matchEntries(run, entries, stored, rejected, counts)
      await writing
      if (index + 1 < chunks.length) next = await read(chunks[index + 1])
      writing = writeMatched(ctx, matched, counts, timings).then(() =>
        timed(timings, 'entry statuses', () => refreshEntryStatuses(ctx, chunk)),
      )
      writing.catch(() => {}) // its error is thrown where it is awaited
    }
    await writing
  } catch (error) {
    // Never leave a statement running on the transaction that is about to roll back.
    await writing?.catch(() => {})
    throw error
  }
  return counts
}

type Matched = {
  results: TransactionResult[]
  undoing: { result: TransactionResult; transaction: BankEntry }[]
  auto: { result: TransactionResult; planned: Planned }[]
}

// Transactions matched between two yields to the event loop: long enough that yielding costs
// nothing, short enough that a write waiting for its turn is not held up (≈ 20–50 ms).
const transactionsPerSlice = 100

/** What the matching says of each transaction that waits (or was never matched). */
async function matchEntries(
  run: RunContext,
  entries: StoredEntry[],
  stored: Awaited<ReturnType<typeof storedTransactions>>,
  rejected: Awaited<ReturnType<typeof rejectionsOf>>,
  counts: CashApplicationCounts,
): Promise<Matched> {
  const matched: Matched = { results: [], undoing: [], auto: [] }
  let sinceYield = 0
  for (const { id: entryId, entry } of entries) {
    for (const [index, transaction] of transactionsOf(entry).entries()) {
      const known = stored.get(`${entryId}:${index}`)
      // Only what waits (or never was matched) is matched again.
      if (known && known.status !== 'suggested' && known.status !== 'unmatched') continue
      const started = performance.now()
      const outcome = adviceOnce(
        run,
        withoutRejected(
          matchTransaction(run.book, transaction, { rate: run.rate }),
          known ? rejected.get(known.id) : undefined,
        ),
      )
      if (run.timings) {
        run.timings.match = (run.timings.match ?? 0) + (performance.now() - started)
      }
      const result = transactionResult(known?.id ?? newId(), entryId, index, transaction, outcome)
      result.matchedBefore = known !== undefined
      matched.results.push(result)
      counts.transactions++
      if (outcome.status === 'auto' && outcome.candidates[0]) {
        const planned = plan(result, transaction, outcome.candidates[0], 'matching')
        matched.auto.push({ result, planned })
      } else if (notAPayment(transaction)) {
        matched.undoing.push({ result, transaction })
      }
      if (++sinceYield >= transactionsPerSlice) {
        sinceYield = 0
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
  }
  return matched
}

/**
 * An advice explains one payment: a second automatic answer of the run that follows the same
 * advice (the same payer paying the same amount twice) waits for a person.
 */
function adviceOnce(run: RunContext, outcome: MatchOutcome): MatchOutcome {
  const adviceId = outcome.status === 'auto' ? outcome.candidates[0]?.adviceId : undefined
  if (!adviceId) return outcome
  if (!run.advicesTaken.has(adviceId)) {
    run.advicesTaken.add(adviceId)
    return outcome
  }
  return {
    ...outcome,
    status: 'suggested',
    notes: [...outcome.notes, `remittance advice ${adviceId} already explains another payment`],
  }
}

/** Stores a chunk's answers, applies the automatic ones that still fit, undoes what returns undo. */
async function writeMatched(
  ctx: Ctx,
  { results, undoing, auto }: Matched,
  counts: CashApplicationCounts,
  timings?: Record<string, number>,
): Promise<void> {
  // What is open now, under lock: two transactions of a run may pay the same invoice, and
  // the book was read before the run applied anything.
  const open = await timed(timings, 'lock open items', () =>
    lockOpenAmounts(
      ctx,
      auto.flatMap(({ planned }) => invoiceIdsOf(planned)),
    ),
  )
  const locked = new Map(open)
  const applying: Planned[] = []
  for (const { result, planned } of auto) {
    const refusal = checkAgainstOpen(planned, open)
    if (refusal) {
      result.status = 'suggested'
      result.decision = 'suggested'
      result.notes = [...result.notes, refusal]
    } else {
      result.status = 'applied'
      applying.push(planned)
    }
  }
  await timed(timings, 'store outcomes', () => saveMatchResults(ctx, results))
  await applyPlanned(ctx, applying, locked, timings)
  // An advice that an application followed is used up, tied to its bank entry.
  const entryOf = new Map(results.map((r) => [r.id, r.bankEntryId]))
  for (const planned of applying) {
    const entryId = entryOf.get(planned.transactionId)
    if (planned.adviceId && entryId) await markAdvicesUsed(ctx, [planned.adviceId], entryId)
  }
  await timed(timings, 'returns', async () => {
    for (const { result, transaction } of undoing) {
      if (await undoReturned(ctx, result, transaction)) counts.reversed++
    }
  })
  for (const result of results) {
    if (result.status === 'applied') counts.applied++
    else if (result.status === 'suggested') counts.suggested++
    else if (result.status === 'unmatched') counts.unmatched++
  }
}

function transactionResult(
  id: string,
  bankEntryId: string,
  transactionIndex: number,
  t: BankEntry,
  outcome: MatchOutcome,
): TransactionResult {
  return {
    id,
    bankEntryId,
    transactionIndex,
    amountMinor: parseAmount(t.amount, t.currency) ?? 0n,
    currency: t.currency,
    sign: t.sign,
    bookedOn: t.bookingDate ?? t.valueDate,
    endToEndId: t.endToEndId === 'NOTPROVIDED' ? null : t.endToEndId,
    mandateId: t.mandateId,
    counterpartyName: t.counterparty.name,
    counterpartyIban: t.counterparty.iban ? normaliseIban(t.counterparty.iban) : null,
    returnReason: t.returnReason,
    decision: outcome.status,
    notes: outcome.notes,
    status: outcome.status === 'auto' ? 'applied' : outcome.status,
    // An automatic answer keeps the candidate applied only: the others are of no use once
    // it is applied (a re-match after un-applying asks the matching again).
    candidates: outcome.status === 'auto' ? outcome.candidates.slice(0, 1) : outcome.candidates,
  }
}

function plan(
  result: TransactionResult,
  transaction: BankEntry,
  candidate: Candidate,
  appliedBy: 'matching' | 'person',
): Planned {
  return {
    transactionId: result.id,
    customerId: candidate.customerId,
    currency: candidate.currency,
    paymentMinor: candidate.paymentMinor,
    unappliedMinor: candidate.unappliedMinor,
    allocations: candidate.allocations.filter((a) => a.amountMinor > 0n),
    writeOffs: candidate.writeOffs.filter((w) => w.amountMinor > 0n),
    appliedBy,
    confidence: candidate.confidence,
    reasons: candidate.reasons,
    adviceId: candidate.adviceId,
    receivedOn: transaction.bookingDate ?? transaction.valueDate ?? result.bookedOn ?? '1970-01-01',
    payerName: transaction.counterparty.name,
    payerIban: transaction.counterparty.iban,
    reference:
      transaction.remittance.structuredReference ?? transaction.remittance.unstructured ?? null,
  }
}

function invoiceIdsOf(planned: Planned): string[] {
  return [
    ...planned.allocations.map((a) => a.invoiceId),
    ...planned.writeOffs.map((w) => w.invoiceId),
  ]
}

/**
 * Why the planned application does not fit what is open now (undefined when it fits); a
 * fit is taken off `open`, so the next transaction of the run sees what is left.
 */
function checkAgainstOpen(planned: Planned, open: Map<string, OpenAmount>): string | undefined {
  const wanted = new Map<string, bigint>()
  for (const { invoiceId, amountMinor } of [...planned.allocations, ...planned.writeOffs]) {
    wanted.set(invoiceId, (wanted.get(invoiceId) ?? 0n) + amountMinor)
  }
  const allocatedMinor = planned.allocations.reduce((sum, a) => sum + a.amountMinor, 0n)
  if (allocatedMinor + planned.unappliedMinor !== planned.paymentMinor) {
    return 'the allocations and the rest do not add up to the payment'
  }
  for (const [invoiceId, amountMinor] of wanted) {
    const item = open.get(invoiceId)
    if (!item) return `invoice ${invoiceId} is not open`
    if (item.customerId !== planned.customerId) {
      return `invoice ${item.number} is another customer's`
    }
    if (item.currency !== planned.currency) {
      return `invoice ${item.number} is in ${item.currency}, the payment in ${planned.currency}`
    }
    if (amountMinor > item.openMinor) {
      return (
        `invoice ${item.number} has ${formatAmount(item.openMinor, item.currency)} ` +
        `${item.currency} open now (settled by another transaction since it was matched)`
      )
    }
  }
  for (const [invoiceId, amountMinor] of wanted) {
    const item = open.get(invoiceId) as OpenAmount
    open.set(invoiceId, { ...item, openMinor: item.openMinor - amountMinor })
  }
  return undefined
}

const ledgerPurposes: AccountPurpose[] = [
  'bank',
  'receivable',
  'unapplied_cash',
  'bank_fees',
  'early_payment_discount',
  'write_off',
  'vat_payable_21',
  'vat_payable_9',
  'vat_payable_other',
]

/**
 * Applies planned applications in bulk: settlements, payments with allocations, one journal
 * entry each, the applications with their lines, and one audit event each. The plans were
 * checked against `open`: what lockOpenAmounts read in this transaction, before any of them.
 */
async function applyPlanned(
  ctx: Ctx,
  planned: readonly Planned[],
  open: Map<string, OpenAmount>,
  timings?: Record<string, number>,
): Promise<Map<string, string>> {
  const applicationIds = new Map<string, string>()
  if (planned.length === 0) return applicationIds
  const codes = await accountCodesFor(ctx, ledgerPurposes)
  const vat = await vatBreakdownOf(
    ctx,
    planned.flatMap((p) =>
      p.writeOffs.filter((w) => w.kind === 'discount').map((w) => w.invoiceId),
    ),
  )
  const today = calendarDateAt(ctx.now, ctx.timeZone)
  const settlements: BulkSettlementInput[] = []
  const applications = planned.map((p) => {
    const id = newId()
    const paymentId = newId()
    applicationIds.set(p.transactionId, id)
    const lines = [
      ...p.allocations.map((a) => ({ kind: 'payment' as const, ...a })),
      ...p.writeOffs,
    ].map((line, index) => ({
      ...line,
      lineNo: index + 1,
      settlementId: newId(),
      allocationId: line.kind === 'payment' ? newId() : null,
    }))
    for (const line of lines) {
      settlements.push({
        id: line.settlementId,
        invoiceId: line.invoiceId,
        kind:
          line.kind === 'payment' ? 'payment' : line.kind === 'discount' ? 'discount' : 'write_off',
        amountMinor: line.amountMinor,
        currency: p.currency,
        settledOn: today,
        source: line.allocationId
          ? { type: 'payment_allocation', id: line.allocationId }
          : { type: 'cash_application', id },
      })
    }
    return { id, paymentId, planned: p, lines }
  })
  await timed(timings, 'settlements', () =>
    settleInvoicesInBulk(ctx, settlements, { locked: open }),
  )
  await timed(timings, 'payments', () =>
    recordBankPaymentsInBulk(
      ctx,
      applications.map(({ paymentId, planned: p, lines }) => ({
        id: paymentId,
        customerId: p.customerId,
        amountMinor: p.paymentMinor,
        currency: p.currency,
        receivedOn: p.receivedOn,
        payerName: p.payerName,
        payerIban: p.payerIban,
        reference: p.reference,
        allocations: lines.flatMap((l) =>
          l.allocationId
            ? [
                {
                  id: l.allocationId,
                  invoiceId: l.invoiceId,
                  amountMinor: l.amountMinor,
                  settlementId: l.settlementId,
                },
              ]
            : [],
        ),
      })),
    ),
  )
  const journal = await timed(timings, 'journal', () =>
    postJournalEntries(
      ctx,
      applications.map(({ paymentId, planned: p }) =>
        journalEntryOf(p, paymentId, codes, vat, open),
      ),
      // Audited below, one event per application naming its journal entry and lines.
      { audit: false },
    ),
  )
  const applicationRows = applications.map(({ id, paymentId, planned: p }, index) => ({
    id,
    bank_transaction_id: p.transactionId,
    customer_id: p.customerId,
    payment_id: paymentId,
    journal_entry_id: journal[index].id,
    currency: p.currency,
    payment_minor: p.paymentMinor.toString(),
    unapplied_minor: p.unappliedMinor.toString(),
    applied_by: p.appliedBy,
    confidence:
      p.confidence === null
        ? null
        : Math.min(1, Math.max(0, Math.round(p.confidence * 1000) / 1000)),
    reasons: p.reasons,
  }))
  const lineRows = applications.flatMap(({ id, lines }) =>
    lines.map((l) => ({
      cash_application_id: id,
      line_no: l.lineNo,
      kind: l.kind,
      invoice_id: l.invoiceId,
      amount_minor: l.amountMinor.toString(),
      settlement_id: l.settlementId,
    })),
  )
  await timed(timings, 'applications', async () => {
    for (let start = 0; start < applicationRows.length; start += rowsPerStatement) {
      await sql`
        insert into cash_application (tenant_id, id, bank_transaction_id, customer_id, payment_id,
          journal_entry_id, currency, payment_minor, unapplied_minor, applied_by, confidence,
          reasons, created_at, created_by)
        select ${ctx.tenantId}::uuid, r.id, r.bank_transaction_id, r.customer_id, r.payment_id,
          r.journal_entry_id, r.currency, r.payment_minor::bigint, r.unapplied_minor::bigint,
          r.applied_by, r.confidence, r.reasons, ${ctx.now}::timestamptz, ${ctx.actor.name}
        from jsonb_to_recordset(${JSON.stringify(applicationRows.slice(start, start + rowsPerStatement))}::jsonb)
          as r(id uuid, bank_transaction_id uuid, customer_id uuid, payment_id uuid,
          journal_entry_id uuid, currency text, payment_minor text, unapplied_minor text,
          applied_by text, confidence numeric, reasons jsonb)`.execute(ctx.db)
    }
    for (let start = 0; start < lineRows.length; start += rowsPerStatement * 2) {
      await sql`
        insert into cash_application_line (tenant_id, cash_application_id, line_no, kind,
          invoice_id, amount_minor, settlement_id)
        select ${ctx.tenantId}::uuid, r.cash_application_id, r.line_no, r.kind, r.invoice_id,
          r.amount_minor::bigint, r.settlement_id
        from jsonb_to_recordset(${JSON.stringify(lineRows.slice(start, start + rowsPerStatement * 2))}::jsonb)
          as r(cash_application_id uuid, line_no int, kind text, invoice_id uuid,
          amount_minor text, settlement_id uuid)`.execute(ctx.db)
    }
  })
  // The run stored its transactions as applied already; a person's apply sets it here.
  const waiting = planned.filter((p) => p.appliedBy === 'person')
  if (waiting.length > 0) {
    await setTransactionStatuses(
      ctx,
      waiting.map((p) => ({ id: p.transactionId, status: 'applied' as const })),
    )
  }
  const audits: AuditEntry[] = applications.map(({ id, paymentId, planned: p, lines }, index) => ({
    entityType: 'cash_application',
    entityId: id,
    action: 'applied',
    after: {
      bank_transaction_id: p.transactionId,
      customer_id: p.customerId,
      payment_id: paymentId,
      journal_entry_id: journal[index].id,
      journal_lines: journal[index].lines.map((l) => ({
        account_code: l.accountCode,
        debit: formatAmount(l.debitMinor, l.currency),
        credit: formatAmount(l.creditMinor, l.currency),
      })),
      currency: p.currency,
      payment: formatAmount(p.paymentMinor, p.currency),
      unapplied: formatAmount(p.unappliedMinor, p.currency),
      applied_by: p.appliedBy,
      confidence: p.confidence,
      reasons: p.reasons,
      lines: lines.map((l) => ({
        kind: l.kind,
        invoice_id: l.invoiceId,
        invoice_number: open.get(l.invoiceId)?.number ?? null,
        amount: formatAmount(l.amountMinor, p.currency),
        settlement_id: l.settlementId,
        allocation_id: l.allocationId,
      })),
    },
  }))
  await timed(timings, 'audit', async () => {
    for (let start = 0; start < audits.length; start += rowsPerStatement) {
      await recordAuditBatch(ctx, audits.slice(start, start + rowsPerStatement))
    }
  })
  // Collections (issue 7): a promise to pay or payment plan on these invoices closes itself
  // when this cash keeps it (instalments fill, a paid plan completes), and a direct debit whose
  // invoice is now paid counts as collected; in this transaction, set-based.
  await timed(timings, 'collections', () =>
    collectionsAfterPayments(ctx, [...new Set(settlements.map((s) => s.invoiceId))]),
  )
  return applicationIds
}

/** The one journal entry of an applied payment; see the head of this file. */
function journalEntryOf(
  p: Planned,
  paymentId: string,
  codes: Record<AccountPurpose, string>,
  vat: Awaited<ReturnType<typeof vatBreakdownOf>>,
  open: Map<string, OpenAmount>,
): JournalEntryInput {
  const currency = p.currency
  const customerId = p.customerId
  const settledMinor =
    p.allocations.reduce((sum, a) => sum + a.amountMinor, 0n) +
    p.writeOffs.reduce((sum, w) => sum + w.amountMinor, 0n)
  const debits = new Map<AccountPurpose, bigint>([['bank', p.paymentMinor]])
  for (const w of p.writeOffs) {
    for (const posting of writeOffPostings(w.kind, w.amountMinor, vat.get(w.invoiceId))) {
      debits.set(posting.purpose, (debits.get(posting.purpose) ?? 0n) + posting.amountMinor)
    }
  }
  const lines: JournalLineInput[] = [...debits]
    .filter(([, minor]) => minor > 0n)
    .map(([purpose, minor]) => ({
      accountCode: codes[purpose],
      debitMinor: minor,
      currency,
      // The bank line carries no customer; the write-offs are the customer's.
      customerId: purpose === 'bank' ? null : customerId,
    }))
  if (settledMinor > 0n) {
    lines.push({ accountCode: codes.receivable, creditMinor: settledMinor, currency, customerId })
  }
  if (p.unappliedMinor > 0n) {
    lines.push({
      accountCode: codes.unapplied_cash,
      creditMinor: p.unappliedMinor,
      currency,
      customerId,
    })
  }
  const numbers = [...new Set(invoiceIdsOf(p))].map((id) => open.get(id)?.number ?? id)
  return {
    postedOn: p.receivedOn,
    description: (numbers.length > 0
      ? `Bank payment applied to ${numbers.join(', ')}`
      : 'Bank payment received as unapplied cash'
    ).slice(0, 500),
    source: { type: 'payment', id: paymentId },
    lines,
  }
}

// ── Returns and reversals ────────────────────────────────────────────────────────────────

const returnCodes = /RRTN|UPDD|RPCR|ARET|RCDD|CAJT|DSHN|NRTI|N?RTR/

function isReturn(t: BankEntry): boolean {
  const code = t.bankTransactionCode?.toUpperCase()
  return t.reversal || t.returnReason !== null || (!!code && returnCodes.test(code))
}

/**
 * A debit, return or reversal undoes the credit it returns, when that credit can be found:
 * by end-to-end id; for a return also by mandate and amount, or by payer IBAN and amount (a
 * single fit only). The credit, applied or not, is marked returned and no longer waits; what
 * was applied of it is undone (payment reversed, invoices open again, ledger reversed).
 * Returns whether it undid one.
 */
async function undoReturned(
  ctx: Ctx,
  result: TransactionResult,
  transaction: BankEntry,
): Promise<boolean> {
  const returnLike = isReturn(transaction)
  // Collections (issue 7): a direct debit of ours that came back, found by the end-to-end id
  // o2c gave it in the pain.008, is marked returned so that the dunning run sees it again.
  if (returnLike && result.endToEndId) {
    await collectionsAfterReturn(ctx, result.endToEndId, result.returnReason)
  }
  const tiers = [
    result.endToEndId ? sql`t.end_to_end_id = ${result.endToEndId}` : undefined,
    returnLike && result.mandateId
      ? sql`t.mandate_id = ${result.mandateId} and t.amount_minor = ${result.amountMinor}`
      : undefined,
    returnLike && result.counterpartyIban
      ? sql`t.counterparty_iban = ${result.counterpartyIban} and t.amount_minor = ${result.amountMinor}`
      : undefined,
  ]
  for (const tier of tiers) {
    if (!tier) continue
    const { rows } = await sql<{ id: string; status: BankTransactionStatus }>`
      select t.id, t.status from bank_transaction t
      where t.tenant_id = ${ctx.tenantId} and t.sign = 'C' and t.currency = ${result.currency}
        and t.id <> ${result.id}::uuid and t.status in ('applied', 'suggested', 'unmatched')
        and (${result.bookedOn}::date is null or t.booked_on is null
             or t.booked_on <= ${result.bookedOn}::date)
        and ${tier}
      order by t.booked_on desc nulls last, t.id desc
      limit 2`.execute(ctx.db)
    if (rows.length !== 1) continue
    const original = rows[0]
    if (original.status === 'applied') {
      const reason =
        `returned by bank transaction ${result.id}` +
        (result.returnReason ? ` (reason ${result.returnReason})` : '')
      await undoApplications(ctx, [original.id], reason, result.id)
    }
    await setTransactionStatuses(ctx, [
      { id: original.id, status: 'returned' },
      { id: result.id, status: 'reversal', reversesTransactionId: original.id },
    ])
    result.status = 'reversal'
    await recordAudit(ctx, {
      entityType: 'bank_transaction',
      entityId: result.id,
      action: 'reversed',
      after: { reverses_transaction_id: original.id, was: original.status },
    })
    const entry = await ctx.db
      .selectFrom('bankTransaction')
      .select('bankEntryId')
      .where('id', '=', original.id)
      .executeTakeFirstOrThrow()
    await refreshEntryStatuses(ctx, [entry.bankEntryId])
    return true
  }
  return false
}

/**
 * Undoes the live applications of these transactions: the payment reversed (its allocations
 * and journal entries, payments' reversePayment), the write-offs' settlements reversed, the
 * application marked. One by one: un-applying is a person's act or a return, a few at a time.
 */
async function undoApplications(
  ctx: Ctx,
  transactionIds: readonly string[],
  reason: string,
  byTransactionId: string | null,
): Promise<number> {
  const live = await liveApplicationsOf(ctx, transactionIds)
  for (const application of live.values()) {
    const reversed = await reversePayment(ctx, application.paymentId, reason)
    for (const line of application.lines) {
      if (line.kind === 'payment') continue
      await reverseSettlement(ctx, line.settlementId, {
        type: 'cash_application',
        id: application.id,
      })
    }
    await ctx.db
      .updateTable('cashApplication')
      .set({
        reversedAt: ctx.now,
        reversedBy: ctx.actor.name,
        reversalReason: reason.slice(0, 500),
        reversalJournalEntryId: reversed.journalEntryIds[0] ?? null,
        reversedByTransactionId: byTransactionId,
      })
      .where('tenantId', '=', ctx.tenantId)
      .where('id', '=', application.id)
      .execute()
    await recordAudit(ctx, {
      entityType: 'cash_application',
      entityId: application.id,
      action: 'unapplied',
      before: {
        bank_transaction_id: application.bankTransactionId,
        payment_id: application.paymentId,
      },
      after: {
        reason,
        reversal_journal_entry_ids: reversed.journalEntryIds,
        allocations_reversed: reversed.allocationsReversed,
        reversed_by_transaction_id: byTransactionId,
      },
    })
  }
  return live.size
}

// ── The worklist's acts ──────────────────────────────────────────────────────────────────

/**
 * A person applies a bank transaction: a stored candidate (`{ rank }`), a candidate as the
 * matching gave it, or their own allocations. Checked against what is open now; the rest of
 * the payment stays unapplied cash on the customer. Teaches the payer's IBAN and name.
 *
 *   await applyCandidate(ctx, entryId, { rank: 1 })
 *   await applyCandidate(ctx, entryId, { customerId, allocations: [{ invoiceId, amountMinor: 12_100n }] })
 */
export async function applyCandidate(
  ctx: Ctx,
  entryId: string,
  choice: ApplyChoice,
  options: ApplyOptions = {},
): Promise<CashApplication> {
  await lockCashApplication(ctx)
  const { transaction, row } = await transactionFor(ctx, entryId, options)
  if (row.status !== 'suggested' && row.status !== 'unmatched') {
    throw domainError(
      'cashapp.transaction_not_open',
      `Bank transaction ${row.id} is ${row.status}; un-apply it first to apply it otherwise`,
      { bank_entry_id: entryId, transaction_index: row.transactionIndex, status: row.status },
    )
  }
  const excluded = notAPayment(transaction)
  if (excluded) {
    throw domainError('cashapp.not_a_payment', `This bank transaction is no payment: ${excluded}`, {
      bank_entry_id: entryId,
    })
  }
  const candidate = await candidateFor(ctx, row.id, transaction, choice)
  const result = { id: row.id, bookedOn: transaction.bookingDate } as TransactionResult
  const planned = plan(result, transaction, candidate, 'person')
  await checkManualWriteOffs(ctx, planned)
  const open = await timed(options.timings, 'lock open items', () =>
    lockOpenAmounts(ctx, invoiceIdsOf(planned)),
  )
  const locked = new Map(open)
  const refusal = checkAgainstOpen(planned, open)
  if (refusal) {
    throw domainError(
      'cashapp.allocation_refused',
      `The allocation cannot be applied: ${refusal}`,
      {
        bank_entry_id: entryId,
      },
    )
  }
  await applyPlanned(ctx, [planned], locked, options.timings)
  const links: { kind: 'iban' | 'payer_name'; key: string; customerId: string }[] = []
  if (transaction.counterparty.iban) {
    links.push({
      kind: 'iban',
      key: normaliseIban(transaction.counterparty.iban),
      customerId: planned.customerId,
    })
  }
  if (transaction.counterparty.name) {
    links.push({
      kind: 'payer_name',
      key: transaction.counterparty.name,
      customerId: planned.customerId,
    })
  }
  await teachPayer(ctx, links)
  await refreshEntryStatuses(ctx, [entryId])
  const applied = (
    await timed(options.timings, 'read back', () => liveApplicationsOf(ctx, [row.id]))
  ).get(row.id)
  if (!applied) throw new Error(`application of ${row.id} not found after applying`)
  return applied
}

/**
 * Undoes what is applied of a bank entry (all its transactions, or the one named): invoices
 * open again, payment and ledger reversed, audited. The transaction waits again as suggested
 * (when it has candidates) or unmatched.
 */
export async function unapplyEntry(
  ctx: Ctx,
  entryId: string,
  reason: string,
  options: ApplyOptions = {},
): Promise<{ unapplied: number }> {
  if (reason.trim() === '') throw invalid([{ field: 'reason', message: 'say why' }])
  await lockCashApplication(ctx)
  await entryOrNotFound(ctx, entryId)
  let query = ctx.db
    .selectFrom('bankTransaction')
    .select(['id', 'status', 'decision'])
    .where('tenantId', '=', ctx.tenantId)
    .where('bankEntryId', '=', entryId)
    .where('status', '=', 'applied')
  if (options.transactionIndex !== undefined) {
    query = query.where('transactionIndex', '=', options.transactionIndex)
  }
  const rows = await query.execute()
  if (rows.length === 0) {
    throw domainError('cashapp.nothing_applied', 'Nothing of this bank entry is applied', {
      bank_entry_id: entryId,
    })
  }
  const unapplied = await undoApplications(
    ctx,
    rows.map((r) => r.id),
    reason,
    null,
  )
  const candidates = await candidatesOf(
    ctx,
    rows.map((r) => r.id),
  )
  await setTransactionStatuses(
    ctx,
    rows.map((r) => ({
      id: r.id,
      status:
        (candidates.get(r.id)?.length ?? 0) > 0 ? ('suggested' as const) : ('unmatched' as const),
    })),
  )
  await refreshEntryStatuses(ctx, [entryId])
  return { unapplied }
}

/**
 * Matches again, with the book as it is now, the transactions of these entries that are not
 * applied (all entries waiting as suggested or unmatched when no ids are given), and applies
 * what is certain now.
 */
export async function rematchEntries(
  ctx: Ctx,
  entryIds?: readonly string[],
  options: MatchRunOptions = {},
): Promise<CashApplicationCounts> {
  for (const id of entryIds ?? []) if (!isUuid(id)) throw notFound('bank_entry', id)
  const ids =
    entryIds ??
    (
      await ctx.db
        .selectFrom('bankEntry')
        .select('id')
        .where('tenantId', '=', ctx.tenantId)
        .where('status', 'in', ['suggested', 'unmatched'])
        .orderBy('id')
        .execute()
    ).map((r) => r.id)
  return matchAndApplyEntries(ctx, ids, options)
}

/** One cash-application run or act at a time per tenant (the bank import's lock). */
export async function lockCashApplication(ctx: Ctx): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`bank-import:${ctx.tenantId}`}, 0))`.execute(
    ctx.db,
  )
}

async function entryOrNotFound(ctx: Ctx, entryId: string): Promise<StoredEntry> {
  if (!isUuid(entryId)) throw notFound('bank_entry', entryId)
  const [entry] = await loadEntries(ctx, [entryId])
  if (!entry) throw notFound('bank_entry', entryId)
  return entry
}

/** The transaction of an entry, matched first when it never was. */
async function transactionFor(ctx: Ctx, entryId: string, options: ApplyOptions) {
  const stored = await entryOrNotFound(ctx, entryId)
  const index = options.transactionIndex ?? 0
  const transaction = transactionsOf(stored.entry)[index]
  if (!transaction) {
    throw invalid([
      { field: 'transaction_index', message: `the entry has no transaction ${index}` },
    ])
  }
  const find = () =>
    ctx.db
      .selectFrom('bankTransaction')
      .select(['id', 'status', 'transactionIndex'])
      .where('tenantId', '=', ctx.tenantId)
      .where('bankEntryId', '=', entryId)
      .where('transactionIndex', '=', index)
      .executeTakeFirst()
  let row = await find()
  if (!row) {
    // An entry imported before matching existed: store what the matching says of it, but
    // apply nothing on its own (the person is applying it now).
    const book = await loadMatchBook(ctx)
    const outcome = matchTransaction(book, transaction, { rate: await loadRateLookup(ctx) })
    const result = transactionResult(newId(), entryId, index, transaction, outcome)
    if (result.status === 'applied') result.status = 'suggested'
    await saveMatchResults(ctx, [result])
    row = await find()
  }
  if (!row) throw new Error(`bank transaction of ${entryId} not stored`)
  return { transaction, row }
}

async function candidateFor(
  ctx: Ctx,
  transactionId: string,
  transaction: BankEntry,
  choice: ApplyChoice,
): Promise<Candidate> {
  if ('rank' in choice) {
    const stored = (await candidatesOf(ctx, [transactionId])).get(transactionId) ?? []
    const candidate = stored.find((c) => c.rank === choice.rank)
    if (!candidate) {
      throw invalid([{ field: 'rank', message: `the transaction has no candidate ${choice.rank}` }])
    }
    return candidate
  }
  if ('candidate' in choice) {
    // A candidate from outside pays what the bank says, not what it claims.
    const bankMinor = parseAmount(transaction.amount, transaction.currency) ?? 0n
    const paymentMinor =
      choice.candidate.currency === transaction.currency
        ? bankMinor
        : await convert(ctx, bankMinor, transaction, choice.candidate.currency)
    if (choice.candidate.paymentMinor !== paymentMinor) {
      throw domainError(
        'cashapp.allocation_refused',
        `The candidate pays ${formatAmount(choice.candidate.paymentMinor, choice.candidate.currency)} ` +
          `${choice.candidate.currency}; the bank transaction paid ` +
          `${formatAmount(paymentMinor, choice.candidate.currency)}`,
        { field: 'candidate.payment' },
      )
    }
    return choice.candidate
  }
  return manualCandidate(ctx, transaction, choice)
}

/** A person's allocations as a candidate: the payment in the invoices' currency, the rest unapplied. */
async function manualCandidate(
  ctx: Ctx,
  transaction: BankEntry,
  manual: ManualApplication,
): Promise<Candidate> {
  if (!isUuid(manual.customerId)) {
    throw invalid([{ field: 'customer_id', message: 'is not a uuid' }])
  }
  manual.allocations.forEach((a, index) => {
    if (!isUuid(a.invoiceId)) {
      throw invalid([{ field: `allocations[${index}].invoice_id`, message: 'is not a uuid' }])
    }
    if (a.amountMinor <= 0n) {
      throw invalid([{ field: `allocations[${index}].amount`, message: 'must be above 0' }])
    }
  })
  const writeOffs = manual.writeOffs ?? []
  const ids = [...manual.allocations, ...writeOffs].map((a) => a.invoiceId)
  const customer = await ctx.db
    .selectFrom('customer')
    .select('currency')
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', manual.customerId)
    .executeTakeFirst()
  if (!customer) throw notFound('customer', manual.customerId)
  // The invoices' currency (all of them are checked against it, under lock, when applied),
  // else the customer's.
  const currency = ids[0] ? (await openAmount(ctx, ids[0])).currency : customer.currency
  const bankMinor = parseAmount(transaction.amount, transaction.currency) ?? 0n
  const paymentMinor =
    currency === transaction.currency
      ? bankMinor
      : await convert(ctx, bankMinor, transaction, currency)
  const allocatedMinor = manual.allocations.reduce((sum, a) => sum + a.amountMinor, 0n)
  if (allocatedMinor > paymentMinor) {
    throw domainError(
      'cashapp.allocation_exceeds_payment',
      `${formatAmount(allocatedMinor, currency)} ${currency} allocated is more than the payment of ` +
        `${formatAmount(paymentMinor, currency)} ${currency}`,
      { field: 'allocations', payment: formatAmount(paymentMinor, currency) },
    )
  }
  return {
    customerId: manual.customerId,
    currency,
    paymentMinor,
    allocations: manual.allocations,
    unappliedMinor: paymentMinor - allocatedMinor,
    writeOffs,
    confidence: 1,
    reasons: ['applied by a person'],
  }
}

async function convert(
  ctx: Ctx,
  minor: bigint,
  transaction: BankEntry,
  currency: string,
): Promise<bigint> {
  const date =
    transaction.valueDate ?? transaction.bookingDate ?? calendarDateAt(ctx.now, ctx.timeZone)
  const rate = (await loadRateLookup(ctx))(transaction.currency, currency, date)
  if (!rate) {
    throw domainError(
      'cashapp.rate_missing',
      `No exchange rate from ${transaction.currency} to ${currency} on ${date}; set one first`,
      { from: transaction.currency, to: currency, date },
    )
  }
  // Minor units of both currencies: the exponents are those of the currencies.
  const fromExp = BigInt(currencyExponent(transaction.currency))
  const toExp = BigInt(currencyExponent(currency))
  const numerator = minor * rate.units * 10n ** toExp
  const denominator = 10n ** BigInt(rate.scale) * 10n ** fromExp
  const quotient = numerator / denominator
  const remainder = numerator % denominator
  return remainder * 2n >= denominator ? quotient + 1n : quotient
}

/** A person's write-offs stay within the tenant's tolerances (a discount within what is open). */
async function checkManualWriteOffs(ctx: Ctx, planned: Planned): Promise<void> {
  const settings = await getCashApplicationSettings(ctx)
  planned.writeOffs.forEach((w, index) => {
    if (!['discount', 'bank_fee', 'small_difference'].includes(w.kind)) {
      throw invalid([
        {
          field: `write_offs[${index}].kind`,
          message: 'is discount, bank_fee or small_difference',
        },
      ])
    }
    if (w.amountMinor <= 0n) {
      throw invalid([{ field: `write_offs[${index}].amount`, message: 'must be above 0' }])
    }
    const max =
      w.kind === 'bank_fee'
        ? settings.bankFeeMinorMax
        : w.kind === 'small_difference'
          ? settings.smallDifferenceMinorMax
          : undefined
    if (max !== undefined && w.amountMinor > max) {
      throw domainError(
        'cashapp.write_off_above_tolerance',
        `A ${w.kind.replace('_', ' ')} of ${formatAmount(w.amountMinor, planned.currency)} ` +
          `${planned.currency} is above the tenant's tolerance of ${formatAmount(max, planned.currency)}`,
        { field: `write_offs[${index}].amount`, tolerance: formatAmount(max, planned.currency) },
      )
    }
  })
}
