import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
import { buildProgram } from '../../cli/program.js'
import type { Ctx } from '../../db/context.js'
import type { Platform } from '../../platform.js'
import { createInvoiceDraft, type Invoice, invoiceTimeline, issueInvoice } from './index.js'
import { arrangeBillingSettings, arrangeCustomer, line, manualDraft } from './test-helpers.js'

// The credit note routes and `o2c invoices credit`, `o2c customers statement` as a billing
// specialist uses them.

let platform: Platform
let app: FastifyInstance
let acme: TestTenant

beforeAll(async () => {
  platform = await testPlatform(manualClock('2026-03-02T09:00:00Z'))
  app = await testServer(platform)
  acme = await testTenant(platform)
  await acme.run((ctx) => arrangeBillingSettings(ctx))
})

/** 4 × 18.95 at 9 % and 1 × 12.50 at 21 %: 97.75. */
async function issuedInvoice(ctx: Ctx): Promise<Invoice> {
  const customer = await arrangeCustomer(ctx)
  const draft = await createInvoiceDraft(
    ctx,
    manualDraft(customer.id, [
      line('FLOUR', '4', 1895n, 'S', '9'),
      line('DELIVERY', '1', 1250n, 'S', '21'),
    ]),
  )
  return issueInvoice(ctx, draft.id)
}

describe('POST /v1/invoices/{id}/credit-notes', () => {
  test('credits by line and lists the credit notes of the invoice', async () => {
    const invoice = await acme.run(issuedInvoice)
    const key = await acme.key('billing_specialist')
    const made = await call(app, key, 'POST', `/v1/invoices/${invoice.id}/credit-notes`, {
      lines: [{ line_number: 1, quantity: '2' }],
      reason: 'Two bags arrived torn',
    })
    expect(made.status, made.text).toBe(201)
    expect(made.body).toMatchObject({
      document_type: 'credit_note',
      status: 'issued',
      corrects_invoice_id: invoice.id,
      note: 'Two bags arrived torn',
      lines: [{ line_number: 1, item_code: 'FLOUR', quantity: '2', net_amount: '37.90' }],
      totals: { payable: '41.31' },
    })
    const listed = await call(app, key, 'GET', `/v1/invoices/${invoice.id}/credit-notes`)
    expect(listed.status).toBe(200)
    expect(listed.body.data.map((n: { id: string }) => n.id)).toEqual([made.body.id])
    const timeline = await acme.run((ctx) => invoiceTimeline(ctx, invoice.id))
    expect(timeline.map((s) => s.step)).toContain('credited')
  })

  test.each`
    case                        | body                                                           | status | type
    ${'two ways at once'}       | ${{ full: true, amount: '1.00', reason: 'x' }}                 | ${400} | ${'request.invalid'}
    ${'no way'}                 | ${{ reason: 'x' }}                                             | ${400} | ${'request.invalid'}
    ${'an amount of zero'}      | ${{ amount: '0.00', reason: 'x' }}                             | ${400} | ${'request.invalid'}
    ${'three decimals'}         | ${{ amount: '1.005', reason: 'x' }}                            | ${400} | ${'request.invalid'}
    ${'above what is open'}     | ${{ amount: '97.76', reason: 'x' }}                            | ${422} | ${'invoicing.credit_exceeds_open'}
    ${'more than was invoiced'} | ${{ lines: [{ line_number: 2, quantity: '2' }], reason: 'x' }} | ${422} | ${'invoicing.credit_quantity_exceeds_left'}
  `('refuses $case with $status', async ({ body, status, type }) => {
    const invoice = await acme.run(issuedInvoice)
    const reply = await call(
      app,
      await acme.key('billing_specialist'),
      'POST',
      `/v1/invoices/${invoice.id}/credit-notes`,
      body,
    )
    expect(reply.status, reply.text).toBe(status)
    expect(reply.body.type).toBe(`/problems/${type}`)
    const listed = await call(
      app,
      await acme.key('billing_specialist'),
      'GET',
      `/v1/invoices/${invoice.id}/credit-notes`,
    )
    expect(listed.body.data).toEqual([])
  })

  test('tells what is open when a full credit note no longer fits', async () => {
    const invoice = await acme.run(issuedInvoice)
    const key = await acme.key('billing_specialist')
    const url = `/v1/invoices/${invoice.id}/credit-notes`
    expect((await call(app, key, 'POST', url, { amount: '7.75', reason: 'Late' })).status).toBe(201)
    const full = await call(app, key, 'POST', url, { full: true, reason: 'Wrong customer' })
    expect(full.status).toBe(409)
    expect(full.body).toMatchObject({
      type: '/problems/invoicing.credit_full_not_open',
      open_amount: '90.00',
      detail: `Only 90.00 EUR of 97.75 is open on invoice ${invoice.number}: credit by line or by amount (at most 90.00)`,
    })
  })

  test('a collector may read credit notes but not make them', async () => {
    const invoice = await acme.run(issuedInvoice)
    const reply = await call(
      app,
      await acme.key('collector'),
      'POST',
      `/v1/invoices/${invoice.id}/credit-notes`,
      { amount: '1.00', reason: 'x' },
    )
    expect(reply.status).toBe(403)
  })
})

describe('the o2c commands', () => {
  const written: string[] = []
  afterEach(() => {
    vi.restoreAllMocks()
    written.length = 0
  })

  async function o2c(...args: string[]): Promise<string> {
    written.length = 0
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk))
      return true
    })
    const program = buildProgram(
      { platform: async () => platform, tenantSlug: () => acme.slug },
      { serve: async () => {} },
    )
    await program.parseAsync(args, { from: 'user' })
    vi.restoreAllMocks()
    return written.join('')
  }

  test('invoices credit by number: --amount, --lines and --full', async () => {
    const invoice = await acme.run(issuedInvoice)
    const number = invoice.number as string
    const byAmount = JSON.parse(
      await o2c('invoices', 'credit', number, '--amount', '12.50', '--reason', 'Late', '--json'),
    )
    expect(byAmount).toMatchObject({ document_type: 'credit_note', status: 'issued' })
    expect(byAmount.totals.payable).toBe('12.50')
    const byLines = await o2c(
      'invoices',
      'credit',
      number,
      '--lines',
      '1:1,2:1',
      '--reason',
      'Torn',
    )
    expect(byLines).toMatch(/^Issued credit note CN-2026-\d{5} \(.+\) of 35.79 EUR for invoice /)
    await expect(o2c('invoices', 'credit', number, '--full', '--reason', 'All')).rejects.toThrow(
      /Only 49.46 EUR of 97.75 is open/,
    )
    await expect(
      o2c('invoices', 'credit', number, '--lines', '1-2', '--reason', 'x'),
    ).rejects.toThrow(/"1-2" is not line:quantity/)
  })

  test('customers statement --format csv --out writes the open items and the payments', async () => {
    const invoice = await acme.run(issuedInvoice)
    const customer = await acme.run((ctx) =>
      ctx.db
        .selectFrom('customer')
        .select('number')
        .where('id', '=', invoice.customerId)
        .executeTakeFirstOrThrow(),
    )
    const out = join(mkdtempSync(join(tmpdir(), 'o2c-statement-')), 'statement.csv')
    const said = await o2c(
      'customers',
      'statement',
      customer.number,
      '--as-of',
      '2026-03-02',
      '--format',
      'csv',
      '--out',
      out,
    )
    expect(said).toContain('statement-payments.csv')
    expect(readFileSync(out, 'utf8')).toBe(
      'invoice_number,issue_date,due_date,currency,amount,open_amount,days_overdue\n' +
        `${invoice.number},2026-03-02,${invoice.dueDate},EUR,97.75,97.75,0\n`,
    )
    expect(readFileSync(out.replace('.csv', '-payments.csv'), 'utf8')).toBe(
      'date,currency,amount,reference\n',
    )
  })
})
