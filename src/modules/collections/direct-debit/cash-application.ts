import { sql } from 'kysely'
import type { Ctx } from '../../../db/context.js'
import { recordAudit } from '../../audit/index.js'
import { emitEvent } from '../../outbox/index.js'
import { reviewAfterPayments } from '../promises/review.js'

// What collections does when cash application moves money (called from cashapp/apply.ts in
// the same transaction): two small, set-based hooks, so the collector's records follow the
// bank without anyone re-running anything.

/**
 * After payments were applied to these invoices: promises kept and plans paid close themselves
 * (promises/review.ts), and the submitted direct debits of invoices now paid are collected.
 */
export async function collectionsAfterPayments(
  ctx: Ctx,
  invoiceIds: readonly string[],
): Promise<void> {
  if (invoiceIds.length === 0) return
  await reviewAfterPayments(ctx, invoiceIds)
  await markDirectDebitsCollected(ctx, invoiceIds)
}

async function markDirectDebitsCollected(ctx: Ctx, invoiceIds: readonly string[]): Promise<void> {
  const ids = [...new Set(invoiceIds)]
  // From the invoices' side, by index: most paid invoices were never debited.
  const { rows: submitted } = await sql<{ invoiceId: string }>`
    select d.invoice_id from unnest(${ids}::uuid[]) as g(id)
    join direct_debit_item d on d.tenant_id = ${ctx.tenantId} and d.invoice_id = g.id
    where d.status = 'submitted'`.execute(ctx.db)
  if (submitted.length === 0) return
  const debited = submitted.map((r) => r.invoiceId)
  const { rows } = await sql<{ batchId: string; invoiceId: string; mandateId: string }>`
    update direct_debit_item d set status = 'collected'
    from invoice i
    where d.tenant_id = ${ctx.tenantId} and d.invoice_id = any(${debited}::uuid[])
      and d.status = 'submitted'
      and i.tenant_id = d.tenant_id and i.id = d.invoice_id
      and i.payable_minor <= (select coalesce(sum(st.amount_minor), 0) from invoice_settlement st
        where st.tenant_id = i.tenant_id and st.invoice_id = i.id)
    returning d.batch_id, d.invoice_id, d.mandate_id`.execute(ctx.db)
  if (rows.length === 0) return
  // A mandate's first collection went through: its next ones are RCUR.
  await sql`
    update sepa_mandate set first_collected_on = ${ctx.now}::date, version = version + 1
    where tenant_id = ${ctx.tenantId} and first_collected_on is null
      and id = any(${[...new Set(rows.map((r) => r.mandateId))]}::uuid[])`.execute(ctx.db)
  for (const row of rows) {
    await recordAudit(ctx, {
      entityType: 'direct_debit_item',
      entityId: `${row.batchId}/${row.invoiceId}`,
      action: 'collected',
      after: { batch_id: row.batchId, invoice_id: row.invoiceId },
    })
  }
}

/**
 * A direct debit came back (a return, refund or reject of the bank, found by its end-to-end
 * id): the item is returned with the reason, so the dunning run sees its invoice again.
 * Returns whether an item of ours was found.
 */
export async function collectionsAfterReturn(
  ctx: Ctx,
  endToEndId: string,
  returnReason: string | null,
): Promise<boolean> {
  const { rows } = await sql<{ batchId: string; invoiceId: string; customerId: string }>`
    update direct_debit_item d set status = 'returned', return_reason = ${returnReason ?? 'unknown'}
    from invoice i
    where d.tenant_id = ${ctx.tenantId} and d.end_to_end_id = ${endToEndId}
      and d.status <> 'returned' and i.tenant_id = d.tenant_id and i.id = d.invoice_id
    returning d.batch_id, d.invoice_id, i.customer_id`.execute(ctx.db)
  const row = rows[0]
  if (!row) return false
  const after = {
    batch_id: row.batchId,
    invoice_id: row.invoiceId,
    end_to_end_id: endToEndId,
    return_reason: returnReason,
  }
  await recordAudit(ctx, {
    entityType: 'direct_debit_item',
    entityId: `${row.batchId}/${row.invoiceId}`,
    action: 'returned',
    after,
  })
  await emitEvent(ctx, {
    type: 'collections.direct_debit_returned',
    entityType: 'invoice',
    entityId: row.invoiceId,
    payload: { customer_id: row.customerId, ...after },
  })
  return true
}
