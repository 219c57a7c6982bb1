import { sql } from 'kysely'
import type { CalendarDate } from '../../../core/dates.js'
import { domainError, invalid, notFound } from '../../../core/errors.js'
import type { Ctx } from '../../../db/context.js'
import { lockOpenAmounts } from '../../invoicing/index.js'
import './errors.js'

// The items a promise or a plan may hold: open, issued invoices of the customer, in one
// currency, not already under an active promise or plan. Shared by promises/ and plans/, so
// both refuse the same things with the same codes.

export type HoldableItem = {
  invoiceId: string
  number: string
  currency: string
  openMinor: bigint
  dueDate: CalendarDate
}

export type HoldableItems = {
  customerId: string
  language: 'nl' | 'en'
  currency: string
  /** Oldest due first (then by number): the order a promise's amount is spread in. */
  items: HoldableItem[]
  openMinor: bigint
}

/**
 * Locks the invoices (so two promises cannot hold one item concurrently) and checks every
 * rule; throws the first broken one naming the invoice.
 */
export async function lockHoldableItems(
  ctx: Ctx,
  customerId: string,
  invoiceIds: readonly string[],
): Promise<HoldableItems> {
  return readHoldableItems(ctx, customerId, invoiceIds, { lock: true })
}

export async function readHoldableItems(
  ctx: Ctx,
  customerId: string,
  invoiceIds: readonly string[],
  options: { lock: boolean },
): Promise<HoldableItems> {
  if (invoiceIds.length === 0) {
    throw invalid([{ field: 'invoice_ids', message: 'name at least one invoice' }])
  }
  if (new Set(invoiceIds).size !== invoiceIds.length) {
    throw invalid([{ field: 'invoice_ids', message: 'names an invoice twice' }])
  }
  const customer = await ctx.db
    .selectFrom('customer')
    .select(['id', 'language'])
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', customerId)
    .executeTakeFirst()
  if (!customer) throw notFound('customer', customerId)
  const ids = [...invoiceIds]
  if (options.lock) await lockOpenAmounts(ctx, ids)
  const { rows } = await sql<{
    invoiceId: string
    number: string
    customerId: string
    currency: string
    dueDate: unknown
    openMinor: string
  }>`
    select i.id as invoice_id, i.number, i.customer_id, i.currency, i.due_date,
      (i.payable_minor - coalesce((select sum(st.amount_minor) from invoice_settlement st
        where st.tenant_id = i.tenant_id and st.invoice_id = i.id), 0))::text as open_minor
    from invoice i
    where i.tenant_id = ${ctx.tenantId} and i.id = any(${ids}::uuid[])
      and i.status = 'issued' and i.document_type = 'invoice'`.execute(ctx.db)
  const byId = new Map(rows.map((r) => [r.invoiceId, r]))
  const items: HoldableItem[] = []
  for (const id of ids) {
    const row = byId.get(id)
    const openMinor = row ? BigInt(row.openMinor) : 0n
    if (!row || row.customerId !== customerId || openMinor <= 0n) {
      throw domainError(
        'collections.item_not_open',
        row
          ? row.customerId !== customerId
            ? `Invoice ${row.number} is not an invoice of this customer`
            : `Invoice ${row.number} has nothing open`
          : `No issued invoice with id ${id}`,
        { field: 'invoice_ids', invoice_id: id, ...(row ? { invoice_number: row.number } : {}) },
      )
    }
    items.push({
      invoiceId: id,
      number: row.number,
      currency: row.currency,
      openMinor,
      dueDate: dateText(row.dueDate),
    })
  }
  const currencies = new Set(items.map((i) => i.currency))
  if (currencies.size > 1) {
    throw domainError(
      'collections.items_currency_mixed',
      `The items are in ${[...currencies].sort().join(' and ')}`,
      { field: 'invoice_ids', currencies: [...currencies].sort() },
    )
  }
  const held = await heldBy(ctx, ids)
  if (held) {
    const number = items.find((i) => i.invoiceId === held.invoiceId)?.number
    throw domainError(
      'collections.item_already_held',
      `Invoice ${number} is already under an active ${held.kind === 'promise' ? 'promise to pay' : 'payment plan'} (${held.id})`,
      {
        field: 'invoice_ids',
        invoice_id: held.invoiceId,
        invoice_number: number,
        held_by: held.kind,
        held_by_id: held.id,
      },
    )
  }
  items.sort((a, b) =>
    a.dueDate === b.dueDate ? a.number.localeCompare(b.number) : a.dueDate < b.dueDate ? -1 : 1,
  )
  return {
    customerId,
    language: customer.language === 'nl' ? 'nl' : 'en',
    currency: items[0].currency,
    items,
    openMinor: items.reduce((sum, i) => sum + i.openMinor, 0n),
  }
}

/** The first of these invoices under an active promise or plan, and what holds it. */
async function heldBy(
  ctx: Ctx,
  invoiceIds: string[],
): Promise<{ invoiceId: string; kind: 'promise' | 'plan'; id: string } | undefined> {
  const { rows } = await sql<{ invoiceId: string; kind: 'promise' | 'plan'; id: string }>`
    select pi.invoice_id, 'promise' as kind, p.id
    from promise_to_pay_item pi
    join promise_to_pay p on p.tenant_id = pi.tenant_id and p.id = pi.promise_id
    where pi.tenant_id = ${ctx.tenantId} and pi.invoice_id = any(${invoiceIds}::uuid[])
      and p.status = 'active'
    union all
    select li.invoice_id, 'plan' as kind, pl.id
    from payment_plan_item li
    join payment_plan pl on pl.tenant_id = li.tenant_id and pl.id = li.plan_id
    where li.tenant_id = ${ctx.tenantId} and li.invoice_id = any(${invoiceIds}::uuid[])
      and pl.status = 'active'
    limit 1`.execute(ctx.db)
  return rows[0]
}

/** A date column as text, whichever way the driver parsed it. */
export function dateText(value: unknown): CalendarDate {
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value)
}
