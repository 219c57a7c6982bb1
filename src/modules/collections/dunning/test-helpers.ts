import { sql } from 'kysely'
import type { Ctx } from '../../../db/context.js'
import { arrangeOpenInvoice } from '../../cashapp/test-helpers.js'
import type { Customer, NewCustomer } from '../../customers/index.js'
import { arrangeBillingSettings, arrangeCustomer } from '../../invoicing/test-helpers.js'

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

export type OpenItemsSeed = {
  /** Distinguishes this seed's customer and invoice numbers from others in the tenant. */
  prefix: string
  customers: number
  itemsPerCustomer: number
  /** Due dates spread over [runDate − overdueDaysMax, runDate − overdueDaysMin]. */
  runDate: string
  overdueDaysMin: number
  overdueDaysMax: number
  /** One in this many items is paid in full, one in this many half paid (0: none). */
  paidOneIn: number
}

/**
 * Writes many customers (consumers and businesses, every tenth consumer a student) with a
 * billing contact (e-mail and mobile number) and issued open items, set-based: the benchmark
 * and the kill -9 test need hundreds of thousands of them in seconds, which issuing one by
 * one cannot give. The items are opening balances (no lines, no ledger), as an import of a
 * previous system's open items makes them.
 */
export async function seedOpenItems(ctx: Ctx, seed: OpenItemsSeed): Promise<void> {
  // The seller's name, address and payee account: every message names them.
  await arrangeBillingSettings(ctx)
  const t = sql`${ctx.tenantId}::uuid`
  const now = sql`${ctx.now.toISOString()}::timestamptz`
  await sql`
    insert into customer (tenant_id, id, number, legal_name, segment, attributes, language,
      preferred_channel, currency, created_at, updated_at)
    select ${t}, o2c_uuid_v7(), ${seed.prefix} || lpad(g::text, 7, '0'), 'Klant ' || g,
           (array['consumer', 'consumer', 'small_business', 'enterprise', 'public_sector'])[1 + g % 5],
           case when g % 10 = 0 then '{"age_band": "student"}'::jsonb else '{}'::jsonb end,
           case when g % 7 = 0 then 'en' else 'nl' end, 'email', 'EUR', ${now}, ${now}
    from generate_series(1, ${seed.customers}::int) g`.execute(ctx.db)
  await sql`
    insert into customer_contact (tenant_id, id, customer_id, name, email, phone, language,
      preferred_channel, roles, position)
    select ${t}, o2c_uuid_v7(), c.id, 'Debiteurenadministratie',
           'ap-' || c.number || '@example.test', '+3161' || lpad(right(c.number, 7), 7, '0'),
           c.language, 'email', '{billing}', 1
    from customer c where c.tenant_id = ${t} and c.number like ${`${seed.prefix}%`}`.execute(ctx.db)
  const span = seed.overdueDaysMax - seed.overdueDaysMin + 1
  await sql`
    insert into invoice (tenant_id, id, document_type, status, origin, customer_id, currency,
      number, issue_date, due_date, payment_reference, seller, buyer, language, payment_terms,
      line_net_minor, tax_exclusive_minor, total_minor, payable_minor, created_at, created_by,
      issued_at, issued_by, updated_at)
    select ${t}, o2c_uuid_v7(), 'invoice', 'issued', 'opening_balance', c.id, 'EUR',
           c.number || '-' || k, x.due - 30, x.due, 'RF' || c.n || 'X' || k, '{}', '{}',
           c.language, '{}', x.amount, x.amount, x.amount, x.amount, ${now}, 'seed', ${now},
           'seed', ${now}
    from (select id, number, language, row_number() over (order by id) as n
          from customer where tenant_id = ${t} and number like ${`${seed.prefix}%`}) c
    cross join generate_series(1, ${seed.itemsPerCustomer}::int) k
    cross join lateral (
      select ${seed.runDate}::date - ${seed.overdueDaysMin}::int - ((c.n * 7 + k * 13) % ${span}::int)::int as due,
             (1000 + (c.n * 31 + k * 17) % 250000)::bigint as amount
    ) x`.execute(ctx.db)
  if (seed.paidOneIn > 0) {
    await sql`
      insert into invoice_settlement (tenant_id, id, invoice_id, kind, amount_minor, currency,
        settled_on, source_type, source_id, created_at, created_by)
      select ${t}, o2c_uuid_v7(), i.id, 'payment',
             case when (i.n % ${seed.paidOneIn}::int) = 0 then i.payable_minor
                  else i.payable_minor / 2 end,
             'EUR', ${seed.runDate}::date - 1, 'seed', i.id::text, ${now}, 'seed'
      from (select id, payable_minor, row_number() over (order by id) as n
            from invoice where tenant_id = ${t} and number like ${`${seed.prefix}%`}) i
      where i.n % ${seed.paidOneIn}::int in (0, 1)`.execute(ctx.db)
  }
}
