import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { sql } from 'kysely'
import pino from 'pino'
import { tenantScope } from '../src/cli/tenant-scope.js'
import { makeDutchPaymentReference } from '../src/core/payment-reference.js'
import { inTenant, systemClock } from '../src/db/context.js'
import { migrate } from '../src/db/migrate.js'
import { openStore } from '../src/db/store.js'
import { createTenant } from '../src/modules/auth/index.js'
import type { Benchmark, BenchStore, Figure } from './harness.js'

// Open items imported per second from a 200,000-row CSV (BENCH_OPEN_ITEMS to change it),
// for 20,000 customers (ten items each, in three currencies, a third partly paid, half
// with a payment reference). The customers are written set-based first (one INSERT …
// SELECT from generate_series); the import runs in a process of its own through
// importOpenItems, as `o2c invoices import-open-items` does, with invoices, prior
// settlements, journal entries, audit and outbox events, in one transaction.

const rows = Number(process.env.BENCH_OPEN_ITEMS ?? 200_000)
const customers = Math.max(1, Math.round(rows / 10))
const run = promisify(execFile)

type WorkerResult = {
  rows: number
  imported: number
  journalEntries: number
  seconds: number
  peakRssMb: number
}

async function writeOpenItemsCsv(file: string): Promise<void> {
  const out = createWriteStream(file)
  out.write(
    'invoice_number,customer_number,issue_date,due_date,currency,amount,open_amount,payment_reference\n',
  )
  for (let i = 0; i < rows; i++) {
    const customer = `B-${(i % customers) + 1}`
    const currency = i % 10 === 0 ? 'USD' : i % 25 === 0 ? 'JPY' : 'EUR'
    const cents = 1_000 + ((i * 7919) % 500_000)
    const amount =
      currency === 'JPY'
        ? String(cents)
        : `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`
    const openCents = i % 3 === 0 ? Math.max(1, Math.floor(cents / 2)) : cents
    const open =
      currency === 'JPY'
        ? String(openCents)
        : `${Math.floor(openCents / 100)}.${String(openCents % 100).padStart(2, '0')}`
    const day = String((i % 28) + 1).padStart(2, '0')
    const reference = i % 2 === 0 ? makeDutchPaymentReference(String(900_000_000 + i)) : ''
    const line = `OLD-${i + 1},${customer},2025-11-${day},2025-12-${day},${currency},${amount},${open},${reference}\n`
    if (!out.write(line)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}

export const openItemsImport: Benchmark = {
  name: 'open items import',
  async run(store: BenchStore) {
    const file = join(store.workDir, 'open-items.csv')
    await writeOpenItemsCsv(file)
    const setup = await openStore(store.options)
    try {
      await migrate(setup)
      await createTenant(setup, { slug: 'bench', name: 'Benchmark B.V.' }, 'bench')
      const platform = { store: setup, clock: systemClock, log: pino({ level: 'silent' }) }
      await inTenant(setup, await tenantScope(platform, 'bench'), (ctx) =>
        sql`insert into customer (tenant_id, id, number, legal_name, segment, language,
              preferred_channel, currency, payment_terms_days, updated_at)
            select ${ctx.tenantId}::uuid, gen_random_uuid(), 'B-' || n, 'Customer ' || n || ' B.V.',
              'small_business', 'nl', 'email', 'EUR', 30, now()
            from generate_series(1, ${customers}::int) as n`.execute(ctx.db),
      )
    } finally {
      await setup.close()
    }
    const job = JSON.stringify({ options: store.options, tenant: 'bench', file })
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'open-items-import-worker.ts'), job],
      { maxBuffer: 16 * 2 ** 20 },
    )
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as WorkerResult
    if (result.imported !== rows) throw new Error(`expected ${rows} imported, got ${stdout}`)
    const figures: Figure[] = [
      { measure: `import of ${rows} open items`, value: rows / result.seconds, unit: 'rows/s' },
      { measure: 'import time', value: result.seconds, unit: 's' },
      { measure: 'journal entries posted', value: result.journalEntries, unit: 'entries' },
      { measure: 'peak memory of the import', value: result.peakRssMb, unit: 'MB RSS' },
    ]
    return figures
  },
}
