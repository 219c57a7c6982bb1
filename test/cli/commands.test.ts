import { beforeAll, describe, expect, test } from 'vitest'
import { buildProgram, commandPath, leafCommands } from '../../src/cli/program.js'
import type { CliContext } from '../../src/platform.js'
import { cliStore, killGroup, o2c, startServer, tempDataDir } from './processes.js'

// The `o2c` command as a user runs it: the real bin in a child process, on a data folder of
// its own, with no stdin (as in CI).

describe('o2c --help', () => {
  test('lists every command with a one-line description', async () => {
    const help = await o2c(['--help'], tempDataDir())
    expect(help.code).toBe(0)
    const unused: CliContext = {
      platform: () => Promise.reject(new Error('not opened in this test')),
      tenantSlug: () => '',
    }
    const program = buildProgram(unused, { serve: async () => {} })
    const commands = leafCommands(program)
    expect(commands.length).toBeGreaterThanOrEqual(10)
    const lines = help.stdout.split('\n')
    const missing: string[] = []
    for (const command of commands) {
      const description = command.description()
      if (!description || description.includes('\n')) {
        missing.push(`${commandPath(command)}: needs a one-line description`)
        continue
      }
      const term = commandPath(command)
      const line = lines.find((l) => l.trim().startsWith(`${term} `))
      // The description may wrap on a narrow terminal; its first words sit on the term's line.
      if (!line?.includes(description.split(' ').slice(0, 3).join(' '))) {
        missing.push(`${term}: not listed with its description`)
      }
    }
    expect(missing, help.stdout).toEqual([])
  })

  test('an unknown command is refused with the help and a non-zero exit code', async () => {
    const result = await o2c(['nonsense'], tempDataDir())
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain("unknown command 'nonsense'")
  })
})

describe('tenants, users and keys', () => {
  let dataDir: string
  let store: Record<string, string>
  // On PostgreSQL (the suite's second run) the commands work on a fresh database instead.
  const o2cOn = (args: string[], env: Record<string, string> = {}) =>
    o2c(args, dataDir, { ...store, ...env })

  beforeAll(async () => {
    const where = await cliStore()
    dataDir = where.dataDir
    store = where.env
    const tenant = await o2cOn(['tenants', 'create', 'acme', '--name', 'Acme BV'])
    expect(tenant.stderr).not.toContain('o2c:')
    expect(tenant.code).toBe(0)
    expect(tenant.stdout).toMatch(/Created tenant acme/)
  }, 120_000)

  test('a user made with --tenant gets a key that works against the API', async () => {
    const user = await o2cOn([
      'users',
      'create',
      '--tenant',
      'acme',
      'ann@acme.nl',
      '--role',
      'credit_analyst',
    ])
    expect(user.code).toBe(0)
    expect(user.stdout).toContain('ann@acme.nl')
    const made = await o2cOn(['keys', 'create', '--tenant', 'acme', '--user', 'ann@acme.nl'])
    expect(made.code).toBe(0)
    const key = made.stdout.trim()
    expect(key).toMatch(/^o2c_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/)

    const server = await startServer(dataDir, { env: store })
    try {
      const me = await fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${key}` } })
      expect(me.status).toBe(200)
      expect(await me.json()).toMatchObject({
        tenant: 'acme',
        email: 'ann@acme.nl',
        role: 'credit_analyst',
      })
      const anonymous = await fetch(`${server.url}/v1/me`)
      expect(anonymous.status).toBe(401)
    } finally {
      killGroup(server.child, 'SIGTERM')
      await server.exited
    }
  }, 120_000)

  test('O2C_TENANT names the tenant in place of --tenant', async () => {
    const made = await o2cOn(['users', 'create', 'bob@acme.nl', '--role', 'collector'], {
      O2C_TENANT: 'acme',
    })
    expect(made.code).toBe(0)
    const listed = await o2cOn(['users', 'list', '--json'], { O2C_TENANT: 'acme' })
    expect(listed.code).toBe(0)
    expect(JSON.parse(listed.stdout).map((u: { email: string }) => u.email)).toContain(
      'bob@acme.nl',
    )
  }, 60_000)

  test('--json prints JSON a script can read, and nothing else on stdout', async () => {
    const tenant = JSON.parse((await o2cOn(['tenants', 'create', 'globex', '--json'])).stdout)
    expect(tenant).toMatchObject({ slug: 'globex' })
    const user = JSON.parse(
      (
        await o2cOn(['users', 'create', 'cy@globex.test', '--role', 'admin', '--json'], {
          O2C_TENANT: 'globex',
        })
      ).stdout,
    )
    expect(user).toMatchObject({ email: 'cy@globex.test', role: 'admin' })
    const key = JSON.parse(
      (
        await o2cOn(['keys', 'create', '--user', 'cy@globex.test', '--json'], {
          O2C_TENANT: 'globex',
        })
      ).stdout,
    )
    expect(key.key).toMatch(/^o2c_/)
    const tenants = JSON.parse((await o2cOn(['tenants', 'list', '--json'])).stdout)
    expect(tenants.map((t: { slug: string }) => t.slug)).toEqual(['acme', 'globex'])
    const verified = JSON.parse(
      (await o2cOn(['audit', 'verify', '--tenant', 'globex', '--json'])).stdout,
    )
    expect(verified).toMatchObject({ ok: true, events_checked: 3, problems: [] })
  }, 120_000)

  test('an unknown tenant is refused with a clear message and exit code 2', async () => {
    const result = await o2cOn(['users', 'list', '--tenant', 'nope'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('o2c: No tenant "nope"')
    expect(result.stdout).toBe('')
    const viaEnv = await o2cOn(['keys', 'list'], { O2C_TENANT: 'nope' })
    expect(viaEnv.code).toBe(2)
    expect(viaEnv.stderr).toContain('No tenant "nope"')
  }, 60_000)

  test('a tenant command without a tenant says how to name one', async () => {
    const result = await o2cOn(['users', 'list'])
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('--tenant <slug> or O2C_TENANT')
  }, 60_000)

  test('a refused change says why and exits 2', async () => {
    const result = await o2cOn(['tenants', 'create', 'acme'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('A tenant "acme" exists already')
  }, 60_000)
})
