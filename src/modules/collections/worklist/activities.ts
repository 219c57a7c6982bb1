import { domainError, type FieldIssue, invalid, notFound } from '../../../core/errors.js'
import { isUuid, newId } from '../../../core/ids.js'
import type { Ctx } from '../../../db/context.js'
import { recordAudit } from '../../audit/index.js'
import { emitEvent } from '../../outbox/index.js'
import './errors.js'

// What a collector records on a customer's timeline: a call and its outcome, a note, and
// finishing a task (a phone step of a dunning policy makes one). Each is a collection_activity
// row, audited, and announced (collections.activity_recorded) for a CRM that mirrors calls.

export const callOutcomes = [
  'reached',
  'no_answer',
  'voicemail',
  'wrong_number',
  'promised',
  'disputed',
  'refused',
  'cant_pay',
  'wont_pay',
] as const
export type CallOutcome = (typeof callOutcomes)[number]

const noteLengthMax = 5_000

export type ActivityInput = {
  kind: 'call' | 'note'
  /** A call's outcome (required for a call; a note has none). */
  outcome?: CallOutcome
  note?: string
  invoiceId?: string
}

export type Activity = {
  id: string
  customerId: string
  kind: 'call' | 'note' | 'task' | 'confirmation'
  outcome: string | null
  note: string | null
  taskStatus: 'open' | 'done' | 'cancelled' | null
  dueOn: string | null
  assignedTo: string | null
  invoiceId: string | null
  occurredAt: Date
  recordedBy: string
}

/** Records a call (with its outcome) or a note on the customer's timeline. */
export async function recordActivity(
  ctx: Ctx,
  customerId: string,
  input: ActivityInput,
): Promise<Activity> {
  // The customer first: another tenant's id is not found, whatever the body says.
  if (!isUuid(customerId)) throw notFound('customer', customerId)
  const customer = await ctx.db
    .selectFrom('customer')
    .select('id')
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', customerId)
    .executeTakeFirst()
  if (!customer) throw notFound('customer', customerId)
  const issues: FieldIssue[] = []
  const note = input.note?.trim() || null
  if (input.kind === 'call' && !input.outcome) {
    issues.push({ field: 'outcome', message: `a call has an outcome: ${callOutcomes.join(', ')}` })
  }
  if (input.kind === 'note' && input.outcome) {
    issues.push({ field: 'outcome', message: 'a note has no outcome; record a call' })
  }
  if (input.kind === 'note' && !note) issues.push({ field: 'note', message: 'write the note' })
  if (note && note.length > noteLengthMax) {
    issues.push({ field: 'note', message: `at most ${noteLengthMax} characters` })
  }
  if (issues.length > 0) throw invalid(issues)
  if (input.invoiceId) {
    const invoice = isUuid(input.invoiceId)
      ? await ctx.db
          .selectFrom('invoice')
          .select('customerId')
          .where('tenantId', '=', ctx.tenantId)
          .where('id', '=', input.invoiceId)
          .where('status', '=', 'issued')
          .executeTakeFirst()
      : undefined
    if (invoice?.customerId !== customerId) {
      throw domainError(
        'collections.activity_invoice_unknown',
        `invoice_id: ${input.invoiceId} is not an issued invoice of this customer`,
        { field: 'invoice_id' },
      )
    }
  }
  const activity: Activity = {
    id: newId(),
    customerId,
    kind: input.kind,
    outcome: input.outcome ?? null,
    note,
    taskStatus: null,
    dueOn: null,
    assignedTo: null,
    invoiceId: input.invoiceId ?? null,
    occurredAt: ctx.now,
    recordedBy: ctx.actor.name,
  }
  await ctx.db
    .insertInto('collectionActivity')
    .values({ tenantId: ctx.tenantId, messageId: null, ...activity })
    .execute()
  await recordAudit(ctx, {
    entityType: 'customer',
    entityId: customerId,
    action: `collection_${input.kind}_recorded`,
    after: {
      activity_id: activity.id,
      outcome: activity.outcome,
      note,
      invoice_id: activity.invoiceId,
    },
  })
  await emitEvent(ctx, {
    type: 'collections.activity_recorded',
    entityType: 'customer',
    entityId: customerId,
    payload: {
      activity_id: activity.id,
      customer_id: customerId,
      kind: input.kind,
      outcome: activity.outcome,
      invoice_id: activity.invoiceId,
    },
  })
  return activity
}

/** Marks an open collector task done, with what was done as its note. */
export async function completeTask(
  ctx: Ctx,
  taskId: string,
  input: { note?: string; outcome?: CallOutcome } = {},
): Promise<Activity> {
  const note = input.note?.trim() || null
  if (note && note.length > noteLengthMax) {
    throw invalid([{ field: 'note', message: `at most ${noteLengthMax} characters` }])
  }
  if (!isUuid(taskId)) throw notFound('collection_task', taskId)
  const task = await ctx.db
    .selectFrom('collectionActivity')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', taskId)
    .where('kind', '=', 'task')
    .forUpdate()
    .executeTakeFirst()
  if (!task) throw notFound('collection_task', taskId)
  if (task.taskStatus !== 'open') {
    throw domainError(
      'collections.task_not_open',
      `Task ${taskId} is ${task.taskStatus}; only an open task can be done`,
      { task: taskId, status: task.taskStatus },
    )
  }
  const updated = await ctx.db
    .updateTable('collectionActivity')
    .set({
      taskStatus: 'done',
      ...(note ? { note: task.note ? `${task.note}\n${note}`.slice(0, noteLengthMax) : note } : {}),
      ...(input.outcome ? { outcome: input.outcome } : {}),
    })
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', taskId)
    .returningAll()
    .executeTakeFirstOrThrow()
  await recordAudit(ctx, {
    entityType: 'collection_task',
    entityId: taskId,
    action: 'done',
    before: { task_status: 'open' },
    after: { task_status: 'done', note, outcome: input.outcome ?? null, done_by: ctx.actor.name },
  })
  await emitEvent(ctx, {
    type: 'collections.task_done',
    entityType: 'customer',
    entityId: task.customerId,
    payload: { task_id: taskId, customer_id: task.customerId, done_by: ctx.actor.name },
  })
  const { tenantId: _t, messageId: _m, ...rest } = updated
  return rest as Activity
}
