import { sql } from 'kysely'
import type { CsvSource } from '../../core/csv.js'
import { type CalendarDate, calendarDateAt, daysBetween } from '../../core/dates.js'
import { domainError } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import { formatAmount } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { type AuditEntry, recordAuditBatch } from '../audit/index.js'
import { type CustomerByNumber, customersByNumber } from '../customers/index.js'
import {
  accountCodeFor,
  ensureChartOfAccounts,
  type JournalEntryInput,
  postJournalEntries,
} from '../ledger/index.js'
import { type DomainEvent, emitEvents } from '../outbox/index.js'
import {
  type OpenItemColumn,
  type OpenItemProblem,
  type OpenItemRow,
  readOpenItemsCsv,
} from './open-items-csv.js'
import './open-items-errors.js'

// `o2c invoices import-open-items FILE.csv` and POST /v1/invoices/open-items-import: the
// open items of a previous system, so a company can start with o2c mid-life. As the customer
// import: two passes over the file in one transaction. The first checks every row (its own
// rules, then in batches whether the customer exists and the number is free) and writes
// nothing, so one bad row refuses the whole file (unless skip-invalid). The second writes
// the rows in batches of a few set-based statements each.
//
// Each row becomes an issued invoice of origin opening_balance: number as in the file, the
// amount payable, no lines, no sequence of an o2c series. What the previous system saw paid
// already (amount − open_amount) is a settlement of kind prior_settlement, so the open
// amount is derived as for every invoice (invoice_open_item). The ledger gets the open
// amount: receivable (on the customer) debit, opening_balance credit — one small entry per
// customer and currency of the file, posted on the day of the import (the cut-over).
//
// Re-importing a file is refused: its numbers exist (each row says so). With skip-invalid
// those rows are skipped and only new numbers are imported, so a file that was extended can
// be run again.

// Rows per batch: as the customer import (statement overhead gone, payloads a few MB).
export const openItemsBatchRows = 2_000
// As the customer import: an index entry per row, one transaction's worth of work.
export const openItemsRowsMax = 1_000_000
// Problems listed in the report; every rejected row is still counted and skipped.
export const openItemsProblemsReportedMax = 10_000
// Rows whose customer and number are looked up in the store per query while checking.
const lookupBatchMax = 5_000

export type OpenItemsImportOptions = {
  /** Import the valid rows and report the others, instead of refusing the whole file. */
  skipInvalid?: boolean
  onProgress?: (progress: {
    phase: 'checking' | 'writing'
    rowsDone: number
    rowsTotal: number | null
  }) => void
  /** Rows per batch; openItemsBatchRows unless a test needs small batches. */
  batchRows?: number
}

export type OpenItemsImportProblem = {
  line: number
  invoiceNumber: string | null
  column: OpenItemColumn | null
  message: string
}

export type OpenItemsImportSummary = {
  /** Identifies the import: the source id of its journal entries and settlements. */
  importId: string
  rows: number
  imported: number
  rejectedRows: number
  skippedInvalid: boolean
  /** Per currency: the items, their amount and what is open of it (posted to the ledger). */
  totals: Array<{ currency: string; items: number; amountMinor: bigint; openMinor: bigint }>
  journalEntries: number
  problems: OpenItemsImportProblem[]
  problemsTruncated: boolean
}

type Plan = {
  rows: number
  rejectedLines: Set<number>
  problems: OpenItemsImportProblem[]
  problemsTruncated: boolean
  /** The line of each valid row, by invoice number. */
  lineOf: Map<string, number>
}

/**
 * Imports open items from a CSV file (header: invoice_number, customer_number, issue_date,
 * due_date, currency, amount, open_amount, payment_reference). Refuses the whole file if a
 * row has a problem, unless `skipInvalid`.
 *
 *   await importOpenItems(ctx, () => createReadStream('open-items.csv'))
 */
export async function importOpenItems(
  ctx: Ctx,
  source: CsvSource,
  options: OpenItemsImportOptions = {},
): Promise<OpenItemsImportSummary> {
  // One import at a time per tenant: the second waits, then finds the first one's numbers.
  await sql`select pg_advisory_xact_lock(hashtextextended(${`open-items:${ctx.tenantId}`}, 0))`.execute(
    ctx.db,
  )
  const today = calendarDateAt(ctx.now, ctx.timeZone)
  const plan = await planOpenItems(ctx, source, today, (rowsDone) =>
    options.onProgress?.({ phase: 'checking', rowsDone, rowsTotal: null }),
  )
  const rejectedRows = plan.rejectedLines.size
  if (rejectedRows > 0 && !options.skipInvalid) {
    throw domainError(
      'invoicing.open_items_rejected',
      `${rejectedRows} of ${plan.rows} rows have problems, so nothing was imported; fix them, ` +
        'or import the valid rows only (--skip-invalid, or ?skip_invalid=true on the API)',
      {
        rows: plan.rows,
        rejected_rows: rejectedRows,
        rejected: plan.problems.map(openItemProblemOut),
        rejected_truncated: plan.problemsTruncated,
      },
    )
  }
  const summary: OpenItemsImportSummary = {
    importId: newId(),
    rows: plan.rows,
    imported: 0,
    rejectedRows,
    skippedInvalid: Boolean(options.skipInvalid),
    totals: [],
    journalEntries: 0,
    problems: plan.problems,
    problemsTruncated: plan.problemsTruncated,
  }
  await writeOpenItems(ctx, source, plan, summary, today, options)
  summary.totals.sort((a, b) => a.currency.localeCompare(b.currency))
  return summary
}

/** The API's (and --json's) shape of one problem. */
export function openItemProblemOut(p: OpenItemsImportProblem) {
  return { line: p.line, invoice_number: p.invoiceNumber, column: p.column, message: p.message }
}

/** The first pass: every row checked, nothing written. */
async function planOpenItems(
  ctx: Ctx,
  source: CsvSource,
  today: CalendarDate,
  onProgress: (rowsDone: number) => void,
): Promise<Plan> {
  const plan: Plan = {
    rows: 0,
    rejectedLines: new Set(),
    problems: [],
    problemsTruncated: false,
    lineOf: new Map(),
  }
  const reject = (line: number, number: string | null, problems: OpenItemProblem[]) => {
    plan.rejectedLines.add(line)
    if (number !== null && plan.lineOf.get(number) === line) plan.lineOf.delete(number)
    for (const problem of problems) {
      if (plan.problems.length >= openItemsProblemsReportedMax) plan.problemsTruncated = true
      else plan.problems.push({ line, invoiceNumber: number, ...problem })
    }
  }
  // Every number seen, valid row or not, so that a second row with a number is refused.
  const firstLineOf = new Map<string, number>()
  let pending: OpenItemRow[] = []
  for await (const parsed of readOpenItemsCsv(source, today)) {
    plan.rows++
    if (plan.rows > openItemsRowsMax) {
      throw domainError(
        'invoicing.open_items_too_large',
        `The file has more than ${openItemsRowsMax} rows; split it into several imports`,
        { rows_max: openItemsRowsMax },
      )
    }
    if (plan.rows % 1_000 === 0) onProgress(plan.rows)
    const number = parsed.invoiceNumber
    const earlier = number === null ? undefined : firstLineOf.get(number)
    if (number !== null && earlier === undefined) firstLineOf.set(number, parsed.line)
    if (parsed.problems) {
      reject(parsed.line, number, parsed.problems)
      continue
    }
    if (earlier !== undefined) {
      reject(parsed.line, number, [
        { column: 'invoice_number', message: `${number} is on line ${earlier} already` },
      ])
      continue
    }
    plan.lineOf.set(parsed.row.invoiceNumber, parsed.line)
    pending.push(parsed.row)
    if (pending.length >= lookupBatchMax) {
      await checkAgainstStore(ctx, pending, reject)
      pending = []
    }
  }
  await checkAgainstStore(ctx, pending, reject)
  onProgress(plan.rows)
  plan.problems.sort((a, b) => a.line - b.line)
  return plan
}

/** The customer must exist and the invoice number must be free. */
async function checkAgainstStore(
  ctx: Ctx,
  rows: OpenItemRow[],
  reject: (line: number, number: string | null, problems: OpenItemProblem[]) => void,
): Promise<void> {
  if (rows.length === 0) return
  const customers = await customersByNumber(
    ctx,
    rows.map((r) => r.customerNumber),
  )
  const taken = await takenNumbers(
    ctx,
    rows.map((r) => r.invoiceNumber),
  )
  for (const row of rows) {
    const problems: OpenItemProblem[] = []
    if (taken.has(row.invoiceNumber)) {
      problems.push({
        column: 'invoice_number',
        message: `${row.invoiceNumber} exists already (was the file imported before?)`,
      })
    }
    if (!customers.has(row.customerNumber)) {
      problems.push({
        column: 'customer_number',
        message: `no customer ${row.customerNumber} (import the customers first)`,
      })
    }
    if (problems.length > 0) reject(row.line, row.invoiceNumber, problems)
  }
}

async function takenNumbers(ctx: Ctx, numbers: string[]): Promise<Set<string>> {
  const result = await sql<{ number: string }>`
    select i.number
    from unnest(${numbers}::text[]) as wanted(number)
    join lateral (
      select number from invoice where tenant_id = ${ctx.tenantId} and number = wanted.number
    ) i on true`.execute(ctx.db)
  return new Set(result.rows.map((r) => r.number))
}

/**
 * The second pass: the valid rows in batches, in file order. While one batch is written
 * the next is read and checked (on PostgreSQL the server writes while this process parses).
 */
async function writeOpenItems(
  ctx: Ctx,
  source: CsvSource,
  plan: Plan,
  summary: OpenItemsImportSummary,
  today: CalendarDate,
  options: OpenItemsImportOptions,
): Promise<void> {
  const rowsTotal = plan.rows - plan.rejectedLines.size
  const report = () =>
    options.onProgress?.({ phase: 'writing', rowsDone: summary.imported, rowsTotal })
  report()
  await ensureChartOfAccounts(ctx)
  const context: WriteContext = {
    today,
    seller: await sellerSnapshot(ctx),
    receivable: await accountCodeFor(ctx, 'receivable'),
    openingBalance: await accountCodeFor(ctx, 'opening_balance'),
    openingBalances: new Map(),
  }
  const write = (rows: OpenItemRow[]) => {
    const written = writeBatch(ctx, rows, context, summary).then(report)
    written.catch(() => {}) // its error is thrown where it is awaited
    return written
  }
  let writing: Promise<void> | undefined
  let batch: OpenItemRow[] = []
  try {
    for await (const parsed of readOpenItemsCsv(source, today)) {
      if (plan.rejectedLines.has(parsed.line)) continue
      // The file is read twice; a file edited in between would be written unchecked.
      if (!parsed.row || plan.lineOf.get(parsed.row.invoiceNumber) !== parsed.line) {
        throw fileChanged(parsed.line)
      }
      batch.push(parsed.row)
      if (batch.length >= (options.batchRows ?? openItemsBatchRows)) {
        await writing
        writing = write(batch)
        batch = []
      }
    }
    await writing
  } catch (error) {
    // Never leave a statement running on the transaction that is about to roll back.
    await writing?.catch(() => {})
    throw error
  }
  await write(batch)
  if (summary.imported !== rowsTotal) throw fileChanged()
  const entries = openingEntries(context, summary.importId)
  for (let start = 0; start < entries.length; start += openingEntriesPerPosting) {
    await postJournalEntries(ctx, entries.slice(start, start + openingEntriesPerPosting))
  }
  summary.journalEntries = entries.length
}

// Entries handed to the ledger at a time: its audit and event payloads stay a few MB.
const openingEntriesPerPosting = 5_000

type WriteContext = {
  today: CalendarDate
  seller: unknown
  receivable: string
  openingBalance: string
  /** What is open per customer and currency, summed over the whole file. */
  openingBalances: Map<string, OpeningBalance>
}

type OpeningBalance = { customer: CustomerByNumber; currency: string; open: bigint; count: number }

async function writeBatch(
  ctx: Ctx,
  rows: OpenItemRow[],
  context: WriteContext,
  summary: OpenItemsImportSummary,
): Promise<void> {
  if (rows.length === 0) return
  const customers = await customersByNumber(
    ctx,
    rows.map((r) => r.customerNumber),
  )
  const items = rows.map((row) => {
    const customer = customers.get(row.customerNumber)
    if (!customer) throw fileChanged(row.line) // checked in the first pass, same transaction
    return { row, customer, id: newId() }
  })
  await insertInvoices(ctx, items, context)
  await insertPriorSettlements(ctx, items, context, summary.importId)
  addToOpeningBalances(context.openingBalances, items)

  const audits: AuditEntry[] = []
  const events: DomainEvent[] = []
  for (const { row, customer, id } of items) {
    const after = {
      number: row.invoiceNumber,
      origin: 'opening_balance',
      customer_id: customer.id,
      customer_number: customer.number,
      currency: row.currency,
      issue_date: row.issueDate,
      due_date: row.dueDate,
      amount: formatAmount(row.amountMinor, row.currency),
      open_amount: formatAmount(row.openMinor, row.currency),
      payment_reference: row.paymentReference ?? row.invoiceNumber,
      import_id: summary.importId,
      line: row.line,
    }
    audits.push({ entityType: 'invoice', entityId: id, action: 'imported', after })
    events.push({
      type: 'invoice.imported',
      entityType: 'invoice',
      entityId: id,
      payload: { id, ...after },
    })
  }
  await recordAuditBatch(ctx, audits)
  await emitEvents(ctx, events)

  summary.imported += items.length
  for (const { row } of items) {
    let total = summary.totals.find((t) => t.currency === row.currency)
    if (!total) {
      total = { currency: row.currency, items: 0, amountMinor: 0n, openMinor: 0n }
      summary.totals.push(total)
    }
    total.items++
    total.amountMinor += row.amountMinor
    total.openMinor += row.openMinor
  }
}

type Item = { row: OpenItemRow; customer: CustomerByNumber; id: string }

/**
 * The invoices, issued as they come. An opening item carries its amount as payable; the
 * previous system booked its revenue and VAT, so here it has no lines and no VAT breakdown
 * (line net = tax exclusive = total = payable, VAT 0). Without a payment reference in the
 * file, the invoice number is its reference: that is what the customer quotes when paying.
 */
async function insertInvoices(ctx: Ctx, items: Item[], context: WriteContext): Promise<void> {
  const rows = items.map(({ row, customer, id }) => ({
    id,
    customer_id: customer.id,
    currency: row.currency,
    number: row.invoiceNumber,
    issue_date: row.issueDate,
    due_date: row.dueDate,
    payment_reference: row.paymentReference ?? row.invoiceNumber,
    buyer: {
      name: customer.legalName,
      customer_number: customer.number,
      ...(customer.vatId ? { vat_id: customer.vatId } : {}),
      ...(customer.cocNumber ? { legal_id: { id: customer.cocNumber, scheme: '0106' } } : {}),
      ...(customer.country ? { country: customer.country } : {}),
    },
    payment_terms: { net_days: daysBetween(row.issueDate, row.dueDate) },
    amount_minor: row.amountMinor.toString(),
  }))
  const result = await sql<{ number: string }>`
    insert into invoice (tenant_id, id, document_type, status, origin, customer_id, currency,
      number, issue_date, due_date, payment_reference, seller, buyer, payment_terms,
      line_net_minor, tax_exclusive_minor, total_minor, payable_minor,
      created_at, created_by, issued_at, issued_by, updated_at)
    select ${ctx.tenantId}::uuid, r.id, 'invoice', 'issued', 'opening_balance', r.customer_id,
      r.currency, r.number, r.issue_date, r.due_date, r.payment_reference,
      ${JSON.stringify(context.seller)}::jsonb, r.buyer, r.payment_terms,
      r.amount_minor::bigint, r.amount_minor::bigint, r.amount_minor::bigint,
      r.amount_minor::bigint, ${ctx.now}::timestamptz, ${ctx.actor.name},
      ${ctx.now}::timestamptz, ${ctx.actor.name}, ${ctx.now}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, customer_id uuid,
      currency text, number text, issue_date date, due_date date, payment_reference text,
      buyer jsonb, payment_terms jsonb, amount_minor text)
    on conflict (tenant_id, number) do nothing
    returning number`.execute(ctx.db)
  if (result.rows.length !== rows.length) {
    const written = new Set(result.rows.map((r) => r.number))
    const taken = items.find((i) => !written.has(i.row.invoiceNumber))
    throw domainError(
      'invoicing.open_items_number_taken',
      `Invoice number ${taken?.row.invoiceNumber} (line ${taken?.row.line}) was given to ` +
        'another invoice during the import; nothing was imported',
      { line: taken?.row.line, invoice_number: taken?.row.invoiceNumber },
    )
  }
}

/** What the previous system saw paid (or credited) already: amount − open amount. */
async function insertPriorSettlements(
  ctx: Ctx,
  items: Item[],
  context: WriteContext,
  importId: string,
): Promise<void> {
  const rows = items
    .filter(({ row }) => row.amountMinor > row.openMinor)
    .map(({ row, id }) => ({
      id: newId(),
      invoice_id: id,
      amount_minor: (row.amountMinor - row.openMinor).toString(),
      currency: row.currency,
    }))
  if (rows.length === 0) return
  await sql`
    insert into invoice_settlement (tenant_id, id, invoice_id, kind, amount_minor, currency,
      settled_on, source_type, source_id, created_at, created_by)
    select ${ctx.tenantId}::uuid, r.id, r.invoice_id, 'prior_settlement', r.amount_minor::bigint,
      r.currency, ${context.today}::date, 'open_items_import', ${importId},
      ${ctx.now}::timestamptz, ${ctx.actor.name}
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, invoice_id uuid,
      amount_minor text, currency text)`.execute(ctx.db)
}

function addToOpeningBalances(balances: Map<string, OpeningBalance>, items: Item[]): void {
  for (const { row, customer } of items) {
    const key = `${customer.id}/${row.currency}`
    const balance = balances.get(key) ?? { customer, currency: row.currency, open: 0n, count: 0 }
    balance.open += row.openMinor
    balance.count++
    balances.set(key, balance)
  }
}

/**
 * One entry per customer and currency of the whole file, posted after the last batch:
 * receivable debit on the customer, opening_balance credit, for the customer's open amount.
 * Two lines each, because the database checks an entry's balance once per line at commit.
 */
function openingEntries(context: WriteContext, importId: string): JournalEntryInput[] {
  return [...context.openingBalances.values()].map(({ customer, currency, open, count }) => ({
    postedOn: context.today,
    description: `Opening balance of customer ${customer.number}: ${count} open item(s) in ${currency}`,
    source: { type: 'open_items_import', id: importId },
    lines: [
      { accountCode: context.receivable, debitMinor: open, currency, customerId: customer.id },
      { accountCode: context.openingBalance, creditMinor: open, currency },
    ],
  }))
}

/** The tenant's seller details as its billing settings hold them; {} when not set yet. */
async function sellerSnapshot(ctx: Ctx): Promise<unknown> {
  const settings = await ctx.db.selectFrom('billingSettings').select('seller').executeTakeFirst()
  return settings?.seller ?? {}
}

function fileChanged(line?: number) {
  return domainError(
    'invoicing.open_items_file_changed',
    `The file changed while it was being imported${line ? ` (line ${line})` : ''}; ` +
      'nothing was imported',
    { line },
  )
}
