import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { pageOf, pageQuery, problemReplies } from '../../http/schemas.js'
import { read } from '../../http/unit-of-work.js'
import { type AuditEvent, auditTrail } from './service.js'

const auditEventOut = z.object({
  seq: z.string(),
  id: z.string(),
  occurred_at: z.string(),
  actor: z.object({ type: z.string(), id: z.string().nullable(), name: z.string() }),
  entity_type: z.string(),
  entity_id: z.string(),
  action: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  request_id: z.string().nullable(),
})

function present(event: AuditEvent): z.infer<typeof auditEventOut> {
  return {
    seq: event.seq.toString(),
    id: event.id,
    occurred_at: event.occurredAt.toISOString(),
    actor: { type: event.actorType, id: event.actorId, name: event.actorName },
    entity_type: event.entityType,
    entity_id: event.entityId,
    action: event.action,
    before: event.before,
    after: event.after,
    request_id: event.requestId,
  }
}

export async function auditRoutes(app: FastifyInstance): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/audit',
    {
      config: { permission: 'audit.read' },
      schema: {
        summary: "An entity's history, oldest first",
        tags: ['audit'],
        querystring: z.object({
          entity: z.string().optional().describe('id of the entity (customer, order, …)'),
          entity_type: z.string().optional(),
          action: z.string().optional(),
          ...pageQuery,
        }),
        response: { 200: pageOf(auditEventOut), ...problemReplies },
      },
    },
    async (request) => {
      const q = request.query
      const page = await read(request, (ctx) =>
        auditTrail(ctx, {
          entityId: q.entity,
          entityType: q.entity_type,
          action: q.action,
          cursor: q.cursor,
          limit: q.limit,
        }),
      )
      return { data: page.data.map(present), next_cursor: page.nextCursor }
    },
  )
}
