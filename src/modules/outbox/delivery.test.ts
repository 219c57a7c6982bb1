import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import { databaseUrl } from '../../../test/stores.js'
import {
  call,
  manualClock,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import { openStore } from '../../db/store.js'
import type { Platform } from '../../platform.js'
import { deliverWebhook } from './deliver.js'
import { emitEvent, webhookJobKind } from './events.js'
import { verifyWebhookSignature } from './signature.js'
import { startReceiver, type TestReceiver } from './test-receiver.js'
import { retryDelaysSeconds, startWorker, type Worker } from './worker.js'

// Webhook delivery end to end: events emitted in a tenant transaction, a worker draining the
// jobs, a real HTTP receiver on 127.0.0.1. Time moves only when a test moves the clock.
// Every test leaves its jobs settled (done or dead), so drain() counts only its own.

const clock = manualClock('2026-03-01T09:00:00Z')
let platform: Platform
let app: FastifyInstance
let worker: Worker

beforeAll(async () => {
  platform = await testPlatform(clock)
  app = await testServer(platform)
  worker = startWorker(platform, { [webhookJobKind]: deliverWebhook }, { background: false })
})

type Setup = { tenant: TestTenant; key: string; receiver: TestReceiver; webhookId: string }

/** A tenant with an endpoint on a fresh receiver, subscribed to `eventTypes`. */
async function endpoint(
  eventTypes: string[] = ['order.confirmed'],
): Promise<Setup & { secret: string }> {
  const tenant = await testTenant(platform)
  const key = await tenant.key('admin')
  const receiver = await startReceiver()
  const made = await call(app, key, 'POST', '/v1/webhooks', {
    url: receiver.url,
    event_types: eventTypes,
  })
  expect(made.status).toBe(201)
  return { tenant, key, receiver, webhookId: made.body.id, secret: made.body.secret }
}

function orderConfirmed(tenant: TestTenant, orderId = 'order-1') {
  return tenant.run((ctx) =>
    emitEvent(ctx, {
      type: 'order.confirmed',
      entityType: 'order',
      entityId: orderId,
      payload: { number: 'SO-1001', total: '121.00', currency: 'EUR', lines: 2n },
    }),
  )
}

async function deliveriesOf(setup: Setup) {
  const page = await call(app, setup.key, 'GET', `/v1/webhooks/${setup.webhookId}/deliveries`)
  expect(page.status).toBe(200)
  return page.body.data as Array<{ id: string; status: string; attempt_count: number }>
}

async function deliveryDetail(setup: Setup, deliveryId: string) {
  const detail = await call(app, setup.key, 'GET', `/v1/webhook-deliveries/${deliveryId}`)
  expect(detail.status).toBe(200)
  return detail.body
}

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('webhook delivery', () => {
  test('an event emitted in a committed transaction is delivered once, signed', async () => {
    const setup = await endpoint()
    const eventId = await orderConfirmed(setup.tenant)
    expect(setup.receiver.received).toHaveLength(0) // nothing is sent inside the transaction
    expect(await worker.drain()).toBe(1)

    expect(setup.receiver.received).toHaveLength(1)
    const [request] = setup.receiver.received
    expect(request.headers['content-type']).toBe('application/json')
    expect(request.headers['o2c-event-id']).toBe(eventId)
    expect(request.headers['o2c-event-type']).toBe('order.confirmed')
    expect(request.headers['o2c-timestamp']).toBe(String(clock.now().getTime() / 1000))
    expect(
      verifyWebhookSignature({
        secret: setup.secret,
        header: request.headers['o2c-signature'] as string,
        body: request.body,
        now: clock.now(),
      }),
    ).toBe(true)
    expect(JSON.parse(request.body)).toEqual({
      id: eventId,
      type: 'order.confirmed',
      occurred_at: '2026-03-01T09:00:00.000Z',
      entity_type: 'order',
      entity_id: 'order-1',
      data: { number: 'SO-1001', total: '121.00', currency: 'EUR', lines: '2' },
    })
    // The body is the event as the API shows it.
    const event = await call(app, await setup.tenant.key('admin'), 'GET', `/v1/events/${eventId}`)
    expect(event.body).toEqual(JSON.parse(request.body))

    const [delivery] = await deliveriesOf(setup)
    expect(delivery).toMatchObject({ status: 'delivered', attempt_count: 1 })
    const detail = await deliveryDetail(setup, delivery.id)
    expect(detail.delivered_at).toBe('2026-03-01T09:00:00.000Z')
    expect(detail.attempts).toEqual([
      expect.objectContaining({ status_code: 200, error: null, duration_ms: expect.any(Number) }),
    ])
    expect(await worker.drain()).toBe(0)
    expect(setup.receiver.received).toHaveLength(1)
  })

  test('an event emitted in a rolled-back transaction is never delivered', async () => {
    const setup = await endpoint()
    await expect(
      setup.tenant.run(async (ctx) => {
        await emitEvent(ctx, {
          type: 'order.confirmed',
          entityType: 'order',
          entityId: 'order-rolled-back',
          payload: {},
        })
        throw new Error('the credit check failed after the event was written')
      }),
    ).rejects.toThrow('credit check')
    expect(await worker.drain()).toBe(0)
    clock.advance(24 * 3_600_000)
    expect(await worker.drain()).toBe(0)
    expect(setup.receiver.received).toHaveLength(0)
    expect(await deliveriesOf(setup)).toEqual([])
    const events = await call(app, setup.key, 'GET', '/v1/events?entity_id=order-rolled-back')
    expect(events.body.data).toEqual([])
  })

  test('a receiver answering 500 then 200 gets a retry after the first delay', async () => {
    const setup = await endpoint()
    setup.receiver.answer((n) => (n === 1 ? 500 : 200))
    await orderConfirmed(setup.tenant)

    expect(await worker.drain()).toBe(1)
    const [waiting] = await deliveriesOf(setup)
    expect(waiting).toMatchObject({ status: 'pending', attempt_count: 1 })
    const retryAt = new Date(clock.now().getTime() + retryDelaysSeconds[0] * 1000)
    expect((await deliveryDetail(setup, waiting.id)).next_attempt_at).toBe(retryAt.toISOString())

    clock.advance(retryDelaysSeconds[0] * 1000 - 1000)
    expect(await worker.drain()).toBe(0) // not due yet
    clock.advance(1000)
    expect(await worker.drain()).toBe(1)

    expect(setup.receiver.received).toHaveLength(2)
    const ids = setup.receiver.received.map((r) => r.headers['o2c-event-id'])
    expect(ids[0]).toBe(ids[1]) // the same event: receivers dedupe by it
    const detail = await deliveryDetail(setup, waiting.id)
    expect(detail).toMatchObject({ status: 'delivered', attempt_count: 2, next_attempt_at: null })
    expect(detail.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([500, 200])
    expect(detail.attempts[0].error).toBe('answered 500')
  })

  test('after the last retry the delivery is failed and its job dead', async () => {
    const setup = await endpoint()
    setup.receiver.answer(() => 503)
    await orderConfirmed(setup.tenant)
    const attemptsMax = retryDelaysSeconds.length + 1
    for (let attempt = 1; attempt <= attemptsMax; attempt++) {
      expect(await worker.drain()).toBe(1)
      expect(await worker.drain()).toBe(0)
      if (attempt < attemptsMax) clock.advance(retryDelaysSeconds[attempt - 1] * 1000)
    }
    expect(setup.receiver.received).toHaveLength(attemptsMax)
    const [delivery] = await deliveriesOf(setup)
    const detail = await deliveryDetail(setup, delivery.id)
    expect(detail).toMatchObject({ status: 'failed', attempt_count: attemptsMax })
    expect(detail.next_attempt_at).toBeNull()
    expect(detail.attempts).toHaveLength(attemptsMax)
    // The webhook's job (a week of retries also makes the tenant's daily schedules due).
    const job = await setup.tenant.run((ctx) =>
      ctx.db
        .selectFrom('job')
        .select(['status', 'attempts', 'lastError'])
        .where('kind', '=', webhookJobKind)
        .executeTakeFirstOrThrow(),
    )
    expect(job).toEqual({
      status: 'dead',
      attempts: attemptsMax,
      lastError: expect.stringContaining('answered 503'),
    })
    clock.advance(7 * 24 * 3_600_000)
    expect(await worker.drain()).toBe(0)
  })

  test('a receiver that refuses the connection is retried, the error recorded', async () => {
    const setup = await endpoint()
    // A loopback port that was just free: nothing listens there, so the connection is refused.
    const closed = await closedPort()
    const patched = await call(
      app,
      setup.key,
      'PATCH',
      `/v1/webhooks/${setup.webhookId}`,
      { url: `http://127.0.0.1:${closed}/o2c-events` },
      { 'if-match': '"1"' },
    )
    expect(patched.status).toBe(200)
    await orderConfirmed(setup.tenant)
    expect(await worker.drain()).toBe(1)
    const [delivery] = await deliveriesOf(setup)
    const detail = await deliveryDetail(setup, delivery.id)
    expect(detail.status).toBe('pending')
    expect(detail.attempts[0]).toMatchObject({
      status_code: null,
      error: expect.stringMatching(/ECONNREFUSED/),
    })
    // Settle it: point the endpoint back at the receiver and let the retry through.
    await call(
      app,
      setup.key,
      'PATCH',
      `/v1/webhooks/${setup.webhookId}`,
      { url: setup.receiver.url },
      { 'if-match': '"2"' },
    )
    clock.advance(retryDelaysSeconds[0] * 1000)
    expect(await worker.drain()).toBe(1)
    expect((await deliveryDetail(setup, delivery.id)).status).toBe('delivered')
  })

  test('redelivery sends a delivered event again, now', async () => {
    const setup = await endpoint()
    await orderConfirmed(setup.tenant)
    expect(await worker.drain()).toBe(1)
    const [delivery] = await deliveriesOf(setup)

    const again = await call(
      app,
      setup.key,
      'POST',
      `/v1/webhook-deliveries/${delivery.id}/redeliver`,
    )
    expect(again.status).toBe(202)
    expect(again.body).toMatchObject({ id: delivery.id, status: 'pending' })
    expect(await worker.drain()).toBe(1)

    expect(setup.receiver.received).toHaveLength(2)
    expect(setup.receiver.received[1].headers['o2c-event-id']).toBe(
      setup.receiver.received[0].headers['o2c-event-id'],
    )
    expect(await deliveryDetail(setup, delivery.id)).toMatchObject({
      status: 'delivered',
      attempt_count: 2,
    })
    const audit = await call(app, setup.key, 'GET', `/v1/audit?entity=${delivery.id}`)
    expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual([
      'redelivery_requested',
    ])
  })

  test('redelivering a delivery that waits for a retry replaces its job', async () => {
    const setup = await endpoint()
    setup.receiver.answer((n) => (n === 1 ? 500 : 200))
    await orderConfirmed(setup.tenant)
    expect(await worker.drain()).toBe(1)
    const [delivery] = await deliveriesOf(setup)
    const again = await call(
      app,
      setup.key,
      'POST',
      `/v1/webhook-deliveries/${delivery.id}/redeliver`,
    )
    expect(again.status).toBe(202)
    expect(again.body.next_attempt_at).toBe(clock.now().toISOString())
    expect(await worker.drain()).toBe(1)
    expect((await deliveryDetail(setup, delivery.id)).status).toBe('delivered')
    // The replaced job never runs, also when its retry time comes.
    clock.advance(retryDelaysSeconds[0] * 1000)
    expect(await worker.drain()).toBe(0)
    expect(setup.receiver.received).toHaveLength(2)
    const jobs = await setup.tenant.run((ctx) =>
      ctx.db.selectFrom('job').select('status').orderBy('status').execute(),
    )
    expect(jobs.map((j) => j.status)).toEqual(['cancelled', 'done'])
  })

  test('an endpoint subscribed to other types gets nothing; "*" gets every type', async () => {
    const shipments = await endpoint(['shipment.shipped', 'shipment.delivered'])
    const everything = await startReceiver()
    await call(app, shipments.key, 'POST', '/v1/webhooks', {
      url: everything.url,
      event_types: ['*'],
    })
    await orderConfirmed(shipments.tenant)
    expect(await worker.drain()).toBe(1)
    expect(shipments.receiver.received).toHaveLength(0)
    expect(everything.received).toHaveLength(1)
    expect(everything.received[0].headers['o2c-event-type']).toBe('order.confirmed')
  })

  test("an inactive endpoint gets nothing, and another tenant's event never reaches it", async () => {
    const paused = await endpoint()
    await call(
      app,
      paused.key,
      'PATCH',
      `/v1/webhooks/${paused.webhookId}`,
      { active: false },
      { 'if-match': '"1"' },
    )
    await orderConfirmed(paused.tenant)
    const other = await endpoint()
    await orderConfirmed(other.tenant)
    expect(await worker.drain()).toBe(1)
    expect(paused.receiver.received).toHaveLength(0)
    expect(other.receiver.received).toHaveLength(1)
  })

  test('after a secret rotation deliveries are signed with both secrets for a day', async () => {
    const setup = await endpoint()
    const rotated = await call(
      app,
      setup.key,
      'POST',
      `/v1/webhooks/${setup.webhookId}/rotate-secret`,
    )
    expect(rotated.status).toBe(200)
    const fresh: string = rotated.body.secret
    expect(fresh).not.toBe(setup.secret)

    await orderConfirmed(setup.tenant)
    expect(await worker.drain()).toBe(1)
    const during = setup.receiver.received[0]
    for (const secret of [fresh, setup.secret]) {
      const check = { secret, header: during.headers['o2c-signature'] as string, body: during.body }
      expect(verifyWebhookSignature({ ...check, now: clock.now() })).toBe(true)
    }

    clock.advance(24 * 3_600_000 + 1000)
    await orderConfirmed(setup.tenant, 'order-2')
    expect(await worker.drain()).toBe(1)
    const after = setup.receiver.received[1]
    const signed = (secret: string) =>
      verifyWebhookSignature({
        secret,
        header: after.headers['o2c-signature'] as string,
        body: after.body,
        now: clock.now(),
      })
    expect(signed(fresh)).toBe(true)
    expect(signed(setup.secret)).toBe(false)
  })
})

describe('the worker', () => {
  test('two workers draining at once deliver each job exactly once', async () => {
    const setup = await endpoint()
    setup.receiver.delay(() => 5)
    const eventCount = 45
    await setup.tenant.run(async (ctx) => {
      for (let i = 0; i < eventCount; i++) {
        await emitEvent(ctx, {
          type: 'order.confirmed',
          entityType: 'order',
          entityId: `order-${i}`,
          payload: { i },
        })
      }
    })
    // On PostgreSQL the second worker has a pool of its own, as a second process would.
    const secondStore =
      platform.store.kind === 'postgres'
        ? await openStore({
            databaseUrl: databaseUrl(new URL(platform.store.location).pathname.slice(1)),
            poolSize: 4,
          })
        : platform.store
    const handlers = { [webhookJobKind]: deliverWebhook }
    const first = startWorker(platform, handlers, { background: false })
    const second = startWorker({ ...platform, store: secondStore }, handlers, { background: false })
    const [ranByFirst, ranBySecond] = await Promise.all([first.drain(), second.drain()]).finally(
      async () => {
        if (secondStore !== platform.store) await secondStore.close()
      },
    )

    expect(ranByFirst + ranBySecond).toBe(eventCount)
    expect(ranByFirst).toBeGreaterThan(0)
    expect(ranBySecond).toBeGreaterThan(0)
    const eventIds = setup.receiver.received.map((r) => r.headers['o2c-event-id'])
    expect(eventIds).toHaveLength(eventCount)
    expect(new Set(eventIds).size).toBe(eventCount)
    const jobs = await setup.tenant.run((ctx) =>
      ctx.db.selectFrom('job').select(['status', 'attempts']).execute(),
    )
    expect(jobs).toHaveLength(eventCount)
    expect(jobs.every((j) => j.status === 'done' && j.attempts === 1)).toBe(true)
  })

  test('a job of a kind the worker has no handler for is not taken', async () => {
    const tenant = await testTenant(platform)
    await tenant.run((ctx) =>
      ctx.db
        .insertInto('job')
        .values({
          tenantId: ctx.tenantId,
          id: crypto.randomUUID(),
          kind: 'mail.send',
          payload: JSON.stringify({}),
          eventId: null,
          runAt: ctx.now,
        })
        .execute(),
    )
    expect(await worker.drain()).toBe(0)
    const job = await tenant.run((ctx) =>
      ctx.db.selectFrom('job').select(['status', 'attempts']).executeTakeFirstOrThrow(),
    )
    expect(job).toEqual({ status: 'queued', attempts: 0 })
  })

  test('stop waits for the running job and hands the claimed rest back to the queue', async () => {
    const setup = await endpoint()
    setup.receiver.delay((n) => (n === 1 ? 300 : 0))
    await orderConfirmed(setup.tenant, 'order-a')
    await orderConfirmed(setup.tenant, 'order-b')
    const background = startWorker(platform, { [webhookJobKind]: deliverWebhook }, { pollMs: 10 })
    await setup.receiver.arrived(1)
    await background.stop()

    // The job that was running finished and was recorded; the other was not started.
    expect(setup.receiver.received).toHaveLength(1)
    const jobs = await setup.tenant.run((ctx) =>
      ctx.db
        .selectFrom('job')
        .select(['status', 'attempts', 'lockedUntil'])
        .orderBy('status')
        .execute(),
    )
    expect(jobs).toEqual([
      { status: 'done', attempts: 1, lockedUntil: null },
      { status: 'queued', attempts: 0, lockedUntil: null },
    ])
    expect(await worker.drain()).toBe(1)
    expect(setup.receiver.received).toHaveLength(2)
  })
})
