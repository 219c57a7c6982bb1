import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  call,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../../test/support.js'
import type { Platform } from '../../../platform.js'
import { defaultPolicies } from './default-policies.js'
import { checkPolicy } from './policies.js'

// Dunning policies: the rules a policy must keep, and the policies over the API.

const friendly = {
  anchor: 'due_date',
  days: 3,
  channel: 'email',
  template_key: 'friendly_reminder',
  action: 'friendly_reminder',
}
const nudge = { ...friendly, days: -3, template_key: 'pre_due_nudge', action: 'pre_due_nudge' }
const letter = {
  anchor: 'previous_step',
  days: 7,
  channel: 'letter',
  template_key: 'fourteen_day_letter',
  action: 'fourteen_day_letter',
}
const charge = {
  anchor: 'previous_step',
  days: 21,
  channel: 'letter',
  template_key: 'final_notice',
  action: 'charge_costs_and_interest',
}
const policy = (steps: unknown[], extra: Record<string, unknown> = {}) => ({
  name: 'test-policy',
  priority: 10,
  rule: { segments: ['consumer'] },
  steps,
  ...extra,
})

describe('the rules of a policy', () => {
  test.each`
    case                                             | given                                                                             | field                      | says
    ${'no steps'}                                    | ${policy([])}                                                                     | ${'steps'}                 | ${''}
    ${'first step after a previous one'}             | ${policy([{ ...friendly, anchor: 'previous_step' }])}                             | ${'steps[0].anchor'}       | ${'first step counts from the due date'}
    ${'a nudge that is not first'}                   | ${policy([friendly, { ...nudge, days: 5 }])}                                      | ${'steps[1].action'}       | ${'only be the first step'}
    ${'a nudge after the due date'}                  | ${policy([{ ...nudge, days: 2 }])}                                                | ${'steps[0].days'}         | ${'before the due date'}
    ${'a step counted from a skipped nudge'}         | ${policy([nudge, { ...friendly, anchor: 'previous_step' }])}                      | ${'steps[1].anchor'}       | ${'counts from the due date'}
    ${'steps out of order'} | ${policy([{ ...friendly, days: 10 }, { ...friendly, days: 5 }])} | ${'steps[1].days'} | ${'in order'}
    ${'a position that is not its place'}            | ${policy([{ ...friendly, position: 2 }])}                                         | ${'steps[0].position'}     | ${'in order'}
    ${'costs for consumers without a 14-day letter'} | ${policy([friendly, charge])}                                                     | ${'steps[1].action'}       | ${'14-day letter'}
    ${'costs for consumers before the letter'}       | ${policy([friendly, charge, letter])}                                             | ${'steps[1].action'}       | ${'14-day letter'}
    ${'an unknown channel'}                          | ${policy([{ ...friendly, channel: 'pigeon' }])}                                   | ${'steps[0].channel'}      | ${''}
    ${'a template key with spaces'}                  | ${policy([{ ...friendly, template_key: 'my letter' }])}                           | ${'steps[0].template_key'} | ${'template key'}
    ${'an unknown rule key'}                         | ${policy([friendly], { rule: { segment: ['consumer'] } })}                        | ${'rule'}                  | ${''}
    ${'min above max'}                               | ${policy([friendly], { rule: { min_open_minor: '500', max_open_minor: '100' } })} | ${'rule.min_open_minor'}   | ${'above'}
  `('refuses $case', ({ given, field, says }) => {
    try {
      checkPolicy(given)
      expect.unreachable('the policy was accepted')
    } catch (error) {
      const { code, details } = error as {
        code: string
        details: { errors: { field: string; message: string }[] }
      }
      expect(code).toBe('collections.policy_invalid')
      const issue = details.errors.find((e) => e.field === field)
      expect(issue, JSON.stringify(details.errors)).toBeDefined()
      expect(issue?.message).toContain(says)
    }
  })

  test('a business policy may charge costs without a 14-day letter', () => {
    expect(() =>
      checkPolicy(policy([friendly, charge], { rule: { segments: ['small_business'] } })),
    ).not.toThrow()
  })

  test('every default policy keeps the rules and uses the shipped template keys', () => {
    const shipped = new Set([
      'pre_due_nudge',
      'friendly_reminder',
      'formal_reminder',
      'fourteen_day_letter',
      'final_notice',
      'recovery_notice',
      'credit_block_notice',
    ])
    for (const given of defaultPolicies) {
      const checked = checkPolicy(given)
      for (const step of checked.steps) expect(shipped.has(step.template_key)).toBe(true)
    }
  })
})

describe('policies over the API', () => {
  let platform: Platform
  let app: FastifyInstance
  let tenant: TestTenant

  beforeAll(async () => {
    platform = await testPlatform()
    app = await testServer(platform)
    tenant = await testTenant(platform)
  })

  test('lists the defaults, makes one, replaces it with If-Match, refuses a stale one', async () => {
    const key = await tenant.key('collector')
    const listed = await call(app, key, 'GET', '/v1/dunning-policies')
    expect(listed.status).toBe(200)
    expect(listed.body.data.map((p: { name: string }) => p.name)).toEqual([
      'consumer-student',
      'consumer-pensioner',
      'enterprise-key-account',
      'consumer',
      'enterprise',
      'small-business',
      'public-sector',
    ])
    const made = await call(
      app,
      key,
      'POST',
      '/v1/dunning-policies',
      policy([friendly, letter, charge]),
    )
    expect(made.status).toBe(201)
    expect(made.body.steps.map((s: { position: number }) => s.position)).toEqual([1, 2, 3])

    const replaced = await call(
      app,
      key,
      'PUT',
      `/v1/dunning-policies/${made.body.id}`,
      policy([friendly, letter], { priority: 20 }),
      { 'if-match': '"1"' },
    )
    expect(replaced.status).toBe(200)
    expect(replaced.body).toMatchObject({ priority: 20, version: 2 })
    expect(replaced.body.steps).toHaveLength(2)

    const stale = await call(
      app,
      key,
      'PUT',
      `/v1/dunning-policies/${made.body.id}`,
      policy([friendly]),
      { 'if-match': '"1"' },
    )
    expect(stale.status).toBe(412)

    const bad = await call(app, key, 'POST', '/v1/dunning-policies', {
      ...policy([friendly, charge]),
      name: 'bad-one',
    })
    expect(bad.status).toBe(422)
    expect(bad.body.type).toContain('collections.policy_invalid')
    const after = await call(app, key, 'GET', '/v1/dunning-policies')
    expect(after.body.data.some((p: { name: string }) => p.name === 'bad-one')).toBe(false)

    const taken = await call(app, key, 'POST', '/v1/dunning-policies', policy([friendly]))
    expect(taken.status).toBe(409)
  })

  test('a role without collections.write may read but not change policies', async () => {
    const key = await tenant.key('read_only')
    expect((await call(app, key, 'GET', '/v1/dunning-policies')).status).toBe(200)
    const refused = await call(app, key, 'POST', '/v1/dunning-policies', {
      ...policy([friendly]),
      name: 'not-mine',
    })
    expect(refused.status).toBe(403)
  })

  test('runs a dry run and a real run over the API and reads them back', async () => {
    const key = await tenant.key('collector')
    const dry = await call(app, key, 'POST', '/v1/dunning-runs', {
      run_date: '2026-05-01',
      dry_run: true,
    })
    expect(dry.status).toBe(201)
    expect(dry.body).toMatchObject({ dry_run: true, status: 'completed' })
    const real = await call(app, key, 'POST', '/v1/dunning-runs', { run_date: '2026-05-01' })
    expect(real.body).toMatchObject({ dry_run: false, status: 'completed' })
    const again = await call(app, key, 'POST', '/v1/dunning-runs', { run_date: '2026-05-01' })
    expect(again.body.id).toBe(real.body.id)
    const one = await call(app, key, 'GET', `/v1/dunning-runs/${real.body.id}`)
    expect(one.body.id).toBe(real.body.id)
    const list = await call(app, key, 'GET', '/v1/dunning-runs')
    expect(list.body.data.map((r: { id: string }) => r.id)).toContain(dry.body.id)
    const badDate = await call(app, key, 'POST', '/v1/dunning-runs', { run_date: '2026-02-30' })
    expect(badDate.status).toBe(422)
    expect(badDate.body.type).toContain('collections.run_date_invalid')
  })
})
