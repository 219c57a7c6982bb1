import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  call,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import type { Platform } from '../../platform.js'

let platform: Platform
let app: FastifyInstance
let acme: TestTenant
let key: string

beforeAll(async () => {
  platform = await testPlatform()
  app = await testServer(platform)
  acme = await testTenant(platform)
  key = await acme.key('credit_analyst')
})

const bakery = {
  number: 'C-1001',
  legal_name: 'Bakkerij De Gouden Korst B.V.',
  country: 'NL',
  vat_id: 'nl 0044.95.445.b01',
  coc_number: '12345678',
  segment: 'small_business',
  attributes: { region: 'north' },
  ibans: [{ iban: 'NL91 ABNA 0417 1643 00' }],
  contacts: [{ name: 'Els', email: 'Els@Korst.nl', phone: '06 1234 5678', language: 'nl' }],
  addresses: [
    { lines: ['Dorpsstraat 1'], postal_code: '1234 AB', city: 'Ons Dorp', country: 'NL' },
  ],
}

describe('customers', () => {
  test('a new customer is stored with normalised master data and an ETag', async () => {
    const created = await call(app, key, 'POST', '/v1/customers', {
      ...bakery,
      contacts: [{ ...bakery.contacts[0], phone: '+31 6 1234 5678' }],
    })
    expect(created.status).toBe(201)
    expect(created.body.vat_id).toBe('NL004495445B01')
    expect(created.body.ibans[0].iban).toBe('NL91ABNA0417164300')
    expect(created.body.contacts[0].email).toBe('els@korst.nl')
    expect(created.body.contacts[0].phone).toBe('+31612345678')
    const read = await call(app, key, 'GET', `/v1/customers/${created.body.id}`)
    expect(read.headers.etag).toBe('"1"')
    expect(read.body.legal_name).toBe(bakery.legal_name)
  })

  test.each`
    field           | value                               | message
    ${'vat_id'}     | ${'DE136695977'}                    | ${'check digit'}
    ${'ibans'}      | ${[{ iban: 'NL91ABNA0417164301' }]} | ${'not a valid IBAN'}
    ${'country'}    | ${'XX'}                             | ${'ISO 3166'}
    ${'currency'}   | ${'EUX'}                            | ${'ISO 4217'}
    ${'coc_number'} | ${'1234'}                           | ${'KvK'}
  `(
    'refuses a customer whose $field is wrong, naming the field',
    async ({ field, value, message }) => {
      const refused = await call(app, key, 'POST', '/v1/customers', {
        ...bakery,
        contacts: [],
        number: `X-${field}`,
        [field]: value,
      })
      expect(refused.status).toBe(400)
      expect(refused.body.errors[0].field).toContain(field)
      expect(refused.body.detail).toContain(message)
      const list = await call(app, key, 'GET', `/v1/customers?search=X-${field}`)
      expect(list.body.data).toHaveLength(0)
    },
  )

  test('two clerks cannot overwrite each other: a stale If-Match is refused with 412', async () => {
    const created = await call(app, key, 'POST', '/v1/customers', {
      number: 'C-2',
      legal_name: 'Two BV',
    })
    const url = `/v1/customers/${created.body.id}`
    const first = await call(
      app,
      key,
      'PATCH',
      url,
      { payment_terms_days: 14 },
      { 'if-match': '"1"' },
    )
    expect(first.status).toBe(200)
    expect(first.headers.etag).toBe('"2"')
    const second = await call(
      app,
      key,
      'PATCH',
      url,
      { payment_terms_days: 60 },
      { 'if-match': '"1"' },
    )
    expect(second.status).toBe(412)
    expect((await call(app, key, 'PATCH', url, { payment_terms_days: 60 })).status).toBe(428)
    expect((await call(app, key, 'GET', url)).body.payment_terms_days).toBe(14)
  })

  test('a duplicate customer number is a 409 naming the number', async () => {
    await call(app, key, 'POST', '/v1/customers', { number: 'C-3', legal_name: 'Three BV' })
    const again = await call(app, key, 'POST', '/v1/customers', {
      number: 'C-3',
      legal_name: 'Other',
    })
    expect(again.status).toBe(409)
    expect(again.body.field).toBe('number')
  })

  test('a group cannot become a circle', async () => {
    const parent = await call(app, key, 'POST', '/v1/customers', {
      number: 'G-1',
      legal_name: 'Holding',
    })
    const child = await call(app, key, 'POST', '/v1/customers', {
      number: 'G-2',
      legal_name: 'Daughter',
      parent_id: parent.body.id,
    })
    expect(child.status).toBe(201)
    const circle = await call(
      app,
      key,
      'PATCH',
      `/v1/customers/${parent.body.id}`,
      { parent_id: child.body.id },
      { 'if-match': '"1"' },
    )
    expect(circle.status).toBe(422)
    expect(circle.body.type).toBe('/problems/customers.parent_cycle')
  })
})
