import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pino from 'pino'
import { tenantScope } from '../src/cli/tenant-scope.js'
import { inTenant, systemClock } from '../src/db/context.js'
import { migrate } from '../src/db/migrate.js'
import { openStore } from '../src/db/store.js'
import { createTenant } from '../src/modules/auth/index.js'
import { putCreditPolicy } from '../src/modules/credit/index.js'
import { writeCustomerCsv } from './customers-csv.js'
import type { Benchmark, BenchStore, Figure } from './harness.js'

// Customers imported per second from a 100,000-row CSV (BENCH_CUSTOMER_ROWS to change it):
// a first import that creates them all, a re-import of a revised file that updates every
// one, and the revised file once more, which changes nothing. Each import runs in a process
// of its own, through the same importCustomers as `o2c customers import`, with audit and
// outbox events; the figures are the import's own time, the store already open.

const rows = Number(process.env.BENCH_CUSTOMER_ROWS ?? 100_000)
const run = promisify(execFile)

type WorkerResult = {
  rows: number
  created: number
  updated: number
  unchanged: number
  rejectedRows: number
  seconds: number
  rssAtRestMb: number
  peakRssMb: number
}

async function importInWorker(store: BenchStore, file: string): Promise<WorkerResult> {
  const job = JSON.stringify({ options: store.options, tenant: 'bench', file })
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'customers-import-worker.ts'), job],
    { maxBuffer: 16 * 2 ** 20 },
  )
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as WorkerResult
}

export const customersImport: Benchmark = {
  name: 'customers import',
  async run(store) {
    const first = join(store.workDir, 'customers.csv')
    const revised = join(store.workDir, 'customers-revised.csv')
    const bytes = await writeCustomerCsv(first, rows, 0)
    await writeCustomerCsv(revised, rows, 1)

    const setup = await openStore(store.options)
    try {
      await migrate(setup)
      await createTenant(setup, { slug: 'bench', name: 'Benchmark B.V.' }, 'bench')
      // Four eyes above 25,000.00 EUR: the file's limits of 5,000–25,000 apply at once (a
      // decision, the profile, three audit events and credit.limit_changed each), the larger
      // ones become pending decisions, and the re-imports skip those as still pending.
      const platform = { store: setup, clock: systemClock, log: pino({ level: 'silent' }) }
      await inTenant(setup, await tenantScope(platform, 'bench'), (ctx) =>
        putCreditPolicy(ctx, 0, {
          fourEyesThresholdMinor: 2_500_000n,
          currency: 'EUR',
          overdueDaysMax: 30,
          reviewIntervalDays: 365,
        }),
      )
    } finally {
      await setup.close()
    }

    const figures: Figure[] = [{ measure: 'file', value: bytes / 2 ** 20, unit: 'MB' }]
    const passes = [
      { file: first, measure: 'first import (creates)', expect: 'created' },
      { file: revised, measure: 're-import (updates every row)', expect: 'updated' },
      { file: revised, measure: 're-import (nothing changed)', expect: 'unchanged' },
    ] as const
    let peakRssMb = 0
    let rssAtRestMb = 0
    for (const pass of passes) {
      const result = await importInWorker(store, pass.file)
      if (result[pass.expect] !== rows) {
        throw new Error(
          `${pass.measure}: expected ${rows} ${pass.expect}, got ${JSON.stringify(result)}`,
        )
      }
      figures.push({ measure: pass.measure, value: rows / result.seconds, unit: 'rows/s' })
      peakRssMb = Math.max(peakRssMb, result.peakRssMb)
      rssAtRestMb = Math.max(rssAtRestMb, result.rssAtRestMb)
    }
    figures.push({ measure: 'memory with the store open', value: rssAtRestMb, unit: 'MB RSS' })
    figures.push({ measure: 'peak memory of an import', value: peakRssMb, unit: 'MB RSS' })
    return figures
  },
}
