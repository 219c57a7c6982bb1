import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest'
import {
  call,
  manualClock,
  rowCount,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import { DomainError } from '../../core/errors.js'
import type { Platform } from '../../platform.js'
import { createCustomer } from '../customers/index.js'
import { trialBalance } from '../ledger/index.js'
import { openItemsCommands } from './open-items-commands.js'
import { importOpenItems } from './open-items-import.js'

// Opening balances: a company that starts with o2c mid-life brings its open items along.
// Today is 1 April 2026 (Europe/Amsterdam) throughout.

const header =
  'invoice_number,customer_number,issue_date,due_date,currency,amount,open_amount,payment_reference'

let platform: Platform
let app: FastifyInstance

beforeAll(async () => {
  platform = await testPlatform(manualClock('2026-04-01T10:00:00Z'))
  app = await testServer(platform)
}, 60_000)

async function tenantWithCustomers(): Promise<TestTenant> {
  const tenant = await testTenant(platform)
  await tenant.run(async (ctx) => {
    await createCustomer(ctx, { number: 'C-1', legalName: 'Bakkerij Jansen BV' })
    await createCustomer(ctx, { number: 'C-2', legalName: 'Slagerij de Vries' })
  })
  return tenant
}

const csv = (...rows: string[]) => [header, ...rows].join('\n')

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${error}`)
  return error
}

async function counts(tenant: TestTenant) {
  return tenant.run(async (ctx) => ({
    invoices: await rowCount(ctx, 'invoice'),
    settlements: await rowCount(ctx, 'invoiceSettlement'),
    entries: await rowCount(ctx, 'journalEntry'),
  }))
}

describe('importing open items', () => {
  test('each row becomes an issued invoice whose open amount, receivable and credit position agree', async () => {
    const tenant = await tenantWithCustomers()
    const summary = await tenant.run((ctx) =>
      importOpenItems(ctx, () => [
        csv(
          'OLD-1001,C-1,2026-02-01,2026-03-03,EUR,1210.00,1210.00,5000056789012345',
          'OLD-1002,C-1,2026-03-01,2026-03-31,EUR,605.00,105.00,',
          'OLD-1003,C-2,2026-03-15,2026-04-14,EUR,99.95,99.95,RF18 5390 0754 7034',
          'OLD-1004,C-2,2026-03-20,2026-04-19,USD,500,250.50,+++090/9337/55493+++',
        ),
      ]),
    )
    expect(summary).toMatchObject({ rows: 4, imported: 4, rejectedRows: 0 })
    expect(summary.totals).toEqual([
      { currency: 'EUR', items: 3, amountMinor: 191_495n, openMinor: 141_495n },
      { currency: 'USD', items: 1, amountMinor: 50_000n, openMinor: 25_050n },
    ])
    // One entry per customer and currency.
    expect(summary.journalEntries).toBe(3)

    const items = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('invoiceOpenItem')
        .select(['number', 'currency', 'payableMinor', 'openMinor', 'dueDate', 'paymentReference'])
        .orderBy('number')
        .execute(),
    )
    expect(items).toEqual([
      {
        number: 'OLD-1001',
        currency: 'EUR',
        payableMinor: 121_000n,
        openMinor: 121_000n,
        dueDate: '2026-03-03',
        paymentReference: '5000056789012345',
      },
      {
        number: 'OLD-1002',
        currency: 'EUR',
        payableMinor: 60_500n,
        openMinor: 10_500n,
        dueDate: '2026-03-31',
        paymentReference: 'OLD-1002',
      },
      {
        number: 'OLD-1003',
        currency: 'EUR',
        payableMinor: 9_995n,
        openMinor: 9_995n,
        dueDate: '2026-04-14',
        paymentReference: 'RF18539007547034',
      },
      {
        number: 'OLD-1004',
        currency: 'USD',
        payableMinor: 50_000n,
        openMinor: 25_050n,
        dueDate: '2026-04-19',
        paymentReference: '+++090/9337/55493+++',
      },
    ])
    const invoice = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('invoice')
        .select(['status', 'origin', 'sequence', 'documentType', 'buyer', 'paymentTerms'])
        .where('number', '=', 'OLD-1001')
        .executeTakeFirstOrThrow(),
    )
    expect(invoice).toMatchObject({
      status: 'issued',
      origin: 'opening_balance',
      sequence: null,
      documentType: 'invoice',
      buyer: { name: 'Bakkerij Jansen BV', customer_number: 'C-1' },
      paymentTerms: { net_days: 30 },
    })

    // The credit check sees what each customer owes.
    const positions = await tenant.run((ctx) =>
      sql<{ number: string; currency: string; openMinor: bigint; oldestDueDate: string }>`
        select c.number, p.currency, p.open_minor, p.oldest_due_date
        from customer_receivable_position p join customer c on c.id = p.customer_id
        order by c.number, p.currency`.execute(ctx.db),
    )
    expect(positions.rows).toEqual([
      { number: 'C-1', currency: 'EUR', openMinor: 131_500n, oldestDueDate: '2026-03-03' },
      { number: 'C-2', currency: 'EUR', openMinor: 9_995n, oldestDueDate: '2026-04-14' },
      { number: 'C-2', currency: 'USD', openMinor: 25_050n, oldestDueDate: '2026-04-19' },
    ])

    // The ledger: receivable against opening balances for what is open, on the import date.
    const balance = await tenant.run((ctx) => trialBalance(ctx))
    const row = (code: string, currency: string) =>
      balance.rows.find((r) => r.accountCode === code && r.currency === currency)?.balanceMinor
    expect(row('1100', 'EUR')).toBe(141_495n)
    expect(row('0900', 'EUR')).toBe(-141_495n)
    expect(row('1100', 'USD')).toBe(25_050n)
    const perCustomer = await tenant.run((ctx) =>
      sql<{ number: string; currency: string; receivable: bigint; postedOn: string }>`
        select c.number, l.currency, sum(l.debit_minor - l.credit_minor)::bigint as receivable,
               min(e.posted_on)::text as posted_on
        from journal_line l join customer c on c.id = l.customer_id
        join journal_entry e on e.id = l.entry_id
        where l.account_code = '1100' group by c.number, l.currency
        order by c.number, l.currency`.execute(ctx.db),
    )
    expect(perCustomer.rows).toEqual([
      { number: 'C-1', currency: 'EUR', receivable: 131_500n, postedOn: '2026-04-01' },
      { number: 'C-2', currency: 'EUR', receivable: 9_995n, postedOn: '2026-04-01' },
      { number: 'C-2', currency: 'USD', receivable: 25_050n, postedOn: '2026-04-01' },
    ])
    const settled = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('invoiceSettlement')
        .select(['kind', 'amountMinor', 'sourceType', 'sourceId'])
        .orderBy('amountMinor')
        .execute(),
    )
    expect(settled).toEqual([
      {
        kind: 'prior_settlement',
        amountMinor: 24_950n,
        sourceType: 'open_items_import',
        sourceId: summary.importId,
      },
      {
        kind: 'prior_settlement',
        amountMinor: 50_000n,
        sourceType: 'open_items_import',
        sourceId: summary.importId,
      },
    ])
    const audit = await tenant.run((ctx) =>
      sql<{ entityType: string; n: number }>`select entity_type, count(*)::int as n from audit_event
        where action in ('imported', 'posted') group by entity_type order by entity_type`.execute(
        ctx.db,
      ),
    )
    expect(audit.rows).toEqual([
      { entityType: 'invoice', n: 4 },
      { entityType: 'journal_entry', n: 3 },
    ])
  })

  test.each`
    row                                                                   | column                 | message
    ${'OLD-1,C-404,2026-03-01,2026-03-31,EUR,10.00,10.00,'}               | ${'customer_number'}   | ${'no customer C-404'}
    ${'OLD-1,C-1,2026-02-30,2026-03-31,EUR,10.00,10.00,'}                 | ${'issue_date'}        | ${'"2026-02-30" is not a date YYYY-MM-DD'}
    ${'OLD-1,C-1,01-03-2026,2026-03-31,EUR,10.00,10.00,'}                 | ${'issue_date'}        | ${'"01-03-2026" is not a date'}
    ${'OLD-1,C-1,2026-04-02,2026-05-02,EUR,10.00,10.00,'}                 | ${'issue_date'}        | ${'is after today (2026-04-01)'}
    ${'OLD-1,C-1,2026-03-01,2026-02-28,EUR,10.00,10.00,'}                 | ${'due_date'}          | ${'is before the issue date 2026-03-01'}
    ${'OLD-1,C-1,2026-03-01,2026-03-31,EUX,10.00,10.00,'}                 | ${'currency'}          | ${'"EUX" is not an ISO 4217 currency'}
    ${'OLD-1,C-1,2026-03-01,2026-03-31,EUR,"1.210,00",10.00,'}            | ${'amount'}            | ${'is not an amount in EUR'}
    ${'OLD-1,C-1,2026-03-01,2026-03-31,EUR,10.001,10.00,'}                | ${'amount'}            | ${'is not an amount in EUR'}
    ${'OLD-1,C-1,2026-03-01,2026-03-31,JPY,1000.5,1000,'}                 | ${'amount'}            | ${'is not an amount in JPY'}
    ${'OLD-1,C-1,2026-03-01,2026-03-31,EUR,0.00,0.00,'}                   | ${'amount'}            | ${'must be above 0'}
    ${'OLD-1,C-1,2026-03-01,2026-03-31,EUR,10.00,0.00,'}                  | ${'open_amount'}       | ${'is 0: nothing is open'}
    ${'OLD-1,C-1,2026-03-01,2026-03-31,EUR,10.00,-1.00,'}                 | ${'open_amount'}       | ${'cannot be negative'}
    ${'OLD-1,C-1,2026-03-01,2026-03-31,EUR,10.00,10.01,'}                 | ${'open_amount'}       | ${'10.01 is more than the amount 10.00'}
    ${'OLD-1,C-1,2026-03-01,2026-03-31,EUR,10.00,10.00,5000056789012346'} | ${'payment_reference'} | ${'is not a valid Dutch payment reference'}
    ${'OLD-1,C-1,2026-03-01,2026-03-31,EUR,10.00,10.00,RF19539007547034'} | ${'payment_reference'} | ${'check digit'}
    ${',C-1,2026-03-01,2026-03-31,EUR,10.00,10.00,'}                      | ${'invoice_number'}    | ${'is required'}
    ${'OLD-1,C-1,2026-03-01,2026-03-31,EUR,10.00'}                        | ${null}                | ${'has 6 fields where the header has 8'}
  `(
    'refuses $column: $message, naming line and column, and writes nothing',
    async ({ row, column, message }) => {
      const tenant = await tenantWithCustomers()
      const before = await counts(tenant)
      const error = await refusal(
        tenant.run((ctx) =>
          importOpenItems(ctx, () => [
            csv('OLD-0,C-1,2026-03-01,2026-03-31,EUR,10.00,10.00,', row),
          ]),
        ),
      )
      expect(error.code).toBe('invoicing.open_items_rejected')
      expect(error.details.rejected_rows).toBe(1)
      const rejected = error.details.rejected as Array<Record<string, unknown>>
      expect(rejected[0]).toMatchObject({ line: 3, column })
      expect(String(rejected[0].message)).toContain(message)
      expect(await counts(tenant)).toEqual(before)
    },
  )

  test('a number twice in the file, or one that exists, is refused; re-importing the file is refused whole', async () => {
    const tenant = await tenantWithCustomers()
    const file = csv(
      'OLD-1,C-1,2026-03-01,2026-03-31,EUR,10.00,10.00,',
      'OLD-2,C-2,2026-03-01,2026-03-31,EUR,20.00,20.00,',
    )
    await tenant.run((ctx) => importOpenItems(ctx, () => [file]))
    const before = await counts(tenant)
    const again = await refusal(tenant.run((ctx) => importOpenItems(ctx, () => [file])))
    expect(again.details.rejected).toEqual([
      expect.objectContaining({
        line: 2,
        column: 'invoice_number',
        message: expect.stringContaining('OLD-1 exists already'),
      }),
      expect.objectContaining({
        line: 3,
        column: 'invoice_number',
        message: expect.stringContaining('OLD-2 exists already'),
      }),
    ])
    const twice = await refusal(
      tenant.run((ctx) =>
        importOpenItems(ctx, () => [
          csv(
            'OLD-3,C-1,2026-03-01,2026-03-31,EUR,10.00,10.00,',
            'OLD-3,C-2,2026-03-01,2026-03-31,EUR,20.00,20.00,',
          ),
        ]),
      ),
    )
    expect(twice.details.rejected).toEqual([
      expect.objectContaining({ line: 3, message: 'OLD-3 is on line 2 already' }),
    ])
    expect(await counts(tenant)).toEqual(before)
  })

  test('with skip-invalid the valid rows are imported and the others reported', async () => {
    const tenant = await tenantWithCustomers()
    await tenant.run((ctx) =>
      importOpenItems(ctx, () => [csv('OLD-1,C-1,2026-03-01,2026-03-31,EUR,10.00,10.00,')]),
    )
    // The extended file, run again: the known number is skipped, the new one imported.
    const summary = await tenant.run((ctx) =>
      importOpenItems(
        ctx,
        () => [
          csv(
            'OLD-1,C-1,2026-03-01,2026-03-31,EUR,10.00,10.00,',
            'OLD-2,C-1,2026-03-01,2026-03-31,EUR,30.00,12.50,',
            'OLD-3,C-9,2026-03-01,2026-03-31,EUR,30.00,12.50,',
          ),
        ],
        { skipInvalid: true },
      ),
    )
    expect(summary).toMatchObject({ rows: 3, imported: 1, rejectedRows: 2, skippedInvalid: true })
    expect(summary.problems.map((p) => [p.line, p.column])).toEqual([
      [2, 'invoice_number'],
      [4, 'customer_number'],
    ])
    const open = await tenant.run((ctx) =>
      sql<{
        total: bigint
      }>`select sum(open_minor)::bigint as total from invoice_open_item`.execute(ctx.db),
    )
    expect(open.rows[0].total).toBe(2_250n)
  })

  test.each`
    header                                                                              | code                                      | says
    ${'invoice_number,customer_number,issue_date,due_date,currency,amount,open_amount'} | ${'invoicing.open_items_header_missing'}  | ${'payment_reference'}
    ${`${header},note`}                                                                 | ${'invoicing.open_items_header_unknown'}  | ${'"note"'}
    ${`${header},amount`}                                                               | ${'invoicing.open_items_header_repeated'} | ${'"amount"'}
    ${''}                                                                               | ${'invoicing.open_items_header_missing'}  | ${'empty'}
  `(
    'a header that is not exactly the columns is refused: $code',
    async ({ header: head, code, says }) => {
      const tenant = await tenantWithCustomers()
      const error = await refusal(
        tenant.run((ctx) => importOpenItems(ctx, () => [head ? `${head}\nOLD-1,C-1\n` : ''])),
      )
      expect(error.code).toBe(code)
      expect(error.message).toContain(says)
    },
  )

  test('a semicolon file from Dutch Excel with a byte order mark reads as well', async () => {
    const tenant = await tenantWithCustomers()
    const summary = await tenant.run((ctx) =>
      importOpenItems(ctx, () => [
        `\uFEFF${header.replaceAll(',', ';')}\r\nOLD-7;C-1;2026-03-01;2026-03-31;EUR;10.00;10.00;\r\n`,
      ]),
    )
    expect(summary.imported).toBe(1)
  })

  test('many rows over several batches post one entry per customer and currency', async () => {
    const tenant = await tenantWithCustomers()
    const rows = Array.from({ length: 250 }, (_, i) => {
      const customer = i % 2 === 0 ? 'C-1' : 'C-2'
      return `B-${i},${customer},2026-03-01,2026-03-31,EUR,${i + 1}.00,${i + 1}.00,`
    })
    const summary = await tenant.run((ctx) =>
      importOpenItems(ctx, () => [csv(...rows)], { batchRows: 100 }),
    )
    expect(summary.imported).toBe(250)
    expect(summary.journalEntries).toBe(2)
    const open = await tenant.run((ctx) =>
      sql<{ items: bigint; ledger: bigint }>`select
          (select sum(open_minor) from invoice_open_item)::bigint as items,
          (select sum(debit_minor - credit_minor) from journal_line
            where account_code = '1100')::bigint as ledger`.execute(ctx.db),
    )
    expect(open.rows[0]).toEqual({ items: 3_137_500n, ledger: 3_137_500n })
  })
})

describe('POST /v1/invoices/open-items-import', () => {
  test('imports the CSV body and answers the summary', async () => {
    const tenant = await tenantWithCustomers()
    const res = await call(
      app,
      await tenant.key('billing_specialist'),
      'POST',
      '/v1/invoices/open-items-import',
      csv('API-1,C-1,2026-03-01,2026-03-31,EUR,10.00,4.00,'),
      { 'content-type': 'text/csv' },
    )
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      rows: 1,
      imported: 1,
      rejected_rows: 0,
      totals: [{ currency: 'EUR', items: 1, amount: '10.00', open_amount: '4.00' }],
      journal_entries: 1,
    })
  })

  test('a file with a bad row is a 422 listing line and column, and nothing is written', async () => {
    const tenant = await tenantWithCustomers()
    const res = await call(
      app,
      await tenant.key('admin'),
      'POST',
      '/v1/invoices/open-items-import',
      csv(
        'API-2,C-1,2026-03-01,2026-03-31,EUR,10.00,4.00,',
        'API-3,C-1,2026-03-01,2026-03-31,EUR,abc,4.00,',
      ),
      { 'content-type': 'text/csv' },
    )
    expect(res.status).toBe(422)
    expect(res.body.type).toBe('/problems/invoicing.open_items_rejected')
    expect(res.body.rejected).toEqual([
      expect.objectContaining({ line: 3, invoice_number: 'API-3', column: 'amount' }),
    ])
    expect((await counts(tenant)).invoices).toBe(0)
  })

  test('skip_invalid=true imports the valid rows', async () => {
    const tenant = await tenantWithCustomers()
    const res = await call(
      app,
      await tenant.key('admin'),
      'POST',
      '/v1/invoices/open-items-import?skip_invalid=true',
      csv(
        'API-4,C-1,2026-03-01,2026-03-31,EUR,10.00,4.00,',
        'API-5,C-404,2026-03-01,2026-03-31,EUR,1.00,1.00,',
      ),
      { 'content-type': 'text/csv' },
    )
    expect(res.body).toMatchObject({ imported: 1, rejected_rows: 1, skipped_invalid: true })
  })

  test('needs invoices.write', async () => {
    const tenant = await tenantWithCustomers()
    const res = await call(
      app,
      await tenant.key('read_only'),
      'POST',
      '/v1/invoices/open-items-import',
      csv('API-6,C-1,2026-03-01,2026-03-31,EUR,10.00,4.00,'),
      { 'content-type': 'text/csv' },
    )
    expect(res.status).toBe(403)
  })
})

describe('o2c invoices import-open-items', () => {
  let output = ''
  afterEach(() => {
    vi.restoreAllMocks()
    output = ''
    process.exitCode = undefined
  })

  async function o2c(...args: string[]) {
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      output += String(chunk)
      return true
    })
    // The progress bar draws on stderr; these tests read what stdout says.
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    const program = new Command('o2c').exitOverride()
    openItemsCommands(program, {
      platform: async () => platform,
      tenantSlug: (options) => options.tenant ?? '',
    })
    return program.parseAsync(['node', 'o2c', ...args])
  }

  function file(text: string): string {
    const path = join(mkdtempSync(join(tmpdir(), 'o2c-open-items-')), 'open-items.csv')
    writeFileSync(path, text)
    return path
  }

  test('imports a file and prints what it did', async () => {
    const tenant = await tenantWithCustomers()
    const path = file(csv('CLI-1,C-1,2026-03-01,2026-03-31,EUR,10.00,4.00,'))
    await o2c('invoices', 'import-open-items', path, '--tenant', tenant.slug)
    expect(output).toContain('Imported open-items.csv: 1 open items (1 rows), 1 journal entries.')
    expect(output).toContain('EUR: 1 items, 10.00 invoiced, 4.00 open')
  })

  test('a bad file prints every problem by line and column, exits 2 and imports nothing', async () => {
    const tenant = await tenantWithCustomers()
    const path = file(
      csv(
        'CLI-2,C-1,2026-03-01,2026-03-31,EUR,10.00,4.00,',
        'CLI-3,C-1,2026-03-01,2026-02-01,EUR,10.00,4.00,',
      ),
    )
    await o2c('invoices', 'import-open-items', path, '--tenant', tenant.slug)
    expect(process.exitCode).toBe(2)
    expect(output).toContain('1 of 2 rows have problems, so nothing was imported')
    expect(output).toContain('line 3 (CLI-3): due_date 2026-02-01 is before the issue date')
    expect((await counts(tenant)).invoices).toBe(0)
  })

  test('--skip-invalid --json imports the valid rows and reports the others as the API does', async () => {
    const tenant = await tenantWithCustomers()
    const path = file(
      csv(
        'CLI-4,C-1,2026-03-01,2026-03-31,EUR,10.00,4.00,',
        'CLI-5,C-1,2026-03-01,2026-03-31,EUR,10.00,0,',
      ),
    )
    await o2c(
      'invoices',
      'import-open-items',
      path,
      '--skip-invalid',
      '--json',
      '--tenant',
      tenant.slug,
    )
    const report = JSON.parse(output)
    expect(report).toMatchObject({ imported: 1, rejected_rows: 1 })
    expect(report.rejected[0]).toMatchObject({
      line: 3,
      invoice_number: 'CLI-5',
      column: 'open_amount',
    })
  })
})
