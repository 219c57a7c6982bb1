import { newId } from '../../core/ids.js'
import type { Ctx } from '../../db/context.js'
import { emitEvent } from '../outbox/index.js'

// The track & trace of a document: every step from issue to paid, in the order it happened.
// Each step is a row of invoice_event (append-only) and a webhook event `invoice.<step>`, so
// a customer-facing system can follow an invoice without polling. Steps are observations of
// what happened to a document, not changes to it.

export const invoiceSteps = [
  'issued',
  'queued',
  'sent',
  'delivered',
  'bounced',
  'opened',
  'disputed',
  'partially_paid',
  'paid',
  'credited',
  'written_off',
] as const
export type InvoiceStep = (typeof invoiceSteps)[number]

export type StepChannel = 'email' | 'peppol' | 'portal' | 'pay_page'

export type TimelineStep = {
  id: string
  step: InvoiceStep
  channel: StepChannel | null
  detail: Record<string, unknown>
  occurredAt: Date
}

/**
 * Records a step on the document's timeline and announces it as `invoice.<step>`. Call it in
 * the transaction of what caused the step; `detail` is kept as given (snake_case keys).
 *
 *   await recordInvoiceStep(ctx, invoice.id, 'sent', { channel: 'email', detail: { to } })
 */
export async function recordInvoiceStep(
  ctx: Ctx,
  invoiceId: string,
  step: InvoiceStep,
  options: { channel?: StepChannel; detail?: Record<string, unknown>; occurredAt?: Date } = {},
): Promise<TimelineStep> {
  const entry: TimelineStep = {
    id: newId(),
    step,
    channel: options.channel ?? null,
    detail: options.detail ?? {},
    occurredAt: options.occurredAt ?? ctx.now,
  }
  await ctx.db
    .insertInto('invoiceEvent')
    .values({
      tenantId: ctx.tenantId,
      id: entry.id,
      invoiceId,
      step,
      channel: entry.channel,
      detail: JSON.stringify(entry.detail),
      occurredAt: entry.occurredAt,
    })
    .execute()
  await emitEvent(ctx, {
    type: `invoice.${step}`,
    entityType: 'invoice',
    entityId: invoiceId,
    payload: {
      invoice_id: invoiceId,
      step,
      channel: entry.channel,
      occurred_at: entry.occurredAt.toISOString(),
      ...entry.detail,
    },
  })
  return entry
}

/** The document's timeline, oldest step first. */
export async function invoiceTimeline(ctx: Ctx, invoiceId: string): Promise<TimelineStep[]> {
  const rows = await ctx.db
    .selectFrom('invoiceEvent')
    .select(['id', 'step', 'channel', 'detail', 'occurredAt'])
    .where('invoiceId', '=', invoiceId)
    .orderBy('occurredAt')
    .orderBy('id')
    .execute()
  return rows.map((row) => ({
    id: row.id,
    step: row.step as InvoiceStep,
    channel: row.channel,
    detail: row.detail as Record<string, unknown>,
    occurredAt: row.occurredAt,
  }))
}
