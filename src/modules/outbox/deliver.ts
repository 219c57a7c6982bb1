import { performance } from 'node:perf_hooks'
import { newId } from '../../core/ids.js'
import type { Ctx } from '../../db/context.js'
import type { JobToRun, Platform } from '../../platform.js'
import { eventBody, type OutboxEvent } from './events.js'
import { signatureHeader } from './signature.js'
import type { DeliveryStatus } from './tables.js'
import { inJobTenant, isFinalAttempt } from './worker.js'

// The 'webhook.deliver' job: POST one event to one endpoint, signed. It reads what to send in
// one short transaction, sends with no transaction open (on PGlite a transaction holds the one
// connection the API needs too), and records the attempt in a second short transaction. A
// non-2xx answer or a network error throws, so the worker retries on its schedule; the last
// failed attempt marks the delivery failed.

// A receiver that has not answered in 10 s is treated as down. The bound keeps one slow
// endpoint from holding a worker; receivers should answer first and do their work after.
export const deliveryTimeoutMs = 10_000
// An error kept for the person debugging their endpoint: enough to see the cause.
const errorLengthMax = 500

export async function deliverWebhook(platform: Platform, job: JobToRun): Promise<void> {
  const deliveryId = String(job.payload.deliveryId)
  const target = await inJobTenant(platform, job, (ctx) => deliveryTarget(ctx, deliveryId))
  // Superseded by a redelivery, or settled by an earlier run of this job whose 'done' was lost.
  if (!target || target.jobId !== job.id || target.status !== 'pending') return
  const final = isFinalAttempt(job)
  if (!target.active) {
    const outcome = { statusCode: null, error: 'endpoint is not active; not sent', durationMs: 0 }
    await inJobTenant(platform, job, (ctx) =>
      recordAttempt(ctx, {
        deliveryId,
        jobId: job.id,
        attemptedAt: ctx.now,
        outcome,
        settle: 'failed',
      }),
    )
    return
  }

  const sentAt = platform.clock.now()
  const timestamp = Math.floor(sentAt.getTime() / 1000)
  const body = JSON.stringify(eventBody(target.event))
  const secrets = [target.secret]
  if (target.previousSecret && target.previousSecretExpiresAt! > sentAt) {
    secrets.push(target.previousSecret)
  }
  const outcome = await post(target.url, body, {
    'content-type': 'application/json',
    'user-agent': 'o2c-webhooks/1',
    'o2c-event-id': target.event.id,
    'o2c-event-type': target.event.type,
    'o2c-timestamp': String(timestamp),
    'o2c-signature': signatureHeader(secrets, timestamp, body),
  })
  const delivered = outcome.error === null
  const settle = delivered ? 'delivered' : final ? 'failed' : 'pending'
  await inJobTenant(platform, job, (ctx) =>
    recordAttempt(ctx, { deliveryId, jobId: job.id, attemptedAt: sentAt, outcome, settle }),
  )
  if (!delivered) throw new Error(`POST ${target.url}: ${outcome.error}`)
}

type DeliveryTarget = {
  jobId: string
  status: DeliveryStatus
  url: string
  active: boolean
  secret: string
  previousSecret: string | null
  previousSecretExpiresAt: Date | null
  event: OutboxEvent
}

async function deliveryTarget(ctx: Ctx, deliveryId: string): Promise<DeliveryTarget | undefined> {
  const row = await ctx.db
    .selectFrom('webhookDelivery as d')
    .innerJoin('webhookEndpoint as w', (join) =>
      join.onRef('w.tenantId', '=', 'd.tenantId').onRef('w.id', '=', 'd.webhookId'),
    )
    .innerJoin('outboxEvent as e', (join) =>
      join.onRef('e.tenantId', '=', 'd.tenantId').onRef('e.id', '=', 'd.eventId'),
    )
    .select([
      'd.jobId',
      'd.status',
      'w.url',
      'w.active',
      'w.secret',
      'w.previousSecret',
      'w.previousSecretExpiresAt',
      'e.id as eventId',
      'e.type',
      'e.entityType',
      'e.entityId',
      'e.payload',
      'e.occurredAt',
    ])
    .where('d.id', '=', deliveryId)
    .executeTakeFirst()
  if (!row) return undefined
  const { eventId, type, entityType, entityId, payload, occurredAt, ...delivery } = row
  return { ...delivery, event: { id: eventId, type, entityType, entityId, payload, occurredAt } }
}

type Outcome = { statusCode: number | null; error: string | null; durationMs: number }

async function post(url: string, body: string, headers: Record<string, string>): Promise<Outcome> {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers,
      // A redirect is an answer, not a delivery: the endpoint's URL should be the final one.
      redirect: 'manual',
      signal: AbortSignal.timeout(deliveryTimeoutMs),
    })
    // We keep the status, not the body; dropping it frees the connection.
    await response.body?.cancel()
    const ok = response.status >= 200 && response.status < 300
    return {
      statusCode: response.status,
      error: ok ? null : `answered ${response.status}`,
      durationMs: elapsed(),
    }
  } catch (error) {
    return { statusCode: null, error: fetchFailure(error), durationMs: elapsed() }
  }
}

function fetchFailure(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return `no answer within ${deliveryTimeoutMs / 1000} s`
  }
  // undici reports "fetch failed" and keeps the reason (ECONNREFUSED, a TLS error) in cause.
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string }) : null
  const text = cause?.message
    ? `${cause.code ? `${cause.code}: ` : ''}${cause.message}`
    : String(error instanceof Error ? error.message : error)
  return text.slice(0, errorLengthMax)
}

async function recordAttempt(
  ctx: Ctx,
  attempt: {
    deliveryId: string
    jobId: string
    attemptedAt: Date
    outcome: Outcome
    settle: DeliveryStatus
  },
): Promise<void> {
  const { outcome } = attempt
  await ctx.db
    .insertInto('webhookAttempt')
    .values({
      tenantId: ctx.tenantId,
      id: newId(),
      deliveryId: attempt.deliveryId,
      attemptedAt: attempt.attemptedAt,
      statusCode: outcome.statusCode,
      error: outcome.error,
      durationMs: outcome.durationMs,
    })
    .execute()
  // Only the delivery's current job settles it: a job a redelivery replaced records its
  // attempt but leaves the status to the new one.
  await ctx.db
    .updateTable('webhookDelivery')
    .set((eb) => ({
      status: attempt.settle,
      attempts: eb('attempts', '+', 1),
      ...(attempt.settle === 'delivered' && { deliveredAt: attempt.attemptedAt }),
    }))
    .where('id', '=', attempt.deliveryId)
    .where('jobId', '=', attempt.jobId)
    .execute()
}
