import { readFileSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import type { Command } from 'commander'
import { printResult, table } from '../../cli/output.js'
import { inCliTenant } from '../../cli/tenant-scope.js'
import { DomainError, domainError } from '../../core/errors.js'
import type { CliContext } from '../../platform.js'
import { cashappCommand } from './cashapp-command.js'
import {
  type AdviceReceipt,
  listRemittanceAdvices,
  type RemittanceAdviceOut,
  receiveRemittanceFile,
} from './remittance/advices.js'
import { adviceBytesMax } from './remittance/documents.js'
import { adviceStatuses } from './tables.js'

// `o2c cashapp remittance FILE…` and `o2c cashapp remittance list`. Each file is received in a
// transaction of its own: a refused file (printed, exit code 2) leaves the others received.
// The kind of file is told by its extension and content: .csv/.tsv, .txt (a table or a mail's
// text), .eml (a whole mail: its body and attachments), .pdf.

export function remittanceCommands(program: Command, cli: CliContext): void {
  const remittance = cashappCommand(program)
    .command('remittance')
    .description('Receive remittance advices (CSV, text, .eml mail, PDF) for the matching')
    .argument('<files...>', 'advice files; `list` lists the advices received')
    .option('--payer-name <name>', 'who paid, where the advice does not say (wins over it)')
    .option('--payer-iban <iban>', "the payer's IBAN (wins over the advice's)")
    .option('--currency <code>', "the advice's currency (default: stated, else the tenant's)")
    .option('--date <yyyy-mm-dd>', "the advice's date (default: stated, else today)")
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (files: string[], options) => {
      const slug = cli.tenantSlug(options)
      const platform = await cli.platform('cashapp remittance')
      const given = {
        payerName: options.payerName,
        payerIban: options.payerIban,
        currency: options.currency,
        date: options.date,
      }
      const results: unknown[] = []
      for (const file of files) {
        try {
          const bytes = readAdviceFile(file)
          const receipts = await inCliTenant(platform, slug, (ctx) =>
            receiveRemittanceFile(ctx, { fileName: basename(file), bytes }, given),
          )
          results.push({ file, advices: receipts.map(receiptOut) })
          if (!options.json) process.stdout.write(`${receiptLines(file, receipts).join('\n')}\n`)
        } catch (error) {
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

  // --tenant and --json are the parent's: commander gives options written after `list` to
  // `remittance`, so `list` reads them from there (optsWithGlobals).
  remittance
    .command('list')
    .description('Remittance advices received, oldest first')
    .option('--status <status>', `only advices in this status (${adviceStatuses.join(', ')})`)
    .option('--cursor <cursor>', 'next_cursor of the previous page')
    .option('--limit <n>', 'advices per page', (v) => Number(v), 50)
    .configureHelp({ showGlobalOptions: true })
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals()
      const slug = cli.tenantSlug(options)
      if (options.status && !(adviceStatuses as readonly string[]).includes(options.status)) {
        throw new Error(`--status is one of ${adviceStatuses.join(', ')}`)
      }
      const platform = await cli.platform('cashapp remittance list')
      const page = await inCliTenant(platform, slug, (ctx) =>
        listRemittanceAdvices(ctx, {
          status: options.status,
          cursor: options.cursor,
          limit: options.limit,
        }),
      )
      printResult(options, page, [
        ...table(
          ['ID', 'DATE', 'AMOUNT', 'PAYER', 'INVOICES', 'STATUS', 'SOURCE', 'FILE'],
          page.data.map((a) => [
            a.id,
            a.date,
            `${a.amount} ${a.currency}`,
            a.payer_name ?? a.payer_iban ?? '',
            String(a.lines.length),
            a.status,
            a.source,
            a.file_name,
          ]),
        ),
        ...(page.next_cursor ? [`More: --cursor ${page.next_cursor}`] : []),
      ])
    })
}

function readAdviceFile(file: string): Buffer {
  let size: number
  try {
    size = statSync(file).size
  } catch {
    throw new Error(`Cannot read ${file}: no such file`)
  }
  if (size > adviceBytesMax) {
    throw domainError(
      'cashapp.remittance_malformed',
      `${basename(file)} is ${size} bytes; an advice is at most ${adviceBytesMax} bytes`,
      { file: basename(file) },
    )
  }
  return readFileSync(file)
}

function receiptOut(receipt: AdviceReceipt) {
  return { ...receipt.advice, already_received: receipt.alreadyReceived }
}

function receiptLines(file: string, receipts: AdviceReceipt[]): string[] {
  return receipts.map(({ advice, alreadyReceived }) => {
    const part = advice.file_name === basename(file) ? '' : ` (${advice.file_name})`
    if (alreadyReceived) {
      return `${basename(file)}${part}: received before as advice ${advice.id}; nothing new.`
    }
    return `Received ${basename(file)}${part}: advice ${advice.id}, ${describe(advice)}`
  })
}

function describe(advice: RemittanceAdviceOut): string {
  const payer = [advice.payer_name, advice.payer_iban].filter(Boolean).join(', ') || 'payer unknown'
  const invoices = advice.lines.map((l) => `${l.invoice_number} ${l.amount}`).join(', ')
  return (
    `${advice.amount} ${advice.currency} from ${payer}, dated ${advice.date}: ${invoices}` +
    (advice.payer_name || advice.payer_iban
      ? ''
      : '\n  (no payer: the matching links an advice by payer; give --payer-name or --payer-iban)')
  )
}
