import { readFileSync } from 'node:fs'
import cliProgress from 'cli-progress'
import type { Command } from 'commander'
import { printResult, table } from '../../cli/output.js'
import { inCliTenant } from '../../cli/tenant-scope.js'
import { DomainError } from '../../core/errors.js'
import type { CliContext } from '../../platform.js'
import { importCarrierEvents } from './carrier-events.js'
import type { RowIssue } from './csv.js'
import { importOrders } from './order-import.js'

export function orderCommands(program: Command, cli: CliContext): void {
  const orders = program.command('orders').description('Customer orders: import from CSV')
  orders
    .command('import <file>')
    .description('Import orders from CSV (one row per line, grouped by order_ref)')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--skip-invalid', 'keep the valid orders when some rows are bad')
    .option('--confirm', 'confirm each imported order (credit check included)')
    .option('--json', 'print JSON')
    .action(async (file: string, options) => {
      const csv = readFileSync(file, 'utf8')
      const platform = await cli.platform('orders import')
      const progress = progressBar('orders')
      try {
        const report = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
          importOrders(ctx, csv, {
            skipInvalid: Boolean(options.skipInvalid),
            confirm: Boolean(options.confirm),
            onProgress: progress.update,
          }),
        )
        progress.stop()
        printResult(options, report, [
          `Imported ${report.imported.length} orders from ${report.rows} rows` +
            (report.alreadyImported.length > 0
              ? `; ${report.alreadyImported.length} imported before, left as they were`
              : ''),
          ...table(
            ['ORDER_REF', 'NUMBER', 'STATUS', 'LINES'],
            report.imported.map((o) => [o.orderRef, String(o.number), o.status, String(o.lines)]),
          ),
          ...rejectedLines(report.rejected),
        ])
      } catch (error) {
        reportRejectedFile(options, error)
        throw error
      } finally {
        progress.stop()
      }
    })

  const shipments = program.command('shipments').description('Shipments and carrier events')
  shipments
    .command('import-events <file>')
    .description('Apply carrier events (shipped, delivered) by tracking number from CSV')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (file: string, options) => {
      const csv = readFileSync(file, 'utf8')
      const platform = await cli.platform('shipments import-events')
      const progress = progressBar('events')
      try {
        const report = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
          importCarrierEvents(ctx, csv, { onProgress: progress.update }),
        )
        progress.stop()
        printResult(
          options,
          report,
          `${report.rows} events: ${report.shipped} shipped, ${report.delivered} delivered, ${report.unchanged} seen before`,
        )
      } catch (error) {
        reportRejectedFile(options, error)
        throw error
      } finally {
        progress.stop()
      }
    })
}

/** A refused file: every bad row by line number (the CLI's error line names only the first). */
function reportRejectedFile(options: { json?: boolean }, error: unknown): void {
  if (!(error instanceof DomainError) || !Array.isArray(error.details.errors)) return
  const issues = error.details.errors as RowIssue[]
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ type: error.code, detail: error.message, errors: issues }, null, 2)}\n`,
    )
    return
  }
  for (const issue of issues) {
    process.stderr.write(
      `line ${issue.line}${issue.field ? ` ${issue.field}` : ''}: ${issue.message}\n`,
    )
  }
}

function rejectedLines(rejected: RowIssue[]): string[] {
  if (rejected.length === 0) return []
  return [
    `Skipped ${rejected.length} bad rows (their orders were not imported):`,
    ...rejected.map((r) => `  line ${r.line}${r.field ? ` ${r.field}` : ''}: ${r.message}`),
  ]
}

/** A progress bar on a terminal (stderr), nothing in a pipe or a script. */
function progressBar(unit: string) {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} }
  const bar = new cliProgress.SingleBar(
    { format: `{bar} {value}/{total} ${unit}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  let stopped = false
  return {
    update(done: number, total: number) {
      if (!started) {
        bar.start(total, 0)
        started = true
      }
      bar.update(done)
    },
    stop() {
      if (started && !stopped) bar.stop()
      stopped = true
    },
  }
}
