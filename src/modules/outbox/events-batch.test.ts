import { beforeAll, describe, expect, test } from 'vitest'
import { type TestTenant, testPlatform, testTenant } from '../../../test/support.js'
import { newId } from '../../core/ids.js'
import type { Ctx } from '../../db/context.js'
import type { Platform } from '../../platform.js'
import { consumeEvent, type DomainEvent, emitEvent, emitEvents, webhookJobKind } from './events.js'

let platform: Platform

beforeAll(async () => {
  platform = await testPlatform()
  consumeEvent('batch.tested', 'batch.mail')
})

const event = (n: number, type = 'batch.tested'): DomainEvent => ({
  type,
  entityType: 'thing',
  entityId: `thing-${n}`,
  payload: { n, amountMinor: BigInt(n * 100) },
})

async function subscribe(tenant: TestTenant, eventTypes: string[], active = true) {
  await tenant.run((ctx) =>
    ctx.db
      .insertInto('webhookEndpoint')
      .values({
        tenantId: ctx.tenantId,
        id: newId(),
        url: 'https://example.test/hook',
        eventTypes,
        secret: 'whsec_test',
        active,
      })
      .execute(),
  )
}

/** What the outbox holds, in a form that does not depend on generated ids. */
async function outboxOf(tenant: TestTenant) {
  return tenant.run(async (ctx: Ctx) => {
    const events = await ctx.db
      .selectFrom('outboxEvent')
      .select(['id', 'type', 'entityId', 'payload'])
      .orderBy('entityId')
      .execute()
    const jobs = await ctx.db.selectFrom('job').select(['kind', 'eventId', 'payload']).execute()
    const deliveries = await ctx.db
      .selectFrom('webhookDelivery')
      .select(['eventId', 'jobId'])
      .execute()
    return events.map((e) => ({
      type: e.type,
      entityId: e.entityId,
      payload: e.payload,
      jobs: jobs
        .filter((j) => j.eventId === e.id)
        .map((j) => j.kind)
        .sort(),
      deliveries: deliveries.filter((d) => d.eventId === e.id).length,
    }))
  })
}

describe('emitEvents', () => {
  test('writes the same events, jobs and webhook deliveries as emitEvent one by one', async () => {
    const one = await testTenant(platform)
    const many = await testTenant(platform)
    for (const tenant of [one, many]) {
      await subscribe(tenant, ['batch.tested'])
      await subscribe(tenant, ['*'])
      await subscribe(tenant, ['other.type'])
      await subscribe(tenant, ['*'], false)
    }
    const events = [event(1), event(2), event(3, 'other.type')]
    await one.run(async (ctx) => {
      for (const e of events) await emitEvent(ctx, e)
    })
    const ids = await many.run((ctx) => emitEvents(ctx, events))
    expect(ids).toHaveLength(3)
    const expected = await outboxOf(one)
    expect(await outboxOf(many)).toEqual(expected)
    expect(expected[0]).toEqual({
      type: 'batch.tested',
      entityId: 'thing-1',
      payload: { n: 1, amountMinor: '100' },
      jobs: ['batch.mail', webhookJobKind, webhookJobKind],
      deliveries: 2,
    })
    expect(expected[2].jobs).toEqual([webhookJobKind, webhookJobKind])
  })

  test('nothing to emit writes nothing', async () => {
    const tenant = await testTenant(platform)
    expect(await tenant.run((ctx) => emitEvents(ctx, []))).toEqual([])
    expect(await outboxOf(tenant)).toEqual([])
  })
})
