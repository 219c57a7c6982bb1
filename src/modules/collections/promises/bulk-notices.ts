import { sql } from 'kysely'
import { newId } from '../../../core/ids.js'
import type { Ctx } from '../../../db/context.js'
import { emitEvent } from '../../outbox/index.js'
import { type CustomerNotice, customerNoticeEvent } from '../contracts.js'
import '../notices.js'

// queueCustomerNotice (notices.ts) for many notices at once, as the daily review breaks
// thousands of promises: the same timeline rows and the same events, but the rows in one
// statement per chunk instead of one each (3,000 notices took 1.6 s one by one on PGlite).
// The events are batched by emitEvent itself until commit.

const noticesPerStatement = 5_000

export async function queueCustomerNotices(
  ctx: Ctx,
  notices: readonly CustomerNotice[],
): Promise<void> {
  const withIds = notices.map((notice) => ({ activityId: newId(), notice }))
  for (let start = 0; start < withIds.length; start += noticesPerStatement) {
    const rows = withIds
      .slice(start, start + noticesPerStatement)
      .map(({ activityId, notice }) => ({
        id: activityId,
        customer_id: notice.customerId,
        outcome: notice.kind,
        note: notice.subject,
        invoice_id: notice.invoiceId ?? null,
      }))
    await sql`
      insert into collection_activity (tenant_id, id, customer_id, kind, outcome, note,
        invoice_id, occurred_at, recorded_by)
      select ${ctx.tenantId}::uuid, r.id, r.customer_id, 'confirmation', r.outcome, r.note,
        r.invoice_id, ${ctx.now}::timestamptz, ${ctx.actor.name}
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as r(id uuid, customer_id uuid, outcome text, note text, invoice_id uuid)`.execute(ctx.db)
  }
  for (const { activityId, notice } of withIds) {
    await emitEvent(ctx, {
      type: customerNoticeEvent,
      entityType: 'customer',
      entityId: notice.customerId,
      payload: { activityId, ...notice },
    })
  }
}
