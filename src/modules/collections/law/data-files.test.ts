import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import {
  LawDataError,
  parseStatutoryRates,
  parseWikScale,
  statutoryRates,
  wikScale,
} from './data-files.js'

// The law's figures are the files in ./data, copied from ../shared/reference/. A malformed file
// stops o2c with the file and line at fault rather than pricing a letter wrongly.

const wikHeader = 'from_eur,to_eur,percent,fixed_eur'
const rateHeader = 'period_start,period_end,kind,rate_percent,source'

function failure(parse: () => unknown): LawDataError {
  try {
    parse()
  } catch (error) {
    if (error instanceof LawDataError) return error
    throw error
  }
  throw new Error('expected a LawDataError')
}

describe('the data files in the repository', () => {
  test('are the reference files, unchanged', () => {
    for (const name of ['wik-scale.csv', 'nl-statutory-interest.csv']) {
      const ours = readFileSync(new URL(`./data/${name}`, import.meta.url), 'utf8')
      const reference = new URL(`../../../../../shared/reference/${name}`, import.meta.url)
      let theirs: string
      try {
        theirs = readFileSync(reference, 'utf8')
      } catch {
        continue // a clone without ../shared: nothing to compare with
      }
      expect(ours, name).toBe(theirs)
    }
  })

  test('the WIK scale reads as six brackets ending at the €6,775 maximum', () => {
    const scale = wikScale()
    expect(scale).toHaveLength(6)
    expect(scale[0]).toMatchObject({ fromMinor: 0n, toMinor: 250_000n, fixedMinor: 0n })
    expect(scale[4].percent).toEqual({ units: 5n, scale: 1 })
    expect(scale[5]).toMatchObject({
      fromMinor: 100_000_000n,
      toMinor: undefined,
      fixedMinor: 677_500n,
    })
  })

  test('the rate table covers 2015 to mid-2026 for both kinds', () => {
    const rates = statutoryRates()
    for (const kind of ['consumer_6_119', 'commercial_6_119a']) {
      const ofKind = rates.filter((r) => r.kind === kind)
      expect(ofKind[0].periodStart).toBe('2015-01-01')
      expect(ofKind.at(-1)?.periodEnd).toBe('2026-06-30')
    }
  })
})

describe('a malformed WIK scale is refused with its line', () => {
  test.each`
    rows                                                  | line | message
    ${['0,2500,15,0', '2600,5000,10,375', '5000,,0,625']} | ${3} | ${'from_eur must be 2500.00'}
    ${['0,2500,15,0', '2500,5000,10,370', '5000,,0,620']} | ${3} | ${'fixed_eur must continue the previous bracket: 375.00'}
    ${['0,2500,15,0', '2500,5000,ten,375']}               | ${3} | ${"percent 'ten' is not a percentage"}
    ${['0,2500,15,0', '2500,5000,10,375']}                | ${3} | ${'the last row must be open-ended at 0%'}
    ${['10,2500,15,0']}                                   | ${2} | ${'the first bracket must start at 0'}
    ${['0,2500,15']}                                      | ${2} | ${'expected 4 columns, found 3'}
    ${['0,2500,15,0', '2500,,0,375', '3000,,0,375']}      | ${4} | ${'a bracket follows the open-ended last bracket'}
  `('line $line: $message', ({ rows, line, message }) => {
    const error = failure(() => parseWikScale([wikHeader, ...rows].join('\n'), 'wik.csv'))
    expect(error.line).toBe(line)
    expect(error.message).toContain(`wik.csv line ${line}:`)
    expect(error.message).toContain(message)
  })

  test('a wrong header names the expected one', () => {
    const error = failure(() => parseWikScale('from,to,percent,fixed\n0,,0,0\n', 'wik.csv'))
    expect(error.message).toBe(
      'wik.csv line 1: the header must be from_eur,to_eur,percent,fixed_eur',
    )
  })
})

describe('a malformed rate table is refused with its line', () => {
  test.each`
    rows                                                                                              | line | message
    ${['2025-01-01,2025-06-30,consumer_6_119,6.00,S', '2025-08-01,2025-12-31,consumer_6_119,6.00,S']} | ${3} | ${'consumer_6_119 must continue on 2025-07-01'}
    ${['2025-01-01,2025-06-30,consumer_6_119,6.00,S', '2025-06-01,2025-12-31,consumer_6_119,6.00,S']} | ${3} | ${'consumer_6_119 must continue on 2025-07-01'}
    ${['2025-01-01,2025-02-30,consumer_6_119,6.00,S']}                                                | ${2} | ${"period_end '2025-02-30' is not a date"}
    ${['2025-07-01,2025-06-30,consumer_6_119,6.00,S']}                                                | ${2} | ${'period_end is before period_start'}
    ${['2025-01-01,2025-06-30,consumer,6.00,S']}                                                      | ${2} | ${"kind 'consumer' is not one of"}
    ${['2025-01-01,2025-06-30,consumer_6_119,6%,S']}                                                  | ${2} | ${"rate_percent '6%' is not a percentage"}
  `('line $line: $message', ({ rows, line, message }) => {
    const error = failure(() => parseStatutoryRates([rateHeader, ...rows].join('\n'), 'rates.csv'))
    expect(error.line).toBe(line)
    expect(error.message).toContain(`rates.csv line ${line}:`)
    expect(error.message).toContain(message)
  })

  test('kinds may interleave; each continues on its own', () => {
    const rates = parseStatutoryRates(
      [
        rateHeader,
        '2025-01-01,2025-06-30,consumer_6_119,6.00,S',
        '2025-01-01,2025-06-30,commercial_6_119a,11.15,S',
        '2025-07-01,2025-12-31,consumer_6_119,6.00,S',
      ].join('\n'),
    )
    expect(rates.map((r) => r.kind)).toEqual([
      'consumer_6_119',
      'commercial_6_119a',
      'consumer_6_119',
    ])
  })

  test('blank lines are skipped but still counted', () => {
    const error = failure(() =>
      parseStatutoryRates(
        [rateHeader, '2025-01-01,2025-06-30,consumer_6_119,6.00,S', '', 'x,y,z,1,S'].join('\n'),
        'rates.csv',
      ),
    )
    expect(error.line).toBe(4)
  })
})
