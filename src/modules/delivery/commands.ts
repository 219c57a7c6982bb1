import type { Command } from 'commander'
import { printResult, table } from '../../cli/output.js'
import { inCliTenant } from '../../cli/tenant-scope.js'
import { readConfig } from '../../config.js'
import { invalid } from '../../core/errors.js'
import type { CliContext } from '../../platform.js'
import { archiveReceipt, readReceipt, waitingReceipts } from './peppol.js'
import { deliveryToApi } from './routes.js'
import { queueInvoiceDelivery, recordPeppolReceipt } from './service.js'

export function deliveryCommands(program: Command, cli: CliContext): void {
  // `o2c invoices …` is shared with invoicing's commands: join the group if it exists.
  const invoices =
    program.commands.find((command) => command.name() === 'invoices') ??
    program.command('invoices').description('Invoices and credit notes')
  invoices
    .command('send <id>')
    .description('Send an issued invoice or credit note (again); the worker delivers it')
    .option('--to <email>', "another email address than the customer's")
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (id: string, options) => {
      const platform = await cli.platform('invoices send')
      const delivery = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        queueInvoiceDelivery(ctx, id, { to: options.to }),
      )
      printResult(
        options,
        deliveryToApi(delivery),
        `Queued ${delivery.channel} delivery ${delivery.id} to ${delivery.recipient}`,
      )
    })

  const delivery = program.command('delivery').description('Delivery of documents: Peppol receipts')
  delivery
    .command('peppol-receipts [dir]')
    .description(
      'Record the receipts a Peppol access point wrote (<message-id>.receipt.json) as delivered ' +
        'or bounced; DIR defaults to O2C_PEPPOL_DROP_DIR',
    )
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (dir: string | undefined, options) => {
      const folder = dir ?? readConfig().O2C_PEPPOL_DROP_DIR
      if (!folder) {
        throw invalid([{ field: 'DIR', message: 'give a folder or set O2C_PEPPOL_DROP_DIR' }])
      }
      const platform = await cli.platform('delivery peppol-receipts')
      const slug = cli.tenantSlug(options)
      const rows: { message_id: string; outcome: string }[] = []
      for (const messageId of await waitingReceipts(folder)) {
        const receipt = await readReceipt(folder, messageId)
        if (!receipt) continue
        const outcome = await inCliTenant(platform, slug, (ctx) =>
          recordPeppolReceipt(ctx, receipt),
        )
        // Another tenant's receipt stays for that tenant's run.
        if (outcome !== 'unknown') await archiveReceipt(receipt, folder)
        rows.push({ message_id: messageId, outcome: `${outcome} (${receipt.status})` })
      }
      printResult(options, rows, [
        `${rows.length} receipt${rows.length === 1 ? '' : 's'} in ${folder}`,
        ...table(
          ['MESSAGE', 'OUTCOME'],
          rows.map((row) => [row.message_id, row.outcome]),
        ),
      ])
    })
}
