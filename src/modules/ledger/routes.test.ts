import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import { parse } from 'csv-parse/sync'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest'
import {
  call,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import { newId } from '../../core/ids.js'
import type { Platform } from '../../platform.js'
import { createCustomer } from '../customers/index.js'
import { ledgerCommands } from './commands.js'
import { journalCsvColumns } from './journal.js'
import { ensureChartOfAccounts, postJournalEntries, postJournalEntry } from './service.js'

// The ledger as a bookkeeper reaches it: the trial balance, the journal (JSON and CSV), the
// chart of accounts, over the API and the `o2c ledger` commands.

let platform: Platform
let app: FastifyInstance
let acme: TestTenant
let admin: string
let customerId: string

const sale = (postedOn: string, description: string, gross: bigint, vat: bigint) => ({
  postedOn,
  description,
  source: { type: 'invoice', id: newId() },
  lines: [
    { accountCode: '1100', debitMinor: gross, currency: 'EUR', customerId },
    { accountCode: '8000', creditMinor: gross - vat, currency: 'EUR' },
    { accountCode: '1610', creditMinor: vat, currency: 'EUR' },
  ],
})

beforeAll(async () => {
  platform = await testPlatform()
  app = await testServer(platform)
  acme = await testTenant(platform)
  admin = await acme.key('admin')
  await acme.run(async (ctx) => {
    await ensureChartOfAccounts(ctx)
    const customer = await createCustomer(ctx, {
      number: 'C-100',
      legalName: 'Bakkerij, "De Gouden Korst"',
    })
    customerId = customer.id
    await postJournalEntry(ctx, sale('2026-01-15', 'Invoice INV-1, with a comma', 12_100n, 2_100n))
    await postJournalEntry(ctx, sale('2026-02-10', 'Invoice INV-2', 24_200n, 4_200n))
    await postJournalEntry(ctx, {
      postedOn: '2026-02-20',
      description: 'Freight in USD',
      source: { type: 'manual', id: 'usd-1' },
      lines: [
        { accountCode: '1200', debitMinor: 5_000n, currency: 'USD' },
        { accountCode: '8000', creditMinor: 5_000n, currency: 'USD' },
      ],
    })
  })
}, 60_000)

describe('GET /v1/ledger/trial-balance', () => {
  test('gives debit, credit and balance per account and currency, and totals that agree', async () => {
    const res = await call(app, admin, 'GET', '/v1/ledger/trial-balance')
    expect(res.status).toBe(200)
    const row = (code: string, currency: string) =>
      res.body.rows.find((r: any) => r.account_code === code && r.currency === currency)
    expect(row('1100', 'EUR')).toMatchObject({ debit: '363.00', credit: '0.00', balance: '363.00' })
    expect(row('8000', 'EUR')).toMatchObject({
      debit: '0.00',
      credit: '300.00',
      balance: '-300.00',
    })
    expect(row('8000', 'USD')).toMatchObject({ credit: '50.00' })
    expect(res.body.totals).toEqual([
      { currency: 'EUR', debit: '363.00', credit: '363.00' },
      { currency: 'USD', debit: '50.00', credit: '50.00' },
    ])
  })

  test('as_of leaves out later entries; currency keeps one', async () => {
    const res = await call(
      app,
      admin,
      'GET',
      '/v1/ledger/trial-balance?as_of=2026-01-31&currency=EUR',
    )
    expect(res.body.as_of).toBe('2026-01-31')
    expect(res.body.totals).toEqual([{ currency: 'EUR', debit: '121.00', credit: '121.00' }])
  })

  test('a bad date or currency is refused naming the parameter', async () => {
    const date = await call(app, admin, 'GET', '/v1/ledger/trial-balance?as_of=2026-13-01')
    expect(date.status).toBe(400)
    expect(JSON.stringify(date.body)).toContain('as_of')
    const currency = await call(app, admin, 'GET', '/v1/ledger/trial-balance?currency=XXQ')
    expect([400, 422]).toContain(currency.status)
    expect(JSON.stringify(currency.body)).toContain('currency')
  })

  test('needs ledger.read', async () => {
    const collector = await acme.key('order_coordinator')
    expect((await call(app, collector, 'GET', '/v1/ledger/trial-balance')).status).toBe(403)
  })
})

describe('GET /v1/ledger/journal', () => {
  test('pages through entries with their lines, in posting order', async () => {
    const first = await call(app, admin, 'GET', '/v1/ledger/journal?limit=2')
    expect(first.status).toBe(200)
    expect(first.body.data.map((e: any) => e.description)).toEqual([
      'Invoice INV-1, with a comma',
      'Invoice INV-2',
    ])
    expect(first.body.data[0].lines[0]).toMatchObject({
      line_no: 1,
      account_code: '1100',
      account_name: 'Trade receivables (control)',
      debit: '121.00',
      credit: '0.00',
      customer_number: 'C-100',
    })
    const second = await call(
      app,
      admin,
      'GET',
      `/v1/ledger/journal?limit=2&cursor=${first.body.next_cursor}`,
    )
    expect(second.body.data.map((e: any) => e.description)).toEqual(['Freight in USD'])
    expect(second.body.next_cursor).toBeNull()
  })

  test.each([
    ['from=2026-02-01&to=2026-02-15', ['Invoice INV-2']],
    ['source_type=manual', ['Freight in USD']],
    ['source_type=manual&source_id=usd-1', ['Freight in USD']],
    ['account=1200', ['Freight in USD']],
    ['account=1610', ['Invoice INV-1, with a comma', 'Invoice INV-2']],
  ])('filters by %s', async (query, descriptions) => {
    const res = await call(app, admin, 'GET', `/v1/ledger/journal?${query}`)
    expect(res.body.data.map((e: any) => e.description)).toEqual(descriptions)
  })

  test('a period that ends before it starts is refused', async () => {
    const res = await call(app, admin, 'GET', '/v1/ledger/journal?from=2026-03-01&to=2026-02-01')
    expect(res.status).toBe(400)
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'to' })])
  })
})

describe('GET /v1/ledger/journal.csv', () => {
  test('exports one row per line with the documented columns, quoting what needs it', async () => {
    const res = await call(app, admin, 'GET', '/v1/ledger/journal.csv')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toContain('text/csv')
    const rows = parse(res.text, { columns: true }) as Record<string, string>[]
    expect(res.text.split('\r\n')[0]).toBe(journalCsvColumns.join(','))
    expect(rows).toHaveLength(8)
    expect(rows[0]).toMatchObject({
      posted_on: '2026-01-15',
      description: 'Invoice INV-1, with a comma',
      source_type: 'invoice',
      line_no: '1',
      account_code: '1100',
      account_name: 'Trade receivables (control)',
      debit: '121.00',
      credit: '',
      currency: 'EUR',
      customer_number: 'C-100',
    })
    expect(rows[1]).toMatchObject({ account_code: '8000', debit: '', credit: '100.00' })
    expect(rows[7]).toMatchObject({ description: 'Freight in USD', currency: 'USD' })
  })

  test('filters by period like the journal', async () => {
    const res = await call(
      app,
      admin,
      'GET',
      '/v1/ledger/journal.csv?from=2026-02-01&to=2026-02-15',
    )
    const rows = parse(res.text, { columns: true }) as Record<string, string>[]
    expect(new Set(rows.map((r) => r.description))).toEqual(new Set(['Invoice INV-2']))
  })

  test('a bad period is a problem document, not half a file', async () => {
    const res = await call(
      app,
      admin,
      'GET',
      '/v1/ledger/journal.csv?from=2026-03-01&to=2026-02-01',
    )
    expect(res.status).toBe(400)
    expect(res.headers['content-type']).toContain('application/problem+json')
  })

  test('streams a journal larger than one query page', async () => {
    const tenant = await testTenant(platform)
    const key = await tenant.key('admin')
    await tenant.run(async (ctx) => {
      await ensureChartOfAccounts(ctx)
      await postJournalEntries(
        ctx,
        Array.from({ length: 4_500 }, (_, i) => ({
          postedOn: `2026-03-${String((i % 28) + 1).padStart(2, '0')}`,
          description: `Entry ${i}`,
          source: { type: 'manual', id: String(i) },
          lines: [
            { accountCode: '1200', debitMinor: BigInt(i + 1), currency: 'EUR' },
            { accountCode: '8000', creditMinor: BigInt(i + 1), currency: 'EUR' },
          ],
        })),
      )
    })
    const res = await call(app, key, 'GET', '/v1/ledger/journal.csv')
    const rows = parse(res.text, { columns: true }) as Record<string, string>[]
    expect(rows).toHaveLength(9_000)
    expect(new Set(rows.map((r) => r.entry_id)).size).toBe(4_500)
    const dates = rows.map((r) => r.posted_on)
    expect(dates).toEqual([...dates].sort())
  }, 60_000)
})

describe('the chart of accounts', () => {
  test('lists the default chart with purposes', async () => {
    const res = await call(app, admin, 'GET', '/v1/ledger/accounts')
    expect(res.status).toBe(200)
    expect(res.body.data.find((a: any) => a.purpose === 'receivable')).toMatchObject({
      code: '1100',
      kind: 'asset',
      active: true,
      has_lines: true,
    })
    expect(res.body.data.find((a: any) => a.purpose === 'opening_balance')).toMatchObject({
      code: '0900',
      has_lines: false,
    })
  })

  test('adds an account, renames and renumbers it while it has no lines', async () => {
    const made = await call(app, admin, 'POST', '/v1/ledger/accounts', {
      code: '8100',
      name: 'Revenue services',
      kind: 'revenue',
    })
    expect(made.status).toBe(201)
    expect(made.body).toMatchObject({ code: '8100', purpose: null, active: true, has_lines: false })
    const changed = await call(app, admin, 'PATCH', `/v1/ledger/accounts/${made.body.id}`, {
      code: '8110',
      name: 'Revenue, services',
    })
    expect(changed.status).toBe(200)
    expect(changed.body).toMatchObject({ code: '8110', name: 'Revenue, services' })
    const audit = await acme.run((ctx) =>
      sql<{ action: string }>`select action from audit_event
        where entity_type = 'account' and entity_id = ${made.body.id} order by seq`.execute(ctx.db),
    )
    expect(audit.rows.map((r) => r.action)).toEqual(['created', 'updated'])
  })

  test.each`
    what                                        | account   | body                         | status | code
    ${'renumbering an account with lines'}      | ${'1100'} | ${{ code: '1101' }}          | ${409} | ${'ledger.account_has_lines'}
    ${'changing the purpose when it has lines'} | ${'1100'} | ${{ purpose: null }}         | ${409} | ${'ledger.account_has_lines'}
    ${'deactivating an account with a purpose'} | ${'0900'} | ${{ active: false }}         | ${409} | ${'ledger.account_has_purpose'}
    ${'a code another account has'}             | ${'0900'} | ${{ code: '1200' }}          | ${409} | ${'ledger.account_code_taken'}
    ${'a purpose another account has'}          | ${'4620'} | ${{ purpose: 'bank' }}       | ${409} | ${'ledger.purpose_taken'}
    ${'an unknown purpose'}                     | ${'0900'} | ${{ purpose: 'petty_cash' }} | ${400} | ${'request.invalid'}
  `('refuses $what', async ({ account, body, status, code }) => {
    const accounts = (await call(app, admin, 'GET', '/v1/ledger/accounts')).body.data
    const id = accounts.find((a: any) => a.code === account).id
    const res = await call(app, admin, 'PATCH', `/v1/ledger/accounts/${id}`, body)
    expect(res.status).toBe(status)
    expect(res.body.type).toBe(`/problems/${code}`)
    const after = (await call(app, admin, 'GET', `/v1/ledger/accounts/${id}`)).body
    expect(after).toEqual(accounts.find((a: any) => a.id === id))
  })

  test('a purpose moves by clearing it on one account and giving it to another', async () => {
    const tenant = await testTenant(platform)
    const key = await tenant.key('admin')
    await tenant.run((ctx) => ensureChartOfAccounts(ctx))
    const accounts = (await call(app, key, 'GET', '/v1/ledger/accounts')).body.data
    const fees = accounts.find((a: any) => a.purpose === 'bank_fees')
    const made = await call(app, key, 'POST', '/v1/ledger/accounts', {
      code: '4601',
      name: 'Bank and card fees',
      kind: 'expense',
    })
    expect(
      (await call(app, key, 'PATCH', `/v1/ledger/accounts/${fees.id}`, { purpose: null })).status,
    ).toBe(200)
    const moved = await call(app, key, 'PATCH', `/v1/ledger/accounts/${made.body.id}`, {
      purpose: 'bank_fees',
    })
    expect(moved.body.purpose).toBe('bank_fees')
    const off = await call(app, key, 'PATCH', `/v1/ledger/accounts/${fees.id}`, { active: false })
    expect(off.body.active).toBe(false)
  })

  test('writing the chart needs ledger.write', async () => {
    const reader = await acme.key('read_only')
    const res = await call(app, reader, 'POST', '/v1/ledger/accounts', {
      code: '9999',
      name: 'No',
      kind: 'expense',
    })
    expect(res.status).toBe(403)
  })

  test('ensureChartOfAccounts adds the default accounts a tenant lacks, and keeps its own', async () => {
    const tenant = await testTenant(platform)
    await tenant.run(async (ctx) => {
      await ensureChartOfAccounts(ctx)
      // A tenant that renamed its receivable and lost two default accounts (as if they were
      // added to the default chart after the tenant started).
      await sql`update account set name = 'Debiteuren' where purpose = 'receivable'`.execute(ctx.db)
      await sql`delete from account where purpose in ('write_off', 'interest_income')`.execute(
        ctx.db,
      )
    })
    const accounts = await tenant.run((ctx) => ensureChartOfAccounts(ctx))
    expect(accounts.find((a) => a.purpose === 'write_off')?.code).toBe('4620')
    expect(accounts.find((a) => a.purpose === 'interest_income')?.code).toBe('8910')
    expect(accounts.find((a) => a.purpose === 'receivable')?.name).toBe('Debiteuren')
  })
})

describe('o2c ledger', () => {
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
    ledgerCommands(program, {
      platform: async () => platform,
      tenantSlug: (options) => options.tenant ?? '',
    })
    return program.parseAsync(['node', 'o2c', ...args])
  }

  test('trial-balance --as-of prints the balance per account and the totals', async () => {
    await o2c('ledger', 'trial-balance', '--as-of', '2026-01-31', '--tenant', acme.slug)
    expect(output).toContain('Trial balance as of 2026-01-31')
    expect(output).toMatch(/1100\s+Trade receivables \(control\)\s+EUR\s+121\.00\s+0\.00\s+121\.00/)
    expect(output).toContain('Total EUR: debit 121.00, credit 121.00')
  })

  test('trial-balance --json speaks as the API', async () => {
    await o2c('ledger', 'trial-balance', '--tenant', acme.slug, '--json')
    const api = await call(app, admin, 'GET', '/v1/ledger/trial-balance')
    expect(JSON.parse(output)).toEqual(api.body)
  })

  test('export --from --to --out writes the period as CSV', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'o2c-ledger-')), 'journal.csv')
    await o2c(
      'ledger',
      'export',
      '--from',
      '2026-02-01',
      '--to',
      '2026-02-28',
      '--out',
      file,
      '--tenant',
      acme.slug,
    )
    const rows = parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[]
    expect(rows.map((r) => r.description)).toEqual([
      'Invoice INV-2',
      'Invoice INV-2',
      'Invoice INV-2',
      'Freight in USD',
      'Freight in USD',
    ])
    expect(errors).toContain('Wrote 5 lines of 2 entries')
  })

  test('export without --out writes to standard output', async () => {
    await o2c('ledger', 'export', '--to', '2026-01-31', '--tenant', acme.slug)
    expect(output.split('\r\n').filter(Boolean)).toHaveLength(4)
  })

  test('accounts lists the chart', async () => {
    await o2c('ledger', 'accounts', '--tenant', acme.slug)
    expect(output).toMatch(/1100\s+Trade receivables \(control\)\s+asset\s+receivable\s+yes/)
  })
})
