import { sql } from 'kysely'
import { domainError, type FieldIssue, invalid, notFound } from '../../core/errors.js'
import { isUuid } from '../../core/ids.js'
import {
  type Decimal,
  formatAmount,
  formatDecimal,
  lineNetMinor,
  parseDecimal,
} from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { splitCreditAmount } from './credit-amount.js'
import type { VatCategory } from './document.js'
import { createInvoiceDraft, type DraftLineInput, type InvoiceDraftInput } from './drafts.js'
import './errors.js'
import { issueInvoice } from './issue.js'
import { getInvoice, type Invoice } from './queries.js'
import { openAmount } from './settlements.js'
import { computeTotals } from './totals.js'

// Correcting an issued invoice (DESIGN.md invariants 2 and 4): an issued invoice never
// changes; a credit note that refers to it takes back all of it, some of its lines, or an
// amount, and settles it, so what is open on the invoice is derived and goes down by the
// credit note's amount. Three ways to credit:
//
// - full: every line and every allowance and charge, as invoiced. Only while nothing of the
//   invoice was paid, credited or written off — otherwise the full credit note would take
//   back more than is open, and the user credits by line or by amount instead.
// - by line: named lines with a quantity each, at most what was invoiced less what earlier
//   credit notes (issued or still draft) took of that line. Each credit note line names the
//   invoice line it credits (invoice_line.credited_*, 0013), so the quantity left per line
//   is derived, never counted in a column.
// - by amount: an amount including VAT, split over the invoice's VAT categories in
//   proportion (credit-amount.ts has the rounding); the credit note's total is the amount.
//
// A reason is required: it is the credit note's note (BT-22) and is in the audit trail.
// Nothing is written when a check fails; the corrected invoice is locked first, so two
// clerks crediting the same invoice at once take turns and cannot together take back more
// than was invoiced or is open.

export type CreditRequest = (
  | { kind: 'full' }
  | { kind: 'lines'; lines: { lineNumber: number; quantity: Decimal }[] }
  | { kind: 'amount'; amountMinor: bigint }
) & {
  /** Why: the credit note's note (BT-22) and the audit entry. */
  reason: string
  /** Issue at once (default); false keeps a draft to check first. */
  issue?: boolean
  /** When given, the invoice must be this customer's (a caller acting for one customer). */
  customerId?: string
}

// The note field (BT-22) holds the reason; 0008 bounds it to 2000 characters.
const reasonLengthMax = 2_000
const creditLinesMax = 2_000

/**
 * Credits (part of) an issued invoice with a credit note that refers to it; returns the
 * credit note, issued unless `issue: false`.
 *
 *   await creditInvoice(ctx, invoiceId, { kind: 'amount', amountMinor: 1250n, reason: 'Late' })
 *   await creditInvoice(ctx, invoiceId, {
 *     kind: 'lines', lines: [{ lineNumber: 1, quantity: { units: 2n, scale: 0 } }], reason: 'Broken',
 *   })
 */
export async function creditInvoice(
  ctx: Ctx,
  invoiceId: string,
  request: CreditRequest,
): Promise<Invoice> {
  const issues = requestIssues(request)
  if (issues.length > 0) throw invalid(issues)
  const invoice = await lockCreditableInvoice(ctx, invoiceId, request.customerId)
  const open = await openAmount(ctx, invoiceId)
  const credited = await creditedQuantities(ctx, invoiceId)
  const reason = request.reason.trim()

  let draftInput: InvoiceDraftInput
  let vatGiven: VatGiven[] = []
  switch (request.kind) {
    case 'full':
      draftInput = fullCredit(invoice, open.openMinor, credited)
      break
    case 'lines':
      draftInput = lineCredit(invoice, request.lines, credited)
      break
    case 'amount': {
      const made = amountCredit(invoice, request.amountMinor, reason)
      draftInput = made.input
      vatGiven = made.vatGiven
      break
    }
  }
  const totalMinor = creditTotal(draftInput, vatGiven)
  if (totalMinor > open.openMinor) throw exceedsOpen(invoice, totalMinor, open.openMinor)

  const draft = await createInvoiceDraft(ctx, {
    ...draftInput,
    origin: 'credit_note',
    documentType: 'credit_note',
    correctsInvoiceId: invoice.id,
    customerId: invoice.customerId,
    currency: invoice.currency,
    language: invoice.language,
    note: reason,
    // Peppol needs the buyer reference or the order reference; intra-EU supplies the
    // delivery date or period: the credit note repeats the invoice's.
    buyerReference: invoice.buyerReference,
    orderReference: invoice.orderReference,
    deliveryDate: invoice.deliveryDate,
    period: invoice.period,
    paymentTerms: { discount: null, instalments: null },
  })
  await linkCreditedLines(ctx, draft.id, invoice.id, draftInput.lines as CreditLineInput[])
  if (vatGiven.length > 0) await keepVatSplitFromGross(ctx, draft.id, vatGiven)
  await recordAudit(ctx, {
    entityType: 'invoice',
    entityId: invoice.id,
    action: 'credit_requested',
    after: {
      credit_note_id: draft.id,
      kind: request.kind,
      reason,
      amount: formatAmount(totalMinor, invoice.currency),
      currency: invoice.currency,
      ...(request.kind === 'lines'
        ? {
            lines: request.lines.map((l) => ({
              line_number: l.lineNumber,
              quantity: formatDecimal(l.quantity),
            })),
          }
        : {}),
    },
  })
  if (request.issue === false) return getInvoice(ctx, draft.id)
  return issueInvoice(ctx, draft.id)
}

/** The credit notes that refer to an invoice, issued and draft, oldest first. */
export async function creditNotesOf(ctx: Ctx, invoiceId: string): Promise<Invoice[]> {
  if (!isUuid(invoiceId)) throw notFound('invoice', invoiceId)
  const invoice = await ctx.db
    .selectFrom('invoice')
    .select(['id', 'documentType'])
    .where('id', '=', invoiceId)
    .executeTakeFirst()
  if (!invoice) throw notFound('invoice', invoiceId)
  const rows = await ctx.db
    .selectFrom('invoice')
    .select('id')
    .where('correctsInvoiceId', '=', invoiceId)
    .orderBy('createdAt')
    .orderBy('id')
    .execute()
  return Promise.all(rows.map((row) => getInvoice(ctx, row.id)))
}

/** Per invoice line: the quantity credit notes (issued or draft) took of it. */
export async function creditedQuantities(
  ctx: Ctx,
  invoiceId: string,
): Promise<Map<number, Decimal>> {
  const rows = await ctx.db
    .selectFrom('invoiceLine')
    .select(['creditedLineNumber', sql<string>`sum(quantity)::text`.as('quantity')])
    .where('creditedInvoiceId', '=', invoiceId)
    .groupBy('creditedLineNumber')
    .execute()
  return new Map(
    rows.map((row) => [row.creditedLineNumber as number, parseDecimal(row.quantity, 8) as Decimal]),
  )
}

function requestIssues(request: CreditRequest): FieldIssue[] {
  const issues: FieldIssue[] = []
  const add = (field: string, message: string) => issues.push({ field, message })
  if (typeof request.reason !== 'string' || request.reason.trim() === '') {
    add('reason', 'is required: say why the invoice is credited')
  } else if (request.reason.length > reasonLengthMax) {
    add('reason', `is longer than ${reasonLengthMax} characters`)
  }
  if (request.customerId !== undefined && !isUuid(request.customerId)) {
    add('customer_id', 'is not a uuid')
  }
  if (request.kind === 'amount' && request.amountMinor <= 0n) {
    add('amount', 'must be above 0')
  }
  if (request.kind === 'lines') {
    if (request.lines.length === 0) add('lines', 'needs at least one line')
    if (request.lines.length > creditLinesMax) add('lines', `has more than ${creditLinesMax} lines`)
    const seen = new Set<number>()
    request.lines.forEach((line, index) => {
      if (!Number.isInteger(line.lineNumber) || line.lineNumber < 1) {
        add(`lines[${index}].line_number`, 'must be a line number of the invoice (1, 2, …)')
      } else if (seen.has(line.lineNumber)) {
        add(`lines[${index}].line_number`, `names line ${line.lineNumber} a second time`)
      }
      seen.add(line.lineNumber)
      if (line.quantity.units <= 0n || line.quantity.scale > 4) {
        add(`lines[${index}].quantity`, 'must be above 0 with at most 4 decimals')
      }
    })
  }
  return issues
}

/** The invoice to credit, locked; refuses drafts, credit notes and another customer's. */
async function lockCreditableInvoice(
  ctx: Ctx,
  invoiceId: string,
  customerId: string | undefined,
): Promise<Invoice> {
  if (!isUuid(invoiceId)) throw notFound('invoice', invoiceId)
  const row = await ctx.db
    .selectFrom('invoice')
    .select(['status', 'documentType', 'number', 'customerId'])
    .where('id', '=', invoiceId)
    .forUpdate()
    .executeTakeFirst()
  if (!row) throw notFound('invoice', invoiceId)
  if (row.documentType !== 'invoice') {
    throw domainError(
      'invoicing.credit_of_credit_note',
      `${row.number ?? 'This document'} is a credit note; credit the invoice it corrects instead`,
      { invoice_id: invoiceId, number: row.number },
    )
  }
  if (row.status !== 'issued') {
    throw domainError(
      'invoicing.credit_of_draft',
      'The invoice is a draft: change or delete the draft instead of crediting it',
      { invoice_id: invoiceId },
    )
  }
  if (customerId !== undefined && row.customerId !== customerId) {
    throw domainError(
      'invoicing.credit_customer_mismatch',
      `Invoice ${row.number} belongs to another customer`,
      { field: 'customer_id', invoice_id: invoiceId, number: row.number },
    )
  }
  const invoice = await getInvoice(ctx, invoiceId)
  if (invoice.lines.length === 0 || invoice.vatBreakdown.length === 0) {
    throw domainError(
      'invoicing.credit_without_lines',
      `Invoice ${invoice.number} has no lines or VAT breakdown to credit (an opening balance); settle it in the system that issued it`,
      { invoice_id: invoiceId, number: invoice.number, origin: invoice.origin },
    )
  }
  return invoice
}

function fullCredit(
  invoice: Invoice,
  openMinor: bigint,
  credited: Map<number, Decimal>,
): InvoiceDraftInput {
  const payable = invoice.totals.payableMinor
  if (openMinor !== payable || credited.size > 0) {
    const currency = invoice.currency
    throw domainError(
      'invoicing.credit_full_not_open',
      credited.size > 0 && openMinor === payable
        ? `Invoice ${invoice.number} has a draft credit note already; issue or delete it, or credit by line or by amount`
        : `Only ${formatAmount(openMinor, currency)} ${currency} of ${formatAmount(payable, currency)} is open on invoice ${invoice.number}: credit by line or by amount (at most ${formatAmount(openMinor, currency)})`,
      {
        invoice_id: invoice.id,
        number: invoice.number,
        open_amount: formatAmount(openMinor, currency),
        payable_amount: formatAmount(payable, currency),
        currency,
      },
    )
  }
  return {
    origin: 'credit_note',
    customerId: invoice.customerId,
    lines: invoice.lines.map((line) => ({
      ...creditLineOf(line),
      quantity: line.quantity,
      creditsLineNumber: line.lineNumber,
    })),
    allowancesCharges: invoice.allowancesCharges,
    exemptions: exemptionsOf(invoice),
    // What was prepaid on the invoice is prepaid on its credit note, so the credit note
    // takes back exactly what is open; its ledger entry returns the prepayment to the customer.
    prepaidMinor: invoice.totals.prepaidMinor,
  }
}

function lineCredit(
  invoice: Invoice,
  requested: { lineNumber: number; quantity: Decimal }[],
  credited: Map<number, Decimal>,
): InvoiceDraftInput {
  const issues: FieldIssue[] = []
  const lines: CreditLineInput[] = []
  requested.forEach((want, index) => {
    const line = invoice.lines.find((l) => l.lineNumber === want.lineNumber)
    if (!line) {
      issues.push({
        field: `lines[${index}].line_number`,
        message: `invoice ${invoice.number} has no line ${want.lineNumber} (it has ${invoice.lines.length})`,
      })
      return
    }
    const taken = credited.get(line.lineNumber) ?? { units: 0n, scale: 0 }
    const left = subtractDecimal(line.quantity, taken)
    if (compareDecimal(want.quantity, left) > 0) {
      issues.push({
        field: `lines[${index}].quantity`,
        message: `${formatDecimal(want.quantity)} is more than the ${formatDecimal(left)} left to credit on line ${line.lineNumber} (invoiced ${formatDecimal(line.quantity)}, credited ${formatDecimal(taken)})`,
      })
      return
    }
    lines.push({
      ...creditLineOf(line),
      quantity: want.quantity,
      creditsLineNumber: line.lineNumber,
    })
  })
  if (issues.length > 0) {
    throw domainError(
      'invoicing.credit_quantity_exceeds_left',
      issues.map((i) => `${i.field}: ${i.message}`).join('; '),
      { invoice_id: invoice.id, number: invoice.number, errors: issues },
    )
  }
  return {
    origin: 'credit_note',
    customerId: invoice.customerId,
    lines,
    exemptions: exemptionsOf(invoice),
  }
}

type VatGiven = { category: VatCategory; rate: Decimal; vatMinor: bigint }

function amountCredit(
  invoice: Invoice,
  amountMinor: bigint,
  reason: string,
): { input: InvoiceDraftInput; vatGiven: VatGiven[] } {
  const parts = splitCreditAmount(amountMinor, invoice.vatBreakdown)
  const description = reason.length > 500 ? `${reason.slice(0, 499)}…` : reason
  return {
    input: {
      origin: 'credit_note',
      customerId: invoice.customerId,
      lines: parts.map((part) => ({
        itemCode: 'CREDIT',
        description,
        quantity: { units: 1n, scale: 0 },
        unit: 'C62',
        unitPriceMinor: part.netMinor,
        vatCategory: part.category,
        vatRate: part.rate,
      })),
      exemptions: exemptionsOf(invoice),
    },
    vatGiven: parts
      .filter((p) => p.vatSplitFromGross)
      .map((p) => ({ category: p.category, rate: p.rate, vatMinor: p.vatMinor })),
  }
}

type CreditLineInput = DraftLineInput & { creditsLineNumber?: number }

function creditLineOf(line: Invoice['lines'][number]): Omit<CreditLineInput, 'quantity'> {
  return {
    itemCode: line.itemCode,
    ...(line.description ? { description: line.description } : {}),
    unit: line.unit,
    unitPriceMinor: line.unitPriceMinor,
    discountPercent: line.discountPercent,
    vatCategory: line.vatCategory,
    vatRate: line.vatRate,
  }
}

function exemptionsOf(invoice: Invoice): InvoiceDraftInput['exemptions'] {
  const exemptions: NonNullable<InvoiceDraftInput['exemptions']> = {}
  for (const row of invoice.vatBreakdown) {
    if (row.exemptionReason || row.exemptionReasonCode) {
      exemptions[row.category] = { code: row.exemptionReasonCode, reason: row.exemptionReason }
    }
  }
  return exemptions
}

/** What the credit note will take back: its amount due, as issuing will compute it. */
function creditTotal(input: InvoiceDraftInput, vatGiven: VatGiven[]): bigint {
  const computed = computeTotals({
    lines: input.lines.map((line) => ({
      netMinor: lineNetMinor(line.quantity, line.unitPriceMinor, line.discountPercent),
      vatCategory: line.vatCategory,
      vatRate: line.vatRate,
    })),
    allowancesCharges: input.allowancesCharges ?? [],
    prepaidMinor: input.prepaidMinor ?? 0n,
    language: 'en',
  })
  const shift = vatGiven.reduce((sum, given) => {
    const row = computed.vatBreakdown.find(
      (r) => r.category === given.category && compareDecimal(r.rate, given.rate) === 0,
    )
    return sum + given.vatMinor - (row?.vatMinor ?? 0n)
  }, 0n)
  return computed.totals.payableMinor + shift
}

function exceedsOpen(invoice: Invoice, creditMinor: bigint, openMinor: bigint) {
  const currency = invoice.currency
  return domainError(
    'invoicing.credit_exceeds_open',
    `The credit note of ${formatAmount(creditMinor, currency)} ${currency} is more than the ${formatAmount(openMinor, currency)} ${currency} open on invoice ${invoice.number}`,
    {
      invoice_id: invoice.id,
      number: invoice.number,
      open_amount: formatAmount(openMinor, currency),
      requested_amount: formatAmount(creditMinor, currency),
      currency,
    },
  )
}

/** Marks each credit note line with the invoice line it credits (lines are numbered 1, 2, …). */
async function linkCreditedLines(
  ctx: Ctx,
  creditNoteId: string,
  invoiceId: string,
  lines: CreditLineInput[],
): Promise<void> {
  const links = lines
    .map((line, index) => ({ lineNumber: index + 1, credits: line.creditsLineNumber }))
    .filter((link): link is { lineNumber: number; credits: number } => link.credits !== undefined)
  if (links.length === 0) return
  await ctx.db
    .updateTable('invoiceLine')
    .set({
      creditedInvoiceId: invoiceId,
      creditedLineNumber: sql<number>`case line_number ${sql.join(
        links.map((l) => sql`when ${l.lineNumber}::int then ${l.credits}::int`),
        sql` `,
      )} end`,
    })
    .where('invoiceId', '=', creditNoteId)
    .where(
      'lineNumber',
      'in',
      links.map((l) => l.lineNumber),
    )
    .execute()
}

/**
 * Keeps the VAT of an amount credit note where it was split from the gross (credit-amount.ts
 * step 3): one cent from taxable × rate, within BR-CO-17's tolerance, so that the credit
 * note's total is exactly the amount asked for. Issuing keeps it (issue.ts).
 */
async function keepVatSplitFromGross(
  ctx: Ctx,
  creditNoteId: string,
  vatGiven: VatGiven[],
): Promise<void> {
  let shift = 0n
  const rows = await ctx.db
    .selectFrom('invoiceVat')
    .select(['vatCategory', 'vatRate', 'vatMinor'])
    .where('invoiceId', '=', creditNoteId)
    .execute()
  for (const given of vatGiven) {
    const row = rows.find(
      (r) =>
        r.vatCategory === given.category &&
        compareDecimal(parseDecimal(r.vatRate, 8) as Decimal, given.rate) === 0,
    )
    if (!row) continue
    shift += given.vatMinor - row.vatMinor
    await ctx.db
      .updateTable('invoiceVat')
      .set({ vatMinor: given.vatMinor })
      .where('invoiceId', '=', creditNoteId)
      .where('vatCategory', '=', row.vatCategory)
      .where('vatRate', '=', row.vatRate)
      .execute()
  }
  if (shift === 0n) return
  await ctx.db
    .updateTable('invoice')
    .set((eb) => ({
      vatMinor: eb('vatMinor', '+', shift),
      totalMinor: eb('totalMinor', '+', shift),
      payableMinor: eb('payableMinor', '+', shift),
    }))
    .where('id', '=', creditNoteId)
    .execute()
}

function aligned(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale)
  return [a.units * 10n ** BigInt(scale - a.scale), b.units * 10n ** BigInt(scale - b.scale), scale]
}

function compareDecimal(a: Decimal, b: Decimal): number {
  const [x, y] = aligned(a, b)
  return x === y ? 0 : x < y ? -1 : 1
}

function subtractDecimal(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = aligned(a, b)
  return { units: x - y, scale }
}
