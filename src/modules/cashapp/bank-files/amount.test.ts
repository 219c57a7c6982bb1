import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { balancesAgree, normaliseAmount } from './amount.js'
import { readBankFileWhole } from './index.js'

describe('amounts as the bank wrote them', () => {
  test.each`
    written              | separator | amount
    ${'9,'}              | ${','}    | ${'9.00'}
    ${'000000001213,28'} | ${','}    | ${'1213.28'}
    ${'1171,6'}          | ${','}    | ${'1171.60'}
    ${'0,'}              | ${','}    | ${'0.00'}
    ${'500'}             | ${','}    | ${'500.00'}
    ${'0.2'}             | ${'.'}    | ${'0.20'}
    ${'200000'}          | ${'.'}    | ${'200000.00'}
    ${'12.345'}          | ${'.'}    | ${'12.345'}
    ${'2OO000.00'}       | ${'.'}    | ${undefined}
    ${'1,2,3'}           | ${','}    | ${undefined}
    ${'-5.00'}           | ${'.'}    | ${undefined}
    ${''}                | ${'.'}    | ${undefined}
  `('$written → $amount', ({ written, separator, amount }) => {
    expect(normaliseAmount(written, separator)).toBe(amount)
  })

  test('the balance check is exact: it agrees with a sum in integer cents', () => {
    const cents = fc.bigInt({ min: 0n, max: 10n ** 15n })
    const decimal = (value: bigint) => `${value / 100n}.${String(value % 100n).padStart(2, '0')}`
    const signed = fc.record({ cents, sign: fc.constantFrom('C' as const, 'D' as const) })
    fc.assert(
      fc.property(
        signed,
        fc.array(signed, { maxLength: 30 }),
        fc.boolean(),
        (opening, entries, off) => {
          const value = (item: { cents: bigint; sign: 'C' | 'D' }) =>
            item.sign === 'C' ? item.cents : -item.cents
          const total =
            entries.reduce((sum, entry) => sum + value(entry), value(opening)) + (off ? 1n : 0n)
          const closing = {
            amount: decimal(total < 0n ? -total : total),
            sign: total < 0n ? 'D' : 'C',
          } as const
          const asAmounts = (item: { cents: bigint; sign: 'C' | 'D' }) => ({
            amount: decimal(item.cents),
            sign: item.sign,
          })
          expect(balancesAgree(asAmounts(opening), entries.map(asAmounts), closing)).toBe(!off)
        },
      ),
    )
  })
})

describe('MT940 booking dates take their year from the value date', () => {
  test.each`
    statementLine             | bookingDate
    ${'1912310102C1,00NTRFX'} | ${'2020-01-02'}
    ${'2001021231D1,00NTRFX'} | ${'2019-12-31'}
    ${'2006150616C1,00NTRFX'} | ${'2020-06-16'}
    ${'800101C1,00NTRFX'}     | ${null}
  `(':61:$statementLine is booked on $bookingDate', async ({ statementLine, bookingDate }) => {
    const file = `:20:X\n:25:NL91ABNA0417164300\n:60F:C200101EUR0,\n:61:${statementLine}\n:62F:C200101EUR0,\n`
    async function* source() {
      yield file
    }
    const read = await readBankFileWhole(source())
    expect(read.statements[0].entries[0].booking_date).toBe(bookingDate)
  })

  test('a year 80–99 is of the last century', async () => {
    async function* source() {
      yield ':20:X\n:25:1\n:60F:C991231EUR0,\n:61:800101C1,00NTRFX\n:62F:C000101EUR1,\n'
    }
    const read = await readBankFileWhole(source())
    expect(read.statements[0].opening_balance?.date).toBe('1999-12-31')
    expect(read.statements[0].entries[0].value_date).toBe('1980-01-01')
    expect(read.statements[0].closing_balance?.date).toBe('2000-01-01')
  })
})
