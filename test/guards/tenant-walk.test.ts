import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { exampleOf, exampleWithIds, hasUuidMember } from '../openapi-examples.js'
import { call, type TestTenant, testPlatform, testServer, testTenant } from '../support.js'
import {
  type TenantB,
  tenantB,
  tenantWalkFixtures,
  type WalkFixture,
} from '../tenant-walk-fixtures.js'

// The tenant walk: every route of the OpenAPI document, called by tenant A with tenant B's
// ids, must behave as if B's resource did not exist. A can neither read, list, change nor
// probe B's data. Routes come from /openapi.json, so a module's new route is walked the
// day it is added; B's ids come from test/tenant-walk-fixtures.ts (read its header).

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
const methods: Method[] = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']

type Operation = {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: any }>
  requestBody?: { content?: Record<string, { schema?: any }> }
}
type Document = { paths: Record<string, Partial<Record<Lowercase<Method>, Operation>>> }

let platform: Platform
let app: FastifyInstance
let document: Document
let a: TestTenant
let aKey: string
let b: TenantB
/** Strings that appear only in tenant B's data: if A's answer holds one, B's data leaked. */
const bMarkers = new Set<string>()
/** Ids of B's resources, to try wherever an id can be sent. */
const bIds = new Set<string>()

beforeAll(async () => {
  platform = await testPlatform()
  app = await testServer(platform)
  a = await testTenant(platform, 'walk-a')
  const bTenant = await testTenant(platform, 'walk-b')
  aKey = await a.key('admin')
  b = tenantB(platform, app, bTenant, await bTenant.key('admin'))
  document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  bMarkers.add(bTenant.tenantId)
  bMarkers.add('walk-b')
  bIds.add(bTenant.tenantId)
  for (const user of (await b.api('GET', '/v1/users')).data) {
    bMarkers.add(user.id)
    bIds.add(user.id)
  }
})

function operations(filter: (path: string) => boolean) {
  return Object.entries(document.paths)
    .filter(([path]) => path.startsWith('/v1/') && filter(path))
    .flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, operation]) => ({
        path,
        method: method.toUpperCase() as Method,
        operation: operation as Operation,
      })),
    )
    .filter((o) => methods.includes(o.method))
}

const parameterized = (path: string) => path.includes('{')
const parametersOf = (path: string) => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])

function fixtureFor(path: string): { key: string; fixture: WalkFixture } | undefined {
  const keys = Object.keys(tenantWalkFixtures)
    .filter((key) => path === key || path.startsWith(`${key}/`))
    .sort((x, y) => y.length - x.length)
  const key = keys[0]
  if (!key) return undefined
  const entry = tenantWalkFixtures[key]
  return { key, fixture: typeof entry === 'function' ? { create: entry } : entry }
}

async function idsFor(path: string): Promise<Record<string, string>> {
  const found = fixtureFor(path)
  if (!found) throw new Error(`no fixture for ${path}`)
  const made = await found.fixture.create(b)
  const names = parametersOf(found.key)
  const ids = typeof made === 'string' ? { [names[names.length - 1]]: made } : made
  for (const name of parametersOf(path)) {
    if (!ids[name]) throw new Error(`fixture ${found.key} gives no value for {${name}} of ${path}`)
  }
  for (const id of Object.values(ids)) {
    bMarkers.add(id)
    bIds.add(id)
  }
  return ids
}

const fill = (path: string, ids: Record<string, string>) =>
  path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(ids[name]))

function requiredQuery(operation: Operation | undefined, id: string): string {
  const pairs = (operation?.parameters ?? [])
    .filter((p) => p.in === 'query' && p.required)
    .map((p) => `${p.name}=${encodeURIComponent(String(exampleOf(p.schema, id)))}`)
  return pairs.length > 0 ? `?${pairs.join('&')}` : ''
}

function bodyFor(path: string, method: Method, operation: Operation | undefined, id: string) {
  if (method === 'GET') return undefined
  const given = fixtureFor(path)?.fixture.bodies?.[method as Exclude<Method, 'GET'>]
  if (given !== undefined) return given
  const schema = operation?.requestBody?.content?.['application/json']?.schema
  if (schema) return exampleOf(schema, id)
  return method === 'DELETE' ? undefined : {}
}

/** A's call with every path parameter set; returns the answer with the ids masked. */
async function attempt(path: string, method: Method, ids: Record<string, string>) {
  const operation = document.paths[path][method.toLowerCase() as Lowercase<Method>]
  const anyId = Object.values(ids)[0]
  const url = fill(path, ids) + requiredQuery(operation, anyId)
  const response = await call(app, aKey, method, url, bodyFor(path, method, operation, anyId), {
    'if-match': '"1"',
    'idempotency-key': crypto.randomUUID(),
  })
  let masked = response.text
  for (const [name, id] of Object.entries(ids)) masked = masked.replaceAll(id, `{${name}}`)
  masked = masked.replace(/"requestId":"[^"]*"/, '"requestId":"…"')
  return { status: response.status, masked, text: response.text }
}

function leakedMarkers(text: string, except: string[] = []): string[] {
  return [...bMarkers].filter((marker) => !except.includes(marker) && text.includes(marker))
}

describe('the tenant walk', () => {
  test('every route with a path parameter has a fixture in test/tenant-walk-fixtures.ts', () => {
    const paths = Object.keys(document.paths).filter((p) => p.startsWith('/v1/'))
    const missing = paths.filter(parameterized).filter((path) => !fixtureFor(path))
    expect(
      missing,
      'add a fixture per path prefix to test/tenant-walk-fixtures.ts (see its header)',
    ).toEqual([])
    expect(paths.filter(parameterized).length).toBeGreaterThan(0)
  })

  test("tenant A gets 404 for tenant B's ids on every parameterized route and method", async () => {
    const failures: string[] = []
    const paths = Object.keys(document.paths).filter(
      (p) => p.startsWith('/v1/') && parameterized(p) && fixtureFor(p),
    )
    for (const path of paths) {
      const ids = await idsFor(path)
      const nowhere = Object.fromEntries(Object.keys(ids).map((k) => [k, crypto.randomUUID()]))
      for (const method of methods) {
        const tried = await attempt(path, method, ids)
        const control = await attempt(path, method, nowhere)
        const where = `${method} ${path}`
        if (tried.status !== 404) {
          failures.push(`${where}: ${tried.status} for B's id (must be 404): ${tried.text}`)
        } else if (tried.masked !== control.masked) {
          // Answering B's id unlike an unknown one tells A that the id exists.
          failures.push(
            `${where}: B's id answers\n  ${tried.masked}\nunlike an unknown id\n  ${control.masked}`,
          )
        } else if (leakedMarkers(tried.text, Object.values(ids)).length > 0) {
          failures.push(`${where}: the 404 carries B's data: ${tried.text}`)
        }
      }
      failures.push(...(await bSeesItsOwn(path, ids)))
    }
    expect(failures).toEqual([])
  }, 300_000)

  test("no list of tenant A shows tenant B's rows, whatever B id it is given to filter on", async () => {
    const failures: string[] = []
    const lists = operations((p) => !parameterized(p)).filter((o) => o.method === 'GET')
    for (const { path, operation } of lists) {
      const plain = await call(app, aKey, 'GET', path + requiredQuery(operation, a.tenantId))
      if (plain.status >= 500 || plain.status === 404) {
        failures.push(`GET ${path}: ${plain.status}: ${plain.text}`)
      }
      const leaked = leakedMarkers(plain.text)
      if (leaked.length > 0) failures.push(`GET ${path} shows B's ${leaked.join(', ')}`)
      // Probe: every query parameter, set to each of B's ids.
      for (const parameter of (operation.parameters ?? []).filter((p) => p.in === 'query')) {
        for (const id of bIds) {
          const url = `${path}?${parameter.name}=${encodeURIComponent(id)}`
          const probed = await call(app, aKey, 'GET', url)
          if (probed.status >= 500) failures.push(`GET ${url}: ${probed.status}`)
          const shown = leakedMarkers(probed.text, [id])
          if (shown.length > 0) failures.push(`GET ${url} shows B's ${shown.join(', ')}`)
        }
      }
    }
    expect(failures).toEqual([])
    // Every list × every query parameter × every id of B: minutes on a busy machine.
  }, 300_000)

  test("tenant A cannot point a new or changed resource at tenant B's ids", async () => {
    // Writes without a path parameter whose body holds ids (user_id, customer_id, …): with
    // B's ids in them they must be refused, and say nothing about B.
    const failures: string[] = []
    const writes = operations((p) => !parameterized(p)).filter((o) => {
      const schema = o.operation.requestBody?.content?.['application/json']?.schema
      return o.method !== 'GET' && hasUuidMember(schema)
    })
    for (const { path, method, operation } of writes) {
      const schema = operation.requestBody?.content?.['application/json']?.schema
      for (const id of bIds) {
        const response = await call(app, aKey, method, path, exampleWithIds(schema, id), {
          'idempotency-key': crypto.randomUUID(),
        })
        if (response.status < 400 || response.status >= 500) {
          failures.push(`${method} ${path} with B's ${id}: ${response.status}: ${response.text}`)
        }
        const shown = leakedMarkers(response.text, [id])
        if (shown.length > 0) failures.push(`${method} ${path} shows B's ${shown.join(', ')}`)
      }
    }
    expect(failures).toEqual([])
  }, 300_000)

  test('every /v1 route answers 401 without an API key', async () => {
    const failures: string[] = []
    for (const { path, method } of operations(() => true)) {
      const ids = Object.fromEntries(parametersOf(path).map((n) => [n, crypto.randomUUID()]))
      const response = await call(app, undefined, method, fill(path, ids), undefined)
      if (response.status !== 401) failures.push(`${method} ${path}: ${response.status}`)
    }
    expect(failures).toEqual([])
  })
})

/**
 * The walk proves something only if the fixture's ids are real: B itself must reach them
 * (GET if the route has one, else the route's first method; B may change its own data).
 */
async function bSeesItsOwn(path: string, ids: Record<string, string>): Promise<string[]> {
  const byMethod = document.paths[path]
  const method = methods.find((m) => byMethod[m.toLowerCase() as Lowercase<Method>])
  if (!method) return []
  const operation = byMethod[method.toLowerCase() as Lowercase<Method>]
  const anyId = Object.values(ids)[0]
  const url = fill(path, ids) + requiredQuery(operation, anyId)
  const response = await call(app, b.key, method, url, bodyFor(path, method, operation, anyId), {
    'if-match': '"1"',
    'idempotency-key': crypto.randomUUID(),
  })
  if (response.status === 404 || response.status >= 500) {
    return [`${method} ${path}: B's own id answers ${response.status} to B; is the fixture right?`]
  }
  return []
}
