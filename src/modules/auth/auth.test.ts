import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  call,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import type { Platform } from '../../platform.js'
import { permissions, roleMay, roles } from './permissions.js'

let platform: Platform
let app: FastifyInstance
let acme: TestTenant

beforeAll(async () => {
  platform = await testPlatform()
  app = await testServer(platform)
  acme = await testTenant(platform)
})

describe('API keys', () => {
  test('a request without a key is 401, with a key of a role that may not is 403', async () => {
    expect((await call(app, undefined, 'GET', '/v1/users')).status).toBe(401)
    const collector = await acme.key('collector')
    const forbidden = await call(app, collector, 'GET', '/v1/users')
    expect(forbidden.status).toBe(403)
    expect(forbidden.body.permission).toBe('users.manage')
    expect((await call(app, await acme.key('admin'), 'GET', '/v1/users')).status).toBe(200)
  })

  test('a made-up or tampered key is refused with 401', async () => {
    const key = await acme.key('admin')
    const tampered = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`
    expect((await call(app, tampered, 'GET', '/v1/me')).status).toBe(401)
    expect((await call(app, 'not-a-key', 'GET', '/v1/me')).body.type).toBe(
      '/problems/auth.key_invalid',
    )
  })

  test('a revoked key stops working at once', async () => {
    const admin = await acme.key('admin')
    const me = await call(app, admin, 'GET', '/v1/me')
    const made = await call(app, admin, 'POST', '/v1/api-keys', {
      user_id: me.body.user_id,
      name: 'ci',
    })
    expect(made.status).toBe(201)
    expect((await call(app, made.body.key, 'GET', '/v1/me')).status).toBe(200)
    expect((await call(app, admin, 'POST', `/v1/api-keys/${made.body.id}/revoke`)).status).toBe(200)
    const refused = await call(app, made.body.key, 'GET', '/v1/me')
    expect(refused.status).toBe(401)
    expect(refused.body.type).toBe('/problems/auth.key_revoked')
  })

  test('an expired key is refused', async () => {
    const admin = await acme.key('admin')
    const me = await call(app, admin, 'GET', '/v1/me')
    const made = await call(app, admin, 'POST', '/v1/api-keys', {
      user_id: me.body.user_id,
      expires_at: new Date(Date.now() - 1000).toISOString(),
    })
    const refused = await call(app, made.body.key, 'GET', '/v1/me')
    expect(refused.body.type).toBe('/problems/auth.key_expired')
  })

  test('the key is stored hashed: the database never holds it', async () => {
    const admin = await acme.key('admin')
    const secret = /^o2c_[0-9a-f]{32}_(.+)$/.exec(admin)?.[1] ?? ''
    expect(secret).toHaveLength(43)
    const rows = await acme.run((ctx) => ctx.db.selectFrom('apiKey').select('secretHash').execute())
    expect(rows.length).toBeGreaterThan(0)
    for (const row of rows) expect(row.secretHash).not.toContain(secret)
  })
})

describe('Idempotency-Key', () => {
  test('same key and body: same response and one user; same key, other body: 422', async () => {
    const admin = await acme.key('admin')
    const headers = { 'idempotency-key': 'create-ann' }
    const body = { email: 'ann@acme.test', role: 'collector' }
    const first = await call(app, admin, 'POST', '/v1/users', body, headers)
    const again = await call(app, admin, 'POST', '/v1/users', body, headers)
    expect(first.status).toBe(201)
    expect(again.status).toBe(201)
    expect(again.body).toEqual(first.body)
    expect(again.headers['idempotent-replayed']).toBe('true')
    const users = await call(app, admin, 'GET', '/v1/users')
    expect(
      users.body.data.filter((u: { email: string }) => u.email === 'ann@acme.test'),
    ).toHaveLength(1)
    const other = await call(
      app,
      admin,
      'POST',
      '/v1/users',
      { ...body, email: 'bob@acme.test' },
      headers,
    )
    expect(other.status).toBe(422)
  })

  test('a replayed key creation does not show the key again', async () => {
    const admin = await acme.key('admin')
    const me = await call(app, admin, 'GET', '/v1/me')
    const headers = { 'idempotency-key': 'key-once' }
    const first = await call(
      app,
      admin,
      'POST',
      '/v1/api-keys',
      { user_id: me.body.user_id },
      headers,
    )
    const again = await call(
      app,
      admin,
      'POST',
      '/v1/api-keys',
      { user_id: me.body.user_id },
      headers,
    )
    expect(first.body.key).toMatch(/^o2c_/)
    expect(again.body.id).toBe(first.body.id)
    expect(again.body.key).not.toMatch(/^o2c_/)
  })
})

describe('permission matrix', () => {
  test('admin may do everything and read-only may only read', () => {
    for (const permission of permissions) {
      expect(roleMay('admin', permission)).toBe(true)
      expect(roleMay('read_only', permission)).toBe(permission.endsWith('.read'))
    }
  })

  test('only admins manage users and webhooks; credit decisions belong to credit analysts', () => {
    for (const role of roles) {
      expect(roleMay(role, 'users.manage')).toBe(role === 'admin')
      expect(roleMay(role, 'webhooks.manage')).toBe(role === 'admin')
      expect(roleMay(role, 'credit.decide')).toBe(role === 'admin' || role === 'credit_analyst')
    }
  })
})
