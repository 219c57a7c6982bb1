import { Command } from 'commander'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { beforeAll, describe, expect, test, vi } from 'vitest'
import {
  call,
  manualClock,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import { asSystem } from '../../db/context.js'
import type { CliContext, Platform } from '../../platform.js'
import { creditCommands } from './commands.js'
import { type PaymentBehaviourSnapshot, recordPaymentBehaviour } from './index.js'

// The credit analyst's month: payment behaviour comes in, the assessment explains itself,
// reviews fall due and are ranked, and completing one sets the next date.

let platform: Platform
let app: FastifyInstance
let acme: TestTenant
let key: string
let counter = 0

beforeAll(async () => {
  platform = await testPlatform(manualClock('2026-03-01T09:00:00Z'))
  app = await testServer(platform)
  acme = await testTenant(platform)
  key = await acme.key('credit_analyst')
  await asSystem(platform.store, async (db) => {
    await sql`create table credit_test_receivable (
      tenant_id uuid not null, customer_id uuid not null, currency char(3) not null,
      open_minor bigint not null, due_date date not null)`.execute(db)
    await sql`grant select on credit_test_receivable to o2c_app`.execute(db)
    await sql`create or replace view customer_receivable_position with (security_invoker = true) as
      select tenant_id, customer_id, currency, sum(open_minor)::bigint as open_minor,
        min(due_date) as oldest_due_date
      from credit_test_receivable where tenant_id = o2c_current_tenant()
      group by tenant_id, customer_id, currency`.execute(db)
  })
})

async function customer(): Promise<{ id: string; number: string }> {
  const number = `R-${++counter}`
  const created = await call(app, key, 'POST', '/v1/customers', {
    number,
    legal_name: `Firm ${counter}`,
  })
  return { id: created.body.id, number }
}

const lateSnapshot: PaymentBehaviourSnapshot = {
  asOf: '2026-02-28',
  invoicesPaidCount: 20,
  invoicesPaidLateCount: 8,
  averageDaysLate: 18,
  openOverdueMinor: 0n,
  currency: 'EUR',
  disputesCount: 0,
  brokenPromisesCount: 0,
}

describe('payment behaviour and assessment', () => {
  test('the assessment combines behaviour and the newest report into reasons', async () => {
    const c = await customer()
    await acme.run((ctx) => recordPaymentBehaviour(ctx, c.id, lateSnapshot))
    await call(app, key, 'POST', '/v1/credit-reports', [
      {
        customer_number: c.number,
        bureau: 'Graydon',
        rating: 'B',
        recommended_limit: '25000.00',
        report_date: '2026-02-01',
      },
    ])
    const assessment = await call(app, key, 'GET', `/v1/customers/${c.id}/credit-assessment`)
    expect(assessment.status).toBe(200)
    expect(assessment.body).toMatchObject({
      internal_score: 77,
      internal_class: 'B',
      bureau_class: 'B',
      suggested_class: 'B',
      suggested_limit: '25000.00',
      current_limit: null,
      behaviour_as_of: '2026-02-28',
    })
    expect(assessment.body.reasons).toContain('Paid 40% of invoices late (avg 18 days)')
    expect(assessment.body.reasons).toContain('Bureau Graydon rates B, recommends 25,000.00 EUR')
  })

  test('a second snapshot of the same day replaces the first; the newest day counts', async () => {
    const c = await customer()
    await acme.run((ctx) => recordPaymentBehaviour(ctx, c.id, lateSnapshot))
    await acme.run((ctx) =>
      recordPaymentBehaviour(ctx, c.id, { ...lateSnapshot, invoicesPaidLateCount: 0 }),
    )
    await acme.run((ctx) =>
      recordPaymentBehaviour(ctx, c.id, { ...lateSnapshot, asOf: '2026-01-31', disputesCount: 3 }),
    )
    const rows = await acme.run((ctx) =>
      ctx.db.selectFrom('paymentBehaviour').selectAll().where('customerId', '=', c.id).execute(),
    )
    expect(rows).toHaveLength(2)
    const assessment = await call(app, key, 'GET', `/v1/customers/${c.id}/credit-assessment`)
    expect(assessment.body.reasons[0]).toBe('Paid all 20 invoices on time')
  })

  test.each`
    change                           | field
    ${{ invoicesPaidLateCount: 21 }} | ${'invoices_paid_late_count'}
    ${{ averageDaysLate: -1 }}       | ${'average_days_late'}
    ${{ openOverdueMinor: -5n }}     | ${'open_overdue'}
    ${{ asOf: '2026-02-30' }}        | ${'as_of'}
    ${{ currency: 'EUX' }}           | ${'currency'}
  `('refuses a snapshot with a wrong $field and writes nothing', async ({ change, field }) => {
    const c = await customer()
    await expect(
      acme.run((ctx) => recordPaymentBehaviour(ctx, c.id, { ...lateSnapshot, ...change })),
    ).rejects.toMatchObject({ code: 'request.invalid', details: { errors: [{ field }] } })
    const rows = await acme.run((ctx) =>
      ctx.db.selectFrom('paymentBehaviour').selectAll().where('customerId', '=', c.id).execute(),
    )
    expect(rows).toHaveLength(0)
  })
})

async function profile(id: string, patch: Record<string, unknown>) {
  const current = await call(app, key, 'GET', `/v1/customers/${id}/credit-profile`)
  const changed = await call(app, key, 'PATCH', `/v1/customers/${id}/credit-profile`, patch, {
    'if-match': current.headers.etag as string,
  })
  expect(changed.status).toBe(200)
  return changed.body
}

describe('credit reviews', () => {
  test('reviews due are listed riskiest first: status, class, exposure, date', async () => {
    const safe = await customer()
    const risky = await customer()
    const big = await customer()
    const small = await customer()
    const blocked = await customer()
    const later = await customer()
    await profile(safe.id, { risk_class: 'A', next_review_date: '2026-03-10' })
    await profile(risky.id, { risk_class: 'E', next_review_date: '2026-03-20' })
    await profile(big.id, { risk_class: 'C', next_review_date: '2026-03-15' })
    await profile(small.id, { next_review_date: '2026-02-01' })
    await profile(blocked.id, {
      risk_class: 'A',
      credit_status: 'blocked',
      next_review_date: '2026-03-31',
    })
    await profile(later.id, { risk_class: 'E', next_review_date: '2026-04-01' })
    await asSystem(platform.store, (db) =>
      sql`insert into credit_test_receivable values
        (${acme.tenantId}, ${big.id}, 'EUR', 900000, '2026-02-01'),
        (${acme.tenantId}, ${small.id}, 'EUR', 1000, '2026-02-01')`.execute(db),
    )
    const due = await call(app, key, 'GET', '/v1/credit-reviews?due_before=2026-03-31')
    expect(due.status).toBe(200)
    const mine = due.body.data.filter((d: { customer_number: string }) =>
      [safe, risky, big, small, blocked, later].some((c) => c.number === d.customer_number),
    )
    expect(mine.map((d: { customer_number: string }) => d.customer_number)).toEqual([
      blocked.number,
      risky.number,
      big.number,
      small.number,
      safe.number,
    ])
    expect(
      mine.find((d: { customer_number: string }) => d.customer_number === big.number),
    ).toMatchObject({
      exposure: '9000.00',
      currency: 'EUR',
    })

    const firstPage = await call(
      app,
      key,
      'GET',
      '/v1/credit-reviews?due_before=2026-03-31&limit=2',
    )
    const secondPage = await call(
      app,
      key,
      'GET',
      `/v1/credit-reviews?due_before=2026-03-31&limit=2&cursor=${firstPage.body.next_cursor}`,
    )
    expect(secondPage.body.data[0].customer_number).toBe(due.body.data[2].customer_number)
  })

  test('completing a review records it, sets the next date and proposes the limit under four eyes', async () => {
    const c = await customer()
    const before = await profile(c.id, { next_review_date: '2026-02-15' })
    const reviewed = await call(
      app,
      key,
      'POST',
      `/v1/customers/${c.id}/credit-reviews`,
      {
        note: 'Pays late but steadily; bureau B',
        seen: { internal_score: 77, report_id: 'r-9' },
        risk_class: 'C',
        credit_status: 'watch',
        limit: '20000.00',
      },
      { 'if-match': `"${before.version}"` },
    )
    expect(reviewed.status).toBe(201)
    expect(reviewed.body).toMatchObject({
      risk_class: 'C',
      credit_status: 'watch',
      next_review_date: '2027-03-01',
      profile: {
        last_review_date: '2026-03-01',
        next_review_date: '2027-03-01',
        credit_limit: null,
      },
      limit_decision: { status: 'pending', limit: '20000.00', review_id: reviewed.body.id },
    })
    const due = await call(app, key, 'GET', '/v1/credit-reviews?due_before=2026-03-31')
    expect(due.body.data.map((d: { customer_id: string }) => d.customer_id)).not.toContain(c.id)
    const trail = await call(app, key, 'GET', `/v1/audit?entity=${reviewed.body.id}`)
    expect(trail.body.data[0]).toMatchObject({ entity_type: 'credit_review', action: 'completed' })
  })

  test('a review needs the profile version reviewed, and a next date after today', async () => {
    const c = await customer()
    await profile(c.id, { next_review_date: '2026-02-15' })
    const stale = await call(
      app,
      key,
      'POST',
      `/v1/customers/${c.id}/credit-reviews`,
      { note: 'ok', seen: {} },
      { 'if-match': '"0"' },
    )
    expect(stale.status).toBe(412)
    const past = await call(
      app,
      key,
      'POST',
      `/v1/customers/${c.id}/credit-reviews`,
      { note: 'ok', seen: {}, next_review_date: '2026-03-01' },
      { 'if-match': '"1"' },
    )
    expect(past.status).toBe(400)
    expect(past.body.errors[0].field).toBe('next_review_date')
    const reviews = await acme.run((ctx) =>
      ctx.db.selectFrom('creditReview').selectAll().where('customerId', '=', c.id).execute(),
    )
    expect(reviews).toHaveLength(0)
  })

  test('o2c credit reviews prints the list', async () => {
    const c = await customer()
    await profile(c.id, { risk_class: 'D', next_review_date: '2026-01-01' })
    const output: string[] = []
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      output.push(String(chunk))
      return true
    })
    const cli: CliContext = { platform: async () => platform, tenantSlug: () => acme.slug }
    const program = new Command('o2c').exitOverride()
    creditCommands(program, cli)
    await program.parseAsync([
      'node',
      'o2c',
      'credit',
      'reviews',
      '--tenant',
      acme.slug,
      '--due-before',
      '2026-01-31',
    ])
    vi.restoreAllMocks()
    const text = output.join('')
    expect(text).toMatch(/^DUE\s+CUSTOMER\s+NAME\s+CLASS/)
    expect(text).toContain(`2026-01-01  ${c.number}`)
  })
})
