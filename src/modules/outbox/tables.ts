import type { Generated } from 'kysely'

export type OutboxTables = {
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
    status: Generated<'queued' | 'running' | 'done' | 'dead'>
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
    status: Generated<'pending' | 'delivered' | 'failed'>
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
