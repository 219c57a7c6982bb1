import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { inTenant } from '../../src/db/context.js'
import { migrate } from '../../src/db/migrate.js'
import { openStore, type Store } from '../../src/db/store.js'
import { createApiKey, createTenant, createUser } from '../../src/modules/auth/index.js'
import { buildServer } from '../../src/server.js'
import { databaseUrl, testPostgresUrl, testStoreKind } from '../stores.js'
import { call } from '../support.js'

// In production o2c connects to PostgreSQL as a login role that is no superuser: it owns the
// database (so migrations can create tables, and reading across tenants to resolve an API
// key works as the owner) and is a member of o2c_app (so each unit of work can switch to it
// and fall under row-level security). This is the setup docs/decisions/0001 describes; the
// test runs it from scratch on the PostgreSQL of this machine.

const suffix = `${process.pid}_${Date.now()}`
const login = `o2c_login_${suffix}`
const database = `o2c_login_db_${suffix}`

describe.skipIf(testStoreKind !== 'postgres')('o2c on PostgreSQL as a non-superuser', () => {
  let admin: pg.Client
  let store: Store

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: testPostgresUrl })
    await admin.connect()
    // What a DBA does once. o2c_app exists on this server already (the test template made
    // it); on a new server the DBA creates it too: create role o2c_app nologin.
    await admin.query(
      'do $$ begin create role o2c_app nologin; exception when duplicate_object then null; end $$',
    )
    await admin.query(`create role ${login} login nosuperuser nocreaterole nocreatedb`)
    await admin.query(`grant o2c_app to ${login}`)
    await admin.query(`create database ${database} owner ${login}`)
    const url = new URL(databaseUrl(database))
    url.username = login
    store = await openStore({ databaseUrl: url.toString(), poolSize: 4 })
  })

  afterAll(async () => {
    await store?.close()
    await admin.query(`drop database if exists ${database} with (force)`)
    await admin.query(`drop role if exists ${login}`)
    await admin.end()
  })

  test('migrates, serves a tenant, and keeps tenants apart', async () => {
    const { rows } = await admin.query(
      'select rolsuper, rolcreaterole from pg_roles where rolname = $1',
      [login],
    )
    expect(rows[0]).toEqual({ rolsuper: false, rolcreaterole: false })

    expect((await migrate(store)).length).toBeGreaterThan(0)
    const platform = {
      store,
      clock: { now: () => new Date() },
      log: (await import('pino')).default({ level: 'silent' }),
    }
    const keys: string[] = []
    for (const slug of ['owner-a', 'owner-b']) {
      const tenant = await createTenant(store, { slug }, 'test')
      const scope = {
        tenantId: tenant.tenantId,
        timeZone: tenant.timeZone,
        actor: { type: 'system' as const, id: null, name: 'test' },
      }
      keys.push(
        await inTenant(store, scope, async (ctx) => {
          const user = await createUser(ctx, { email: `admin@${slug}.test`, role: 'admin' })
          return (await createApiKey(ctx, { userId: user.id })).key
        }),
      )
    }
    const app = await buildServer(platform)
    try {
      const me = await call(app, keys[0], 'GET', '/v1/me')
      expect(me.body.tenant).toBe('owner-a')
      const users = await call(app, keys[0], 'GET', '/v1/users')
      expect(users.body.data.map((u: { email: string }) => u.email)).toEqual(['admin@owner-a.test'])
    } finally {
      await app.close()
    }
  })
})
