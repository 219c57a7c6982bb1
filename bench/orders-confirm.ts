import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { inTenant } from '../src/db/context.js'
import { migrate } from '../src/db/migrate.js'
import { openStore } from '../src/db/store.js'
import { createApiKey, createTenant, createUser } from '../src/modules/auth/index.js'
import type { Benchmark, BenchStore, Figure } from './harness.js'

// Orders confirmed per second through the HTTP API: each request creates an order of three
// lines and confirms it at once, so it includes pricing, the credit check against the
// customer's and group's exposure, the audit events and the outbox events. The server runs
// as `o2c serve` in a process of its own (as in production); the clients are this process.
// PGlite serves one transaction at a time; PostgreSQL gets several concurrent clients.

const ordersToConfirm = Number(process.env.BENCH_ORDERS ?? 3_000)
const customersCount = 200
const clients = { pglite: 4, postgres: 8 }

export const ordersConfirm: Benchmark = {
  name: 'orders confirm (HTTP)',
  async run(store) {
    const key = await prepareTenant(store)
    const port = await freePort()
    const server = startServer(store, port)
    try {
      const base = `http://127.0.0.1:${port}`
      await waitUntilReady(base, server)
      const api = client(base, key)
      const customerIds = await createCustomers(api)
      const concurrency = clients[store.kind]
      // Warm up: JIT, connection pool, plan cache.
      await confirmOrders(api, customerIds, 100, concurrency)
      const started = process.hrtime.bigint()
      const latencies = await confirmOrders(api, customerIds, ordersToConfirm, concurrency)
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      latencies.sort((a, b) => a - b)
      const figures: Figure[] = [
        {
          measure: `orders confirmed, ${concurrency} concurrent clients`,
          value: ordersToConfirm / seconds,
          unit: 'orders/s',
        },
        {
          measure: 'latency p50',
          value: latencies[Math.floor(latencies.length * 0.5)],
          unit: 'ms',
        },
        {
          measure: 'latency p95',
          value: latencies[Math.floor(latencies.length * 0.95)],
          unit: 'ms',
        },
      ]
      return figures
    } finally {
      server.kill('SIGTERM')
      await new Promise((resolve) => server.once('exit', resolve))
    }
  },
}

async function prepareTenant(store: BenchStore): Promise<string> {
  const setup = await openStore(store.options)
  try {
    await migrate(setup)
    const tenant = await createTenant(setup, { slug: 'bench', name: 'Benchmark B.V.' }, 'bench')
    const scope = {
      tenantId: tenant.tenantId,
      timeZone: tenant.timeZone,
      actor: { type: 'system' as const, id: null, name: 'bench' },
    }
    return await inTenant(setup, scope, async (ctx) => {
      const user = await createUser(ctx, { email: 'bench@example.com', role: 'admin' })
      return (await createApiKey(ctx, { userId: user.id })).key
    })
  } finally {
    await setup.close()
  }
}

function startServer(store: BenchStore, port: number): ChildProcess {
  const bin = join(import.meta.dirname, '..', 'bin', 'o2c.js')
  return spawn(process.execPath, [bin, 'serve'], {
    env: { ...process.env, ...store.env, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

async function waitUntilReady(base: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`o2c serve exited with ${server.exitCode}`)
    try {
      if ((await fetch(`${base}/ready`)).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error('o2c serve did not become ready within 60 s')
}

type Api = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<any>

function client(base: string, key: string): Api {
  return async (method, path, body, headers = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const json = await response.json()
    if (!response.ok)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`)
    return json
  }
}

async function createCustomers(api: Api): Promise<string[]> {
  // Limit decisions apply at once below the four-eyes threshold; raise it for the set-up.
  const policy = await fetchPolicy(api)
  await api(
    'PUT',
    '/v1/credit-policy',
    { ...policy, four_eyes_threshold: '100000000.00' },
    {
      'if-match': `"${policy.version}"`,
    },
  )
  const ids: string[] = []
  for (let i = 0; i < customersCount; i++) {
    const customer = await api('POST', '/v1/customers', {
      number: `B-${String(i).padStart(5, '0')}`,
      legal_name: `Bench Customer ${i} B.V.`,
      country: 'NL',
      currency: 'EUR',
    })
    await api('POST', `/v1/customers/${customer.id}/credit-limit-decisions`, {
      limit: '100000000.00',
      reason: 'benchmark',
      seen: {},
    })
    ids.push(customer.id)
  }
  return ids
}

async function fetchPolicy(api: Api) {
  const policy = await api('GET', '/v1/credit-policy')
  return {
    version: policy.version as number,
    four_eyes_threshold: policy.four_eyes_threshold,
    currency: policy.currency,
    overdue_days_max: policy.overdue_days_max,
    review_interval_days: policy.review_interval_days,
  }
}

let orderCounter = 0

async function confirmOrders(api: Api, customerIds: string[], count: number, concurrency: number) {
  const latencies: number[] = []
  let next = 0
  async function clientLoop() {
    while (next < count) {
      next++
      const n = ++orderCounter
      const started = performance.now()
      const order = await api(
        'POST',
        '/v1/orders',
        {
          customer_id: customerIds[n % customerIds.length],
          customer_reference: `PO-${n}`,
          confirm: true,
          lines: [
            {
              item_code: 'FLOUR-25',
              quantity: '4',
              unit_price: '18.95',
              vat_category: 'S',
              vat_rate: '9',
            },
            {
              item_code: 'YEAST-1',
              quantity: '2.5',
              unit_price: '3.40',
              discount_percent: '5',
              vat_category: 'S',
              vat_rate: '9',
            },
            {
              item_code: 'DELIVERY',
              quantity: '1',
              unit_price: '12.50',
              vat_category: 'S',
              vat_rate: '21',
            },
          ],
        },
        { 'idempotency-key': `bench-order-${n}` },
      )
      if (order.status !== 'confirmed')
        throw new Error(`order ${n} is ${order.status}, not confirmed`)
      latencies.push(performance.now() - started)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, clientLoop))
  return latencies
}
