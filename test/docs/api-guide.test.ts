import { execFile, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { killGroup, repoRoot, startServer, tempDataDir } from '../cli/processes.js'
import { testStoreKind } from '../stores.js'

// docs/api-guide.md promises commands that work against a fresh `npm start`. This test runs
// every ```sh block of it, in order, in one bash, against a freshly started server with the
// key it printed — so the guide cannot drift from the API.

const hasTools = ['bash', 'curl', 'jq'].every((tool) => spawnSync('which', [tool]).status === 0)

function guideScript(): string {
  const guide = readFileSync(join(repoRoot, 'docs/api-guide.md'), 'utf8')
  const blocks = [...guide.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1])
  // The guide's own `export` lines are for a reader; the test sets O2C and KEY itself.
  return blocks.join('\n').replace(/^export .*$/gm, '')
}

test.runIf(testStoreKind === 'pglite' && hasTools)(
  'every example in docs/api-guide.md works against a fresh start',
  async () => {
    const server = await startServer(tempDataDir())
    try {
      let key: string | undefined
      for (let waited = 0; !key && waited < 10_000; waited += 50) {
        key = /Bearer (o2c_\S+)"/.exec(server.stdout())?.[1]
        if (!key) await new Promise((r) => setTimeout(r, 50))
      }
      expect(key, server.stdout()).toBeDefined()
      const output = await new Promise<string>((resolve, reject) => {
        execFile(
          'bash',
          ['-euo', 'pipefail', '-c', guideScript()],
          { env: { ...process.env, O2C: server.url, KEY: key }, timeout: 120_000 },
          (error, stdout, stderr) =>
            error ? reject(new Error(`${error}\n${stderr}\n${stdout}`)) : resolve(stdout),
        )
      })
      // What a reader should see at each step of the guide.
      expect(output).toContain('"tenant":"default"')
      expect(output).toContain('fails the Germany VAT id check digit')
      expect(output).toContain('"payment_terms_days": 14')
      expect(output).toContain('"status": "approved"')
      expect(output).toContain('"status": "confirmed"')
      expect(output).toContain('credit_limit_exceeded')
      expect(output).toContain('https://jouw.postnl.nl/track-and-trace/3SABCD1234567')
      expect(output).toContain('"partially_shipped"')
      expect(output).toContain('"delivered"')
      expect(output).toContain('"number": "INV-')
      expect(output).toContain('"open_amount": "516.39"')
      expect(output).toContain('<cbc:CustomizationID>')
      expect(output).toContain('"step": "issued"')
      expect(output).toContain('"number": "CN-')
      expect(output).toContain('"506.39"')
      expect(output).toContain('"type": "order.created"')
      expect(output).toContain('"action": "credit_checked"')
      expect(output).toContain('"unapplied": "0.00"')
      expect(output).toContain('"306.39"')
      expect(output).toContain('"application": null')
    } finally {
      killGroup(server.child, 'SIGTERM')
      await server.exited
    }
  },
  180_000,
)
