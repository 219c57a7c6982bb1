import { stringify } from 'csv-stringify/sync'
import { sql } from 'kysely'
import { PDFDocument } from 'pdf-lib'
import {
  addDays,
  type CalendarDate,
  calendarDateAt,
  daysBetween,
  isCalendarDate,
} from '../../core/dates.js'
import { invalid } from '../../core/errors.js'
import { formatAmount } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { getCustomer } from '../customers/index.js'
import {
  type CustomerStatement,
  renderStatementPdf,
  type StatementCharge,
  type StatementOpenItem,
  type StatementPayment,
} from '../documents/index.js'
import { documentLook, requireBillingSettings } from './billing-settings.js'
import type { DocumentLanguage, PostalAddress } from './document.js'

// A customer's statement of account: what is open on a date, with its days overdue, and the
// payments that came in lately — one statement per currency, since amounts in two currencies
// do not add up. The open amounts are derived (DESIGN.md invariant 4): the open item as it is
// now (view invoice_open_item) plus whatever settled it after the statement date, so a
// statement for an earlier date shows what was open then.
//
// Recent payments are shown once per payment, not once per invoice it paid: a customer who
// paid three invoices with one transfer recognises one line of 363.00 "for INV-1, INV-2,
// INV-3", not three lines that add up to nothing on their bank statement. A payment that was
// later un-applied shows as its own line with the opposite amount.

/** How far back "recent payments" reach when the caller does not say. */
export const recentPaymentDaysDefault = 90

export type StatementOptions = {
  /** The statement date: open items and payments up to and including it. Default: today. */
  asOf?: CalendarDate
  /** The first day of the recent payments; default 90 days before asOf. */
  paymentsSince?: CalendarDate
  /** Only this currency; default every currency the customer has items or payments in. */
  currency?: string
}

export type CustomerStatements = {
  customerId: string
  language: DocumentLanguage
  /** One per currency, the customer's own currency first; never empty. */
  statements: CustomerStatement[]
}

/**
 * The statement of account of a customer, one per currency.
 *
 *   const { statements } = await customerStatement(ctx, customerId, { asOf: '2026-03-31' })
 */
export async function customerStatement(
  ctx: Ctx,
  customerId: string,
  options: StatementOptions = {},
): Promise<CustomerStatements> {
  const asOf = options.asOf ?? calendarDateAt(ctx.now, ctx.timeZone)
  const paymentsSince = options.paymentsSince ?? addDays(asOf, -recentPaymentDaysDefault)
  checkDates(asOf, paymentsSince)
  const customer = await getCustomer(ctx, customerId)
  const settings = await requireBillingSettings(ctx)
  const [items, payments, charges] = await Promise.all([
    openItemsAsOf(ctx, customerId, asOf),
    paymentsBetween(ctx, customerId, paymentsSince, asOf),
    chargesAsOf(ctx, customerId, asOf),
  ])

  const currencies = new Set([
    ...items.map((i) => i.currency),
    ...payments.map((p) => p.currency),
    ...charges.map((c) => c.currency),
  ])
  if (currencies.size === 0) currencies.add(customer.currency)
  const ordered = [...currencies]
    .filter((c) => !options.currency || c === options.currency)
    .sort((a, b) => (a === customer.currency ? -1 : b === customer.currency ? 1 : a < b ? -1 : 1))
  if (ordered.length === 0 && options.currency) ordered.push(options.currency)

  const address = customer.addresses.find((a) => a.kind === 'billing') ?? customer.addresses[0]
  const customerOnStatement = {
    name: customer.legalName,
    number: customer.number,
    address: (address
      ? {
          lines: address.lines,
          postalCode: address.postalCode,
          city: address.city,
          country: address.country,
        }
      : { lines: [], postalCode: '', city: '', country: customer.country ?? '' }) as PostalAddress,
  }
  const statements = ordered.map((currency): CustomerStatement => {
    const openItems: StatementOpenItem[] = items
      .filter((i) => i.currency === currency)
      .map((i) => ({
        number: i.number,
        issueDate: i.issueDate,
        dueDate: i.dueDate,
        totalMinor: i.payableMinor,
        openMinor: i.openMinor,
        daysOverdue: Math.max(0, daysBetween(i.dueDate, asOf)),
      }))
    const recentPayments: StatementPayment[] = payments
      .filter((p) => p.currency === currency)
      .map((p) => ({ date: p.date, reference: p.reference, amountMinor: p.amountMinor }))
    const chargesInCurrency: StatementCharge[] = charges
      .filter((c) => c.currency === currency)
      .map(({ currency: _, ...c }) => c)
    const chargesMinor = chargesInCurrency.reduce((sum, c) => sum + c.amountMinor, 0n)
    return {
      seller: settings.seller,
      customer: customerOnStatement,
      asOf,
      currency,
      openItems,
      recentPayments,
      charges: chargesInCurrency,
      chargesMinor,
      totalOpenMinor: openItems.reduce((sum, i) => sum + i.openMinor, 0n) + chargesMinor,
      overdueMinor: openItems
        .filter((i) => i.daysOverdue > 0)
        .reduce((sum, i) => sum + i.openMinor, 0n),
    }
  })
  return {
    customerId,
    language: customer.language === 'nl' ? 'nl' : 'en',
    statements,
  }
}

function checkDates(asOf: CalendarDate, paymentsSince: CalendarDate): void {
  if (!isCalendarDate(asOf)) throw invalid([{ field: 'as_of', message: 'must be YYYY-MM-DD' }])
  if (!isCalendarDate(paymentsSince)) {
    throw invalid([{ field: 'payments_since', message: 'must be YYYY-MM-DD' }])
  }
  if (paymentsSince > asOf) {
    throw invalid([
      { field: 'payments_since', message: `must be on or before the statement date ${asOf}` },
    ])
  }
}

type OpenItemRow = {
  number: string
  currency: string
  issueDate: CalendarDate
  dueDate: CalendarDate
  payableMinor: bigint
  openMinor: bigint
}

/** The customer's open items on `asOf`: issued by then, less what settled them by then. */
async function openItemsAsOf(
  ctx: Ctx,
  customerId: string,
  asOf: CalendarDate,
): Promise<OpenItemRow[]> {
  const rows = await ctx.db
    .selectFrom('invoiceOpenItem as o')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('invoiceSettlement as s')
          .select(sql<bigint>`coalesce(sum(s.amount_minor), 0)::bigint`.as('settledLaterMinor'))
          .whereRef('s.invoiceId', '=', 'o.invoiceId')
          .where('s.settledOn', '>', asOf)
          .as('later'),
      (join) => join.onTrue(),
    )
    .select([
      'o.number',
      'o.currency',
      'o.issueDate',
      'o.dueDate',
      'o.payableMinor',
      sql<bigint>`o.open_minor + later.settled_later_minor`.as('openMinor'),
    ])
    .where('o.customerId', '=', customerId)
    .where('o.issueDate', '<=', asOf)
    .where(sql<boolean>`o.open_minor + later.settled_later_minor <> 0`)
    .orderBy('o.dueDate')
    .orderBy('o.number')
    .execute()
  return rows.map((r) => ({
    ...r,
    payableMinor: BigInt(r.payableMinor),
    openMinor: BigInt(r.openMinor),
  }))
}

/**
 * Collection costs and interest charged to the customer by asOf (collections' charges, in
 * collection_charge; a reversal is a line with the opposite amount). Cash application does not
 * settle charges yet, so every charge is still owed (decision 0008).
 */
async function chargesAsOf(
  ctx: Ctx,
  customerId: string,
  asOf: CalendarDate,
): Promise<Array<StatementCharge & { currency: string }>> {
  const rows = await ctx.db
    .selectFrom('collectionCharge as c')
    .innerJoin('invoice as i', (join) =>
      join.onRef('i.tenantId', '=', 'c.tenantId').onRef('i.id', '=', 'c.invoiceId'),
    )
    .select([
      'i.number',
      'c.kind',
      'c.currency',
      'c.chargedOn',
      'c.periodFrom',
      'c.periodTo',
      'c.amountMinor',
    ])
    .where('c.tenantId', '=', ctx.tenantId)
    .where('c.customerId', '=', customerId)
    .where('c.chargedOn', '<=', asOf)
    .orderBy('c.chargedOn')
    .orderBy('i.number')
    .orderBy('c.kind')
    .orderBy('c.createdAt')
    .execute()
  return rows.map((r) => ({
    number: r.number as string,
    kind: r.kind,
    currency: r.currency,
    chargedOn: r.chargedOn,
    periodFrom: r.periodFrom,
    periodTo: r.periodTo,
    amountMinor: BigInt(r.amountMinor),
  }))
}

type PaymentRow = { currency: string; date: CalendarDate; reference: string; amountMinor: bigint }

/** Payments allocated to the customer's invoices between two dates, one row per payment. */
async function paymentsBetween(
  ctx: Ctx,
  customerId: string,
  since: CalendarDate,
  asOf: CalendarDate,
): Promise<PaymentRow[]> {
  const rows = await ctx.db
    .selectFrom('invoiceSettlement as s')
    .innerJoin('invoice as i', 'i.id', 's.invoiceId')
    .select([
      's.currency',
      sql<CalendarDate>`min(s.settled_on)`.as('date'),
      sql<string>`string_agg(distinct i.number, ', ' order by i.number)`.as('invoiceNumbers'),
      sql<bigint>`sum(s.amount_minor)::bigint`.as('amountMinor'),
    ])
    .where('i.customerId', '=', customerId)
    .where('s.kind', '=', 'payment')
    .where('s.settledOn', '>=', since)
    .where('s.settledOn', '<=', asOf)
    .groupBy(['s.currency', 's.sourceType', 's.sourceId'])
    .orderBy(sql`min(s.settled_on)`)
    .orderBy(sql`min(s.created_at)`)
    .execute()
  return rows.map((r) => ({
    currency: r.currency,
    date: r.date,
    reference: r.invoiceNumbers,
    amountMinor: BigInt(r.amountMinor),
  }))
}

// The CSV a spreadsheet opens: one header line, one row per open item, every currency in one
// file (the currency column tells them apart), amounts as decimals with a point. Payments are
// a second CSV with its own columns rather than a second section in the same file, because a
// spreadsheet reads a file as one table: sorting or filtering a mixed file breaks it.

export const statementCsvColumns = [
  'invoice_number',
  'issue_date',
  'due_date',
  'currency',
  'amount',
  'open_amount',
  'days_overdue',
] as const

export const statementPaymentCsvColumns = ['date', 'currency', 'amount', 'reference'] as const

/** The open items of the statements as CSV (statementCsvColumns). */
export function statementCsv(statements: readonly CustomerStatement[]): string {
  return stringify(
    statements.flatMap((s) =>
      s.openItems.map((i) => [
        i.number,
        i.issueDate,
        i.dueDate,
        s.currency,
        formatAmount(i.totalMinor, s.currency),
        formatAmount(i.openMinor, s.currency),
        String(i.daysOverdue),
      ]),
    ),
    { header: true, columns: [...statementCsvColumns], record_delimiter: 'unix' },
  )
}

export const statementChargeCsvColumns = [
  'kind',
  'invoice_number',
  'charged_on',
  'period_from',
  'period_to',
  'currency',
  'amount',
] as const

/** The collection costs and interest of the statements as CSV (statementChargeCsvColumns). */
export function statementChargesCsv(statements: readonly CustomerStatement[]): string {
  return stringify(
    statements.flatMap((s) =>
      s.charges.map((c) => [
        c.kind,
        c.number,
        c.chargedOn,
        c.periodFrom ?? '',
        c.periodTo ?? '',
        s.currency,
        formatAmount(c.amountMinor, s.currency),
      ]),
    ),
    { header: true, columns: [...statementChargeCsvColumns], record_delimiter: 'unix' },
  )
}

/** The recent payments of the statements as CSV (statementPaymentCsvColumns). */
export function statementPaymentsCsv(statements: readonly CustomerStatement[]): string {
  return stringify(
    statements.flatMap((s) =>
      s.recentPayments.map((p) => [
        p.date,
        s.currency,
        formatAmount(p.amountMinor, s.currency),
        p.reference,
      ]),
    ),
    { header: true, columns: [...statementPaymentCsvColumns], record_delimiter: 'unix' },
  )
}

/**
 * The statement as one PDF: a statement per currency, one after the other in one file (a
 * customer with invoices in EUR and USD gets both in the one letter).
 */
export async function customerStatementPdf(
  ctx: Ctx,
  customerId: string,
  options: StatementOptions = {},
): Promise<Uint8Array> {
  const { statements, language } = await customerStatement(ctx, customerId, options)
  await requireBillingSettings(ctx)
  const look = await documentLook(ctx)
  const pdfs = await Promise.all(statements.map((s) => renderStatementPdf(s, look, language)))
  if (pdfs.length === 1) return pdfs[0] as Uint8Array
  const merged = await PDFDocument.create()
  for (const bytes of pdfs) {
    const part = await PDFDocument.load(bytes)
    for (const page of await merged.copyPages(part, part.getPageIndices())) merged.addPage(page)
  }
  return merged.save()
}
