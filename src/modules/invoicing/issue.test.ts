import { beforeAll, describe, expect, test } from 'vitest'
import { manualClock, type TestTenant, testPlatform, testTenant } from '../../../test/support.js'
import type { Platform } from '../../platform.js'
import { createInvoiceDraft, getInvoice, issueInvoice, loadInvoiceDocument } from './index.js'
import { arrangeBillingSettings, arrangeCustomer, line, manualDraft } from './test-helpers.js'

let platform: Platform
let acme: TestTenant

beforeAll(async () => {
  platform = await testPlatform(manualClock('2026-03-02T09:00:00Z'))
  acme = await testTenant(platform)
  await acme.run((ctx) => arrangeBillingSettings(ctx))
})

describe('issuing', () => {
  test('smoke', async () => {
    const issued = await acme.run(async (ctx) => {
      const customer = await arrangeCustomer(ctx)
      const draft = await createInvoiceDraft(
        ctx,
        manualDraft(customer.id, [
          line('FLOUR', '4', 1895n, 'S', '9'),
          line('DEL', '1', 1250n, 'S', '21'),
        ]),
      )
      return issueInvoice(ctx, draft.id)
    })
    expect(issued.number).toBe('INV-2026-00001')
    const doc = await acme.run((ctx) => loadInvoiceDocument(ctx, issued.id))
    expect(doc.totals.payableMinor).toBe(issued.totals.payableMinor)
    console.log(doc, await acme.run((ctx) => getInvoice(ctx, issued.id)))
  })
})
