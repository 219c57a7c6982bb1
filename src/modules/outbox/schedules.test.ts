import { beforeAll, describe, expect, test } from 'vitest'
import { testStoreKind } from '../../../test/stores.js'
import {
  call,
  manualClock,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import type { Platform } from '../../platform.js'
import { type Cadence, nextRunAfter } from './cadence.js'
import { defaultSchedule, enqueueDueSchedules, seedDefaultSchedules } from './schedules.js'
import { startWorker } from './worker.js'

const amsterdam = 'Europe/Amsterdam'

const cadence = (c: Partial<Cadence>): Cadence => ({
  cadence: 'daily',
  dayOfWeek: null,
  dayOfMonth: null,
  businessDay: false,
  timeOfDay: '06:00',
  ...c,
})

describe('when a schedule runs next (Europe/Amsterdam)', () => {
  test.each`
    case                                                     | given                                                       | after                     | next
    ${'daily, later today'}                                  | ${{}}                                                       | ${'2026-03-02T04:00:00Z'} | ${'2026-03-02T05:00:00.000Z'}
    ${'daily, tomorrow when today has passed'}               | ${{}}                                                       | ${'2026-03-02T05:00:00Z'} | ${'2026-03-03T05:00:00.000Z'}
    ${'daily across the change to summer time (06:00 CEST)'} | ${{}}                                                       | ${'2026-03-28T06:00:00Z'} | ${'2026-03-29T04:00:00.000Z'}
    ${'weekly on Monday, from a Wednesday'}                  | ${{ cadence: 'weekly', dayOfWeek: 1 }}                      | ${'2026-03-04T12:00:00Z'} | ${'2026-03-09T05:00:00.000Z'}
    ${'monthly on the 1st'}                                  | ${{ cadence: 'monthly', dayOfMonth: 1 }}                    | ${'2026-03-04T12:00:00Z'} | ${'2026-04-01T04:00:00.000Z'}
    ${'first business day: 1 Nov 2026 is a Sunday'}          | ${{ cadence: 'monthly', dayOfMonth: 1, businessDay: true }} | ${'2026-10-05T12:00:00Z'} | ${'2026-11-02T05:00:00.000Z'}
    ${'first business day: New Year, then a Friday'}         | ${{ cadence: 'monthly', dayOfMonth: 1, businessDay: true }} | ${'2026-12-05T12:00:00Z'} | ${'2027-01-04T05:00:00.000Z'}
    ${'first business day: Easter Monday 6 April 2026'}      | ${{ cadence: 'monthly', dayOfMonth: 6, businessDay: true }} | ${'2026-03-10T12:00:00Z'} | ${'2026-04-07T04:00:00.000Z'}
    ${'business days only: Friday evening → Monday'}         | ${{ businessDay: true, timeOfDay: '07:30' }}                | ${'2026-03-06T18:00:00Z'} | ${'2026-03-09T06:30:00.000Z'}
  `('$case', ({ given, after, next }) => {
    expect(nextRunAfter(cadence(given), new Date(after), amsterdam).toISOString()).toBe(next)
  })
})

describe('the scheduler', () => {
  const clock = manualClock('2026-03-02T08:00:00Z')
  let platform: Platform
  let tenant: TestTenant
  const ran: { tenantId: string; payload: Record<string, unknown> }[] = []

  beforeAll(async () => {
    defaultSchedule({
      name: 'test.nightly',
      description: 'a test schedule',
      jobKind: 'test.nightly_run',
      payload: { scope: 'all' },
      cadence: 'daily',
      dayOfWeek: null,
      dayOfMonth: null,
      businessDay: false,
      timeOfDay: '02:00',
    })
    platform = await testPlatform(clock)
    tenant = await testTenant(platform)
  })

  test('every tenant gets the default schedules, at the time in its own zone', async () => {
    await seedDefaultSchedules(platform)
    const rows = await tenant.run((ctx) =>
      ctx.db.selectFrom('schedule').selectAll().where('name', '=', 'test.nightly').execute(),
    )
    expect(rows).toHaveLength(1)
    // 02:00 in Amsterdam (winter time) on 3 March.
    expect(rows[0].nextRunAt.toISOString()).toBe('2026-03-03T01:00:00.000Z')
    expect(await seedDefaultSchedules(platform)).toBe(0)
    // The schedule appeared in the tenant's audit trail, added by the system.
    const audited = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('auditEvent')
        .select(['action', 'actorType', 'after'])
        .where('entityType', '=', 'schedule')
        .where('entityId', '=', rows[0].id)
        .execute(),
    )
    expect(audited).toEqual([
      {
        action: 'created',
        actorType: 'system',
        after: expect.objectContaining({ name: 'test.nightly', cadence: 'daily' }),
      },
    ])
  })

  test('a due schedule becomes one job, once, and moves to its next time', async () => {
    const worker = startWorker(
      platform,
      {
        'test.nightly_run': async (_platform, job) => {
          ran.push({ tenantId: job.tenantId, payload: job.payload })
        },
      },
      { background: false },
    )
    expect(await worker.drain()).toBe(0)
    clock.set('2026-03-03T01:00:00Z')
    await worker.drain()
    await worker.drain()
    const mine = ran.filter((r) => r.tenantId === tenant.tenantId)
    expect(mine).toHaveLength(1)
    expect(mine[0].payload).toMatchObject({
      scope: 'all',
      scheduledAt: '2026-03-03T01:00:00.000Z',
      scheduledDate: '2026-03-03',
    })
    // A weekend with no worker: the schedule runs once when the worker is back, not per day.
    clock.set('2026-03-07T12:00:00Z')
    await worker.drain()
    expect(ran.filter((r) => r.tenantId === tenant.tenantId)).toHaveLength(2)
    const [row] = await tenant.run((ctx) =>
      ctx.db.selectFrom('schedule').selectAll().where('name', '=', 'test.nightly').execute(),
    )
    expect(row.nextRunAt.toISOString()).toBe('2026-03-08T01:00:00.000Z')
    await worker.stop()
  })

  test.runIf(testStoreKind === 'postgres')(
    'workers ticking at the same moment enqueue a due schedule once',
    async () => {
      const others = await Promise.all(Array.from({ length: 5 }, () => testTenant(platform)))
      await seedDefaultSchedules(platform)
      const jobCount = async () => {
        let all = 0
        for (const t of [tenant, ...others]) {
          all += (await t.run((ctx) => ctx.db.selectFrom('job').select('id').execute())).length
        }
        return all
      }
      const before = await jobCount()
      clock.set('2026-03-09T01:00:00Z')
      const counts = await Promise.all(
        Array.from({ length: 8 }, () => enqueueDueSchedules(platform)),
      )
      // Other modules' default schedules (the daily dunning run) may be due too: every due
      // schedule of every tenant became exactly one job, whichever worker made it.
      for (const t of [tenant, ...others]) {
        const jobs = await t.run((ctx) =>
          ctx.db.selectFrom('job').select(['kind', 'runAt', 'payload']).execute(),
        )
        const keys = jobs.map(
          (j) => `${j.kind} ${j.runAt.toISOString()} ${JSON.stringify(j.payload)}`,
        )
        expect(new Set(keys).size).toBe(keys.length)
        const nightly = jobs.filter(
          (j) =>
            j.kind === 'test.nightly_run' &&
            j.runAt.getTime() === Date.parse('2026-03-09T01:00:00Z'),
        )
        expect(nightly).toHaveLength(1)
      }
      expect(counts.reduce((a, b) => a + b, 0)).toBe((await jobCount()) - before)
    },
  )

  test('GET/PUT /v1/schedules: the tenant changes the cadence; a bad one is refused whole', async () => {
    const app = await testServer(platform)
    const key = await tenant.key('billing_specialist')
    const listed = await call(app, key, 'GET', '/v1/schedules')
    expect(listed.status).toBe(200)
    const nightly = listed.body.data.find((s: { name: string }) => s.name === 'test.nightly')
    expect(nightly).toMatchObject({ cadence: 'daily', time_of_day: '02:00', active: true })

    const bad = await call(app, key, 'PUT', '/v1/schedules', {
      name: 'test.nightly',
      cadence: 'monthly',
      time_of_day: '25:00',
    })
    expect(bad.status).toBe(400)

    const changed = await call(
      app,
      key,
      'PUT',
      '/v1/schedules',
      { name: 'test.nightly', cadence: 'weekly', day_of_week: 5, time_of_day: '18:30' },
      { 'if-match': `"${nightly.version}"` },
    )
    expect(changed.status, JSON.stringify(changed.body)).toBe(200)
    expect(changed.body).toMatchObject({ cadence: 'weekly', day_of_week: 5, time_of_day: '18:30' })
    // Friday 18:30 in Amsterdam after the clock's Monday 9 March.
    expect(changed.body.next_run_at).toBe('2026-03-13T17:30:00.000Z')
    // A webhook subscriber hears of the change.
    const events = await call(
      app,
      await tenant.key('admin'),
      'GET',
      '/v1/events?type=schedule.updated',
    )
    expect(events.body.data.map((e: { data: unknown }) => e.data)).toContainEqual(
      expect.objectContaining({ name: 'test.nightly', cadence: 'weekly', time_of_day: '18:30' }),
    )

    const stale = await call(
      app,
      key,
      'PUT',
      '/v1/schedules',
      { name: 'test.nightly', active: false },
      { 'if-match': `"${nightly.version}"` },
    )
    expect(stale.status).toBe(412)
    const unknown = await call(app, key, 'PUT', '/v1/schedules', { name: 'nope', active: false })
    expect(unknown.status).toBe(404)
    const collector = await call(app, await tenant.key('collector'), 'PUT', '/v1/schedules', {
      name: 'test.nightly',
      active: false,
    })
    expect(collector.status).toBe(403)
  })
})
