import { performance } from 'node:perf_hooks'
import { formatAmount } from '../src/core/money.js'
import { type Ctx, inTenant, type TenantScope } from '../src/db/context.js'
import { migrate } from '../src/db/migrate.js'
import { openStore, type Store } from '../src/db/store.js'
import { createTenant } from '../src/modules/auth/index.js'
import { importAndApplyStatements } from '../src/modules/cashapp/import-and-apply.js'
import {
  arrangeCashappCustomer,
  arrangeOpenInvoice,
  bankEntry,
  eventStream,
  statementEvents,
} from '../src/modules/cashapp/test-helpers.js'
import { acceptSuggestion, listWorklist } from '../src/modules/cashapp/worklist.js'
import type { Benchmark, BenchStore, Figure } from './harness.js'

// `npm run bench -- cash-worklist`: what a person waits for in the worklist. A tenant with
// BENCH_WORKLIST_TRANSACTIONS (default 20,000) suggested bank transactions, each with two
// candidates (pairs of customers owe the same amounts, and the payers name nobody); then a
// page of 50 read as the API reads it (transactions, candidates, applications, rejections,
// customer and invoice names): the first page, a page deep in by cursor, the suggested ones,
// one customer's; and one suggestion accepted (applied, ledger, audit, the payer taught).

const transactions = Number(process.env.BENCH_WORKLIST_TRANSACTIONS ?? 20_000)
// Customer pairs; each pair owes one amount, so a payment of it has two candidates.
const pairs = 100

export const cashWorklist: Benchmark = {
  name: 'cash-worklist',
  async run(bench: BenchStore): Promise<Figure[]> {
    const store = await openStore(bench.options)
    try {
      await migrate(store)
      return await measure(store)
    } finally {
      await store.close()
    }
  },
}

async function measure(store: Store): Promise<Figure[]> {
  const tenant = await createTenant(store, { slug: 'worklist' }, 'bench')
  const scope: TenantScope = {
    tenantId: tenant.tenantId,
    timeZone: tenant.timeZone,
    actor: { type: 'system', id: null, name: 'bench' },
  }
  const run = <T>(work: (ctx: Ctx) => Promise<T>) => inTenant(store, scope, work)
  const customerIds: string[] = []
  const started = performance.now()
  for (let p = 0; p < pairs; p++) {
    await run(async (ctx) => {
      for (const side of ['Bakkerij', 'Drukkerij']) {
        const customer = await arrangeCashappCustomer(ctx, { legalName: `${side} ${p} B.V.` })
        await arrangeOpenInvoice(ctx, customer.id, BigInt(100_00 + p * 100))
        customerIds.push(customer.id)
      }
    })
  }
  // The invoices' gross: net at 21% VAT (exact: the nets are whole euros).
  const amounts = Array.from({ length: pairs }, (_, p) =>
    formatAmount(((100_00n + BigInt(p) * 100n) * 121n) / 100n, 'EUR'),
  )
  const imported = await run((ctx) =>
    importAndApplyStatements(
      ctx,
      eventStream(
        statementEvents({
          entries: Array.from({ length: transactions }, (_, n) =>
            bankEntry({
              amount: amounts[n % pairs],
              bankReference: `WL-${n}`,
              counterparty: { name: `Payer ${n}`, iban: null, bic: null },
              remittance: { unstructured: 'betaling', structuredReference: null },
            }),
          ),
        }),
      ),
      { fileName: 'worklist.xml' },
    ),
  )
  const setupSeconds = (performance.now() - started) / 1000

  const time = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
    const at = performance.now()
    const result = await work()
    return [result, performance.now() - at]
  }
  const [first, firstMs] = await time(() => run((ctx) => listWorklist(ctx, { limit: 50 })))
  let cursor = first.nextCursor
  for (let page = 0; page < 100 && cursor; page++) {
    cursor = (await run((ctx) => listWorklist(ctx, { limit: 50, cursor: cursor ?? undefined })))
      .nextCursor
  }
  const [, deepMs] = await time(() =>
    run((ctx) => listWorklist(ctx, { limit: 50, cursor: cursor ?? undefined })),
  )
  const [, suggestedMs] = await time(() =>
    run((ctx) => listWorklist(ctx, { limit: 50, status: ['suggested'] })),
  )
  const [, customerMs] = await time(() =>
    run((ctx) => listWorklist(ctx, { limit: 50, customerId: customerIds[7] })),
  )
  const waiting = first.data.find((t) => t.status === 'suggested')
  const [, acceptMs] = await time(() =>
    run((ctx) => acceptSuggestion(ctx, waiting?.id as string, { rank: 1 })),
  )
  const candidates = first.data.reduce((sum, t) => sum + t.candidates.length, 0)
  return [
    {
      measure: `suggested of ${transactions} imported (the worklist's size)`,
      value: imported.matching.suggested,
      unit: 'transactions',
    },
    { measure: 'candidates on the first page of 50', value: candidates, unit: 'candidates' },
    { measure: 'first page of 50 read', value: firstMs, unit: 'ms' },
    { measure: 'a page of 50 read 5,000 rows in (by cursor)', value: deepMs, unit: 'ms' },
    { measure: 'a page of 50 suggested read', value: suggestedMs, unit: 'ms' },
    { measure: "a page of one customer's read", value: customerMs, unit: 'ms' },
    { measure: 'one suggestion accepted (applied, taught)', value: acceptMs, unit: 'ms' },
    { measure: 'tenant written (not timed above)', value: setupSeconds, unit: 's' },
  ]
}
