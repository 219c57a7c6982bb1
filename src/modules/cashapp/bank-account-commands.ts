import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { printResult, table } from '../../cli/output.js'
import { inCliTenant } from '../../cli/tenant-scope.js'
import { invalid } from '../../core/errors.js'
import type { CliContext } from '../../platform.js'
import { findBankAccount, listBankAccounts, saveCsvMapping } from './bank-accounts.js'

// `o2c bank accounts` and `o2c bank mapping set ACCOUNT FILE.json` (registered by
// commands.ts): the tenant's bank accounts and the CSV column mapping saved on one, as
// GET /v1/bank-accounts and PUT /v1/bank-accounts/{id}/csv-mapping have them.

export function bankAccountCommands(bank: Command, cli: CliContext): void {
  bank
    .command('accounts')
    .description("The tenant's bank accounts and whether a CSV mapping is saved")
    .option('--cursor <cursor>', 'next_cursor of the previous page')
    .option('--limit <n>', 'accounts per page', (v) => Number(v), 50)
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const platform = await cli.platform('bank accounts')
      const page = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        listBankAccounts(ctx, { cursor: options.cursor, limit: options.limit }),
      )
      printResult(options, page, [
        ...table(
          ['ID', 'IBAN / NUMBER', 'CURRENCY', 'CSV MAPPING'],
          page.data.map((a) => [
            a.id,
            a.iban ?? a.number ?? '',
            a.currency ?? '',
            a.csv_mapping ? 'saved' : '—',
          ]),
        ),
        ...(page.next_cursor ? [`More: --cursor ${page.next_cursor}`] : []),
      ])
    })

  const mapping = bank.command('mapping').description('The CSV column mapping of a bank account')
  mapping
    .command('set <account> <file>')
    .description(
      'Save the CSV column mapping in FILE (JSON, as PUT /v1/bank-accounts/{id}/csv-mapping ' +
        'takes it) on ACCOUNT (its id, IBAN or account number)',
    )
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (account: string, file: string, options) => {
      const given = mappingFile(file)
      const platform = await cli.platform('bank mapping set')
      const saved = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) => {
        const found = await findBankAccount(ctx, account)
        return saveCsvMapping(ctx, found.id, given)
      })
      printResult(
        options,
        saved,
        `Saved the CSV mapping of ${saved.iban ?? saved.number} (${saved.currency ?? 'no currency'}), account ${saved.id}.`,
      )
    })
}

function mappingFile(file: string): unknown {
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
