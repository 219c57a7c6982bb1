import { createReadStream, statSync } from 'node:fs'
import { basename } from 'node:path'
import type { Command } from 'commander'
import { importProgressBar } from '../../cli/import-progress.js'
import { printResult } from '../../cli/output.js'
import { inCliTenant } from '../../cli/tenant-scope.js'
import { DomainError } from '../../core/errors.js'
import type { CliContext } from '../../platform.js'
import { importOpenItems } from './open-items-import.js'
import { openItemsSummaryToApi } from './open-items-routes.js'

type ProblemOut = ReturnType<typeof openItemsSummaryToApi>['rejected'][number]

export function openItemsCommands(program: Command, cli: CliContext): void {
  // Other invoicing commands may have made the `invoices` group already.
  const invoices =
    program.commands.find((c) => c.name() === 'invoices') ??
    program.command('invoices').description('Invoices and credit notes')

  invoices
    .command('import-open-items <file>')
    .description('Import open items from a previous system (opening balances) from a CSV file')
    .option('--skip-invalid', 'import the valid rows and report the others')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (file: string, options) => {
      const size = fileSize(file)
      const platform = await cli.platform('invoices import-open-items')
      const progress = importProgressBar(size)
      let summary: Awaited<ReturnType<typeof importOpenItems>>
      try {
        summary = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
          importOpenItems(ctx, () => progress.reading(createReadStream(file)), {
            skipInvalid: options.skipInvalid,
            onProgress: progress.update,
          }),
        )
      } catch (error) {
        progress.stop()
        if (error instanceof DomainError && error.code === 'invoicing.open_items_rejected') {
          printRefusal(options, error)
          process.exitCode = 2
          return
        }
        throw error
      }
      progress.stop()
      const out = openItemsSummaryToApi(summary)
      printResult(options, out, [
        `Imported ${basename(file)}: ${out.imported} open items (${out.rows} rows), ` +
          `${out.journal_entries} journal entries.`,
        ...out.totals.map(
          (t) => `  ${t.currency}: ${t.items} items, ${t.amount} invoiced, ${t.open_amount} open`,
        ),
        ...(out.rejected_rows > 0
          ? [`Skipped ${out.rejected_rows} invalid row(s):`, ...problemLines(out.rejected)]
          : []),
        ...(out.rejected_truncated ? ['  … and more problems not listed'] : []),
      ])
    })
}

function fileSize(file: string): number {
  try {
    return statSync(file).size
  } catch {
    throw new Error(`Cannot read ${file}: no such file`)
  }
}

function problemLines(problems: ProblemOut[]): string[] {
  return problems.map(
    (p) =>
      `  line ${p.line}${p.invoice_number ? ` (${p.invoice_number})` : ''}: ` +
      `${p.column ?? 'the line'} ${p.message}`,
  )
}

function printRefusal(options: { json?: boolean }, error: DomainError): void {
  const details = error.details as { rejected: ProblemOut[]; rejected_truncated: boolean }
  printResult(
    options,
    { type: `/problems/${error.code}`, title: error.title, detail: error.message, ...details },
    [
      error.message,
      ...problemLines(details.rejected),
      ...(details.rejected_truncated ? ['  … and more problems not listed'] : []),
    ],
  )
}
