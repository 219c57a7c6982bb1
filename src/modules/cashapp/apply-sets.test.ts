import { beforeAll, expect, test } from 'vitest'
import { testPlatform, testTenant } from '../../../test/support.js'
import { formatAmount } from '../../core/money.js'
import { makeDutchPaymentReference } from '../../core/payment-reference.js'
import type { Platform } from '../../platform.js'
import { importOpenItems } from '../invoicing/index.js'
import { importAndApplyStatements } from './import-and-apply.js'
import { arrangeCashappCustomer, bankEntry, eventStream, statementEvents } from './test-helpers.js'

// Applying works in sets: a statement of hundreds of payments costs the same few dozen
// statements as one of a handful (the performance goal of issue 6 rests on it). Their SQL is
// pinned in a committed file, so that a change to them shows up as a SQL diff in review.

let platform: Platform

beforeAll(async () => {
  platform = await testPlatform()
}, 60_000)

test('a statement of 300 payments is applied in a few dozen statements; their SQL is pinned', async () => {
  const tenant = await testTenant(platform)
  const count = 300
  const references = Array.from({ length: count }, (_, i) =>
    makeDutchPaymentReference(String(700_000 + i)),
  )
  await tenant.run(async (ctx) => {
    const customer = await arrangeCashappCustomer(ctx)
    const header =
      'invoice_number,customer_number,issue_date,due_date,currency,amount,open_amount,payment_reference'
    const rows = references.map(
      (reference, i) =>
        `SET-${i},${customer.number},2026-01-05,2026-02-04,EUR,${formatAmount(BigInt(10_000 + i), 'EUR')},${formatAmount(BigInt(10_000 + i), 'EUR')},${reference}`,
    )
    await importOpenItems(ctx, () => [[header, ...rows].join('\n')])
  })
  const entries = references.map((reference, i) =>
    bankEntry({
      amount: formatAmount(BigInt(10_000 + i), 'EUR'),
      remittance: { unstructured: null, structuredReference: reference },
    }),
  )
  const statements: string[] = []
  const summary = await tenant.run(async (ctx) => {
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
    return importAndApplyStatements(
      { ...ctx, db: watched },
      eventStream(statementEvents({ id: 'SETS', entries })),
      { fileName: 'sets.xml' },
    )
  })
  expect(summary.matching).toMatchObject({ transactions: count, applied: count })
  // Not one statement per payment: the import's dozen, the book's few, and a few per table.
  expect(statements.length).toBeLessThanOrEqual(60)
  await expect(`${[...new Set(statements)].join('\n\n')}\n`).toMatchFileSnapshot(
    '__snapshots__/apply-statements.sql',
  )
}, 120_000)
