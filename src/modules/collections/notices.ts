import { newId } from '../../core/ids.js'
import type { Ctx } from '../../db/context.js'
import { consumeEvent, emitEvent } from '../outbox/index.js'
import { type CustomerNotice, customerNoticeEvent, sendCustomerNoticeJob } from './contracts.js'

consumeEvent(customerNoticeEvent, sendCustomerNoticeJob)

/**
 * Puts a notice to the customer on its timeline (a confirmation) and asks for it to be sent,
 * both in the caller's transaction: the notice goes out only if what it confirms commits.
 */
export async function queueCustomerNotice(ctx: Ctx, notice: CustomerNotice): Promise<string> {
  const activityId = newId()
  await ctx.db
    .insertInto('collectionActivity')
    .values({
      tenantId: ctx.tenantId,
      id: activityId,
      customerId: notice.customerId,
      kind: 'confirmation',
      outcome: notice.kind,
      note: notice.subject,
      taskStatus: null,
      dueOn: null,
      assignedTo: null,
      messageId: null,
      invoiceId: notice.invoiceId ?? null,
      occurredAt: ctx.now,
      recordedBy: ctx.actor.name,
    })
    .execute()
  await emitEvent(ctx, {
    type: customerNoticeEvent,
    entityType: 'customer',
    entityId: notice.customerId,
    payload: { activityId, ...notice },
  })
  return activityId
}
