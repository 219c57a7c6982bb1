import type { FastifyInstance } from 'fastify'
import { PDFDocument } from 'pdf-lib'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  call,
  manualClock,
  rowCount,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../../test/support.js'
import type { Platform } from '../../../platform.js'
import { arrangeCustomerWithInvoices, arrangeDunningMessage } from './test-helpers.js'

// /v1/dunning-templates and /v1/dunning-runs/{id}/print-batch as a collector uses them.

let platform: Platform
let app: FastifyInstance
let tenant: TestTenant

beforeAll(async () => {
  platform = await testPlatform(manualClock('2026-03-20T09:00:00Z'))
  app = await testServer(platform)
  tenant = await testTenant(platform)
}, 60_000)

const path = '/v1/dunning-templates/friendly_reminder.en.consumer.sms'

describe('/v1/dunning-templates', () => {
  test('lists defaults and overrides, marked', async () => {
    const key = await tenant.key('collector')
    const list = await call(app, key, 'GET', '/v1/dunning-templates?key=final_notice')
    expect(list.status, list.text).toBe(200)
    expect(list.body.data).toHaveLength(2 * 2 * 5)
    expect(list.body.data[0]).toMatchObject({ key: 'final_notice', source: 'default' })
  })

  test('refuses an unknown placeholder as problem+json naming it, and saves nothing', async () => {
    const key = await tenant.key('collector')
    const reply = await call(app, key, 'PUT', path, { body: 'Pay {{amount}} now' })
    expect(reply.status).toBe(422)
    expect(reply.headers['content-type']).toContain('application/problem+json')
    expect(reply.body).toMatchObject({
      type: '/problems/collections.template_placeholder_unknown',
      placeholder: 'amount',
      field: 'body',
    })
    expect(await tenant.run((ctx) => rowCount(ctx, 'dunningTemplate'))).toBe(0)
  })

  test('writes an override, changes it with If-Match, and deletes it back to the default', async () => {
    const key = await tenant.key('collector')
    const made = await call(app, key, 'PUT', path, { body: '{{tenant.name}}: pay {{total}}' })
    expect(made.status, made.text).toBe(200)
    expect(made.headers.etag).toBe('"1"')
    expect(made.body).toMatchObject({ source: 'override', version: 1 })

    const blind = await call(app, key, 'PUT', path, { body: 'x' })
    expect(blind.status).toBe(428)
    const changed = await call(
      app,
      key,
      'PUT',
      path,
      { body: 'Pay {{total}}' },
      { 'if-match': '"1"' },
    )
    expect(changed.status, changed.text).toBe(200)
    const shown = await call(app, key, 'GET', path)
    expect(shown.body).toMatchObject({ body: 'Pay {{total}}', version: 2 })
    expect(shown.headers.etag).toBe('"2"')

    const gone = await call(app, key, 'DELETE', path, undefined, { 'if-match': '"2"' })
    expect(gone.status).toBe(204)
    const back = await call(app, key, 'GET', path)
    expect(back.body).toMatchObject({ source: 'default', version: null })
  })

  test('a read-only user may read but not write', async () => {
    const key = await tenant.key('read_only')
    expect((await call(app, key, 'GET', path)).status).toBe(200)
    expect((await call(app, key, 'PUT', path, { body: 'x' })).status).toBe(403)
  })

  test("previews a text with the customer's real items", async () => {
    const customer = await tenant.run(async (ctx) => {
      const arranged = await arrangeCustomerWithInvoices(ctx, { language: 'en' }, [
        { netMinor: 250_00n, issueDate: '2026-02-01' },
      ])
      return arranged.customer
    })
    const reply = await call(
      app,
      await tenant.key('collector'),
      'POST',
      '/v1/dunning-templates/preview',
      {
        customer_number: customer.number,
        channel: 'email',
        subject: 'Open: {{item_count}}',
        body: '{{customer.name}} owes {{total}}; costs {{costs}}.\n\n{{items}}',
      },
    )
    expect(reply.status, reply.text).toBe(200)
    expect(reply.body).toMatchObject({
      subject: 'Open: 1',
      audience: 'business',
      language: 'en',
      item_count: 1,
      total: '250.00',
    })
    expect(reply.body.text).toContain('owes EUR 250.00; costs EUR 40.00.')
    expect(reply.body.html).toContain('<table')
  })
})

describe('/v1/dunning-runs/{id}/print-batch', () => {
  test('makes the batch once and answers its PDF', async () => {
    const runId = await tenant.run(async (ctx) => {
      const { customer, invoices } = await arrangeCustomerWithInvoices(ctx, {}, [
        { netMinor: 120_00n, issueDate: '2026-02-01' },
      ])
      const message = await arrangeDunningMessage(ctx, {
        customer,
        invoices,
        runDate: '2026-03-21',
        channel: 'letter',
        templateKey: 'formal_reminder',
      })
      return message.runId
    })
    const key = await tenant.key('collector')
    const before = await call(app, key, 'GET', `/v1/dunning-runs/${runId}/print-batch`)
    expect(before.status).toBe(404)
    const made = await call(app, key, 'POST', `/v1/dunning-runs/${runId}/print-batch`)
    expect(made.status, made.text).toBe(200)
    expect(made.body.letter_count).toBe(1)
    const again = await call(app, key, 'POST', `/v1/dunning-runs/${runId}/print-batch`)
    expect(again.body.batch_id).toBe(made.body.batch_id)

    const pdf = await app.inject({
      method: 'GET',
      url: `/v1/dunning-runs/${runId}/print-batch`,
      headers: { authorization: `Bearer ${key}` },
    })
    expect(pdf.statusCode).toBe(200)
    expect(pdf.headers['content-type']).toBe('application/pdf')
    expect(pdf.headers['x-letter-count']).toBe('1')
    const document = await PDFDocument.load(pdf.rawPayload)
    expect(document.getPageCount()).toBeGreaterThanOrEqual(1)
  })
})
