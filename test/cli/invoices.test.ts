import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { openStore } from '../../src/db/store.js'
import { cliStore, o2c } from './processes.js'

// `o2c invoices …` as a billing specialist runs it: settings from a file, a draft from a
// file, issuing, the list, the document and its track & trace.

describe('o2c invoices', () => {
  let dataDir: string
  let store: Record<string, string>
  let customerId: string
  const run = (args: string[]) => o2c(args, dataDir, { ...store, O2C_TENANT: 'bakery' })
  const file = (name: string, content: unknown) => {
    const path = join(dirname(dataDir), name)
    writeFileSync(path, JSON.stringify(content))
    return path
  }

  beforeAll(async () => {
    const where = await cliStore()
    dataDir = where.dataDir
    store = where.env
    expect((await o2c(['tenants', 'create', 'bakery'], dataDir, store)).code).toBe(0)
    const customer = await run([
      'customers',
      'create',
      'C-1',
      '--name',
      'Lunchroom Het Hoekje',
      '--country',
      'NL',
      '--vat-id',
      'NL004495445B01',
      '--json',
    ])
    expect(customer.code, customer.stderr).toBe(0)
    customerId = JSON.parse(customer.stdout).id
  }, 120_000)

  test('settings, a draft that cannot be issued yet, then an issued invoice', async () => {
    expect((await run(['invoices', 'settings', 'show'])).stdout).toContain('No billing settings')
    const settings = file('settings.json', {
      seller: {
        name: 'Bakkerij De Korenschoof B.V.',
        vat_id: 'NL004495445B01',
        address: {
          lines: ['Molenstraat 1'],
          postal_code: '1011 AA',
          city: 'Amsterdam',
          country: 'NL',
        },
        payee_account: { iban: 'NL91ABNA0417164300' },
      },
    })
    const saved = await run(['invoices', 'settings', 'set', '--file', settings])
    expect(saved.code, saved.stderr).toBe(0)
    expect(saved.stdout).toContain('Billing settings saved (version 1)')

    const draftFile = file('draft.json', {
      customer_id: customerId,
      lines: [
        {
          item_code: 'BREAD',
          quantity: '10',
          unit_price: '2.50',
          vat_category: 'S',
          vat_rate: '9',
        },
      ],
    })
    const refused = await run(['invoices', 'create', '--file', draftFile, '--issue'])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('has no address')

    // The customer's billing address arrives (the customers CLI has no address option; the
    // API has), written here as the customers module stores it.
    const db = await openStore(
      store.DATABASE_URL ? { databaseUrl: store.DATABASE_URL } : { dataDir },
    )
    try {
      await db.db
        .insertInto('customerAddress')
        .values({
          tenantId: (
            await db.db.selectFrom('customer').select('tenantId').executeTakeFirstOrThrow()
          ).tenantId,
          id: crypto.randomUUID(),
          customerId,
          kind: 'billing',
          lines: ['Dorpsstraat 5'],
          postalCode: '1234 AB',
          city: 'Zaandam',
          country: 'NL',
          position: 0,
        })
        .execute()
    } finally {
      await db.close()
    }

    const issued = await run(['invoices', 'create', '--file', draftFile, '--issue', '--json'])
    expect(issued.code, issued.stderr).toBe(0)
    const invoice = JSON.parse(issued.stdout)
    expect(invoice).toMatchObject({
      status: 'issued',
      number: expect.stringMatching(/^INV-\d{4}-00001$/),
      totals: { tax_exclusive: '25.00', vat: '2.25', payable: '27.25' },
    })

    const list = await run(['invoices', 'list'])
    expect(list.stdout).toMatch(/INV-\d{4}-00001\s+invoice\s+issued\s+Lunchroom Het Hoekje/)
    const show = await run(['invoices', 'show', invoice.id])
    expect(show.stdout).toContain('payable 27.25 EUR')
    const timeline = await run(['invoices', 'timeline', invoice.id, '--json'])
    expect(JSON.parse(timeline.stdout).data.map((s: { step: string }) => s.step)).toEqual([
      'issued',
    ])
    const again = await run(['invoices', 'issue', invoice.id])
    expect(again.code).not.toBe(0)
    expect(again.stderr).toContain('issued already')
  }, 360_000)
})
