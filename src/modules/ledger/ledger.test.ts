import fc from 'fast-check'
import { sql } from 'kysely'
import { beforeAll, describe, expect, test } from 'vitest'
import { rowCount, type TestTenant, testPlatform, testTenant } from '../../../test/support.js'
import { DomainError } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import type { Platform } from '../../platform.js'
import {
  ensureChartOfAccounts,
  findJournalEntry,
  type JournalLineInput,
  postJournalEntry,
  reverseJournalEntry,
  trialBalance,
} from './index.js'

let platform: Platform
let acme: TestTenant

beforeAll(async () => {
  platform = await testPlatform()
  acme = await testTenant(platform)
  await acme.run((ctx) => ensureChartOfAccounts(ctx))
})

const sale = (amount: bigint, vat: bigint): JournalLineInput[] => [
  { accountCode: '1100', debitMinor: amount + vat, currency: 'EUR' },
  { accountCode: '8000', creditMinor: amount, currency: 'EUR' },
  { accountCode: '1610', creditMinor: vat, currency: 'EUR' },
]

async function refusal(work: Promise<unknown>): Promise<DomainError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(DomainError)
  return error as DomainError
}

async function entryCount(): Promise<number> {
  return acme.run((ctx) => rowCount(ctx, 'journalEntry'))
}

describe('chart of accounts', () => {
  test('ensuring the chart twice creates each account once', async () => {
    const first = await acme.run((ctx) => ensureChartOfAccounts(ctx))
    const second = await acme.run((ctx) => ensureChartOfAccounts(ctx))
    expect(second).toEqual(first)
    expect(first.map((a) => a.purpose)).toContain('receivable')
  })
})

describe('posting', () => {
  test('a balanced entry posts and shows in the trial balance', async () => {
    const tenant = await testTenant(platform)
    await tenant.run((ctx) => ensureChartOfAccounts(ctx))
    const entry = await tenant.run((ctx) =>
      postJournalEntry(ctx, {
        postedOn: '2026-03-02',
        description: 'Invoice 2026-0001',
        source: { type: 'invoice', id: newId() },
        lines: sale(10000n, 2100n),
      }),
    )
    expect(entry.lines).toHaveLength(3)
    const balance = await tenant.run((ctx) => trialBalance(ctx))
    expect(balance.rows.map((r) => [r.accountCode, r.currency, r.balanceMinor])).toEqual([
      ['1100', 'EUR', 12100n],
      ['1610', 'EUR', -2100n],
      ['8000', 'EUR', -10000n],
    ])
    expect(balance.totals).toEqual([{ currency: 'EUR', debitMinor: 12100n, creditMinor: 12100n }])
    const before = await tenant.run((ctx) => trialBalance(ctx, { asOf: '2026-03-01' }))
    expect(before.rows).toEqual([])
    const events = await tenant.run((ctx) =>
      ctx.db.selectFrom('outboxEvent').select('type').where('entityId', '=', entry.id).execute(),
    )
    expect(events.map((e) => e.type)).toEqual(['ledger.entry_posted'])
  })

  test('an unbalanced entry is refused by the service, naming both totals, and writes nothing', async () => {
    const before = await entryCount()
    const error = await refusal(
      acme.run((ctx) =>
        postJournalEntry(ctx, {
          postedOn: '2026-03-02',
          description: 'Off by a cent',
          source: { type: 'manual', id: 'm-1' },
          lines: [
            { accountCode: '1100', debitMinor: 12100n, currency: 'EUR' },
            { accountCode: '8000', creditMinor: 12099n, currency: 'EUR' },
          ],
        }),
      ),
    )
    expect(error.code).toBe('ledger.entry_unbalanced')
    expect(error.message).toContain('121.00')
    expect(error.message).toContain('120.99')
    expect(await entryCount()).toBe(before)
  })

  test('an entry balanced in total but not per currency is refused', async () => {
    const error = await refusal(
      acme.run((ctx) =>
        postJournalEntry(ctx, {
          postedOn: '2026-03-02',
          description: 'Mixed currencies',
          source: { type: 'manual', id: 'm-2' },
          lines: [
            { accountCode: '1100', debitMinor: 100n, currency: 'EUR' },
            { accountCode: '8000', creditMinor: 100n, currency: 'USD' },
          ],
        }),
      ),
    )
    expect(error.code).toBe('ledger.entry_unbalanced')
  })

  test('an unknown account is refused naming the line', async () => {
    const error = await refusal(
      acme.run((ctx) =>
        postJournalEntry(ctx, {
          postedOn: '2026-03-02',
          description: 'Typo in the account',
          source: { type: 'manual', id: 'm-3' },
          lines: [
            { accountCode: '1100', debitMinor: 100n, currency: 'EUR' },
            { accountCode: '8001', creditMinor: 100n, currency: 'EUR' },
          ],
        }),
      ),
    )
    expect(error.code).toBe('ledger.account_unknown')
    expect(error.details.field).toBe('lines[1].account_code')
  })

  test.each([
    ['both sides', { debitMinor: 100n, creditMinor: 100n }],
    ['neither side', {}],
    ['a negative debit', { debitMinor: -100n }],
  ])('a line with %s is refused', async (_, amounts) => {
    const error = await refusal(
      acme.run((ctx) =>
        postJournalEntry(ctx, {
          postedOn: '2026-03-02',
          description: 'Bad line',
          source: { type: 'manual', id: 'm-4' },
          lines: [
            { accountCode: '1100', debitMinor: 100n, currency: 'EUR' },
            { accountCode: '8000', currency: 'EUR', ...amounts },
          ],
        }),
      ),
    )
    expect(error.code).toBe('ledger.line_invalid')
    expect(error.details.field).toBe('lines[1]')
  })
})

describe('the database enforces the balance', () => {
  test('an unbalanced entry inserted in SQL fails at commit and leaves nothing', async () => {
    const before = await entryCount()
    const id = newId()
    const failure = await acme
      .run(async (ctx) => {
        await sql`insert into journal_entry
            (tenant_id, id, posted_on, description, source_type, source_id, created_at, created_by)
          values (${ctx.tenantId}, ${id}, '2026-03-02', 'Bypass', 'manual', 'sql', now(), 'test')`.execute(
          ctx.db,
        )
        await sql`insert into journal_line
            (tenant_id, entry_id, line_no, account_code, debit_minor, credit_minor, currency)
          values (${ctx.tenantId}, ${id}, 1, '1100', 500, 0, 'EUR'),
                 (${ctx.tenantId}, ${id}, 2, '8000', 0, 499, 'EUR')`.execute(ctx.db)
        // Inside the transaction the lines are there: only COMMIT checks the balance.
        const lines = await sql`select 1 from journal_line where entry_id = ${id}`.execute(ctx.db)
        expect(lines.rows).toHaveLength(2)
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(String(failure)).toContain(`journal entry ${id} does not balance`)
    expect(await entryCount()).toBe(before)
    expect(await acme.run((ctx) => findJournalEntry(ctx, id))).toBeNull()
  })

  test('an entry without lines fails at commit', async () => {
    const id = newId()
    const failure = await acme
      .run(async (ctx) => {
        await sql`insert into journal_entry
            (tenant_id, id, posted_on, description, source_type, source_id, created_at, created_by)
          values (${ctx.tenantId}, ${id}, '2026-03-02', 'Empty', 'manual', 'sql', now(), 'test')`.execute(
          ctx.db,
        )
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(String(failure)).toContain(`journal entry ${id} has no lines`)
  })

  test('journal lines cannot be changed or deleted by the application', async () => {
    const entry = await acme.run((ctx) =>
      postJournalEntry(ctx, {
        postedOn: '2026-03-03',
        description: 'To tamper with',
        source: { type: 'manual', id: 'm-5' },
        lines: sale(1000n, 210n),
      }),
    )
    for (const statement of [
      sql`update journal_line set debit_minor = 1 where entry_id = ${entry.id}`,
      sql`delete from journal_line where entry_id = ${entry.id}`,
      sql`delete from journal_entry where id = ${entry.id}`,
    ]) {
      const failure = await acme
        .run((ctx) => statement.execute(ctx.db))
        .then(
          () => undefined,
          (e: unknown) => e,
        )
      expect(String(failure)).toContain('permission denied')
    }
    expect((await acme.run((ctx) => findJournalEntry(ctx, entry.id)))?.lines).toEqual(entry.lines)
  })
})

describe('reversal', () => {
  test('a reversal mirrors the entry, names it, and nets the accounts to zero', async () => {
    const tenant = await testTenant(platform)
    await tenant.run((ctx) => ensureChartOfAccounts(ctx))
    const original = await tenant.run((ctx) =>
      postJournalEntry(ctx, {
        postedOn: '2026-03-02',
        description: 'Invoice 2026-0002',
        source: { type: 'invoice', id: newId() },
        lines: sale(5000n, 1050n),
      }),
    )
    const reversal = await tenant.run((ctx) =>
      reverseJournalEntry(ctx, original.id, 'issued to the wrong customer'),
    )
    expect(reversal.reversesEntryId).toBe(original.id)
    expect(reversal.source).toEqual({ type: 'journal_entry', id: original.id })
    expect(reversal.reason).toBe('issued to the wrong customer')
    expect(reversal.lines[0]).toMatchObject({ accountCode: '1100', creditMinor: 6050n })
    const balance = await tenant.run((ctx) => trialBalance(ctx))
    expect(balance.rows.every((r) => r.balanceMinor === 0n)).toBe(true)

    const again = await refusal(tenant.run((ctx) => reverseJournalEntry(ctx, original.id, 'twice')))
    expect(again.code).toBe('ledger.entry_already_reversed')
  })

  test('reversing an entry of no one is not found', async () => {
    const error = await refusal(acme.run((ctx) => reverseJournalEntry(ctx, newId(), 'nothing')))
    expect(error.status).toBe(404)
  })
})

describe('property: the books always balance', () => {
  const accounts = ['1100', '1200', '1500', '1610', '8000', '4600']
  const line = fc.record({
    debit: fc.constantFrom(...accounts),
    credit: fc.constantFrom(...accounts),
    amount: fc.bigInt({ min: 1n, max: 10_000_000n }),
  })
  const operation = fc.oneof(
    fc.record({
      kind: fc.constant('post' as const),
      currency: fc.constantFrom('EUR', 'USD', 'JPY'),
      pairs: fc.array(line, { minLength: 1, maxLength: 4 }),
      lumpCredit: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat() }),
  )

  test('after any postings and reversals, debits equal credits per currency and per entry', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 8 }), async (operations) => {
        const tenant = await testTenant(platform)
        await tenant.run((ctx) => ensureChartOfAccounts(ctx))
        const unreversed: string[] = []
        const expected = new Map<string, bigint>()
        const book = (account: string, currency: string, minor: bigint) => {
          const key = `${account}/${currency}`
          expected.set(key, (expected.get(key) ?? 0n) + minor)
        }
        const posted = new Map<string, JournalLineInput[]>()
        for (const op of operations) {
          if (op.kind === 'post') {
            const debits = op.pairs.map((p) => ({
              accountCode: p.debit,
              debitMinor: p.amount,
              currency: op.currency,
            }))
            const total = op.pairs.reduce((sum, p) => sum + p.amount, 0n)
            const credits = op.lumpCredit
              ? [{ accountCode: op.pairs[0].credit, creditMinor: total, currency: op.currency }]
              : op.pairs.map((p) => ({
                  accountCode: p.credit,
                  creditMinor: p.amount,
                  currency: op.currency,
                }))
            const lines: JournalLineInput[] = [...debits, ...credits]
            if (lines.length < 2) continue
            const entry = await tenant.run((ctx) =>
              postJournalEntry(ctx, {
                postedOn: '2026-03-02',
                description: 'Random posting',
                source: { type: 'test', id: 'property' },
                lines,
              }),
            )
            unreversed.push(entry.id)
            posted.set(entry.id, lines)
            for (const l of lines) {
              book(l.accountCode, l.currency, (l.debitMinor ?? 0n) - (l.creditMinor ?? 0n))
            }
          } else if (unreversed.length > 0) {
            const [id] = unreversed.splice(op.pick % unreversed.length, 1)
            await tenant.run((ctx) => reverseJournalEntry(ctx, id, 'property'))
            for (const l of posted.get(id) ?? []) {
              book(l.accountCode, l.currency, (l.creditMinor ?? 0n) - (l.debitMinor ?? 0n))
            }
          }
        }
        const balance = await tenant.run((ctx) => trialBalance(ctx))
        for (const total of balance.totals) expect(total.debitMinor).toBe(total.creditMinor)
        for (const row of balance.rows) {
          expect(row.balanceMinor).toBe(expected.get(`${row.accountCode}/${row.currency}`) ?? 0n)
        }
        const unbalanced = await tenant.run((ctx) =>
          sql`select entry_id, currency from journal_line group by entry_id, currency
              having sum(debit_minor) <> sum(credit_minor)`.execute(ctx.db),
        )
        expect(unbalanced.rows).toEqual([])
      }),
      { numRuns: 15 },
    )
  })
})
