import { once } from 'node:events'
import { createReadStream, createWriteStream, statSync } from 'node:fs'
import { basename } from 'node:path'
import type { Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import type { Command } from 'commander'
import { importProgressBar } from '../../cli/import-progress.js'
import { printResult, table } from '../../cli/output.js'
import { inCliTenant } from '../../cli/tenant-scope.js'
import { DomainError } from '../../core/errors.js'
import type { CliContext } from '../../platform.js'
import { cashappCommand } from './cashapp-command.js'
import { exportCashApplication } from './export.js'
import { importAndApplyBankFile } from './import-and-apply.js'
import { importSummaryToApi } from './routes.js'
import { getBankStatement, listBankStatements } from './statements.js'

// `o2c bank import FILE…`, `o2c bank show ID`, `o2c bank list`. Each file is imported in a
// transaction of its own: a refused file (printed, exit code 2) leaves the others imported.

export function bankCommands(program: Command, cli: CliContext): void {
  const bank = program.command('bank').description('Bank statements (cash application)')

  bank
    .command('import <files...>')
    .description('Import bank files (camt.053, camt.054, MT940, CSV with a saved mapping)')
    .option('--allow-unbalanced', 'keep a statement that does not balance, flagged')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (files: string[], options) => {
      const platform = await cli.platform('bank import')
      const slug = cli.tenantSlug(options)
      const results: unknown[] = []
      for (const file of files) {
        const size = fileSize(file)
        const progress = importProgressBar(size)
        try {
          const summary = await inCliTenant(platform, slug, (ctx) =>
            importAndApplyBankFile(ctx, progress.reading(createReadStream(file)), {
              fileName: basename(file),
              allowUnbalanced: Boolean(options.allowUnbalanced),
            }),
          )
          progress.stop()
          const out = importSummaryToApi(summary)
          results.push({ file, ...out })
          if (!options.json) process.stdout.write(`${summaryLines(file, out).join('\n')}\n`)
        } catch (error) {
          progress.stop()
          if (!(error instanceof DomainError)) throw error
          process.exitCode = 2
          results.push({
            file,
            type: `/problems/${error.code}`,
            title: error.title,
            detail: error.message,
            ...error.details,
          })
          if (!options.json) process.stderr.write(`${basename(file)}: refused: ${error.message}\n`)
        }
      }
      if (options.json) printResult(options, { files: results }, [])
    })

  bank
    .command('show <id>')
    .description('A bank statement with its balances and entries')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON (the field names of the bank-file fixtures)')
    .action(async (id: string, options) => {
      const platform = await cli.platform('bank show')
      const s = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        getBankStatement(ctx, id),
      )
      const balance = (b: typeof s.opening_balance) =>
        b ? `${b.amount} ${b.sign ?? '?'} on ${b.date ?? '?'}` : '—'
      printResult(options, s, [
        `Statement ${s.id ?? '(no id)'} ${s.statement_number ? `no. ${s.statement_number} ` : ''}` +
          `of ${s.account.iban ?? s.account.number} (${s.currency ?? '?'}), ${s.format}, ` +
          `from ${s.file_name}`,
        `  opening ${balance(s.opening_balance)}, closing ${balance(s.closing_balance)}, ` +
          `balance check ${s.balance_check}` +
          (s.unbalanced ? ` (imported unbalanced, difference ${s.difference})` : ''),
        ...table(
          ['BOOKED', 'AMOUNT', 'SIGN', 'COUNTERPARTY', 'REMITTANCE', 'STATUS'],
          s.entries.map((e) => [
            e.booking_date ?? '',
            `${e.amount} ${e.currency}`,
            e.sign,
            e.counterparty.name ?? e.counterparty.iban ?? '',
            (e.remittance.structured_reference ?? e.remittance.unstructured ?? '').slice(0, 40),
            e.status,
          ]),
        ).map((line) => `  ${line}`),
      ])
    })

  bank
    .command('list')
    .description('Imported bank statements')
    .option('--cursor <cursor>', 'next_cursor of the previous page')
    .option('--limit <n>', 'statements per page', (v) => Number(v), 50)
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const platform = await cli.platform('bank list')
      const page = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        listBankStatements(ctx, { cursor: options.cursor, limit: options.limit }),
      )
      printResult(options, page, [
        ...table(
          ['O2C ID', 'STATEMENT', 'ACCOUNT', 'ENTRIES', 'CLOSING', 'CHECK', 'FILE'],
          page.data.map((s) => [
            s.o2c_id,
            s.id ?? '',
            s.account.iban ?? s.account.number ?? '',
            String(s.entry_count),
            s.closing_balance ? `${s.closing_balance.amount} ${s.closing_balance.sign ?? ''}` : '',
            s.balance_check,
            s.file_name,
          ]),
        ),
        ...(page.next_cursor ? [`More: --cursor ${page.next_cursor}`] : []),
      ])
    })
}

/** `o2c cashapp export`: what cash application did, per bank transaction. */
export function cashappCommands(program: Command, cli: CliContext): void {
  const cashapp = cashappCommand(program)

  cashapp
    .command('export')
    .description(
      'Per bank transaction: entry_ref, status (auto, suggested, unmatched) and the allocations ' +
        'applied (invoice number, amount in the invoice currency)',
    )
    .option('--format <format>', 'json or csv', 'json')
    .option('--statement <id>', "only the entries of this statement (o2c's id)")
    .option('--since <date>', 'only transactions booked on or after this date (YYYY-MM-DD)')
    .option('--status <status>', 'only transactions standing so: applied, suggested, unmatched, …')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'the same as --format json')
    .action(async (options) => {
      const platform = await cli.platform('cashapp export')
      const out: Writable = options.out ? createWriteStream(options.out) : process.stdout
      const format = options.json ? 'json' : options.format
      const written = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        exportCashApplication(
          ctx,
          {
            ...(options.statement ? { statementId: options.statement } : {}),
            ...(options.since ? { since: options.since } : {}),
            ...(options.status ? { status: options.status } : {}),
          },
          format,
          async (text) => {
            if (!out.write(text)) await once(out, 'drain')
          },
        ),
      )
      if (options.out) {
        out.end()
        await finished(out)
        process.stderr.write(`Wrote ${written} bank transaction(s) to ${options.out}\n`)
      }
    })
}

function summaryLines(file: string, out: ReturnType<typeof importSummaryToApi>): string[] {
  return [
    `Imported ${basename(file)}: ${out.statements} statement(s), ${out.entries} entries: ` +
      `${out.entries_new} new, ${out.entries_known} already imported.`,
    ...out.per_statement.map(
      (s) =>
        `  ${s.id ?? '(no id)'} ${s.account.iban ?? s.account.number}: ${s.entries} entries, ` +
        `${s.entries_new} new` +
        (s.already_imported ? ' (statement imported before)' : '') +
        (s.unbalanced ? `, UNBALANCED by ${s.difference} ${s.currency}` : '') +
        `; o2c id ${s.o2c_id}`,
    ),
    `  Matching: ${out.matching.transactions} transaction(s): ${out.matching.applied} applied ` +
      `automatically, ${out.matching.suggested} suggested, ${out.matching.unmatched} unmatched` +
      (out.matching.reversed > 0 ? `, ${out.matching.reversed} return(s) reversed` : '') +
      '.',
  ]
}

function fileSize(file: string): number {
  try {
    return statSync(file).size
  } catch {
    throw new Error(`Cannot read ${file}: no such file`)
  }
}
