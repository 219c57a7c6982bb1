import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { tenantScope } from '../../src/cli/tenant-scope.js'
import { inTenant } from '../../src/db/context.js'
import { openStore } from '../../src/db/store.js'
import { createPolicy } from '../../src/modules/collections/dunning/policies.js'
import { seedOpenItems } from '../../src/modules/collections/dunning/test-helpers.js'
import type { Platform } from '../../src/platform.js'
import { childEnv, cliStore, o2c, repoRoot } from './processes.js'

// The dunning run survives kill -9: `o2c dunning run` is killed with a real SIGKILL while it
// makes the messages, started again and killed while it sends them, and started a third time.
// Afterwards every customer has exactly one message for the day, every item one step, and
// the text-message transport (one file per message, named by the message) holds exactly one
// file per message: nothing was made or sent twice, nothing was lost.

const customers = 600
const itemsPerCustomer = 2
const runDate = '2026-05-04'

type Started = { exited: Promise<number | null>; kill(): void; stderr(): string }

function startRun(dataDir: string, env: Record<string, string>): Started {
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'bin/o2c.js'),
      'dunning',
      'run',
      '--date',
      runDate,
      '--batch-customers',
      '50',
      '--progress',
    ],
    { cwd: repoRoot, env: childEnv(dataDir, env), stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stderr = ''
  child.stderr?.on('data', (chunk) => {
    stderr += chunk
  })
  child.stdout?.resume()
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  return { exited, kill: () => child.kill('SIGKILL'), stderr: () => stderr }
}

async function until(started: Started, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 90_000
  while (!pattern.test(started.stderr())) {
    if (Date.now() > deadline) throw new Error(`never saw ${pattern}:\n${started.stderr()}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('o2c dunning run under kill -9', () => {
  test('resumes and sends each message exactly once', async () => {
    const where = await cliStore()
    const messagingDir = mkdtempSync(join(tmpdir(), 'o2c-sms-'))
    afterAll(() => rmSync(messagingDir, { recursive: true, force: true }))
    const env = { ...where.env, O2C_TENANT: 'dunner', O2C_MESSAGING_DIR: messagingDir }
    expect((await o2c(['tenants', 'create', 'dunner'], where.dataDir, where.env)).code).toBe(0)

    const open = () =>
      openStore(
        where.env.DATABASE_URL
          ? { databaseUrl: where.env.DATABASE_URL }
          : { dataDir: where.dataDir },
      )
    let store = await open()
    try {
      const scope = await tenantScope({ store } as Platform, 'dunner')
      await inTenant(store, scope, async (ctx) => {
        await createPolicy(ctx, {
          name: 'text-first',
          priority: 0,
          steps: [
            {
              anchor: 'due_date',
              days: 1,
              channel: 'sms',
              template_key: 'friendly_reminder',
              action: 'friendly_reminder',
            },
          ],
        })
        await seedOpenItems(ctx, {
          prefix: 'K',
          customers,
          itemsPerCustomer,
          runDate,
          overdueDaysMin: 2,
          overdueDaysMax: 40,
          paidOneIn: 0,
        })
      })
    } finally {
      await store.close()
    }

    // Killed while it makes the messages (after a few batches committed) …
    const first = startRun(where.dataDir, env)
    await until(first, /batch 3 done/)
    first.kill()
    await first.exited
    // … killed again while it sends them …
    const second = startRun(where.dataDir, env)
    await until(second, /sent [1-9][0-9]{2}/)
    second.kill()
    await second.exited
    // … and left to finish.
    const third = startRun(where.dataDir, env)
    expect(await third.exited, third.stderr()).toBe(0)

    store = await open()
    try {
      const scope = await tenantScope({ store } as Platform, 'dunner')
      const { messages, steps, runs } = await inTenant(store, scope, async (ctx) => ({
        messages: await ctx.db
          .selectFrom('dunningMessage')
          .select(['id', 'customerId', 'status', 'providerMessageId'])
          .execute(),
        steps: await ctx.db.selectFrom('dunningItemStep').select(['invoiceId']).execute(),
        runs: await ctx.db.selectFrom('dunningRun').select(['status']).execute(),
      }))
      expect(runs).toEqual([{ status: 'completed' }])
      expect(messages).toHaveLength(customers)
      expect(new Set(messages.map((m) => m.customerId)).size).toBe(customers)
      expect(messages.filter((m) => m.status !== 'sent')).toEqual([])
      expect(steps).toHaveLength(customers * itemsPerCustomer)

      const files = readdirSync(messagingDir)
      expect(files.filter((f) => !f.endsWith('.json'))).toEqual([])
      expect(files.sort()).toEqual(messages.map((m) => `${m.id}.json`).sort())
      for (const m of messages.slice(0, 20)) {
        const sent = JSON.parse(readFileSync(join(messagingDir, `${m.id}.json`), 'utf8'))
        expect(sent.providerMessageId).toBe(m.providerMessageId)
      }
    } finally {
      await store.close()
    }
  }, 180_000)
})
