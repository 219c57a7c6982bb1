import type { Command } from 'commander'
import { printResult, table } from '../../cli/output.js'
import { inCliTenant } from '../../cli/tenant-scope.js'
import { pageSizeMax } from '../../core/pagination.js'
import type { CliContext } from '../../platform.js'
import { auditTrail, verifyAuditTrail } from './service.js'

export function auditCommands(program: Command, cli: CliContext): void {
  const audit = program.command('audit').description('The tamper-evident audit trail')
  audit
    .command('verify')
    .description("Recompute the tenant's hash chain; name every edited, inserted or deleted event")
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const platform = await cli.platform('audit verify')
      const result = await inCliTenant(platform, cli.tenantSlug(options), verifyAuditTrail)
      const ok = result.problems.length === 0
      printResult(options, { ok, ...result }, [
        ok
          ? `Audit trail intact: ${result.eventsChecked} events verified.`
          : `Audit trail BROKEN: ${result.problems.length} problem(s) in ${result.eventsChecked} events.`,
        ...result.problems.map((p) => `  ${p.problem.toUpperCase()}: ${p.detail}`),
        ...(result.head ? [`Head: event ${result.head.seq}, hash ${result.head.hash}`] : []),
      ])
      if (!ok) process.exitCode = 1
    })
  audit
    .command('list')
    .description("An entity's history (or the whole trail), oldest first")
    .option('--entity <id>', 'id of the entity')
    .option('--limit <n>', 'events at most', '100')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const limit = Number(options.limit)
      if (!Number.isInteger(limit) || limit < 1 || limit > pageSizeMax) {
        throw new Error(`--limit ${options.limit} is not a whole number from 1 to ${pageSizeMax}`)
      }
      const platform = await cli.platform('audit list')
      const page = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        auditTrail(ctx, { entityId: options.entity, limit }),
      )
      printResult(
        options,
        page.data,
        table(
          ['SEQ', 'AT', 'ACTOR', 'ENTITY', 'ACTION'],
          page.data.map((e) => [
            e.seq.toString(),
            e.occurredAt.toISOString(),
            e.actorName,
            `${e.entityType} ${e.entityId}`,
            e.action,
          ]),
        ),
      )
    })
}
