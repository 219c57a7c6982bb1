import { sql } from 'kysely'
import type { JobHandler, JobToRun, Platform } from '../../platform.js'

// The worker takes due jobs with FOR UPDATE SKIP LOCKED, so any number of worker processes
// on PostgreSQL share the work without taking a job twice; on PGlite the one in-process
// worker shares the store's single connection with the API. A job that fails is retried on
// a widening schedule, and marked dead after its last attempt. A job whose worker died
// (lease expired while 'running') is taken again.

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

// How long a claimed job is ours before another worker may assume we died.
const leaseSeconds = 300
// Jobs claimed in one go: enough to keep a worker busy, few enough that a crash strands few.
const claimBatchMax = 20

export type Worker = {
  /** Runs every due job once and returns how many ran (tests and the CLI use this). */
  drain(): Promise<number>
  /** Stops taking jobs and waits for the ones running to finish. */
  stop(): Promise<void>
}

export function startWorker(
  platform: Platform,
  handlers: Record<string, JobHandler>,
  options: { pollMs?: number; background?: boolean } = {},
): Worker {
  const pollMs = options.pollMs ?? 500
  let stopping = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<number> | undefined

  async function runDue(): Promise<number> {
    let total = 0
    for (;;) {
      if (stopping) return total
      const jobs = await claimDueJobs(platform, Object.keys(handlers))
      if (jobs.length === 0) return total
      for (const job of jobs) await runOne(platform, handlers, job)
      total += jobs.length
    }
  }

  async function tick() {
    if (stopping) return
    running = runDue().catch((error) => {
      platform.log.error({ err: error }, 'worker: claiming jobs failed')
      return 0
    })
    await running
    running = undefined
    if (!stopping) timer = setTimeout(tick, pollMs)
  }

  if (options.background !== false) timer = setTimeout(tick, 0)

  return {
    async drain() {
      if (running) await running
      return runDue()
    },
    async stop() {
      stopping = true
      if (timer) clearTimeout(timer)
      if (running) await running
    },
  }
}

async function claimDueJobs(platform: Platform, kinds: string[]): Promise<JobToRun[]> {
  const now = platform.clock.now()
  const leaseUntil = new Date(now.getTime() + leaseSeconds * 1000)
  // Across tenants, so outside any tenant context: the store's owner role sees every row.
  const result = await sql<JobToRun & { payload: Record<string, unknown> }>`
    update job set status = 'running', attempts = attempts + 1, locked_until = ${leaseUntil}
    where (tenant_id, id) in (
      select tenant_id, id from job
      where kind = any(${kinds}::text[])
        and ((status = 'queued' and run_at <= ${now}) or (status = 'running' and locked_until < ${now}))
      order by run_at
      limit ${claimBatchMax}
      for update skip locked)
    returning id, tenant_id, kind, payload, attempts`.execute(platform.store.db)
  return result.rows
}

async function runOne(platform: Platform, handlers: Record<string, JobHandler>, job: JobToRun) {
  const handler = handlers[job.kind]
  try {
    await handler(platform, job)
    await sql`update job set status = 'done', finished_at = ${platform.clock.now()}, last_error = null
      where tenant_id = ${job.tenantId} and id = ${job.id}`.execute(platform.store.db)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const delay = retryDelaysSeconds[job.attempts - 1]
    const now = platform.clock.now()
    platform.log.warn(
      { jobId: job.id, kind: job.kind, attempt: job.attempts, err: message },
      'job failed',
    )
    if (delay === undefined) {
      await sql`update job set status = 'dead', finished_at = ${now}, last_error = ${message}
        where tenant_id = ${job.tenantId} and id = ${job.id}`.execute(platform.store.db)
    } else {
      const runAt = new Date(now.getTime() + delay * 1000)
      await sql`update job set status = 'queued', run_at = ${runAt}, locked_until = null,
        last_error = ${message}
        where tenant_id = ${job.tenantId} and id = ${job.id}`.execute(platform.store.db)
    }
  }
}
