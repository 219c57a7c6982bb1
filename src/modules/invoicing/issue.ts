import {
  type BusinessCalendar,
  businessCalendar,
  dueDate,
  dutchHolidayDates,
} from '../../core/business-calendar.js'
import { type CalendarDate, calendarDateAt, isCalendarDate } from '../../core/dates.js'
import { domainError, invalid } from '../../core/errors.js'
import { allocate, divideRounded, formatAmount, formatDecimal } from '../../core/money.js'
import { paymentReferenceFor } from '../../core/payment-reference.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { type Customer, getCustomer } from '../customers/index.js'
import { accountCodesFor, type JournalLineInput, postJournalEntry } from '../ledger/index.js'
import { type BillingSettings, requireBillingSettings } from './billing-settings.js'
import { withVatSplitFromGross } from './credit-amount.js'
import { type CustomerBilling, customerBillingOrDefaults } from './customer-billing.js'
import type { Buyer, ElectronicAddress, Seller, VatCategory } from './document.js'
import { insertVatBreakdown } from './drafts.js'
import { derivedElectronicAddress } from './electronic-address.js'
import './errors.js'
import { accountingCurrency, convertMinor, requireRateOn } from './exchange-rates.js'
import { snakeKeys } from './json-case.js'
import { assignInvoiceNumber, fiscalYearOf } from './numbering.js'
import { getInvoice, type Invoice, type InvoiceTerms, termsToJson } from './queries.js'
import { settleInvoice } from './settlements.js'
import { recordInvoiceStep } from './timeline.js'
import { type ComputedTotals, computeTotals } from './totals.js'
import { checkVatCombination } from './vat-rules.js'

// Issuing turns a draft into a document that never changes (DESIGN.md invariant 2). In one
// transaction: lock the draft, check it against today's master data, compute the totals and
// the VAT breakdown, the due dates and the accounting-currency VAT, settle the corrected
// invoice (a credit note), take the number — as late as possible, since the series stays
// locked for other issuers until commit — and the payment reference made from it, snapshot
// seller and buyer, post the journal entry, and record the 'issued' step and the audit entry.

export type IssueOptions = {
  /** Default: today in the tenant's time zone. */
  issueDate?: CalendarDate
}

/** What issuing tells a caller that needs no more than this (a billing run). */
export type IssuedDocument = {
  id: string
  number: string
  documentType: Invoice['documentType']
  customerId: string
  currency: string
  linesCount: number
  totals: ComputedTotals['totals']
}

/** Issues a draft invoice or credit note; returns the issued document. */
export async function issueInvoice(
  ctx: Ctx,
  invoiceId: string,
  options: IssueOptions = {},
): Promise<Invoice> {
  const issued = await issueDraft(ctx, invoiceId, options)
  return getInvoice(ctx, issued.id)
}

/** issueInvoice without reading the issued document back whole. */
export async function issueDraft(
  ctx: Ctx,
  invoiceId: string,
  options: IssueOptions = {},
): Promise<IssuedDocument> {
  const issueDate = options.issueDate ?? calendarDateAt(ctx.now, ctx.timeZone)
  if (!isCalendarDate(issueDate)) {
    throw invalid([{ field: 'issue_date', message: 'must be a date YYYY-MM-DD' }])
  }
  const draft = await lockForIssue(ctx, invoiceId)
  const settings = await requireBillingSettings(ctx)
  const customer = await getCustomer(ctx, draft.customerId)
  const billing = await customerBillingOrDefaults(ctx, draft.customerId)
  const seller = sellerSnapshot(settings.seller)
  const buyer = buyerSnapshot(customer, billing)

  checkVatCombination(
    [
      ...draft.lines.map((line, index) => ({ ...line, field: `lines[${index}]` })),
      ...draft.allowancesCharges.map((entry, index) => ({
        ...entry,
        field: `allowances_charges[${index}]`,
      })),
    ],
    {
      sellerKnown: true,
      sellerVatId: seller.vatId,
      buyerVatId: buyer.vatId,
      hasDeliveryDateOrPeriod: Boolean(draft.deliveryDate || draft.period),
    },
  )
  // A credit note for an amount keeps the VAT split from its gross (credit-amount.ts).
  const computed =
    draft.documentType === 'credit_note'
      ? withVatSplitFromGross(recomputeTotals(draft), draft.vatBreakdown)
      : recomputeTotals(draft)
  const { totals } = computed
  const base = await accountingCurrency(ctx)
  let accounting: { currency: string; rate: string; vatMinor: bigint } | null = null
  if (draft.currency !== base) {
    const rate = await requireRateOn(ctx, draft.currency, issueDate, base)
    accounting = {
      currency: base,
      rate: formatDecimal(rate.rate),
      vatMinor: convertMinor(totals.vatMinor, draft.currency, base, rate.rate),
    }
  }
  const terms =
    draft.documentType === 'invoice'
      ? scheduleTerms(draft.paymentTerms, issueDate, totals.payableMinor, calendarOf(settings))
      : { terms: draft.paymentTerms, dueDate: null }

  if (draft.documentType === 'credit_note' && totals.payableMinor > 0n) {
    // Refuses a credit note above what is open on the invoice (invariant 4).
    await settleInvoice(ctx, {
      invoiceId: draft.correctsInvoiceId as string,
      kind: 'credit_note',
      amountMinor: totals.payableMinor,
      currency: draft.currency,
      settledOn: issueDate,
      source: { type: 'invoice', id: draft.id },
    })
  }
  // The breakdown of the draft is replaced by the one computed now, before the row turns
  // issued (after that, the trigger of 0008 refuses any change to it).
  // (Rewritten only when it differs: the draft's is usually the same, computed from the same lines.)
  if (!sameBreakdown(draft.vatBreakdown, computed.vatBreakdown)) {
    await ctx.db.deleteFrom('invoiceVat').where('invoiceId', '=', draft.id).execute()
    await insertVatBreakdown(ctx, draft.id, computed)
  }

  const series =
    draft.documentType === 'invoice' ? settings.invoiceSeries : settings.creditNoteSeries
  const fiscalYear = fiscalYearOf(issueDate, settings.fiscalYearStartMonth)
  const { sequence, number } = await assignInvoiceNumber(ctx, { series, fiscalYear, issueDate })
  const paymentReference = referenceFor(settings, series, fiscalYear, sequence)

  await ctx.db
    .updateTable('invoice')
    .set((eb) => ({
      status: 'issued',
      series,
      fiscalYear,
      sequence,
      number,
      issueDate,
      dueDate: terms.dueDate,
      paymentReference,
      seller: JSON.stringify(snakeKeys(seller)),
      buyer: JSON.stringify(snakeKeys(buyer)),
      // The reference the customer wants on every invoice (BT-10), unless the draft has one.
      // Peppol needs BT-10 or an order reference (PEPPOL-EN16931-R003); with neither, the
      // customer's number with us is the reference the buyer knows us by.
      buyerReference:
        draft.buyerReference ??
        billing.buyerReference ??
        (draft.orderReference ? null : customer.number),
      paymentTerms: termsToJson(terms.terms),
      lineNetMinor: totals.lineNetMinor,
      allowanceMinor: totals.allowancesMinor,
      chargeMinor: totals.chargesMinor,
      taxExclusiveMinor: totals.taxExclusiveMinor,
      vatMinor: totals.vatMinor,
      totalMinor: totals.taxInclusiveMinor,
      prepaidMinor: totals.prepaidMinor,
      payableMinor: totals.payableMinor,
      accountingCurrency: accounting?.currency ?? null,
      exchangeRate: accounting?.rate ?? null,
      vatAccountingMinor: accounting?.vatMinor ?? null,
      issuedAt: ctx.now,
      issuedBy: ctx.actor.name,
      updatedAt: ctx.now,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', draft.id)
    .where('status', '=', 'draft')
    .execute()

  await postIssueEntry(ctx, { ...draft, number, issueDate }, computed)
  const detail = {
    number,
    document_type: draft.documentType,
    customer_id: draft.customerId,
    currency: draft.currency,
    total: formatAmount(totals.taxInclusiveMinor, draft.currency),
    payable: formatAmount(totals.payableMinor, draft.currency),
    due_date: terms.dueDate,
    channel: billing.invoiceChannel,
    issue_date: issueDate,
    payment_reference: paymentReference,
    ...(draft.correctsInvoiceId ? { corrects_invoice_id: draft.correctsInvoiceId } : {}),
  }
  await recordInvoiceStep(ctx, draft.id, 'issued', { detail })
  await recordAudit(ctx, {
    entityType: 'invoice',
    entityId: draft.id,
    action: 'issued',
    before: { status: 'draft' },
    after: { status: 'issued', ...detail },
  })
  return {
    id: draft.id,
    number,
    documentType: draft.documentType,
    customerId: draft.customerId,
    currency: draft.currency,
    linesCount: draft.lines.length,
    totals,
  }
}

async function lockForIssue(ctx: Ctx, invoiceId: string): Promise<Invoice> {
  const row = await getInvoice(ctx, invoiceId, { forUpdate: true })
  if (row.status !== 'draft') {
    throw domainError(
      'invoicing.already_issued',
      `${row.number ?? 'The document'} is issued already; an issued document is never issued again`,
      { invoice_id: invoiceId, number: row.number },
    )
  }
  return row
}

/** Whether two VAT breakdowns have the same rows (order aside), as stored. */
function sameBreakdown(
  stored: readonly ComputedTotals['vatBreakdown'][number][],
  computed: readonly ComputedTotals['vatBreakdown'][number][],
): boolean {
  const key = (row: ComputedTotals['vatBreakdown'][number]) =>
    [
      row.category,
      formatDecimal(row.rate, 4),
      row.taxableMinor,
      row.vatMinor,
      row.exemptionReason ?? '',
      row.exemptionReasonCode ?? '',
    ].join('|')
  const a = stored.map(key).sort()
  const b = computed.map(key).sort()
  return a.length === b.length && a.every((k, i) => k === b[i])
}

/** The totals as EN 16931 computes them from the stored lines; exemption texts as drafted. */
function recomputeTotals(draft: Invoice): ComputedTotals {
  const exemptions: Partial<Record<VatCategory, { code?: string; reason?: string }>> = {}
  for (const row of draft.vatBreakdown) {
    if (row.exemptionReason || row.exemptionReasonCode) {
      exemptions[row.category] = { code: row.exemptionReasonCode, reason: row.exemptionReason }
    }
  }
  return computeTotals({
    lines: draft.lines,
    allowancesCharges: draft.allowancesCharges,
    prepaidMinor: draft.totals.prepaidMinor,
    language: draft.language,
    exemptions,
  })
}

/** The buyer as the document shows it, from the customer's master data of today. */
export function buyerSnapshot(customer: Customer, billing: CustomerBilling): Buyer {
  const address =
    customer.addresses.find((a) => a.kind === 'billing') ??
    customer.addresses.find((a) => a.kind === 'visiting') ??
    customer.addresses[0]
  if (!address) {
    throw domainError(
      'invoicing.buyer_incomplete',
      `Customer ${customer.number} has no address; an invoice needs the buyer's address (BG-8): add a billing address`,
      { field: 'customer.addresses', customer_id: customer.id, missing: ['billing_address'] },
    )
  }
  const contact =
    customer.contacts.find((c) => c.roles.includes('billing') && c.email) ??
    customer.contacts.find((c) => c.email)
  const email = billing.invoiceEmail ?? contact?.email ?? undefined
  return {
    name: customer.legalName,
    ...(customer.tradingNames[0] ? { tradingName: customer.tradingNames[0] } : {}),
    ...(customer.vatId ? { vatId: customer.vatId } : {}),
    ...(customer.cocNumber
      ? {
          legalId:
            (customer.country ?? address.country) === 'NL'
              ? { id: customer.cocNumber, scheme: '0106' }
              : { id: customer.cocNumber },
        }
      : {}),
    address: {
      lines: address.lines.slice(0, 3),
      postalCode: address.postalCode,
      city: address.city,
      country: address.country,
    },
    ...electronicAddressOf(
      billing.peppol ??
        derivedElectronicAddress({
          country: customer.country ?? address.country,
          vatId: customer.vatId,
          legalId: customer.cocNumber ? { id: customer.cocNumber } : null,
        }),
    ),
    ...(contact || email
      ? {
          contact: {
            ...(contact?.name ? { name: contact.name } : {}),
            ...(email ? { email } : {}),
            ...(contact?.phone ? { phone: contact.phone } : {}),
          },
        }
      : {}),
    customerNumber: customer.number,
  }
}

function electronicAddressOf(address: ElectronicAddress | undefined) {
  return address ? { electronicAddress: address } : {}
}

/** The seller as the document shows it: the settings, with a Peppol address when none was set. */
export function sellerSnapshot(seller: Seller): Seller {
  if (seller.electronicAddress) return seller
  return {
    ...seller,
    ...electronicAddressOf(
      derivedElectronicAddress({
        country: seller.address.country,
        vatId: seller.vatId,
        legalId: seller.legalId,
      }),
    ),
  }
}

/** The tenant's business calendar for due dates: weekends, Dutch holidays unless 'none', extras. */
function calendarOf(settings: BillingSettings): (years: number[]) => BusinessCalendar {
  return (years) =>
    businessCalendar({
      holidays: [
        ...(settings.holidayCalendar === 'nl' ? dutchHolidayDates(years) : []),
        ...settings.extraHolidays,
      ],
    })
}

/**
 * The due date, the early-payment discount's date and amount, and the instalments. A term
 * ends N calendar days after the issue date, moved to the next business day. Instalments by
 * count fall due net days after issue and then every 30 days; their amounts are the amount
 * due split evenly with `allocate`, so they sum to it exactly. The document's due date is
 * the last instalment's.
 */
export function scheduleTerms(
  terms: InvoiceTerms,
  issueDate: CalendarDate,
  payableMinor: bigint,
  calendarFor: (years: number[]) => BusinessCalendar,
): { terms: InvoiceTerms; dueDate: CalendarDate } {
  const instalmentDays = terms.instalments
    ? (terms.instalments.dueDays ??
      Array.from({ length: terms.instalments.count ?? 1 }, (_, i) => terms.netDays + 30 * i))
    : []
  const daysMax = Math.max(terms.netDays, terms.discount?.days ?? 0, ...instalmentDays)
  const year = Number(issueDate.slice(0, 4))
  const years = Array.from({ length: Math.ceil(daysMax / 365) + 2 }, (_, i) => year + i)
  const calendar = calendarFor(years)
  const scheduled: InvoiceTerms = { ...terms }
  let due = dueDate(issueDate, terms.netDays, calendar)
  if (terms.discount) {
    scheduled.discount = {
      ...terms.discount,
      dueDate: dueDate(issueDate, terms.discount.days, calendar),
      amountMinor: divideRounded(
        payableMinor * terms.discount.percent.units,
        100n * 10n ** BigInt(terms.discount.percent.scale),
      ),
    }
  }
  if (terms.instalments && instalmentDays.length > 0) {
    const amounts = allocate(
      payableMinor,
      instalmentDays.map(() => 1n),
    )
    const schedule = instalmentDays.map((days, index) => ({
      dueDate: dueDate(issueDate, days, calendar),
      amountMinor: amounts[index] as bigint,
    }))
    scheduled.instalments = { ...terms.instalments, schedule }
    due = schedule[schedule.length - 1]?.dueDate ?? due
  }
  return { terms: scheduled, dueDate: due }
}

/**
 * The structured payment reference of a document: made from the series' two-digit code, the
 * fiscal year and the sequence, so no two documents of a tenant share one (a sequence
 * repeats across series and years). NL and RF: code, 4-digit year, 9-digit sequence; BE
 * (10 digits only): code, 2-digit year, 6-digit sequence.
 */
export function referenceFor(
  settings: Pick<BillingSettings, 'paymentReferenceScheme' | 'seriesCodes'>,
  series: string,
  fiscalYear: number,
  sequence: bigint,
): string {
  const code = settings.seriesCodes[series]
  const belgian = settings.paymentReferenceScheme === 'be'
  const sequenceMax = belgian ? 1_000_000n : 1_000_000_000n
  if (code === undefined || sequence >= sequenceMax) {
    throw domainError(
      'invoicing.payment_reference_exhausted',
      code === undefined
        ? `The series ${series} has no payment reference code; save the billing settings again`
        : `Sequence ${sequence} of ${series} ${fiscalYear} does not fit the ${settings.paymentReferenceScheme} payment reference`,
      { series, fiscal_year: fiscalYear },
    )
  }
  const base = belgian
    ? BigInt(code) * 100_000_000n + BigInt(fiscalYear % 100) * sequenceMax + sequence
    : BigInt(code) * 10_000_000_000_000n + BigInt(fiscalYear) * sequenceMax + sequence
  return paymentReferenceFor(settings.paymentReferenceScheme, base)
}

const ledgerPurposes = [
  'receivable',
  'unapplied_cash',
  'revenue',
  'vat_payable_21',
  'vat_payable_9',
  'vat_payable_other',
] as const

/**
 * The journal entry of an issued document. An invoice debits the receivable (what the
 * customer pays, on the customer) and the customer's prepayments (what was paid before),
 * and credits revenue (the amount without VAT) and VAT payable per rate. A credit note posts
 * the mirror image. Amounts are in the document's currency; each entry balances in it.
 */
async function postIssueEntry(
  ctx: Ctx,
  invoice: Invoice & { number: string; issueDate: CalendarDate },
  computed: ComputedTotals,
): Promise<void> {
  const codes = await accountCodesFor(ctx, ledgerPurposes)
  const { totals } = computed
  const currency = invoice.currency
  const customerId = invoice.customerId
  const debits: JournalLineInput[] = [
    { accountCode: codes.receivable, amount: totals.payableMinor, customerId },
    { accountCode: codes.unapplied_cash, amount: totals.prepaidMinor, customerId },
  ].map(({ accountCode, amount, customerId: on }) => ({
    accountCode,
    debitMinor: amount,
    currency,
    customerId: on,
  }))
  const vatPerAccount = new Map<string, bigint>()
  for (const row of computed.vatBreakdown) {
    if (row.vatMinor === 0n) continue
    const rate = formatDecimal(row.rate)
    const purpose =
      rate === '21' ? 'vat_payable_21' : rate === '9' ? 'vat_payable_9' : 'vat_payable_other'
    const code = codes[purpose]
    vatPerAccount.set(code, (vatPerAccount.get(code) ?? 0n) + row.vatMinor)
  }
  const credits: JournalLineInput[] = [
    { accountCode: codes.revenue, creditMinor: totals.taxExclusiveMinor, currency },
    ...[...vatPerAccount].map(([accountCode, vatMinor]) => ({
      accountCode,
      creditMinor: vatMinor,
      currency,
    })),
  ]
  const mirror = (line: JournalLineInput): JournalLineInput => ({
    ...line,
    debitMinor: line.creditMinor,
    creditMinor: line.debitMinor,
  })
  const lines = (
    invoice.documentType === 'invoice'
      ? [...debits, ...credits]
      : [...credits, ...debits].map(mirror)
  ).filter((line) => (line.debitMinor ?? 0n) > 0n || (line.creditMinor ?? 0n) > 0n)
  if (lines.length === 0) return // a document of zero posts nothing
  await postJournalEntry(ctx, {
    postedOn: invoice.issueDate,
    description: `${invoice.documentType === 'invoice' ? 'Invoice' : 'Credit note'} ${invoice.number}`,
    source: { type: 'invoice', id: invoice.id },
    lines,
  })
}
