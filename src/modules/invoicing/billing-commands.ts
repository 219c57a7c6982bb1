import cliProgress from 'cli-progress'
import type { Command } from 'commander'
import { printResult, table } from '../../cli/output.js'
import { inCliTenant } from '../../cli/tenant-scope.js'
import { isCalendarDate } from '../../core/dates.js'
import { invalid, notFound } from '../../core/errors.js'
import { isUuid } from '../../core/ids.js'
import { formatAmount } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import type { CliContext, Platform } from '../../platform.js'
import { billOrder, billShipments, type TenantTransactions } from './billing.js'
import {
  presentBilledInvoice,
  presentBillingPlan,
  presentBillingRun,
  presentOutcome,
} from './billing-routes.js'
import { planConsolidatedBilling, runConsolidatedBilling } from './billing-run.js'

// `o2c invoices bill-shipments`, `o2c invoices bill-order ORDER`, `o2c billing run
// --period-end DATE [--dry-run]`. Bill-shipments and the billing run commit each invoice on
// its own (one tenant transaction per invoice), with a progress bar on a terminal.

export function billingCommands(program: Command, cli: CliContext): void {
  const invoices = areaCommand(program, 'invoices', 'Invoices and credit notes')
  invoices
    .command('bill-shipments')
    .description(
      'Invoice what was shipped and not yet invoiced (per_shipment, per_order customers)',
    )
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--customer <id>', 'only this customer')
    .option('--shipped-to <date>', 'shipped on or before this day (YYYY-MM-DD)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      if (options.shippedTo && !isCalendarDate(options.shippedTo)) {
        throw invalid([{ field: '--shipped-to', message: 'must be a date YYYY-MM-DD' }])
      }
      const platform = await cli.platform('invoices bill-shipments')
      const progress = progressBar('invoices')
      try {
        const outcome = await billShipments(transactions(platform, cli.tenantSlug(options)), {
          customerId: options.customer,
          shippedTo: options.shippedTo,
          onProgress: (done) => progress.update(done),
        })
        progress.stop()
        printResult(options, presentOutcome(outcome), [
          `Issued ${outcome.invoices.length} invoices` +
            (outcome.failures.length > 0 ? `; ${outcome.failures.length} could not be made` : ''),
          ...table(
            ['NUMBER', 'CUSTOMER', 'LINES', 'TOTAL'],
            outcome.invoices.map((i) => [
              i.number,
              i.customerId,
              String(i.linesCount),
              `${formatAmount(i.totalMinor, i.currency)} ${i.currency}`,
            ]),
          ),
          ...outcome.failures.map((f) => `  ${f.customerId} ${f.currency}: ${f.code}: ${f.detail}`),
        ])
      } finally {
        progress.stop()
      }
    })

  invoices
    .command('bill-order <order>')
    .description('Invoice everything on an order (its id or number), shipped or not')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (order: string, options) => {
      const platform = await cli.platform('invoices bill-order')
      const invoice = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) =>
        billOrder(ctx, await orderIdOf(ctx, order)),
      )
      printResult(
        options,
        presentBilledInvoice(invoice),
        `Issued ${invoice.number} for order ${order}: ${formatAmount(invoice.totals.taxInclusiveMinor, invoice.currency)} ${invoice.currency}, due ${invoice.dueDate}`,
      )
    })

  const billing = areaCommand(program, 'billing', 'Billing runs (consolidated invoices)')
  billing
    .command('run')
    .description('Run the consolidated billing for weekly and monthly customers up to a day')
    .requiredOption('--period-end <date>', 'last day of the period (YYYY-MM-DD)')
    .option('--frequency <frequency>', 'weekly or monthly (default: both)')
    .option('--dry-run', 'show what would be billed; write nothing')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      if (!isCalendarDate(options.periodEnd)) {
        throw invalid([{ field: '--period-end', message: 'must be a date YYYY-MM-DD' }])
      }
      if (options.frequency && !['weekly', 'monthly'].includes(options.frequency)) {
        throw invalid([{ field: '--frequency', message: 'must be weekly or monthly' }])
      }
      const platform = await cli.platform('billing run')
      const inTenant = transactions(platform, cli.tenantSlug(options))
      if (options.dryRun) {
        const plan = await planConsolidatedBilling(inTenant, {
          periodEnd: options.periodEnd,
          frequency: options.frequency,
        })
        printResult(options, presentBillingPlan(plan), [
          `Would issue ${plan.invoicesCount} invoices for the period ending ${plan.periodEnd}`,
          ...plan.totals.map(
            (t) =>
              `  ${t.currency}: ${t.invoicesCount} invoices, ${formatAmount(t.totalMinor, t.currency)}`,
          ),
        ])
        return
      }
      // The bar's total: what a dry run counts now (a selection, no writes).
      const progress = progressBar('invoices')
      try {
        const total = process.stderr.isTTY
          ? (
              await planConsolidatedBilling(inTenant, {
                periodEnd: options.periodEnd,
                frequency: options.frequency,
              })
            ).invoicesCount
          : 0
        const run = await runConsolidatedBilling(inTenant, {
          periodEnd: options.periodEnd,
          frequency: options.frequency,
          trigger: 'cli',
          onProgress: (done) => progress.update(done, total),
        })
        progress.stop()
        printResult(options, presentBillingRun(run), [
          `Billing run ${run.id} ${run.status}: ${run.invoicesCount} invoices, ${run.ordersCount} orders, ${run.linesCount} lines` +
            (run.failedCount > 0 ? `; ${run.failedCount} customers could not be billed` : ''),
          ...run.totals.map(
            (t) =>
              `  ${t.currency}: ${t.invoicesCount} invoices, ${formatAmount(t.totalMinor, t.currency)}`,
          ),
          ...run.failures.map((f) => `  ${f.customer_id} ${f.currency}: ${f.code}: ${f.detail}`),
        ])
      } finally {
        progress.stop()
      }
    })
}

/** `o2c invoices …` may be made by another part of the invoicing module as well: share it. */
function areaCommand(program: Command, name: string, description: string): Command {
  return (
    program.commands.find((command) => command.name() === name) ??
    program.command(name).description(description)
  )
}

function transactions(platform: Platform, slug: string): TenantTransactions {
  return <T>(work: (ctx: Ctx) => Promise<T>) => inCliTenant(platform, slug, work)
}

/** An order named by id or by its number. */
async function orderIdOf(ctx: Ctx, order: string): Promise<string> {
  if (isUuid(order)) return order
  if (!/^\d{1,9}$/.test(order)) throw notFound('order', order)
  const row = await ctx.db
    .selectFrom('salesOrder')
    .select('id')
    .where('number', '=', Number(order))
    .executeTakeFirst()
  if (!row) throw notFound('order', order)
  return row.id
}

/** A progress bar on a terminal (stderr), nothing in a pipe or a script. */
function progressBar(unit: string) {
  if (!process.stderr.isTTY)
    return { update: (_done: number, _total?: number) => {}, stop: () => {} }
  const bar = new cliProgress.SingleBar(
    { format: `{bar} {value}/{total} ${unit}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  let stopped = false
  return {
    update(done: number, total = 0) {
      if (!started) {
        bar.start(Math.max(total, done), 0)
        started = true
      }
      if (done > bar.getTotal()) bar.setTotal(done)
      bar.update(done)
    },
    stop() {
      if (started && !stopped) bar.stop()
      stopped = true
    },
  }
}
