import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import { call, type TestTenant, testTenant } from '../../../test/support.js'
import { DomainError } from '../../core/errors.js'
import type { Platform } from '../../platform.js'
import { verifyAuditTrail } from '../audit/index.js'
import { importCustomers } from '../customers/index.js'
import { applyImportedCreditLimits, importedLimitReason } from './imported-limits.js'
import { fourEyesSetup } from './test-helpers.js'

// Credit limits from the customers CSV import become limit decisions under four eyes
// (threshold 5,000.00 EUR here), written set-based per batch.

let platform: Platform
let app: FastifyInstance
let acme: TestTenant
let analyst: string
let otherAnalyst: string

beforeAll(async () => {
  ;({ platform, app, acme, analyst, otherAnalyst } = await fourEyesSetup())
})

function csv(...lines: string[]): string {
  return `${lines.join('\n')}\n`
}

const importFile = (text: string) =>
  call(app, analyst, 'POST', '/v1/customers/import', text, { 'content-type': 'text/csv' })

async function customerId(number: string): Promise<string> {
  const row = await acme.run((ctx) =>
    ctx.db.selectFrom('customer').select('id').where('number', '=', number).executeTakeFirst(),
  )
  if (!row) throw new Error(`no customer ${number}`)
  return row.id
}

const profileOf = async (number: string) =>
  (await call(app, analyst, 'GET', `/v1/customers/${await customerId(number)}/credit-profile`)).body

const decisionsOf = async (number: string) => {
  const id = await customerId(number)
  return acme.run((ctx) =>
    ctx.db
      .selectFrom('creditLimitDecision')
      .selectAll()
      .where('customerId', '=', id)
      .orderBy('id')
      .execute(),
  )
}

const auditOf = (entityId: string) =>
  acme.run((ctx) =>
    ctx.db
      .selectFrom('auditEvent')
      .select(['entityType', 'action'])
      .where('entityId', '=', entityId)
      .orderBy('seq')
      .execute(),
  )

const limitEventsOf = async (number: string) => {
  const id = await customerId(number)
  return acme.run((ctx) =>
    ctx.db
      .selectFrom('outboxEvent')
      .select(['payload'])
      .where('type', '=', 'credit.limit_changed')
      .where('entityId', '=', id)
      .orderBy('id')
      .execute(),
  )
}

describe('credit limits in the customers import', () => {
  test('within the threshold applies at once; above it waits for another analyst', async () => {
    const imported = await importFile(
      csv('customer_number,name,credit_limit', 'L-1,Low,3000.00', 'L-2,High,8000.00'),
    )
    expect(imported.status).toBe(200)
    expect(imported.body).toMatchObject({
      created: 2,
      credit_limits: 2,
      credit_limits_applied: 1,
      credit_limits_awaiting_approval: 1,
      credit_limits_unchanged: 0,
      credit_limits_skipped: [],
    })

    expect(await profileOf('L-1')).toMatchObject({
      credit_limit: '3000.00',
      currency: 'EUR',
      version: 1,
    })
    const [applied] = await decisionsOf('L-1')
    expect(applied).toMatchObject({
      status: 'approved',
      fourEyesRequired: false,
      limitMinor: 300_000n,
      limitBeforeMinor: null,
      reason: importedLimitReason,
      seen: { source: 'customers import', line: 2 },
      decisionNote: 'Below the four-eyes threshold: applied at once',
      version: 2,
    })
    expect(await auditOf(applied.id)).toEqual([
      { entityType: 'credit_limit_decision', action: 'proposed' },
      { entityType: 'credit_limit_decision', action: 'approved' },
    ])
    const l1 = await customerId('L-1')
    expect(await auditOf(l1)).toContainEqual({
      entityType: 'credit_profile',
      action: 'limit_changed',
    })
    expect(await limitEventsOf('L-1')).toMatchObject([
      {
        payload: {
          decision_id: applied.id,
          currency: 'EUR',
          credit_limit: { amount: '3,000.00 EUR', minor: '300000' },
          credit_limit_before: null,
          reason: importedLimitReason,
        },
      },
    ])

    // Above the threshold: no limit yet, a pending decision the importer cannot approve.
    expect((await profileOf('L-2')).credit_limit).toBeNull()
    const [pending] = await decisionsOf('L-2')
    expect(pending).toMatchObject({
      status: 'pending',
      fourEyesRequired: true,
      limitMinor: 800_000n,
      seen: { source: 'customers import', line: 3 },
    })
    expect(await limitEventsOf('L-2')).toEqual([])
    const own = await call(
      app,
      analyst,
      'POST',
      `/v1/credit-limit-decisions/${pending.id}/approve`,
      {},
    )
    expect(own.status).toBe(403)
    expect(own.body.type).toContain('credit.four_eyes_same_user')
    const other = await call(
      app,
      otherAnalyst,
      'POST',
      `/v1/credit-limit-decisions/${pending.id}/approve`,
      {},
    )
    expect(other.status).toBe(200)
    expect((await profileOf('L-2')).credit_limit).toBe('8000.00')
  })

  test.each([
    ['a decrease applies at once', '2000.00', '500.00', 'approved', '500.00'],
    [
      'an increase within the threshold applies at once',
      '2000.00',
      '7000.00',
      'approved',
      '7000.00',
    ],
    ['an increase above the threshold waits', '2000.00', '7000.01', 'pending', '2000.00'],
    ['a decrease to zero applies at once', '2000.00', '0', 'approved', '0.00'],
  ])('%s', async (_name, first, second, status, limitAfter) => {
    const number = `M-${first}-${second}`
    await importFile(csv('customer_number,name,credit_limit', `${number},Moves,${first}`))
    const again = await importFile(
      csv('customer_number,name,credit_limit', `${number},Moves,${second}`),
    )
    expect(again.status).toBe(200)
    const decisions = await decisionsOf(number)
    expect(decisions.map((d) => d.status)).toEqual(['approved', status])
    expect((await profileOf(number)).credit_limit).toBe(limitAfter)
  })

  test('an unchanged limit writes no decision, no audit and no event', async () => {
    await importFile(csv('customer_number,name,credit_limit', 'U-1,Same,1000.00'))
    const id = await customerId('U-1')
    const auditBefore = await auditOf(id)
    const again = await importFile(csv('customer_number,name,credit_limit', 'U-1,Same,1000'))
    expect(again.body).toMatchObject({
      unchanged: 1,
      credit_limits: 1,
      credit_limits_applied: 0,
      credit_limits_unchanged: 1,
    })
    expect(await decisionsOf('U-1')).toHaveLength(1)
    expect(await auditOf(id)).toEqual(auditBefore)
    expect(await limitEventsOf('U-1')).toHaveLength(1)
    expect((await profileOf('U-1')).version).toBe(1)
  })

  test('a customer with a pending decision is skipped and named, the rest imported', async () => {
    await importFile(csv('customer_number,name,credit_limit', 'P-1,Pending,9000.00'))
    const [pending] = await decisionsOf('P-1')
    const again = await importFile(
      csv('customer_number,name,credit_limit', 'P-2,Fresh,100.00', 'P-1,Pending,12000.00'),
    )
    expect(again.status).toBe(200)
    expect(again.body).toMatchObject({
      credit_limits_applied: 1,
      credit_limits_skipped: [
        {
          line: 3,
          customer_number: 'P-1',
          column: 'credit_limit',
          message: expect.stringContaining(`limit decision ${pending.id}`),
        },
      ],
    })
    expect(await decisionsOf('P-1')).toHaveLength(1)
    const same = await importFile(csv('customer_number,name,credit_limit', 'P-1,Pending,9000'))
    expect(same.body.credit_limits_skipped[0].message).toContain('already waiting for approval')
  })

  test('a limit in another currency than the profile is skipped and named', async () => {
    await importFile(csv('customer_number,name,credit_limit', 'K-1,Krona,100.00'))
    const again = await importFile(
      csv('customer_number,name,currency,credit_limit', 'K-1,Krona,SEK,200.00'),
    )
    expect(again.status).toBe(200)
    expect(again.body.credit_limits_skipped).toMatchObject([
      { line: 2, customer_number: 'K-1', message: expect.stringContaining('kept in EUR') },
    ])
    expect((await profileOf('K-1')).credit_limit).toBe('100.00')
  })

  test('the import stays all or nothing: a failure after a batch leaves no limits', async () => {
    const versions = [
      csv(
        'customer_number,name,credit_limit',
        'A-1,First,100.00',
        'A-2,Second,9000.00',
        'A-3,Third,1',
      ),
      csv(
        'customer_number,name,credit_limit',
        'A-1,First,100.00',
        'A-2,Second,9000.00',
        'A-4,Other,1',
      ),
    ]
    const countDecisions = () =>
      acme.run(async (ctx) => {
        const rows = await ctx.db.selectFrom('creditLimitDecision').select('id').execute()
        return rows.length
      })
    const decisionsBefore = await countDecisions()
    let opened = 0
    const failed = await acme
      .run((ctx) => importCustomers(ctx, () => [versions[opened++]], { batchRows: 1 }))
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(failed).toBeInstanceOf(DomainError)
    expect((failed as DomainError).code).toBe('customers.import_file_changed')
    const written = await acme.run((ctx) =>
      ctx.db
        .selectFrom('customer')
        .select('id')
        .where('number', 'in', ['A-1', 'A-2', 'A-3', 'A-4'])
        .execute(),
    )
    expect(written).toEqual([])
    expect(await countDecisions()).toBe(decisionsBefore)
  })

  test('many limits in small batches: one decision each, and the audit trail verifies', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `B-${i},Batch ${i},${(i + 1) * 1000}.00`)
    const summary = await acme.run((ctx) =>
      importCustomers(ctx, () => [csv('customer_number,name,credit_limit', ...rows)], {
        batchRows: 7,
      }),
    )
    expect(summary).toMatchObject({
      creditLimits: 25,
      creditLimitsApplied: 5,
      creditLimitsAwaitingApproval: 20,
    })
    const verified = await acme.run((ctx) => verifyAuditTrail(ctx))
    expect(verified.problems).toEqual([])
    expect(verified.eventsChecked).toBeGreaterThan(25)
  })
})

describe('imported limits are written in sets', () => {
  // The statements behind the customers import figures (docs/performance.md) are pinned in a
  // committed file, so that a change to them shows up as a SQL diff in review.
  test('a batch costs a few statements, whatever its rows; their SQL is pinned', async () => {
    const tenant = await testTenant(platform)
    const rows = Array.from({ length: 300 }, (_, i) => `S-${i},Set ${i}`)
    await tenant.run((ctx) => importCustomers(ctx, () => [csv('customer_number,name', ...rows)]))
    const customers = await tenant.run((ctx) =>
      ctx.db.selectFrom('customer').select(['id', 'number']).orderBy('number').execute(),
    )
    const statements: string[] = []
    const applyWatched = (limitMinor: (i: number) => bigint) =>
      tenant.run(async (ctx) => {
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
        return applyImportedCreditLimits(
          { ...ctx, db: watched },
          customers.map((c, i) => ({
            customerId: c.id,
            customerNumber: c.number,
            limitMinor: limitMinor(i),
            currency: 'EUR',
            line: i + 2,
          })),
        )
      })
    // The tenant's default threshold is 0: every new limit waits for a second person.
    const first = await applyWatched((i) => BigInt(i) * 100n)
    expect(first).toMatchObject({ applied: 1, awaitingApproval: 299, unchanged: 0 })
    const proposing = statements.length
    await tenant.run((ctx) =>
      ctx.db
        .updateTable('creditLimitDecision')
        .set({ status: 'rejected', decidedAt: ctx.now })
        .execute(),
    )
    const second = await applyWatched(() => 0n)
    expect(second).toMatchObject({ applied: 299, unchanged: 1 })
    expect(proposing).toBeLessThanOrEqual(10)
    expect(statements.length - proposing).toBeLessThanOrEqual(10)
    await expect(`${[...new Set(statements)].join('\n\n')}\n`).toMatchFileSnapshot(
      '__snapshots__/imported-limits-statements.sql',
    )
    const verified = await tenant.run((ctx) => verifyAuditTrail(ctx))
    expect(verified.problems).toEqual([])
  })
})
