import type { Command } from 'commander'
import { printResult, table } from '../../../cli/output.js'
import { inCliTenant } from '../../../cli/tenant-scope.js'
import { invalid, notFound } from '../../../core/errors.js'
import { isUuid } from '../../../core/ids.js'
import type { Ctx } from '../../../db/context.js'
import type { CliContext } from '../../../platform.js'
import { listInvoices } from '../../invoicing/index.js'
import { customerIdOf } from '../cli.js'
import { type DisputeCategory, type DisputeStatus, disputeCategories } from '../tables.js'
import {
  type DisputeCredit,
  type DisputeLineInput,
  disputeIdOf,
  getDispute,
  investigateDispute,
  listDisputes,
  openDispute,
  rejectDispute,
  resolveDispute,
  withdrawDispute,
} from './disputes.js'
import { disputeRootCauses } from './report.js'
import { type DisputeOut, disputeToApi, reportToApi } from './routes.js'

// `o2c disputes open|list|show|investigate|resolve|reject|withdraw|report`: disputes at the
// terminal. JSON output is the API's. A change acts on the dispute as it is now unless
// --version names the version the person read (as If-Match does over HTTP).

export function disputeCommands(program: Command, cli: CliContext): void {
  const disputes = program
    .command('disputes')
    .description('Disputes on invoices: open, work, report')
  const withTenant = (c: Command) =>
    c.option('--tenant <slug>', 'tenant (or O2C_TENANT)').option('--json', 'print JSON')

  withTenant(
    disputes
      .command('open')
      .description('Open a dispute on an issued invoice (an amount, or lines)')
      .requiredOption('--invoice <number>', 'invoice number or id')
      .requiredOption('--category <category>', disputeCategories.join(', '))
      .requiredOption('--description <text>', 'what the customer says is wrong')
      .option('--amount <amount>', 'disputed amount of the whole invoice, e.g. 121.00')
      .option(
        '--line <n=amount[@quantity]>',
        'a disputed line, repeatable: 2=30.25 or 2=30.25@1',
        (value: string, all: string[] = []) => [...all, value],
      )
      .option('--owner <email>', 'a user of the tenant who handles it'),
  ).action(async (options) => {
    if (!(disputeCategories as readonly string[]).includes(options.category)) {
      throw invalid([{ field: 'category', message: `one of ${disputeCategories.join(', ')}` }])
    }
    const lines: DisputeLineInput[] | undefined = options.line?.map((text: string, i: number) => {
      const match = /^(\d+)=([\d.]+)(?:@([\d.]+))?$/.exec(text)
      if (!match)
        throw invalid([{ field: `line[${i}]`, message: 'write N=AMOUNT or N=AMOUNT@QTY' }])
      return { lineNumber: Number(match[1]), amount: match[2], quantity: match[3] }
    })
    const platform = await cli.platform('disputes open')
    const dispute = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) =>
      openDispute(ctx, {
        invoiceId: await invoiceIdOf(ctx, options.invoice),
        category: options.category as DisputeCategory,
        description: options.description,
        amount: options.amount,
        lines,
        owner: options.owner ?? null,
        openedVia: 'collector',
      }),
    )
    printDispute(options, disputeToApi(dispute))
  })

  withTenant(
    disputes
      .command('list')
      .description('Disputes, newest first; --sla-overdue: past their deadline, oldest first')
      .option('--status <statuses>', 'comma-separated: open, investigating, resolved, …')
      .option('--owner <email>')
      .option('--category <category>')
      .option('--customer <number>', 'customer number or id')
      .option('--invoice <number>', 'invoice number or id')
      .option('--sla-overdue', 'only open disputes past their SLA deadline')
      .option('--cursor <cursor>')
      .option('--limit <n>', 'per page', (v) => Number(v), 50),
  ).action(async (options) => {
    const platform = await cli.platform('disputes list')
    const page = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) =>
      listDisputes(ctx, {
        status: options.status?.split(',').map((s: string) => s.trim()) as DisputeStatus[],
        owner: options.owner,
        category: options.category,
        customerId: options.customer ? await customerIdOf(ctx, options.customer) : undefined,
        invoiceId: options.invoice ? await invoiceIdOf(ctx, options.invoice) : undefined,
        slaOverdue: options.slaOverdue === true,
        cursor: options.cursor,
        limit: options.limit,
      }),
    )
    const data = page.data.map(disputeToApi)
    printResult(options, { data, next_cursor: page.nextCursor }, [
      ...table(
        ['number', 'invoice', 'category', 'amount', 'status', 'sla', 'owner'],
        data.map((d) => [
          d.number,
          d.invoice_number,
          d.category,
          `${d.currency} ${d.amount}`,
          d.status,
          `${d.sla_due_on}${d.sla_overdue ? ' OVERDUE' : ''}`,
          d.owner ?? '',
        ]),
      ),
      ...(page.nextCursor ? [`more: --cursor ${page.nextCursor}`] : []),
    ])
  })

  withTenant(disputes.command('show <dispute>').description('One dispute (number or id)')).action(
    async (ref: string, options) => {
      const platform = await cli.platform('disputes show')
      const dispute = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) =>
        getDispute(ctx, await disputeIdOf(ctx, ref)),
      )
      printDispute(options, disputeToApi(dispute))
    },
  )

  const change = (name: string, description: string) =>
    withTenant(
      disputes
        .command(`${name} <dispute>`)
        .description(description)
        .option('--version <n>', 'the version you read (refused when it changed since)', Number),
    )
  const act = async (
    ref: string,
    options: { version?: number; tenant?: string; json?: boolean },
    command: string,
    work: (ctx: Ctx, id: string, version: number) => Promise<Parameters<typeof disputeToApi>[0]>,
  ) => {
    const platform = await cli.platform(`disputes ${command}`)
    const dispute = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) => {
      const id = await disputeIdOf(ctx, ref)
      const version = options.version ?? (await getDispute(ctx, id)).version
      return work(ctx, id, version)
    })
    printDispute(options, disputeToApi(dispute))
  }

  change('investigate', 'open → investigating')
    .option('--note <text>')
    .action((ref, options) =>
      act(ref, options, 'investigate', (ctx, id, v) =>
        investigateDispute(ctx, id, v, { note: options.note }),
      ),
    )

  change('resolve', 'Resolve, with a credit note (--credit disputed|AMOUNT) or without')
    .requiredOption('--root-cause <text>', 'what caused it (for the root-cause report)')
    .requiredOption('--note <text>', 'the resolution, as the customer will read it')
    .option('--credit <what>', '"disputed" (the disputed amount) or an amount such as 20.00')
    .action((ref, options) => {
      const credit: DisputeCredit | undefined =
        options.credit === undefined
          ? undefined
          : options.credit === 'disputed'
            ? { kind: 'disputed' }
            : { kind: 'amount', amount: options.credit }
      return act(ref, options, 'resolve', (ctx, id, v) =>
        resolveDispute(ctx, id, v, {
          rootCause: options.rootCause,
          resolutionNote: options.note,
          credit,
        }),
      )
    })

  change('reject', 'Reject: dunning resumes, the customer is told why')
    .requiredOption('--note <text>', 'why, as the customer will read it')
    .option('--root-cause <text>')
    .action((ref, options) =>
      act(ref, options, 'reject', (ctx, id, v) =>
        rejectDispute(ctx, id, v, { resolutionNote: options.note, rootCause: options.rootCause }),
      ),
    )

  change('withdraw', 'Withdrawn by the customer: dunning resumes')
    .option('--note <text>')
    .action((ref, options) =>
      act(ref, options, 'withdraw', (ctx, id, v) =>
        withdrawDispute(ctx, id, v, { note: options.note }),
      ),
    )

  withTenant(
    disputes
      .command('report')
      .description('Root causes: disputes opened in a period by category, product, customer')
      .requiredOption('--from <date>', 'YYYY-MM-DD')
      .requiredOption('--to <date>', 'YYYY-MM-DD'),
  ).action(async (options) => {
    const platform = await cli.platform('disputes report')
    const report = reportToApi(
      await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        disputeRootCauses(ctx, options.from, options.to),
      ),
    )
    const rows = (
      title: string,
      list: { disputes: number; currency: string; disputed: string; credited: string }[],
      key: (x: never) => string,
    ) => [
      '',
      title,
      ...table(
        ['', 'disputes', 'disputed', 'credited'],
        list.map((x) => [
          key(x as never),
          String(x.disputes),
          `${x.currency} ${x.disputed}`,
          `${x.currency} ${x.credited}`,
        ]),
      ),
    ]
    printResult(options, report, [
      `Disputes opened ${report.from} to ${report.to}: ${report.disputed_invoices} of ` +
        `${report.invoices_issued} invoices issued (rate ${report.dispute_rate ?? 'n/a'})`,
      ...rows('By category', report.by_category, (x: { category: string }) => x.category),
      ...rows(
        'By product',
        report.by_product,
        (x: { item_code: string | null }) => x.item_code ?? '(whole invoice)',
      ),
      ...rows(
        'By customer',
        report.by_customer,
        (x: { customer_number: string | null }) => x.customer_number ?? '',
      ),
    ])
  })
}

function printDispute(options: { json?: boolean }, d: DisputeOut): void {
  printResult(options, d, [
    `${d.number}  ${d.status}  ${d.category}  ${d.currency} ${d.amount}  invoice ${d.invoice_number}`,
    `SLA ${d.sla_due_on}${d.sla_overdue ? ' (OVERDUE)' : ''}  owner ${d.owner ?? '-'}  version ${d.version}`,
    d.description,
    ...d.lines.map((l) => `  line ${l.line_number} ${l.item_code}: ${d.currency} ${l.amount}`),
    ...(d.resolution_note ? [`resolution: ${d.resolution_note}`] : []),
    ...(d.credit_note_number ? [`credit note: ${d.credit_note_number}`] : []),
  ])
}

async function invoiceIdOf(ctx: Ctx, ref: string): Promise<string> {
  if (isUuid(ref)) return ref
  const page = await listInvoices(ctx, { number: ref, documentType: 'invoice', limit: 1 })
  const found = page.data[0]
  if (!found) throw notFound('invoice', ref)
  return found.id
}
