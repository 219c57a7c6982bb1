import type { KyselyPlugin } from 'kysely'
import { sql } from 'kysely'
import { expect, test } from 'vitest'
import { testPlatform, testTenant } from '../test/support.js'
import { readConfig } from './config.js'
import type { Platform } from './platform.js'
import { type Running, serve } from './serve.js'

// Graceful shutdown: stopping the server lets the requests in flight finish and commit
// before the store closes, so nothing is left half-written and no client gets an error
// for a change that was already under way.

const config = readConfig({ PORT: '0', HOST: '127.0.0.1', O2C_WORKER: 'off', LOG_LEVEL: 'silent' })

/** The platform, with a way to learn when the server next sends a query to the store. */
function watched(platform: Platform) {
  let seen: (() => void) | undefined
  const signal: KyselyPlugin = {
    transformQuery: (args) => {
      seen?.()
      return args.node
    },
    transformResult: async (args) => args.result,
  }
  const store = { ...platform.store, db: platform.store.db.withPlugin(signal) }
  const nextQuery = () =>
    new Promise<void>((resolve) => {
      seen = resolve
    })
  return { platform: { ...platform, store }, nextQuery }
}

/**
 * Holds the lock on a tenant's audit chain (and on PGlite, the one connection) until
 * released, so a change for that tenant stays in flight as long as we like.
 */
async function holdTenant(platform: Platform, tenantId: string) {
  let release: () => void = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  let holding: () => void = () => {}
  const held = new Promise<void>((resolve) => {
    holding = resolve
  })
  const done = platform.store.db.transaction().execute(async (trx) => {
    await sql`select 1 from audit_chain where tenant_id = ${tenantId} for update`.execute(trx)
    holding()
    await gate
  })
  await held
  return {
    release() {
      release()
      return done
    },
  }
}

const settled = (promise: Promise<unknown>) => {
  const state = { done: false }
  promise.then(
    () => {
      state.done = true
    },
    () => {
      state.done = true
    },
  )
  return state
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

test('/health and /ready answer while the server runs', async () => {
  const platform = await testPlatform()
  await testTenant(platform)
  const running = await serve(platform, config)
  try {
    const health = await fetch(`${running.url}/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })
    const ready = await fetch(`${running.url}/ready`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready' })
  } finally {
    await running.stop()
  }
})

test.each(['HTTP', 'inject'] as const)(
  'stop() lets a request in flight (%s) finish and commit before the store closes',
  async (how) => {
    const base = await testPlatform()
    const tenant = await testTenant(base)
    const key = await tenant.key('admin')
    const { platform, nextQuery } = watched(base)
    const running: Running = await serve(platform, config)
    const hold = await holdTenant(base, tenant.tenantId)
    const reachedStore = nextQuery()

    const request = {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'late@x.test', role: 'collector' }),
    }
    const answer =
      how === 'HTTP'
        ? fetch(`${running.url}/v1/users`, request).then(async (r) => ({
            status: r.status,
            body: await r.json(),
          }))
        : running.app
            .inject({ ...request, method: 'POST', url: '/v1/users', payload: request.body })
            .then((r) => ({ status: r.statusCode, body: r.json() }))
    await reachedStore // the request has reached the store: it is in flight

    const stopping = running.stop()
    const stop = settled(stopping)
    await pause(300)
    expect(stop.done, 'stop() must wait for the request in flight').toBe(false)

    await hold.release()
    const { status, body } = await answer
    expect(status).toBe(201)
    expect(body.email).toBe('late@x.test')
    // …and then stops promptly, also with the client's keep-alive connection still open.
    const late = pause(10_000).then(() => 'stop() did not finish within 10 s after the answer')
    expect(await Promise.race([stopping.then(() => 'stopped'), late])).toBe('stopped')
    // Closed: a new request finds nobody listening.
    await expect(fetch(`${running.url}/health`)).rejects.toThrow()
  },
  60_000,
)
