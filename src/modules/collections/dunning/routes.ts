import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { calendarDateAt } from '../../../core/dates.js'
import type { TenantScope } from '../../../db/context.js'
import { idParam, pageQuery, problemReplies } from '../../../http/schemas.js'
import { expectedVersion, principalOf, read, withEtag, write } from '../../../http/unit-of-work.js'
import { createPolicy, getPolicy, listPolicies, updatePolicy } from './policies.js'
import { checkRunDate, getDunningRun, listDunningRuns, runDunning } from './run.js'

// Dunning over HTTP: /v1/dunning-policies (the steps given whole with their policy) and
// /v1/dunning-runs (start one, dry or real; read them). A run does its own transactions (one
// per batch), so its route does not wrap it in one.

const stepOut = z.object({
  position: z.number().int(),
  anchor: z.enum(['due_date', 'previous_step']),
  days: z.number().int(),
  channel: z.string(),
  template_key: z.string(),
  action: z.string(),
})

const policyOut = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  priority: z.number().int(),
  active: z.boolean(),
  interest_kind: z.string(),
  rule: z.record(z.string(), z.unknown()),
  steps: z.array(stepOut),
  created_at: z.string(),
  updated_at: z.string(),
  version: z.number().int(),
})

const policyBody = z
  .record(z.string(), z.unknown())
  .describe(
    'A policy: `name`, `description`, `priority` (lower first), `active`, `interest_kind` ' +
      '(none, statutory, commercial, commercial_public_debtor), `rule` ({"segments": [...], ' +
      '"risk_classes": [...], "min_open_minor": "5000", "max_open_minor": "…", ' +
      '"attributes": {"age_band": ["student"]}, "flags": ["key_account"]}; an absent key ' +
      'matches everything) and `steps` in order, each {anchor: due_date|previous_step, days, ' +
      'channel: email|sms|whatsapp|letter|phone, template_key, action}.',
  )

const runOut = z.object({
  id: z.uuid(),
  run_date: z.string(),
  dry_run: z.boolean(),
  status: z.enum(['running', 'completed', 'failed']),
  report: z.record(z.string(), z.unknown()),
  started_at: z.string(),
  completed_at: z.string().nullable(),
  started_by: z.string(),
})

function scopeOf(request: FastifyRequest): TenantScope {
  const principal = principalOf(request)
  return {
    tenantId: principal.tenantId,
    timeZone: principal.timeZone,
    actor: { type: 'user', id: principal.userId, name: principal.email },
    requestId: request.id,
  }
}

export async function dunningRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.get(
    '/dunning-policies',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: "The tenant's dunning policies, by priority (defaults seeded on first use)",
        tags: ['collections'],
        response: { 200: z.object({ data: z.array(policyOut) }), ...problemReplies },
      },
    },
    async (request) => ({ data: await read(request, (ctx) => listPolicies(ctx)) }),
  )

  r.get(
    '/dunning-policies/:id',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: 'One dunning policy with its steps',
        tags: ['collections'],
        params: idParam,
        response: { 200: policyOut, ...problemReplies },
      },
    },
    async (request, reply) =>
      withEtag(reply, await read(request, (ctx) => getPolicy(ctx, request.params.id))),
  )

  r.post(
    '/dunning-policies',
    {
      config: { permission: 'collections.write' },
      schema: {
        summary: 'Make a dunning policy',
        description:
          'Refused whole (collections.policy_invalid, each problem by its path) when a step ' +
          'is out of order, a pre-due nudge is not the first step, or a policy for consumers ' +
          'charges costs without a 14-day letter step before.',
        tags: ['collections'],
        body: policyBody,
        response: { 201: policyOut, ...problemReplies },
      },
    },
    (request, reply) => write(request, reply, 201, (ctx) => createPolicy(ctx, request.body)),
  )

  r.put(
    '/dunning-policies/:id',
    {
      config: { permission: 'collections.write' },
      schema: {
        summary: 'Replace a dunning policy and its steps (If-Match: its ETag)',
        tags: ['collections'],
        params: idParam,
        body: policyBody,
        response: { 200: policyOut, ...problemReplies },
      },
    },
    (request, reply) => {
      const version = expectedVersion(request)
      return write(request, reply, 200, (ctx) =>
        updatePolicy(ctx, request.params.id, version, request.body),
      )
    },
  )

  r.post(
    '/dunning-runs',
    {
      config: { permission: 'collections.write' },
      schema: {
        summary: 'Run dunning for a day (today in the tenant’s zone when no run_date)',
        description:
          'A real run is one per day: asking again returns the run of that day (and resumes ' +
          'one a crash left running) and sends nothing twice. A dry run writes only its report ' +
          'of what would be sent. The messages are sent by the worker.',
        tags: ['collections'],
        body: z
          .object({ run_date: z.string().optional(), dry_run: z.boolean().optional() })
          .strict(),
        response: { 201: runOut, ...problemReplies },
      },
    },
    async (request, reply) => {
      const platform = request.server.platform
      const tenant = scopeOf(request)
      const runDate = checkRunDate(
        request.body.run_date ?? calendarDateAt(platform.clock.now(), tenant.timeZone),
      )
      const run = await runDunning(platform, {
        tenant,
        runDate,
        dryRun: request.body.dry_run ?? false,
        trigger: 'api',
      })
      return reply.status(201).send(run as never)
    },
  )

  r.get(
    '/dunning-runs',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: 'Dunning runs, newest first',
        tags: ['collections'],
        querystring: z.object(pageQuery),
        response: {
          200: z.object({ data: z.array(runOut), next_cursor: z.string().nullable() }),
          ...problemReplies,
        },
      },
    },
    (request) =>
      read(request, (ctx) =>
        listDunningRuns(ctx, { cursor: request.query.cursor, limit: request.query.limit }),
      ),
  )

  r.get(
    '/dunning-runs/:id',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: 'One dunning run and its report',
        tags: ['collections'],
        params: idParam,
        response: { 200: runOut, ...problemReplies },
      },
    },
    (request) => read(request, (ctx) => getDunningRun(ctx, request.params.id)),
  )
}
