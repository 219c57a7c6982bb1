import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import type { z } from 'zod'
import { printResult, table } from '../../cli/output.js'
import { inCliTenant } from '../../cli/tenant-scope.js'
import { invalid } from '../../core/errors.js'
import { formatAmount, formatDecimal } from '../../core/money.js'
import type { CliContext } from '../../platform.js'
import { getCustomerHeader } from '../customers/index.js'
import { getBillingSettings, putBillingSettings } from './billing-settings.js'
import { creditNoteCommands } from './credit-note-commands.js'
import { createInvoiceDraft } from './drafts.js'
import { issueInvoice } from './issue.js'
import { getInvoice, listInvoices } from './queries.js'
import {
  billingSettingsFromApi,
  billingSettingsIn,
  billingSettingsToApi,
  draftFromApi,
  invoiceSummaryToApi,
  invoiceToApi,
  newInvoiceIn,
  timelineStepToApi,
} from './schemas.js'
import { statementCommands } from './statement-commands.js'
import { invoiceTimeline } from './timeline.js'

// `o2c invoices …`: the billing specialist's commands. Files are the API's JSON (snake_case),
// so a draft.json works with `o2c invoices create` and POST /v1/invoices alike.

export function invoiceCommands(program: Command, cli: CliContext): void {
  const invoices = program
    .command('invoices')
    .description('Invoices and credit notes: draft, issue, track')
  creditNoteCommands(program, cli) // o2c invoices credit (credit-note-commands.ts)
  statementCommands(program, cli) // o2c customers statement (statement-commands.ts)

  const tenantOption = ['--tenant <slug>', 'tenant (or O2C_TENANT)'] as const

  invoices
    .command('list')
    .description('List invoices and credit notes')
    .option(...tenantOption)
    .option('--customer <id>', 'customer id')
    .option('--status <status>', 'draft or issued')
    .option('--overdue', 'only issued invoices past due with something open')
    .option('--limit <n>', 'at most n', '50')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const platform = await cli.platform('invoices list')
      const page = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        listInvoices(ctx, {
          customerId: options.customer,
          status: options.status,
          overdue: Boolean(options.overdue),
          limit: Number(options.limit),
        }),
      )
      printResult(
        options,
        { data: page.data.map(invoiceSummaryToApi), next_cursor: page.nextCursor },
        table(
          ['NUMBER', 'TYPE', 'STATUS', 'CUSTOMER', 'ISSUED', 'DUE', 'TOTAL', 'OPEN', 'ID'],
          page.data.map((i) => [
            i.number ?? '(draft)',
            i.documentType,
            i.status,
            i.customerName ?? i.customerId,
            i.issueDate ?? '',
            i.dueDate ?? '',
            `${formatAmount(i.totals.taxInclusiveMinor, i.currency)} ${i.currency}`,
            i.openMinor === null ? '' : formatAmount(i.openMinor, i.currency),
            i.id,
          ]),
        ),
      )
    })

  invoices
    .command('show <id>')
    .description('Show an invoice or credit note')
    .option(...tenantOption)
    .option('--json', 'print JSON')
    .action(async (id: string, options) => {
      const platform = await cli.platform('invoices show')
      const invoice = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        getInvoice(ctx, id),
      )
      const amount = (minor: bigint) =>
        `${formatAmount(minor, invoice.currency)} ${invoice.currency}`
      printResult(options, invoiceToApi(invoice), [
        `${invoice.documentType === 'invoice' ? 'Invoice' : 'Credit note'} ${invoice.number ?? '(draft)'} — ${invoice.status}`,
        `Customer ${invoice.buyer?.name ?? invoice.customerId}; issued ${invoice.issueDate ?? '-'}, due ${invoice.dueDate ?? '-'}`,
        `Payment reference ${invoice.paymentReference ?? '-'}`,
        '',
        ...table(
          ['#', 'ITEM', 'QTY', 'PRICE', 'VAT', 'NET'],
          invoice.lines.map((l) => [
            String(l.lineNumber),
            l.description || l.itemCode,
            formatDecimal(l.quantity),
            formatAmount(l.unitPriceMinor, invoice.currency),
            `${l.vatCategory} ${formatDecimal(l.vatRate)}%`,
            formatAmount(l.netMinor, invoice.currency),
          ]),
        ),
        '',
        `Without VAT ${amount(invoice.totals.taxExclusiveMinor)}, VAT ${amount(invoice.totals.vatMinor)}, total ${amount(invoice.totals.taxInclusiveMinor)}, payable ${amount(invoice.totals.payableMinor)}`,
        ...(invoice.openMinor !== null ? [`Open ${amount(invoice.openMinor)}`] : []),
      ])
    })

  invoices
    .command('create')
    .description('Draft a manual invoice from a JSON file (the body of POST /v1/invoices)')
    .requiredOption('--file <draft.json>', 'the draft')
    .option('--issue', 'issue it at once')
    .option(...tenantOption)
    .option('--json', 'print JSON')
    .action(async (options) => {
      const body = parseFile(options.file, newInvoiceIn)
      const platform = await cli.platform('invoices create')
      const invoice = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) => {
        const { issue, issue_date, ...fields } = body
        const currency =
          fields.currency?.toUpperCase() ??
          (await getCustomerHeader(ctx, fields.customer_id)).currency
        const draft = await createInvoiceDraft(ctx, {
          origin: 'manual',
          customerId: fields.customer_id,
          lines: [],
          ...draftFromApi(fields, currency),
        })
        return options.issue || issue
          ? issueInvoice(ctx, draft.id, { issueDate: issue_date })
          : draft
      })
      printResult(
        options,
        invoiceToApi(invoice),
        invoice.status === 'issued'
          ? `Issued ${invoice.number}: ${formatAmount(invoice.totals.payableMinor, invoice.currency)} ${invoice.currency} due ${invoice.dueDate} (${invoice.id})`
          : `Drafted ${invoice.id}: ${formatAmount(invoice.totals.payableMinor, invoice.currency)} ${invoice.currency}`,
      )
    })

  invoices
    .command('issue <id>')
    .description('Issue a draft invoice or credit note')
    .option('--issue-date <date>', 'the issue date (default today)')
    .option(...tenantOption)
    .option('--json', 'print JSON')
    .action(async (id: string, options) => {
      const platform = await cli.platform('invoices issue')
      const invoice = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        issueInvoice(ctx, id, { issueDate: options.issueDate }),
      )
      printResult(
        options,
        invoiceToApi(invoice),
        `Issued ${invoice.number}: ${formatAmount(invoice.totals.payableMinor, invoice.currency)} ${invoice.currency}${invoice.dueDate ? ` due ${invoice.dueDate}` : ''}, payment reference ${invoice.paymentReference}`,
      )
    })

  invoices
    .command('timeline <id>')
    .description("An invoice's track & trace")
    .option(...tenantOption)
    .option('--json', 'print JSON')
    .action(async (id: string, options) => {
      const platform = await cli.platform('invoices timeline')
      const steps = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) => {
        await getInvoice(ctx, id)
        return invoiceTimeline(ctx, id)
      })
      printResult(
        options,
        { data: steps.map(timelineStepToApi) },
        table(
          ['WHEN', 'STEP', 'CHANNEL'],
          steps.map((s) => [s.occurredAt.toISOString(), s.step, s.channel ?? '']),
        ),
      )
    })

  const settings = invoices.command('settings').description('Billing settings of the tenant')
  settings
    .command('show')
    .description('Show the billing settings')
    .option(...tenantOption)
    .option('--json', 'print JSON')
    .action(async (options) => {
      const platform = await cli.platform('invoices settings show')
      const current = await inCliTenant(platform, cli.tenantSlug(options), getBillingSettings)
      if (!current) {
        printResult(
          options,
          null,
          'No billing settings yet: o2c invoices settings set --file settings.json',
        )
        return
      }
      const api = billingSettingsToApi(current)
      printResult(options, api, JSON.stringify(api, null, 2))
    })
  settings
    .command('set')
    .description(
      'Replace the billing settings from a JSON file (the body of PUT /v1/billing-settings)',
    )
    .requiredOption('--file <settings.json>', 'the settings')
    .option(...tenantOption)
    .option('--json', 'print JSON')
    .action(async (options) => {
      const body = parseFile(options.file, billingSettingsIn)
      const platform = await cli.platform('invoices settings set')
      const saved = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) => {
        // The person at the terminal replaces what is there: read its version in the same
        // transaction, so the settings cannot change in between.
        const current = await getBillingSettings(ctx)
        return putBillingSettings(ctx, billingSettingsFromApi(body), current?.version)
      })
      printResult(
        options,
        billingSettingsToApi(saved),
        `Billing settings saved (version ${saved.version})`,
      )
    })
}

function parseFile<T>(path: string, schema: z.ZodType<T>): T {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw invalid([{ field: path, message: `is not a JSON file: ${(error as Error).message}` }])
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) {
    throw invalid(
      parsed.error.issues.map((issue) => ({
        field: issue.path.map(String).join('.') || '(file)',
        message: issue.message,
      })),
    )
  }
  return parsed.data
}
