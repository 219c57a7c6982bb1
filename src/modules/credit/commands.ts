import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import cliProgress from 'cli-progress'
import type { Command } from 'commander'
import { printResult, table } from '../../cli/output.js'
import { inCliTenant } from '../../cli/tenant-scope.js'
import { DomainError } from '../../core/errors.js'
import type { CliContext } from '../../platform.js'
import { readReportFile } from './report-file.js'
import { importCreditReports } from './reports.js'
import { listDueReviews } from './reviews.js'
import { dueReviewToApi, reportImportToApi } from './schemas.js'

export function creditCommands(program: Command, cli: CliContext): void {
  const credit = program.command('credit').description('Credit control: bureau reports, reviews')
  const reports = credit.command('reports').description('External credit reports from bureaus')

  reports
    .command('import <file>')
    .description('Import bureau credit reports from a JSON array or CSV file')
    .option('--skip-invalid', 'keep the valid reports when some rows are not valid')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (file: string, options) => {
      const platform = await cli.platform('credit reports import')
      const records = readReportFile(readFileSync(file, 'utf8'))
      const bar =
        process.stderr.isTTY && !options.json
          ? new cliProgress.SingleBar(
              { stream: process.stderr, format: 'reports {bar} {value}/{total}' },
              cliProgress.Presets.shades_classic,
            )
          : undefined
      let started = false
      try {
        const result = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
          importCreditReports(ctx, records, {
            source: 'file',
            fileName: basename(file),
            skipInvalid: Boolean(options.skipInvalid),
            onProgress: (done, total) => {
              if (!bar) return
              if (!started) bar.start(total, 0)
              started = true
              bar.update(done)
            },
          }),
        )
        bar?.stop()
        const out = reportImportToApi(result)
        printResult(options, out, [
          `Imported ${out.imported} of ${out.received} reports` +
            (out.unchanged > 0 ? ` (${out.unchanged} already on file, unchanged)` : ''),
          ...rejectedLines(out.rejected),
        ])
      } catch (error) {
        bar?.stop()
        if (!(error instanceof DomainError) || error.code !== 'credit.report_file_invalid') {
          throw error
        }
        // Nothing was written; show every rejected row so the file can be fixed in one go.
        const rejected = error.details.rejected as ReturnType<typeof reportImportToApi>['rejected']
        printResult(options, { ok: false, imported: 0, rejected }, [
          `Nothing imported: ${rejected.length} of ${records.length} reports are not valid ` +
            '(fix them, or import the rest with --skip-invalid)',
          ...rejectedLines(rejected),
        ])
        process.exitCode = 2
      }
    })

  credit
    .command('reviews')
    .description("List credit reviews due (the credit analyst's list), riskiest first")
    .option('--due-before <date>', 'due on or before this date (YYYY-MM-DD); default today')
    .option('--limit <n>', 'at most this many', '100')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const platform = await cli.platform('credit reviews')
      const page = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        listDueReviews(ctx, { dueBefore: options.dueBefore, limit: Number(options.limit) }),
      )
      const rows = page.data.map(dueReviewToApi)
      printResult(
        options,
        rows,
        rows.length === 0
          ? 'No credit reviews due.'
          : table(
              ['DUE', 'CUSTOMER', 'NAME', 'CLASS', 'STATUS', 'EXPOSURE', 'LIMIT'],
              rows.map((r) => [
                r.next_review_date,
                r.customer_number,
                r.customer_name,
                r.risk_class ?? '-',
                r.credit_status,
                `${r.exposure} ${r.currency}`,
                r.credit_limit === null ? 'none' : `${r.credit_limit} ${r.currency}`,
              ]),
            ),
      )
    })
}

function rejectedLines(
  rejected: { row: number; line: number | null; errors: { field: string; message: string }[] }[],
): string[] {
  return rejected.flatMap((r) =>
    r.errors.map(
      (e) => `  ${r.line === null ? `item ${r.row}` : `line ${r.line}`}: ${e.field}: ${e.message}`,
    ),
  )
}
