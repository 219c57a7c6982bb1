import type { Command } from 'commander'
import { printResult, table } from '../../../cli/output.js'
import { calendarDateAt, isCalendarDate } from '../../../core/dates.js'
import { invalid } from '../../../core/errors.js'
import { isUuid } from '../../../core/ids.js'
import { formatAmount, parseAmount } from '../../../core/money.js'
import type { Ctx } from '../../../db/context.js'
import type { CliContext } from '../../../platform.js'
import { cliTenantRunner, collectionsCommand, customerIdOf } from '../cli.js'
import {
  cancelPaymentPlan,
  createPaymentPlan,
  getPaymentPlan,
  listPaymentPlans,
  planOffers,
} from '../plans/plans.js'
import {
  collectionSources,
  type PlanStatus,
  type PromiseChannel,
  type PromiseStatus,
  promiseChannels,
} from '../tables.js'
import { payIntentReport } from './customer-collection.js'
import { cancelPromise, getPromise, listPromises, makePromise } from './promises.js'
import { planToApi, promiseToApi } from './routes.js'

// `o2c collections promise make|list|cancel`, `o2c collections plan create|list|show|cancel`
// and `o2c collections report pay-intent`: the same services as /v1/promises-to-pay,
// /v1/payment-plans and /v1/reports/pay-intent. Customers and invoices by id or number.

export function promiseAndPlanCommands(program: Command, cli: CliContext): void {
  const collections = collectionsCommand(program)
  const inTenant = cliTenantRunner(cli)

  const promise = collections.command('promise').description('Promises to pay')
  promise
    .command('make')
    .description('Record a promise to pay an amount by a date for open invoices of a customer')
    .requiredOption('--customer <customer>', 'customer id or number')
    .requiredOption('--invoices <invoices>', 'invoice ids or numbers, comma-separated')
    .requiredOption('--amount <amount>', 'the promised amount, e.g. 121.00')
    .requiredOption('--on <date>', 'the promised date, YYYY-MM-DD')
    .option('--channel <channel>', `how it came in: ${promiseChannels.join(', ')}`, 'phone')
    .option('--note <note>', 'a note for the timeline')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      if (!(promiseChannels as readonly string[]).includes(options.channel)) {
        throw invalid([{ field: 'channel', message: `one of ${promiseChannels.join(', ')}` }])
      }
      const made = await inTenant('collections promise make', options, async (ctx) => {
        const customerId = await customerIdOf(ctx, options.customer)
        const invoices = await invoicesOf(ctx, options.invoices)
        const { id } = await makePromise(ctx, {
          customerId,
          invoiceIds: invoices.map((i) => i.id),
          amountMinor: amountOf(options.amount, 'amount', invoices[0].currency),
          promisedOn: dateOf(options.on, 'on'),
          channel: options.channel as PromiseChannel,
          ...(options.note ? { note: options.note } : {}),
        })
        return promiseToApi(await getPromise(ctx, id))
      })
      printResult(
        options,
        made,
        `Promise ${made.id}: ${made.amount} ${made.currency} by ${made.promised_on} (${made.items.map((i) => i.invoice_number).join(', ')}).`,
      )
    })
  promise
    .command('list')
    .description('Promises to pay, newest first')
    .option('--customer <customer>', 'customer id or number')
    .option('--status <status>', 'active, kept, broken or cancelled')
    .option('--limit <n>', 'at most this many', (v) => Number(v), 100)
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const list = await inTenant('collections promise list', options, async (ctx) =>
        (
          await listPromises(ctx, {
            ...(options.customer ? { customerId: await customerIdOf(ctx, options.customer) } : {}),
            ...(options.status ? { status: options.status as PromiseStatus } : {}),
            limit: options.limit,
          })
        ).map(promiseToApi),
      )
      printResult(
        options,
        { data: list },
        table(
          ['ID', 'STATUS', 'AMOUNT', 'PAID', 'BY', 'CHANNEL', 'INVOICES'],
          list.map((p) => [
            p.id,
            p.status,
            `${p.amount} ${p.currency}`,
            p.paid,
            p.promised_on,
            p.channel,
            p.items.map((i) => i.invoice_number).join(','),
          ]),
        ),
      )
    })
  promise
    .command('cancel <id>')
    .description('Cancel an active promise: its invoices are dunned again')
    .option('--reason <reason>', 'why')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (id: string, options) => {
      const cancelled = await inTenant('collections promise cancel', options, async (ctx) =>
        promiseToApi(
          await cancelPromise(ctx, id, options.reason ? { reason: options.reason } : {}),
        ),
      )
      printResult(options, cancelled, `Promise ${cancelled.id} cancelled.`)
    })

  const plan = collections.command('plan').description('Payment plans')
  plan
    .command('create')
    .description(
      'Create a payment plan for open invoices: --instalment DATE=AMOUNT (repeat), or --offer N ' +
        "to take the policy's offer of N instalments",
    )
    .requiredOption('--customer <customer>', 'customer id or number')
    .requiredOption('--invoices <invoices>', 'invoice ids or numbers, comma-separated')
    .option(
      '--instalment <date=amount>',
      'an instalment, e.g. 2026-04-01=60.50 (repeat)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--offer <n>', "the policy's offer with this many instalments", (v) => Number(v))
    .option('--grace-days <n>', 'days an instalment may be late', (v) => Number(v))
    .option('--source <source>', `${collectionSources.join(', ')}`, 'collector')
    .option('--note <note>', 'a note')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      if (!(collectionSources as readonly string[]).includes(options.source)) {
        throw invalid([{ field: 'source', message: `one of ${collectionSources.join(', ')}` }])
      }
      const created = await inTenant('collections plan create', options, async (ctx) => {
        const customerId = await customerIdOf(ctx, options.customer)
        const invoices = await invoicesOf(ctx, options.invoices)
        const currency = invoices[0].currency
        let instalments = (options.instalment as string[]).map((text, k) => {
          const [dueOn, amount] = text.split('=')
          return {
            dueOn: dateOf(dueOn ?? '', `instalment[${k}]`),
            amountMinor: amountOf(amount ?? '', `instalment[${k}]`, currency),
          }
        })
        if (options.offer !== undefined) {
          const today = calendarDateAt(ctx.now, ctx.timeZone)
          const offers = await planOffers(
            ctx,
            customerId,
            invoices.map((i) => i.id),
            today,
          )
          const offer = offers.find((o) => o.instalments.length === options.offer)
          if (!offer) {
            throw invalid([
              {
                field: 'offer',
                message: `no offer of ${options.offer} instalments; offered: ${offers.map((o) => o.instalments.length).join(', ') || 'none'}`,
              },
            ])
          }
          instalments = offer.instalments
        }
        const { id } = await createPaymentPlan(ctx, {
          customerId,
          invoiceIds: invoices.map((i) => i.id),
          instalments,
          source: options.source,
          ...(options.graceDays !== undefined ? { graceDays: options.graceDays } : {}),
          ...(options.note ? { note: options.note } : {}),
        })
        return planToApi(await getPaymentPlan(ctx, id))
      })
      printResult(options, created, planLines(created))
    })
  plan
    .command('list')
    .description('Payment plans, newest first')
    .option('--customer <customer>', 'customer id or number')
    .option('--status <status>', 'active, completed, breached or cancelled')
    .option('--limit <n>', 'at most this many', (v) => Number(v), 100)
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const list = await inTenant('collections plan list', options, async (ctx) =>
        (
          await listPaymentPlans(ctx, {
            ...(options.customer ? { customerId: await customerIdOf(ctx, options.customer) } : {}),
            ...(options.status ? { status: options.status as PlanStatus } : {}),
            limit: options.limit,
          })
        ).map(planToApi),
      )
      printResult(
        options,
        { data: list },
        table(
          ['ID', 'STATUS', 'TOTAL', 'PAID', 'INSTALMENTS', 'SOURCE'],
          list.map((p) => [
            p.id,
            p.status,
            `${p.total} ${p.currency}`,
            p.paid,
            String(p.instalments.length),
            p.source,
          ]),
        ),
      )
    })
  plan
    .command('show <id>')
    .description('A payment plan with its instalments paid and open')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (id: string, options) => {
      const shown = await inTenant('collections plan show', options, async (ctx) =>
        planToApi(await getPaymentPlan(ctx, id)),
      )
      printResult(options, shown, planLines(shown))
    })
  plan
    .command('cancel <id>')
    .description('Cancel an active plan: its invoices are dunned again')
    .option('--reason <reason>', 'why')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (id: string, options) => {
      const cancelled = await inTenant('collections plan cancel', options, async (ctx) =>
        planToApi(
          await cancelPaymentPlan(ctx, id, options.reason ? { reason: options.reason } : {}),
        ),
      )
      printResult(options, cancelled, `Plan ${cancelled.id} cancelled.`)
    })

  const report = collections.command('report').description('Collections reports')
  report
    .command('pay-intent')
    .description("Can't pay / won't pay: customers and open amounts; plans per status")
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const result = await inTenant('collections report pay-intent', options, payIntentReport)
      const money = (list: { currency: string; minor: bigint }[]) =>
        list.map((m) => `${formatAmount(m.minor, m.currency)} ${m.currency}`).join(', ') || '0'
      printResult(options, result, [
        ...table(
          ['PAY INTENT', 'CUSTOMERS', 'OPEN'],
          result.classifications.map((c) => [
            c.payIntent,
            String(c.customers),
            money(c.open.map((o) => ({ currency: o.currency, minor: o.openMinor }))),
          ]),
        ),
        '',
        ...table(
          ['PLANS', 'COUNT', 'TOTAL'],
          result.plans.map((p) => [
            p.status,
            String(p.plans),
            money(p.totals.map((t) => ({ currency: t.currency, minor: t.totalMinor }))),
          ]),
        ),
      ])
    })
}

function planLines(p: ReturnType<typeof planToApi>): string[] {
  return [
    `Plan ${p.id} (${p.status}): ${p.total} ${p.currency}, paid ${p.paid}, grace ${p.grace_days} days`,
    ...table(
      ['#', 'DUE', 'AMOUNT', 'PAID', 'OPEN'],
      p.instalments.map((i) => [String(i.position), i.due_on, i.amount, i.paid, i.open]),
    ),
  ]
}

/** A customer by id or number. */
/** Invoices by id or number (comma-separated), in the order given. */
async function invoicesOf(ctx: Ctx, list: string): Promise<{ id: string; currency: string }[]> {
  const texts = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (texts.length === 0) throw invalid([{ field: 'invoices', message: 'name at least one' }])
  const found: { id: string; currency: string }[] = []
  for (const text of texts) {
    const row = await ctx.db
      .selectFrom('invoice')
      .select(['id', 'currency'])
      .where('tenantId', '=', ctx.tenantId)
      .where(isUuid(text) ? 'id' : 'number', '=', text)
      .executeTakeFirst()
    if (!row) throw invalid([{ field: 'invoices', message: `no invoice ${text}` }])
    found.push(row)
  }
  return found
}

function amountOf(text: string, field: string, currency: string): bigint {
  const minor = parseAmount(text, currency)
  if (minor === undefined) {
    throw invalid([{ field, message: `"${text}" is not an amount in ${currency}` }])
  }
  return minor
}

function dateOf(text: string, field: string): string {
  if (!isCalendarDate(text))
    throw invalid([{ field, message: `"${text}" is not a date YYYY-MM-DD` }])
  return text
}
