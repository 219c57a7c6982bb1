import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  call,
  manualClock,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import type { Platform } from '../../platform.js'
import { deliverWebhook } from './deliver.js'
import { emitEvent, webhookJobKind } from './events.js'
import { startWorker } from './worker.js'

// The webhook and event routes: what a tenant's admin sees and may change, what another
// tenant may not, and what bad input gets.

const clock = manualClock('2026-03-01T09:00:00Z')
let platform: Platform
let app: FastifyInstance
let acme: TestTenant
let admin: string

beforeAll(async () => {
  platform = await testPlatform(clock)
  app = await testServer(platform)
  acme = await testTenant(platform)
  admin = await acme.key('admin')
})

const hook = { url: 'https://erp.example.com/o2c', event_types: ['order.confirmed'] }

describe('webhook endpoints', () => {
  test('registering shows the secret once; an idempotent replay does not show it again', async () => {
    const headers = { 'idempotency-key': 'hook-1' }
    const body = { ...hook, description: 'ERP order intake' }
    const first = await call(app, admin, 'POST', '/v1/webhooks', body, headers)
    expect(first.status).toBe(201)
    expect(first.body).toMatchObject({
      url: 'https://erp.example.com/o2c',
      description: 'ERP order intake',
      event_types: ['order.confirmed'],
      active: true,
      version: 1,
    })
    expect(first.body.secret).toMatch(/^whsec_/)
    expect(first.headers.etag).toBe('"1"')

    const again = await call(app, admin, 'POST', '/v1/webhooks', body, headers)
    expect(again.status).toBe(201)
    expect(again.headers['idempotent-replayed']).toBe('true')
    expect(again.body.id).toBe(first.body.id)
    expect(again.body.secret).not.toMatch(/^whsec_/)

    const read = await call(app, admin, 'GET', `/v1/webhooks/${first.body.id}`)
    expect(read.status).toBe(200)
    expect(read.headers.etag).toBe('"1"')
    expect(read.body.secret).toBeUndefined()
    const list = await call(app, admin, 'GET', '/v1/webhooks')
    expect(list.body.data.filter((w: { id: string }) => w.id === first.body.id)).toHaveLength(1)
    expect(JSON.stringify(list.body)).not.toContain(first.body.secret)

    // Neither the audit trail nor a stored idempotent reply holds the secret.
    const audit = await call(app, admin, 'GET', `/v1/audit?entity=${first.body.id}`)
    expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual(['created'])
    expect(JSON.stringify(audit.body)).not.toContain(first.body.secret)
    const stored = await acme.run((ctx) =>
      ctx.db
        .selectFrom('idempotencyKey')
        .select('responseBody')
        .where('key', '=', 'hook-1')
        .execute(),
    )
    expect(JSON.stringify(stored)).not.toContain(first.body.secret)
  })

  test('a change needs the ETag last read; a stale one is refused and changes nothing', async () => {
    const made = await call(app, admin, 'POST', '/v1/webhooks', hook)
    const path = `/v1/webhooks/${made.body.id}`
    const missing = await call(app, admin, 'PATCH', path, { active: false })
    expect(missing.status).toBe(428)

    const changed = await call(
      app,
      admin,
      'PATCH',
      path,
      { event_types: ['order.confirmed', 'shipment.shipped'], description: 'ERP' },
      { 'if-match': '"1"' },
    )
    expect(changed.status).toBe(200)
    expect(changed.headers.etag).toBe('"2"')
    expect(changed.body).toMatchObject({
      event_types: ['order.confirmed', 'shipment.shipped'],
      description: 'ERP',
      version: 2,
    })

    const stale = await call(app, admin, 'PATCH', path, { active: false }, { 'if-match': '"1"' })
    expect(stale.status).toBe(412)
    expect(stale.body).toMatchObject({ type: '/problems/request.stale_etag', currentVersion: 2 })
    expect((await call(app, admin, 'GET', path)).body.active).toBe(true)

    const audit = await call(app, admin, 'GET', `/v1/audit?entity=${made.body.id}`)
    const updated = audit.body.data.find((e: { action: string }) => e.action === 'updated')
    expect(updated.before.eventTypes).toEqual(['order.confirmed'])
    expect(updated.before.secret).toBeUndefined()
  })

  test('rotating the secret shows a new one once and says until when the old one signs', async () => {
    const made = await call(app, admin, 'POST', '/v1/webhooks', hook)
    const headers = { 'idempotency-key': `rotate-${made.body.id}` }
    const path = `/v1/webhooks/${made.body.id}/rotate-secret`
    const rotated = await call(app, admin, 'POST', path, undefined, headers)
    expect(rotated.status).toBe(200)
    expect(rotated.body.secret).toMatch(/^whsec_/)
    expect(rotated.body.secret).not.toBe(made.body.secret)
    expect(rotated.body.previous_secret_expires_at).toBe('2026-03-02T09:00:00.000Z')
    expect(rotated.body.version).toBe(2)
    const replay = await call(app, admin, 'POST', path, undefined, headers)
    expect(replay.body.secret).not.toMatch(/^whsec_/)
    const audit = await call(app, admin, 'GET', `/v1/audit?entity=${made.body.id}`)
    expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual([
      'created',
      'secret_rotated',
    ])
    expect(JSON.stringify(audit.body)).not.toContain(rotated.body.secret)
  })

  test.each`
    body                                                              | field               | type
    ${{ ...hook, url: 'ftp://erp.example.com/o2c' }}                  | ${'url'}            | ${'outbox.webhook_url_invalid'}
    ${{ ...hook, url: 'erp.example.com/o2c' }}                        | ${'url'}            | ${'outbox.webhook_url_invalid'}
    ${{ ...hook, url: 'https://user:pw@erp.example.com/' }}           | ${'url'}            | ${'outbox.webhook_url_invalid'}
    ${{ ...hook, event_types: ['order.confirmed', 'Order Created'] }} | ${'event_types[1]'} | ${'outbox.event_type_invalid'}
    ${{ ...hook, event_types: ['order'] }}                            | ${'event_types[0]'} | ${'outbox.event_type_invalid'}
    ${{ ...hook, event_types: [] }}                                   | ${'event_types'}    | ${'request.invalid'}
    ${{ url: hook.url }}                                              | ${'event_types'}    | ${'request.invalid'}
  `('refuses $field in $body, naming it, and writes nothing', async ({ body, field, type }) => {
    const before = await call(app, admin, 'GET', '/v1/webhooks?limit=500')
    const refused = await call(app, admin, 'POST', '/v1/webhooks', body)
    expect(refused.status).toBe(400)
    expect(refused.body.type).toBe(`/problems/${type}`)
    const named = refused.body.field ?? refused.body.errors?.[0]?.field
    expect(named).toBe(field)
    const after = await call(app, admin, 'GET', '/v1/webhooks?limit=500')
    expect(after.body.data).toHaveLength(before.body.data.length)
  })

  test('only admins manage webhooks; an analyst may read the event log', async () => {
    const analyst = await acme.key('credit_analyst')
    expect((await call(app, analyst, 'GET', '/v1/webhooks')).status).toBe(403)
    expect((await call(app, analyst, 'POST', '/v1/webhooks', hook)).status).toBe(403)
    expect((await call(app, analyst, 'GET', '/v1/events')).status).toBe(200)
    const collector = await acme.key('collector')
    expect((await call(app, collector, 'GET', '/v1/events')).status).toBe(403)
  })
})

describe('another tenant', () => {
  test("cannot read, list, change or redeliver another tenant's webhooks and events", async () => {
    const globex = await testTenant(platform)
    const globexAdmin = await globex.key('admin')
    const made = await call(app, globexAdmin, 'POST', '/v1/webhooks', {
      url: 'http://127.0.0.1:1/never',
      event_types: ['*'],
    })
    const eventId = await globex.run((ctx) =>
      emitEvent(ctx, {
        type: 'customer.created',
        entityType: 'customer',
        entityId: 'c-1',
        payload: {},
      }),
    )
    const deliveries = await call(
      app,
      globexAdmin,
      'GET',
      `/v1/webhooks/${made.body.id}/deliveries`,
    )
    const deliveryId = deliveries.body.data[0].id

    const id = made.body.id
    const probes: Array<[string, 'GET' | 'POST' | 'PATCH', string, unknown?]> = [
      ['read the webhook', 'GET', `/v1/webhooks/${id}`],
      ['change it', 'PATCH', `/v1/webhooks/${id}`, { active: false }],
      ['rotate its secret', 'POST', `/v1/webhooks/${id}/rotate-secret`],
      ['list its deliveries', 'GET', `/v1/webhooks/${id}/deliveries`],
      ['read a delivery', 'GET', `/v1/webhook-deliveries/${deliveryId}`],
      ['redeliver it', 'POST', `/v1/webhook-deliveries/${deliveryId}/redeliver`],
      ['read the event', 'GET', `/v1/events/${eventId}`],
    ]
    for (const [what, method, path, body] of probes) {
      const answer = await call(app, admin, method, path, body, { 'if-match': '"1"' })
      expect({ what, status: answer.status }).toEqual({ what, status: 404 })
      expect(answer.text).not.toContain('127.0.0.1:1')
    }
    const listed = await call(app, admin, 'GET', '/v1/webhooks?limit=500')
    expect(listed.body.data.map((w: { id: string }) => w.id)).not.toContain(id)
    const events = await call(app, admin, 'GET', '/v1/events?limit=500')
    expect(events.body.data.map((e: { id: string }) => e.id)).not.toContain(eventId)

    // Nothing changed for Globex.
    const own = await call(app, globexAdmin, 'GET', `/v1/webhooks/${id}`)
    expect(own.body).toMatchObject({ active: true, version: 1 })
    const worker = startWorker(
      platform,
      { [webhookJobKind]: deliverWebhook },
      { background: false },
    )
    await worker.drain() // settles Globex's delivery (refused connection) for the tests after
  })
})

describe('the event log', () => {
  test('lists events by type, entity and time, a page at a time', async () => {
    const initech = await testTenant(platform)
    const key = await initech.key('admin')
    const emit = (type: string, entityId: string) =>
      initech.run((ctx) =>
        emitEvent(ctx, { type, entityType: type.split('.')[0], entityId, payload: { entityId } }),
      )
    await emit('customer.created', 'c-1')
    clock.advance(3_600_000)
    await emit('order.confirmed', 'o-1')
    await emit('order.credit_hold', 'o-2')
    clock.advance(3_600_000)
    await emit('order.confirmed', 'o-3')

    const all = await call(app, key, 'GET', '/v1/events')
    expect(all.body.data.map((e: { entity_id: string }) => e.entity_id)).toEqual([
      'c-1',
      'o-1',
      'o-2',
      'o-3',
    ])
    const confirmed = await call(app, key, 'GET', '/v1/events?type=order.confirmed')
    expect(confirmed.body.data.map((e: { entity_id: string }) => e.entity_id)).toEqual([
      'o-1',
      'o-3',
    ])
    const one = await call(app, key, 'GET', '/v1/events?entity_id=o-2')
    expect(one.body.data).toEqual([
      expect.objectContaining({
        type: 'order.credit_hold',
        entity_type: 'order',
        data: { entityId: 'o-2' },
      }),
    ])
    const window = await call(
      app,
      key,
      'GET',
      `/v1/events?occurred_after=${encodeURIComponent('2026-03-01T10:00:00+00:00')}&occurred_before=2026-03-01T11:00:00Z`,
    )
    expect(window.body.data.map((e: { entity_id: string }) => e.entity_id)).toEqual(['o-1', 'o-2'])

    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { body: { data: Array<{ entity_id: string }>; next_cursor: string | null } } =
        await call(app, key, 'GET', `/v1/events?limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      seen.push(...page.body.data.map((e) => e.entity_id))
      cursor = page.body.next_cursor
    } while (cursor)
    expect(seen).toEqual(['c-1', 'o-1', 'o-2', 'o-3'])
  })

  test('a forged cursor or a date that is not one is a 400 naming the field', async () => {
    const forged = Buffer.from(JSON.stringify({ id: "x' or 1=1" })).toString('base64url')
    const cursor = await call(app, admin, 'GET', `/v1/events?cursor=${forged}`)
    expect(cursor.status).toBe(400)
    expect(cursor.body.errors[0].field).toBe('cursor')
    const date = await call(app, admin, 'GET', '/v1/events?occurred_after=yesterday')
    expect(date.status).toBe(400)
    expect(date.body.errors[0].field).toBe('query.occurred_after')
  })
})
