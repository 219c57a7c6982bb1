import { sql } from 'kysely'
import { inTenant } from '../src/db/context.js'
import { migrate } from '../src/db/migrate.js'
import { openStore, type Store } from '../src/db/store.js'
import { createTenant } from '../src/modules/auth/index.js'
import { putCustomerBilling, runConsolidatedBilling } from '../src/modules/invoicing/index.js'
import { arrangeBillingSettings, arrangeCustomer } from '../src/modules/invoicing/test-helpers.js'
import { createOrder, createShipment } from '../src/modules/orders/index.js'
import type { Benchmark, Figure } from './harness.js'

// A consolidated billing run of BENCH_BILLING_INVOICES invoices (default 100,000): monthly
// customers with one shipped order each, so each invoice is one customer's month. The data is
// set up set-based: one customer, order and shipment made through the services, then cloned
// with SQL (generate_series), so the setup takes seconds and the run is what is timed. The
// run itself goes through the real path: selection, recordInvoicedQuantities, draft, issue
// (number, VAT, ledger, audit, outbox) and the run's bookkeeping, in batches of invoices per
// transaction (billing-run.ts invoicesPerTransaction).

const invoicesToMake = Number(process.env.BENCH_BILLING_INVOICES ?? 100_000)

export const billingRun: Benchmark = {
  name: 'billing run (consolidated)',
  async run(bench) {
    const store = await openStore({ ...bench.options, command: 'bench' })
    try {
      await migrate(store)
      const tenant = await createTenant(store, { slug: 'bench-billing' }, 'bench')
      const scope = {
        tenantId: tenant.tenantId,
        timeZone: tenant.timeZone,
        actor: { type: 'system' as const, id: null, name: 'bench' },
      }
      const clock = { now: () => new Date('2026-04-01T06:00:00Z') }
      const run = <T>(work: Parameters<typeof inTenant<T>>[2]) =>
        inTenant(store, scope, work, clock)
      await run(async (ctx) => {
        await arrangeBillingSettings(ctx)
        const customer = await arrangeCustomer(ctx)
        await putCustomerBilling(
          ctx,
          customer.id,
          {
            billingFrequency: 'monthly',
            invoiceChannel: 'email',
            invoiceEmail: null,
            peppol: null,
            buyerReference: null,
          },
          0,
        )
        const order = await createOrder(ctx, {
          customerId: customer.id,
          lines: [
            {
              itemCode: 'FLOUR',
              quantity: '4',
              unitPrice: '18.95',
              vatCategory: 'S',
              vatRate: '9',
            },
          ],
        })
        // Confirmed by hand: the credit check is not what this benchmark measures.
        await ctx.db
          .updateTable('salesOrder')
          .set({ status: 'confirmed', confirmedAt: ctx.now })
          .where('id', '=', order.id)
          .execute()
        await createShipment(ctx, {
          orderId: order.id,
          carrier: 'PostNL',
          shippedAt: new Date('2026-03-10T10:00:00Z'),
          lines: [{ orderLineId: order.lines[0].id, quantity: '4' }],
        })
      })
      await cloneCustomersWithShipments(store, tenant.tenantId, invoicesToMake - 1)
      const rssBefore = process.memoryUsage().rss
      let rssPeak = rssBefore
      const started = process.hrtime.bigint()
      const result = await runConsolidatedBilling(run, {
        periodEnd: '2026-03-31',
        frequency: 'monthly',
        onProgress: (done) => {
          if (done % 500 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
          // The rate as the run goes, so a slowdown with size shows while it runs.
          if (done % 5_000 === 0) {
            const elapsed = Number(process.hrtime.bigint() - started) / 1e9
            process.stderr.write(`  ${done} invoices in ${elapsed.toFixed(0)} s\n`)
          }
        },
      })
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
      const figures: Figure[] = [
        {
          measure: `invoices in the run (${result.failedCount} failed)`,
          value: result.invoicesCount,
          unit: 'invoices',
        },
        { measure: 'run time', value: seconds, unit: 's' },
        { measure: 'invoices issued', value: result.invoicesCount / seconds, unit: 'invoices/s' },
        { measure: 'RSS before the run', value: rssBefore / 1024 / 1024, unit: 'MB' },
        { measure: 'peak RSS during the run', value: rssPeak / 1024 / 1024, unit: 'MB' },
      ]
      return figures
    } finally {
      await store.close()
    }
  },
}

/**
 * Copies the one customer (with its address, contact, billing profile), order, order line,
 * shipment and shipment line `count` times with new ids, numbers and references, in one
 * statement per table. Ids are md5-made uuids of the copy number, so the copies refer to each
 * other without a lookup.
 */
async function cloneCustomersWithShipments(store: Store, tenantId: string, count: number) {
  if (count <= 0) return
  const id = (prefix: string) => sql.raw(`md5('${prefix}' || g)::uuid`)
  const copy = async (table: string, changes: ReturnType<typeof sql>) => {
    await sql`
      insert into ${sql.table(table)}
      select (jsonb_populate_record(null::${sql.table(table)}, to_jsonb(t) || ${changes})).*
      from ${sql.table(table)} t cross join generate_series(1, ${count}) g
      where t.tenant_id = ${tenantId}`.execute(store.db)
  }
  await copy('customer', sql`jsonb_build_object('id', ${id('c')}, 'number', 'BENCH-' || g)`)
  await copy(
    'customer_address',
    sql`jsonb_build_object('id', ${id('a')}, 'customer_id', ${id('c')})`,
  )
  await copy(
    'customer_contact',
    sql`jsonb_build_object('id', ${id('p')}, 'customer_id', ${id('c')}, 'email', 'ap' || g || '@bench.example')`,
  )
  await copy('customer_billing', sql`jsonb_build_object('customer_id', ${id('c')})`)
  await copy(
    'sales_order',
    sql`jsonb_build_object('id', ${id('o')}, 'customer_id', ${id('c')}, 'number', t.number + g)`,
  )
  await copy('sales_order_line', sql`jsonb_build_object('id', ${id('l')}, 'order_id', ${id('o')})`)
  await copy(
    'shipment',
    sql`jsonb_build_object('id', ${id('s')}, 'order_id', ${id('o')}, 'customer_id', ${id('c')}, 'tracking_number', t.tracking_number || '-' || g)`,
  )
  await copy(
    'shipment_line',
    sql`jsonb_build_object('id', ${id('x')}, 'shipment_id', ${id('s')}, 'order_id', ${id('o')}, 'order_line_id', ${id('l')})`,
  )
  await sql`update order_number_counter set last_number = last_number + ${count}
    where tenant_id = ${tenantId}`.execute(store.db)
}
