import { readFileSync, writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { printResult, table } from '../../../cli/output.js'
import { inCliTenant } from '../../../cli/tenant-scope.js'
import { invalid } from '../../../core/errors.js'
import { formatAmount } from '../../../core/money.js'
import type { CliContext } from '../../../platform.js'
import { dunningCommand } from '../cli.js'
import type { DunningChannel } from '../tables.js'
import { buildPrintBatch, previewTemplate, printBatchPdf } from './render.js'
import {
  checkTemplateId,
  deleteTemplate,
  listTemplates,
  putTemplate,
  resolveTemplate,
} from './templates.js'

// `o2c dunning template list|show|set|reset|preview` and `o2c dunning print-batch`: the
// templates and the printer's PDF at the terminal. The JSON is the service's, in snake_case.

const idArguments = '<key> <language> <audience> <channel>'

export function messageCommands(program: Command, cli: CliContext): void {
  const dunning = dunningCommand(program)
  const template = dunning.command('template').description('Dunning templates (defaults and yours)')

  template
    .command('list')
    .description('Every template: o2c defaults and your overrides, marked')
    .option('--key <key>', 'only this template key')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const platform = await cli.platform('dunning template list')
      const all = await inCliTenant(platform, cli.tenantSlug(options), (ctx) => listTemplates(ctx))
      const shown = all.filter((t) => !options.key || t.key === options.key)
      printResult(
        options,
        shown,
        table(
          ['key', 'language', 'audience', 'channel', 'source', 'subject'],
          shown.map((t) => [
            t.key,
            t.language,
            t.audience,
            t.channel,
            t.source === 'override' ? `override v${t.version}` : 'default',
            t.subject.slice(0, 60),
          ]),
        ),
      )
    })

  template
    .command('show')
    .description('One template: your override, else the default')
    .argument('<key>')
    .argument('<language>', 'nl or en')
    .argument('<audience>', 'consumer or business')
    .argument('<channel>', 'email, sms, whatsapp, letter or phone')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (key, language, audience, channel, options) => {
      const id = checkTemplateId({ key, language, audience, channel })
      const platform = await cli.platform('dunning template show')
      const found = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        resolveTemplate(ctx, id),
      )
      printResult(options, found, [
        `${found.source}${found.version === null ? '' : ` v${found.version}`}`,
        `subject: ${found.subject}`,
        '',
        found.body,
      ])
    })

  template
    .command('set')
    .description(`Write your own wording of a template (${idArguments})`)
    .argument('<key>')
    .argument('<language>')
    .argument('<audience>')
    .argument('<channel>')
    .requiredOption('--body-file <file>', 'the body text, with {{placeholders}}')
    .option('--subject <text>', 'e-mail subject, letter heading or call script title', '')
    .option('--version <n>', 'the version of your override you are changing', (v) => Number(v))
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (key, language, audience, channel, options) => {
      const id = checkTemplateId({ key, language, audience, channel })
      const body = readFileSync(options.bodyFile, 'utf8')
      const platform = await cli.platform('dunning template set')
      const saved = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        putTemplate(ctx, id, { subject: options.subject, body }, options.version),
      )
      printResult(
        options,
        saved,
        `Saved ${key}/${language}/${audience}/${channel} v${saved.version}`,
      )
    })

  template
    .command('reset')
    .description('Remove your override: the default applies again')
    .argument('<key>')
    .argument('<language>')
    .argument('<audience>')
    .argument('<channel>')
    .requiredOption('--version <n>', 'the version of your override', (v) => Number(v))
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .action(async (key, language, audience, channel, options) => {
      const id = checkTemplateId({ key, language, audience, channel })
      const platform = await cli.platform('dunning template reset')
      await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        deleteTemplate(ctx, id, options.version),
      )
      process.stdout.write(`Reset ${key}/${language}/${audience}/${channel} to the default\n`)
    })

  template
    .command('preview')
    .description("A template filled with a customer's real open items, totals and pay link")
    .argument('<key>', 'the template key')
    .requiredOption('--customer <number>', 'the customer (number or id)')
    .option('--channel <channel>', 'email, sms, whatsapp, letter or phone', 'email')
    .option('--body-file <file>', 'try this text instead of the saved template')
    .option('--subject <text>', 'with --body-file: the subject', '')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (key, options) => {
      const channel = options.channel as DunningChannel
      if (!['email', 'sms', 'whatsapp', 'letter', 'phone'].includes(channel)) {
        throw invalid([
          { field: 'channel', message: 'must be email, sms, whatsapp, letter or phone' },
        ])
      }
      const text = options.bodyFile
        ? { subject: options.subject, body: readFileSync(options.bodyFile, 'utf8') }
        : undefined
      const platform = await cli.platform('dunning template preview')
      const preview = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        previewTemplate(ctx, { customerId: options.customer, channel, key, text }),
      )
      const { pdf: _pdf, ...shown } = preview
      printResult(options, shown, [
        `${preview.itemCount} item(s), ${preview.currency} ${formatAmount(preview.totalMinor, preview.currency)}`,
        `subject: ${preview.subject}`,
        '',
        preview.text,
      ])
    })

  dunning
    .command('print-batch')
    .description("The run's letters in one PDF for the printer (made on first call)")
    .argument('<run-id>', 'the dunning run')
    .requiredOption('--out <file>', 'where to write the PDF')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (runId, options) => {
      const platform = await cli.platform('dunning print-batch')
      const batch = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) => {
        const made = await buildPrintBatch(ctx, runId)
        return made ? printBatchPdf(ctx, runId) : undefined
      })
      if (!batch) {
        printResult(options, { letterCount: 0 }, 'The run has no letters')
        return
      }
      writeFileSync(options.out, batch.pdf)
      printResult(
        options,
        {
          batchId: batch.id,
          letterCount: batch.letterCount,
          sha256: batch.sha256,
          file: options.out,
        },
        `${batch.letterCount} letter(s) → ${options.out} (sha256 ${batch.sha256})`,
      )
    })
}
