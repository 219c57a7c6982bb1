import { describe, expect, test } from 'vitest'
import { formatDate, formatMinor, formatMoney, formatNumber, printable } from './format.js'

describe('amounts are printed exactly, from minor units', () => {
  test.each`
    minor                       | currency | nl                            | en
    ${123_456n}                 | ${'EUR'} | ${'1.234,56'}                 | ${'1,234.56'}
    ${0n}                       | ${'EUR'} | ${'0,00'}                     | ${'0.00'}
    ${5n}                       | ${'EUR'} | ${'0,05'}                     | ${'0.05'}
    ${-123_456_789n}            | ${'EUR'} | ${'-1.234.567,89'}            | ${'-1,234,567.89'}
    ${99_999_999_999n}          | ${'EUR'} | ${'999.999.999,99'}           | ${'999,999,999.99'}
    ${123_456_789_012_345_678n} | ${'EUR'} | ${'1.234.567.890.123.456,78'} | ${'1,234,567,890,123,456.78'}
    ${1234n}                    | ${'JPY'} | ${'1.234'}                    | ${'1,234'}
    ${1_234_567n}               | ${'KWD'} | ${'1.234,567'}                | ${'1,234.567'}
  `('$minor $currency → nl $nl, en $en', ({ minor, currency, nl, en }) => {
    expect(formatMinor(minor, currency, 'nl')).toBe(nl)
    expect(formatMinor(minor, currency, 'en')).toBe(en)
  })

  test('money carries its currency code', () => {
    expect(formatMoney(160_723n, 'EUR', 'nl')).toBe('EUR 1.607,23')
    expect(formatMoney(160_723n, 'USD', 'en')).toBe('USD 1,607.23')
  })
})

describe('numbers and dates in the reader’s language', () => {
  test.each`
    units     | scale | nl           | en
    ${25n}    | ${1}  | ${'2,5'}     | ${'2.5'}
    ${21n}    | ${0}  | ${'21'}      | ${'21'}
    ${12345n} | ${1}  | ${'1.234,5'} | ${'1,234.5'}
  `('$units × 10^-$scale → $nl / $en', ({ units, scale, nl, en }) => {
    expect(formatNumber({ units, scale }, 'nl')).toBe(nl)
    expect(formatNumber({ units, scale }, 'en')).toBe(en)
  })

  test.each`
    date            | nl                    | en
    ${'2026-11-25'} | ${'25 november 2026'} | ${'25 November 2026'}
    ${'2027-01-01'} | ${'1 januari 2027'}   | ${'1 January 2027'}
    ${'2028-02-29'} | ${'29 februari 2028'} | ${'29 February 2028'}
  `('$date → $nl / $en', ({ date, nl, en }) => {
    expect(formatDate(date, 'nl')).toBe(nl)
    expect(formatDate(date, 'en')).toBe(en)
  })
})

describe('printable', () => {
  test('keeps every letter the embedded font has: Latin with any accent, the euro sign, marks', () => {
    const text = 'vóór € 5 — Müller, Œuvre, ½, Łódź Dvořák Ağaç İzmir Øster − 5 ✓'
    expect(printable(text)).toBe(text)
  })

  test('composes a letter and its combining accent into the one letter', () => {
    expect(printable('Dvor\u030ca\u0301k')).toBe('Dvořák')
  })

  test('prints ? for what the font has no glyph for, and drops control characters', () => {
    expect(printable('株式会社 A\u0007B\tC\r\nD')).toBe('???? AB C\nD')
  })
})
