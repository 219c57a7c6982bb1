import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { printResult } from '../../cli/output.js'
import { inCliTenant } from '../../cli/tenant-scope.js'
import { domainError, invalid } from '../../core/errors.js'
import { isUuid } from '../../core/ids.js'
import type { Ctx } from '../../db/context.js'
import type { CliContext } from '../../platform.js'
import { findCustomerByNumber, getCustomer } from '../customers/index.js'
import { commandGroup } from './credit-note-commands.js'
import {
  customerStatement,
  customerStatementPdf,
  statementCsv,
  statementPaymentsCsv,
} from './statement.js'
import { statementToApi } from './statement-routes.js'

// `o2c customers statement CUSTOMER [--as-of D] --format csv|pdf|json [--out FILE]`
//
// CSV is two tables, as in the API: the open items in FILE and the recent payments beside it
// in FILE-payments.csv (without --out: the open items on stdout, or the payments with
// --section payments).

export function statementCommands(program: Command, cli: CliContext): void {
  commandGroup(program, 'customers', 'Customers and their master data')
    .command('statement <customer>')
    .description("A customer's statement of account (by number or id) as JSON, CSV or PDF")
    .option('--as-of <date>', 'the statement date (YYYY-MM-DD); default today')
    .option('--payments-since <date>', 'first day of recent payments; default 90 days back')
    .option('--currency <code>', 'only this currency')
    .option('--format <format>', 'json, csv or pdf', 'json')
    .option('--section <section>', 'csv on stdout: open-items or payments', 'open-items')
    .option('--out <file>', 'write to this file (a PDF needs one)')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .action(async (customer: string, options) => {
      const format = String(options.format)
      if (!['json', 'csv', 'pdf'].includes(format)) {
        throw invalid([{ field: '--format', message: 'must be json, csv or pdf' }])
      }
      if (!['open-items', 'payments'].includes(String(options.section))) {
        throw invalid([{ field: '--section', message: 'must be open-items or payments' }])
      }
      const out: string | undefined = options.out
      if (format === 'pdf' && !out) {
        throw invalid([{ field: '--out', message: 'a PDF is written to a file: give --out FILE' }])
      }
      const statementOptions = {
        asOf: options.asOf,
        paymentsSince: options.paymentsSince,
        currency: options.currency?.toUpperCase(),
      }
      const platform = await cli.platform('customers statement')
      const slug = cli.tenantSlug(options)
      if (format === 'pdf') {
        const pdf = await inCliTenant(platform, slug, async (ctx) =>
          customerStatementPdf(ctx, await customerIdOf(ctx, customer), statementOptions),
        )
        writeFileSync(out as string, pdf)
        process.stdout.write(`Wrote the statement of ${customer} to ${out}\n`)
        return
      }
      const result = await inCliTenant(platform, slug, async (ctx) =>
        customerStatement(ctx, await customerIdOf(ctx, customer), statementOptions),
      )
      if (format === 'json') {
        const json = `${JSON.stringify(statementToApi(result), null, 2)}\n`
        if (out) writeFileSync(out, json)
        else printResult({ json: true }, statementToApi(result), '')
        if (out) process.stdout.write(`Wrote the statement of ${customer} to ${out}\n`)
        return
      }
      const openItems = statementCsv(result.statements)
      const payments = statementPaymentsCsv(result.statements)
      if (!out) {
        process.stdout.write(options.section === 'payments' ? payments : openItems)
        return
      }
      const paymentsOut = paymentsFileOf(out)
      writeFileSync(out, openItems)
      writeFileSync(paymentsOut, payments)
      process.stdout.write(
        `Wrote the open items of ${customer} to ${out} and the recent payments to ${paymentsOut}\n`,
      )
    })
}

/** statement.csv → statement-payments.csv */
export function paymentsFileOf(file: string): string {
  return /\.csv$/i.test(file) ? file.replace(/\.csv$/i, '-payments.csv') : `${file}-payments.csv`
}

async function customerIdOf(ctx: Ctx, numberOrId: string): Promise<string> {
  const found =
    (await findCustomerByNumber(ctx, numberOrId)) ??
    (isUuid(numberOrId) ? await getCustomer(ctx, numberOrId) : undefined)
  if (!found) {
    throw domainError('request.not_found', `No customer with number ${numberOrId}`, {
      entity: 'customer',
      number: numberOrId,
    })
  }
  return found.id
}
