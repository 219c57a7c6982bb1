import { createReadStream } from 'node:fs'
import fc from 'fast-check'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  bankFixtures,
  bankFixturesFolder,
  malformedBankFiles,
} from '../../../test/bank-fixtures.js'
import { rowCount, type TestTenant, testPlatform, testTenant } from '../../../test/support.js'
import { DomainError } from '../../core/errors.js'
import type { Platform } from '../../platform.js'
import { listEvents } from '../outbox/index.js'
import { BankFileError, type BankFileEvent } from './bank-files/model.js'
import {
  type BankImportOptions,
  balanceCheckOf,
  bankBatchTextMax,
  importBankFile,
  importBankStatements,
} from './statement-import.js'
import { getBankStatement, listBankStatements } from './statements.js'
import { bankEntry, eventStream, statementEvents } from './test-helpers.js'

// The bank statement import on a real store: what a file says is what is kept, a statement
// or an entry is never stored twice, a statement that does not balance is refused (or kept
// flagged), and a file refused anywhere leaves nothing behind.

let platform: Platform
let tenant: TestTenant

beforeAll(async () => {
  platform = await testPlatform()
  tenant = await testTenant(platform)
})

const options: BankImportOptions = { fileName: 'statement.xml' }

function importEvents(
  events: BankFileEvent[][],
  extra: Partial<BankImportOptions> = {},
  into: TestTenant = tenant,
) {
  return into.run((ctx) =>
    importBankStatements(ctx, eventStream(...events), { ...options, ...extra }),
  )
}

async function refusal(work: Promise<unknown>): Promise<DomainError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(DomainError)
  return error as DomainError
}

const counts = (t: TestTenant = tenant) =>
  t.run(async (ctx) => ({
    accounts: await rowCount(ctx, 'bankAccount'),
    statements: await rowCount(ctx, 'bankStatement'),
    entries: await rowCount(ctx, 'bankEntry'),
  }))

// Every bank file of the fixtures reads back, imported, field for field as its expected.json.
const fixtures = bankFixturesFolder()
const fixtureFiles = fixtures ? ['camt', 'mt940'].flatMap((dir) => bankFixtures(fixtures, dir)) : []

describe.runIf(fixtures)('a fixture reads back as its expected.json says', () => {
  test.each(fixtureFiles.map((f) => [f.name, f] as const))('%s', async (_name, fixture) => {
    const { expected } = fixture
    const own = await testTenant(platform)
    const summary = await own.run((ctx) =>
      importBankFile(ctx, createReadStream(fixture.path), {
        fileName: fixture.name,
        allowUnbalanced: true,
      }),
    )
    expect(summary.statements).toBe(expected.statements.length)
    const readBack = await own.run((ctx) =>
      Promise.all(summary.perStatement.map((s) => getBankStatement(ctx, s.statementId))),
    )
    const bankFields = readBack.map((s) => ({
      id: s.id,
      statement_number: s.statement_number,
      account: s.account,
      opening_balance: s.opening_balance,
      closing_balance: s.closing_balance,
      balance_check: s.balance_check,
      entries: s.entries.map(({ o2c_id, status, first_statement_o2c_id, ...bank }) => bank),
    }))
    expect(bankFields).toEqual(expected.statements)
  })
})

// Every file of the fixtures' malformed/ folder is refused whole: nothing of it is written.
const malformedFiles = fixtures ? malformedBankFiles(fixtures) : []

describe.runIf(fixtures)('a malformed fixture is refused whole', () => {
  test.each(malformedFiles.map((f) => [f.name, f] as const))('%s', async (file, { path }) => {
    const own = await testTenant(platform)
    const error = await refusal(
      own.run((ctx) =>
        importBankFile(ctx, createReadStream(path), {
          fileName: file,
        }),
      ),
    )
    expect(error.code).toBe('cashapp.bank_file_malformed')
    expect(error.details.file).toBe(file)
    expect(await counts(own)).toEqual({ accounts: 0, statements: 0, entries: 0 })
  })
})

describe('importing a statement', () => {
  test('keeps every field of every entry and the balances, and says it is unmatched', async () => {
    const entries = [
      bankEntry({
        endToEndId: 'E2E-1',
        remittance: { unstructured: null, structuredReference: 'RF18539007547034' },
      }),
      bankEntry({
        sign: 'D',
        amount: '15.50',
        counterparty: { name: 'Bank', iban: null, bic: 'INGBNL2A' },
      }),
    ]
    const summary = await importEvents([statementEvents({ id: 'KEEP-1', entries })])
    expect(summary).toMatchObject({ statements: 1, entries: 2, entriesNew: 2, entriesKnown: 0 })
    const statement = await tenant.run((ctx) =>
      getBankStatement(ctx, summary.perStatement[0].statementId),
    )
    expect(statement).toMatchObject({
      id: 'KEEP-1',
      opening_balance: { amount: '1000.00', sign: 'C', date: '2026-03-01' },
      closing_balance: { amount: '1105.50', sign: 'C', date: '2026-03-02' },
      balance_check: 'ok',
      unbalanced: false,
      difference: '0.00',
    })
    expect(statement.entries.map((e) => [e.amount, e.sign, e.end_to_end_id, e.status])).toEqual([
      ['121.00', 'C', 'E2E-1', 'unmatched'],
      ['15.50', 'D', null, 'unmatched'],
    ])
    expect(statement.entries[0].remittance.structured_reference).toBe('RF18539007547034')
    expect(statement.entries[1].counterparty.bic).toBe('INGBNL2A')
  })

  test('a second import of the same file adds nothing and says so', async () => {
    const file = [
      statementEvents({ id: 'TWICE-1', entries: [bankEntry(), bankEntry()] }),
      statementEvents({ id: 'TWICE-2', entries: [bankEntry()] }),
    ]
    const first = await importEvents(file)
    const before = await counts()
    const second = await importEvents(file)
    expect(await counts()).toEqual(before)
    expect(second).toMatchObject({
      statements: 2,
      entries: 3,
      entriesNew: 0,
      entriesKnown: 3,
      statementsAlreadyImported: 2,
    })
    expect(second.perStatement.map((s) => s.statementId)).toEqual(
      first.perStatement.map((s) => s.statementId),
    )
  })

  test('an overlapping statement adds only the entries that are new', async () => {
    const [a, b, c, d] = [bankEntry(), bankEntry(), bankEntry(), bankEntry()]
    await importEvents([statementEvents({ id: 'DAY-1', entries: [a, b, c] })])
    const before = await counts()
    const later = await importEvents([statementEvents({ id: 'DAY-1-2', entries: [b, c, d] })])
    expect(later).toMatchObject({ entriesNew: 1, entriesKnown: 2, statementsAlreadyImported: 0 })
    expect((await counts()).entries).toBe(before.entries + 1)
    // The later statement still reads back whole, the repeated entries included.
    const statement = await tenant.run((ctx) =>
      getBankStatement(ctx, later.perStatement[0].statementId),
    )
    expect(statement.entries.map((e) => e.bank_reference)).toEqual([
      b.bankReference,
      c.bankReference,
      d.bankReference,
    ])
    expect(new Set(statement.entries.map((e) => e.first_statement_o2c_id)).size).toBe(2)
  })

  test('two identical bookings in one statement are two entries, and stay two', async () => {
    const same = () =>
      bankEntry({
        bankReference: null,
        remittance: { unstructured: 'coffee', structuredReference: null },
      })
    const first = await importEvents([statementEvents({ id: 'SAME', entries: [same(), same()] })])
    expect(first.entriesNew).toBe(2)
    // A later statement repeats one of them and brings a third.
    const later = await importEvents([
      statementEvents({ id: 'SAME-LATER', entries: [same(), same(), same()] }),
    ])
    expect(later).toMatchObject({ entriesNew: 1, entriesKnown: 2 })
  })

  test('identical bookings are counted across batches and kept apart per statement', async () => {
    const same = () =>
      bankEntry({
        bankReference: null,
        remittance: { unstructured: 'parking', structuredReference: null },
      })
    const five = () => Array.from({ length: 5 }, same)
    // Batches of two: the occurrences 1–5 of one booking come in three batches, and the
    // file's second statement (another account) counts its own from 1.
    const first = await importEvents(
      [
        statementEvents({ id: 'PARK-1', entries: five() }),
        statementEvents({ id: 'PARK-2', iban: 'NL02ABNA0123456789', entries: five() }),
      ],
      { batchEntries: 2 },
    )
    expect(first).toMatchObject({ entries: 10, entriesNew: 10 })
    const again = await importEvents(
      [statementEvents({ id: 'PARK-1-LATER', entries: [...five(), same()] })],
      { batchEntries: 4 },
    )
    expect(again).toMatchObject({ entriesNew: 1, entriesKnown: 5 })
  })

  test('an entry in another account is another entry', async () => {
    const entry = bankEntry()
    await importEvents([statementEvents({ id: 'ACC-1', entries: [entry] })])
    const other = await importEvents([
      statementEvents({ id: 'ACC-2', iban: 'NL02ABNA0123456789', entries: [entry] }),
    ])
    expect(other.entriesNew).toBe(1)
  })

  test('a statement without balances is not_applicable and imports', async () => {
    const summary = await importEvents([
      statementEvents({ id: 'NOTIF', opening: null, closing: null, entries: [bankEntry()] }),
    ])
    expect(summary.perStatement[0]).toMatchObject({
      balanceCheck: 'not_applicable',
      unbalanced: false,
      differenceMinor: null,
    })
  })

  test('writes one audit event and one bank_statement.imported event per statement', async () => {
    const own = await testTenant(platform)
    const summary = await importEvents(
      [
        statementEvents({ id: 'AUD-1', entries: [bankEntry()] }),
        statementEvents({ id: 'AUD-2', entries: [bankEntry(), bankEntry()] }),
      ],
      {},
      own,
    )
    const events = await own.run((ctx) => listEvents(ctx, { type: 'bank_statement.imported' }))
    expect(events.data.map((e) => e.entityId).sort()).toEqual(
      summary.perStatement.map((s) => s.statementId).sort(),
    )
    expect(await own.run((ctx) => rowCount(ctx, 'auditEvent'))).toBeGreaterThanOrEqual(2)
    const audits = await own.run((ctx) =>
      ctx.db
        .selectFrom('auditEvent')
        .select('entityId')
        .where('entityType', '=', 'bank_statement')
        .execute(),
    )
    expect(audits).toHaveLength(2)
  })

  test('lists statements a page at a time', async () => {
    const own = await testTenant(platform)
    await importEvents(
      [1, 2, 3].map((n) => statementEvents({ id: `PAGE-${n}`, entries: [bankEntry()] })),
      {},
      own,
    )
    const first = await own.run((ctx) => listBankStatements(ctx, { limit: 2 }))
    const second = await own.run((ctx) =>
      listBankStatements(ctx, { limit: 2, cursor: first.next_cursor ?? undefined }),
    )
    expect([...first.data, ...second.data].map((s) => s.id)).toEqual(['PAGE-1', 'PAGE-2', 'PAGE-3'])
    expect(second.next_cursor).toBeNull()
  })
})

describe('refusing a file', () => {
  test('an unbalanced statement is refused naming the difference', async () => {
    const before = await counts()
    const error = await refusal(
      importEvents([
        statementEvents({
          id: 'OFF',
          opening: '100.00',
          closing: '250.00',
          entries: [bankEntry()],
        }),
      ]),
    )
    expect(error.code).toBe('cashapp.statement_unbalanced')
    // 100.00 + 121.00 = 221.00, the bank says 250.00.
    expect(error.message).toContain('a difference of 29.00')
    expect(error.details).toMatchObject({ difference: '29.00', statement_id: 'OFF' })
    expect(await counts()).toEqual(before)
  })

  test('with allowUnbalanced it is kept, flagged with the difference', async () => {
    const summary = await importEvents(
      [
        statementEvents({
          id: 'OFF-KEPT',
          opening: '100.00',
          closing: '50.00',
          entries: [bankEntry()],
        }),
      ],
      { allowUnbalanced: true },
    )
    expect(summary.statementsUnbalanced).toBe(1)
    const statement = await tenant.run((ctx) =>
      getBankStatement(ctx, summary.perStatement[0].statementId),
    )
    expect(statement).toMatchObject({
      balance_check: 'mismatch',
      unbalanced: true,
      difference: '-171.00',
    })
  })

  test('a file malformed after thousands of entries leaves nothing written', async () => {
    const own = await testTenant(platform)
    async function* brokenLate(): AsyncGenerator<BankFileEvent> {
      yield* eventStream(statementEvents({ id: 'FINE', entries: [bankEntry(), bankEntry()] }))
      const [head] = statementEvents({ id: 'BROKEN', entries: [] })
      yield head
      for (let i = 0; i < 2_500; i++) yield { kind: 'entry', entry: bankEntry() }
      throw new BankFileError('Amt is not a decimal', {
        line: 90_210,
        element: 'Ntry/Amt',
        statement: 1,
        entry: 2_500,
      })
    }
    const error = await refusal(
      own.run((ctx) =>
        importBankStatements(ctx, brokenLate(), { fileName: 'big.xml', batchEntries: 1_000 }),
      ),
    )
    expect(error.code).toBe('cashapp.bank_file_malformed')
    expect(error.message).toContain('big.xml')
    expect(error.details).toMatchObject({
      file: 'big.xml',
      line: 90_210,
      element: 'Ntry/Amt',
      entry: 2_500,
    })
    expect(await counts(own)).toEqual({ accounts: 0, statements: 0, entries: 0 })
  })

  test('an amount with more decimals than its currency has is refused, naming the entry', async () => {
    const error = await refusal(
      importEvents([
        statementEvents({
          id: 'DECIMALS',
          opening: null,
          closing: null,
          entries: [bankEntry(), bankEntry({ amount: '12.345' })],
        }),
      ]),
    )
    expect(error.code).toBe('cashapp.amount_invalid')
    expect(error.message).toContain('entry 2 of statement "DECIMALS"')
    expect(error.details).toMatchObject({ entry: 1, amount: '12.345', currency: 'EUR' })
  })

  test('an entry dated a day that does not exist is refused as malformed, naming it', async () => {
    const error = await refusal(
      importEvents([
        statementEvents({
          id: 'FEB-30',
          entries: [bankEntry(), bankEntry({ valueDate: '2026-02-30' })],
        }),
      ]),
    )
    expect(error.code).toBe('cashapp.bank_file_malformed')
    expect(error.details).toMatchObject({ statement: 0, entry: 1 })
  })

  test('a statement that names no account is refused', async () => {
    const error = await refusal(
      importEvents([statementEvents({ id: 'NOWHERE', iban: null, entries: [bankEntry()] })]),
    )
    expect(error.code).toBe('cashapp.statement_account_missing')
  })
})

describe('the balance check', () => {
  const balance = (minor: bigint) => ({
    minor: minor < 0n ? -minor : minor,
    sign: minor < 0n ? ('D' as const) : ('C' as const),
    date: '2026-03-01',
  })

  test('opening + entries = closing is ok; anything else is a mismatch by exactly the difference', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.array(fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }), { maxLength: 50 }),
        fc.bigInt({ min: -(10n ** 6n), max: 10n ** 6n }),
        (opening, entries, off) => {
          const sum = entries.reduce((a, b) => a + b, 0n)
          const check = balanceCheckOf(balance(opening), balance(opening + sum + off), sum)
          expect(check.differenceMinor).toBe(off)
          expect(check.balanceCheck).toBe(off === 0n ? 'ok' : 'mismatch')
        },
      ),
    )
  })

  test('is not applicable without a balance or its sign', () => {
    const closing = { minor: 1n, sign: null, date: null }
    expect(balanceCheckOf(null, balance(1n), 0n).balanceCheck).toBe('not_applicable')
    expect(balanceCheckOf(balance(1n), closing, 0n).balanceCheck).toBe('not_applicable')
  })
})

describe('the import writes in sets', () => {
  // The statements behind the performance figures (docs/performance.md) are pinned in a
  // committed file, so that a change to them shows up as a SQL diff in review.
  test('a statement costs a few statements per 1,000 entries; their SQL is pinned', async () => {
    const own = await testTenant(platform)
    const statements: string[] = []
    const entries = Array.from({ length: 2_500 }, () => bankEntry())
    await own.run(async (ctx) => {
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
      return importBankStatements(
        { ...ctx, db: watched },
        eventStream(statementEvents({ id: 'SETS', entries })),
        { fileName: 'sets.xml' },
      )
    })
    // Lock and plans, account (2), statement, the occurrence table, close (2), plans again,
    // audit (2), outbox (1); and one statement per batch of at most 1,000 entries or
    // bankBatchTextMax characters of JSON (these entries take some 600).
    const batches = statements.filter((s) => s.startsWith('with given'))
    expect(statements.length - batches.length).toBeLessThanOrEqual(12)
    expect(batches.length).toBeLessThanOrEqual(Math.ceil((2_500 * 800) / bankBatchTextMax))
    await expect(`${[...new Set(statements)].join('\n\n')}\n`).toMatchFileSnapshot(
      '__snapshots__/import-statements.sql',
    )
  })
})
