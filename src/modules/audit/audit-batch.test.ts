import { sql } from 'kysely'
import { beforeAll, describe, expect, test } from 'vitest'
import { type TestTenant, testPlatform, testTenant } from '../../../test/support.js'
import type { Platform } from '../../platform.js'
import { eventHash } from './chain.js'
import { recordAudit, recordAuditBatch, verifyAuditTrail } from './service.js'

let platform: Platform
let acme: TestTenant

beforeAll(async () => {
  platform = await testPlatform()
  acme = await testTenant(platform)
})

const entry = (n: number) => ({
  entityType: 'customer',
  entityId: `c-${n}`,
  action: n % 2 ? 'created' : 'updated',
  before: n % 2 ? undefined : { creditLimitMinor: BigInt(n * 100), name: 'Before' },
  after: { creditLimitMinor: BigInt(n * 1000), name: `After ${n}`, at: new Date(0) },
})

describe('recordAuditBatch', () => {
  test('appends many events to the chain as recordAudit would, one after another', async () => {
    await acme.run(async (ctx) => {
      // recordAudit's events are appended when the transaction commits, after the batches.
      await recordAudit(ctx, entry(4))
      await recordAuditBatch(ctx, [entry(1), entry(2), entry(3)])
      await recordAuditBatch(ctx, [])
      await recordAudit(ctx, entry(5))
    })
    await acme.run((ctx) => recordAuditBatch(ctx, [entry(6), entry(7)]))
    const events = await acme.run((ctx) =>
      ctx.db.selectFrom('auditEvent').selectAll().orderBy('seq').execute(),
    )
    // The tenant's own creation is event 1.
    expect(events.map((e) => [Number(e.seq), e.entityId])).toEqual([
      [1, acme.tenantId],
      ...[1, 2, 3, 4, 5, 6, 7].map((n) => [n + 1, `c-${n}`]),
    ])
    for (const [index, event] of events.entries()) {
      if (index > 0) expect(event.prevHash).toBe(events[index - 1].hash)
      expect(eventHash(event.prevHash, event)).toBe(event.hash)
    }
    expect(events[2].after).toEqual({
      creditLimitMinor: '2000',
      name: 'After 2',
      at: new Date(0).toISOString(),
    })
    expect(events[3].before).toBeNull()
    const verified = await acme.run(verifyAuditTrail)
    expect(verified).toMatchObject({ eventsChecked: 8, problems: [] })
    const head = await acme.run((ctx) =>
      ctx.db.selectFrom('auditChain').select(['lastSeq', 'lastHash']).executeTakeFirstOrThrow(),
    )
    expect(head).toEqual({ lastSeq: 8n, lastHash: events[7].hash })
  })

  test('an event of a batch edited afterwards is named by verify', async () => {
    const other = await testTenant(platform)
    await other.run((ctx) => recordAuditBatch(ctx, [entry(1), entry(2), entry(3)]))
    // Outside any tenant context: the store's owner, as someone with database access would be.
    await sql`update audit_event set after = '{"name":"forged"}'
      where tenant_id = ${other.tenantId} and entity_id = 'c-2'`.execute(platform.store.db)
    const verified = await other.run(verifyAuditTrail)
    expect(verified.problems).toMatchObject([{ seq: '3', problem: 'edited' }])
  })

  test('a batch that fails with its transaction leaves no event behind', async () => {
    const other = await testTenant(platform)
    await expect(
      other.run(async (ctx) => {
        await recordAuditBatch(ctx, [entry(1), entry(2)])
        throw new Error('the change failed')
      }),
    ).rejects.toThrow('the change failed')
    await other.run((ctx) => recordAuditBatch(ctx, [entry(3)]))
    const verified = await other.run(verifyAuditTrail)
    expect(verified).toMatchObject({ eventsChecked: 2, problems: [] })
  })
})
