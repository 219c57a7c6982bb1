import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  call,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import { newId } from '../../core/ids.js'
import { inTenant } from '../../db/context.js'
import type { Platform } from '../../platform.js'
import { createUser } from '../auth/index.js'
import { eventHash } from './chain.js'
import { verifyAuditTrail } from './service.js'

// Invariant 5, "every change is on the record": each mutation writes an audit event in its
// own transaction, the events are hash-chained per tenant, and verifying the chain names
// every event someone edited, slipped in or removed behind o2c's back.

let platform: Platform
let app: FastifyInstance

beforeAll(async () => {
  platform = await testPlatform()
  app = await testServer(platform)
})

type EventRow = {
  seq: bigint
  id: string
  actorType: string
  actorName: string
  entityType: string
  entityId: string
  action: string
  before: any
  after: any
  requestId: string | null
}

/** The tenant's trail, read as the store's owner (outside any tenant context). */
async function trailOf(tenant: TestTenant): Promise<EventRow[]> {
  return platform.store.db
    .selectFrom('auditEvent')
    .select([
      'seq',
      'id',
      'actorType',
      'actorName',
      'entityType',
      'entityId',
      'action',
      'before',
      'after',
      'requestId',
    ])
    .where('tenantId', '=', tenant.tenantId)
    .orderBy('seq')
    .execute()
}

const verify = (tenant: TestTenant) => tenant.run(verifyAuditTrail)

/** As a superuser would, behind o2c's back. */
const tamper = (statement: ReturnType<typeof sql>) => statement.execute(platform.store.db)

describe('every mutation writes an audit event', () => {
  test('creating a tenant starts its chain with the tenant itself', async () => {
    const tenant = await testTenant(platform)
    const [first] = await trailOf(tenant)
    expect(first).toMatchObject({
      seq: 1n,
      entityType: 'tenant',
      entityId: tenant.tenantId,
      action: 'created',
      actorType: 'system',
    })
    expect(first.after.slug).toBe(tenant.slug)
  })

  test.each`
    change                 | entityType   | action
    ${'POST /v1/users'}    | ${'user'}    | ${'created'}
    ${'POST /v1/api-keys'} | ${'api_key'} | ${'created'}
    ${'revoke an API key'} | ${'api_key'} | ${'revoked'}
  `(
    '$change writes "$entityType $action" with the user, the request and the change',
    async ({ change, entityType, action }) => {
      const tenant = await testTenant(platform)
      const admin = await tenant.key('admin')
      const me = (await call(app, admin, 'GET', '/v1/me')).body
      let entityId: string
      let requestId: string | undefined
      if (change === 'POST /v1/users') {
        const made = await call(app, admin, 'POST', '/v1/users', {
          email: 'eve@x.test',
          role: 'collector',
        })
        entityId = made.body.id
        requestId = made.headers['x-request-id'] as string | undefined
      } else {
        const made = await call(app, admin, 'POST', '/v1/api-keys', { user_id: me.user_id })
        entityId = made.body.id
        if (change === 'revoke an API key') {
          await call(app, admin, 'POST', `/v1/api-keys/${entityId}/revoke`)
        }
      }
      const events = (await trailOf(tenant)).filter(
        (e) => e.entityId === entityId && e.action === action,
      )
      expect(events).toHaveLength(1)
      const [event] = events
      expect(event).toMatchObject({ entityType, actorType: 'user', actorName: me.email })
      expect(event.requestId).toMatch(/^[0-9a-f-]{36}$/)
      if (requestId) expect(event.requestId).toBe(requestId)
      expect(event.after).not.toBeNull()
      if (action === 'revoked') {
        expect(event.before.revokedAt).toBeNull()
        expect(event.after.revokedAt).not.toBeNull()
      }
      // No secret is put on the record, not even its hash.
      expect(JSON.stringify({ ...event, seq: String(event.seq) })).not.toMatch(/secret/i)
      expect((await verify(tenant)).problems).toEqual([])
    },
  )

  test('a change that rolls back leaves no event and no gap in the chain', async () => {
    const tenant = await testTenant(platform)
    const before = await trailOf(tenant)
    await expect(
      tenant.run(async (ctx) => {
        await createUser(ctx, { email: 'ghost@x.test', role: 'collector' })
        throw new Error('the rest of the change failed')
      }),
    ).rejects.toThrow('the rest of the change failed')
    expect(await trailOf(tenant)).toEqual(before)
    const users = await tenant.run((ctx) => ctx.db.selectFrom('appUser').select('email').execute())
    expect(users.map((u) => u.email)).not.toContain('ghost@x.test')
    // The next change takes the next number, as if the failed one had never been tried.
    await tenant.run((ctx) => createUser(ctx, { email: 'real@x.test', role: 'collector' }))
    const after = await trailOf(tenant)
    expect(after.map((e) => e.seq)).toEqual([...before.map((e) => e.seq), before.at(-1)!.seq + 1n])
    expect((await verify(tenant)).problems).toEqual([])
  })

  test('a refused request leaves no event', async () => {
    const tenant = await testTenant(platform)
    const admin = await tenant.key('admin')
    const before = await trailOf(tenant)
    const taken = await call(app, admin, 'POST', '/v1/users', {
      email: `admin@${tenant.slug}.test`,
      role: 'admin',
    })
    expect(taken.status).toBe(409)
    const unknown = await call(app, admin, 'POST', `/v1/api-keys/${newId()}/revoke`)
    expect(unknown.status).toBe(404)
    expect(await trailOf(tenant)).toEqual(before)
  })

  test('the application role may append events but never change or remove one', async () => {
    const tenant = await testTenant(platform)
    await expect(
      tenant.run((ctx) => ctx.db.updateTable('auditEvent').set({ action: 'nothing' }).execute()),
    ).rejects.toThrow(/permission denied/)
    await expect(tenant.run((ctx) => ctx.db.deleteFrom('auditEvent').execute())).rejects.toThrow(
      /permission denied/,
    )
  })
})

describe('verifying the chain', () => {
  /** A tenant with five events: the tenant, and four users. */
  async function tenantWithFiveEvents(): Promise<{ tenant: TestTenant; events: EventRow[] }> {
    const tenant = await testTenant(platform)
    for (const name of ['ann', 'bob', 'cas', 'dee']) {
      await tenant.run((ctx) => createUser(ctx, { email: `${name}@x.test`, role: 'collector' }))
    }
    const events = await trailOf(tenant)
    expect(events.map((e) => e.seq)).toEqual([1n, 2n, 3n, 4n, 5n])
    return { tenant, events }
  }

  test('an intact trail verifies, and the head it verified is reported', async () => {
    const { tenant } = await tenantWithFiveEvents()
    const result = await verify(tenant)
    expect(result).toMatchObject({ eventsChecked: 5, problems: [], head: { seq: '5' } })
  })

  test('an event whose before/after was changed is named as edited, with seq and id', async () => {
    const { tenant, events } = await tenantWithFiveEvents()
    await tamper(sql`update audit_event set after = jsonb_set(after, '{email}', '"mallory@x.test"')
      where tenant_id = ${tenant.tenantId} and seq = 3`)
    const { problems } = await verify(tenant)
    expect(problems).toEqual([
      expect.objectContaining({ problem: 'edited', seq: '3', id: events[2].id }),
    ])
    expect(problems[0].detail).toContain(events[2].id)
  })

  test('an event rewritten with a freshly computed hash is named too', async () => {
    const { tenant, events } = await tenantWithFiveEvents()
    const target = events[2]
    const stored = await platform.store.db
      .selectFrom('auditEvent')
      .selectAll()
      .where('tenantId', '=', tenant.tenantId)
      .where('seq', '=', 3n)
      .executeTakeFirstOrThrow()
    const forged = { ...stored, action: 'disabled' }
    await tamper(sql`update audit_event set action = 'disabled', hash = ${eventHash(stored.prevHash, forged)}
      where tenant_id = ${tenant.tenantId} and seq = 3`)
    const { problems } = await verify(tenant)
    expect(problems).toEqual([
      expect.objectContaining({ problem: 'inserted', seq: '3', id: target.id }),
    ])
  })

  test('an event slipped in at the end, with a valid hash, is named as inserted', async () => {
    const { tenant, events } = await tenantWithFiveEvents()
    const last = await platform.store.db
      .selectFrom('auditEvent')
      .selectAll()
      .where('tenantId', '=', tenant.tenantId)
      .where('seq', '=', 5n)
      .executeTakeFirstOrThrow()
    const forged = { ...last, seq: 6n, id: newId(), entityId: newId(), prevHash: last.hash }
    const hash = eventHash(last.hash, forged)
    await tamper(sql`insert into audit_event (tenant_id, seq, id, occurred_at, actor_type,
        actor_id, actor_name, entity_type, entity_id, action, before, after, request_id,
        prev_hash, hash)
      select tenant_id, 6, ${forged.id}, occurred_at, actor_type, actor_id, actor_name,
        entity_type, ${forged.entityId}, action, before, after, request_id, hash, ${hash}
      from audit_event where tenant_id = ${tenant.tenantId} and seq = 5`)
    const { problems } = await verify(tenant)
    expect(problems).toEqual([
      expect.objectContaining({ problem: 'inserted', seq: '6', id: forged.id }),
    ])
    expect(events).toHaveLength(5)
  })

  test('an event slipped in the middle (the rest renumbered) is named as inserted', async () => {
    const { tenant, events } = await tenantWithFiveEvents()
    // Make room at 3: move 3..5 up by one (in two steps, the key is checked row by row).
    await tamper(sql`update audit_event set seq = seq + 1000
      where tenant_id = ${tenant.tenantId} and seq >= 3`)
    await tamper(sql`update audit_event set seq = seq - 999
      where tenant_id = ${tenant.tenantId} and seq >= 1000`)
    const second = await platform.store.db
      .selectFrom('auditEvent')
      .selectAll()
      .where('tenantId', '=', tenant.tenantId)
      .where('seq', '=', 2n)
      .executeTakeFirstOrThrow()
    const forged = {
      ...second,
      seq: 3n,
      id: newId(),
      action: 'role_changed',
      prevHash: second.hash,
    }
    await tamper(sql`insert into audit_event (tenant_id, seq, id, occurred_at, actor_type,
        actor_id, actor_name, entity_type, entity_id, action, before, after, request_id,
        prev_hash, hash)
      select tenant_id, 3, ${forged.id}, occurred_at, actor_type, actor_id, actor_name,
        entity_type, entity_id, 'role_changed', before, after, request_id, hash,
        ${eventHash(second.hash, forged)}
      from audit_event where tenant_id = ${tenant.tenantId} and seq = 2`)
    const { problems } = await verify(tenant)
    expect(problems[0]).toMatchObject({ problem: 'inserted', seq: '3', id: forged.id })
    // The renumbered events no longer match their hashes either.
    expect(problems.filter((p) => p.problem === 'edited').map((p) => p.id)).toContain(events[2].id)
  })

  test('an event removed from the middle is named by its seq and the event after the gap', async () => {
    const { tenant, events } = await tenantWithFiveEvents()
    await tamper(sql`delete from audit_event where tenant_id = ${tenant.tenantId} and seq = 3`)
    const { problems } = await verify(tenant)
    expect(problems).toEqual([expect.objectContaining({ problem: 'deleted', seq: '3' })])
    expect(problems[0].detail).toContain(events[3].id)
  })

  test('an event removed from the end is named by its seq', async () => {
    const { tenant } = await tenantWithFiveEvents()
    await tamper(sql`delete from audit_event where tenant_id = ${tenant.tenantId} and seq = 5`)
    const { problems } = await verify(tenant)
    expect(problems).toEqual([expect.objectContaining({ problem: 'deleted', seq: '5' })])
  })

  test("one tenant's tampering does not show in another tenant's verification", async () => {
    const { tenant } = await tenantWithFiveEvents()
    const other = await testTenant(platform)
    await tamper(sql`delete from audit_event where tenant_id = ${tenant.tenantId} and seq = 2`)
    expect((await verify(other)).problems).toEqual([])
  })
})

describe('concurrent changes', () => {
  test('writers at the same moment get consecutive sequence numbers and a valid chain', async () => {
    const tenant = await testTenant(platform)
    const scope = {
      tenantId: tenant.tenantId,
      timeZone: tenant.timeZone,
      actor: { type: 'system' as const, id: null, name: 'test' },
    }
    const writers = 24
    // On PostgreSQL these run on several connections at once; the chain head's row lock
    // orders them. On PGlite they queue for the one connection.
    await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        inTenant(platform.store, scope, (ctx) =>
          createUser(ctx, { email: `w${i}@x.test`, role: 'collector' }),
        ),
      ),
    )
    const seqs = (await trailOf(tenant)).map((e) => e.seq)
    expect(seqs).toEqual(Array.from({ length: writers + 1 }, (_, i) => BigInt(i + 1)))
    const result = await verify(tenant)
    expect(result).toMatchObject({ eventsChecked: writers + 1, problems: [] })
  })

  test('verifying while others write reports nothing', async () => {
    const tenant = await testTenant(platform)
    const scope = {
      tenantId: tenant.tenantId,
      timeZone: tenant.timeZone,
      actor: { type: 'system' as const, id: null, name: 'test' },
    }
    const writes = Array.from({ length: 12 }, (_, i) =>
      inTenant(platform.store, scope, (ctx) =>
        createUser(ctx, { email: `v${i}@x.test`, role: 'collector' }),
      ),
    )
    const verifications = Array.from({ length: 6 }, () => verify(tenant))
    const results = await Promise.all([...verifications, ...writes])
    for (const result of results.slice(0, 6)) {
      expect((result as Awaited<ReturnType<typeof verify>>).problems).toEqual([])
    }
  })
})

describe('GET /v1/audit', () => {
  test("?entity= lists that entity's history, oldest first, and nothing else", async () => {
    const tenant = await testTenant(platform)
    const admin = await tenant.key('admin')
    const me = (await call(app, admin, 'GET', '/v1/me')).body
    const key = (await call(app, admin, 'POST', '/v1/api-keys', { user_id: me.user_id })).body
    await call(app, admin, 'POST', `/v1/api-keys/${key.id}/revoke`)
    const analyst = await tenant.key('credit_analyst')
    const history = await call(app, analyst, 'GET', `/v1/audit?entity=${key.id}`)
    expect(history.status).toBe(200)
    expect(history.body.data.map((e: any) => e.action)).toEqual(['created', 'revoked'])
    expect(history.body.data[1]).toMatchObject({
      entity_type: 'api_key',
      entity_id: key.id,
      actor: { type: 'user', id: me.user_id, name: me.email },
      before: { revokedAt: null },
    })
    expect(history.body.data[1].after.revokedAt).not.toBeNull()
    expect(Number(history.body.data[1].seq)).toBeGreaterThan(Number(history.body.data[0].seq))
  })

  test('pages with a cursor and refuses a cursor it did not hand out', async () => {
    const tenant = await testTenant(platform)
    const admin = await tenant.key('admin')
    const first = await call(app, admin, 'GET', '/v1/audit?limit=2')
    expect(first.body.data).toHaveLength(2)
    const next = await call(app, admin, 'GET', `/v1/audit?limit=2&cursor=${first.body.next_cursor}`)
    expect(next.body.data[0].seq).toBe('3')
    const foreign = Buffer.from(JSON.stringify({ id: newId() })).toString('base64url')
    const refused = await call(app, admin, 'GET', `/v1/audit?cursor=${foreign}`)
    expect(refused.status).toBe(400)
    expect(refused.body.errors[0].field).toBe('cursor')
  })

  test('needs the audit.read permission', async () => {
    const tenant = await testTenant(platform)
    const collector = await tenant.key('collector')
    expect((await call(app, collector, 'GET', '/v1/audit')).status).toBe(403)
  })
})
