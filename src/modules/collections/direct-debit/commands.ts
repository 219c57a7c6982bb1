import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { printResult, table } from '../../../cli/output.js'
import { isCalendarDate } from '../../../core/dates.js'
import { invalid } from '../../../core/errors.js'
import type { CliContext } from '../../../platform.js'
import { cliTenantRunner, collectionsCommand, customerIdOf } from '../cli.js'
import { createDirectDebitBatch, directDebitFile } from './batch.js'
import { addMandate, listMandates, revokeMandate } from './mandates.js'
import { batchToApi, mandateToApi } from './routes.js'

// `o2c collections mandate add|list|revoke` and `o2c collections direct-debit --date D --out
// FILE`: the services behind /v1/sepa-mandates and /v1/direct-debit-batches.

export function directDebitCommands(program: Command, cli: CliContext): void {
  const collections = collectionsCommand(program)
  const inTenant = cliTenantRunner(cli)

  const mandate = collections.command('mandate').description('SEPA direct-debit mandates')
  mandate
    .command('add')
    .description("Record a customer's SEPA mandate")
    .requiredOption('--customer <customer>', 'customer id or number')
    .requiredOption('--reference <reference>', 'the mandate reference (max 35)')
    .requiredOption('--iban <iban>', "the debtor's IBAN")
    .option('--bic <bic>', "the debtor bank's BIC")
    .requiredOption('--name <name>', 'the account holder')
    .requiredOption('--signed-on <date>', 'the date the mandate was signed, YYYY-MM-DD')
    .option('--scheme <scheme>', 'CORE or B2B', 'CORE')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      if (options.scheme !== 'CORE' && options.scheme !== 'B2B') {
        throw invalid([{ field: 'scheme', message: 'CORE or B2B' }])
      }
      const added = await inTenant('collections mandate add', options, async (ctx) =>
        mandateToApi(
          await addMandate(ctx, {
            customerId: await customerIdOf(ctx, options.customer),
            mandateReference: options.reference,
            iban: options.iban,
            bic: options.bic ?? null,
            debtorName: options.name,
            signedOn: options.signedOn,
            scheme: options.scheme,
          }),
        ),
      )
      printResult(options, added, `Mandate ${added.mandate_reference} (${added.id}) added.`)
    })
  mandate
    .command('list')
    .description('SEPA mandates, newest first')
    .option('--customer <customer>', 'customer id or number')
    .option('--status <status>', 'active or revoked')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const list = await inTenant('collections mandate list', options, async (ctx) =>
        (
          await listMandates(ctx, {
            ...(options.customer ? { customerId: await customerIdOf(ctx, options.customer) } : {}),
            ...(options.status ? { status: options.status } : {}),
          })
        ).map(mandateToApi),
      )
      printResult(
        options,
        { data: list },
        table(
          ['ID', 'REFERENCE', 'STATUS', 'SCHEME', 'IBAN', 'SIGNED'],
          list.map((m) => [m.id, m.mandate_reference, m.status, m.scheme, m.iban, m.signed_on]),
        ),
      )
    })
  mandate
    .command('revoke <id>')
    .description('Revoke a mandate: nothing more is collected with it')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (id: string, options) => {
      const revoked = await inTenant('collections mandate revoke', options, async (ctx) =>
        mandateToApi(await revokeMandate(ctx, id)),
      )
      printResult(options, revoked, `Mandate ${revoked.mandate_reference} revoked.`)
    })

  collections
    .command('direct-debit')
    .description(
      'Collect the due invoices of customers with an active mandate: writes a pain.008 file',
    )
    .requiredOption('--date <date>', 'the requested collection date, YYYY-MM-DD')
    .requiredOption('--out <file>', 'where to write the pain.008 XML')
    .option(
      '--creditor-id <id>',
      "the tenant's SEPA creditor identifier (default: the last batch's)",
    )
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      if (!isCalendarDate(options.date)) {
        throw invalid([{ field: 'date', message: `"${options.date}" is not a date YYYY-MM-DD` }])
      }
      const { batch, xml } = await inTenant('collections direct-debit', options, async (ctx) => {
        const made = await createDirectDebitBatch(ctx, {
          collectionDate: options.date,
          ...(options.creditorId ? { creditorId: options.creditorId } : {}),
        })
        return { batch: batchToApi(made), xml: await directDebitFile(ctx, made.id) }
      })
      writeFileSync(options.out, xml)
      printResult(
        options,
        batch,
        `Batch ${batch.message_id}: ${batch.item_count} direct debits, ${batch.total} ${batch.currency}, collection on ${batch.collection_date}; written to ${options.out}.`,
      )
    })
}
