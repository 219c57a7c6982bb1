import { DomainError } from '../../../core/errors.js'
import { inTenant, type TenantScope } from '../../../db/context.js'
import type { JobHandler, Platform } from '../../../platform.js'
import { defaultSchedule, findEvent, inJobTenant, isFinalAttempt } from '../../outbox/index.js'
import { sendCustomerNoticeJob, sendDunningMessageJob } from '../contracts.js'
import { runDunning } from './run.js'
import {
  type DunningChannels,
  type NoticePayload,
  sendCustomerNotice,
  sendDunningMessage,
} from './send.js'

// Dunning's work for the worker: the daily run (a default schedule every tenant gets, at
// 07:00 in its zone, so messages go out in the morning), sending one message, sending one
// notice. A send that may work later (no SMTP answer, provider down) throws, and the worker
// tries again with its back-off; on the last attempt it is recorded as failed, with a task
// for a collector.

export const dunningRunJob = 'collections.dunning_run'

defaultSchedule({
  name: 'collections.dunning',
  description: 'The daily dunning run: due reminders, letters and actions of every policy',
  jobKind: dunningRunJob,
  payload: {},
  cadence: 'daily',
  dayOfWeek: null,
  dayOfMonth: null,
  businessDay: false,
  timeOfDay: '07:00',
})

export const dunningJobs: Record<string, JobHandler> = {
  [dunningRunJob]: async (platform, job) => {
    const tenant = await inJobTenant(platform, job, async (ctx) => ({
      tenantId: ctx.tenantId,
      timeZone: ctx.timeZone,
      actor: { type: 'system' as const, id: null, name: `worker ${job.kind}` },
    }))
    const runDate =
      typeof job.payload.scheduledDate === 'string'
        ? job.payload.scheduledDate
        : new Intl.DateTimeFormat('en-CA', { timeZone: tenant.timeZone }).format(
            platform.clock.now(),
          )
    await runDunning(platform, { tenant, runDate, trigger: 'schedule' })
  },
  [sendDunningMessageJob]: async (platform, job) => {
    const result = await inJobTenant(platform, job, (ctx) =>
      sendDunningMessage(ctx, String(job.payload.messageId), {
        finalAttempt: isFinalAttempt(job),
      }),
    )
    if (result.kind === 'retry') throw new Error(result.reason)
  },
  [sendCustomerNoticeJob]: async (platform, job) => {
    const result = await inJobTenant(platform, job, async (ctx) => {
      const event = await findEvent(ctx, String(job.payload.eventId))
      return sendCustomerNotice(ctx, event.payload as NoticePayload, {
        finalAttempt: isFinalAttempt(job),
      })
    })
    if (result.kind === 'retry') throw new Error(result.reason)
  },
}

/** How far sendDueMessages got. */
export type SendSummary = {
  sent: number
  tasks: number
  failed: number
  waiting: number
  /** Why messages wait that only a person can mend (no billing settings, say), once each. */
  problems: string[]
}

// Messages read per round; each is sent in its own transaction.
const messagesPerRoundMax = 100

/**
 * Sends a run's queued messages that are due now, in this process, one transaction each —
 * what the worker's jobs would do (the jobs find them sent and do nothing). Messages that
 * must wait (quiet hours, a provider that is down) stay queued for their job.
 */
export async function sendDueMessages(
  platform: Platform,
  tenant: TenantScope,
  runId: string,
  options: { channels?: DunningChannels; onRound?: (summary: SendSummary) => void } = {},
): Promise<SendSummary> {
  const summary: SendSummary = { sent: 0, tasks: 0, failed: 0, waiting: 0, problems: [] }
  let after = '00000000-0000-0000-0000-000000000000'
  for (;;) {
    const ids = await inTenant(
      platform.store,
      tenant,
      (ctx) =>
        ctx.db
          .selectFrom('dunningMessage')
          .select('id')
          .where('tenantId', '=', ctx.tenantId)
          .where('runId', '=', runId)
          .where('status', '=', 'queued')
          .where('sendAfter', '<=', ctx.now)
          .where('id', '>', after)
          .orderBy('id')
          .limit(messagesPerRoundMax)
          .execute(),
      platform.clock,
    )
    if (ids.length === 0) return summary
    for (const { id } of ids) {
      // A refusal (a message that cannot be rendered: no billing settings, a template the
      // tenant broke) leaves this message queued for its job and the others still go out.
      const result = await inTenant(
        platform.store,
        tenant,
        (ctx) => sendDunningMessage(ctx, id, { channels: options.channels }),
        platform.clock,
      ).catch((error: unknown) => {
        if (!(error instanceof DomainError)) throw error
        if (!summary.problems.includes(error.message)) summary.problems.push(error.message)
        return { kind: 'retry' as const }
      })
      if (result.kind === 'sent') summary.sent++
      else if (result.kind === 'task_created') summary.tasks++
      else if (result.kind === 'failed') summary.failed++
      else if (result.kind === 'retry') summary.waiting++
    }
    after = ids[ids.length - 1].id
    options.onRound?.(summary)
  }
}
