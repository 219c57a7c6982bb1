import type { Command } from 'commander'
import { printResult, table } from '../../cli/output.js'
import { inCliTenant } from '../../cli/tenant-scope.js'
import { invalid } from '../../core/errors.js'
import { pageSizeMax } from '../../core/pagination.js'
import type { CliContext } from '../../platform.js'
import type { DeliveryStatus } from './tables.js'
import {
  createWebhook,
  listDeliveries,
  listWebhooks,
  redeliverWebhook,
  type WebhookDelivery,
} from './webhooks.js'
import { startWorker } from './worker.js'

const deliveryStatuses: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed']

export function outboxCommands(program: Command, cli: CliContext): void {
  const webhooks = program
    .command('webhooks')
    .description('Webhook endpoints that receive domain events, and their deliveries')

  webhooks
    .command('list')
    .description("List the tenant's webhook endpoints")
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const platform = await cli.platform('webhooks list')
      const page = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        listWebhooks(ctx, { limit: pageSizeMax }),
      )
      printResult(
        options,
        page.data,
        table(
          ['ID', 'URL', 'EVENTS', 'ACTIVE'],
          page.data.map((w) => [w.id, w.url, w.eventTypes.join(','), w.active ? 'yes' : 'no']),
        ),
      )
    })

  webhooks
    .command('create <url>')
    .description('Register an endpoint and print its signing secret (shown this once)')
    .requiredOption('--events <types>', 'comma-separated event types, or "*" for all')
    .option('--description <text>', 'what the endpoint is for')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (url: string, options) => {
      const platform = await cli.platform('webhooks create')
      const eventTypes = String(options.events)
        .split(',')
        .map((type) => type.trim())
        .filter(Boolean)
      const { webhook, secret } = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        createWebhook(ctx, { url, eventTypes, description: options.description }),
      )
      printResult(options, { ...webhook, secret }, [
        `Created webhook ${webhook.id} for ${webhook.eventTypes.join(', ')} → ${webhook.url}`,
        'Its signing secret is shown this once; give it to the receiver:',
        `  ${secret}`,
      ])
    })

  webhooks
    .command('deliveries <webhook-id>')
    .description("List an endpoint's deliveries, oldest first")
    .option('--status <status>', `only ${deliveryStatuses.join(', ')}`)
    .option('--limit <n>', `deliveries at most (up to ${pageSizeMax})`, '100')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (webhookId: string, options) => {
      const status = options.status as DeliveryStatus | undefined
      if (status && !deliveryStatuses.includes(status)) {
        throw invalid([{ field: '--status', message: `is one of ${deliveryStatuses.join(', ')}` }])
      }
      const limit = Number(options.limit)
      if (!Number.isInteger(limit) || limit < 1 || limit > pageSizeMax) {
        throw invalid([{ field: '--limit', message: `is a whole number from 1 to ${pageSizeMax}` }])
      }
      const platform = await cli.platform('webhooks deliveries')
      const page = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        listDeliveries(ctx, webhookId, { status, limit }),
      )
      printResult(options, page.data, deliveryTable(page.data))
    })

  webhooks
    .command('redeliver <delivery-id>')
    .description('Send a delivery again, now, with a fresh round of retries')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (deliveryId: string, options) => {
      const platform = await cli.platform('webhooks redeliver')
      const delivery = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        redeliverWebhook(ctx, deliveryId),
      )
      printResult(
        options,
        delivery,
        `Queued delivery ${delivery.id} (${delivery.eventType}) to be sent again now`,
      )
    })

  const worker = program.command('worker').description('The background worker (jobs, webhooks)')
  worker
    .command('run-once')
    .description('Run every due job once (all tenants) and print how many ran')
    .option('--json', 'print JSON')
    .action(async (options) => {
      // Loaded here, not at the top: src/modules.ts imports this module to list it.
      const { jobHandlers } = await import('../../modules.js')
      const platform = await cli.platform('worker run-once')
      const runner = startWorker(platform, jobHandlers(), { background: false })
      const ran = await runner.drain()
      await runner.stop()
      printResult(options, { jobs_run: ran }, `Ran ${ran} job${ran === 1 ? '' : 's'}.`)
    })
}

function deliveryTable(rows: WebhookDelivery[]): string[] {
  return table(
    ['ID', 'EVENT', 'STATUS', 'ATTEMPTS', 'NEXT ATTEMPT'],
    rows.map((d) => [
      d.id,
      d.eventType,
      d.status,
      String(d.attempts),
      d.nextAttemptAt?.toISOString() ?? '',
    ]),
  )
}
