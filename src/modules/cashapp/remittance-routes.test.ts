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

// POST /v1/remittance-advices as a cash application specialist uses it: files uploaded as
// multipart or one advice as JSON, read back, listed; a collector reads, another tenant sees
// nothing.

let platform: Platform
let app: FastifyInstance
let tenant: TestTenant

beforeAll(async () => {
  platform = await testPlatform()
  app = await testServer(platform)
  tenant = await testTenant(platform)
})

const boundary = 'o2c-remittance-boundary'

function multipart(files: Array<{ name: string; content: string }>) {
  const parts = files.map(
    (f) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${f.name}"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n${f.content}\r\n`,
  )
  return `${parts.join('')}--${boundary}--\r\n`
}

function upload(key: string, body: string, query = '') {
  return call(app, key, 'POST', `/v1/remittance-advices${query}`, body, {
    'content-type': `multipart/form-data; boundary=${boundary}`,
  })
}

describe('POST /v1/remittance-advices', () => {
  test('receives uploaded files, reads them back, and adds nothing the second time', async () => {
    const key = await tenant.key('cash_application_specialist')
    const body = multipart([
      {
        name: 'jansen.csv',
        content: 'Factuurnummer;Bedrag\nINV-2026-0042;1.234,56\nINV-2026-0043;100,00\n',
      },
      {
        name: 'mueller.txt',
        content: 'Zahler: Müller Spedition GmbH\nRechnung RE-2026-17 über 500,00 EUR\n',
      },
    ])
    const first = await upload(key, body, '?payer_name=Bakkerij%20Jansen&date=2026-03-07')
    expect(first.status, first.text).toBe(200)
    expect(
      first.body.files.map((f: any) => [f.file_name, f.advices[0].amount, f.advices[0].payer_name]),
    ).toEqual([
      ['jansen.csv', '1334.56', 'Bakkerij Jansen'],
      // What is given wins over what the file states.
      ['mueller.txt', '500.00', 'Bakkerij Jansen'],
    ])
    const id = first.body.files[0].advices[0].id
    const read = await call(app, key, 'GET', `/v1/remittance-advices/${id}`)
    expect(read.status).toBe(200)
    expect(read.body).toMatchObject({
      id,
      source: 'csv',
      status: 'open',
      date: '2026-03-07',
      lines: [
        { invoice_number: 'INV-2026-0042', amount: '1234.56', line: 2 },
        { invoice_number: 'INV-2026-0043', amount: '100.00', line: 3 },
      ],
    })
    const again = await upload(key, body, '?payer_name=Bakkerij%20Jansen&date=2026-03-07')
    expect(again.status).toBe(200)
    expect(again.body.files.every((f: any) => f.advices[0].already_received)).toBe(true)
    const list = await call(app, await tenant.key('collector'), 'GET', '/v1/remittance-advices')
    expect(list.status).toBe(200)
    expect(list.body.data).toHaveLength(2)
  })

  test('refuses a request whole when one file is bad, naming the line and column', async () => {
    const own = await testTenant(platform)
    const key = await own.key('cash_application_specialist')
    const refused = await upload(
      key,
      multipart([
        { name: 'good.csv', content: 'Invoice;Amount\nA-1;10.00\n' },
        { name: 'bad.csv', content: 'Invoice;Amount\nA-1;10.00\nA-2;ten\n' },
      ]),
    )
    expect(refused.status).toBe(400)
    expect(refused.body).toMatchObject({
      type: '/problems/cashapp.remittance_malformed',
      file: 'bad.csv',
      line: 3,
      column: 'Amount',
    })
    const list = await call(app, key, 'GET', '/v1/remittance-advices')
    expect(list.body.data).toEqual([])
  })

  test('takes one advice as JSON; a total that is not the sum is 422 with the difference', async () => {
    const key = await tenant.key('cash_application_specialist')
    const advice = {
      payer_iban: 'DE89 3704 0044 0532 0130 00',
      currency: 'EUR',
      date: '2026-03-06',
      lines: [
        { invoice_number: 'INV-2026-00050', amount: '750.00' },
        { invoice_number: 'INV-2026-00051', amount: '450.00' },
      ],
    }
    const created = await call(app, key, 'POST', '/v1/remittance-advices', advice)
    expect(created.status, created.text).toBe(201)
    expect(created.body).toMatchObject({
      source: 'api',
      payer_iban: 'DE89370400440532013000',
      amount: '1200.00',
      already_received: false,
    })
    const repeated = await call(app, key, 'POST', '/v1/remittance-advices', advice)
    expect(repeated.status).toBe(200)
    expect(repeated.body).toMatchObject({ id: created.body.id, already_received: true })

    const wrong = await call(app, key, 'POST', '/v1/remittance-advices', {
      ...advice,
      total: '1250.00',
    })
    expect(wrong.status).toBe(422)
    expect(wrong.body).toMatchObject({
      type: '/problems/cashapp.remittance_total_mismatch',
      difference: '50.00',
    })
    const badIban = await call(app, key, 'POST', '/v1/remittance-advices', {
      ...advice,
      payer_iban: 'NL00 BANK 0000 0000 00',
    })
    expect(badIban.status).toBe(400)
    expect(badIban.body.errors).toEqual([expect.objectContaining({ field: 'payer_iban' })])
  })

  test('a collector may read but not send; another tenant sees nothing', async () => {
    const collector = await tenant.key('collector')
    const denied = await call(app, collector, 'POST', '/v1/remittance-advices', {
      currency: 'EUR',
      lines: [{ invoice_number: 'A-1', amount: '1.00' }],
    })
    expect(denied.status).toBe(403)
    const specialist = await tenant.key('cash_application_specialist')
    const created = await call(app, specialist, 'POST', '/v1/remittance-advices', {
      currency: 'EUR',
      lines: [{ invoice_number: 'TENANT-ONLY-1', amount: '1.00' }],
    })
    const other = await testTenant(platform)
    const theirs = await call(
      app,
      await other.key(),
      'GET',
      `/v1/remittance-advices/${created.body.id}`,
    )
    expect(theirs.status).toBe(404)
  })
})
