import { sql } from 'kysely'
import { type Ctx, inTenant } from '../../db/context.js'
import type { JobHandler, JobToRun, Platform } from '../../platform.js'
import { enqueueDueSchedules, seedDefaultSchedules } from './schedules.js'

// The worker takes due jobs with FOR UPDATE SKIP LOCKED, so any number of worker processes
// on PostgreSQL share the work without taking a job twice; on PGlite the one in-process
// worker shares the store's single connection with the API. A job that fails is retried on
// a widening schedule, and marked dead after its last attempt. A job whose worker died
// (lease expired while 'running') is taken again. Only kinds this worker has a handler for
// are claimed, so a process that lacks a module never takes (and fails) that module's jobs.
//
// Delivery is at least once: a worker that dies after a handler's effect but before it marks
// the job done leaves the job to be taken again when its lease runs out. Handlers therefore
// check, before they act, whether their effect already happened (the webhook handler looks at
// the delivery's status), and receivers of webhooks dedupe by event id.

// Retry delays in seconds after attempt 1, 2, …: quick at first for a blip, then spread over
// a day for an endpoint that is down. After the last one the job is dead.
export const retryDelaysSeconds = [
  30,
  120,
  600,
  1800,
  3600,
  3 * 3600,
  6 * 3600,
  12 * 3600,
  24 * 3600,
]

// How long a claimed job is ours before another worker may assume we died. A batch is run one
// job after the other, so this must cover claimBatchMax handlers: 20 webhook deliveries at
// their 10 s timeout take 200 s.
const leaseSeconds = 300
// Jobs claimed in one go: enough to keep a worker busy, few enough that a crash strands few.
const claimBatchMax = 20
// How often a worker gives tenants the default schedules they lack (a new tenant waits at
// most this long for its billing runs to be on the timetable).
const seedSchedulesEveryMs = 60_000

export type Worker = {
  /** Runs every due job once and returns how many ran (tests and the CLI use this). */
  drain(): Promise<number>
  /**
   * Stops taking jobs, waits for the job that is running to finish, and hands the jobs it had
   * claimed but not started back to the queue at once (rather than when their lease runs out).
   */
  stop(): Promise<void>
}

export function startWorker(
  platform: Platform,
  handlers: Record<string, JobHandler>,
  options: { pollMs?: number; background?: boolean } = {},
): Worker {
  const pollMs = options.pollMs ?? 500
  const kinds = Object.keys(handlers)
  let stopping = false
  let timer: NodeJS.Timeout | undefined
  const runs = new Set<Promise<number>>()
  let seededAt = Number.NEGATIVE_INFINITY

  function tracked(run: Promise<number>): Promise<number> {
    runs.add(run)
    const forget = () => runs.delete(run)
    run.then(forget, forget)
    return run
  }

  // Due schedules become jobs first, so a schedule's job runs in the same tick.
  async function enqueueScheduled(): Promise<void> {
    const now = platform.clock.now().getTime()
    if (now - seededAt >= seedSchedulesEveryMs) {
      await seedDefaultSchedules(platform)
      seededAt = now
    }
    await enqueueDueSchedules(platform)
  }

  async function runDue(): Promise<number> {
    let ran = 0
    if (!stopping) await enqueueScheduled()
    while (!stopping) {
      const jobs = await claimDueJobs(platform, kinds)
      if (jobs.length === 0) break
      for (const [index, job] of jobs.entries()) {
        if (stopping) {
          await releaseJobs(platform, jobs.slice(index))
          return ran
        }
        await runOne(platform, handlers, job)
        ran++
      }
    }
    return ran
  }

  async function tick() {
    timer = undefined
    try {
      await tracked(runDue())
    } catch (error) {
      platform.log.error({ err: error }, 'worker: running due jobs failed')
    }
    if (!stopping) timer = setTimeout(tick, pollMs)
  }

  if (options.background !== false) timer = setTimeout(tick, 0)

  return {
    async drain() {
      await Promise.allSettled([...runs])
      return tracked(runDue())
    },
    async stop() {
      stopping = true
      if (timer) clearTimeout(timer)
      await Promise.allSettled([...runs])
    },
  }
}

/** Whether this run of the job is its last: after it fails, the job is dead. */
export function isFinalAttempt(job: JobToRun): boolean {
  return job.attempts >= job.attemptsMax || retryDelaysSeconds[job.attempts - 1] === undefined
}

/**
 * Runs a job handler's unit of work in the job's tenant, as the system actor "worker <kind>".
 * Handlers keep network calls outside it: on PGlite a transaction holds the one connection.
 */
export async function inJobTenant<T>(
  platform: Platform,
  job: JobToRun,
  work: (ctx: Ctx) => Promise<T>,
): Promise<T> {
  const scope = {
    tenantId: job.tenantId,
    timeZone: 'UTC',
    actor: { type: 'system' as const, id: null, name: `worker ${job.kind}` },
  }
  return inTenant(
    platform.store,
    scope,
    async (ctx) => {
      const tenant = await ctx.db.selectFrom('tenant').select('timeZone').executeTakeFirstOrThrow()
      return work({ ...ctx, timeZone: tenant.timeZone })
    },
    platform.clock,
  )
}

async function claimDueJobs(platform: Platform, kinds: string[]): Promise<JobToRun[]> {
  if (kinds.length === 0) return []
  const now = platform.clock.now()
  const leaseUntil = new Date(now.getTime() + leaseSeconds * 1000)
  // Across tenants, so outside any tenant context: the store's owner role sees every row.
  // One statement claims the whole batch; rows another worker holds are skipped, not waited on.
  const result = await sql<JobToRun>`
    update job set status = 'running', attempts = attempts + 1, locked_until = ${leaseUntil}
    where (tenant_id, id) in (
      select tenant_id, id from job
      where kind = any(${kinds}::text[])
        and ((status = 'queued' and run_at <= ${now}) or (status = 'running' and locked_until < ${now}))
      order by run_at
      limit ${claimBatchMax}
      for update skip locked)
    returning id, tenant_id, kind, payload, attempts, attempts_max`.execute(platform.store.db)
  return result.rows
}

// Every write after a job ran is fenced by the attempt number: if our lease ran out and
// another worker took the job meanwhile, what we learned no longer decides its state.
function attemptFence(job: JobToRun) {
  return sql`tenant_id = ${job.tenantId} and id = ${job.id}
    and status = 'running' and attempts = ${job.attempts}`
}

async function runOne(platform: Platform, handlers: Record<string, JobHandler>, job: JobToRun) {
  const fence = attemptFence(job)
  try {
    await handlers[job.kind](platform, job)
  } catch (error) {
    await recordFailure(platform, job, error)
    return
  }
  await sql`update job set status = 'done', finished_at = ${platform.clock.now()},
    locked_until = null, last_error = null
    where ${fence}`.execute(platform.store.db)
}

// What a job's last error keeps: enough to see what went wrong, bounded like every column.
const lastErrorLengthMax = 2_000

async function recordFailure(platform: Platform, job: JobToRun, error: unknown) {
  const message = (error instanceof Error ? error.message : String(error)).slice(
    0,
    lastErrorLengthMax,
  )
  const now = platform.clock.now()
  const fence = attemptFence(job)
  const facts = { jobId: job.id, kind: job.kind, attempt: job.attempts, err: message }
  if (isFinalAttempt(job)) {
    platform.log.error(facts, 'job failed for the last time; it is dead')
    await sql`update job set status = 'dead', finished_at = ${now}, locked_until = null,
      last_error = ${message}
      where ${fence}`.execute(platform.store.db)
    return
  }
  const runAt = new Date(now.getTime() + retryDelaysSeconds[job.attempts - 1] * 1000)
  platform.log.warn({ ...facts, retryAt: runAt }, 'job failed; it will be retried')
  await sql`update job set status = 'queued', run_at = ${runAt}, locked_until = null,
    last_error = ${message}
    where ${fence}`.execute(platform.store.db)
}

/** Hands claimed jobs that were not started back to the queue, as if never claimed. */
async function releaseJobs(platform: Platform, jobs: JobToRun[]) {
  if (jobs.length === 0) return
  await sql`update job set status = 'queued', attempts = attempts - 1, locked_until = null
    where status = 'running' and (tenant_id, id, attempts) in (
      select * from unnest(${jobs.map((j) => j.tenantId)}::uuid[],
        ${jobs.map((j) => j.id)}::uuid[], ${jobs.map((j) => j.attempts)}::int[]))`.execute(
    platform.store.db,
  )
}
