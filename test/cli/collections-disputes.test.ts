import { beforeAll, describe, expect, test } from 'vitest'
import { inTenant } from '../../src/db/context.js'
import { openStore } from '../../src/db/store.js'
import {
  arrangeCashappCustomer,
  arrangeOpenInvoice,
} from '../../src/modules/cashapp/test-helpers.js'
import { cliStore, o2c } from './processes.js'

// A dispute manager and a collector on the command line: a dispute opened, investigated,
// resolved with a credit note and reported on; the worklist, a call and the timeline.

describe('o2c disputes and o2c collections worklist|call|timeline', () => {
  let dataDir: string
  let store: Record<string, string>
  let customerNumber: string
  let invoiceNumber: string
  const run = (args: string[]) => o2c(args, dataDir, { ...store, O2C_TENANT: 'dairy' })

  beforeAll(async () => {
    const where = await cliStore()
    dataDir = where.dataDir
    store = where.env
    expect((await o2c(['tenants', 'create', 'dairy'], dataDir, store)).code).toBe(0)
    const opened = await openStore(
      store.DATABASE_URL ? { databaseUrl: store.DATABASE_URL } : { dataDir },
    )
    try {
      const tenant = await opened.db
        .selectFrom('tenant')
        .select(['tenantId', 'timeZone'])
        .where('slug', '=', 'dairy')
        .executeTakeFirstOrThrow()
      const scope = {
        tenantId: tenant.tenantId,
        timeZone: tenant.timeZone,
        actor: { type: 'system' as const, id: null, name: 'test' },
      }
      const arranged = await inTenant(opened, scope, async (ctx) => {
        const customer = await arrangeCashappCustomer(ctx)
        const invoice = await arrangeOpenInvoice(ctx, customer.id, 100_00n)
        return { customer: customer.number, invoice: invoice.number }
      })
      customerNumber = arranged.customer
      invoiceNumber = arranged.invoice
    } finally {
      await opened.close()
    }
  }, 120_000)

  test('open, investigate, resolve with a credit note, report', async () => {
    const opened = await run([
      'disputes',
      'open',
      '--invoice',
      invoiceNumber,
      '--category',
      'price',
      '--amount',
      '21.00',
      '--description',
      'VAT charged twice',
      '--json',
    ])
    expect(opened.code, opened.stderr).toBe(0)
    const dispute = JSON.parse(opened.stdout)
    expect(dispute).toMatchObject({
      status: 'open',
      amount: '21.00',
      invoice_number: invoiceNumber,
    })

    const tooMuch = await run([
      'disputes',
      'open',
      '--invoice',
      invoiceNumber,
      '--category',
      'other',
      '--amount',
      '100.01',
      '--description',
      'x',
    ])
    expect(tooMuch.code).not.toBe(0)
    expect(tooMuch.stderr).toContain('21.00 is disputed already; 100.01 cannot be disputed')

    expect((await run(['disputes', 'investigate', dispute.number])).code).toBe(0)
    const resolved = await run([
      'disputes',
      'resolve',
      dispute.number,
      '--root-cause',
      'VAT rule',
      '--note',
      'Credited',
      '--credit',
      'disputed',
      '--json',
    ])
    expect(resolved.code, resolved.stderr).toBe(0)
    expect(JSON.parse(resolved.stdout)).toMatchObject({ status: 'resolved', version: 3 })
    expect(JSON.parse(resolved.stdout).credit_note_number).toEqual(expect.any(String))

    const list = await run(['disputes', 'list'])
    expect(list.stdout).toContain(dispute.number)
    const report = await run(['disputes', 'report', '--from', '2000-01-01', '--to', '2100-12-31'])
    expect(report.code, report.stderr).toBe(0)
    expect(report.stdout).toContain('By category')
  }, 120_000)

  test('worklist, a call, the timeline', async () => {
    const worklist = await run(['collections', 'worklist', '--as-of', '2100-01-01', '--json'])
    expect(worklist.code, worklist.stderr).toBe(0)
    expect(JSON.parse(worklist.stdout).data[0].customer.number).toBe(customerNumber)
    const called = await run([
      'collections',
      'call',
      customerNumber,
      '--outcome',
      'reached',
      '--note',
      'Pays Friday',
    ])
    expect(called.code, called.stderr).toBe(0)
    const timeline = await run(['collections', 'timeline', customerNumber])
    expect(timeline.code, timeline.stderr).toBe(0)
    expect(timeline.stdout).toContain('call (reached): Pays Friday')
  }, 120_000)
})
