import { sql } from 'kysely'
import pino from 'pino'
import { tenantScope } from '../src/cli/tenant-scope.js'
import { addDays } from '../src/core/dates.js'
import { type Ctx, inTenant, systemClock } from '../src/db/context.js'
import { openStore, type StoreOptions } from '../src/db/store.js'
import { createTenant } from '../src/modules/auth/index.js'
import { applyCandidate } from '../src/modules/cashapp/apply.js'
import type { BankEntry, BankFileEvent } from '../src/modules/cashapp/bank-files/model.js'
import { loadOpenItems } from '../src/modules/cashapp/book-loader.js'
import { importAndApplyStatements } from '../src/modules/cashapp/import-and-apply.js'
import { normaliseIban } from '../src/modules/cashapp/matching/text.js'
import type { Platform } from '../src/platform.js'
import { isRight } from './cashapp-quality.js'
import { generateStatements, type Statements } from './cashapp-statements.js'

// One run of the cash-application bench in a process of its own (bench/cash-apply.ts):
//   volume — a tenant with the generator's customers and open invoices written set-based,
//     then one bank file of its transactions imported, matched and applied in one
//     transaction through importAndApplyStatements (what `o2c bank import` runs), timed; then
//     every automatic application checked against the generator's ground truth.
//   one customer — a customer with 100,000 open invoices: its open items listed, and a
//     payment allocated to the oldest 1, 1,000 and all of them (applyCandidate), timed.

type Job = { options: StoreOptions; transactions: number; customers: number; invoices: number }
const job = JSON.parse(process.argv[2] ?? '{}') as Job

const customerUuid = (n: number) => `00000001-0000-7000-8000-${n.toString(16).padStart(12, '0')}`
const invoiceUuid = (n: number) => `00000002-0000-7000-8000-${n.toString(16).padStart(12, '0')}`
const rowsPerInsert = 10_000
let peakRss = 0
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
}, 50)

async function main() {
  const store = await openStore(job.options)
  const platform: Platform = { store, clock: systemClock, log: pino({ level: 'silent' }) }
  try {
    const volume = job.transactions > 0 ? await volumeRun(platform) : {}
    const oneCustomer = await oneCustomerRun(platform)
    clearInterval(sampler)
    process.stdout.write(
      `${JSON.stringify({ ...volume, ...oneCustomer, peakRssMb: peakRss / 2 ** 20 })}\n`,
    )
  } finally {
    await store.close()
  }
}

async function volumeRun(platform: Platform) {
  await createTenant(platform.store, { slug: 'bench-apply', name: 'Bench B.V.' }, 'bench')
  const scope = await tenantScope(platform, 'bench-apply')
  const setupStarted = performance.now()
  // The generator's data is dropped once written: only the statement, the truth and the id
  // maps stay in memory while the import runs, as in a process that imports a file.
  const prepared = await prepare(platform, scope)
  const setupSeconds = (performance.now() - setupStarted) / 1000
  const { events, advices, truthOf, byInvoiceUuid, byCustomerUuid } = prepared

  const timings: Record<string, number> = {}
  const started = performance.now()
  const summary = await inTenant(
    platform.store,
    scope,
    async (ctx) => {
      const result = await importAndApplyStatements(ctx, stream(events), {
        fileName: 'bench.xml',
        advices,
        timings,
      })
      timings.commitFrom = performance.now()
      return result
    },
    platform.clock,
  )
  const seconds = (performance.now() - started) / 1000
  // What the commit took: the audit and outbox writes queued for it, the ledger's deferred
  // balance checks.
  timings.commit = performance.now() - timings.commitFrom
  delete timings.commitFrom

  // Every automatic application against the ground truth.
  const applied = await inTenant(platform.store, scope, async (ctx) => {
    const { rows } = await sql<{
      bankReference: string
      customerId: string
      lines: { invoice_id: string; amount_minor: string }[]
    }>`
      select e.bank_reference, a.customer_id,
        (select json_agg(json_build_object('invoice_id', l.invoice_id,
          'amount_minor', l.amount_minor::text) order by l.line_no)
         from cash_application_line l where l.tenant_id = a.tenant_id
           and l.cash_application_id = a.id and l.kind = 'payment') as lines
      from cash_application a
      join bank_transaction t on t.tenant_id = a.tenant_id and t.id = a.bank_transaction_id
      join bank_entry e on e.tenant_id = t.tenant_id and e.id = t.bank_entry_id
      where a.tenant_id = ${ctx.tenantId} and a.reversed_at is null
        and a.applied_by = 'matching'`.execute(ctx.db)
    return rows
  })
  let wrong = 0
  const wrongCases = new Map<string, number>()
  for (const a of applied) {
    const truth = truthOf.get(a.bankReference)
    const candidate = {
      customerId: byCustomerUuid.get(a.customerId) ?? a.customerId,
      allocations: (a.lines ?? []).map((l) => ({
        invoiceId: byInvoiceUuid.get(l.invoice_id) ?? l.invoice_id,
        amountMinor: BigInt(l.amount_minor),
      })),
    }
    // A foreign-currency payment's amount is in the invoice's currency here (the truth leaves
    // it open), so isRight compares invoices and customer only for those.
    if (!truth?.autoAllowed || !isRight(candidate as never, truth)) {
      wrong++
      const kase = truth?.case ?? '?'
      wrongCases.set(kase, (wrongCases.get(kase) ?? 0) + 1)
    }
  }
  return {
    customers: prepared.customers,
    openInvoices: prepared.openInvoices,
    entries: summary.entries,
    setupSeconds,
    seconds,
    matching: summary.matching,
    autoChecked: applied.length,
    wrongAuto: wrong,
    wrongCases: Object.fromEntries(wrongCases),
    stepsMs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])),
  }
}

async function prepare(platform: Platform, scope: Awaited<ReturnType<typeof tenantScope>>) {
  const s = generateStatements(7, {
    customers: job.customers,
    invoicesPerCustomer: 10,
    transactions: job.transactions,
  })
  const customerIds = new Map(s.customers.map((c, i) => [c.customerId, customerUuid(i + 1)]))
  const invoiceIds = new Map(s.openItems.map((item, i) => [item.invoiceId, invoiceUuid(i + 1)]))
  await inTenant(platform.store, scope, (ctx) => writeTenant(ctx, s, customerIds, invoiceIds))
  return {
    customers: s.customers.length,
    openInvoices: s.openItems.length,
    events: statementOf(s.transactions.map((t) => t.entry)),
    advices: s.advices,
    truthOf: new Map(s.transactions.map((t) => [t.entry.bankReference, t.truth])),
    byInvoiceUuid: new Map([...invoiceIds].map(([id, uuid]) => [uuid, id])),
    byCustomerUuid: new Map([...customerIds].map(([id, uuid]) => [uuid, id])),
  }
}

async function writeTenant(
  ctx: Ctx,
  s: Statements,
  customerIds: Map<string, string>,
  invoiceIds: Map<string, string>,
) {
  // Groups: the first member of a group is the parent of the others.
  const parentOfGroup = new Map<string, string>()
  for (const c of s.customers) {
    if (c.groupId && !parentOfGroup.has(c.groupId)) {
      parentOfGroup.set(c.groupId, customerIds.get(c.customerId) as string)
    }
  }
  const customers = s.customers.map((c) => {
    const id = customerIds.get(c.customerId) as string
    const parent = c.groupId ? parentOfGroup.get(c.groupId) : undefined
    return {
      id,
      number: c.number,
      legal_name: c.legalName,
      parent_id: parent === id ? null : (parent ?? null),
    }
  })
  await inChunks(customers, (rows) =>
    sql`insert into customer (tenant_id, id, number, legal_name, parent_id, updated_at)
      select ${ctx.tenantId}::uuid, r.id, r.number, r.legal_name, null, now()
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, number text,
        legal_name text)`.execute(ctx.db),
  )
  await inChunks(
    customers.filter((c) => c.parent_id),
    (rows) =>
      sql`update customer c set parent_id = r.parent_id
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, parent_id uuid)
        where c.tenant_id = ${ctx.tenantId} and c.id = r.id`.execute(ctx.db),
  )
  const ibans = s.customers.flatMap((c) =>
    c.ibans.map((iban, position) => ({
      id: crypto.randomUUID(),
      customer_id: customerIds.get(c.customerId),
      iban: normaliseIban(iban),
      position,
    })),
  )
  await inChunks(ibans, (rows) =>
    sql`insert into customer_iban (tenant_id, id, customer_id, iban, source, position)
      select ${ctx.tenantId}::uuid, r.id, r.customer_id, r.iban, 'master_data', r.position
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, customer_id uuid,
        iban text, position int)
      on conflict do nothing`.execute(ctx.db),
  )
  const links = s.learnedLinks.map((l) => ({
    kind: l.kind,
    key: l.kind === 'iban' ? normaliseIban(l.iban) : l.payerName,
    customer_id: customerIds.get(l.customerId),
  }))
  await inChunks(links, (rows) =>
    sql`insert into bank_payer_link (tenant_id, kind, key, customer_id, taught_at, taught_by)
      select ${ctx.tenantId}::uuid, r.kind, r.key, r.customer_id, now(), 'bench'
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(kind text, key text,
        customer_id uuid)
      on conflict do nothing`.execute(ctx.db),
  )
  // 1 EUR is usdPerEurUnits / 10^5 USD: 1 USD in EUR, to 8 decimals.
  const usdInEur = (10n ** 13n / s.usdPerEurUnits).toString()
  await sql`insert into exchange_rate (tenant_id, currency, valid_from, rate, created_at)
    values (${ctx.tenantId}, 'USD', '2025-01-01', ${`${usdInEur.slice(0, -8) || '0'}.${usdInEur.slice(-8).padStart(8, '0')}`}::numeric, now())`.execute(
    ctx.db,
  )
  const invoices = s.openItems.map((item) => ({
    id: invoiceIds.get(item.invoiceId),
    customer_id: customerIds.get(item.customerId),
    currency: item.currency,
    number: item.number,
    issue_date: item.issueDate,
    due_date: item.dueDate,
    payment_reference: item.paymentReference,
    payment_terms: {
      net_days: 30,
      ...(item.discountMinor !== undefined
        ? {
            discount: { amount_minor: item.discountMinor.toString(), due_date: item.discountUntil },
          }
        : {}),
    },
    amount_minor: item.openMinor.toString(),
  }))
  await inChunks(invoices, (rows) => insertOpenInvoices(ctx, rows))
  await sql`analyze`.execute(ctx.db)
}

/** Issued invoices as an opening-balance import writes them (no lines). */
function insertOpenInvoices(ctx: Ctx, rows: unknown[]) {
  return sql`
    insert into invoice (tenant_id, id, document_type, status, origin, customer_id, currency,
      number, issue_date, due_date, payment_reference, seller, buyer, payment_terms,
      line_net_minor, tax_exclusive_minor, total_minor, payable_minor,
      created_at, created_by, issued_at, issued_by, updated_at)
    select ${ctx.tenantId}::uuid, r.id, 'invoice', 'issued', 'opening_balance', r.customer_id,
      r.currency, r.number, r.issue_date, r.due_date, r.payment_reference, '{}'::jsonb,
      '{}'::jsonb, r.payment_terms, r.amount_minor::bigint, r.amount_minor::bigint,
      r.amount_minor::bigint, r.amount_minor::bigint, now(), 'bench', now(), 'bench', now()
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, customer_id uuid,
      currency text, number text, issue_date date, due_date date, payment_reference text,
      payment_terms jsonb, amount_minor text)`.execute(ctx.db)
}

async function inChunks<T>(rows: T[], write: (rows: T[]) => Promise<unknown>) {
  for (let start = 0; start < rows.length; start += rowsPerInsert) {
    await write(rows.slice(start, start + rowsPerInsert))
  }
}

function statementOf(entries: BankEntry[]): BankFileEvent[] {
  return [
    {
      kind: 'statement',
      format: 'camt.053.001.02',
      statement: {
        id: `BENCH-${Date.now()}`,
        statementNumber: '1',
        account: { iban: 'NL20INGB0001234567', number: null, currency: 'EUR' },
        openingBalance: null,
      },
    },
    ...entries.map((entry) => ({ kind: 'entry' as const, entry })),
    { kind: 'statement_end', closingBalance: null },
  ]
}

async function* stream(events: BankFileEvent[]): AsyncGenerator<BankFileEvent> {
  for (const event of events) yield event
}

/** One customer with 100,000 open invoices: list them, then allocate payments to them. */
async function oneCustomerRun(platform: Platform) {
  const count = job.invoices
  await createTenant(platform.store, { slug: 'bench-big', name: 'Bench B.V.' }, 'bench')
  const scope = await tenantScope(platform, 'bench-big')
  const customerId = customerUuid(1)
  await inTenant(platform.store, scope, async (ctx) => {
    await sql`insert into customer (tenant_id, id, number, legal_name, updated_at)
      values (${ctx.tenantId}, ${customerId}, 'BIG-1', 'Groothandel Groot B.V.', now())`.execute(
      ctx.db,
    )
    const rows = Array.from({ length: count }, (_, i) => ({
      id: invoiceUuid(i + 1),
      customer_id: customerId,
      currency: 'EUR',
      number: `BIG-${String(i + 1).padStart(6, '0')}`,
      issue_date: addDays('2025-01-01', Math.floor(i / 400)),
      due_date: addDays('2025-01-31', Math.floor(i / 400)),
      payment_reference: `BIG-${i + 1}`,
      payment_terms: { net_days: 30 },
      amount_minor: '10000',
    }))
    await inChunks(rows, (part) => insertOpenInvoices(ctx, part))
    await sql`analyze`.execute(ctx.db)
  })
  const timings: Record<string, number> = {}
  const time = async <T>(name: string, work: (ctx: Ctx) => Promise<T>): Promise<T> => {
    const started = performance.now()
    const result = await inTenant(platform.store, scope, work, platform.clock)
    timings[name] = (performance.now() - started) / 1000
    return result
  }
  const listed = await time('listSeconds', (ctx) => loadOpenItems(ctx, [customerId]))
  if (listed.length !== count) throw new Error(`listed ${listed.length} of ${count}`)
  // Oldest first, as a payment settles them.
  listed.sort((a, b) =>
    a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.number < b.number ? -1 : 1,
  )
  let offset = 0
  for (const size of [1, 1_000, count - 1_001]) {
    const items = listed.slice(offset, offset + size)
    offset += size
    const total = items.reduce((sum, i) => sum + i.openMinor, 0n)
    const reference = `BIG-PAY-${size}`
    const entry: BankEntry = {
      bookingDate: '2026-03-20',
      valueDate: '2026-03-20',
      amount: `${total / 100n}.${String(total % 100n).padStart(2, '0')}`,
      currency: 'EUR',
      sign: 'C',
      reversal: false,
      bankReference: reference,
      customerReference: null,
      endToEndId: null,
      mandateId: null,
      counterparty: { name: 'Onbekend', iban: null, bic: null },
      remittance: { unstructured: 'betaling', structuredReference: null },
      bankTransactionCode: 'PMNT/RCDT/ESCT',
      returnReason: null,
      details: [],
    }
    await inTenant(platform.store, scope, (ctx) =>
      importAndApplyStatements(ctx, stream(statementOf([entry])), { fileName: `${reference}.xml` }),
    )
    const entryId = await inTenant(platform.store, scope, async (ctx) => {
      const row = await ctx.db
        .selectFrom('bankEntry')
        .select('id')
        .where('bankReference', '=', reference)
        .executeTakeFirstOrThrow()
      return row.id
    })
    const steps: Record<string, number> = {}
    await time(`allocate${size}Seconds`, async (ctx) => {
      const started = performance.now()
      const open = await loadOpenItems(ctx, [customerId])
      steps.list = performance.now() - started
      const wanted = new Set(items.map((i) => i.invoiceId))
      return applyCandidate(
        ctx,
        entryId,
        {
          customerId,
          allocations: open
            .filter((i) => wanted.has(i.invoiceId))
            .map((i) => ({ invoiceId: i.invoiceId, amountMinor: i.openMinor })),
        },
        { timings: steps },
      )
    })
    process.stderr.write(
      `  allocate ${size}: steps (ms) ${JSON.stringify(Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, Math.round(v)])))}\n`,
    )
  }
  return { oneCustomerInvoices: count, ...timings }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`)
  process.exit(1)
})
