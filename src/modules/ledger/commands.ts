import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import type { Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import type { Command } from 'commander'
import { printResult, table } from '../../cli/output.js'
import { inCliTenant } from '../../cli/tenant-scope.js'
import type { CliContext } from '../../platform.js'
import { chartOfAccounts } from './accounts.js'
import { exportJournalCsv } from './journal.js'
import { accountToApi, trialBalanceToApi } from './schemas.js'
import { trialBalance } from './service.js'

export function ledgerCommands(program: Command, cli: CliContext): void {
  const ledger = program.command('ledger').description('The journal, trial balance and chart')

  ledger
    .command('trial-balance')
    .description('Debit, credit and balance per account and currency')
    .option('--as-of <date>', 'entries posted on or before this date (YYYY-MM-DD)')
    .option('--currency <code>', 'only this currency')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const platform = await cli.platform('ledger trial-balance')
      const balance = trialBalanceToApi(
        await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
          trialBalance(ctx, { asOf: options.asOf, currency: options.currency }),
        ),
      )
      printResult(options, balance, [
        `Trial balance${balance.as_of ? ` as of ${balance.as_of}` : ''}`,
        ...table(
          ['ACCOUNT', 'NAME', 'CURRENCY', 'DEBIT', 'CREDIT', 'BALANCE'],
          balance.rows.map((r) => [
            r.account_code,
            r.account_name,
            r.currency,
            r.debit,
            r.credit,
            r.balance,
          ]),
        ),
        ...balance.totals.map((t) => `Total ${t.currency}: debit ${t.debit}, credit ${t.credit}`),
      ])
    })

  ledger
    .command('export')
    .description('Write the journal as CSV, one row per line')
    .option('--from <date>', 'entries posted on or after this date (YYYY-MM-DD)')
    .option('--to <date>', 'entries posted on or before this date (YYYY-MM-DD)')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .action(async (options) => {
      const platform = await cli.platform('ledger export')
      const out: Writable = options.out ? createWriteStream(options.out) : process.stdout
      const written = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        exportJournalCsv(ctx, { from: options.from, to: options.to }, async (text) => {
          if (!out.write(text)) await once(out, 'drain')
        }),
      )
      if (options.out) {
        out.end()
        await finished(out)
        process.stderr.write(
          `Wrote ${written.lines} lines of ${written.entries} entries to ${options.out}\n`,
        )
      }
    })

  ledger
    .command('accounts')
    .description('The chart of accounts (change it with PATCH /v1/ledger/accounts/{id})')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const platform = await cli.platform('ledger accounts')
      const accounts = (
        await inCliTenant(platform, cli.tenantSlug(options), (ctx) => chartOfAccounts(ctx))
      ).map(accountToApi)
      printResult(
        options,
        { data: accounts },
        table(
          ['CODE', 'NAME', 'KIND', 'PURPOSE', 'ACTIVE'],
          accounts.map((a) => [a.code, a.name, a.kind, a.purpose ?? '', a.active ? 'yes' : 'no']),
        ),
      )
    })
}
