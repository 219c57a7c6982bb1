import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { migrate } from '../src/db/migrate.js'
import { openStore } from '../src/db/store.js'
import type { Benchmark, BenchStore, Figure } from './harness.js'

// `npm run bench -- cash-apply`: issue 6's speed goal end to end. 50,000 bank transactions
// (BENCH_CASH_APPLY_TRANSACTIONS) against the generator's ~200,000 open invoices of 20,000
// customers (bench/cashapp-statements.ts, seed 7, with ground truth): one bank file imported,
// matched and applied in one transaction, as `o2c bank import` does, and every automatic
// application checked against the truth. Then one customer with 100,000 open invoices
// (BENCH_CASH_APPLY_INVOICES): its open items listed, and a payment allocated to the oldest
// 1, 1,000 and all the rest. The work runs in a process of its own (bench/cash-apply-worker.ts).

const transactions = Number(process.env.BENCH_CASH_APPLY_TRANSACTIONS ?? 50_000)
const customers = Number(process.env.BENCH_CASH_APPLY_CUSTOMERS ?? 20_000)
const invoices = Number(process.env.BENCH_CASH_APPLY_INVOICES ?? 100_000)
const run = promisify(execFile)

type WorkerResult = {
  customers: number
  openInvoices: number
  entries: number
  setupSeconds: number
  seconds: number
  matching: {
    transactions: number
    applied: number
    suggested: number
    unmatched: number
    reversed: number
  }
  autoChecked: number
  wrongAuto: number
  wrongCases: Record<string, number>
  stepsMs: Record<string, number>
  oneCustomerInvoices: number
  listSeconds: number
  [allocate: `allocate${number}Seconds`]: number
  peakRssMb: number
}

export const cashApply: Benchmark = {
  name: 'cash-apply',
  async run(store: BenchStore) {
    const setup = await openStore(store.options)
    try {
      await migrate(setup)
    } finally {
      await setup.close()
    }
    const job = JSON.stringify({ options: store.options, transactions, customers, invoices })
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'cash-apply-worker.ts'), job],
      { maxBuffer: 64 * 2 ** 20 },
    )
    if (stderr.trim()) process.stderr.write(stderr)
    const r = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as WorkerResult
    process.stderr.write(`  cash-apply result: ${JSON.stringify(r)}\n`)
    const rest = r.oneCustomerInvoices - 1_001
    const volume = (): Figure[] => [
      {
        measure: `${r.entries} transactions × ${r.openInvoices} open invoices imported, matched and applied`,
        value: r.seconds,
        unit: 's',
      },
      { measure: 'applied automatically', value: r.matching.applied, unit: 'transactions' },
      { measure: 'suggested', value: r.matching.suggested, unit: 'transactions' },
      { measure: 'unmatched', value: r.matching.unmatched, unit: 'transactions' },
      { measure: 'returns that undid a credit', value: r.matching.reversed, unit: 'transactions' },
      {
        measure: `automatic applications wrong against the ground truth, of ${r.autoChecked}`,
        value: r.wrongAuto,
        unit: 'transactions',
      },
      { measure: 'tenant written (not timed above)', value: r.setupSeconds, unit: 's' },
    ]
    const figures: Figure[] = [
      // BENCH_CASH_APPLY_TRANSACTIONS=0 runs the one-customer case only.
      ...(transactions > 0 ? volume() : []),
      {
        measure: `one customer's ${r.oneCustomerInvoices} open items listed`,
        value: r.listSeconds * 1000,
        unit: 'ms',
      },
      {
        measure: 'listed and a payment allocated to the oldest 1',
        value: r.allocate1Seconds * 1000,
        unit: 'ms',
      },
      {
        measure: 'listed and a payment allocated to the next 1,000',
        value: r.allocate1000Seconds * 1000,
        unit: 'ms',
      },
      {
        measure: `listed and a payment allocated to the remaining ${rest}`,
        value: (r[`allocate${rest}Seconds`] ?? Number.NaN) * 1000,
        unit: 'ms',
      },
      { measure: 'peak memory of the worker', value: r.peakRssMb, unit: 'MB RSS' },
    ]
    if (r.stepsMs) {
      process.stderr.write(
        `  cash-apply steps (ms, matching overlaps writing): ${JSON.stringify(r.stepsMs)}\n`,
      )
    }
    if (r.wrongAuto > 0) {
      process.stderr.write(
        `  WRONG automatic applications by case: ${JSON.stringify(r.wrongCases)}\n`,
      )
    }
    return figures
  },
}
