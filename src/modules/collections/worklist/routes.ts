import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { invalid } from '../../../core/errors.js'
import { formatAmount, parseAmount } from '../../../core/money.js'
import { pageSizeDefault, pageSizeMax } from '../../../core/pagination.js'
import { calendarDate, decimalString, idParam, problemReplies } from '../../../http/schemas.js'
import { read, write } from '../../../http/unit-of-work.js'

// credit/ does not export its risk classes; they are A to E (0003).
const riskClasses = ['A', 'B', 'C', 'D', 'E'] as const

import { type Activity, callOutcomes, completeTask, recordActivity } from './activities.js'
import { customerTimeline, type TimelineEntry } from './timeline.js'
import { collectorWorklist, type WorklistRow, type WorklistSuggestion } from './worklist.js'

// The collector's side over HTTP: the worklist (collections.read), a customer's timeline
// (collections.read), calls and notes (collections.write), finishing tasks.

const worklistRowOut = z.object({
  rank: z.number(),
  customer: z.object({ id: z.uuid(), number: z.string(), name: z.string() }),
  currency: z.string(),
  overdue: z.string().describe('open on invoices past their due date'),
  overdue_items: z.number(),
  oldest_due_on: z.string(),
  days_overdue: z.number().describe('of the oldest overdue item'),
  disputed: z.string().describe('held by open disputes'),
  open_disputes: z.number(),
  promised: z.string().describe('held by active promises to pay'),
  promise_active_until: z.string().nullable(),
  plan_active: z.boolean(),
  plan_next_due_on: z.string().nullable(),
  actionable: z.string().describe('overdue less what disputes, promises and plans hold'),
  risk_class: z.string().nullable(),
  broken_promises: z.number(),
  last_broken_promise_on: z.string().nullable(),
  pay_intent: z.enum(['cant_pay', 'wont_pay']).nullable(),
  do_not_dun: z.boolean(),
  chance_of_paying: z
    .number()
    .describe('predicted chance of paying without contact, 0 to 1 (README: how)'),
  score: z.number().describe('what is at stake; higher first (README: how)'),
  action: z.enum(['call', 'remind', 'wait', 'resolve_dispute', 'propose_plan', 'escalate']),
  reason: z.string(),
})

export function worklistRowToApi(r: WorklistRow & WorklistSuggestion) {
  const m = (minor: bigint) => formatAmount(minor, r.currency)
  return {
    rank: r.rank,
    customer: { id: r.customerId, number: r.customerNumber, name: r.customerName },
    currency: r.currency,
    overdue: m(r.overdueMinor),
    overdue_items: r.overdueItems,
    oldest_due_on: r.oldestDueOn,
    days_overdue: r.daysOverdue,
    disputed: m(r.disputedMinor),
    open_disputes: r.openDisputes,
    promised: m(r.promisedMinor),
    promise_active_until: r.promiseActiveUntil,
    plan_active: r.planActive,
    plan_next_due_on: r.planNextDueOn,
    actionable: m(r.actionableMinor),
    risk_class: r.riskClass,
    broken_promises: r.brokenPromises,
    last_broken_promise_on: r.lastBrokenPromiseOn,
    pay_intent: r.payIntent,
    do_not_dun: r.doNotDun,
    chance_of_paying: r.chanceOfPaying,
    score: r.score,
    action: r.action,
    reason: r.reason,
  }
}

const timelineTypes = [
  'invoice',
  'dunning',
  'activity',
  'promise',
  'plan',
  'dispute',
  'dispute_closed',
  'payment',
  'settlement',
  'charge',
] as const

const timelineOut = z.object({
  id: z.uuid(),
  type: z.enum(timelineTypes),
  occurred_at: z.string(),
  what: z.string(),
  summary: z.string(),
  invoice_id: z.uuid().nullable(),
  invoice_number: z.string().nullable(),
  currency: z.string().nullable(),
  amount: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
})

export function timelineEntryToApi(e: TimelineEntry): z.infer<typeof timelineOut> {
  return {
    id: e.id,
    type: e.type,
    occurred_at: e.occurredAt.toISOString(),
    what: e.what,
    summary: e.summary,
    invoice_id: e.invoiceId,
    invoice_number: e.invoiceNumber,
    currency: e.currency,
    amount: e.amountMinor !== null && e.currency ? formatAmount(e.amountMinor, e.currency) : null,
    detail: e.detail,
  }
}

const activityOut = z.object({
  id: z.uuid(),
  customer_id: z.uuid(),
  kind: z.enum(['call', 'note', 'task', 'confirmation']),
  outcome: z.string().nullable(),
  note: z.string().nullable(),
  task_status: z.enum(['open', 'done', 'cancelled']).nullable(),
  due_on: z.string().nullable(),
  assigned_to: z.string().nullable(),
  invoice_id: z.uuid().nullable(),
  occurred_at: z.string(),
  recorded_by: z.string(),
})

export function activityToApi(a: Activity): z.infer<typeof activityOut> {
  return {
    id: a.id,
    customer_id: a.customerId,
    kind: a.kind,
    outcome: a.outcome,
    note: a.note,
    task_status: a.taskStatus,
    due_on: a.dueOn,
    assigned_to: a.assignedTo,
    invoice_id: a.invoiceId,
    occurred_at: a.occurredAt.toISOString(),
    recorded_by: a.recordedBy,
  }
}

export async function worklistRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.get(
    '/collections/worklist',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: 'The collector worklist: customers with overdue items, most at stake first',
        description:
          'Each customer (per currency) with overdue items, their amounts and holds (disputes, ' +
          'promises, plans), risk class, broken promises, the predicted chance of paying ' +
          'without contact, the score it is ranked by, and the next suggested action with its ' +
          'reason. One set-based query; src/modules/collections/README.md explains the score.',
        tags: ['collections'],
        querystring: z.object({
          as_of: calendarDate.optional().describe('the day to rank for (default: today)'),
          risk_class: z.enum(riskClasses).optional(),
          min_overdue: decimalString.optional().describe('in EUR-like minor units of 2 decimals'),
          customer_id: z.uuid().optional(),
          cursor: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(pageSizeMax).default(pageSizeDefault),
        }),
        response: {
          200: z.object({
            as_of: z.string(),
            data: z.array(worklistRowOut),
            next_cursor: z.string().nullable(),
          }),
          ...problemReplies,
        },
      },
    },
    async (request) => {
      const q = request.query
      const minOverdueMinor =
        q.min_overdue === undefined ? undefined : parseAmount(q.min_overdue, 'EUR')
      if (q.min_overdue !== undefined && minOverdueMinor === undefined) {
        throw invalid([{ field: 'min_overdue', message: 'at most 2 decimals' }])
      }
      const page = await read(request, (ctx) =>
        collectorWorklist(ctx, {
          asOf: q.as_of,
          riskClass: q.risk_class,
          minOverdueMinor,
          customerId: q.customer_id,
          cursor: q.cursor,
          limit: q.limit,
        }),
      )
      return {
        as_of: page.asOf,
        data: page.data.map(worklistRowToApi),
        next_cursor: page.nextCursor,
      }
    },
  )

  r.get(
    '/customers/:id/timeline',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: "A customer's timeline: every touch point, newest first",
        description:
          'Invoices issued, sent, delivered, opened, disputed; dunning messages; calls, notes, ' +
          'tasks and confirmations; promises; plans; disputes opened and closed; payments; ' +
          'credit notes and write-offs; collection charges.',
        tags: ['collections'],
        params: idParam,
        querystring: z.object({
          type: z
            .string()
            .optional()
            .describe(`only these, comma-separated: ${timelineTypes.join(', ')}`)
            .transform((text, context) => {
              if (!text) return undefined
              const types = text.split(',').map((s) => s.trim())
              for (const t of types) {
                if (!(timelineTypes as readonly string[]).includes(t)) {
                  context.addIssue({
                    code: 'custom',
                    message: `'${t}' is not one of ${timelineTypes}`,
                  })
                  return z.NEVER
                }
              }
              return types as (typeof timelineTypes)[number][]
            }),
          cursor: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(pageSizeMax).default(pageSizeDefault),
        }),
        response: {
          200: z.object({ data: z.array(timelineOut), next_cursor: z.string().nullable() }),
          ...problemReplies,
        },
      },
    },
    async (request) => {
      const page = await read(request, (ctx) =>
        customerTimeline(ctx, request.params.id, {
          cursor: request.query.cursor,
          limit: request.query.limit,
          types: request.query.type,
        }),
      )
      return { data: page.data.map(timelineEntryToApi), next_cursor: page.nextCursor }
    },
  )

  r.post(
    '/customers/:id/activities',
    {
      config: { permission: 'collections.write' },
      schema: {
        summary: "Record a call (with its outcome) or a note on the customer's timeline",
        tags: ['collections'],
        params: idParam,
        body: z.object({
          kind: z.enum(['call', 'note']),
          outcome: z.enum(callOutcomes).optional(),
          note: z.string().max(5_000).optional(),
          invoice_id: z.uuid().optional().describe('the invoice the call was about'),
        }),
        response: { 201: activityOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 201, async (ctx) =>
        activityToApi(
          await recordActivity(ctx, request.params.id, {
            kind: request.body.kind,
            outcome: request.body.outcome,
            note: request.body.note,
            invoiceId: request.body.invoice_id,
          }),
        ),
      ),
  )

  r.post(
    '/collection-tasks/:id/done',
    {
      config: { permission: 'collections.write' },
      schema: {
        summary: 'Mark a collector task done (a phone step of a dunning policy makes one)',
        tags: ['collections'],
        params: idParam,
        body: z
          .object({
            note: z.string().max(5_000).optional(),
            outcome: z.enum(callOutcomes).optional(),
          })
          .default({}),
        response: { 200: activityOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        activityToApi(await completeTask(ctx, request.params.id, request.body)),
      ),
  )
}
