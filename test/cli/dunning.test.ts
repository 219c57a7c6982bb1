import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { cliStore, o2c } from './processes.js'

// `o2c dunning policy list|show|set` and `o2c dunning run --dry-run` as a collector types them.

describe('o2c dunning', () => {
  test('sets, lists and shows a policy; refuses a bad one; runs dry', async () => {
    const where = await cliStore()
    const dir = mkdtempSync(join(tmpdir(), 'o2c-policy-'))
    afterAll(() => rmSync(dir, { recursive: true, force: true }))
    const run = (args: string[]) =>
      o2c(args, where.dataDir, { ...where.env, O2C_TENANT: 'collector' })
    expect((await o2c(['tenants', 'create', 'collector'], where.dataDir, where.env)).code).toBe(0)

    const file = join(dir, 'policy.json')
    writeFileSync(
      file,
      JSON.stringify({
        name: 'wholesale',
        priority: 50,
        interest_kind: 'commercial',
        rule: { segments: ['enterprise'], min_open_minor: '100000' },
        steps: [
          {
            anchor: 'due_date',
            days: 7,
            channel: 'email',
            template_key: 'friendly_reminder',
            action: 'friendly_reminder',
          },
          {
            anchor: 'previous_step',
            days: 7,
            channel: 'phone',
            template_key: 'formal_reminder',
            action: 'formal_reminder',
          },
        ],
      }),
    )
    const set = await run(['dunning', 'policy', 'set', file, '--json'])
    expect(set.code, set.stderr).toBe(0)
    expect(JSON.parse(set.stdout)).toMatchObject({ name: 'wholesale', version: 1 })
    const again = await run(['dunning', 'policy', 'set', file, '--json'])
    expect(JSON.parse(again.stdout)).toMatchObject({ name: 'wholesale', version: 2 })

    const list = await run(['dunning', 'policy', 'list', '--json'])
    const names = JSON.parse(list.stdout).data.map((p: { name: string }) => p.name)
    expect(names).toContain('wholesale')
    expect(names).toContain('consumer')
    const show = await run(['dunning', 'policy', 'show', 'wholesale'])
    expect(show.stdout).toContain('+7 d after previous step')

    const bad = join(dir, 'bad.json')
    writeFileSync(
      bad,
      JSON.stringify({
        name: 'consumer-costs',
        priority: 60,
        rule: { segments: ['consumer'] },
        steps: [
          {
            anchor: 'due_date',
            days: 7,
            channel: 'letter',
            template_key: 'final_notice',
            action: 'charge_costs_and_interest',
          },
        ],
      }),
    )
    const refused = await run(['dunning', 'policy', 'set', bad])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('14-day letter')

    const dry = await run(['dunning', 'run', '--date', '2026-05-04', '--dry-run', '--json'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, status: 'completed' })
    const badDate = await run(['dunning', 'run', '--date', '4-5-2026'])
    expect(badDate.stderr).toContain('run_date')
  }, 120_000)
})
