import type { FastifyInstance } from 'fastify'
import { afterEach, beforeAll, describe, expect, test } from 'vitest'
import {
  call,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import { DomainError } from '../../core/errors.js'
import type { Platform } from '../../platform.js'
import { verifyAuditTrail } from '../audit/index.js'
import {
  handleImportedCreditLimits,
  type ImportedCreditLimit,
  type ImportOptions,
  importCustomers,
} from './import-customers.js'
import { createCustomer, customerGroup, findCustomerByNumber } from './service.js'

let platform: Platform
let app: FastifyInstance

beforeAll(async () => {
  platform = await testPlatform()
  app = await testServer(platform)
})

afterEach(() => handleImportedCreditLimits(undefined))

// Values that pass their check digits.
const vat = { bakery: 'NL004495445B01', berlin: 'DE136695976' }
const iban = { abn: 'NL91ABNA0417164300', ing: 'NL69INGB0123456789' }

function csv(...lines: string[]): string {
  return `${lines.join('\n')}\n`
}

async function importInto(tenant: TestTenant, text: string | Buffer, options?: ImportOptions) {
  return tenant.run((ctx) => importCustomers(ctx, () => [text], options))
}

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(DomainError)
  return error as DomainError
}

async function customersOf(tenant: TestTenant) {
  return tenant.run((ctx) =>
    ctx.db
      .selectFrom('customer')
      .select(['id', 'number', 'legalName', 'version', 'parentId', 'paymentTermsDays'])
      .orderBy('number')
      .execute(),
  )
}

async function countOf(tenant: TestTenant, table: 'auditEvent' | 'outboxEvent', where?: string) {
  return tenant.run(async (ctx) => {
    let query = ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n'))
    if (where && table === 'outboxEvent') query = query.where('type', '=', where)
    if (where && table === 'auditEvent') query = query.where('entityType', '=', where)
    return Number((await query.executeTakeFirstOrThrow()).n)
  })
}

const goodFile = csv(
  'customer_number,name,country,vat_id,coc_number,iban,email,phone,language,segment,currency,payment_terms_days,preferred_channel,credit_limit',
  `C-1,Bakkerij De Gouden Korst B.V.,nl,nl 0044.95.445.b01,12345678,NL91 ABNA 0417 1643 00,Els@Korst.nl,+31 6 1234 5678,nl,small business,EUR,14,email,25000.00`,
  `C-2,Berliner Brot GmbH,DE,${vat.berlin},,${iban.ing},info@brot.de,+49 30 1234567,de,enterprise,EUR,30,sms,`,
  'C-3,Jan Jansen,NL,,,,,,,consumer,,,,',
)

const fileWithBadRows = csv(
  'customer_number,name,country,vat_id,iban,segment,payment_terms_days',
  `B-1,Good One,NL,${vat.bakery},${iban.abn},enterprise,30`,
  'B-2,Bad Vat,DE,DE136695977,NL91ABNA0417164301,enterprise,30',
  'B-3,Good Two,NL,,,consumer,14',
  ',Nameless Number,XX,,,wholesale,forever',
  'B-5,Too,Many,Fields,,,,',
)

describe('importing customers from CSV', () => {
  test('a good file creates every customer, normalised, audited and announced', async () => {
    const acme = await testTenant(platform)
    const summary = await importInto(acme, goodFile)
    expect(summary).toMatchObject({ rows: 3, created: 3, updated: 0, unchanged: 0 })
    expect(summary.rejectedRows).toBe(0)
    const bakery = await acme.run((ctx) => findCustomerByNumber(ctx, 'C-1'))
    expect(bakery).toMatchObject({
      legalName: 'Bakkerij De Gouden Korst B.V.',
      country: 'NL',
      vatId: vat.bakery,
      segment: 'small_business',
      paymentTermsDays: 14,
      version: 1,
      ibans: [{ iban: iban.abn }],
      contacts: [{ email: 'els@korst.nl', phone: '+31612345678', preferredChannel: 'email' }],
    })
    const consumer = await acme.run((ctx) => findCustomerByNumber(ctx, 'C-3'))
    expect(consumer).toMatchObject({ segment: 'consumer', paymentTermsDays: 30, currency: 'EUR' })
    expect(consumer?.contacts).toEqual([])
    expect(await countOf(acme, 'auditEvent', 'customer')).toBe(3)
    expect(await countOf(acme, 'outboxEvent', 'customer.created')).toBe(3)
    const trail = await acme.run(verifyAuditTrail)
    expect(trail.problems).toEqual([])
  })

  test('an unknown column is refused, naming it, and nothing is written', async () => {
    const acme = await testTenant(platform)
    const error = await refusal(importInto(acme, csv('customer_number,name,vatnumber', 'C-1,A,x')))
    expect(error.code).toBe('customers.import_header_unknown')
    expect(error.message).toContain('"vatnumber"')
    expect(await customersOf(acme)).toEqual([])
  })

  test.each`
    header                       | missing
    ${'customer_number,country'} | ${'name'}
    ${'name,country'}            | ${'customer_number'}
    ${''}                        | ${'customer_number'}
  `('a file without the column $missing is refused', async ({ header, missing }) => {
    const acme = await testTenant(platform)
    const error = await refusal(importInto(acme, header ? csv(header, 'C-1,NL') : ''))
    expect(error.code).toBe('customers.import_header_missing')
    expect(error.details.missing).toContain(missing)
  })

  test('bad rows are named by line and column, and nothing of the file is written', async () => {
    const acme = await testTenant(platform)
    const error = await refusal(importInto(acme, fileWithBadRows))
    expect(error.code).toBe('customers.import_rejected')
    expect(error.status).toBe(422)
    const rejected = error.details.rejected as Array<{ line: number; column: string | null }>
    expect(rejected.map((p) => [p.line, p.column])).toEqual([
      [3, 'vat_id'],
      [3, 'iban'],
      [5, 'customer_number'],
      [5, 'country'],
      [5, 'segment'],
      [5, 'payment_terms_days'],
      [6, null],
    ])
    expect(error.details.rejected_rows).toBe(3)
    expect(await customersOf(acme)).toEqual([])
    expect(await countOf(acme, 'auditEvent', 'customer')).toBe(0)
    expect(await countOf(acme, 'outboxEvent')).toBe(0)
  })

  test('with skip-invalid the valid rows are kept and the others reported', async () => {
    const acme = await testTenant(platform)
    const summary = await importInto(acme, fileWithBadRows, { skipInvalid: true })
    expect(summary).toMatchObject({ rows: 5, created: 2, rejectedRows: 3, skippedInvalid: true })
    expect(summary.problems.map((p) => p.line)).toEqual([3, 3, 5, 5, 5, 5, 6])
    expect(summary.problems[0]).toMatchObject({ customerNumber: 'B-2', column: 'vat_id' })
    expect((await customersOf(acme)).map((c) => c.number)).toEqual(['B-1', 'B-3'])
  })

  test('a second row for one customer number is refused on its own line', async () => {
    const acme = await testTenant(platform)
    const error = await refusal(importInto(acme, csv('customer_number,name', 'D-1,A', 'D-1,B')))
    expect(error.details.rejected).toEqual([
      {
        line: 3,
        customer_number: 'D-1',
        column: 'customer_number',
        message: 'D-1 is on line 2 already',
      },
    ])
  })

  test('re-importing updates by number: changed rows get a new version and an audit event, unchanged rows are left alone', async () => {
    const acme = await testTenant(platform)
    await importInto(acme, goodFile)
    const [first] = await customersOf(acme)
    const again = goodFile
      .replace(',14,email,', ',45,email,')
      .replace('info@brot.de', 'rechnung@brot.de')
      .concat('C-4,Nieuwe Klant B.V.,NL,,,,,,,,,,,\n')
    const summary = await importInto(acme, again)
    expect(summary).toMatchObject({ rows: 4, created: 1, updated: 2, unchanged: 1 })
    const after = await customersOf(acme)
    expect(after.map((c) => [c.number, c.version])).toEqual([
      ['C-1', 2],
      ['C-2', 2],
      ['C-3', 1],
      ['C-4', 1],
    ])
    expect(after[0].id).toBe(first.id)
    expect(after[0].paymentTermsDays).toBe(45)
    const brot = await acme.run((ctx) => findCustomerByNumber(ctx, 'C-2'))
    expect(brot?.contacts.map((c) => c.email)).toEqual(['rechnung@brot.de'])
    const history = await call(app, await acme.key('admin'), 'GET', `/v1/audit?entity=${first.id}`)
    expect(history.body.data.map((e: { action: string }) => e.action)).toEqual([
      'created',
      'updated',
    ])
    expect(history.body.data[1].before.paymentTermsDays).toBe(14)
    expect(history.body.data[1].after.paymentTermsDays).toBe(45)
    const updated = await acme.run((ctx) =>
      ctx.db
        .selectFrom('outboxEvent')
        .select('payload')
        .where('type', '=', 'customer.updated')
        .orderBy('entityId')
        .execute(),
    )
    expect(updated.map((e) => (e.payload as { changed: string[] }).changed)).toEqual([
      ['paymentTermsDays'],
      ['contacts'],
    ])
    // The same file once more changes nothing at all.
    const third = await importInto(acme, again)
    expect(third).toMatchObject({ created: 0, updated: 0, unchanged: 4 })
    expect((await acme.run(verifyAuditTrail)).problems).toEqual([])
  })

  test('a column the file lacks keeps its stored value; an empty cell clears what may be empty', async () => {
    const acme = await testTenant(platform)
    await importInto(acme, goodFile)
    const summary = await importInto(
      acme,
      csv('customer_number,name,vat_id', 'C-1,Bakkerij De Gouden Korst B.V.,'),
    )
    expect(summary.updated).toBe(1)
    const bakery = await acme.run((ctx) => findCustomerByNumber(ctx, 'C-1'))
    expect(bakery).toMatchObject({ vatId: null, country: 'NL', paymentTermsDays: 14 })
    expect(bakery?.ibans).toHaveLength(1)
  })

  test.each([1, 500])(
    'a parent may be a later row of the file or a stored customer (batches of %i)',
    async (batchRows) => {
      const acme = await testTenant(platform)
      const holding = await acme.run((ctx) =>
        createCustomer(ctx, { number: 'G-0', legalName: 'Holding N.V.' }),
      )
      const summary = await importInto(
        acme,
        csv(
          'customer_number,name,parent_customer_number',
          'G-3,Kleindochter B.V.,G-2',
          'G-2,Dochter B.V.,G-1',
          'G-1,Tussenholding B.V.,G-0',
          'G-4,Zus B.V.,G-0',
        ),
        { batchRows },
      )
      expect(summary.created).toBe(4)
      const byNumber = new Map((await customersOf(acme)).map((c) => [c.number, c]))
      expect(byNumber.get('G-3')?.parentId).toBe(byNumber.get('G-2')?.id)
      expect(byNumber.get('G-2')?.parentId).toBe(byNumber.get('G-1')?.id)
      expect(byNumber.get('G-1')?.parentId).toBe(holding.id)
      const group = await acme.run((ctx) => customerGroup(ctx, byNumber.get('G-3')?.id ?? ''))
      expect(group.rootId).toBe(holding.id)
      expect(group.memberIds).toHaveLength(5)
      // The audit event of a child written before its parent shows the parent it ended with.
      const g3 = await call(
        app,
        await acme.key('admin'),
        'GET',
        `/v1/audit?entity=${byNumber.get('G-3')?.id}`,
      )
      expect(g3.body.data[0].after.parentId).toBe(byNumber.get('G-2')?.id)
      expect((await acme.run(verifyAuditTrail)).problems).toEqual([])
    },
  )

  test('a parent that exists nowhere, or a group that would become a circle, is refused', async () => {
    const acme = await testTenant(platform)
    await acme.run(async (ctx) => {
      const top = await createCustomer(ctx, { number: 'H-1', legalName: 'Top' })
      await createCustomer(ctx, { number: 'H-2', legalName: 'Under', parentId: top.id })
    })
    const error = await refusal(
      importInto(
        acme,
        csv(
          'customer_number,name,parent_customer_number',
          'H-1,Top,H-2',
          'K-1,Orphan,K-404',
          'L-1,Left,L-2',
          'L-2,Right,L-1',
          'M-1,Child of a bad row,N-1',
          'N-1,,',
        ),
      ),
    )
    const problems = error.details.rejected as Array<{ line: number; message: string }>
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 7])
    expect(problems[0].message).toContain('circle: H-1 → H-2 → H-1')
    expect(problems[1].message).toBe('no customer K-404 in o2c or in this file')
    expect(problems[2].message).toContain('circle')
    expect(problems[4].message).toContain('its row (line 7) was refused')
  })

  test('Dutch Excel files with a byte order mark, semicolons and CRLF are read', async () => {
    const acme = await testTenant(platform)
    const excel =
      '\uFEFFcustomer_number;name;country;iban;credit_limit\r\n' +
      `E-1;"Bakkerij; De Korst";NL;${iban.abn};1000.50\r\n` +
      '\r\n' +
      'E-2;"Twee\r\nregels B.V.";NL;;\r\n' +
      'E-3;Fout;NL;NL00XXXX;\r\n'
    const error = await refusal(importInto(acme, excel))
    // The quoted cell over two lines pushes E-3 to line 6 of the file.
    expect(error.details.rejected).toMatchObject([{ line: 6, column: 'iban' }])
    const summary = await importInto(acme, excel, { skipInvalid: true })
    expect(summary.created).toBe(2)
    const korst = await acme.run((ctx) => findCustomerByNumber(ctx, 'E-1'))
    expect(korst?.legalName).toBe('Bakkerij; De Korst')
  })

  test('a file that is not UTF-8 or not valid CSV is refused at its line', async () => {
    const acme = await testTenant(platform)
    const ansi = Buffer.from('customer_number,name\nA-1,Caf\xe9 Noir\n', 'latin1')
    const error = await refusal(importInto(acme, ansi))
    expect(error.details.rejected).toMatchObject([{ line: 2, column: 'name' }])
    const broken = await refusal(
      importInto(acme, csv('customer_number,name', 'A-1,"Open', 'A-2,B')),
    )
    expect(broken.code).toBe('customers.import_malformed')
    expect(broken.message).toContain('line')
  })

  test('a column named twice is refused; a file that changes between the passes writes nothing', async () => {
    const acme = await testTenant(platform)
    const twice = await refusal(importInto(acme, csv('customer_number,name,Name', 'A,B,C')))
    expect(twice.code).toBe('customers.import_header_repeated')
    const versions = [
      csv('customer_number,name', 'F-1,First'),
      csv('customer_number,name', 'F-2,Other'),
    ]
    let opened = 0
    const changing = await refusal(
      acme.run((ctx) => importCustomers(ctx, () => [versions[opened++]])),
    )
    expect(changing.code).toBe('customers.import_file_changed')
    expect(await customersOf(acme)).toEqual([])
  })

  test('credit limits are read in the customer currency and handed to the credit module', async () => {
    const acme = await testTenant(platform)
    await acme.run((ctx) =>
      createCustomer(ctx, { number: 'Y-1', legalName: 'Yen KK', currency: 'JPY' }),
    )
    const handed: ImportedCreditLimit[] = []
    handleImportedCreditLimits(async (_ctx, limits) => {
      handed.push(...limits)
      return undefined
    })
    const refused = await refusal(
      importInto(
        acme,
        csv('customer_number,name,credit_limit', 'Y-1,Yen KK,100.50', 'Y-2,Euro,-5'),
      ),
    )
    expect(refused.details.rejected).toMatchObject([
      { line: 2, column: 'credit_limit', message: expect.stringContaining('JPY') },
      { line: 3, column: 'credit_limit', message: 'cannot be negative' },
    ])
    expect(handed).toEqual([])
    const summary = await importInto(
      acme,
      csv('customer_number,name,credit_limit', 'Y-1,Yen KK,1000000', 'Y-2,Euro,25000.00'),
    )
    expect(summary.creditLimits).toBe(2)
    expect(handed.map((l) => [l.customerNumber, l.limitMinor, l.currency])).toEqual([
      ['Y-1', 1_000_000n, 'JPY'],
      ['Y-2', 2_500_000n, 'EUR'],
    ])
  })
})

describe('POST /v1/customers/import', () => {
  const post = (key: string, body: string, query = '') =>
    call(app, key, 'POST', `/v1/customers/import${query}`, body, { 'content-type': 'text/csv' })

  test('imports a CSV body and answers with the summary', async () => {
    const acme = await testTenant(platform)
    const key = await acme.key('credit_analyst')
    const created = await post(key, goodFile)
    expect(created.status).toBe(200)
    expect(created.body).toMatchObject({ rows: 3, created: 3, rejected_rows: 0, rejected: [] })
    const again = await post(key, goodFile)
    expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: 3 })
  })

  test('refuses a file with bad rows as problem+json naming line and column', async () => {
    const acme = await testTenant(platform)
    const key = await acme.key('credit_analyst')
    const refused = await post(key, fileWithBadRows)
    expect(refused.status).toBe(422)
    expect(refused.headers['content-type']).toContain('application/problem+json')
    expect(refused.body.type).toBe('/problems/customers.import_rejected')
    expect(refused.body.rejected[0]).toEqual({
      line: 3,
      customer_number: 'B-2',
      column: 'vat_id',
      message: expect.stringContaining('check digit'),
    })
    expect((await call(app, key, 'GET', '/v1/customers')).body.data).toEqual([])
    const skipped = await post(key, fileWithBadRows, '?skip_invalid=true')
    expect(skipped.status).toBe(200)
    expect(skipped.body).toMatchObject({ created: 2, rejected_rows: 3, skipped_invalid: true })
  })

  test('takes text/csv with a charset, and is in the OpenAPI document as text/csv', async () => {
    const acme = await testTenant(platform)
    const created = await call(
      app,
      await acme.key('admin'),
      'POST',
      '/v1/customers/import',
      goodFile,
      {
        'content-type': 'text/csv; charset=utf-8',
      },
    )
    expect(created.body).toMatchObject({ created: 3 })
    const openapi = await call(app, undefined, 'GET', '/openapi.json')
    const operation = openapi.body.paths['/v1/customers/import'].post
    expect(Object.keys(operation.requestBody.content)).toEqual(['text/csv'])
    expect(operation.parameters.map((p: { name: string }) => p.name)).toEqual(['skip_invalid'])
  })

  test('an unknown column is a 400 naming it; a read-only key may not import', async () => {
    const acme = await testTenant(platform)
    const unknown = await post(await acme.key('admin'), csv('customer_number,name,kleur', 'A,B,C'))
    expect(unknown.status).toBe(400)
    expect(unknown.body.unknown).toEqual(['kleur'])
    expect((await post(await acme.key('read_only'), goodFile)).status).toBe(403)
  })
})

describe('the import writes in sets', () => {
  // The statements behind the performance figures (docs/performance.md) are pinned in a
  // committed file, so that a change to them shows up as a SQL diff in review.
  test('a file costs a few statements per batch, whatever its rows; their SQL is pinned', async () => {
    const acme = await testTenant(platform)
    const header = 'customer_number,name,country,iban,email,credit_limit,parent_customer_number'
    const rows = Array.from(
      { length: 300 },
      (_, i) => `S-${i},Set ${i} B.V.,NL,${iban.abn},info@set${i}.nl,100.00,${i > 0 ? 'S-0' : ''}`,
    )
    const statements: string[] = []
    const importWatched = (text: string) =>
      acme.run(async (ctx) => {
        const executor = ctx.db.getExecutor()
        const watched = ctx.db.withPlugin({
          transformQuery: ({ node, queryId }) => {
            const { sql } = executor.compileQuery(node, queryId)
            statements.push(
              sql
                .split('\n')
                .map((line) => line.trim())
                .join('\n')
                .trim(),
            )
            return node
          },
          transformResult: async ({ result }) => result,
        })
        return importCustomers({ ...ctx, db: watched }, () => [text])
      })
    await importWatched(csv(header, ...rows))
    const created = statements.length
    await importWatched(csv(header, ...rows.map((r) => r.replace('info@', 'billing@'))))
    expect(created).toBeLessThanOrEqual(10)
    expect(statements.length - created).toBeLessThanOrEqual(10)
    await expect(`${[...new Set(statements)].join('\n\n')}\n`).toMatchFileSnapshot(
      '__snapshots__/import-statements.sql',
    )
  })
})
