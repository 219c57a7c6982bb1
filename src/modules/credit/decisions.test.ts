import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import { call, type TestTenant, testTenant } from '../../../test/support.js'
import type { Platform } from '../../platform.js'
import { fourEyesSetup } from './test-helpers.js'

// Limit changes under four eyes, through the API as two credit analysts use it.

let platform: Platform
let app: FastifyInstance
let acme: TestTenant
let analyst: string
let otherAnalyst: string
let customerCounter = 0

beforeAll(async () => {
  ;({ platform, app, acme, analyst, otherAnalyst } = await fourEyesSetup())
})

async function newCustomer(fields: Record<string, unknown> = {}): Promise<string> {
  const created = await call(app, analyst, 'POST', '/v1/customers', {
    number: `D-${++customerCounter}`,
    legal_name: `Customer ${customerCounter}`,
    ...fields,
  })
  expect(created.status).toBe(201)
  return created.body.id
}

const propose = (key: string, customerId: string, body: Record<string, unknown>) =>
  call(app, key, 'POST', `/v1/customers/${customerId}/credit-limit-decisions`, {
    reason: 'Pays on time; Graydon B',
    seen: { internal_score: 81, report_id: 'r-1' },
    ...body,
  })

const limitOf = async (customerId: string) =>
  (await call(app, analyst, 'GET', `/v1/customers/${customerId}/credit-profile`)).body.credit_limit

describe('limit decisions with four eyes', () => {
  test('a new limit at or below the threshold applies at once', async () => {
    const id = await newCustomer()
    const decided = await propose(analyst, id, { limit: '5000.00' })
    expect(decided.status).toBe(201)
    expect(decided.body).toMatchObject({
      status: 'approved',
      four_eyes_required: false,
      limit: '5000.00',
      limit_before: null,
    })
    expect(await limitOf(id)).toBe('5000.00')
    const events = await acme.run((ctx) =>
      ctx.db
        .selectFrom('outboxEvent')
        .select(['type', 'payload'])
        .where('entityId', '=', id)
        .where('type', '=', 'credit.limit_changed')
        .execute(),
    )
    expect(events).toHaveLength(1)
    expect(events[0].payload).toMatchObject({ credit_limit: { amount: '5,000.00 EUR' } })
  })

  test('a change above the threshold stays pending and does not change the limit', async () => {
    const id = await newCustomer()
    await propose(analyst, id, { limit: '1000.00' })
    const pending = await propose(analyst, id, { limit: '6000.01' })
    expect(pending.body).toMatchObject({ status: 'pending', four_eyes_required: true })
    expect(await limitOf(id)).toBe('1000.00')
    const list = await call(app, analyst, 'GET', '/v1/credit-limit-decisions?status=pending')
    expect(list.body.data.map((d: { id: string }) => d.id)).toContain(pending.body.id)
  })

  test('the proposer cannot approve their own change; another analyst can', async () => {
    const id = await newCustomer()
    const pending = await propose(analyst, id, { limit: '25000.00' })
    const own = await call(
      app,
      analyst,
      'POST',
      `/v1/credit-limit-decisions/${pending.body.id}/approve`,
    )
    expect(own.status).toBe(403)
    expect(own.body.type).toBe('/problems/credit.four_eyes_same_user')
    expect(await limitOf(id)).toBeNull()

    const approved = await call(
      app,
      otherAnalyst,
      'POST',
      `/v1/credit-limit-decisions/${pending.body.id}/approve`,
      { note: 'Agreed, report seen' },
    )
    expect(approved.status).toBe(200)
    expect(approved.body).toMatchObject({
      status: 'approved',
      decision_note: 'Agreed, report seen',
    })
    expect(approved.body.decided_by.name).toBe('second@acme.test')
    expect(approved.body.proposed_by.name).toBe(`credit_analyst@${acme.slug}.test`)
    expect(await limitOf(id)).toBe('25000.00')

    const trail = await call(app, analyst, 'GET', `/v1/audit?entity=${pending.body.id}`)
    expect(trail.body.data.map((e: { action: string }) => e.action)).toEqual([
      'proposed',
      'approved',
    ])
    expect(trail.body.data[0].after.seen).toEqual({ internal_score: 81, report_id: 'r-1' })

    const again = await call(
      app,
      otherAnalyst,
      'POST',
      `/v1/credit-limit-decisions/${pending.body.id}/reject`,
      {
        note: 'too late',
      },
    )
    expect(again.status).toBe(409)
    expect(again.body.type).toBe('/problems/credit.decision_not_pending')
  })

  test('a rejected change leaves the limit as it was', async () => {
    const id = await newCustomer()
    await propose(analyst, id, { limit: '2000.00' })
    const pending = await propose(analyst, id, { limit: '90000.00' })
    const rejected = await call(
      app,
      otherAnalyst,
      'POST',
      `/v1/credit-limit-decisions/${pending.body.id}/reject`,
      {
        note: 'Bureau says E',
      },
    )
    expect(rejected.body).toMatchObject({ status: 'rejected', decision_note: 'Bureau says E' })
    expect(await limitOf(id)).toBe('2000.00')
  })

  test('one open proposal per customer at a time', async () => {
    const id = await newCustomer()
    await propose(analyst, id, { limit: '70000.00' })
    const second = await propose(analyst, id, { limit: '1.00' })
    expect(second.status).toBe(409)
    expect(second.body.type).toBe('/problems/credit.decision_pending')
  })

  test('a decrease applies at once, however large', async () => {
    const id = await newCustomer()
    const pending = await propose(analyst, id, { limit: '100000.00' })
    await call(app, otherAnalyst, 'POST', `/v1/credit-limit-decisions/${pending.body.id}/approve`)
    const lowered = await propose(analyst, id, { limit: '0.00' })
    expect(lowered.body).toMatchObject({ status: 'approved', limit_before: '100000.00' })
    expect(await limitOf(id)).toBe('0.00')
  })

  test('a group limit is set on the top parent only, and counts for four eyes', async () => {
    const parent = await newCustomer()
    const child = await newCustomer({ parent_id: parent })
    const refused = await propose(analyst, child, { group_limit: '10.00' })
    expect(refused.status).toBe(422)
    expect(refused.body).toMatchObject({
      type: '/problems/credit.group_limit_not_on_top_parent',
      field: 'group_limit',
    })
    const pending = await propose(analyst, parent, { limit: '10.00', group_limit: '50000.00' })
    expect(pending.body).toMatchObject({ status: 'pending', group_limit: '50000.00' })
  })

  test.each`
    body                                  | status | field
    ${{ limit: '12.345' }}                | ${400} | ${'limit'}
    ${{ limit: '-5.00' }}                 | ${400} | ${'limit'}
    ${{ limit: '5.00', currency: 'USD' }} | ${422} | ${'currency'}
    ${{}}                                 | ${400} | ${'limit'}
    ${{ limit: '5.00', reason: '  ' }}    | ${400} | ${'reason'}
  `('refuses a proposal with $body, naming $field', async ({ body, status, field }) => {
    const id = await newCustomer()
    const refused = await propose(analyst, id, body)
    expect(refused.status).toBe(status)
    expect(JSON.stringify(refused.body)).toContain(field)
    const decisions = await call(
      app,
      analyst,
      'GET',
      `/v1/credit-limit-decisions?customer_id=${id}`,
    )
    expect(decisions.body.data).toHaveLength(0)
  })

  test('an order coordinator may read the profile but not propose a limit', async () => {
    const id = await newCustomer()
    const coordinator = await acme.key('order_coordinator')
    expect((await call(app, coordinator, 'GET', `/v1/customers/${id}/credit-profile`)).status).toBe(
      200,
    )
    const refused = await propose(coordinator, id, { limit: '1.00' })
    expect(refused.status).toBe(403)
  })
})

describe('credit profile', () => {
  test('a customer without a profile has no limit; the first change needs If-Match "0"', async () => {
    const id = await newCustomer({ currency: 'USD' })
    const profile = await call(app, analyst, 'GET', `/v1/customers/${id}/credit-profile`)
    expect(profile.headers.etag).toBe('"0"')
    expect(profile.body).toMatchObject({ currency: 'USD', credit_limit: null, credit_status: 'ok' })
    const changed = await call(
      app,
      analyst,
      'PATCH',
      `/v1/customers/${id}/credit-profile`,
      { credit_status: 'hold', risk_class: 'D', requires_prepayment: true },
      { 'if-match': '"0"' },
    )
    expect(changed.status).toBe(200)
    expect(changed.headers.etag).toBe('"1"')
    expect(changed.body).toMatchObject({
      credit_status: 'hold',
      risk_class: 'D',
      requires_prepayment: true,
    })
    const events = await acme.run((ctx) =>
      ctx.db
        .selectFrom('outboxEvent')
        .select(['type', 'payload'])
        .where('entityId', '=', id)
        .execute(),
    )
    expect(events.filter((e) => e.type === 'credit.status_changed')).toHaveLength(1)
  })

  test('a stale If-Match is refused with 412 and changes nothing', async () => {
    const id = await newCustomer()
    await call(
      app,
      analyst,
      'PATCH',
      `/v1/customers/${id}/credit-profile`,
      { risk_class: 'B' },
      { 'if-match': '"0"' },
    )
    const stale = await call(
      app,
      analyst,
      'PATCH',
      `/v1/customers/${id}/credit-profile`,
      { risk_class: 'E' },
      { 'if-match': '"0"' },
    )
    expect(stale.status).toBe(412)
    expect(
      (await call(app, analyst, 'GET', `/v1/customers/${id}/credit-profile`)).body.risk_class,
    ).toBe('B')
  })

  test('limits cannot be patched directly', async () => {
    const id = await newCustomer()
    const refused = await call(
      app,
      analyst,
      'PATCH',
      `/v1/customers/${id}/credit-profile`,
      { credit_limit: '1.00' },
      { 'if-match': '"0"' },
    )
    expect(refused.status).toBe(400)
  })
})

describe('tenant isolation', () => {
  test("another tenant's analyst gets 404 on every credit route with our ids", async () => {
    const id = await newCustomer()
    const pending = await propose(analyst, id, { limit: '99000.00' })
    const other = await testTenant(platform)
    const theirs = await other.key('admin')
    const ifMatch = { 'if-match': '"0"' }
    const attempts = [
      call(app, theirs, 'GET', `/v1/customers/${id}/credit-profile`),
      call(
        app,
        theirs,
        'PATCH',
        `/v1/customers/${id}/credit-profile`,
        { credit_status: 'blocked' },
        ifMatch,
      ),
      call(app, theirs, 'POST', `/v1/customers/${id}/credit-limit-decisions`, {
        limit: '1.00',
        reason: 'x',
        seen: {},
      }),
      call(app, theirs, 'GET', `/v1/credit-limit-decisions/${pending.body.id}`),
      call(app, theirs, 'POST', `/v1/credit-limit-decisions/${pending.body.id}/approve`),
      call(app, theirs, 'POST', `/v1/credit-limit-decisions/${pending.body.id}/reject`, {
        note: 'no',
      }),
      call(app, theirs, 'GET', `/v1/customers/${id}/credit-reports`),
      call(app, theirs, 'GET', `/v1/customers/${id}/credit-assessment`),
      call(
        app,
        theirs,
        'POST',
        `/v1/customers/${id}/credit-reviews`,
        { note: 'x', seen: {} },
        ifMatch,
      ),
    ]
    for (const attempt of await Promise.all(attempts)) {
      expect(attempt.status).toBe(404)
      expect(attempt.text).not.toContain('99000')
    }
    const listed = await call(app, theirs, 'GET', '/v1/credit-limit-decisions?status=pending')
    expect(listed.body.data).toEqual([])
    const still = await call(app, analyst, 'GET', `/v1/credit-limit-decisions/${pending.body.id}`)
    expect(still.body.status).toBe('pending')
  })
})
