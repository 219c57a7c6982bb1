import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import pino from 'pino'
import { afterAll, inject } from 'vitest'
import { type Clock, type Ctx, inTenant } from '../src/db/context.js'
import type { Database } from '../src/db/schema.js'
import { openStore, type Store } from '../src/db/store.js'
import { createApiKey, createTenant, createUser } from '../src/modules/auth/index.js'
import type { Role } from '../src/modules/auth/permissions.js'
import type { Platform } from '../src/platform.js'
import { buildServer } from '../src/server.js'
import { databaseUrl, testPostgresUrl, testStoreKind } from './stores.js'

// Test helpers: a fresh migrated store per test file, tenants with users and keys, and the
// HTTP app driven with inject(). Tests run against a real store, never a mock of one.

let databaseCounter = 0

/** A fresh store from the run's migrated template, closed (and dropped) after the file. */
export async function freshStore(): Promise<Store> {
  if (testStoreKind === 'pglite') {
    const dump = readFileSync(inject('templateDump'))
    const store = await openStore({ dataDir: 'memory://', loadDataDir: new Blob([dump]) })
    afterAll(() => store.close())
    return store
  }
  const template = inject('templateDatabase')
  const name = `${template}_${process.pid}_${++databaseCounter}`
  const admin = new pg.Client({ connectionString: testPostgresUrl })
  await admin.connect()
  // Two files copying the template at the same moment collide ("being accessed by other
  // users"); waiting a little and trying again is all it takes.
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.query(`create database ${name} template ${template}`)
      break
    } catch (error) {
      if (attempt >= 50 || !String(error).includes('being accessed')) throw error
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200))
    }
  }
  await admin.end()
  const store = await openStore({ databaseUrl: databaseUrl(name), poolSize: 8 })
  afterAll(async () => {
    await store.close()
    const cleanup = new pg.Client({ connectionString: testPostgresUrl })
    await cleanup.connect()
    await cleanup.query(`drop database if exists ${name} with (force)`)
    await cleanup.end()
  })
  return store
}

/** A clock the test moves by hand. */
export function manualClock(
  start = '2026-03-01T09:00:00Z',
): Clock & { set(iso: string): void; advance(ms: number): void } {
  let now = new Date(start)
  return {
    now: () => new Date(now),
    set(iso) {
      now = new Date(iso)
    },
    advance(ms) {
      now = new Date(now.getTime() + ms)
    },
  }
}

export async function testPlatform(clock?: Clock): Promise<Platform> {
  const store = await freshStore()
  return { store, clock: clock ?? { now: () => new Date() }, log: pino({ level: 'silent' }) }
}

export type TestTenant = {
  tenantId: string
  slug: string
  timeZone: string
  /** An API key per role, made on first use. */
  key(role?: Role): Promise<string>
  /** Runs work in this tenant's context, as a system actor. */
  run<T>(work: (ctx: Ctx) => Promise<T>): Promise<T>
}

let tenantCounter = 0

export async function testTenant(platform: Platform, slug?: string): Promise<TestTenant> {
  const tenant = await createTenant(
    platform.store,
    { slug: slug ?? `t${process.pid}-${++tenantCounter}` },
    'test',
    platform.clock,
  )
  const scope = {
    tenantId: tenant.tenantId,
    timeZone: tenant.timeZone,
    actor: { type: 'system' as const, id: null, name: 'test' },
  }
  const keys = new Map<Role, string>()
  const run = <T>(work: (ctx: Ctx) => Promise<T>) =>
    inTenant(platform.store, scope, work, platform.clock)
  return {
    tenantId: tenant.tenantId,
    slug: tenant.slug,
    timeZone: tenant.timeZone,
    run,
    async key(role: Role = 'admin') {
      const known = keys.get(role)
      if (known) return known
      const key = await run(async (ctx) => {
        const user = await createUser(ctx, { email: `${role}@${tenant.slug}.test`, role })
        return (await createApiKey(ctx, { userId: user.id })).key
      })
      keys.set(role, key)
      return key
    },
  }
}

export async function testServer(platform: Platform): Promise<FastifyInstance> {
  const app = await buildServer(platform)
  afterAll(() => app.close())
  return app
}

/** inject() with an API key and JSON; returns status, headers and the parsed body. */
export async function call(
  app: FastifyInstance,
  key: string | undefined,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await app.inject({
    method,
    url,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined && typeof body !== 'string'
        ? { 'content-type': 'application/json' }
        : {}),
      ...headers,
    },
    payload:
      body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const json = response.body ? safeJson(response.body) : undefined
  return {
    status: response.statusCode,
    headers: response.headers,
    body: json as any,
    text: response.body,
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** How many rows of a table the tenant of `ctx` has: what a test checks was (not) written. */
export async function rowCount(ctx: Ctx, table: keyof Database & string): Promise<number> {
  const row = await ctx.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}
