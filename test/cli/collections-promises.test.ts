import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { addDays, calendarDateAt } from '../../src/core/dates.js'
import { inTenant } from '../../src/db/context.js'
import { openStore } from '../../src/db/store.js'
import {
  arrangeCashappCustomer,
  arrangeOpenInvoice,
} from '../../src/modules/cashapp/test-helpers.js'
import { cliStore, o2c } from './processes.js'

// A collector's day on the command line: a promise to pay, a plan from the policy's offer, a
// mandate and the direct-debit file, and the can't-pay / won't-pay report.

describe('o2c collections promise, plan, mandate, direct-debit, report', () => {
  let dataDir: string
  let store: Record<string, string>
  let customerNumber: string
  let invoices: string[]
  const today = calendarDateAt(new Date(), 'Europe/Amsterdam')
  const run = (args: string[]) => o2c(args, dataDir, { ...store, O2C_TENANT: 'bakery' })

  beforeAll(async () => {
    const where = await cliStore()
    dataDir = where.dataDir
    store = where.env
    expect((await o2c(['tenants', 'create', 'bakery'], dataDir, store)).code).toBe(0)
    // Invoices to collect, arranged with invoicing's services on the CLI's store.
    const opened = await openStore(
      store.DATABASE_URL ? { databaseUrl: store.DATABASE_URL } : { dataDir },
    )
    try {
      const tenant = await opened.db
        .selectFrom('tenant')
        .select(['tenantId', 'timeZone'])
        .where('slug', '=', 'bakery')
        .executeTakeFirstOrThrow()
      const scope = {
        tenantId: tenant.tenantId,
        timeZone: tenant.timeZone,
        actor: { type: 'system' as const, id: null, name: 'test' },
      }
      const arranged = await inTenant(opened, scope, async (ctx) => {
        const customer = await arrangeCashappCustomer(ctx)
        const numbers = []
        for (let i = 0; i < 3; i++) {
          numbers.push((await arrangeOpenInvoice(ctx, customer.id, 100_00n)).number)
        }
        return { number: customer.number, numbers }
      })
      customerNumber = arranged.number
      invoices = arranged.numbers
    } finally {
      await opened.close()
    }
  }, 120_000)

  test('promise, plan, mandate and pain.008, report', async () => {
    const promise = await run([
      'collections',
      'promise',
      'make',
      '--customer',
      customerNumber,
      '--invoices',
      invoices[0],
      '--amount',
      '50.00',
      '--on',
      today,
      '--json',
    ])
    expect(promise.code, promise.stderr).toBe(0)
    expect(JSON.parse(promise.stdout)).toMatchObject({ status: 'active', amount: '50.00' })

    const plan = await run([
      'collections',
      'plan',
      'create',
      '--customer',
      customerNumber,
      '--invoices',
      invoices[1],
      '--offer',
      '2',
    ])
    expect(plan.code, plan.stderr).toBe(0)
    expect(plan.stdout).toContain('121.00 EUR')
    expect(plan.stdout).toMatch(/1\s+\d{4}-\d{2}-\d{2}\s+60\.50/)

    const mandate = await run([
      'collections',
      'mandate',
      'add',
      '--customer',
      customerNumber,
      '--reference',
      'CLI-M-1',
      '--iban',
      'NL91ABNA0417164300',
      '--name',
      'Het Hoekje',
      '--signed-on',
      today,
    ])
    expect(mandate.code, mandate.stderr).toBe(0)

    const out = join(dirname(dataDir), 'dd.xml')
    const batch = await run([
      'collections',
      'direct-debit',
      '--date',
      addDays(today, 40),
      '--out',
      out,
      '--creditor-id',
      'NL69ZZZ123456780000',
      '--json',
    ])
    expect(batch.code, batch.stderr).toBe(0)
    // Only the third invoice: the first is under a promise, the second under a plan.
    expect(JSON.parse(batch.stdout)).toMatchObject({
      item_count: 1,
      total: '121.00',
      items: [{ invoice_number: invoices[2], sequence_type: 'FRST' }],
    })
    expect(readFileSync(out, 'utf8')).toContain('<SeqTp>FRST</SeqTp>')

    const report = await run(['collections', 'report', 'pay-intent'])
    expect(report.code, report.stderr).toBe(0)
    expect(report.stdout).toMatch(/active\s+1\s+121\.00 EUR/)
  }, 120_000)
})
