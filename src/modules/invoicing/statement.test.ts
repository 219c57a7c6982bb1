import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import { pdfPages } from '../../../test/pdf-text.js'
import {
  call,
  manualClock,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import type { Ctx } from '../../db/context.js'
import type { Platform } from '../../platform.js'
import type { Customer } from '../customers/index.js'
import { creditInvoice } from './credit-notes.js'
import {
  createInvoiceDraft,
  type Invoice,
  issueInvoice,
  putExchangeRate,
  settleInvoice,
} from './index.js'
import { customerStatement, statementCsv, statementPaymentsCsv } from './statement.js'
import { arrangeBillingSettings, arrangeCustomer, dec, line, manualDraft } from './test-helpers.js'

// A customer's month: two invoices in euros and one in dollars on 2 March, one transfer on
// 10 March that pays part of the first and all of the second, a credit note on 12 March.
// The statement shows what was open on a date and the payment once, as the customer made it.

const clock = manualClock('2026-03-02T09:00:00Z')
let platform: Platform
let app: FastifyInstance
let acme: TestTenant
let customer: Customer
let first: Invoice
let second: Invoice
let dollars: Invoice

async function issue(ctx: Ctx, price: bigint, currency?: string): Promise<Invoice> {
  const draft = await createInvoiceDraft(
    ctx,
    manualDraft(customer.id, [line('WIDGET', '1', price, 'S', '21')], currency ? { currency } : {}),
  )
  return issueInvoice(ctx, draft.id)
}

beforeAll(async () => {
  platform = await testPlatform(clock)
  app = await testServer(platform)
  acme = await testTenant(platform)
  await acme.run(async (ctx) => {
    await arrangeBillingSettings(ctx)
    await putExchangeRate(ctx, { currency: 'USD', validFrom: '2026-01-01', rate: dec('0.92') })
    customer = await arrangeCustomer(ctx, { legalName: 'Bakker Jansen B.V.' })
    first = await issue(ctx, 10_000n) // 121.00
    second = await issue(ctx, 5_000n) // 60.50
    dollars = await issue(ctx, 20_000n, 'USD') // 242.00 USD
    const transfer = { type: 'bank_payment', id: 'BANK-2026-03-10-1' }
    for (const [invoice, amountMinor] of [
      [first, 2_100n],
      [second, 6_050n],
    ] as const) {
      await settleInvoice(ctx, {
        invoiceId: invoice.id,
        kind: 'payment',
        amountMinor,
        currency: 'EUR',
        settledOn: '2026-03-10',
        source: transfer,
      })
    }
  })
  clock.set('2026-03-12T09:00:00Z')
  await acme.run((ctx) =>
    creditInvoice(ctx, first.id, { kind: 'amount', amountMinor: 1_000n, reason: 'Late' }),
  )
}, 120_000)

describe('the statement of account', () => {
  test('shows what is open per currency on the date, with days overdue', async () => {
    const { statements, language } = await acme.run((ctx) =>
      customerStatement(ctx, customer.id, { asOf: '2026-05-01' }),
    )
    expect(language).toBe('nl')
    expect(first.dueDate).toBe('2026-04-01')
    expect(statements.map((s) => s.currency)).toEqual(['EUR', 'USD'])
    const [euros, usd] = statements
    expect(euros).toMatchObject({
      asOf: '2026-05-01',
      customer: { name: 'Bakker Jansen B.V.', number: customer.number },
      openItems: [
        {
          number: first.number,
          issueDate: '2026-03-02',
          dueDate: '2026-04-01',
          totalMinor: 12_100n,
          openMinor: 9_000n,
          daysOverdue: 30,
        },
      ],
      recentPayments: [
        { date: '2026-03-10', reference: `${first.number}, ${second.number}`, amountMinor: 8_150n },
      ],
      totalOpenMinor: 9_000n,
      overdueMinor: 9_000n,
    })
    expect(euros?.seller.name).toBe('Bakkerij De Korenschoof B.V.')
    expect(euros?.customer.address).toMatchObject({ city: 'Utrecht', country: 'NL' })
    expect(usd).toMatchObject({
      openItems: [{ number: dollars.number, openMinor: 24_200n, daysOverdue: 30 }],
      recentPayments: [],
      totalOpenMinor: 24_200n,
    })
  })

  test('for an earlier date shows what was open then, before the payment and the credit', async () => {
    const { statements } = await acme.run((ctx) =>
      customerStatement(ctx, customer.id, { asOf: '2026-03-05', currency: 'EUR' }),
    )
    expect(statements).toHaveLength(1)
    expect(statements[0]?.openItems.map((i) => [i.number, i.openMinor, i.daysOverdue])).toEqual([
      [first.number, 12_100n, 0],
      [second.number, 6_050n, 0],
    ])
    expect(statements[0]?.recentPayments).toEqual([])
    expect(statements[0]?.overdueMinor).toBe(0n)
  })

  test('leaves out payments before payments_since', async () => {
    const { statements } = await acme.run((ctx) =>
      customerStatement(ctx, customer.id, { asOf: '2026-05-01', paymentsSince: '2026-03-11' }),
    )
    expect(statements[0]?.recentPayments).toEqual([])
  })

  test('for a customer with nothing open is one empty statement in their currency', async () => {
    const quiet = await acme.run((ctx) => arrangeCustomer(ctx))
    const { statements } = await acme.run((ctx) => customerStatement(ctx, quiet.id))
    expect(statements).toMatchObject([
      { currency: 'EUR', openItems: [], recentPayments: [], totalOpenMinor: 0n },
    ])
  })

  test('writes the open items and the payments as two CSV tables', async () => {
    const { statements } = await acme.run((ctx) =>
      customerStatement(ctx, customer.id, { asOf: '2026-05-01' }),
    )
    expect(statementCsv(statements)).toBe(
      [
        'invoice_number,issue_date,due_date,currency,amount,open_amount,days_overdue',
        `${first.number},2026-03-02,2026-04-01,EUR,121.00,90.00,30`,
        `${dollars.number},2026-03-02,2026-04-01,USD,242.00,242.00,30`,
        '',
      ].join('\n'),
    )
    expect(statementPaymentsCsv(statements)).toBe(
      [
        'date,currency,amount,reference',
        `2026-03-10,EUR,81.50,"${first.number}, ${second.number}"`,
        '',
      ].join('\n'),
    )
  })
})

describe('GET /v1/customers/{id}/statement', () => {
  const url = (query: string) => `/v1/customers/${customer.id}/statement?${query}`

  test('answers JSON with money as decimal strings', async () => {
    const reply = await call(app, await acme.key('collector'), 'GET', url('as_of=2026-05-01'))
    expect(reply.status, reply.text).toBe(200)
    expect(reply.body.statements[0]).toEqual({
      currency: 'EUR',
      as_of: '2026-05-01',
      customer: { name: 'Bakker Jansen B.V.', number: customer.number },
      open_items: [
        {
          number: first.number,
          issue_date: '2026-03-02',
          due_date: '2026-04-01',
          amount: '121.00',
          open_amount: '90.00',
          days_overdue: 30,
        },
      ],
      recent_payments: [
        { date: '2026-03-10', reference: `${first.number}, ${second.number}`, amount: '81.50' },
      ],
      charges: [],
      charges_total: '0.00',
      total_open: '90.00',
      overdue: '90.00',
    })
  })

  test('answers CSV, the open items or the payments', async () => {
    const key = await acme.key('collector')
    const items = await call(app, key, 'GET', url('as_of=2026-05-01&format=csv'))
    expect(items.status).toBe(200)
    expect(items.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(items.text.split('\n')[0]).toBe(
      'invoice_number,issue_date,due_date,currency,amount,open_amount,days_overdue',
    )
    const payments = await call(
      app,
      key,
      'GET',
      url('as_of=2026-05-01&format=csv&section=payments'),
    )
    expect(payments.text.split('\n')[1]).toBe(
      `2026-03-10,EUR,81.50,"${first.number}, ${second.number}"`,
    )
  })

  test('answers one PDF with a statement per currency', async () => {
    const reply = await app.inject({
      method: 'GET',
      url: url('as_of=2026-05-01&format=pdf'),
      headers: { authorization: `Bearer ${await acme.key('collector')}` },
    })
    expect(reply.statusCode).toBe(200)
    expect(reply.headers['content-type']).toBe('application/pdf')
    const pages = pdfPages(reply.rawPayload)
    expect(pages).toHaveLength(2)
    expect(pages[0]?.join('\n')).toContain(first.number as string)
    expect(pages[0]?.join('\n')).toContain('Rekeningoverzicht')
    expect(pages[1]?.join('\n')).toContain(dollars.number as string)
  })

  test("is a 404 for another tenant's customer and a 400 for a bad date", async () => {
    const other = await testTenant(platform)
    const stranger = await call(app, await other.key('admin'), 'GET', url('as_of=2026-05-01'))
    expect(stranger.status).toBe(404)
    const bad = await call(app, await acme.key('collector'), 'GET', url('as_of=2026-13-01'))
    expect(bad.status).toBe(400)
  })
})
