import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { PDFDocument } from 'pdf-lib'
import { beforeAll, describe, expect, test } from 'vitest'
import { tenantScope } from '../../src/cli/tenant-scope.js'
import { inTenant } from '../../src/db/context.js'
import { openStore } from '../../src/db/store.js'
import {
  arrangeCustomerWithInvoices,
  arrangeDunningMessage,
} from '../../src/modules/collections/messages/test-helpers.js'
import type { Platform } from '../../src/platform.js'
import { cliStore, o2c } from './processes.js'

// `o2c dunning template …` and `o2c dunning print-batch` as a collector runs them: list the
// templates, write one's own wording (refused whole with an unknown placeholder), preview it
// with a customer's real items, and print a run's letters to a file.

describe('o2c dunning template and print-batch', () => {
  let dataDir: string
  let store: Record<string, string>
  let customerNumber: string
  let runId: string
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
        const { customer, invoices } = await arrangeCustomerWithInvoices(
          ctx,
          { segment: 'consumer', vatId: null, legalName: 'Familie Jansen' },
          [{ netMinor: 80_00n, issueDate: '2026-01-05' }],
        )
        customerNumber = customer.number
        runId = (
          await arrangeDunningMessage(ctx, {
            customer,
            invoices,
            runDate: '2026-02-20',
            channel: 'letter',
            templateKey: 'formal_reminder',
          })
        ).runId
      })
    } finally {
      await db.close()
    }
  }, 120_000)

  test('lists, refuses an unknown placeholder, saves, previews and prints', async () => {
    const list = await run(['dunning', 'template', 'list', '--key', 'final_notice', '--json'])
    expect(list.code, list.stderr).toBe(0)
    expect(JSON.parse(list.stdout)).toHaveLength(20)

    const bodyFile = join(dirname(dataDir), 'body.txt')
    writeFileSync(bodyFile, 'Beste {{customer.name}}, betaal {{bedrag}}.')
    const refused = await run([
      'dunning',
      'template',
      'set',
      'friendly_reminder',
      'nl',
      'consumer',
      'sms',
      '--body-file',
      bodyFile,
    ])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('unknown placeholder {{bedrag}}')

    writeFileSync(bodyFile, 'Beste {{customer.name}}, betaal {{total}} via {{payment_link}}')
    const saved = await run([
      'dunning',
      'template',
      'set',
      'friendly_reminder',
      'nl',
      'consumer',
      'sms',
      '--body-file',
      bodyFile,
      '--json',
    ])
    expect(saved.code, saved.stderr).toBe(0)
    expect(JSON.parse(saved.stdout)).toMatchObject({ source: 'override', version: 1 })

    const preview = await run([
      'dunning',
      'template',
      'preview',
      'friendly_reminder',
      '--customer',
      customerNumber,
      '--channel',
      'sms',
    ])
    expect(preview.code, preview.stderr).toBe(0)
    expect(preview.stdout).toContain('Beste Familie Jansen, betaal EUR 80,00 via http')

    const out = join(dirname(dataDir), 'letters.pdf')
    const printed = await run(['dunning', 'print-batch', runId, '--out', out, '--json'])
    expect(printed.code, printed.stderr).toBe(0)
    expect(JSON.parse(printed.stdout)).toMatchObject({ letter_count: 1 })
    const pdf = await PDFDocument.load(readFileSync(out))
    expect(pdf.getPageCount()).toBeGreaterThanOrEqual(1)
  }, 120_000)
})
