import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  call,
  manualClock,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../../test/support.js'
import { newId } from '../../../core/ids.js'
import type { Ctx } from '../../../db/context.js'
import type { Platform } from '../../../platform.js'
import { arrangeOpenInvoice } from '../../cashapp/test-helpers.js'
import { recordPaymentBehaviour } from '../../credit/index.js'
import { arrangeCustomer } from '../../invoicing/test-helpers.js'
import { openDispute } from '../disputes/disputes.js'
import { suggestAction, type WorklistRow, worklistQuery } from './worklist.js'

// The collector's morning: the worklist ranks the customers with overdue items by what is
// at stake and says what to do next and why; a call is recorded and shows on the customer's
// timeline with everything else that happened to them.

const clock = manualClock('2026-03-01T09:00:00Z')
let platform: Platform
let app: FastifyInstance
let tenant: TestTenant
let collector: string
const customers: Record<string, { id: string; number: string; invoiceId: string }> = {}

async function overdueCustomer(ctx: Ctx, name: string, netMinor: bigint) {
  const customer = await arrangeCustomer(ctx, { legalName: name })
  const invoice = await arrangeOpenInvoice(ctx, customer.id, netMinor)
  customers[name] = { id: customer.id, number: customer.number, invoiceId: invoice.id }
  return customer.id
}

async function collectionFacts(ctx: Ctx, customerId: string, facts: Record<string, unknown>) {
  await ctx.db
    .insertInto('customerCollection')
    .values({ tenantId: ctx.tenantId, customerId, updatedAt: ctx.now, ...facts })
    .execute()
}

beforeAll(async () => {
  platform = await testPlatform(clock)
  app = await testServer(platform)
  tenant = await testTenant(platform)
  collector = await tenant.key('collector')
  await tenant.run(async (ctx) => {
    // Issued 1 March, due 31 March (30 days).
    const risky = await overdueCustomer(ctx, 'Risky', 3_479_34n) // 4,210.00
    await ctx.db
      .insertInto('creditProfile')
      .values({
        tenantId: ctx.tenantId,
        customerId: risky,
        currency: 'EUR',
        creditLimitMinor: null,
        groupCreditLimitMinor: null,
        riskClass: 'D',
        nextReviewDate: null,
        lastReviewDate: null,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .execute()
    await collectionFacts(ctx, risky, { brokenPromises: 1, lastBrokenPromiseOn: '2026-05-01' })

    const punctual = await overdueCustomer(ctx, 'Punctual', 100_00n)
    await recordPaymentBehaviour(ctx, punctual, {
      asOf: '2026-02-28',
      invoicesPaidCount: 20,
      invoicesPaidLateCount: 0,
      averageDaysLate: 0,
      openOverdueMinor: 0n,
      currency: 'EUR',
      disputesCount: 0,
      brokenPromisesCount: 0,
    })
    await overdueCustomer(ctx, 'Disputing', 200_00n)
    const promising = await overdueCustomer(ctx, 'Promising', 300_00n)
    const promiseId = newId()
    await ctx.db
      .insertInto('promiseToPay')
      .values({
        tenantId: ctx.tenantId,
        id: promiseId,
        customerId: promising,
        amountMinor: 363_00n,
        currency: 'EUR',
        promisedOn: '2026-05-20',
        channel: 'phone',
        madeAt: ctx.now,
        madeBy: 'test',
      })
      .execute()
    await ctx.db
      .insertInto('promiseToPayItem')
      .values({
        tenantId: ctx.tenantId,
        promiseId,
        invoiceId: customers.Promising.invoiceId,
        amountMinor: 363_00n,
      })
      .execute()
    const hardship = await overdueCustomer(ctx, 'Hardship', 150_00n)
    await collectionFacts(ctx, hardship, {
      payIntent: 'cant_pay',
      payIntentAt: ctx.now,
      payIntentBy: 'test',
    })
  })
  clock.set('2026-04-20T09:00:00Z')
  await tenant.run(async (ctx) => {
    await openDispute(ctx, {
      invoiceId: customers.Disputing.invoiceId,
      category: 'quality',
      amount: '242.00',
      description: 'all of it',
      openedVia: 'collector',
    })
    // Not overdue: due 20 May.
    await overdueCustomer(ctx, 'NotYetDue', 500_00n)
  })
  clock.set('2026-05-15T09:00:00Z') // 45 days after 31 March
})

describe('the worklist', () => {
  test('ranks what is at stake and suggests the next action with its reason', async () => {
    const res = await call(app, collector, 'GET', '/v1/collections/worklist')
    expect(res.status, res.text).toBe(200)
    expect(res.body.as_of).toBe('2026-05-15')
    const rows = res.body.data as {
      customer: { name: string }
      action: string
      reason: string
      rank: number
      overdue: string
      days_overdue: number
      chance_of_paying: number
    }[]
    const byName = Object.fromEntries(rows.map((r) => [r.customer.name, r]))
    expect(Object.keys(byName).sort()).toEqual(
      ['Disputing', 'Hardship', 'Promising', 'Punctual', 'Risky'].sort(),
    )
    expect(rows[0].customer.name).toBe('Risky')
    expect(byName.Risky).toMatchObject({
      rank: 1,
      action: 'call',
      overdue: '4210.00',
      days_overdue: 45,
      reason: 'call: €4,210.00 overdue 45 days, promise broken on 2026-05-01',
    })
    expect(byName.Promising).toMatchObject({
      action: 'wait',
      reason: 'wait: promise active until 2026-05-20',
    })
    expect(byName.Disputing.action).toBe('resolve_dispute')
    expect(byName.Disputing.reason).toMatch(/^dispute open: €242\.00 disputed/)
    expect(byName.Hardship).toMatchObject({ action: 'propose_plan' })
    expect(byName.Hardship.reason).toMatch(/^propose a plan: classified can't pay/)
    // 20 of 20 paid on time: (20 + 1) / (20 + 2).
    expect(byName.Punctual.chance_of_paying).toBeCloseTo(21 / 22, 3)
    // A punctual payer 45 days late is unusual enough for a call, but it ranks low.
    expect(byName.Punctual.action).toBe('call')
    // Held money and a punctual payer rank below the hardship case.
    const rank = (name: string) => byName[name].rank
    expect(rank('Hardship')).toBeLessThan(rank('Punctual'))
    expect(rank('Punctual')).toBeLessThan(rank('Promising'))
  })

  test('pages with a cursor and filters by risk class', async () => {
    const first = await call(app, collector, 'GET', '/v1/collections/worklist?limit=2')
    expect(first.body.data).toHaveLength(2)
    const second = await call(
      app,
      collector,
      'GET',
      `/v1/collections/worklist?limit=10&cursor=${first.body.next_cursor}`,
    )
    expect(second.body.data.map((r: { rank: number }) => r.rank)).toEqual([3, 4, 5])
    expect(second.body.next_cursor).toBeNull()
    const risky = await call(app, collector, 'GET', '/v1/collections/worklist?risk_class=D')
    expect(risky.body.data.map((r: { customer: { name: string } }) => r.customer.name)).toEqual([
      'Risky',
    ])
  })

  test('runs as one statement whose SQL is pinned', async () => {
    const compiled = await tenant.run(async (ctx) =>
      worklistQuery(ctx, { asOf: '2026-05-15', limit: 51, offset: 0 }).compile(ctx.db),
    )
    expect(compiled.sql).toMatchSnapshot()
  })

  test.each`
    case                 | row                                                                       | action
    ${'held by a plan'}  | ${{ actionableMinor: 0n, planActive: true, planNextDueOn: '2026-06-01' }} | ${'wait'}
    ${'won’t pay'}       | ${{ payIntent: 'wont_pay' }}                                              | ${'escalate'}
    ${'young, unknown'}  | ${{ daysOverdue: 5, chanceOfPaying: 0.5 }}                                | ${'remind'}
    ${'young, punctual'} | ${{ daysOverdue: 5, chanceOfPaying: 0.9 }}                                | ${'wait'}
    ${'risk class E'}    | ${{ daysOverdue: 5, riskClass: 'E' }}                                     | ${'call'}
  `('suggests $action when $case', ({ row, action }) => {
    const base: WorklistRow = {
      customerId: newId(),
      customerNumber: 'C1',
      customerName: 'X',
      currency: 'EUR',
      overdueMinor: 100_00n,
      overdueItems: 1,
      oldestDueOn: '2026-05-01',
      daysOverdue: 14,
      disputedMinor: 0n,
      openDisputes: 0,
      promisedMinor: 0n,
      promiseActiveUntil: null,
      planActive: false,
      planNextDueOn: null,
      actionableMinor: 100_00n,
      riskClass: null,
      brokenPromises: 0,
      lastBrokenPromiseOn: null,
      payIntent: null,
      doNotDun: false,
      chanceOfPaying: 0.5,
      score: 1,
      rank: 1,
    }
    expect(suggestAction({ ...base, ...row }, '2026-05-15').action).toBe(action)
  })
})

describe('calls, notes, tasks and the timeline', () => {
  test('a call and a note land on the timeline, newest first, beside the invoice and the dispute', async () => {
    const customer = customers.Disputing
    const called = await call(app, collector, 'POST', `/v1/customers/${customer.id}/activities`, {
      kind: 'call',
      outcome: 'reached',
      note: 'Says the goods were mouldy; dispute logged',
      invoice_id: customer.invoiceId,
    })
    expect(called.status, called.text).toBe(201)
    clock.advance(60_000)
    const noted = await call(app, collector, 'POST', `/v1/customers/${customer.id}/activities`, {
      kind: 'note',
      note: 'Sent photos to quality',
    })
    expect(noted.status, noted.text).toBe(201)
    const timeline = await call(app, collector, 'GET', `/v1/customers/${customer.id}/timeline`)
    expect(timeline.status, timeline.text).toBe(200)
    const entries = timeline.body.data as { type: string; what: string; summary: string }[]
    expect(entries[0]).toMatchObject({ type: 'activity', what: 'note' })
    expect(entries[1]).toMatchObject({ type: 'activity', what: 'call' })
    expect(entries[1].summary).toContain('(reached)')
    const kinds = entries.map((e) => `${e.type}:${e.what}`)
    expect(kinds).toContain('dispute:opened')
    expect(kinds).toContain('invoice:disputed')
    expect(kinds).toContain('invoice:issued')
    expect(kinds).toContain('activity:confirmation') // the customer's dispute confirmation
    expect(kinds[kinds.length - 1]).toBe('invoice:issued')
    const paged = await call(app, collector, 'GET', `/v1/customers/${customer.id}/timeline?limit=2`)
    const rest = await call(
      app,
      collector,
      'GET',
      `/v1/customers/${customer.id}/timeline?limit=100&cursor=${paged.body.next_cursor}`,
    )
    expect([...paged.body.data, ...rest.body.data].map((e: { id: string }) => e.id)).toEqual(
      entries.map((e) => (e as unknown as { id: string }).id),
    )
  })

  test.each`
    case                         | body                                                     | status
    ${'a call without outcome'}  | ${{ kind: 'call' }}                                      | ${400}
    ${'a note without text'}     | ${{ kind: 'note' }}                                      | ${400}
    ${'an unknown outcome'}      | ${{ kind: 'call', outcome: 'shouted' }}                  | ${400}
    ${'another customer’s bill'} | ${{ kind: 'call', outcome: 'reached', invoice_id: 'x' }} | ${400}
  `('refuses $case', async ({ body, status }) => {
    const res = await call(
      app,
      collector,
      'POST',
      `/v1/customers/${customers.Risky.id}/activities`,
      body,
    )
    expect(res.status, res.text).toBe(status)
  })

  test('an invoice of another customer is refused by name', async () => {
    const res = await call(
      app,
      collector,
      'POST',
      `/v1/customers/${customers.Risky.id}/activities`,
      {
        kind: 'call',
        outcome: 'reached',
        invoice_id: customers.Punctual.invoiceId,
      },
    )
    expect(res.status).toBe(422)
    expect(res.body.type).toBe('/problems/collections.activity_invoice_unknown')
  })

  test('a task is done once', async () => {
    const taskId = newId()
    await tenant.run((ctx) =>
      ctx.db
        .insertInto('collectionActivity')
        .values({
          tenantId: ctx.tenantId,
          id: taskId,
          customerId: customers.Risky.id,
          kind: 'task',
          outcome: null,
          note: 'Call before the letter',
          taskStatus: 'open',
          dueOn: '2026-05-15',
          assignedTo: null,
          messageId: null,
          invoiceId: null,
          occurredAt: ctx.now,
          recordedBy: 'dunning',
        })
        .execute(),
    )
    const done = await call(app, collector, 'POST', `/v1/collection-tasks/${taskId}/done`, {
      outcome: 'voicemail',
      note: 'Left a message',
    })
    expect(done.status, done.text).toBe(200)
    expect(done.body).toMatchObject({ task_status: 'done', outcome: 'voicemail' })
    expect(done.body.note).toBe('Call before the letter\nLeft a message')
    const again = await call(app, collector, 'POST', `/v1/collection-tasks/${taskId}/done`, {})
    expect(again.status).toBe(409)
    expect(again.body.type).toBe('/problems/collections.task_not_open')
  })

  test('another tenant’s customer has no timeline here', async () => {
    const other = await testTenant(platform)
    const res = await call(
      app,
      await other.key('admin'),
      'GET',
      `/v1/customers/${customers.Risky.id}/timeline`,
    )
    expect(res.status).toBe(404)
  })
})
