import type { Command } from 'commander'
import { printResult } from '../../cli/output.js'
import { inCliTenant } from '../../cli/tenant-scope.js'
import { domainError, invalid } from '../../core/errors.js'
import { isUuid } from '../../core/ids.js'
import {
  type Decimal,
  formatAmount,
  formatDecimal,
  parseAmount,
  parseDecimal,
} from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import type { CliContext } from '../../platform.js'
import { type CreditRequest, creditInvoice } from './credit-notes.js'
import { getInvoice, listInvoices } from './queries.js'
import { invoiceToApi } from './schemas.js'

// `o2c invoices credit INVOICE --full | --lines 1:2,3:1 | --amount 12.50 --reason TEXT`

export function creditNoteCommands(program: Command, cli: CliContext): void {
  commandGroup(program, 'invoices', 'Invoices and credit notes')
    .command('credit <invoice>')
    .description('Credit an issued invoice (by number or id): in full, by line or by an amount')
    .option('--full', 'credit every line, allowance and charge (the whole invoice must be open)')
    .option('--lines <list>', 'line:quantity pairs, e.g. 1:2,3:1')
    .option('--amount <amount>', 'an amount including VAT, e.g. 12.50')
    .requiredOption('--reason <text>', 'why (printed on the credit note, kept in the audit)')
    .option('--draft', 'keep the credit note as a draft instead of issuing it')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (invoice: string, options) => {
      const platform = await cli.platform('invoices credit')
      const note = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) => {
        const invoiceId = await invoiceIdOf(ctx, invoice)
        const target = await getInvoice(ctx, invoiceId)
        return creditInvoice(ctx, invoiceId, creditRequestOf(options, target.currency))
      })
      const total = formatAmount(note.totals.payableMinor, note.currency)
      printResult(options, invoiceToApi(note), [
        `${note.status === 'issued' ? `Issued credit note ${note.number}` : 'Drafted a credit note'} ` +
          `(${note.id}) of ${total} ${note.currency} for invoice ${invoice}`,
        ...note.lines.map(
          (l) =>
            `  ${l.lineNumber}. ${l.itemCode} × ${formatDecimal(l.quantity)}: ` +
            `${formatAmount(l.netMinor, note.currency)} net, VAT ${l.vatCategory}`,
        ),
      ])
    })
}

/** The group command (`o2c invoices`), made once by whichever module adds to it first. */
export function commandGroup(program: Command, name: string, description: string): Command {
  return (
    program.commands.find((c) => c.name() === name) ??
    program.command(name).description(description)
  )
}

function creditRequestOf(
  options: { full?: boolean; lines?: string; amount?: string; reason: string; draft?: boolean },
  currency: string,
): CreditRequest {
  const chosen = [options.full, options.lines, options.amount].filter((o) => o !== undefined)
  if (chosen.length !== 1) {
    throw invalid([{ field: '--full', message: 'give exactly one of --full, --lines, --amount' }])
  }
  const common = { reason: options.reason, issue: !options.draft }
  if (options.full) return { kind: 'full', ...common }
  if (options.amount !== undefined) {
    const amountMinor = parseAmount(options.amount, currency)
    if (amountMinor === undefined) {
      throw invalid([
        { field: '--amount', message: `"${options.amount}" is not an amount in ${currency}` },
      ])
    }
    return { kind: 'amount', amountMinor, ...common }
  }
  return { kind: 'lines', lines: parseLines(options.lines as string), ...common }
}

/** "1:2,3:1.5" → line 1 quantity 2, line 3 quantity 1.5. */
export function parseLines(text: string): { lineNumber: number; quantity: Decimal }[] {
  return text.split(',').map((pair, index) => {
    const [line, quantity] = pair.trim().split(':')
    const lineNumber = Number(line)
    const parsed = quantity === undefined ? undefined : parseDecimal(quantity.trim(), 4)
    if (!/^\d+$/.test(line ?? '') || lineNumber < 1 || !parsed) {
      throw invalid([
        {
          field: `--lines[${index}]`,
          message: `"${pair}" is not line:quantity, e.g. 1:2 (line 1, quantity 2)`,
        },
      ])
    }
    return { lineNumber, quantity: parsed }
  })
}

async function invoiceIdOf(ctx: Ctx, numberOrId: string): Promise<string> {
  const page = await listInvoices(ctx, { number: numberOrId, limit: 1 })
  const found = page.data[0]
  if (found) return found.id
  if (isUuid(numberOrId)) return numberOrId
  throw domainError('request.not_found', `No invoice with number ${numberOrId}`, {
    entity: 'invoice',
    number: numberOrId,
  })
}
