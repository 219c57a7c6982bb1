import { beforeAll, describe, expect, test } from 'vitest'
import { tenantScope } from '../../src/cli/tenant-scope.js'
import { inTenant } from '../../src/db/context.js'
import { openStore } from '../../src/db/store.js'
import { importAndApplyStatements } from '../../src/modules/cashapp/import-and-apply.js'
import {
  arrangeCashappCustomer,
  arrangeOpenInvoice,
  bankEntry,
  eventStream,
  statementEvents,
} from '../../src/modules/cashapp/test-helpers.js'
import type { Platform } from '../../src/platform.js'
import { cliStore, o2c } from './processes.js'

// `o2c cashapp …` as a cash application specialist runs it at the terminal: the worklist,
// a payment applied by hand (part to an invoice, the rest unapplied), un-applied again, and
// one rejected. The customer, invoice and statement are arranged through the services on the
// same store between the runs (the CLI has no shorter way to an issued invoice).

describe('o2c cashapp worklist, apply, unapply, reject, rematch', () => {
  let dataDir: string
  let store: Record<string, string>
  let customerNumber: string
  let invoiceNumber: string
  const run = (args: string[]) => o2c(args, dataDir, { ...store, O2C_TENANT: 'bakery' })

  beforeAll(async () => {
    const where = await cliStore()
    dataDir = where.dataDir
    store = where.env
    expect((await o2c(['tenants', 'create', 'bakery'], dataDir, store)).code).toBe(0)
    const db = await openStore(
      store.DATABASE_URL ? { databaseUrl: store.DATABASE_URL } : { dataDir },
    )
    try {
      const platform = { store: db } as Platform
      const scope = await tenantScope(platform, 'bakery')
      await inTenant(db, scope, async (ctx) => {
        const customer = await arrangeCashappCustomer(ctx, { legalName: 'Lunchroom Het Hoekje' })
        const invoice = await arrangeOpenInvoice(ctx, customer.id, 100_00n)
        customerNumber = customer.number
        invoiceNumber = invoice.number
        await importAndApplyStatements(
          ctx,
          eventStream(
            statementEvents({
              entries: [
                bankEntry({
                  amount: '200.00',
                  bankReference: 'CLI-1',
                  counterparty: { name: 'Onbekend', iban: 'NL91ABNA0417164300', bic: null },
                  remittance: { unstructured: 'zie mail', structuredReference: null },
                }),
              ],
            }),
          ),
          { fileName: 'cli.xml' },
        )
      })
    } finally {
      await db.close()
    }
  }, 120_000)

  test('lists what waits, applies by hand, un-applies, rejects and re-matches', async () => {
    const list = await run(['cashapp', 'worklist', '--json'])
    expect(list.code, list.stderr).toBe(0)
    const [waiting] = JSON.parse(list.stdout).data
    expect(waiting).toMatchObject({
      entry_ref: 'CLI-1',
      amount: '200.00',
      counterparty: { iban: 'NL91ABNA0417164300' },
    })

    const applied = await run([
      'cashapp',
      'apply',
      waiting.id,
      '--customer',
      customerNumber,
      '--invoice',
      `${invoiceNumber}=121.00`,
      '--json',
    ])
    expect(applied.code, applied.stderr).toBe(0)
    expect(JSON.parse(applied.stdout)).toMatchObject({
      status: 'applied',
      application: {
        customer: { number: customerNumber },
        unapplied: '79.00',
        lines: [{ invoice_number: invoiceNumber, amount: '121.00' }],
      },
    })

    const byCustomer = await run([
      'cashapp',
      'worklist',
      '--status',
      'applied',
      '--customer',
      customerNumber,
      '--json',
    ])
    expect(byCustomer.code, byCustomer.stderr).toBe(0)
    expect(JSON.parse(byCustomer.stdout).data.map((t: { id: string }) => t.id)).toEqual([
      waiting.id,
    ])

    const again = await run(['cashapp', 'accept', waiting.id])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('applied')

    const undone = await run(['cashapp', 'unapply', waiting.id, '--reason', 'wrong customer'])
    expect(undone.code, undone.stderr).toBe(0)
    expect(undone.stdout).toContain('Un-applied.')

    // Matched again, the IBAN the apply taught names the customer: a suggestion now.
    const suggested = await run(['cashapp', 'rematch', waiting.id, '--json'])
    expect(suggested.code, suggested.stderr).toBe(0)
    expect(JSON.parse(suggested.stdout)).toMatchObject({ transactions: 1, suggested: 1 })

    const rejected = await run([
      'cashapp',
      'reject',
      waiting.id,
      '--reason',
      'not theirs',
      '--json',
    ])
    expect(rejected.code, rejected.stderr).toBe(0)
    expect(JSON.parse(rejected.stdout).status).toBe('unmatched')

    const rematched = await run(['cashapp', 'rematch', '--json'])
    expect(rematched.code, rematched.stderr).toBe(0)
    expect(JSON.parse(rematched.stdout)).toMatchObject({
      transactions: 1,
      applied: 0,
      unmatched: 1,
    })

    const text = await run(['cashapp', 'worklist', '--status', 'unmatched'])
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain('200.00 EUR')
    expect(text.stdout).toContain('UNMATCHED')
  }, 300_000)
})
