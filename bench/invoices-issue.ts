import { inTenant, type TenantScope } from '../src/db/context.js'
import { migrate } from '../src/db/migrate.js'
import { openStore, type Store } from '../src/db/store.js'
import { createTenant } from '../src/modules/auth/index.js'
import { renderUbl } from '../src/modules/einvoice/index.js'
import {
  createInvoiceDraft,
  issueInvoice,
  loadInvoiceDocument,
} from '../src/modules/invoicing/index.js'
import {
  arrangeBillingSettings,
  arrangeCustomer,
  dec,
  line,
} from '../src/modules/invoicing/test-helpers.js'
import type { Benchmark, Figure } from './harness.js'

// Invoices issued per second, in this process through the service (no HTTP): each unit is one
// transaction that drafts a three-line invoice (two VAT rates) and issues it — totals and
// the VAT breakdown, the gapless number, the payment reference, the seller and buyer
// snapshots, the journal entry, the timeline step with its webhook event and the audit
// entries — and, in the second measure, also builds the document and renders its UBL
// (Peppol BIS 3.0) in the same unit. PGlite serves one transaction at a time; PostgreSQL gets
// several concurrent connections, which all wait on the one number series of the tenant.

const invoicesToIssue = Number(process.env.BENCH_INVOICES ?? 1_000)
const customersCount = 100
const connections = { pglite: 1, postgres: 8 }

export const invoicesIssue: Benchmark = {
  name: 'invoices issue',
  async run(bench) {
    const store = await openStore({ ...bench.options, poolSize: connections[bench.kind] + 2 })
    try {
      await migrate(store)
      const scope = await prepareTenant(store)
      const customerIds = await inTenant(store, scope, async (ctx) => {
        await arrangeBillingSettings(ctx)
        const ids: string[] = []
        for (let i = 0; i < customersCount; i++) ids.push((await arrangeCustomer(ctx)).id)
        return ids
      })
      const concurrency = connections[bench.kind]
      const issue = (n: number, withUbl: boolean) =>
        inTenant(store, scope, async (ctx) => {
          const draft = await createInvoiceDraft(ctx, {
            origin: 'manual',
            customerId: customerIds[n % customerIds.length] as string,
            orderReference: `PO-${n}`,
            lines: [
              line('FLOUR-25', '4', 1895n, 'S', '9'),
              line('YEAST-1', '2.5', 340n, 'S', '9', { discountPercent: dec('5') }),
              line('DELIVERY', '1', 1250n, 'S', '21'),
            ],
          })
          const invoice = await issueInvoice(ctx, draft.id)
          if (withUbl) await renderUbl(await loadInvoiceDocument(ctx, invoice.id))
        })
      await run(issue, 50, concurrency, true) // warm up: JIT, pool, plan cache
      const figures: Figure[] = []
      for (const withUbl of [false, true]) {
        const { seconds, latencies } = await run(issue, invoicesToIssue, concurrency, withUbl)
        const what = withUbl ? 'issued with UBL' : 'issued'
        figures.push(
          {
            measure: `invoices ${what}, ${concurrency} connection${concurrency > 1 ? 's' : ''}`,
            value: invoicesToIssue / seconds,
            unit: 'invoices/s',
          },
          { measure: `${what}: latency p50`, value: percentile(latencies, 0.5), unit: 'ms' },
          { measure: `${what}: latency p95`, value: percentile(latencies, 0.95), unit: 'ms' },
        )
      }
      return figures
    } finally {
      await store.close()
    }
  },
}

async function prepareTenant(store: Store): Promise<TenantScope> {
  const tenant = await createTenant(store, { slug: 'bench', name: 'Benchmark B.V.' }, 'bench')
  return {
    tenantId: tenant.tenantId,
    timeZone: tenant.timeZone,
    actor: { type: 'system', id: null, name: 'bench' },
  }
}

let counter = 0

async function run(
  issue: (n: number, withUbl: boolean) => Promise<void>,
  count: number,
  concurrency: number,
  withUbl: boolean,
): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = []
  let started = 0
  const begin = process.hrtime.bigint()
  async function worker() {
    while (started < count) {
      started++
      const at = performance.now()
      await issue(++counter, withUbl)
      latencies.push(performance.now() - at)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const seconds = Number(process.hrtime.bigint() - begin) / 1e9
  return { seconds, latencies: latencies.sort((a, b) => a - b) }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0
}
