import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { type FileEntry, testBankFile } from '../../src/modules/cashapp/test-helpers.js'
import { cliStore, o2c } from './processes.js'

// `o2c bank …` as a cash application specialist runs it: two files at once, one of them
// refused for not balancing (the other imported all the same), the refused one again with
// --allow-unbalanced, a repeat that adds nothing, then the list and one statement read back,
// and what cash application made of them (`o2c cashapp export`).
//
// The files are MT940, written by testBankFile (src/modules/cashapp/test-helpers.ts).

function bankFile(id: string, closing: string, references: string[]) {
  return testBankFile([
    {
      id,
      number: '1',
      iban: 'NL20INGB0001234567',
      opening: '0.00',
      closing,
      entries: references.map((reference) => ['10.00', 'C', reference] as FileEntry),
    },
  ])
}

describe('o2c bank', () => {
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

  test('imports files, refuses the unbalanced one, and reads statements back', async () => {
    const good = file('good.sta', bankFile('GOOD', '20.00', ['R1', 'R2']))
    const off = file('off.sta', bankFile('OFF', '99.00', ['R3']))

    const first = await run(['bank', 'import', good, off])
    expect(first.code).toBe(2)
    expect(first.stdout).toContain(
      'Imported good.sta: 1 statement(s), 2 entries: 2 new, 0 already imported.',
    )
    expect(first.stdout).toContain(
      'Matching: 2 transaction(s): 0 applied automatically, 0 suggested, 2 unmatched.',
    )
    expect(first.stderr).toContain('off.sta: refused')
    expect(first.stderr).toContain('a difference of 89.00')

    const allowed = await run(['bank', 'import', off, '--allow-unbalanced', '--json'])
    expect(allowed.code, allowed.stderr).toBe(0)
    const [kept] = JSON.parse(allowed.stdout).files
    expect(kept.per_statement[0]).toMatchObject({ unbalanced: true, difference: '89.00' })

    const again = await run(['bank', 'import', good])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('2 entries: 0 new, 2 already imported')

    const list = await run(['bank', 'list', '--json'])
    expect(list.code, list.stderr).toBe(0)
    const statements = JSON.parse(list.stdout).data
    expect(statements.map((s: any) => s.id)).toEqual(['GOOD', 'OFF'])

    const show = await run(['bank', 'show', statements[0].o2c_id, '--json'])
    expect(show.code, show.stderr).toBe(0)
    const statement = JSON.parse(show.stdout)
    expect(statement).toMatchObject({ id: 'GOOD', balance_check: 'ok' })
    expect(statement.entries.map((e: any) => e.bank_reference)).toEqual(['R1', 'R2'])

    // What cash application made of them: nothing to go on in a tenant without invoices.
    const csv = await run([
      'cashapp',
      'export',
      '--format',
      'csv',
      '--statement',
      statements[0].o2c_id,
    ])
    expect(csv.code, csv.stderr).toBe(0)
    expect(csv.stdout.trim().split('\r\n')).toEqual([
      'entry_ref,status,invoice_number,amount',
      'R1,unmatched,,',
      'R2,unmatched,,',
    ])
    const json = await run(['cashapp', 'export', '--format', 'json', '--since', '2026-03-01'])
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout)).toContainEqual({
      entry_ref: 'R3',
      status: 'unmatched',
      allocations: [],
    })
  }, 120_000)
})
