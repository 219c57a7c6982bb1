import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { type FileEntry, testBankFile } from '../../src/modules/cashapp/test-helpers.js'
import { cliStore, o2c } from './processes.js'

// `o2c bank show` on a statement longer than a page (it prints every entry, fetched a page at
// a time), and `o2c bank accounts` / `o2c bank mapping set` as a cash application specialist
// saves how the bank writes its CSV export.

const iban = 'NL20INGB0001234567'
const entryCount = 1_001 // one more than a page of bankEntriesPageDefault

describe('o2c bank show, accounts and mapping', () => {
  let dataDir: string
  let store: Record<string, string>
  const run = (args: string[]) => o2c(args, dataDir, { ...store, O2C_TENANT: 'bakery' })
  const file = (name: string, content: string) => {
    const path = join(dirname(dataDir), name)
    writeFileSync(path, content)
    return path
  }

  beforeAll(async () => {
    const where = await cliStore()
    dataDir = where.dataDir
    store = where.env
    expect((await o2c(['tenants', 'create', 'bakery'], dataDir, store)).code).toBe(0)
  }, 120_000)

  test('shows every entry of a long statement, or one page when asked', async () => {
    const entries = Array.from(
      { length: entryCount },
      (_, i) => ['1.00', 'C', `R${i + 1}`] as FileEntry,
    )
    const month = file(
      'month.sta',
      testBankFile([
        { id: 'LONG', number: '1', iban, opening: '0.00', closing: '1001.00', entries },
      ]),
    )
    const imported = await run(['bank', 'import', month, '--json'])
    expect(imported.code, imported.stderr).toBe(0)
    const id = JSON.parse(imported.stdout).files[0].per_statement[0].o2c_id

    const whole = await run(['bank', 'show', id, '--json'])
    expect(whole.code, whole.stderr).toBe(0)
    const statement = JSON.parse(whole.stdout)
    expect(statement).toMatchObject({
      id: 'LONG',
      entry_count: entryCount,
      entries_next_cursor: null,
    })
    expect(statement.entries.map((e: any) => e.bank_reference)).toEqual(
      entries.map(([, , reference]) => reference),
    )

    const page = await run(['bank', 'show', id, '--json', '--entries-limit', '2'])
    const first = JSON.parse(page.stdout)
    expect(first.entries.map((e: any) => e.bank_reference)).toEqual(['R1', 'R2'])
    const next = await run([
      'bank',
      'show',
      id,
      '--json',
      '--entries-limit',
      '2',
      '--entries-cursor',
      first.entries_next_cursor,
    ])
    expect(JSON.parse(next.stdout).entries.map((e: any) => e.bank_reference)).toEqual(['R3', 'R4'])
  }, 120_000)

  test('lists the accounts and saves a CSV mapping, refusing a bad one by its field', async () => {
    const mapping = {
      delimiter: ';',
      date_format: 'YYYYMMDD',
      decimal_separator: ',',
      columns: { booking_date: 'Datum', amount: 'Bedrag (EUR)', remittance: ['Mededelingen'] },
      sign: { kind: 'column', column: 'Af Bij', credit: 'Bij', debit: 'Af' },
    }
    const good = file('ing.json', JSON.stringify(mapping))
    const saved = await run(['bank', 'mapping', 'set', iban, good, '--json'])
    expect(saved.code, saved.stderr).toBe(0)
    expect(JSON.parse(saved.stdout)).toMatchObject({
      iban,
      csv_mapping: { date_format: 'YYYYMMDD', account: { iban, currency: 'EUR' } },
    })

    const bad = file('bad.json', JSON.stringify({ ...mapping, decimal_separator: 'x' }))
    const refused = await run(['bank', 'mapping', 'set', iban, bad])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('decimal_separator')

    const csv = file(
      'ing.csv',
      '"Datum";"Af Bij";"Bedrag (EUR)";"Mededelingen"\n"20240301";"Bij";"605,00";"INV-2024-0042"\n',
    )
    const imported = await run(['bank', 'import', csv, '--account', iban])
    expect(imported.code, imported.stderr).toBe(0)
    expect(imported.stdout).toContain('Imported ing.csv: 1 statement(s), 1 entries: 1 new')

    const accounts = await run(['bank', 'accounts'])
    expect(accounts.code, accounts.stderr).toBe(0)
    expect(accounts.stdout).toMatch(new RegExp(`${iban}\\s+EUR\\s+saved`))
  }, 120_000)
})
