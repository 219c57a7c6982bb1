import type { Ctx } from '../../../db/context.js'
import { arrangeOpenInvoice } from '../../cashapp/test-helpers.js'
import type { Customer, NewCustomer } from '../../customers/index.js'
import { arrangeCustomer } from '../../invoicing/test-helpers.js'

// Arranging dunning in tests: customers of a segment with contacts for the channels, and
// issued invoices (issued at the clock's day, due 30 days later).

export async function arrangeDunningCustomer(
  ctx: Ctx,
  fields: Partial<NewCustomer> & { phone?: string | null; email?: string | null } = {},
): Promise<Customer> {
  const { phone, email, ...rest } = fields
  const customer = await arrangeCustomer(ctx, rest)
  if (phone !== undefined || email !== undefined) {
    await ctx.db
      .updateTable('customerContact')
      .set({
        ...(phone !== undefined ? { phone } : {}),
        ...(email !== undefined ? { email } : {}),
      })
      .where('customerId', '=', customer.id)
      .execute()
  }
  return customer
}

/** An issued invoice of 121.00 EUR (100.00 net) unless told otherwise; returns its id. */
export async function arrangeInvoice(ctx: Ctx, customerId: string, netMinor = 100_00n) {
  return (await arrangeOpenInvoice(ctx, customerId, netMinor)).id
}

/** Sets flags, do-not-dun or a chosen policy on a customer (customer_collection). */
export async function arrangeCollection(
  ctx: Ctx,
  customerId: string,
  fields: { flags?: string[]; doNotDun?: boolean; dunningPolicyId?: string | null },
) {
  await ctx.db
    .insertInto('customerCollection')
    .values({
      tenantId: ctx.tenantId,
      customerId,
      doNotDun: fields.doNotDun ?? false,
      flags: fields.flags ?? [],
      dunningPolicyId: fields.dunningPolicyId ?? null,
      updatedAt: ctx.now,
    })
    .onConflict((oc) =>
      oc.columns(['tenantId', 'customerId']).doUpdateSet({
        doNotDun: fields.doNotDun ?? false,
        flags: fields.flags ?? [],
        dunningPolicyId: fields.dunningPolicyId ?? null,
      }),
    )
    .execute()
}
