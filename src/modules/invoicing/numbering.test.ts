import { beforeAll, describe, expect, test } from 'vitest'
import { testStoreKind } from '../../../test/stores.js'
import { type TestTenant, testPlatform, testTenant } from '../../../test/support.js'
import { DomainError } from '../../core/errors.js'
import type { Platform } from '../../platform.js'
import { assignInvoiceNumber, fiscalYearOf, formatInvoiceNumber } from './index.js'

let platform: Platform
let acme: TestTenant

beforeAll(async () => {
  platform = await testPlatform()
  acme = await testTenant(platform)
})

const issue = (
  tenant: TestTenant,
  series: string,
  fiscalYear: number,
  issueDate = `${fiscalYear}-03-02`,
) => tenant.run((ctx) => assignInvoiceNumber(ctx, { series, fiscalYear, issueDate }))

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('fiscalYearOf', () => {
  test.each([
    ['2026-01-01', 1, 2026],
    ['2026-12-31', 1, 2026],
    ['2026-06-30', 7, 2025],
    ['2026-07-01', 7, 2026],
    ['2026-03-31', 4, 2025],
    ['2026-04-01', 4, 2026],
    ['2024-02-29', 12, 2023],
    ['2024-12-01', 12, 2024],
  ])('%s with the year starting in month %i is in fiscal year %i', (date, start, year) => {
    expect(fiscalYearOf(date, start)).toBe(year)
  })

  test('defaults to the calendar year', () => {
    expect(fiscalYearOf('2026-11-25')).toBe(2026)
  })

  test.each([['2026-02-30'], ['26-01-01'], ['']])('refuses the non-date "%s"', (date) => {
    expect(() => fiscalYearOf(date)).toThrow(RangeError)
  })

  test.each([[0], [13], [1.5]])('refuses a fiscal year starting in month %s', (month) => {
    expect(() => fiscalYearOf('2026-01-01', month)).toThrow(RangeError)
  })
})

describe('formatInvoiceNumber', () => {
  test.each([
    ['{series}-{year}-{seq:5}', 'INV', 2026, 42n, 'INV-2026-00042'],
    ['{series}-{year}-{seq:5}', 'INV', 2026, 123456n, 'INV-2026-123456'],
    ['{year}/{seq}', 'X', 2025, 7n, '2025/7'],
    ['F{seq:8}', 'F', 2026, 1n, 'F00000001'],
  ])('%s of %s %i #%s prints %s', (format, series, fiscalYear, sequence, expected) => {
    expect(formatInvoiceNumber(format, { series, fiscalYear, sequence })).toBe(expected)
  })

  test.each([['{series}-{year}'], ['{series}-{seq}-{month}'], ['{seq']])(
    'refuses the format %s',
    (format) => {
      expect(() =>
        formatInvoiceNumber(format, { series: 'INV', fiscalYear: 2026, sequence: 1n }),
      ).toThrow(expect.objectContaining({ code: 'invoicing.number_format_invalid' }))
    },
  )
})

describe('assignInvoiceNumber', () => {
  test('numbers a series sequentially from 1 in the default format', async () => {
    const numbers = []
    for (let i = 0; i < 3; i++) numbers.push(await issue(acme, 'SEQ', 2026))
    expect(numbers).toEqual([
      { sequence: 1n, number: 'SEQ-2026-00001' },
      { sequence: 2n, number: 'SEQ-2026-00002' },
      { sequence: 3n, number: 'SEQ-2026-00003' },
    ])
  })

  test('counts each series and each fiscal year separately', async () => {
    await issue(acme, 'A', 2026)
    await issue(acme, 'A', 2026)
    expect((await issue(acme, 'B', 2026)).sequence).toBe(1n)
    expect((await issue(acme, 'A', 2027)).sequence).toBe(1n)
    expect((await issue(acme, 'A', 2026)).sequence).toBe(3n)
    expect((await issue(acme, 'A', 2027)).number).toBe('A-2027-00002')
  })

  test('gives the number of a rolled-back issue to the next one: no gap', async () => {
    expect((await issue(acme, 'RB', 2026)).sequence).toBe(1n)
    await expect(
      acme.run(async (ctx) => {
        expect(
          (
            await assignInvoiceNumber(ctx, {
              series: 'RB',
              fiscalYear: 2026,
              issueDate: '2026-03-02',
            })
          ).sequence,
        ).toBe(2n)
        throw new Error('issuing failed after the number was taken')
      }),
    ).rejects.toThrow('issuing failed')
    expect((await issue(acme, 'RB', 2026)).sequence).toBe(2n)
  })

  test('gives several numbers in one transaction in order', async () => {
    const numbers = await acme.run(async (ctx) => [
      await assignInvoiceNumber(ctx, { series: 'MANY', fiscalYear: 2026, issueDate: '2026-03-02' }),
      await assignInvoiceNumber(ctx, { series: 'MANY', fiscalYear: 2026, issueDate: '2026-03-02' }),
    ])
    expect(numbers.map((n) => n.sequence)).toEqual([1n, 2n])
  })

  test('numbers each tenant on its own: both start at 1', async () => {
    const globex = await testTenant(platform)
    const initech = await testTenant(platform)
    await issue(globex, 'TEN', 2026)
    await issue(globex, 'TEN', 2026)
    expect((await issue(initech, 'TEN', 2026)).sequence).toBe(1n)
    expect((await issue(globex, 'TEN', 2026)).sequence).toBe(3n)
    const seen = await initech.run((ctx) =>
      ctx.db.selectFrom('invoiceNumberSeries').select(['series', 'lastNumber']).execute(),
    )
    expect(seen).toEqual([{ series: 'TEN', lastNumber: 1n }])
  })

  test('prints with the format of the series, which a new fiscal year keeps', async () => {
    await issue(acme, 'FMT', 2026)
    await acme.run((ctx) =>
      ctx.db
        .updateTable('invoiceNumberSeries')
        .set({ format: '{year}.{seq:4}' })
        .where('series', '=', 'FMT')
        .execute(),
    )
    expect((await issue(acme, 'FMT', 2026)).number).toBe('2026.0002')
    expect((await issue(acme, 'FMT', 2027)).number).toBe('2027.0001')
  })

  test("refuses a date before the previous number's and gives that number to the next", async () => {
    expect((await issue(acme, 'DATE', 2026, '2026-03-10')).sequence).toBe(1n)
    expect((await issue(acme, 'DATE', 2026, '2026-03-10')).sequence).toBe(2n)
    const error = await issue(acme, 'DATE', 2026, '2026-03-09').catch((e) => e)
    expect(error).toMatchObject({
      code: 'invoicing.issue_date_before_previous',
      details: {
        field: 'issue_date',
        previous_number: 'DATE-2026-00002',
        previous_issue_date: '2026-03-10',
      },
    })
    expect(error.message).toContain('issue it on or after 2026-03-10')
    // Nothing was taken: the next number, dated on or after, is 3.
    expect((await issue(acme, 'DATE', 2026, '2026-03-11')).number).toBe('DATE-2026-00003')
    // Another fiscal year is a series of its own.
    expect((await issue(acme, 'DATE', 2027, '2027-01-04')).sequence).toBe(1n)
  })

  test.each([
    [{ series: 'inv', fiscalYear: 2026 }, 'invoicing.series_invalid', 'series'],
    [{ series: '', fiscalYear: 2026 }, 'invoicing.series_invalid', 'series'],
    [{ series: 'A'.repeat(21), fiscalYear: 2026 }, 'invoicing.series_invalid', 'series'],
    [{ series: 'INV 1', fiscalYear: 2026 }, 'invoicing.series_invalid', 'series'],
    [{ series: 'INV', fiscalYear: 2026.5 }, 'invoicing.fiscal_year_invalid', 'fiscal_year'],
    [{ series: 'INV', fiscalYear: 10000 }, 'invoicing.fiscal_year_invalid', 'fiscal_year'],
  ])('refuses %o with %s naming the field and writes nothing', async (request, code, field) => {
    const error = await acme
      .run((ctx) => assignInvoiceNumber(ctx, { ...request, issueDate: '2026-03-02' }))
      .catch((e) => e)
    expect(error).toBeInstanceOf(DomainError)
    expect(error).toMatchObject({ code, details: { field } })
    const rows = await acme.run((ctx) =>
      ctx.db
        .selectFrom('invoiceNumberSeries')
        .select('series')
        .where('series', '=', request.series)
        .execute(),
    )
    expect(rows).toEqual([])
  })

  // On PostgreSQL the issuers run on the store's 8 connections and really overlap; on PGlite
  // (one connection) the same test runs, the transactions just take turns.
  test(`concurrent issuers on ${testStoreKind} get gapless, unique numbers`, async () => {
    const issuers = 200
    const committed: bigint[] = []
    let open = 0
    let mostOpen = 0
    const results = await Promise.allSettled(
      Array.from({ length: issuers }, (_, i) =>
        acme.run(async (ctx) => {
          mostOpen = Math.max(mostOpen, ++open)
          const { sequence } = await assignInvoiceNumber(ctx, {
            series: 'RACE',
            fiscalYear: 2026,
            issueDate: '2026-03-02',
          })
          await sleep(1 + (i % 4))
          open--
          if (i % 7 === 3) throw new Error(`issuer ${i} rolls back`)
          return sequence
        }),
      ),
    )
    for (const result of results) if (result.status === 'fulfilled') committed.push(result.value)
    const rolledBack = results.filter((r) => r.status === 'rejected')
    expect(rolledBack.length).toBe(
      Array.from({ length: issuers }, (_, i) => i % 7 === 3).filter(Boolean).length,
    )
    for (const r of rolledBack)
      expect(String((r as PromiseRejectedResult).reason)).toMatch(/rolls back/)
    const sorted = [...committed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    expect(sorted).toEqual(Array.from({ length: committed.length }, (_, i) => BigInt(i + 1)))
    expect((await issue(acme, 'RACE', 2026)).sequence).toBe(BigInt(committed.length + 1))
    // The transactions really overlapped on PostgreSQL (up to the pool's 8 connections).
    if (testStoreKind === 'postgres') expect(mostOpen).toBeGreaterThan(1)
  })
})
