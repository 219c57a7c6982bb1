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
import { openAmount } from '../invoicing/index.js'
import {
  arrangeCashappCustomer,
  arrangeOpenInvoice,
  type FileEntry,
  testBankFile,
} from './test-helpers.js'

// POST /v1/bank-statements as a cash application specialist uses it: files uploaded as
// multipart, read back whole, listed; another tenant sees none of it.
//
// The files are MT940, written by testBankFile (src/modules/cashapp/test-helpers.ts).

let platform: Platform
let app: FastifyInstance
let tenant: TestTenant

beforeAll(async () => {
  platform = await testPlatform()
  app = await testServer(platform)
  tenant = await testTenant(platform)
})

const boundary = 'o2c-test-boundary'

/** A multipart/form-data body with each file in the field `file`. */
function multipart(files: Array<{ name: string; content: string }>, field = 'file') {
  const parts = files.map(
    (f) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${f.name}"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n${f.content}\r\n`,
  )
  return `${parts.join('')}--${boundary}--\r\n`
}

function upload(key: string, body: string, query = '') {
  return call(app, key, 'POST', `/v1/bank-statements${query}`, body, {
    'content-type': `multipart/form-data; boundary=${boundary}`,
  })
}

function bankFile(id: string, closing: string, entries: FileEntry[]) {
  return testBankFile([
    { id, number: '7', iban: 'NL20INGB0001234567', opening: '100.00', closing, entries },
  ])
}

describe('POST /v1/bank-statements', () => {
  test('matches and applies what is certain, and returns the counts', async () => {
    const own = await testTenant(platform)
    const key = await own.key('cash_application_specialist')
    const invoice = await own.run(async (ctx) =>
      arrangeOpenInvoice(ctx, (await arrangeCashappCustomer(ctx)).id, 100_00n),
    )
    // The MT940's :86: says "Invoice <number>", and the amount is the invoice's.
    const file = bankFile('APPLY', '321.00', [
      ['121.00', 'C', invoice.number],
      ['100.00', 'C', 'NOTHING-KNOWN'],
    ])
    const response = await upload(key, multipart([{ name: 'apply.sta', content: file }]))
    expect(response.status, response.text).toBe(200)
    expect(response.body.files[0].matching).toEqual({
      transactions: 2,
      applied: 1,
      suggested: 0,
      unmatched: 1,
      reversed: 0,
    })
    const open = await own.run(async (ctx) => (await openAmount(ctx, invoice.id)).openMinor)
    expect(open).toBe(0n)
  })

  test('imports uploaded files, reads them back whole, and adds nothing the second time', async () => {
    const key = await tenant.key('cash_application_specialist')
    const monday = bankFile('MON', '200.00', [
      ['121.00', 'C', 'A1'],
      ['21.00', 'D', 'A2'],
    ])
    const tuesday = bankFile('TUE', '221.00', [
      ['21.00', 'D', 'A2'],
      ['121.00', 'C', 'A1'],
      ['21.00', 'C', 'A3'],
    ])
    const first = await upload(
      key,
      multipart([
        { name: 'monday.sta', content: monday },
        { name: 'tuesday.sta', content: tuesday },
      ]),
    )
    expect(first.status, first.text).toBe(200)
    expect(first.body.files.map((f: any) => [f.file_name, f.entries, f.entries_new])).toEqual([
      ['monday.sta', 2, 2],
      ['tuesday.sta', 3, 1],
    ])
    expect(first.body.files[0].matching).toEqual({
      transactions: 2,
      applied: 0,
      suggested: 0,
      unmatched: 2,
      reversed: 0,
    })

    const o2cId = first.body.files[1].per_statement[0].o2c_id
    const read = await call(app, key, 'GET', `/v1/bank-statements/${o2cId}`)
    expect(read.status).toBe(200)
    expect(read.body).toMatchObject({
      o2c_id: o2cId,
      id: 'TUE',
      statement_number: '7',
      account: { iban: 'NL20INGB0001234567', currency: 'EUR' },
      opening_balance: { amount: '100.00', sign: 'C', date: '2026-03-01' },
      closing_balance: { amount: '221.00', sign: 'C', date: '2026-03-02' },
      balance_check: 'ok',
      file_name: 'tuesday.sta',
    })
    expect(read.body.entries.map((e: any) => [e.bank_reference, e.amount, e.sign])).toEqual([
      ['A2', '21.00', 'D'],
      ['A1', '121.00', 'C'],
      ['A3', '21.00', 'C'],
    ])

    const again = await upload(key, multipart([{ name: 'monday.sta', content: monday }]))
    expect(again.body.files[0]).toMatchObject({
      entries_new: 0,
      entries_known: 2,
      statements_already_imported: 1,
    })
    const list = await call(app, key, 'GET', '/v1/bank-statements')
    expect(list.body.data.map((s: any) => s.id)).toEqual(['MON', 'TUE'])
  })

  test('refuses an unbalanced statement naming the difference, and keeps it when allowed', async () => {
    const key = await tenant.key('cash_application_specialist')
    const off = bankFile('OFF', '300.00', [['121.00', 'C', 'B1']])
    const refused = await upload(key, multipart([{ name: 'off.sta', content: off }]))
    expect(refused.status).toBe(422)
    expect(refused.body).toMatchObject({
      type: '/problems/cashapp.statement_unbalanced',
      difference: '79.00',
      file: 'off.sta',
    })
    const kept = await upload(
      key,
      multipart([{ name: 'off.sta', content: off }]),
      '?allow_unbalanced=true',
    )
    expect(kept.status, kept.text).toBe(200)
    expect(kept.body.files[0].per_statement[0]).toMatchObject({
      unbalanced: true,
      difference: '79.00',
    })
  })

  test('a malformed file refuses the whole upload, the good file with it', async () => {
    const key = await tenant.key('cash_application_specialist')
    const good = bankFile('GOOD', '221.00', [['121.00', 'C', 'C1']])
    const response = await upload(
      key,
      multipart([
        { name: 'good.sta', content: good },
        { name: 'broken.sta', content: '{"statements": [' },
      ]),
    )
    expect(response.status).toBe(400)
    expect(response.body).toMatchObject({
      type: '/problems/cashapp.bank_file_malformed',
      file: 'broken.sta',
    })
    const list = await call(app, key, 'GET', '/v1/bank-statements?limit=500')
    expect(list.body.data.map((s: any) => s.id)).not.toContain('GOOD')
  })

  test('asks for multipart with at least one file in the field "file"', async () => {
    const key = await tenant.key('cash_application_specialist')
    const json = await call(app, key, 'POST', '/v1/bank-statements', { file: 'x' })
    expect(json.status).toBe(415)
    const elsewhere = await upload(key, multipart([{ name: 'a.sta', content: '{}' }], 'upload'))
    expect(elsewhere.status).toBe(400)
  })

  test('a collector may read statements but not import them', async () => {
    const key = await tenant.key('collector')
    const response = await upload(key, multipart([{ name: 'x.sta', content: '{}' }]))
    expect(response.status).toBe(403)
    expect((await call(app, key, 'GET', '/v1/bank-statements')).status).toBe(200)
  })

  test("another tenant cannot read a tenant's statement", async () => {
    const key = await tenant.key('cash_application_specialist')
    const imported = await upload(
      key,
      multipart([
        { name: 'mine.sta', content: bankFile('MINE', '221.00', [['121.00', 'C', 'D1']]) },
      ]),
    )
    const o2cId = imported.body.files[0].per_statement[0].o2c_id
    const other = await testTenant(platform)
    const otherKey = await other.key('admin')
    const read = await call(app, otherKey, 'GET', `/v1/bank-statements/${o2cId}`)
    expect(read.status).toBe(404)
    const list = await call(app, otherKey, 'GET', '/v1/bank-statements')
    expect(list.body.data).toEqual([])
  })
})

test('the OpenAPI document describes the upload and the reads', async () => {
  const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  const upload = document.paths['/v1/bank-statements'].post
  expect(upload.parameters.map((p: any) => p.name)).toContain('allow_unbalanced')
  expect(document.paths['/v1/bank-statements/{id}'].get.responses['200']).toBeDefined()
})
