import type { ColumnType, Generated } from 'kysely'

export type JobStatus = 'queued' | 'running' | 'done' | 'dead' | 'cancelled'
export type DeliveryStatus = 'pending' | 'delivered' | 'failed'

export type OutboxTables = {
  /** Scheduled work (0009): a job of job_kind on a cadence in the tenant's time zone. */
  schedule: {
    tenantId: string
    id: string
    name: string
    description: Generated<string>
    jobKind: string
    payload: ColumnType<unknown, string, string>
    cadence: 'daily' | 'weekly' | 'monthly'
    dayOfWeek: number | null
    dayOfMonth: number | null
    businessDay: Generated<boolean>
    /** 'HH:MM:SS' */
    timeOfDay: string
    active: Generated<boolean>
    nextRunAt: Date
    lastRunAt: Date | null
    lastJobId: string | null
    createdAt: Date
    updatedAt: Date
    version: Generated<number>
  }
  outboxEvent: {
    tenantId: string
    id: string
    type: string
    entityType: string
    entityId: string
    payload: unknown
    occurredAt: Date
  }
  job: {
    tenantId: string
    id: string
    kind: string
    payload: unknown
    eventId: string | null
    status: Generated<JobStatus>
    runAt: Date
    attempts: Generated<number>
    attemptsMax: Generated<number>
    lockedUntil: Date | null
    lastError: string | null
    createdAt: Generated<Date>
    finishedAt: Date | null
  }
  webhookEndpoint: {
    tenantId: string
    id: string
    url: string
    description: Generated<string>
    eventTypes: string[]
    secret: string
    /** Still signed with, beside the new secret, until it expires (0004). */
    previousSecret: string | null
    previousSecretExpiresAt: Date | null
    active: Generated<boolean>
    createdAt: Generated<Date>
    version: Generated<number>
  }
  webhookDelivery: {
    tenantId: string
    id: string
    webhookId: string
    eventId: string
    jobId: string
    status: Generated<DeliveryStatus>
    attempts: Generated<number>
    createdAt: Generated<Date>
    deliveredAt: Date | null
  }
  webhookAttempt: {
    tenantId: string
    id: string
    deliveryId: string
    attemptedAt: Date
    statusCode: number | null
    error: string | null
    durationMs: number
  }
}
