import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { printResult, table } from '../../../cli/output.js'
import { inCliTenant, tenantScope } from '../../../cli/tenant-scope.js'
import { invalid } from '../../../core/errors.js'
import type { CliContext } from '../../../platform.js'
import { dunningCommand } from '../cli.js'
import { sendDueMessages } from './jobs.js'
import { createPolicy, getPolicy, listPolicies, updatePolicy } from './policies.js'
import { checkRunDate, type DunningRun, runDunning, todayFor } from './run.js'

// `o2c dunning policy list|show|set FILE.json` and `o2c dunning run [--date] [--dry-run]`.
// A run from the command line sends the messages that are due itself (the same handler as
// the worker's job) unless --no-send; started again after a crash, it resumes the run and
// sends what was not sent.

export function dunningCommands(program: Command, cli: CliContext): void {
  const dunning = dunningCommand(program)
  const policy = dunning.command('policy').description('Dunning policies')

  policy
    .command('list')
    .description("The tenant's dunning policies by priority")
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const platform = await cli.platform('dunning policy list')
      const policies = await inCliTenant(platform, cli.tenantSlug(options), listPolicies)
      printResult(
        options,
        { data: policies },
        table(
          ['PRIORITY', 'NAME', 'ACTIVE', 'RULE', 'STEPS'],
          policies.map((p) => [
            String(p.priority),
            p.name,
            p.active ? 'yes' : 'no',
            JSON.stringify(p.rule),
            p.steps.map((s) => `${s.channel}:${s.action}`).join(' → '),
          ]),
        ),
      )
    })

  policy
    .command('show <policy>')
    .description('One policy (its id or name) with its steps')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (name: string, options) => {
      const platform = await cli.platform('dunning policy show')
      const found = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        getPolicy(ctx, name),
      )
      printResult(options, found, [
        `${found.name} (priority ${found.priority}${found.active ? '' : ', inactive'}): ${found.description}`,
        `rule: ${JSON.stringify(found.rule)}  interest: ${found.interest_kind}`,
        ...table(
          ['STEP', 'WHEN', 'CHANNEL', 'TEMPLATE', 'ACTION'],
          found.steps.map((s) => [
            String(s.position),
            `${s.days >= 0 ? '+' : ''}${s.days} d after ${s.anchor === 'due_date' ? 'due date' : 'previous step'}`,
            s.channel,
            s.template_key,
            s.action,
          ]),
        ),
      ])
    })

  policy
    .command('set <file>')
    .description(
      'Make or replace the policy in FILE (JSON as POST /v1/dunning-policies takes it; a ' +
        'policy of that name is replaced, at the "version" the file names if it names one)',
    )
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (file: string, options) => {
      const given = policyFile(file) as { name?: unknown; version?: unknown }
      const platform = await cli.platform('dunning policy set')
      const saved = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) => {
        const name = typeof given.name === 'string' ? given.name : ''
        const existing = await getPolicy(ctx, name).catch(() => undefined)
        if (!existing) return createPolicy(ctx, given)
        const version = typeof given.version === 'number' ? given.version : existing.version
        return updatePolicy(ctx, existing.id, version, given)
      })
      printResult(
        options,
        saved,
        `Saved dunning policy ${saved.name} (version ${saved.version}, ${saved.steps.length} steps).`,
      )
    })

  dunning
    .command('run')
    .description('Run dunning for a day: make the due messages, then send them')
    .option('--date <date>', "the run date, YYYY-MM-DD (default: today in the tenant's zone)")
    .option('--dry-run', 'only report what would be sent')
    .option('--no-send', 'make the messages but leave sending to the worker')
    .option('--batch-customers <n>', 'customers per batch (a transaction each)', (v) => Number(v))
    .option('--progress', 'print each batch and each round of sending to stderr')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const platform = await cli.platform('dunning run')
      const tenant = await tenantScope(platform, cli.tenantSlug(options))
      const runDate = checkRunDate(options.date ?? todayFor(tenant, platform.clock.now()))
      const run = await runDunning(platform, {
        tenant,
        runDate,
        dryRun: Boolean(options.dryRun),
        trigger: 'cli',
        customersPerBatch: options.batchCustomers,
        onBatch: (report) => {
          if (options.progress) {
            process.stderr.write(`dunning: batch ${report.batches} done, ${report.items} items\n`)
          }
        },
      })
      const sending =
        !run.dry_run && options.send !== false
          ? await sendDueMessages(platform, tenant, run.id, {
              onRound: (summary) => {
                if (options.progress) {
                  process.stderr.write(`dunning: sent ${summary.sent}, failed ${summary.failed}\n`)
                }
              },
            })
          : undefined
      printResult(options, { ...run, sending: sending ?? null }, runLines(run, sending))
    })
}

function runLines(run: DunningRun, sending?: Awaited<ReturnType<typeof sendDueMessages>>) {
  const r = run.report
  const channels = Object.entries(r.messages)
    .map(([channel, n]) => `${n} ${channel}`)
    .join(', ')
  const held = Object.entries(r.held)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ')
  return [
    `${run.dry_run ? 'Dry run' : 'Dunning run'} ${run.run_date} (${run.status}), run ${run.id}`,
    `${r.items} items${run.dry_run ? ' would be' : ''} dunned in messages: ${channels || 'none'}`,
    `held: ${held || 'none'}`,
    ...(r.credit_holds ? [`credit holds: ${r.credit_holds}`] : []),
    ...(sending
      ? [
          `sent ${sending.sent}, collector tasks ${sending.tasks}, failed ${sending.failed}, waiting ${sending.waiting}`,
          ...sending.problems.map((problem) => `waiting because: ${problem}`),
        ]
      : []),
  ]
}

function policyFile(file: string): unknown {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw invalid([{ field: 'file', message: `cannot read ${file}` }])
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw invalid([{ field: 'file', message: `${file} is not JSON: ${reason}` }])
  }
}
