import { sql } from 'kysely'
import { type Decimal, formatAmount, parseAmount } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import type { Customer } from '../customers/index.js'
import { createInvoiceDraft, issueInvoice, openAmount } from '../invoicing/index.js'
import {
  arrangeBillingSettings,
  arrangeCustomer,
  line,
  manualDraft,
} from '../invoicing/test-helpers.js'
import type { Balance, BankEntry, BankFileEvent, StatementHead } from './bank-files/model.js'

// Builders for the cashapp tests: bank entries and the event streams a parser would yield,
// so that the import is tested without a parser (and on files of any shape or size).

let referenceCounter = 0

/** A credit transfer received, with its own bank reference unless given one. */
export function bankEntry(overrides: Partial<BankEntry> = {}): BankEntry {
  return {
    bookingDate: '2026-03-02',
    valueDate: '2026-03-02',
    amount: '121.00',
    currency: 'EUR',
    sign: 'C',
    reversal: false,
    bankReference: `REF-${++referenceCounter}`,
    customerReference: null,
    endToEndId: null,
    mandateId: null,
    counterparty: { name: 'Lunchroom Het Hoekje', iban: 'NL91ABNA0417164300', bic: null },
    remittance: { unstructured: 'Invoice 2026-0042', structuredReference: null },
    bankTransactionCode: 'PMNT/RCDT/ESCT',
    returnReason: null,
    details: [],
    ...overrides,
  }
}

export const ourIban = 'NL20INGB0001234567'

export type StatementSpec = {
  id?: string | null
  number?: string | null
  iban?: string | null
  accountNumber?: string | null
  currency?: string
  opening?: string | null
  entries: BankEntry[]
  /** The closing balance; by default opening + entries, so the statement balances. */
  closing?: string | null
  format?: string
}

/** The events of one statement, balances in EUR credit unless said otherwise. */
export function statementEvents(spec: StatementSpec): BankFileEvent[] {
  const currency = spec.currency ?? 'EUR'
  const opening = spec.opening === undefined ? '1000.00' : spec.opening
  const head: StatementHead = {
    id: spec.id === undefined ? `STMT-${++referenceCounter}` : spec.id,
    statementNumber: spec.number ?? null,
    account: {
      iban: spec.iban === undefined ? ourIban : spec.iban,
      number: spec.accountNumber ?? null,
      currency,
    },
    openingBalance: opening === null ? null : balance(opening, '2026-03-01'),
  }
  const closing =
    spec.closing === undefined
      ? opening === null
        ? null
        : balancedClosing(opening, spec.entries, currency)
      : spec.closing
  return [
    { kind: 'statement', format: spec.format ?? 'camt.053.001.02', statement: head },
    ...spec.entries.map((entry) => ({ kind: 'entry' as const, entry })),
    {
      kind: 'statement_end',
      closingBalance: closing === null ? null : balance(closing, '2026-03-02'),
    },
  ]
}

/** A signed decimal ("-12.00") as a balance: unsigned amount and C/D. */
function balance(signedAmount: string, date: string): Balance {
  const debit = signedAmount.startsWith('-')
  return { amount: debit ? signedAmount.slice(1) : signedAmount, sign: debit ? 'D' : 'C', date }
}

function balancedClosing(opening: string, entries: BankEntry[], currency: string): string {
  let minor = parseAmount(opening, currency) ?? 0n
  for (const e of entries) {
    const amount = parseAmount(e.amount, currency) ?? 0n
    minor += e.sign === 'C' ? amount : -amount
  }
  return formatAmount(minor, currency)
}

/** Events as a parser yields them: one at a time, asynchronously. */
export async function* eventStream(
  ...statements: BankFileEvent[][]
): AsyncGenerator<BankFileEvent> {
  for (const events of statements) for (const event of events) yield event
}

/** One entry of a test bank file: amount, sign, the bank's reference. */
export type FileEntry = [amount: string, sign: 'C' | 'D', reference: string]

export type FileStatement = {
  id: string
  number: string
  iban: string
  opening: string
  closing: string
  entries: FileEntry[]
}

/** A bank file for the tests that upload or import files (API, CLI): MT940. */
export const testBankFile = (statements: FileStatement[]) => mt940File(statements)

/** The same statements as SWIFT MT940 (credit balances, EUR, March 2026). */
export function mt940File(statements: FileStatement[]): string {
  const amount = (a: string) => a.replace('.', ',')
  return statements
    .map((s) =>
      [
        `:20:${s.id}`,
        `:25:${s.iban}`,
        `:28C:${s.number}`,
        `:60F:C260301EUR${amount(s.opening)}`,
        ...s.entries.flatMap(([a, sign, reference]) => [
          `:61:2603020302${sign}${amount(a)}NTRFNONREF//${reference}`,
          `:86:Invoice ${reference}`,
        ]),
        `:62F:C260302EUR${amount(s.closing)}`,
        '-',
      ].join('\r\n'),
    )
    .join('\r\n')
}

/** A customer for cash-application tests: a unique name, and an IBAN when given. */
export async function arrangeCashappCustomer(
  ctx: Ctx,
  fields: { legalName?: string; iban?: string; currency?: string; parentId?: string } = {},
): Promise<Customer> {
  return arrangeCustomer(ctx, {
    ...(fields.legalName ? { legalName: fields.legalName } : {}),
    ...(fields.currency ? { currency: fields.currency } : {}),
    ...(fields.parentId ? { parentId: fields.parentId } : {}),
    ibans: fields.iban ? [{ iban: fields.iban, bic: null, accountHolder: null }] : [],
  })
}

export type OpenInvoice = {
  id: string
  number: string
  paymentReference: string
  payableMinor: bigint
}

/**
 * An issued invoice of `netMinor` at 21% VAT (so 100_00n is 121.00 open), or, with
 * `mixedVat`, of 100.00 at 21% and 100.00 at 9% (230.00). Billing settings are arranged on
 * first use.
 */
export async function arrangeOpenInvoice(
  ctx: Ctx,
  customerId: string,
  netMinor: bigint,
  options: {
    currency?: string
    mixedVat?: boolean
    discount?: { percent: Decimal; days: number }
  } = {},
): Promise<OpenInvoice> {
  const settings = await ctx.db.selectFrom('billingSettings').select('version').executeTakeFirst()
  if (!settings) await arrangeBillingSettings(ctx)
  const lines = options.mixedVat
    ? [line('BREAD', '1', 100_00n, 'S', '21'), line('FLOUR', '1', 100_00n, 'S', '9')]
    : [line('BREAD', '1', netMinor, 'S', '21')]
  const draft = await createInvoiceDraft(
    ctx,
    manualDraft(customerId, lines, {
      ...(options.currency ? { currency: options.currency } : {}),
      paymentTerms: { discount: options.discount ?? null },
    }),
  )
  const issued = await issueInvoice(ctx, draft.id)
  return {
    id: issued.id,
    number: issued.number as string,
    paymentReference: issued.paymentReference as string,
    payableMinor: issued.totals.payableMinor,
  }
}

/** What is open on an invoice, as a decimal string (EUR). */
export async function openOf(ctx: Ctx, invoiceId: string): Promise<string> {
  return formatAmount((await openAmount(ctx, invoiceId)).openMinor, 'EUR')
}

/**
 * The receivable control account's balance beside the sum of the open items: equal whenever
 * the books are right (DESIGN.md invariant 3).
 */
export async function receivableAndOpenItems(
  ctx: Ctx,
): Promise<{ receivable: bigint; openItems: bigint }> {
  const { rows } = await sql<{ receivable: bigint; openItems: bigint }>`
    select
      (select coalesce(sum(l.debit_minor - l.credit_minor), 0) from journal_line l
        join account a on a.tenant_id = l.tenant_id and a.code = l.account_code
        where a.purpose = 'receivable')::bigint as receivable,
      (select coalesce(sum(open_minor), 0) from invoice_open_item)::bigint as open_items`.execute(
    ctx.db,
  )
  return { receivable: BigInt(rows[0].receivable), openItems: BigInt(rows[0].openItems) }
}
