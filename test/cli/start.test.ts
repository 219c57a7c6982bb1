import { expect, test } from 'vitest'
import { testStoreKind } from '../stores.js'
import { killGroup, startServer, tempDataDir } from './processes.js'

// A new user's first minute: `npm start` on an empty folder makes a tenant, an admin and a
// key, and prints the key once with a curl line that works as printed.

const curlLine = /curl -H "Authorization: Bearer (o2c_\S+)" (http:\/\/\S+)/

async function curlOf(server: { stdout(): string }): Promise<RegExpExecArray | null> {
  for (let waited = 0; waited < 5_000; waited += 50) {
    const found = curlLine.exec(server.stdout())
    if (found) return found
    await new Promise((r) => setTimeout(r, 50))
  }
  return null
}

// The data folder is PGlite's: the suite's PostgreSQL run skips this file (it would repeat it).
const pgliteRun = testStoreKind === 'pglite'

test.runIf(pgliteRun)(
  'npm start on an empty folder prints a key once, with a curl line that works',
  async () => {
    const dataDir = tempDataDir()
    const first = await startServer(dataDir, { npmStart: true })
    let key: string
    try {
      const curl = await curlOf(first)
      expect(curl, first.stdout()).not.toBeNull()
      key = curl![1]
      const url = curl![2]
      expect(url.startsWith(first.url)).toBe(true)
      // What the curl line does: GET with the header it shows.
      const me = await fetch(url, { headers: { Authorization: `Bearer ${key}` } })
      expect(me.status).toBe(200)
      expect(await me.json()).toMatchObject({ tenant: 'default', role: 'admin' })
      expect(first.stdout().split(key).length - 1).toBe(2) // the key line and the curl line
      expect((await fetch(`${first.url}/health`)).status).toBe(200)
      expect((await fetch(`${first.url}/docs`)).status).toBe(200)
    } finally {
      killGroup(first.child, 'SIGTERM')
      await first.exited
    }

    // The second start finds the store in use already: no new tenant, no key printed again.
    const second = await startServer(dataDir, { npmStart: true })
    try {
      await new Promise((r) => setTimeout(r, 300))
      expect(second.stdout()).not.toContain('Bearer')
      const me = await fetch(`${second.url}/v1/me`, { headers: { Authorization: `Bearer ${key}` } })
      expect(me.status).toBe(200)
    } finally {
      killGroup(second.child, 'SIGTERM')
      await second.exited
    }
  },
  180_000,
)
