import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  call,
  manualClock,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import type { Platform } from '../../platform.js'

// The billing specialist's API: settings, customer profiles, rates, and an invoice from
// draft to issued and on to its track & trace, as JSON with money as decimal strings.

const clock = manualClock('2026-03-02T09:00:00Z')
let platform: Platform
let app: FastifyInstance
let tenant: TestTenant
let billing: string
let customerId: string

const settingsBody = {
  seller: {
    name: 'Bakkerij De Korenschoof B.V.',
    vat_id: 'nl 0044.95.445.b01',
    legal_id: { id: '12345678', scheme: '0106' },
    address: { lines: ['Molenstraat 1'], postal_code: '1011 AA', city: 'Amsterdam', country: 'NL' },
    payee_account: { iban: 'NL91 ABNA 0417 1643 00', bic: 'ABNANL2A' },
  },
  payment_reference_scheme: 'rf',
  discount: { percent: '2', days: 10 },
}

const lineBody = (extra: Record<string, unknown> = {}) => ({
  item_code: 'FLOUR-25',
  description: 'Tarwebloem 25 kg',
  quantity: '4',
  unit_price: '18.95',
  vat_category: 'S',
  vat_rate: '9',
  ...extra,
})

beforeAll(async () => {
  platform = await testPlatform(clock)
  app = await testServer(platform)
  tenant = await testTenant(platform)
  billing = await tenant.key('billing_specialist')
  const customer = await call(app, billing, 'POST', '/v1/customers', {
    number: 'C-100',
    legal_name: 'Lunchroom Het Hoekje V.O.F.',
    country: 'NL',
    vat_id: 'NL004495445B01',
    addresses: [
      {
        kind: 'billing',
        lines: ['Dorpsstraat 5'],
        postal_code: '1234 AB',
        city: 'Zaandam',
        country: 'NL',
      },
    ],
  })
  expect(customer.status, customer.text).toBe(201)
  customerId = customer.body.id
})

describe('billing settings', () => {
  test('answer the defaults before anything is saved, then hold what was put', async () => {
    const empty = await call(app, billing, 'GET', '/v1/billing-settings')
    expect(empty.status).toBe(200)
    expect(empty.body).toMatchObject({ seller: null, version: 0, invoice_series: 'INV' })

    const bad = await call(app, billing, 'PUT', '/v1/billing-settings', {
      ...settingsBody,
      seller: {
        ...settingsBody.seller,
        vat_id: 'NL004495446B01',
        payee_account: { iban: 'NL91ABNA0417164301' },
      },
    })
    expect(bad.status).toBe(400)
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'seller.vat_id',
      'seller.payee_account.iban',
    ])

    const saved = await call(app, billing, 'PUT', '/v1/billing-settings', settingsBody)
    expect(saved.status, saved.text).toBe(200)
    expect(saved.headers.etag).toBe('"1"')
    expect(saved.body.seller).toMatchObject({
      vat_id: 'NL004495445B01',
      payee_account: { iban: 'NL91ABNA0417164300', bic: 'ABNANL2A' },
    })
    expect(saved.body.discount).toEqual({ percent: '2', days: 10 })

    const blind = await call(app, billing, 'PUT', '/v1/billing-settings', settingsBody)
    expect(blind.status).toBe(428)
    const again = await call(app, billing, 'PUT', '/v1/billing-settings', settingsBody, {
      'if-match': '"1"',
    })
    expect(again.status).toBe(200)
    expect(again.body.version).toBe(2)
  })

  test('take a PNG or JPEG logo of at most 256 KiB', async () => {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.alloc(100, 1),
    ])
    const upload = (body: Buffer, type: string) =>
      app.inject({
        method: 'PUT',
        url: '/v1/billing-settings/logo',
        headers: { authorization: `Bearer ${billing}`, 'content-type': type },
        payload: body,
      })
    const ok = await upload(png, 'image/png')
    expect(ok.statusCode, ok.body).toBe(200)
    expect(ok.json().logo).toEqual({ media_type: 'image/png', bytes: 108 })
    expect((await upload(Buffer.from('GIF89a-not-allowed'), 'image/png')).statusCode).toBe(422)
    expect((await upload(Buffer.alloc(300 * 1024, 0xff), 'image/jpeg')).statusCode).toBe(413)
  })
})

describe('customer billing profile and exchange rates', () => {
  test('a customer has default billing until one is put', async () => {
    const url = `/v1/customers/${customerId}/billing`
    const defaults = await call(app, billing, 'GET', url)
    expect(defaults.body).toMatchObject({
      billing_frequency: 'per_shipment',
      invoice_channel: 'email',
      version: 0,
    })
    const noPeppolId = await call(
      app,
      billing,
      'PUT',
      url,
      { invoice_channel: 'peppol' },
      {
        'if-match': '"0"',
      },
    )
    expect(noPeppolId.status).toBe(400)
    expect(noPeppolId.body.errors[0].field).toBe('peppol_id')
    const saved = await call(
      app,
      billing,
      'PUT',
      url,
      {
        invoice_channel: 'peppol',
        peppol_scheme: '0106',
        peppol_id: '87654321',
        buyer_reference: 'KOSTENPLAATS-7',
        billing_frequency: 'monthly',
      },
      { 'if-match': '"0"' },
    )
    expect(saved.status, saved.text).toBe(200)
    expect(saved.body).toMatchObject({ invoice_channel: 'peppol', version: 1 })
  })

  test('rates are set per currency and date and listed newest first', async () => {
    for (const [validFrom, rate] of [
      ['2026-01-01', '0.9100'],
      ['2026-03-01', '0.92345'],
    ]) {
      const put = await call(app, billing, 'PUT', '/v1/exchange-rates', {
        currency: 'USD',
        valid_from: validFrom,
        rate,
      })
      expect(put.status, put.text).toBe(200)
    }
    const list = await call(app, billing, 'GET', '/v1/exchange-rates?currency=USD')
    expect(list.body.data).toEqual([
      { currency: 'USD', valid_from: '2026-03-01', rate: '0.92345' },
      { currency: 'USD', valid_from: '2026-01-01', rate: '0.91' },
    ])
    const own = await call(app, billing, 'PUT', '/v1/exchange-rates', {
      currency: 'EUR',
      valid_from: '2026-01-01',
      rate: '1',
    })
    expect(own.status).toBe(400)
  })
})

describe('invoices', () => {
  test('POST with "issue": true issues at once; the reply speaks snake_case and decimal strings', async () => {
    const created = await call(app, billing, 'POST', '/v1/invoices', {
      customer_id: customerId,
      lines: [
        lineBody(),
        lineBody({ item_code: 'DELIVERY', quantity: 1, unit_price: '12.50', vat_rate: 21 }),
      ],
      allowances_charges: [
        {
          is_charge: true,
          reason: 'Vracht',
          reason_code: 'FC',
          amount: '5.00',
          vat_category: 'S',
          vat_rate: '21',
        },
      ],
      issue: true,
    })
    expect(created.status, created.text).toBe(201)
    const invoice = created.body
    expect(invoice).toMatchObject({
      status: 'issued',
      number: 'INV-2026-00001',
      issue_date: '2026-03-02',
      due_date: '2026-04-01',
      currency: 'EUR',
      buyer_reference: 'KOSTENPLAATS-7',
      totals: {
        line_net: '88.30',
        charges: '5.00',
        tax_exclusive: '93.30',
        vat: '10.50',
        tax_inclusive: '103.80',
        payable: '103.80',
      },
      open_amount: '103.80',
      payment_terms: {
        net_days: 30,
        discount: { percent: '2', days: 10, due_date: '2026-03-12', amount: '2.08' },
      },
    })
    expect(invoice.payment_reference).toMatch(/^RF\d{2}\d+$/)
    expect(invoice.buyer).toMatchObject({
      name: 'Lunchroom Het Hoekje V.O.F.',
      customer_number: 'C-100',
      electronic_address: { scheme: '0106', id: '87654321' },
    })
    expect(invoice.vat_breakdown).toEqual([
      expect.objectContaining({
        vat_category: 'S',
        vat_rate: '9',
        taxable_amount: '75.80',
        vat_amount: '6.82',
      }),
      expect.objectContaining({
        vat_category: 'S',
        vat_rate: '21',
        taxable_amount: '17.50',
        vat_amount: '3.68',
      }),
    ])

    const timeline = await call(app, billing, 'GET', `/v1/invoices/${invoice.id}/timeline`)
    expect(timeline.body.data).toEqual([
      expect.objectContaining({
        step: 'issued',
        detail: expect.objectContaining({
          number: 'INV-2026-00001',
          channel: 'peppol',
          payable: '103.80',
        }),
      }),
    ])
    const open = await call(app, billing, 'GET', `/v1/open-items?customer_id=${customerId}`)
    expect(open.body.data).toEqual([
      expect.objectContaining({
        number: 'INV-2026-00001',
        open_amount: '103.80',
        due_date: '2026-04-01',
      }),
    ])
  })

  test('a draft is changed with If-Match, issued once, and then never again', async () => {
    const draft = await call(app, billing, 'POST', '/v1/invoices', {
      customer_id: customerId,
      lines: [lineBody()],
    })
    expect(draft.status).toBe(201)
    expect(draft.body).toMatchObject({ status: 'draft', number: null, version: 1 })
    const url = `/v1/invoices/${draft.body.id}`
    expect((await call(app, billing, 'PATCH', url, { note: 'x' })).status).toBe(428)
    const patched = await call(
      app,
      billing,
      'PATCH',
      url,
      { note: 'Levering week 10', payment_terms: { net_days: 14, discount: null } },
      { 'if-match': draft.headers.etag as string },
    )
    expect(patched.status, patched.text).toBe(200)
    expect(patched.body).toMatchObject({ note: 'Levering week 10', version: 2 })
    expect(patched.body.payment_terms).toEqual({ net_days: 14, discount: null, instalments: null })

    const issue = await call(app, billing, 'POST', `${url}/issue`, { issue_date: '2026-03-03' })
    expect(issue.status, issue.text).toBe(200)
    expect(issue.body).toMatchObject({
      status: 'issued',
      issue_date: '2026-03-03',
      due_date: '2026-03-17',
    })

    const twice = await call(app, billing, 'POST', `${url}/issue`, {})
    expect(twice.status).toBe(409)
    expect(twice.body.type).toBe('/problems/invoicing.already_issued')
    const change = await call(app, billing, 'PATCH', url, { note: 'y' }, { 'if-match': '"3"' })
    expect(change.status).toBe(409)
    expect((await call(app, billing, 'DELETE', url)).status).toBe(409)
  })

  test('a draft can be deleted', async () => {
    const draft = await call(app, billing, 'POST', '/v1/invoices', {
      customer_id: customerId,
      lines: [lineBody()],
    })
    const url = `/v1/invoices/${draft.body.id}`
    expect((await call(app, billing, 'DELETE', url)).status).toBe(204)
    expect((await call(app, billing, 'GET', url)).status).toBe(404)
  })

  test('a bad VAT combination names the line and writes nothing', async () => {
    const before = await call(
      app,
      billing,
      'GET',
      `/v1/invoices?customer_id=${customerId}&limit=500`,
    )
    const refused = await call(app, billing, 'POST', '/v1/invoices', {
      customer_id: customerId,
      lines: [lineBody(), lineBody({ vat_category: 'Z' })],
      issue: true,
    })
    expect(refused.status).toBe(422)
    expect(refused.body).toMatchObject({
      type: '/problems/invoicing.vat_combination_invalid',
      field: 'lines[1].vat_rate',
    })
    const after = await call(
      app,
      billing,
      'GET',
      `/v1/invoices?customer_id=${customerId}&limit=500`,
    )
    expect(after.body.data).toHaveLength(before.body.data.length)
  })

  test('lists filter by status, number and overdue, a page at a time', async () => {
    const drafts = await call(app, billing, 'GET', '/v1/invoices?status=draft')
    expect(drafts.body.data.every((i: { status: string }) => i.status === 'draft')).toBe(true)
    const byNumber = await call(app, billing, 'GET', '/v1/invoices?number=INV-2026-00001')
    expect(byNumber.body.data.map((i: { number: string }) => i.number)).toEqual(['INV-2026-00001'])
    expect(byNumber.body.data[0].customer_name).toBe('Lunchroom Het Hoekje V.O.F.')

    const first = await call(app, billing, 'GET', '/v1/invoices?limit=1')
    expect(first.body.data).toHaveLength(1)
    const second = await call(
      app,
      billing,
      'GET',
      `/v1/invoices?limit=1&cursor=${first.body.next_cursor}`,
    )
    expect(second.body.data[0].id).not.toBe(first.body.data[0].id)

    expect((await call(app, billing, 'GET', '/v1/invoices?overdue=true')).body.data).toEqual([])
    clock.set('2026-04-02T09:00:00Z')
    const overdue = await call(app, billing, 'GET', '/v1/invoices?overdue=true')
    expect(overdue.body.data.map((i: { number: string }) => i.number)).toEqual([
      'INV-2026-00001',
      'INV-2026-00002',
    ])
    clock.set('2026-03-02T09:00:00Z')
  })

  test('a collector reads invoices but may not draft them', async () => {
    const collector = await tenant.key('collector')
    expect((await call(app, collector, 'GET', '/v1/invoices')).status).toBe(200)
    const refused = await call(app, collector, 'POST', '/v1/invoices', {
      customer_id: customerId,
      lines: [lineBody()],
    })
    expect(refused.status).toBe(403)
  })
})
