import { basename } from 'node:path'
import type { Command } from 'commander'
import { importFile, problemLines } from '../../cli/file-import.js'
import { printResult } from '../../cli/output.js'
import { inCliTenant } from '../../cli/tenant-scope.js'
import type { CliContext } from '../../platform.js'
import { importOpenItems } from './open-items-import.js'
import { openItemsSummaryToApi } from './open-items-routes.js'

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
      const platform = await cli.platform('invoices import-open-items')
      const summary = await importFile({
        file,
        options,
        rejectedCode: 'invoicing.open_items_rejected',
        keyField: 'invoice_number',
        run: (open, onProgress) =>
          inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
            importOpenItems(ctx, open, { skipInvalid: options.skipInvalid, onProgress }),
          ),
      })
      if (!summary) return
      const out = openItemsSummaryToApi(summary)
      printResult(options, out, [
        `Imported ${basename(file)}: ${out.imported} open items (${out.rows} rows), ` +
          `${out.journal_entries} journal entries.`,
        ...out.totals.map(
          (t) => `  ${t.currency}: ${t.items} items, ${t.amount} invoiced, ${t.open_amount} open`,
        ),
        ...(out.rejected_rows > 0
          ? [
              `Skipped ${out.rejected_rows} invalid row(s):`,
              ...problemLines(out.rejected, 'invoice_number'),
            ]
          : []),
        ...(out.rejected_truncated ? ['  … and more problems not listed'] : []),
      ])
    })
}
