import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { type FakeMollie, fakeMollie } from '../../../test/fake-mollie.js'
import {
  call,
  manualClock,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import type { Platform } from '../../platform.js'
import {
  createInvoiceDraft,
  getBillingSettings,
  invoiceTimeline,
  issueInvoice,
  openAmount,
} from '../invoicing/index.js'
import {
  arrangeBillingSettings,
  arrangeCustomer,
  line,
  manualDraft,
} from '../invoicing/test-helpers.js'
import { trialBalance } from '../ledger/index.js'
import { checkoutsOfInvoice } from './checkout.js'
import { payPageUrl } from './pay-link.js'
import { listPayments } from './service.js'

// The pay page end to end, over real HTTP: our server listens on a port, a local server that
// speaks Mollie's API plays the provider and calls our webhook as Mollie does.

const clock = manualClock('2026-03-10T09:00:00Z')
let platform: Platform
let app: FastifyInstance
let tenant: TestTenant
let mollie: FakeMollie
let publicUrl: string
const apiKey = 'test_payPageKey0123456789abcdefgh'

beforeAll(async () => {
  platform = await testPlatform(clock)
  app = await testServer(platform)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  publicUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  mollie = await fakeMollie([apiKey])
  vi.stubEnv('O2C_PUBLIC_URL', publicUrl)
  vi.stubEnv('O2C_MOLLIE_API_URL', mollie.apiUrl)
  tenant = await testTenant(platform)
  const configured = await call(app, await tenant.key('admin'), 'PUT', '/v1/payment-provider', {
    provider: 'mollie',
    api_key: apiKey,
  })
  expect(configured.status).toBe(200)
  expect(JSON.stringify(configured.body)).not.toContain(apiKey)
})

afterAll(() => vi.unstubAllEnvs())

async function newInvoice(amountMinor: bigint, language: 'nl' | 'en' = 'en') {
  return tenant.run(async (ctx) => {
    if (!(await getBillingSettings(ctx))) await arrangeBillingSettings(ctx)
    const customer = await arrangeCustomer(ctx, { language })
    // Zero-rated, so the invoice's total is the amount asked for.
    const draft = await createInvoiceDraft(
      ctx,
      manualDraft(customer.id, [line('SERVICE', '1', amountMinor, 'Z', '0')]),
    )
    const invoice = await issueInvoice(ctx, draft.id)
    return {
      id: invoice.id,
      number: invoice.number ?? '',
      paymentReference: invoice.paymentReference ?? '',
      customerId: customer.id,
      url: await payPageUrl(ctx, invoice.id),
    }
  })
}

const get = (url: string) => fetch(url, { redirect: 'manual' })
const post = (url: string) => fetch(url, { method: 'POST', redirect: 'manual' })
const steps = (invoiceId: string) =>
  tenant.run(async (ctx) => (await invoiceTimeline(ctx, invoiceId)).map((s) => s.step))
const state = () =>
  tenant.run(async (ctx) => ({
    payments: (await listPayments(ctx, { limit: 500 })).data.length,
    entries: (await trialBalance(ctx)).totals,
  }))

describe('pay page', () => {
  test('shows the invoice, records one "opened" a minute, and is paid through Mollie', async () => {
    const invoice = await newInvoice(12_100n)
    expect(invoice.url).toMatch(new RegExp(`^${publicUrl}/pay/[A-Za-z0-9_-]{86}$`))

    const page = await get(invoice.url)
    expect(page.status).toBe(200)
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    const html = await page.text()
    expect(html).toContain('<html lang="en">')
    expect(html).toContain(`Invoice ${invoice.number}`)
    expect(html).toContain('€121.00')
    expect(html).toContain('NL91 ABNA 0417 1643 00')
    expect(html).toContain(invoice.paymentReference)
    expect(html).toContain('src="data:image/svg+xml;base64,')
    expect(html).toContain('Pay now')
    const pdf = await get(`${invoice.url}/invoice.pdf`)
    expect(pdf.status).toBe(200)
    expect(pdf.headers.get('content-type')).toBe('application/pdf')
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-')
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/) // no external assets

    await get(invoice.url) // a reload within the minute
    expect(await steps(invoice.id)).toEqual(['issued', 'opened'])
    clock.advance(61_000)
    await get(invoice.url)
    expect(await steps(invoice.id)).toEqual(['issued', 'opened', 'opened'])

    const checkout = await post(`${invoice.url}/checkout`)
    expect(checkout.status).toBe(303)
    const checkoutUrl = checkout.headers.get('location') ?? ''
    expect(checkoutUrl).toMatch(/\/checkout\/tr_/)
    expect((await get(checkoutUrl)).status).toBe(200)
    const providerPayment = [...mollie.payments.values()].at(-1)
    if (!providerPayment) throw new Error('no payment at the fake Mollie')
    expect(providerPayment.amount).toEqual({ currency: 'EUR', value: '121.00' })
    expect(providerPayment.redirectUrl).toBe(invoice.url)
    expect(providerPayment.webhookUrl).toBe(`${publicUrl}/webhooks/mollie/${tenant.tenantId}`)

    expect(await mollie.setStatus(providerPayment.id, 'paid', 'ideal')).toBe(200)

    const paid = await tenant.run(async (ctx) => ({
      open: (await openAmount(ctx, invoice.id)).openMinor,
      payments: (await listPayments(ctx, { customerId: invoice.customerId })).data,
      checkouts: await checkoutsOfInvoice(ctx, invoice.id),
      balance: await trialBalance(ctx),
    }))
    expect(paid.open).toBe(0n)
    expect(paid.payments).toHaveLength(1)
    expect(paid.payments[0]).toMatchObject({
      amountMinor: 12_100n,
      allocatedMinor: 12_100n,
      source: 'pay_page',
      method: 'ideal',
      provider: 'mollie',
      providerPaymentId: providerPayment.id,
      payerIban: 'NL91ABNA0417164300',
    })
    expect(paid.checkouts.map((c) => c.status)).toEqual(['paid'])
    for (const total of paid.balance.totals) expect(total.debitMinor).toBe(total.creditMinor)
    expect(await steps(invoice.id)).toEqual(['issued', 'opened', 'opened', 'paid'])

    // A replay of the same webhook, and forged ones, change nothing.
    const before = await state()
    const webhookUrl = providerPayment.webhookUrl ?? ''
    expect(await mollie.callWebhook(webhookUrl, providerPayment.id)).toBe(200)
    expect(await mollie.callWebhook(webhookUrl, 'tr_forged0000')).toBe(200)
    expect(
      await mollie.callWebhook(`${publicUrl}/webhooks/mollie/no-such-tenant`, providerPayment.id),
    ).toBe(200)
    expect(await state()).toEqual(before)
    expect(await steps(invoice.id)).toEqual(['issued', 'opened', 'opened', 'paid'])

    clock.advance(61_000)
    const paidPage = await (await get(invoice.url)).text()
    expect(paidPage).toContain('This invoice is paid')
    expect(paidPage).not.toContain('Pay now')
  })

  test('a partly paid invoice shows the rest open, and "pay now" asks for the rest', async () => {
    const invoice = await newInvoice(10_000n, 'nl')
    const key = await tenant.key('cash_application_specialist')
    const payment = await call(app, key, 'POST', '/v1/payments', {
      customer_id: invoice.customerId,
      amount: '30.00',
      currency: 'EUR',
      method: 'bank_transfer',
      source: 'bank',
    })
    await call(app, key, 'POST', `/v1/payments/${payment.body.id}/allocations`, {
      allocations: [{ invoice_id: invoice.id, amount: '30.00' }],
    })
    const html = await (await get(invoice.url)).text()
    expect(html).toContain('<html lang="nl">')
    expect(html).toContain('Te betalen')
    expect(html).toContain('€\u00a070,00') // Intl's no-break space

    const checkout = await post(`${invoice.url}/checkout`)
    const id = (checkout.headers.get('location') ?? '').split('/').at(-1) ?? ''
    expect(mollie.payments.get(id)?.amount.value).toBe('70.00')
    // A second click within a few minutes goes to the same checkout.
    expect((await post(`${invoice.url}/checkout`)).headers.get('location')).toBe(
      checkout.headers.get('location'),
    )

    // Not paid (the customer gave up): only the checkout's status changes.
    const before = await state()
    expect(await mollie.setStatus(id, 'canceled')).toBe(200)
    expect(await state()).toEqual(before)
    const checkouts = await tenant.run((ctx) => checkoutsOfInvoice(ctx, invoice.id))
    expect(checkouts.map((c) => c.status)).toEqual(['canceled'])
    expect(await tenant.run(async (ctx) => (await openAmount(ctx, invoice.id)).openMinor)).toBe(
      7_000n,
    )
    expect(await steps(invoice.id)).toEqual(['issued', 'partially_paid', 'opened'])
  })

  test('two webhooks for one paid payment at the same moment record it once', async () => {
    const invoice = await newInvoice(2_500n)
    const checkout = await post(`${invoice.url}/checkout`)
    const id = (checkout.headers.get('location') ?? '').split('/').at(-1) ?? ''
    const providerPayment = mollie.payments.get(id)
    if (!providerPayment?.webhookUrl) throw new Error('no payment at the fake Mollie')
    Object.assign(providerPayment, {
      status: 'paid',
      method: 'creditcard',
      paidAt: new Date().toISOString(),
    })
    const answers = await Promise.all(
      [1, 2, 3].map(() => mollie.callWebhook(providerPayment.webhookUrl ?? '', id)),
    )
    expect(answers).toEqual([200, 200, 200])
    const payments = await tenant.run(
      async (ctx) => (await listPayments(ctx, { customerId: invoice.customerId })).data,
    )
    expect(payments.map((p) => [p.method, p.allocatedMinor])).toEqual([['card', 2_500n]])
    expect(await steps(invoice.id)).toEqual(['issued', 'paid'])
  })

  test('a bad, tampered or rotated token is a 404 page and records nothing', async () => {
    const invoice = await newInvoice(500n)
    const token = invoice.url.split('/').at(-1) ?? ''
    const tampered = `${token.slice(0, 40)}${token[40] === 'A' ? 'B' : 'A'}${token.slice(41)}`
    for (const path of [`/pay/${tampered}`, '/pay/nonsense', `/pay/${tampered}/checkout`]) {
      const response = path.endsWith('checkout')
        ? await post(publicUrl + path)
        : await get(publicUrl + path)
      expect(response.status).toBe(404)
      expect(response.headers.get('content-type')).toContain('text/html')
    }
    expect(await steps(invoice.id)).toEqual(['issued'])

    const rotated = await call(
      app,
      await tenant.key('admin'),
      'POST',
      '/v1/pay-links/rotate-secret',
    )
    expect(rotated.status).toBe(200)
    expect((await get(invoice.url)).status).toBe(404)
    expect(await steps(invoice.id)).toEqual(['issued'])
    const fresh = await tenant.run((ctx) => payPageUrl(ctx, invoice.id))
    expect(fresh).not.toBe(invoice.url)
    expect((await get(fresh)).status).toBe(200)
  })
})
