import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { cliStore, o2c } from './processes.js'

// `o2c cashapp remittance …` as a cash application specialist runs it: a CSV export and a
// mail saved as .eml at once, a bad file refused by line and column (the others received all
// the same), a repeat that adds nothing, then the list.

describe('o2c cashapp remittance', () => {
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

  test('receives advices, refuses a bad one by line and column, and lists them', async () => {
    const csv = file(
      'jansen.csv',
      'Factuurnummer;Bedrag\nINV-2026-0042;1.234,56\nTotaal;1.234,56\n',
    )
    const eml = file(
      'mueller.eml',
      [
        'From: Müller Spedition GmbH <buchhaltung@mueller.example>',
        'To: remittance+bakery@in.example.com',
        'Subject: Zahlungsavis',
        'Date: Fri, 06 Mar 2026 10:00:00 +0100',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Rechnung RE-2026-17 über 500,00 EUR',
        '',
      ].join('\r\n'),
    )
    const bad = file('bad.csv', 'Factuur;Bedrag\nA-1;10,00\nA-2;tien\n')

    const first = await run(['cashapp', 'remittance', csv, eml, bad, '--date', '2026-03-07'])
    expect(first.code, first.stderr).toBe(2)
    expect(first.stdout).toMatch(
      /Received jansen\.csv: advice \S+, 1234\.56 EUR from payer unknown/,
    )
    expect(first.stdout).toContain('give --payer-name or --payer-iban')
    expect(first.stdout).toMatch(/Received mueller\.eml \(Zahlungsavis \(mail body\)\): advice/)
    expect(first.stderr).toContain('bad.csv: refused: bad.csv, line 3, column "Bedrag" (2)')

    const again = await run(['cashapp', 'remittance', csv, '--json'])
    expect(again.code, again.stderr).toBe(0)
    const [repeat] = JSON.parse(again.stdout).files
    expect(repeat.advices[0]).toMatchObject({ already_received: true, amount: '1234.56' })

    const list = await run(['cashapp', 'remittance', 'list', '--json'])
    expect(list.code, list.stderr).toBe(0)
    expect(
      JSON.parse(list.stdout).data.map((a: any) => [a.source, a.amount, a.payer_name, a.date]),
    ).toEqual([
      ['csv', '1234.56', null, '2026-03-07'],
      ['email', '500.00', 'Müller Spedition GmbH', '2026-03-07'],
    ])
  })
})
