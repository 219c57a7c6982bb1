import { readFileSync } from 'node:fs'
import { parse } from 'csv-parse/sync'
import { addDays, type CalendarDate, isCalendarDate } from '../../../core/dates.js'
import { type Decimal, formatAmount, parseAmount, parseDecimal } from '../../../core/money.js'

// The law's figures are data, not code: the WIK scale and the statutory interest rates sit in
// ./data/*.csv, copied from ../shared/reference/ (compiled 2026-11-24, sources S1–S20 there).
// A new half-year rate is a new CSV row. Each file is read once, on first use, and checked
// whole: a malformed file stops o2c with the file and line at fault, because a wrong rate
// or bracket would put wrong amounts in letters and in the ledger.

/** One bracket of the WIK scale, in euro cents: cost = fixed + percent × (principal − from). */
export type WikBracket = {
  readonly fromMinor: bigint
  /** Exclusive upper end; undefined for the last bracket, which holds the maximum. */
  readonly toMinor: bigint | undefined
  readonly percent: Decimal
  readonly fixedMinor: bigint
}

/** Interest under art. 6:119 BW (non-commercial, consumers) or 6:119a BW (commercial). */
export type StatutoryRateKind = 'consumer_6_119' | 'commercial_6_119a'

/** The rate of one kind for the days from periodStart through periodEnd (both inclusive). */
export type StatutoryRate = {
  readonly kind: StatutoryRateKind
  readonly periodStart: CalendarDate
  readonly periodEnd: CalendarDate
  readonly ratePercent: Decimal
  readonly source: string
}

export class LawDataError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file} line ${line}: ${message}`)
    this.name = 'LawDataError'
  }
}

const wikHeader = ['from_eur', 'to_eur', 'percent', 'fixed_eur']
const rateHeader = ['period_start', 'period_end', 'kind', 'rate_percent', 'source']
const rateKinds: readonly StatutoryRateKind[] = ['consumer_6_119', 'commercial_6_119a']

/** Percentages of the law have at most four decimals (the scale has 0.5, rates 12.25). */
const percentScaleMax = 4

type Row = { line: number; cells: string[] }

function readRows(text: string, file: string, header: string[]): Row[] {
  let records: { record: string[]; info: { lines: number } }[]
  try {
    records = parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as typeof records
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1
    throw new LawDataError(file, line, `not valid CSV: ${(error as Error).message}`)
  }
  const [first, ...rest] = records
  if (!first || first.record.join(',') !== header.join(',')) {
    throw new LawDataError(file, first?.info.lines ?? 1, `the header must be ${header.join(',')}`)
  }
  if (rest.length === 0) throw new LawDataError(file, first.info.lines, 'the file has no rows')
  return rest.map(({ record, info }) => ({ line: info.lines, cells: record }))
}

function euros(text: string, file: string, line: number, column: string): bigint {
  const minor = parseAmount(text, 'EUR')
  if (minor === undefined || minor < 0n) {
    throw new LawDataError(file, line, `${column} '${text}' is not an amount in euros`)
  }
  return minor
}

function percent(text: string, file: string, line: number, column: string): Decimal {
  const value = parseDecimal(text, percentScaleMax)
  if (!value || value.units < 0n || value.units > 100n * 10n ** BigInt(value.scale)) {
    throw new LawDataError(file, line, `${column} '${text}' is not a percentage from 0 to 100`)
  }
  return value
}

/**
 * Parses and checks the WIK scale: brackets in order from €0, each starting where the previous
 * ended, each fixed amount exactly the cumulative cost at its start (so the scale has no jump),
 * and a last, open-ended row at 0% whose fixed amount is the maximum.
 */
export function parseWikScale(text: string, file = 'wik-scale.csv'): WikBracket[] {
  const brackets: WikBracket[] = []
  let lastLine = 1
  for (const { line, cells } of readRows(text, file, wikHeader)) {
    lastLine = line
    if (cells.length !== wikHeader.length) {
      throw new LawDataError(
        file,
        line,
        `expected ${wikHeader.length} columns, found ${cells.length}`,
      )
    }
    const [fromText, toText, percentText, fixedText] = cells
    const bracket: WikBracket = {
      fromMinor: euros(fromText, file, line, 'from_eur'),
      toMinor: toText === '' ? undefined : euros(toText, file, line, 'to_eur'),
      percent: percent(percentText, file, line, 'percent'),
      fixedMinor: euros(fixedText, file, line, 'fixed_eur'),
    }
    const previous = brackets.at(-1)
    if (!previous) {
      if (bracket.fromMinor !== 0n || bracket.fixedMinor !== 0n) {
        throw new LawDataError(file, line, 'the first bracket must start at 0 with fixed_eur 0')
      }
    } else {
      if (previous.toMinor === undefined) {
        throw new LawDataError(file, line, 'a bracket follows the open-ended last bracket')
      }
      if (bracket.fromMinor !== previous.toMinor) {
        throw new LawDataError(file, line, `from_eur must be ${euroText(previous.toMinor)}`)
      }
      const spanMinor = previous.toMinor - previous.fromMinor
      const scaled = spanMinor * previous.percent.units
      const divisor = 100n * 10n ** BigInt(previous.percent.scale)
      const expected = previous.fixedMinor + scaled / divisor
      if (scaled % divisor !== 0n || bracket.fixedMinor !== expected) {
        throw new LawDataError(
          file,
          line,
          `fixed_eur must continue the previous bracket: ${euroText(expected)}`,
        )
      }
    }
    if (bracket.toMinor !== undefined && bracket.toMinor <= bracket.fromMinor) {
      throw new LawDataError(file, line, 'to_eur must be above from_eur')
    }
    brackets.push(bracket)
  }
  const last = brackets[brackets.length - 1]
  if (last.toMinor !== undefined || last.percent.units !== 0n) {
    throw new LawDataError(file, lastLine, 'the last row must be open-ended at 0%')
  }
  return brackets
}

/**
 * Parses and checks the statutory rate table: for each kind, half-years (or any periods) in
 * date order with no gap and no overlap. Dates outside the table have no rate: asking for one
 * is refused rather than guessed (see statutoryRateOn).
 */
export function parseStatutoryRates(
  text: string,
  file = 'nl-statutory-interest.csv',
): StatutoryRate[] {
  const rates: StatutoryRate[] = []
  const lastOfKind = new Map<StatutoryRateKind, StatutoryRate>()
  for (const { line, cells } of readRows(text, file, rateHeader)) {
    if (cells.length !== rateHeader.length) {
      throw new LawDataError(
        file,
        line,
        `expected ${rateHeader.length} columns, found ${cells.length}`,
      )
    }
    const [periodStart, periodEnd, kindText, rateText, source] = cells
    for (const [column, value] of [
      ['period_start', periodStart],
      ['period_end', periodEnd],
    ]) {
      if (!isCalendarDate(value)) {
        throw new LawDataError(file, line, `${column} '${value}' is not a date (YYYY-MM-DD)`)
      }
    }
    if (periodEnd < periodStart) {
      throw new LawDataError(file, line, 'period_end is before period_start')
    }
    const kind = rateKinds.find((k) => k === kindText)
    if (!kind) {
      throw new LawDataError(file, line, `kind '${kindText}' is not one of ${rateKinds.join(', ')}`)
    }
    const previous = lastOfKind.get(kind)
    if (previous && periodStart !== addDays(previous.periodEnd, 1)) {
      throw new LawDataError(
        file,
        line,
        `${kind} must continue on ${addDays(previous.periodEnd, 1)}, the day after the previous period`,
      )
    }
    const rate: StatutoryRate = {
      kind,
      periodStart,
      periodEnd,
      ratePercent: percent(rateText, file, line, 'rate_percent'),
      source,
    }
    lastOfKind.set(kind, rate)
    rates.push(rate)
  }
  return rates
}

function euroText(minor: bigint): string {
  return formatAmount(minor, 'EUR')
}

function readDataFile(name: string): string {
  return readFileSync(new URL(`./data/${name}`, import.meta.url), 'utf8')
}

let wikScaleLoaded: WikBracket[] | undefined
let statutoryRatesLoaded: StatutoryRate[] | undefined

/** The WIK scale of data/wik-scale.csv, read and checked on first use. */
export function wikScale(): readonly WikBracket[] {
  wikScaleLoaded ??= parseWikScale(readDataFile('wik-scale.csv'), 'data/wik-scale.csv')
  return wikScaleLoaded
}

/** The rates of data/nl-statutory-interest.csv, read and checked on first use. */
export function statutoryRates(): readonly StatutoryRate[] {
  statutoryRatesLoaded ??= parseStatutoryRates(
    readDataFile('nl-statutory-interest.csv'),
    'data/nl-statutory-interest.csv',
  )
  return statutoryRatesLoaded
}
