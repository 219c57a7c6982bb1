import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import type { FastifyInstance } from 'fastify'
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest'
import {
  call,
  manualClock,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import type { CliContext, Platform } from '../../platform.js'
import { creditCommands } from './commands.js'
import { jsonElementLines, readReportFile } from './report-file.js'

// Bureau credit reports from files: good files are kept as history, a bad file is refused
// whole with every bad row named by its line, and re-importing a file changes nothing.

let platform: Platform
let app: FastifyInstance
let acme: TestTenant
let key: string
const ids: Record<string, string> = {}

beforeAll(async () => {
  platform = await testPlatform(manualClock('2026-03-01T09:00:00Z'))
  app = await testServer(platform)
  acme = await testTenant(platform)
  key = await acme.key('credit_analyst')
  for (const [number, currency] of [
    ['C-1', 'EUR'],
    ['C-2', 'EUR'],
    ['C-3', 'JPY'],
  ]) {
    const created = await call(app, key, 'POST', '/v1/customers', {
      number,
      legal_name: `Customer ${number}`,
      currency,
    })
    ids[number] = created.body.id
  }
})

const csvHeader = 'customer_number,bureau,score,rating,recommended_limit,payment_index,report_date'

const postCsv = (csv: string, query = '') =>
  call(app, key, 'POST', `/v1/credit-reports${query}`, csv, { 'content-type': 'text/csv' })

const reportsOf = async (number: string) =>
  (await call(app, key, 'GET', `/v1/customers/${ids[number]}/credit-reports`)).body.data

describe('credit report import', () => {
  test('a good CSV file is kept as history, newest first, in the customer currency', async () => {
    const imported = await postCsv(
      [
        csvHeader,
        'C-1,Graydon,54,B,25000.00,81,2025-09-01',
        'C-1,Graydon,61,A,30000,88,2026-02-01',
        'C-3,Creditsafe,,C,1500000,,2026-01-15',
      ].join('\n'),
      '?file_name=graydon-feb.csv',
    )
    expect(imported.status).toBe(201)
    expect(imported.body).toMatchObject({ received: 3, imported: 3, unchanged: 0, rejected: [] })
    const history = await reportsOf('C-1')
    expect(history.map((r: { report_date: string }) => r.report_date)).toEqual([
      '2026-02-01',
      '2025-09-01',
    ])
    expect(history[0]).toMatchObject({
      bureau: 'Graydon',
      rating: 'A',
      score: 61,
      recommended_limit: '30000.00',
      currency: 'EUR',
      payment_index: 88,
      source: 'api',
      file_name: 'graydon-feb.csv',
    })
    expect((await reportsOf('C-3'))[0]).toMatchObject({
      recommended_limit: '1500000',
      currency: 'JPY',
    })
  })

  test('re-importing the same reports changes nothing', async () => {
    const again = await postCsv([csvHeader, 'C-1,Graydon,54,B,25000.00,81,2025-09-01'].join('\n'))
    expect(again.body).toMatchObject({ imported: 0, unchanged: 1 })
    expect(await reportsOf('C-1')).toHaveLength(2)
  })

  test('a JSON array body works the same, semicolons in CSV too', async () => {
    const json = await call(app, key, 'POST', '/v1/credit-reports', [
      {
        customer_number: 'C-2',
        bureau: 'D&B',
        score: 70,
        rating: '3A2',
        payment_index: 80,
        report_date: '2026-02-10',
      },
    ])
    expect(json.body).toMatchObject({ imported: 1 })
    const semicolons = await postCsv(
      'customer_number;bureau;report_date;recommended_limit\nC-2;Graydon;2026-02-11;"1000.50"\n',
    )
    expect(semicolons.body).toMatchObject({ imported: 1 })
    expect(await reportsOf('C-2')).toHaveLength(2)
  })

  test('a bad file is refused whole, every bad row named by its line', async () => {
    const before = await acme.run((ctx) => ctx.db.selectFrom('creditReport').select('id').execute())
    const refused = await postCsv(
      [
        csvHeader,
        'C-2,Graydon,40,C,5000.00,60,2026-01-01', // line 2: fine
        'C-404,Graydon,40,C,5000.00,60,2026-01-01', // line 3: unknown customer
        'C-2,Graydon,4000,C,5000.00,60,2026-01-02', // line 4: score out of range
        '',
        'C-2,Graydon,40,C,50.001,101,2026-02-30', // line 6: amount, index and date
        'C-2,,40,C,5000.00,60,2027-01-01', // line 7: no bureau, future date
        'C-2,graydon,40,C,5000.00,60,2026-01-01', // line 8: repeats line 2
        'C-1,Graydon,54,B,26000.00,81,2025-09-01', // line 9: on file with other figures
        'C-3,Creditsafe,,C,10.5,,2026-01-20', // line 10: JPY has no decimals
      ].join('\n'),
    )
    expect(refused.status).toBe(422)
    expect(refused.body.type).toBe('/problems/credit.report_file_invalid')
    const byLine = Object.fromEntries(
      refused.body.rejected.map((r: { line: number; errors: { field: string }[] }) => [
        r.line,
        r.errors.map((e) => e.field),
      ]),
    )
    expect(byLine).toEqual({
      3: ['customer_number'],
      4: ['score'],
      6: ['payment_index', 'report_date', 'recommended_limit'],
      7: ['bureau', 'report_date'],
      8: ['report_date'],
      9: ['report_date'],
      10: ['recommended_limit'],
    })
    expect(refused.body.detail).toContain('7 of 8 reports are not valid; the first, line 3')
    const after = await acme.run((ctx) => ctx.db.selectFrom('creditReport').select('id').execute())
    expect(after).toHaveLength(before.length)
  })

  test('with skip_invalid the valid rows are kept and the rejected ones reported', async () => {
    const partial = await postCsv(
      [csvHeader, 'C-2,Experian,40,C,,60,2026-01-05', 'C-404,Experian,40,C,,60,2026-01-05'].join(
        '\n',
      ),
      '?skip_invalid=true',
    )
    expect(partial.status).toBe(201)
    expect(partial.body).toMatchObject({
      imported: 1,
      rejected: [{ line: 3, row: 2, customer_number: 'C-404' }],
    })
  })

  test.each`
    file                                          | message
    ${'customer_number,bureau,colour\nC-1,X,red'} | ${'unknown column colour'}
    ${'customer_number,score\nC-1,1'}             | ${'missing column bureau, report_date'}
    ${'[{"customer_number": "C-1",}]'}            | ${'not valid JSON'}
    ${'{"customer_number": "C-1"}'}               | ${'CSV'}
    ${'   '}                                      | ${'empty'}
  `('refuses an unreadable file: $message', async ({ file, message }) => {
    const refused = await postCsv(file)
    expect(refused.status).toBe(400)
    expect(refused.body.type).toBe('/problems/credit.report_file_unreadable')
    expect(refused.body.detail).toContain(message)
  })

  test('JSON elements are named by the line they start on', () => {
    const text =
      '[\n  {"customer_number": "C-1",\n   "bureau": "x{y]"},\n\n  {"a": [1, {"b": 2}]}, 3\n]'
    expect(jsonElementLines(text)).toEqual([2, 5, 5])
    expect(readReportFile(text).map((r) => [r.row, r.line])).toEqual([
      [1, 2],
      [2, 5],
      [3, 5],
    ])
  })
})

describe('o2c credit reports import', () => {
  const dir = mkdtempSync(join(tmpdir(), 'o2c-credit-'))
  let output: string[] = []

  afterEach(() => {
    vi.restoreAllMocks()
    process.exitCode = undefined
  })

  async function run(...args: string[]) {
    output = []
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      output.push(String(chunk))
      return true
    })
    const cli: CliContext = { platform: async () => platform, tenantSlug: () => acme.slug }
    const program = new Command('o2c').exitOverride()
    creditCommands(program, cli)
    await program.parseAsync(['node', 'o2c', ...args])
    vi.restoreAllMocks()
    return output.join('')
  }

  test('imports a JSON file and prints what it did', async () => {
    const file = join(dir, 'good.json')
    writeFileSync(
      file,
      JSON.stringify(
        [{ customer_number: 'C-2', bureau: 'Creditsafe', rating: 'A', report_date: '2026-02-20' }],
        null,
        2,
      ),
    )
    const printed = await run('credit', 'reports', 'import', file, '--tenant', acme.slug, '--json')
    expect(JSON.parse(printed)).toMatchObject({ imported: 1, rejected: [] })
    expect((await reportsOf('C-2'))[0]).toMatchObject({ source: 'file', file_name: 'good.json' })
  })

  test('a bad file prints the rejected lines, writes nothing and exits with 2', async () => {
    const file = join(dir, 'bad.json')
    writeFileSync(
      file,
      '[\n  {"customer_number": "C-2", "bureau": "Creditsafe", "report_date": "2026-02-21"},\n' +
        '  {"customer_number": "C-2", "bureau": "Creditsafe", "report_date": "21-02-2026"}\n]\n',
    )
    const printed = await run('credit', 'reports', 'import', file, '--tenant', acme.slug)
    expect(process.exitCode).toBe(2)
    expect(printed).toContain('Nothing imported: 1 of 2 reports are not valid')
    expect(printed).toContain('line 3: report_date: 21-02-2026 is not a date (YYYY-MM-DD)')
    expect(
      (await reportsOf('C-2')).map((r: { report_date: string }) => r.report_date),
    ).not.toContain('2026-02-21')
  })
})
