import { basename } from 'node:path'
import type { Command } from 'commander'
import { importFile, problemLines } from '../../cli/file-import.js'
import { printResult, table } from '../../cli/output.js'
import { inCliTenant } from '../../cli/tenant-scope.js'
import { domainError } from '../../core/errors.js'
import { isUuid } from '../../core/ids.js'
import type { CliContext } from '../../platform.js'
import { importCustomers } from './import-customers.js'
import { channels, importSummaryToApi, segments, toApi } from './schemas.js'
import { createCustomer, findCustomerByNumber, getCustomer, listCustomers } from './service.js'
import type { Channel, Segment } from './tables.js'

export function customerCommands(program: Command, cli: CliContext): void {
  const customers = program.command('customers').description('Customers and their master data')

  customers
    .command('import <file>')
    .description('Import customers from a CSV file: adds new numbers, updates known ones')
    .option('--skip-invalid', 'import the valid rows and report the others')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (file: string, options) => {
      const platform = await cli.platform('customers import')
      const summary = await importFile({
        file,
        options,
        rejectedCode: 'customers.import_rejected',
        keyField: 'customer_number',
        run: (open, onProgress) =>
          inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
            importCustomers(ctx, open, { skipInvalid: options.skipInvalid, onProgress }),
          ),
      })
      if (!summary) return
      const out = importSummaryToApi(summary)
      printResult(options, out, [
        `Imported ${basename(file)}: ${out.created} created, ${out.updated} updated, ` +
          `${out.unchanged} unchanged (${out.rows} rows).`,
        ...(out.rejected_rows > 0
          ? [
              `Skipped ${out.rejected_rows} invalid row(s):`,
              ...problemLines(out.rejected, 'customer_number'),
            ]
          : []),
        ...(out.rejected_truncated ? ['  … and more problems not listed'] : []),
        ...(out.credit_limits > 0
          ? [
              `Credit limits: ${out.credit_limits_applied} applied, ` +
                `${out.credit_limits_awaiting_approval} awaiting approval (four eyes), ` +
                `${out.credit_limits_unchanged} unchanged, ` +
                `${out.credit_limits_skipped.length} skipped.`,
              ...problemLines(out.credit_limits_skipped, 'customer_number'),
            ]
          : []),
        ...(out.credit_limits_skipped_truncated ? ['  … and more skipped limits not listed'] : []),
      ])
    })

  customers
    .command('list')
    .description('List customers, optionally by search text or segment')
    .option('--search <text>', 'part of the number, legal or trading name')
    .option('--segment <segment>', segments.join(', '))
    .option('--limit <n>', 'how many (at most 500)', '50')
    .option('--cursor <cursor>', 'next_cursor of the previous page')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const platform = await cli.platform('customers list')
      const page = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        listCustomers(ctx, {
          search: options.search,
          segment: options.segment as Segment | undefined,
          cursor: options.cursor,
          limit: Math.min(Math.max(Number(options.limit) || 50, 1), 500),
        }),
      )
      printResult(options, page, [
        ...table(
          ['NUMBER', 'NAME', 'SEGMENT', 'COUNTRY', 'CURRENCY'],
          page.data.map((c) => [c.number, c.legalName, c.segment, c.country ?? '', c.currency]),
        ),
        ...(page.nextCursor ? [`More: --cursor ${page.nextCursor}`] : []),
      ])
    })

  customers
    .command('show <number>')
    .description('Show one customer (by number or id) with contacts and IBANs')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (number: string, options) => {
      const platform = await cli.platform('customers show')
      const { customer, parentNumber } = await inCliTenant(
        platform,
        cli.tenantSlug(options),
        async (ctx) => {
          const found =
            (await findCustomerByNumber(ctx, number)) ??
            (isUuid(number) ? await getCustomer(ctx, number) : undefined)
          if (!found) {
            throw domainError('request.not_found', `No customer with number ${number}`, {
              entity: 'customer',
              number,
            })
          }
          const parent = found.parentId ? await getCustomer(ctx, found.parentId) : undefined
          return { customer: found, parentNumber: parent?.number }
        },
      )
      const c = toApi(customer)
      printResult(options, c, [
        `${c.number}  ${c.legal_name}  (${c.id}, version ${c.version})`,
        `  segment ${c.segment}, ${c.country ?? 'no country'}, ${c.currency}, ` +
          `payment terms ${c.payment_terms_days} days, language ${c.language}, ` +
          `prefers ${c.preferred_channel}`,
        ...(c.vat_id ? [`  VAT id ${c.vat_id}`] : []),
        ...(c.coc_number ? [`  chamber of commerce ${c.coc_number}`] : []),
        ...(parentNumber ? [`  parent company ${parentNumber}`] : []),
        ...c.contacts.map(
          (k) => `  contact ${[k.name, k.email, k.phone].filter(Boolean).join(', ')}`,
        ),
        ...c.ibans.map((b) => `  IBAN ${b.iban}`),
        ...c.addresses.map(
          (a) =>
            `  ${a.kind} address ` +
            [...a.lines, a.postal_code, a.city, a.country].filter(Boolean).join(', '),
        ),
      ])
    })

  customers
    .command('create <number>')
    .description('Add a customer')
    .requiredOption('--name <legal name>', 'legal name')
    .option('--country <code>', 'ISO 3166 country code, e.g. NL')
    .option('--vat-id <id>', 'VAT id, e.g. NL004495445B01')
    .option('--coc-number <number>', 'chamber of commerce (KvK) number')
    .option('--segment <segment>', segments.join(', '))
    .option('--currency <code>', 'ISO 4217 currency, e.g. EUR')
    .option('--payment-terms-days <days>', 'default payment terms in days')
    .option('--language <code>', 'ISO 639-1 language, e.g. nl')
    .option('--preferred-channel <channel>', channels.join(', '))
    .option('--email <email>', 'email of the first contact')
    .option('--phone <phone>', 'phone of the first contact (+31…)')
    .option('--iban <iban>', 'bank account')
    .option('--parent <number>', 'customer number of the parent company')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (number: string, options) => {
      const platform = await cli.platform('customers create')
      const customer = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) => {
        const parent = options.parent ? await findCustomerByNumber(ctx, options.parent) : null
        if (options.parent && !parent) {
          throw domainError(
            'customers.parent_unknown',
            `No customer ${options.parent} to be the parent`,
            { field: 'parent' },
          )
        }
        const language = options.language ?? 'nl'
        const preferredChannel = (options.preferredChannel ?? 'email') as Channel
        return createCustomer(ctx, {
          number,
          legalName: options.name,
          country: options.country ?? null,
          vatId: options.vatId ?? null,
          cocNumber: options.cocNumber ?? null,
          segment: options.segment,
          currency: options.currency,
          paymentTermsDays:
            options.paymentTermsDays === undefined ? undefined : Number(options.paymentTermsDays),
          language,
          preferredChannel,
          parentId: parent?.id ?? null,
          contacts:
            options.email || options.phone
              ? [
                  {
                    name: '',
                    email: options.email ?? null,
                    phone: options.phone ?? null,
                    language,
                    preferredChannel,
                    roles: [],
                  },
                ]
              : [],
          ibans: options.iban ? [{ iban: options.iban, bic: null, accountHolder: null }] : [],
        })
      })
      printResult(options, toApi(customer), `Created customer ${customer.number} (${customer.id})`)
    })
}
