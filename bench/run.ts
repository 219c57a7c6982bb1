import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { bankImport } from './bank-import.js'
import { billingRun } from './billing-run.js'
import { cashApply } from './cash-apply.js'
import { cashWorklist } from './cash-worklist.js'
import { cashappQuality } from './cashapp-quality.js'
import { collectionsReview } from './collections-review.js'
import { collectionsWorklist } from './collections-worklist.js'
import { customersImport } from './customers-import.js'
import { dunningLetters } from './dunning-letters.js'
import { dunningRun } from './dunning-run.js'
import { einvoiceRender } from './einvoice-render.js'
import type { Benchmark, BenchStore, Figure } from './harness.js'
import { invoicePdf } from './invoice-pdf.js'
import { invoicesIssue } from './invoices-issue.js'
import { openItemsImport } from './open-items-import.js'
import { ordersConfirm } from './orders-confirm.js'
import { remittance } from './remittance.js'

// `npm run bench`: every benchmark on PGlite (a fresh data folder) and on PostgreSQL (a fresh
// database on BENCH_POSTGRES_URL, default 127.0.0.1:5432 as postgres, dropped afterwards),
// then one table of figures. `npm run bench -- customers` runs the benchmarks whose name
// contains "customers"; BENCH_STORES=postgres runs on one store. A new benchmark is a file exporting a Benchmark, added here:
const benchmarks: Benchmark[] = [
  customersImport,
  ordersConfirm,
  einvoiceRender,
  invoicePdf,
  invoicesIssue,
  billingRun,
  openItemsImport,
  bankImport,
  cashappQuality,
  remittance,
  cashApply,
  cashWorklist,
  collectionsWorklist,
  collectionsReview,
  dunningRun,
  dunningLetters,
]

// BENCH_STORES=postgres (or pglite) runs on that store only.
const stores = (['pglite', 'postgres'] as const).filter(
  (kind) => !process.env.BENCH_STORES || process.env.BENCH_STORES.split(',').includes(kind),
)

const postgresUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

type Row = { benchmark: string; store: string; figure: Figure }

async function main() {
  const wanted = process.argv.slice(2)
  const chosen = benchmarks.filter(
    (b) => wanted.length === 0 || wanted.some((w) => b.name.includes(w)),
  )
  const postgres = await postgresReachable()
  console.log(machine())
  if (!postgres.ok) {
    console.log(
      `PostgreSQL skipped: ${postgresUrl.replace(/:[^:@/]*@/, ':***@')} ` +
        `is not reachable (${postgres.reason})`,
    )
  }
  const rows: Row[] = []
  for (const benchmark of chosen) {
    for (const kind of stores) {
      if (kind === 'postgres' && !postgres.ok) continue
      process.stderr.write(`running ${benchmark.name} on ${kind}…\n`)
      const figures = await withFreshStore(kind, (store) => benchmark.run(store))
      for (const figure of figures) {
        rows.push({ benchmark: benchmark.name, store: kind, figure })
        // Each figure as it comes, so a long run that is stopped keeps what it measured.
        process.stderr.write(`  ${figure.measure}: ${figure.value} ${figure.unit}\n`)
      }
    }
  }
  printTable(rows)
}

async function withFreshStore<T>(
  kind: 'pglite' | 'postgres',
  work: (store: BenchStore) => Promise<T>,
): Promise<T> {
  const workDir = mkdtempSync(join(tmpdir(), 'o2c-bench-'))
  try {
    if (kind === 'pglite') {
      const dataDir = join(workDir, 'data')
      return await work({ kind, options: { dataDir }, env: { O2C_DATA_DIR: dataDir }, workDir })
    }
    const name = `o2c_bench_${process.pid}_${Date.now()}`
    const admin = new pg.Client({ connectionString: postgresUrl })
    await admin.connect()
    await admin.query(`create database ${name}`)
    const url = new URL(postgresUrl)
    url.pathname = `/${name}`
    try {
      const databaseUrl = url.toString()
      return await work({
        kind,
        options: { databaseUrl },
        env: { DATABASE_URL: databaseUrl },
        workDir,
      })
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`)
      await admin.end()
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true })
  }
}

async function postgresReachable(): Promise<{ ok: boolean; reason?: string }> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3_000 })
  try {
    await client.connect()
    await client.query('select 1')
    return { ok: true }
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) }
  } finally {
    await client.end().catch(() => {})
  }
}

function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU'
  // The load average says whether other work shared the machine while we measured.
  return (
    `Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GB memory, ` +
    `Node ${process.version}, ${process.platform}, load average ${loadavg()[0].toFixed(1)}`
  )
}

function printTable(rows: Row[]) {
  const cells = rows.map((r) => [
    r.benchmark,
    r.store,
    r.figure.measure,
    r.figure.value.toLocaleString('en-US', { maximumFractionDigits: r.figure.value < 100 ? 1 : 0 }),
    r.figure.unit,
  ])
  const header = ['BENCHMARK', 'STORE', 'MEASURE', 'VALUE', 'UNIT']
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)))
  const line = (c: string[]) =>
    c
      .map((cell, i) => (i === 3 ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  console.log(['', line(header), ...cells.map(line)].join('\n'))
}

await main()
