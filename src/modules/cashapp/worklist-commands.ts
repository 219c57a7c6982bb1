import type { Command } from 'commander'
import { printResult, table } from '../../cli/output.js'
import { inCliTenant } from '../../cli/tenant-scope.js'
import { domainError, invalid } from '../../core/errors.js'
import { isUuid } from '../../core/ids.js'
import { pageSizeMax } from '../../core/pagination.js'
import type { CliContext } from '../../platform.js'
import { customersByNumber } from '../customers/index.js'
import { cashappCommand } from './cashapp-command.js'
import './worklist-errors.js'
import type { WriteOffKind } from './matching/model.js'
import {
  acceptSuggestion,
  applyManually,
  listWorklist,
  rejectSuggestion,
  rematchTransactions,
  unapplyTransaction,
} from './worklist.js'
import { type TransactionOut, transactionToApi, worklistStatuses } from './worklist-routes.js'

// `o2c cashapp worklist|accept|reject|rematch|apply|unapply`: the worklist at the terminal.
// The JSON is the API's (GET /v1/bank-transactions and the acts' replies), so a script can
// move between the two. IDs are the bank transactions' (the `id` of the worklist).

export function worklistCommands(program: Command, cli: CliContext): void {
  const cashapp = cashappCommand(program)

  cashapp
    .command('worklist')
    .description('Bank transactions waiting for a person, with their ranked candidates')
    .option(
      '--status <statuses>',
      `comma-separated: ${worklistStatuses.join(', ')}`,
      'suggested,unmatched',
    )
    .option('--statement <id>', "only this statement's transactions (o2c id)")
    .option(
      '--customer <number>',
      'only transactions this customer (number or id) is a candidate of or paid',
    )
    .option('--cursor <cursor>', 'next_cursor of the previous page')
    .option('--limit <n>', 'transactions per page', (v) => Number(v), 50)
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON (as GET /v1/bank-transactions)')
    .action(async (options) => {
      const statuses = String(options.status)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
      for (const s of statuses) {
        if (!(worklistStatuses as readonly string[]).includes(s)) {
          throw invalid([{ field: 'status', message: `'${s}' is not one of ${worklistStatuses}` }])
        }
      }
      if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > pageSizeMax) {
        throw invalid([{ field: 'limit', message: `must be 1 to ${pageSizeMax}` }])
      }
      const platform = await cli.platform('cashapp worklist')
      const page = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) => {
        let customerId: string | undefined = options.customer
        if (customerId !== undefined && !isUuid(customerId)) {
          const found = (await customersByNumber(ctx, [customerId])).get(customerId)
          if (!found) {
            throw domainError('cashapp.customer_unknown', `customer: no customer ${customerId}`, {
              field: 'customer',
              customer: customerId,
            })
          }
          customerId = found.id
        }
        return listWorklist(ctx, {
          status: statuses as (typeof worklistStatuses)[number][],
          statementId: options.statement,
          customerId,
          cursor: options.cursor,
          limit: options.limit,
        })
      })
      const data = page.data.map((t) => transactionToApi(t, page.names))
      printResult(options, { data, next_cursor: page.nextCursor }, [
        ...data.flatMap(transactionLines),
        ...(data.length === 0 ? ['Nothing waits.'] : []),
        ...(page.nextCursor ? [`More: --cursor ${page.nextCursor}`] : []),
      ])
    })

  cashapp
    .command('accept <id>')
    .description('Accept a suggested candidate: apply it (and learn the payer)')
    .option('--candidate <n>', 'the rank of the candidate', (v) => Number(v), 1)
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (id: string, options) => {
      const platform = await cli.platform('cashapp accept')
      const out = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) => {
        const found = await acceptSuggestion(ctx, id, { rank: options.candidate })
        return transactionToApi(found.transaction, found.names)
      })
      printResult(options, out, ['Accepted.', ...transactionLines(out)])
    })

  cashapp
    .command('reject <id>')
    .description('Reject a suggestion; a re-match does not offer it again')
    .requiredOption('--reason <text>', 'why it is not this one')
    .option('--candidate <n>', 'only this candidate (default: every one)', (v) => Number(v))
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (id: string, options) => {
      const platform = await cli.platform('cashapp reject')
      const out = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) => {
        const found = await rejectSuggestion(ctx, id, options.reason, { rank: options.candidate })
        return transactionToApi(found.transaction, found.names)
      })
      printResult(options, out, ['Rejected.', ...transactionLines(out)])
    })

  cashapp
    .command('rematch [ids...]')
    .description(
      'Match again with the current book (all that wait, or these); apply what is certain',
    )
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (ids: string[], options) => {
      const platform = await cli.platform('cashapp rematch')
      const counts = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        rematchTransactions(ctx, ids.length > 0 ? ids : undefined),
      )
      printResult(
        options,
        counts,
        `Matched ${counts.transactions} transaction(s) again: ${counts.applied} applied, ` +
          `${counts.suggested} suggested, ${counts.unmatched} unmatched.`,
      )
    })

  cashapp
    .command('apply <id>')
    .description('Apply a transaction by hand; the rest stays unapplied cash on the customer')
    .requiredOption('--customer <number>', 'the customer (number)')
    .option(
      '--invoice <number=amount>',
      'an invoice and what it gets, e.g. 2026-0042=121.00 (repeat for more)',
      collect,
      [],
    )
    .option(
      '--write-off <kind:number=amount>',
      'a write-off: discount, bank_fee or small_difference, e.g. bank_fee:2026-0042=2.50',
      collect,
      [],
    )
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (id: string, options) => {
      const allocations = (options.invoice as string[]).map((text, index) => {
        const [number, amount] = splitPair(text, `invoice[${index}]`)
        return { invoice: { number }, amount }
      })
      const writeOffs = (options.writeOff as string[]).map((text, index) => {
        const colon = text.indexOf(':')
        const kind = text.slice(0, colon) as WriteOffKind
        if (colon < 0 || !['discount', 'bank_fee', 'small_difference'].includes(kind)) {
          throw invalid([
            { field: `write_off[${index}]`, message: 'write kind:number=amount, kind bank_fee …' },
          ])
        }
        const [number, amount] = splitPair(text.slice(colon + 1), `write_off[${index}]`)
        return { kind, invoice: { number }, amount }
      })
      const platform = await cli.platform('cashapp apply')
      const out = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) => {
        const found = await applyManually(ctx, id, {
          customer: { number: options.customer },
          allocations,
          writeOffs,
        })
        return transactionToApi(found.transaction, found.names)
      })
      printResult(options, out, ['Applied.', ...transactionLines(out)])
    })

  cashapp
    .command('unapply <id>')
    .description('Un-apply: invoices open again, payment and ledger reversed')
    .requiredOption('--reason <text>', 'why (kept in the audit trail)')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (id: string, options) => {
      const platform = await cli.platform('cashapp unapply')
      const out = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) => {
        const found = await unapplyTransaction(ctx, id, options.reason)
        return transactionToApi(found.transaction, found.names)
      })
      printResult(options, out, ['Un-applied.', ...transactionLines(out)])
    })
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

function splitPair(text: string, field: string): [string, string] {
  const at = text.lastIndexOf('=')
  if (at <= 0 || at === text.length - 1) {
    throw invalid([{ field, message: `'${text}': write NUMBER=AMOUNT, e.g. 2026-0042=121.00` }])
  }
  return [text.slice(0, at), text.slice(at + 1)]
}

/** A transaction as a few lines of text: the entry, then its candidates or its application. */
function transactionLines(t: TransactionOut): string[] {
  const who = (c: TransactionOut['candidates'][number]['customer']) =>
    `${c.number ?? c.id} ${c.name ?? ''}`.trim()
  const head =
    `${t.id}  ${t.booking_date ?? '          '}  ${t.amount} ${t.currency} ${t.sign}  ` +
    `${t.status.toUpperCase()}  ${t.counterparty.name ?? ''} ${t.counterparty.iban ?? ''}`.trimEnd()
  const text = t.remittance.structured_reference ?? t.remittance.unstructured
  const lines = [
    head,
    ...(text ? [`    "${text}"${t.entry_ref ? `  ref ${t.entry_ref}` : ''}`] : []),
  ]
  if (t.application) {
    const a = t.application
    lines.push(
      `    applied to ${who(a.customer)} by ${a.applied_by}: ` +
        (a.lines.map((l) => `${l.invoice_number} ${l.amount} (${l.kind})`).join(', ') ||
          'nothing allocated') +
        (a.unapplied !== '0.00' ? `; unapplied ${a.unapplied}` : ''),
    )
    return lines
  }
  lines.push(
    ...table(
      ['  #', 'CUSTOMER', 'INVOICES', 'UNAPPLIED', 'CONF', 'REASONS'],
      t.candidates.map((c) => [
        `  ${c.rank}${c.rejected ? 'x' : ''}`,
        who(c.customer),
        [
          ...c.allocations.map((a) => `${a.invoice_number ?? a.invoice_id} ${a.amount}`),
          ...c.write_offs.map((w) => `${w.kind} ${w.invoice_number ?? w.invoice_id} ${w.amount}`),
        ].join(', '),
        c.unapplied,
        c.confidence.toFixed(2),
        c.rejected ? `rejected: ${c.rejected.reason}` : c.reasons.join('; '),
      ]),
    ).map((line) => `  ${line}`),
  )
  return t.candidates.length > 0 ? lines : [...lines.slice(0, -1), '    no candidates']
}
