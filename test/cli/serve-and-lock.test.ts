import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { testStoreKind } from '../stores.js'
import { killGroup, o2c, startServer, tempDataDir } from './processes.js'

// PGlite takes no lock, and two processes that open one data folder corrupt it beyond
// opening. These tests run the real `o2c serve` and prove that another `o2c` command on the
// same folder stops with a message instead of opening it, that a lock left by a killed
// server is taken over, and that SIGTERM and SIGINT stop the server cleanly.

// The data folder is PGlite's: the suite's PostgreSQL run skips this file (it would repeat it).
const pgliteRun = testStoreKind === 'pglite'

const lockOf = (dataDir: string) => join(dataDir, 'o2c.lock')

/** A data folder with one tenant in it, made by the CLI. */
async function folderWithTenant(): Promise<string> {
  const dataDir = tempDataDir()
  const made = await o2c(['tenants', 'create', 'acme'], dataDir)
  expect(made.code, made.stderr).toBe(0)
  return dataDir
}

describe.runIf(pgliteRun)('while o2c serve holds a data folder', () => {
  let dataDir: string

  beforeAll(async () => {
    dataDir = await folderWithTenant()
  }, 120_000)

  test('another command stops with a message naming the server, and does not open the folder', async () => {
    const server = await startServer(dataDir)
    const lockBefore = readFileSync(lockOf(dataDir), 'utf8')
    try {
      const refused = await o2c(['tenants', 'list'], dataDir)
      expect(refused.code).toBe(2)
      expect(refused.stdout).toBe('')
      expect(refused.stderr).toContain(`pid ${server.pid}`)
      expect(refused.stderr).toContain(server.url)
      expect(refused.stderr).toContain('is in use by o2c serve')
      // The lock is the server's still, and the server still answers.
      expect(readFileSync(lockOf(dataDir), 'utf8')).toBe(lockBefore)
      expect((await fetch(`${server.url}/ready`)).status).toBe(200)
    } finally {
      killGroup(server.child, 'SIGTERM')
      await server.exited
    }
    // Once the server is gone, the folder opens as before.
    const listed = await o2c(['tenants', 'list', '--json'], dataDir)
    expect(listed.code, listed.stderr).toBe(0)
    expect(JSON.parse(listed.stdout).map((t: { slug: string }) => t.slug)).toEqual(['acme'])
  }, 120_000)

  test('a second server on the same folder is refused the same way', async () => {
    const server = await startServer(dataDir)
    try {
      const second = await o2c(['serve'], dataDir, { PORT: '0' })
      expect(second.code).toBe(2)
      expect(second.stderr).toContain(`pid ${server.pid}`)
    } finally {
      killGroup(server.child, 'SIGTERM')
      await server.exited
    }
  }, 120_000)
})

describe.runIf(pgliteRun)('stopping o2c serve', () => {
  let dataDir: string

  beforeAll(async () => {
    dataDir = await folderWithTenant()
  }, 120_000)

  test.each(['SIGTERM', 'SIGINT'] as const)(
    '%s stops it cleanly: exit code 0, lock released, the store reopens',
    async (signal) => {
      const server = await startServer(dataDir)
      expect(existsSync(lockOf(dataDir))).toBe(true)
      killGroup(server.child, signal)
      const { code } = await server.exited
      expect(code).toBe(0)
      expect(server.stdout()).toContain('shutting down')
      expect(existsSync(lockOf(dataDir))).toBe(false)
      const listed = await o2c(['tenants', 'list', '--json'], dataDir)
      expect(listed.code, listed.stderr).toBe(0)
      expect(JSON.parse(listed.stdout)).toHaveLength(1)
    },
    120_000,
  )

  test('a server killed with SIGKILL leaves a stale lock that the next command takes over', async () => {
    const server = await startServer(dataDir)
    killGroup(server.child, 'SIGKILL')
    expect((await server.exited).signal).toBe('SIGKILL')
    const stale = JSON.parse(readFileSync(lockOf(dataDir), 'utf8'))
    expect(stale.pid).toBe(server.pid)
    const listed = await o2c(['tenants', 'list', '--json'], dataDir)
    expect(listed.code, listed.stderr).toBe(0)
    expect(JSON.parse(listed.stdout).map((t: { slug: string }) => t.slug)).toEqual(['acme'])
    expect(existsSync(lockOf(dataDir))).toBe(false)
    // And the store PGlite recovered is good for writing, too.
    const made = await o2c(['users', 'create', 'ann@acme.nl', '--role', 'admin'], dataDir, {
      O2C_TENANT: 'acme',
    })
    expect(made.code, made.stderr).toBe(0)
    const verified = await o2c(['audit', 'verify', '--tenant', 'acme', '--json'], dataDir)
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true })
  }, 120_000)
})
