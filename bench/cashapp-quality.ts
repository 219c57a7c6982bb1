import { buildMatchBook } from '../src/modules/cashapp/matching/book.js'
import { matchTransaction } from '../src/modules/cashapp/matching/match.js'
import type { Candidate, MatchOutcome, RateLookup } from '../src/modules/cashapp/matching/model.js'
import {
  type GeneratorSize,
  generateStatements,
  type Statements,
  type Truth,
} from './cashapp-statements.js'
import type { Benchmark, Figure } from './harness.js'

// Cash-application quality and speed: a seeded tenant and statements with ground truth
// (bench/cashapp-statements.ts), matched by the pure engine, scored per case and overall:
// - auto rate: of the payments that have invoices to go to, the share applied automatically;
// - precision: of the automatic matches, the share with the right customer, invoices and
//   amounts (a trap applied automatically is wrong whatever it applied);
// - top-1: of the payments with invoices that were only suggested, the share whose first
//   suggestion is the right answer.
// Then the volume: 50,000 transactions against 200,000 open invoices, book build and match
// time. Matching needs no store, so it runs once (on PGlite) like the e-invoice bench.

const qualitySize: GeneratorSize = {
  customers: Number(process.env.BENCH_CASHAPP_CUSTOMERS ?? 3_000),
  invoicesPerCustomer: 8,
  transactions: Number(process.env.BENCH_CASHAPP_TRANSACTIONS ?? 6_000),
}
const volumeSize: GeneratorSize = {
  customers: Number(process.env.BENCH_CASHAPP_VOLUME_CUSTOMERS ?? 20_000),
  invoicesPerCustomer: 10,
  transactions: Number(process.env.BENCH_CASHAPP_VOLUME_TRANSACTIONS ?? 50_000),
}

export type CaseScore = {
  case: string
  transactions: number
  withInvoices: number
  /** With invoices and not a trap: an automatic answer exists. */
  allowed: number
  autoAllowed: number
  auto: number
  autoWithInvoices: number
  autoCorrect: number
  suggestedWithInvoices: number
  suggestedTop1: number
}

/** Right customer, the right invoices, and (where the truth names them) the right amounts. */
export function isRight(candidate: Candidate | undefined, truth: Truth): boolean {
  if (!candidate || !truth.hasInvoices || candidate.customerId !== truth.customerId) return false
  if (candidate.allocations.length !== truth.allocations.length) return false
  const given = new Map(candidate.allocations.map((a) => [a.invoiceId, a.amountMinor]))
  return truth.allocations.every(
    (t) =>
      given.has(t.invoiceId) &&
      (t.amountMinor === null || given.get(t.invoiceId) === t.amountMinor),
  )
}

export function score(results: { truth: Truth; outcome: MatchOutcome }[]): CaseScore[] {
  const byCase = new Map<string, CaseScore>()
  const blank = (name: string): CaseScore => ({
    case: name,
    transactions: 0,
    withInvoices: 0,
    allowed: 0,
    autoAllowed: 0,
    auto: 0,
    autoWithInvoices: 0,
    autoCorrect: 0,
    suggestedWithInvoices: 0,
    suggestedTop1: 0,
  })
  const all = blank('all')
  for (const { truth, outcome } of results) {
    const row = byCase.get(truth.case) ?? blank(truth.case)
    byCase.set(truth.case, row)
    for (const s of [row, all]) {
      s.transactions++
      if (truth.hasInvoices) s.withInvoices++
      if (truth.hasInvoices && truth.autoAllowed) s.allowed++
      if (truth.hasInvoices && truth.autoAllowed && outcome.status === 'auto') s.autoAllowed++
      const right = truth.autoAllowed && isRight(outcome.candidates[0], truth)
      if (outcome.status === 'auto') {
        s.auto++
        if (truth.hasInvoices) s.autoWithInvoices++
        if (right) s.autoCorrect++
      } else if (truth.hasInvoices) {
        s.suggestedWithInvoices++
        if (isRight(outcome.candidates[0], truth)) s.suggestedTop1++
      }
    }
  }
  return [...byCase.values(), all]
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '—' : `${((100 * part) / whole).toFixed(1)}%`
}

export function caseTable(scores: CaseScore[]): string {
  const header = [
    'CASE',
    'N',
    'WITH INV',
    'AUTO',
    'AUTO RATE',
    'AUTO, NO TRAPS',
    'PRECISION',
    'WRONG AUTO',
    'TOP-1 SUGG',
  ]
  const rows = scores.map((s) => [
    s.case,
    String(s.transactions),
    String(s.withInvoices),
    String(s.auto),
    percent(s.autoWithInvoices, s.withInvoices),
    percent(s.autoAllowed, s.allowed),
    percent(s.autoCorrect, s.auto),
    String(s.auto - s.autoCorrect),
    `${percent(s.suggestedTop1, s.suggestedWithInvoices)} of ${s.suggestedWithInvoices}`,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  return [header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  '),
    )
    .join('\n')
}

function rateFor(statements: Statements): RateLookup {
  return (from, to) =>
    from === 'EUR' && to === 'USD' ? { units: statements.usdPerEurUnits, scale: 5 } : undefined
}

export function runMatching(statements: Statements) {
  const started = process.hrtime.bigint()
  const book = buildMatchBook(statements)
  const built = process.hrtime.bigint()
  const rate = rateFor(statements)
  const results = statements.transactions.map(({ entry, truth }) => ({
    truth,
    outcome: matchTransaction(book, entry, { rate }),
  }))
  const matched = process.hrtime.bigint()
  return {
    results,
    buildSeconds: Number(built - started) / 1e9,
    matchSeconds: Number(matched - built) / 1e9,
  }
}

function scoreFigures(label: string, scores: CaseScore[]): Figure[] {
  const figures: Figure[] = []
  for (const s of scores) {
    const name = s.case === 'all' ? `${label}: all cases` : `${label}: ${s.case}`
    if (s.case === 'all' && s.allowed > 0) {
      figures.push({
        measure: `${name}, auto-applied of ${s.allowed} with invoices, traps left out`,
        value: (100 * s.autoAllowed) / s.allowed,
        unit: '%',
      })
    }
    if (s.withInvoices > 0) {
      figures.push({
        measure: `${name}, auto-applied of ${s.withInvoices} with invoices`,
        value: (100 * s.autoWithInvoices) / s.withInvoices,
        unit: '%',
      })
    }
    figures.push({
      measure: `${name}, wrong automatic matches of ${s.auto}`,
      value: s.auto - s.autoCorrect,
      unit: 'transactions',
    })
    if (s.suggestedWithInvoices > 0) {
      figures.push({
        measure: `${name}, top-1 right of ${s.suggestedWithInvoices} suggested`,
        value: (100 * s.suggestedTop1) / s.suggestedWithInvoices,
        unit: '%',
      })
    }
  }
  return figures
}

export const cashappQuality: Benchmark = {
  name: 'cash application matching',
  async run(store) {
    if (store.kind !== 'pglite') return []
    const quality = generateStatements(20_261_125, qualitySize)
    const q = runMatching(quality)
    const qualityScores = score(q.results)
    process.stderr.write(
      `\ncash application quality: ${quality.customers.length} customers, ${quality.openItems.length} open invoices, ${quality.transactions.length} transactions\n${caseTable(qualityScores)}\n`,
    )
    const volume = generateStatements(7, volumeSize)
    const v = runMatching(volume)
    const volumeScores = score(v.results)
    process.stderr.write(
      `\ncash application volume: ${volume.customers.length} customers, ${volume.openItems.length} open invoices, ${volume.transactions.length} transactions\n${caseTable(volumeScores)}\n`,
    )
    const all = volumeScores[volumeScores.length - 1]!
    return [
      ...scoreFigures('quality', qualityScores),
      {
        measure: 'quality: time per transaction',
        value: (q.matchSeconds * 1e6) / quality.transactions.length,
        unit: 'µs',
      },
      {
        measure: `volume: book of ${volume.openItems.length} open invoices built`,
        value: v.buildSeconds * 1000,
        unit: 'ms',
      },
      {
        measure: `volume: ${volume.transactions.length} transactions matched`,
        value: v.matchSeconds,
        unit: 's',
      },
      {
        measure: 'volume: time per transaction',
        value: (v.matchSeconds * 1e6) / volume.transactions.length,
        unit: 'µs',
      },
      {
        measure: 'volume: auto-applied of those with invoices',
        value: (100 * all.autoWithInvoices) / all.withInvoices,
        unit: '%',
      },
      {
        measure: 'volume: auto-applied of those with invoices, traps left out',
        value: (100 * all.autoAllowed) / all.allowed,
        unit: '%',
      },
      {
        measure: `volume: wrong automatic matches of ${all.auto}`,
        value: all.auto - all.autoCorrect,
        unit: 'transactions',
      },
    ]
  },
}
