import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import type { FastifyInstance } from 'fastify'
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest'
import {
  call,
  rowCount,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import type { Platform } from '../../platform.js'
import { orderCommands } from './commands.js'
import { creditLimit, creditPolicy } from './test-helpers.js'

let platform: Platform
let app: FastifyInstance
let acme: TestTenant
let coordinator: string

const header =
  'order_ref,customer_number,customer_reference,currency,item,description,quantity,unit,unit_price,discount_percent,vat_category,vat_rate,requested_delivery_date,payment_terms_days'

const goodFile = [
  header,
  'WEB-1,C-300,PO-1,EUR,BREAD,Sourdough,10,C62,3.50,,S,9,2026-04-01,',
  'WEB-1,C-300,PO-1,EUR,CAKE,Apple pie,2,C62,12.00,10,S,9,2026-04-01,',
  'WEB-2,C-301,,,COFFEE,Beans 1 kg,1.5,KGM,18.00,,S,9,,7',
].join('\n')

const importOrders = (csv: string, query = '', headers: Record<string, string> = {}) =>
  call(app, coordinator, 'POST', `/v1/orders/import${query}`, csv, {
    'content-type': 'text/csv',
    ...headers,
  })

async function orderCount() {
  return acme.run((ctx) => rowCount(ctx, 'salesOrder'))
}

beforeAll(async () => {
  platform = await testPlatform()
  app = await testServer(platform)
  acme = await testTenant(platform)
  coordinator = await acme.key('order_coordinator')
  await creditPolicy(app, acme)
  for (const [number, currency] of [
    ['C-300', 'EUR'],
    ['C-301', 'USD'],
  ]) {
    const made = await call(app, coordinator, 'POST', '/v1/customers', {
      number,
      legal_name: `Customer ${number}`,
      currency,
      payment_terms_days: 30,
    })
    expect(made.status).toBe(201)
    if (number === 'C-300') await creditLimit(app, acme, made.body.id, { limit: '1000000.00' })
  }
})

describe('importing orders from CSV', () => {
  test('rows with one order_ref make one order; the customer fills in what the file leaves out', async () => {
    const imported = await importOrders(goodFile)
    expect(imported.status, JSON.stringify(imported.body)).toBe(200)
    expect(imported.body.rows).toBe(3)
    expect(
      imported.body.imported.map((o: { order_ref: string; lines: number }) => [
        o.order_ref,
        o.lines,
      ]),
    ).toEqual([
      ['WEB-1', 2],
      ['WEB-2', 1],
    ])
    const web1 = await call(app, coordinator, 'GET', `/v1/orders/${imported.body.imported[0].id}`)
    expect(web1.body).toMatchObject({
      status: 'draft',
      customer_reference: 'PO-1',
      currency: 'EUR',
      payment_terms_days: 30,
      requested_delivery_date: '2026-04-01',
      net_total: '56.60',
      vat_total: '5.09',
      gross_total: '61.69',
      source_reference: 'WEB-1',
    })
    const web2 = await call(app, coordinator, 'GET', `/v1/orders/${imported.body.imported[1].id}`)
    expect(web2.body).toMatchObject({ currency: 'USD', payment_terms_days: 7, net_total: '27.00' })
    expect(web2.body.lines[0]).toMatchObject({ unit: 'KGM', quantity: '1.5' })
  })

  test('importing the same file again creates nothing twice', async () => {
    const before = await orderCount()
    const again = await importOrders(goodFile)
    expect(again.status).toBe(200)
    expect(again.body.imported).toEqual([])
    expect(
      again.body.already_imported.map((o: { order_ref: string }) => o.order_ref).sort(),
    ).toEqual(['WEB-1', 'WEB-2'])
    expect(await orderCount()).toBe(before)
  })

  test('a file with bad rows is refused whole, every bad row named by line and column', async () => {
    const before = await orderCount()
    const bad = [
      header,
      'BAD-1,C-300,,EUR,BREAD,,10,C62,3.50,,S,9,,',
      'BAD-1,C-300,,EUR,BREAD,,10,C62,3.505,,S,9,,',
      'BAD-2,C-999,,EUR,BREAD,,1,C62,1.00,,S,9,,',
      'BAD-2,C-999,,EUR,BREAD,,1,C62,1.00,,S,21%,,',
      'BAD-3,C-300,,EUR,BREAD,,1,C62,1.00,,S,0,,',
      'BAD-3,C-300,PO-other,EUR,BREAD,,1,C62,1.00,,S,9,,',
      'BAD-4,C-300,,EUR,,,1,C62,1.00,,S,9,2026-13-01,',
    ].join('\n')
    const refused = await importOrders(bad)
    expect(refused.status).toBe(422)
    expect(refused.body.type).toBe('/problems/orders.import_rejected')
    expect(
      refused.body.errors.map((e: { line: number; field: string }) => `${e.line} ${e.field}`),
    ).toEqual([
      '3 unit_price',
      '4 customer_number',
      '5 vat_rate',
      '6 vat_rate',
      '7 customer_reference',
      '8 requested_delivery_date',
      '8 item',
    ])
    expect(refused.body.detail).toContain('line 3, unit_price')
    expect(await orderCount()).toBe(before)
  })

  test('with skip_invalid the orders whose rows are all valid are kept', async () => {
    const mixed = [
      header,
      'SKIP-1,C-300,,EUR,BREAD,,1,C62,1.00,,S,9,,',
      'SKIP-2,C-300,,EUR,BREAD,,1,C62,1.00,,S,9,,',
      'SKIP-2,C-300,,EUR,BREAD,,x,C62,1.00,,S,9,,',
    ].join('\n')
    const report = await importOrders(mixed, '?skip_invalid=true')
    expect(report.status).toBe(200)
    expect(report.body.imported.map((o: { order_ref: string }) => o.order_ref)).toEqual(['SKIP-1'])
    expect(report.body.rejected).toEqual([expect.objectContaining({ line: 4, field: 'quantity' })])
  })

  test('an unknown header is refused', async () => {
    const refused = await importOrders(
      'order_ref,customer_number,item,quantity,unit_price,vat_category,vat_rate,colour\n',
    )
    expect(refused.status).toBe(422)
    expect(refused.body.errors).toEqual([expect.objectContaining({ line: 1, field: 'colour' })])
    const missing = await importOrders('order_ref,customer_number\nX,C-300\n')
    expect(missing.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'item',
      'quantity',
      'unit_price',
      'vat_category',
      'vat_rate',
    ])
  })

  test('confirm=true confirms each imported order', async () => {
    const report = await importOrders(
      [header, 'CONF-1,C-300,,EUR,BREAD,,1,C62,1.00,,S,9,,'].join('\n'),
      '?confirm=true',
    )
    expect(report.body.imported[0].status).toBe('confirmed')
  })
})

describe('o2c orders import', () => {
  let output = ''
  let errors = ''

  afterEach(() => {
    vi.restoreAllMocks()
    output = ''
    errors = ''
  })

  async function o2c(...args: string[]) {
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      output += String(chunk)
      return true
    })
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      errors += String(chunk)
      return true
    })
    const program = new Command('o2c').exitOverride()
    orderCommands(program, {
      platform: async () => platform,
      tenantSlug: (options) => options.tenant ?? '',
    })
    return program.parseAsync(['node', 'o2c', ...args])
  }

  function file(name: string, text: string): string {
    const path = join(mkdtempSync(join(tmpdir(), 'o2c-orders-')), name)
    writeFileSync(path, text)
    return path
  }

  test('imports a file and prints the report as JSON', async () => {
    const path = file(
      'orders.csv',
      [header, 'CLI-1,C-300,,EUR,BREAD,,2,C62,1.00,,S,9,,'].join('\n'),
    )
    await o2c('orders', 'import', path, '--tenant', acme.slug, '--confirm', '--json')
    const report = JSON.parse(output)
    expect(report.imported).toEqual([
      expect.objectContaining({ order_ref: 'CLI-1', status: 'confirmed', lines: 1 }),
    ])
  })

  test('a bad file is refused with every bad line reported, and nothing imported', async () => {
    const before = await orderCount()
    const path = file(
      'bad.csv',
      [
        header,
        'CLI-2,C-300,,EUR,BREAD,,2,C62,1.001,,S,9,,',
        'CLI-3,C-404,,EUR,X,,1,C62,1,,S,9,,',
      ].join('\n'),
    )
    const failure = await o2c('orders', 'import', path, '--tenant', acme.slug).catch((e) => e)
    expect(failure.code).toBe('orders.import_rejected')
    expect(errors).toContain('line 2 unit_price')
    expect(errors).toContain('line 3 customer_number: no customer with number C-404')
    expect(await orderCount()).toBe(before)
  })
})
