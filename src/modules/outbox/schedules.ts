import { sql } from 'kysely'
import { toJsonValue } from '../../core/canonical-json.js'
import { calendarDateAt } from '../../core/dates.js'
import { domainError, type FieldIssue, invalid, notFound } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import { type Ctx, inTenant } from '../../db/context.js'
import type { Platform } from '../../platform.js'
import { recordAudit } from '../audit/index.js'
import { type Cadence, type CadenceKind, nextRunAfter } from './cadence.js'
import { emitEvent } from './events.js'

// Scheduled work is data: a row per tenant and schedule names a job kind, its payload and a
// cadence in the tenant's time zone. The worker's tick (enqueueDueSchedules) turns each due
// schedule into a job and moves next_run_at on, in one transaction that holds the schedule
// rows FOR UPDATE SKIP LOCKED: two workers never enqueue the same run twice. A schedule that
// was due several times while no worker ran (a weekend with the server off) runs once, not
// once per missed time: the work it starts picks up everything that is due anyway.
//
// Modules declare their default schedules once (defaultSchedule); every tenant gets each of
// them the first time its schedules are read or a worker seeds them, and may change the
// cadence or switch it off afterwards (PUT /v1/schedules). The job handler receives the
// schedule's payload plus `scheduleId`, `scheduledAt` (the instant it was due) and
// `scheduledDate` (that instant's date in the tenant's time zone).

export type ScheduleDefault = Cadence & {
  name: string
  description: string
  jobKind: string
  payload: Record<string, unknown>
}

export type Schedule = ScheduleDefault & {
  id: string
  active: boolean
  nextRunAt: Date
  lastRunAt: Date | null
  lastJobId: string | null
  updatedAt: Date
  version: number
}

export type ScheduleChange = {
  cadence?: CadenceKind
  dayOfWeek?: number | null
  dayOfMonth?: number | null
  businessDay?: boolean
  timeOfDay?: string
  active?: boolean
}

const defaults = new Map<string, ScheduleDefault>()

/** A module declares a schedule every tenant has by default (once, at import time). */
export function defaultSchedule(schedule: ScheduleDefault): void {
  defaults.set(schedule.name, schedule)
}

export function defaultSchedules(): ScheduleDefault[] {
  return [...defaults.values()]
}

/** Gives the tenant the default schedules it lacks, audited. Returns how many were added. */
export async function ensureDefaultSchedules(ctx: Ctx): Promise<number> {
  const wanted = defaultSchedules()
  if (wanted.length === 0) return 0
  const have = await ctx.db
    .selectFrom('schedule')
    .select('name')
    .where(
      'name',
      'in',
      wanted.map((d) => d.name),
    )
    .execute()
  const known = new Set(have.map((row) => row.name))
  const missing = wanted.filter((d) => !known.has(d.name))
  if (missing.length === 0) return 0
  const rows = missing.map((d) => newScheduleRow(d, ctx.tenantId, ctx.now, ctx.timeZone))
  // A concurrent seeder may have added the same names meanwhile: theirs stands.
  const added = await ctx.db
    .insertInto('schedule')
    .values(rows)
    .onConflict((oc) => oc.columns(['tenantId', 'name']).doNothing())
    .returningAll()
    .execute()
  for (const row of added) {
    const schedule = scheduleFromRow(row)
    await recordAudit(ctx, {
      entityType: 'schedule',
      entityId: schedule.id,
      action: 'created',
      after: { name: schedule.name, job_kind: schedule.jobKind, ...auditView(schedule) },
    })
  }
  return added.length
}

/** The tenant's schedules (the defaults included), by name. */
export async function listSchedules(ctx: Ctx): Promise<Schedule[]> {
  await ensureDefaultSchedules(ctx)
  const rows = await ctx.db.selectFrom('schedule').selectAll().orderBy('name').execute()
  return rows.map(scheduleFromRow)
}

/**
 * Changes a schedule's cadence, time or whether it runs; next_run_at follows from the new
 * cadence. The job kind and payload are the module's and cannot be changed here.
 */
export async function updateSchedule(
  ctx: Ctx,
  name: string,
  change: ScheduleChange,
  expectedVersion?: number,
): Promise<Schedule> {
  await ensureDefaultSchedules(ctx)
  const row = await ctx.db
    .selectFrom('schedule')
    .selectAll()
    .where('name', '=', name)
    .forUpdate()
    .executeTakeFirst()
  if (!row) throw notFound('schedule', name)
  const before = scheduleFromRow(row)
  if (expectedVersion !== undefined && expectedVersion !== before.version) {
    throw domainError(
      'request.stale_etag',
      `Schedule ${name} is at version ${before.version}; you changed version ${expectedVersion}`,
      { field: 'If-Match', current_version: before.version },
    )
  }
  const cadence = checkedCadence(before, change)
  const after: Schedule = {
    ...before,
    ...cadence,
    active: change.active ?? before.active,
    nextRunAt: nextRunAfter(cadence, ctx.now, ctx.timeZone),
    updatedAt: ctx.now,
    version: before.version + 1,
  }
  await ctx.db
    .updateTable('schedule')
    .set({
      cadence: after.cadence,
      dayOfWeek: after.dayOfWeek,
      dayOfMonth: after.dayOfMonth,
      businessDay: after.businessDay,
      timeOfDay: after.timeOfDay,
      active: after.active,
      nextRunAt: after.nextRunAt,
      updatedAt: ctx.now,
      version: after.version,
    })
    .where('id', '=', before.id)
    .execute()
  await recordAudit(ctx, {
    entityType: 'schedule',
    entityId: before.id,
    action: 'updated',
    before: auditView(before),
    after: auditView(after),
  })
  await emitEvent(ctx, {
    type: 'schedule.updated',
    entityType: 'schedule',
    entityId: before.id,
    payload: { schedule_id: before.id, name: before.name, ...auditView(after) },
  })
  return after
}

const timeOfDayPattern = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/

function checkedCadence(before: Schedule, change: ScheduleChange): Cadence {
  const cadence = change.cadence ?? before.cadence
  const merged: Cadence = {
    cadence,
    dayOfWeek: cadence === 'weekly' ? (change.dayOfWeek ?? before.dayOfWeek ?? 1) : null,
    dayOfMonth: cadence === 'monthly' ? (change.dayOfMonth ?? before.dayOfMonth ?? 1) : null,
    businessDay: change.businessDay ?? before.businessDay,
    timeOfDay: change.timeOfDay ?? before.timeOfDay,
  }
  const issues: FieldIssue[] = []
  if (merged.dayOfWeek !== null && !(merged.dayOfWeek >= 1 && merged.dayOfWeek <= 7)) {
    issues.push({ field: 'day_of_week', message: 'must be 1 (Monday) to 7 (Sunday)' })
  }
  if (merged.dayOfMonth !== null && !(merged.dayOfMonth >= 1 && merged.dayOfMonth <= 28)) {
    issues.push({ field: 'day_of_month', message: 'must be 1 to 28 (a day every month has)' })
  }
  if (!timeOfDayPattern.test(merged.timeOfDay)) {
    issues.push({ field: 'time_of_day', message: 'must be a time of day HH:MM (24 hours)' })
  }
  if (issues.length > 0) throw invalid(issues)
  return merged
}

// Schedules enqueued per tick: a bound, so one tick stays short; the next tick does the rest.
const dueSchedulesPerTickMax = 100

/**
 * The worker's tick: every due, active schedule of every tenant becomes a job, and its
 * next_run_at moves to the cadence's next time after now. Runs across tenants, outside any
 * tenant context, like the worker's claim. Returns how many jobs it enqueued.
 */
export async function enqueueDueSchedules(platform: Platform): Promise<number> {
  const now = platform.clock.now()
  return platform.store.db.transaction().execute(async (trx) => {
    // Across tenants, as the store's owner (the worker's claim does the same).
    const due = await sql<ScheduleRow & { tenantId: string; tenantTimeZone: string }>`
      select s.*, t.time_zone as tenant_time_zone
      from schedule s join tenant t on t.tenant_id = s.tenant_id
      where s.active and s.next_run_at <= ${now}
      order by s.next_run_at
      limit ${dueSchedulesPerTickMax}
      for update of s skip locked`.execute(trx)
    if (due.rows.length === 0) return 0
    const jobs = due.rows.map((row) => {
      const schedule = scheduleFromRow(row)
      const timeZone = row.tenantTimeZone
      return {
        tenantId: row.tenantId,
        scheduleId: row.id,
        jobId: newId(),
        kind: schedule.jobKind,
        payload: {
          ...(schedule.payload as Record<string, unknown>),
          scheduleId: schedule.id,
          scheduledAt: schedule.nextRunAt.toISOString(),
          scheduledDate: calendarDateAt(schedule.nextRunAt, timeZone),
        },
        nextRunAt: nextRunAfter(schedule, now, timeZone),
      }
    })
    await sql`
      with given as (
        select * from jsonb_to_recordset(${JSON.stringify(jobs)}::jsonb) as g("tenantId" uuid,
          "scheduleId" uuid, "jobId" uuid, kind text, payload jsonb, "nextRunAt" timestamptz)
      ), enqueued as (
        insert into job (tenant_id, id, kind, payload, run_at)
        select "tenantId", "jobId", kind, payload, ${now}::timestamptz from given
      )
      update schedule s set next_run_at = given."nextRunAt", last_run_at = ${now}::timestamptz,
        last_job_id = given."jobId"
      from given
      where s.tenant_id = given."tenantId" and s.id = given."scheduleId"`.execute(trx)
    return jobs.length
  })
}

/**
 * Gives every tenant the default schedules it lacks (the worker calls this now and then, so
 * a new tenant's billing runs are on the timetable without anyone opening the schedules).
 * Finding those tenants is a read across tenants, as the owner; each is then given its
 * schedules in a transaction of its own, as the system, audited like any change.
 */
export async function seedDefaultSchedules(platform: Platform): Promise<number> {
  const names = defaultSchedules().map((d) => d.name)
  if (names.length === 0) return 0
  const lacking = await sql<{ tenantId: string; timeZone: string }>`
    select t.tenant_id, t.time_zone from tenant t
    where exists (
      select 1 from unnest(${names}::text[]) as d(name)
      where not exists (
        select 1 from schedule s where s.tenant_id = t.tenant_id and s.name = d.name))`.execute(
    platform.store.db,
  )
  let added = 0
  for (const tenant of lacking.rows) {
    added += await inTenant(
      platform.store,
      { ...tenant, actor: { type: 'system', id: null, name: 'scheduler' } },
      ensureDefaultSchedules,
      platform.clock,
    )
  }
  return added
}

/** A tenant's row of a default schedule, first due at the cadence's next time after now. */
function newScheduleRow(d: ScheduleDefault, tenantId: string, now: Date, timeZone: string) {
  return {
    tenantId,
    id: newId(),
    name: d.name,
    description: d.description,
    jobKind: d.jobKind,
    payload: JSON.stringify(toJsonValue(d.payload)),
    cadence: d.cadence,
    dayOfWeek: d.dayOfWeek,
    dayOfMonth: d.dayOfMonth,
    businessDay: d.businessDay,
    timeOfDay: d.timeOfDay,
    active: true,
    nextRunAt: nextRunAfter(d, now, timeZone),
    createdAt: now,
    updatedAt: now,
  }
}

type ScheduleRow = {
  id: string
  name: string
  description: string
  jobKind: string
  payload: unknown
  cadence: CadenceKind
  dayOfWeek: number | null
  dayOfMonth: number | null
  businessDay: boolean
  timeOfDay: string
  active: boolean
  nextRunAt: Date
  lastRunAt: Date | null
  lastJobId: string | null
  updatedAt: Date
  version: number
}

function scheduleFromRow(row: ScheduleRow): Schedule {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    jobKind: row.jobKind,
    payload: (row.payload ?? {}) as Record<string, unknown>,
    cadence: row.cadence,
    dayOfWeek: row.dayOfWeek,
    dayOfMonth: row.dayOfMonth,
    businessDay: row.businessDay,
    timeOfDay: row.timeOfDay.slice(0, 5),
    active: row.active,
    nextRunAt: new Date(row.nextRunAt),
    lastRunAt: row.lastRunAt ? new Date(row.lastRunAt) : null,
    lastJobId: row.lastJobId,
    updatedAt: new Date(row.updatedAt),
    version: row.version,
  }
}

function auditView(s: Schedule) {
  return {
    cadence: s.cadence,
    day_of_week: s.dayOfWeek,
    day_of_month: s.dayOfMonth,
    business_day: s.businessDay,
    time_of_day: s.timeOfDay,
    active: s.active,
    next_run_at: s.nextRunAt.toISOString(),
  }
}
