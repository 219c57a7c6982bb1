import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, test } from 'vitest'
import { testStoreKind } from '../../../test/stores.js'
import { inTenant } from '../../db/context.js'
import { openStore } from '../../db/store.js'
import { findTenant } from '../auth/index.js'
import { emitEvent } from './events.js'
import { startReceiver } from './test-receiver.js'

// `o2c webhooks …` and `o2c worker run-once` as an operator runs them: the real command, in a
// data folder of its own. The commands are the same on PostgreSQL, so this runs on PGlite.

const run = promisify(execFile)
const dataDir = join(mkdtempSync(join(tmpdir(), 'o2c-outbox-cli-')), 'data')
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

async function o2c(...args: string[]): Promise<any> {
  const { DATABASE_URL: _postgres, O2C_TENANT: _tenant, ...env } = process.env
  const { stdout } = await run(process.execPath, ['bin/o2c.js', ...args, '--json'], {
    env: { ...env, O2C_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
  })
  return JSON.parse(stdout)
}

describe.skipIf(testStoreKind !== 'pglite')('o2c webhooks and o2c worker', () => {
  test('an operator registers an endpoint, runs the worker, lists and redelivers', {
    timeout: 120_000,
  }, async () => {
    const receiver = await startReceiver()
    await o2c('tenants', 'create', 'acme')
    const made = await o2c(
      'webhooks',
      'create',
      receiver.url,
      '--events',
      'order.confirmed',
      '--tenant',
      'acme',
    )
    expect(made.secret).toMatch(/^whsec_/)
    expect((await o2c('webhooks', 'list', '--tenant', 'acme')).map((w: any) => w.id)).toEqual([
      made.id,
    ])

    // An order module would emit this; the CLI has to let go of the folder first, as it does.
    const store = await openStore({ dataDir })
    try {
      const tenant = await findTenant(store, 'acme')
      const scope = { tenantId: tenant!.tenantId, timeZone: 'UTC', actor: systemActor }
      await inTenant(store, scope, (ctx) =>
        emitEvent(ctx, {
          type: 'order.confirmed',
          entityType: 'order',
          entityId: 'o-1',
          payload: {},
        }),
      )
    } finally {
      await store.close()
    }

    expect(await o2c('worker', 'run-once')).toEqual({ jobs_run: 1 })
    expect(receiver.received).toHaveLength(1)
    const [delivery] = await o2c('webhooks', 'deliveries', made.id, '--tenant', 'acme')
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 1 })
    const failed = await o2c(
      'webhooks',
      'deliveries',
      made.id,
      '--status',
      'failed',
      '--tenant',
      'acme',
    )
    expect(failed).toEqual([])

    expect(await o2c('webhooks', 'redeliver', delivery.id, '--tenant', 'acme')).toMatchObject({
      id: delivery.id,
      status: 'pending',
    })
    expect(await o2c('worker', 'run-once')).toEqual({ jobs_run: 1 })
    expect(receiver.received).toHaveLength(2)
  })
})

const systemActor = { type: 'system' as const, id: null, name: 'test' }
