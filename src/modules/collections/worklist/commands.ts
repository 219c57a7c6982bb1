import type { Command } from 'commander'
import { printResult, table } from '../../../cli/output.js'
import { inCliTenant } from '../../../cli/tenant-scope.js'
import { invalid } from '../../../core/errors.js'
import type { CliContext } from '../../../platform.js'
import { collectionsCommand, customerIdOf } from '../cli.js'
import { type CallOutcome, callOutcomes, recordActivity } from './activities.js'
import { activityToApi, timelineEntryToApi, worklistRowToApi } from './routes.js'
import { customerTimeline } from './timeline.js'
import { collectorWorklist } from './worklist.js'

// `o2c collections worklist|timeline|call`: the collector's day at the terminal. JSON output
// is the API's (GET /v1/collections/worklist, GET /v1/customers/{id}/timeline).

export function worklistCommands(program: Command, cli: CliContext): void {
  const collections = collectionsCommand(program)

  collections
    .command('worklist')
    .description('Customers with overdue items, most at stake first, with the next action')
    .option('--as-of <date>', 'rank for this day (default today)')
    .option('--cursor <cursor>')
    .option('--limit <n>', 'customers per page', (v) => Number(v), 50)
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON (as GET /v1/collections/worklist)')
    .action(async (options) => {
      const platform = await cli.platform('collections worklist')
      const page = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        collectorWorklist(ctx, {
          asOf: options.asOf,
          cursor: options.cursor,
          limit: options.limit,
        }),
      )
      const data = page.data.map(worklistRowToApi)
      printResult(options, { as_of: page.asOf, data, next_cursor: page.nextCursor }, [
        ...table(
          ['#', 'customer', 'overdue', 'days', 'risk', 'p', 'score', 'next'],
          data.map((r) => [
            String(r.rank),
            `${r.customer.number} ${r.customer.name}`,
            `${r.currency} ${r.overdue}`,
            String(r.days_overdue),
            r.risk_class ?? '-',
            r.chance_of_paying.toFixed(2),
            r.score.toFixed(0),
            r.reason,
          ]),
        ),
        ...(page.nextCursor ? [`more: --cursor ${page.nextCursor}`] : []),
      ])
    })

  collections
    .command('timeline <customer>')
    .description("A customer's touch points, newest first (customer number or id)")
    .option('--cursor <cursor>')
    .option('--limit <n>', 'entries per page', (v) => Number(v), 50)
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON (as GET /v1/customers/{id}/timeline)')
    .action(async (customer: string, options) => {
      const platform = await cli.platform('collections timeline')
      const page = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) =>
        customerTimeline(ctx, await customerIdOf(ctx, customer), {
          cursor: options.cursor,
          limit: options.limit,
        }),
      )
      const data = page.data.map(timelineEntryToApi)
      printResult(options, { data, next_cursor: page.nextCursor }, [
        ...data.map(
          (e) =>
            `${e.occurred_at.slice(0, 16).replace('T', ' ')}  ${e.type.padEnd(14)} ${e.summary}`,
        ),
        ...(page.nextCursor ? [`more: --cursor ${page.nextCursor}`] : []),
      ])
    })

  collections
    .command('call <customer>')
    .description("Record a call and its outcome on the customer's timeline")
    .requiredOption('--outcome <outcome>', callOutcomes.join(', '))
    .option('--note <text>')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (customer: string, options) => {
      if (!(callOutcomes as readonly string[]).includes(options.outcome)) {
        throw invalid([{ field: 'outcome', message: `one of ${callOutcomes.join(', ')}` }])
      }
      const platform = await cli.platform('collections call')
      const activity = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) =>
        recordActivity(ctx, await customerIdOf(ctx, customer), {
          kind: 'call',
          outcome: options.outcome as CallOutcome,
          note: options.note,
        }),
      )
      printResult(options, activityToApi(activity), `Call recorded (${activity.outcome}).`)
    })
}
