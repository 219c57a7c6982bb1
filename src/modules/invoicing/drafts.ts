import { type CalendarDate, isCalendarDate } from '../../core/dates.js'
import { domainError, type FieldIssue, invalid, notFound } from '../../core/errors.js'
import { isUuid, newId } from '../../core/ids.js'
import {
  type Decimal,
  formatAmount,
  formatDecimal,
  isCurrency,
  lineNetMinor,
} from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { getCustomerHeader } from '../customers/index.js'
import { emitEvent } from '../outbox/index.js'
import { getBillingSettings } from './billing-settings.js'
import {
  type AllowanceCharge,
  type DocumentLanguage,
  type DocumentType,
  documentLanguages,
  type VatCategory,
  vatCategories,
} from './document.js'
import './errors.js'
import { getInvoice, type Invoice, type InvoiceTerms, termsToJson } from './queries.js'
import type { InvoiceOrigin } from './tables.js'
import { type ComputedTotals, computeTotals, defaultExemption } from './totals.js'
import { checkVatCombination, type VatPlace } from './vat-rules.js'

// Drafting an invoice or credit note: every origin (manual, on shipment, on order,
// prepayment, consolidated, credit note) comes through createInvoiceDraft, so the checks and
// the computed totals are the same for all. A draft may change until it is issued (issue.ts).

export type DraftLineInput = {
  itemCode: string
  description?: string
  quantity: Decimal
  /** UN/ECE Rec 20; default C62 (piece). */
  unit?: string
  unitPriceMinor: bigint
  discountPercent?: Decimal
  vatCategory: VatCategory
  vatRate: Decimal
  orderId?: string
  orderLineId?: string
  shipmentLineId?: string
}

export type AllowanceChargeInput = Omit<AllowanceCharge, 'reasonCode'> & { reasonCode?: string }

export type PaymentTermsInput = {
  /** Default: the customer's payment terms. */
  netDays?: number
  /** Default: the billing settings' discount; null: no discount. */
  discount?: { percent: Decimal; days: number } | null
  /** A number of instalments due netDays apart, or the day each falls due after issue. */
  instalments?: { count: number } | { dueDays: number[] } | null
}

export type InvoiceDraftInput = {
  origin: InvoiceOrigin
  customerId: string
  /** Default: the customer's currency (a credit note: the corrected invoice's). */
  currency?: string
  lines: DraftLineInput[]
  allowancesCharges?: AllowanceChargeInput[]
  /** The exemption reason per category (BT-120, BT-121), instead of the default text. */
  exemptions?: Partial<Record<VatCategory, { code?: string; reason?: string }>>
  buyerReference?: string | null
  orderReference?: string | null
  note?: string | null
  period?: { start: CalendarDate; end: CalendarDate } | null
  deliveryDate?: CalendarDate | null
  prepaidMinor?: bigint
  /** nl or en; default the customer's language when it is one of those, else en. */
  language?: DocumentLanguage
  paymentTerms?: PaymentTermsInput
  documentType?: DocumentType
  correctsInvoiceId?: string | null
}

// A bound on what one document may hold; consolidated invoices of a month stay far below.
export const invoiceLinesMax = 2_000
const allowancesChargesMax = 100

/** Drafts an invoice or credit note; the totals are computed and stored with it. */
export async function createInvoiceDraft(ctx: Ctx, input: InvoiceDraftInput): Promise<Invoice> {
  return getInvoice(ctx, await insertInvoiceDraft(ctx, input))
}

/**
 * createInvoiceDraft without reading the draft back: for callers that issue it at once
 * (issuing reads and locks it), such as billing. Returns the draft's id.
 */
export async function insertInvoiceDraft(ctx: Ctx, input: InvoiceDraftInput): Promise<string> {
  const draft = await prepareDraft(ctx, input)
  const id = newId()
  await ctx.db
    .insertInto('invoice')
    .values({
      tenantId: ctx.tenantId,
      id,
      documentType: draft.documentType,
      origin: input.origin,
      customerId: input.customerId,
      currency: draft.currency,
      correctsInvoiceId: draft.correctsInvoiceId,
      ...draft.columns,
      createdAt: ctx.now,
      createdBy: ctx.actor.name,
      updatedAt: ctx.now,
    })
    .execute()
  await insertParts(ctx, id, draft)
  const view = {
    id,
    origin: input.origin,
    customerId: input.customerId,
    documentType: draft.documentType,
    currency: draft.currency,
    lines: draft.lines,
    totals: draft.computed.totals,
  }
  await recordDraftChange(ctx, view, 'drafted')
  return id
}

/** Changes a draft: the fields given replace the draft's (lines, when given, all lines). */
export async function updateInvoiceDraft(
  ctx: Ctx,
  invoiceId: string,
  patch: Partial<Omit<InvoiceDraftInput, 'origin' | 'documentType' | 'correctsInvoiceId'>>,
  expectedVersion: number,
): Promise<Invoice> {
  const before = await lockDraft(ctx, invoiceId)
  if (before.version !== expectedVersion) {
    throw domainError(
      'request.stale_etag',
      `The draft is at version ${before.version}, not ${expectedVersion}`,
      { field: 'If-Match', version: before.version },
    )
  }
  const merged: InvoiceDraftInput = { ...draftInputOf(before), ...patch }
  const draft = await prepareDraft(ctx, merged)
  await ctx.db
    .updateTable('invoice')
    .set((eb) => ({
      customerId: merged.customerId,
      currency: draft.currency,
      ...draft.columns,
      updatedAt: ctx.now,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', invoiceId)
    .execute()
  await deleteParts(ctx, invoiceId)
  await insertParts(ctx, invoiceId, draft)
  const invoice = await getInvoice(ctx, invoiceId)
  await recordDraftChange(ctx, invoice, 'draft_updated', before)
  return invoice
}

/** Deletes a draft; an issued document is never deleted. */
export async function deleteInvoiceDraft(ctx: Ctx, invoiceId: string): Promise<void> {
  const before = await lockDraft(ctx, invoiceId)
  await deleteParts(ctx, invoiceId)
  await ctx.db.deleteFrom('invoice').where('id', '=', invoiceId).execute()
  await recordAudit(ctx, {
    entityType: 'invoice',
    entityId: invoiceId,
    action: 'draft_deleted',
    before: auditView(before),
  })
  await emitEvent(ctx, {
    type: 'invoice.draft_deleted',
    entityType: 'invoice',
    entityId: invoiceId,
    payload: { invoice_id: invoiceId, customer_id: before.customerId },
  })
}

/** The draft, locked for the rest of the transaction; refuses an issued document. */
export async function lockDraft(ctx: Ctx, invoiceId: string): Promise<Invoice> {
  if (!isUuid(invoiceId)) throw notFound('invoice', invoiceId)
  const row = await ctx.db
    .selectFrom('invoice')
    .select(['status', 'number'])
    .where('id', '=', invoiceId)
    .forUpdate()
    .executeTakeFirst()
  if (!row) throw notFound('invoice', invoiceId)
  if (row.status !== 'draft') {
    throw domainError(
      'invoicing.not_a_draft',
      `${row.number} is issued and never changes; correct it with a credit note`,
      { invoice_id: invoiceId, number: row.number },
    )
  }
  return getInvoice(ctx, invoiceId)
}

type PreparedDraft = {
  documentType: DocumentType
  currency: string
  correctsInvoiceId: string | null
  lines: (DraftLineInput & { netMinor: bigint })[]
  allowancesCharges: AllowanceChargeInput[]
  computed: ComputedTotals
  columns: {
    language: DocumentLanguage
    buyerReference: string | null
    orderReference: string | null
    paymentTerms: string
    periodStart: string | null
    periodEnd: string | null
    deliveryDate: string | null
    note: string | null
    lineNetMinor: bigint
    allowanceMinor: bigint
    chargeMinor: bigint
    taxExclusiveMinor: bigint
    vatMinor: bigint
    totalMinor: bigint
    prepaidMinor: bigint
    payableMinor: bigint
  }
}

/** Checks a draft whole and computes its totals; nothing is written before this passes. */
async function prepareDraft(ctx: Ctx, input: InvoiceDraftInput): Promise<PreparedDraft> {
  const documentType = input.documentType ?? 'invoice'
  const issues = shapeIssues(input, documentType)
  if (issues.length > 0) throw invalid(issues)

  const customer = await getCustomerHeader(ctx, input.customerId)
  const corrected =
    documentType === 'credit_note'
      ? await correctedInvoice(ctx, input.correctsInvoiceId as string, input.customerId)
      : null
  const currency = input.currency ?? corrected?.currency ?? customer.currency
  if (corrected && corrected.currency !== currency) {
    throw domainError(
      'invoicing.corrected_invoice_invalid',
      `The credit note is in ${currency}, invoice ${corrected.number} in ${corrected.currency}`,
      { field: 'currency', corrects_invoice_id: corrected.id },
    )
  }
  const language =
    input.language ??
    (documentLanguages.includes(customer.language as DocumentLanguage)
      ? (customer.language as DocumentLanguage)
      : 'en')
  const settings = await getBillingSettings(ctx)
  const places: VatPlace[] = [
    ...input.lines.map((line, index) => ({ ...line, field: `lines[${index}]` })),
    ...(input.allowancesCharges ?? []).map((entry, index) => ({
      ...entry,
      field: `allowances_charges[${index}]`,
    })),
  ]
  checkVatCombination(places, {
    sellerKnown: settings !== null,
    sellerVatId: settings?.seller.vatId,
    buyerVatId: customer.vatId,
    hasDeliveryDateOrPeriod: Boolean(input.deliveryDate || input.period),
  })

  const lines = input.lines.map((line) => ({
    ...line,
    netMinor: lineNetMinor(line.quantity, line.unitPriceMinor, line.discountPercent),
  }))
  const allowancesCharges = input.allowancesCharges ?? []
  const computed = computeTotals({
    lines,
    allowancesCharges,
    prepaidMinor: input.prepaidMinor ?? 0n,
    language,
    exemptions: input.exemptions,
  })
  checkTotals(computed, currency)

  const terms: InvoiceTerms = {
    netDays: input.paymentTerms?.netDays ?? customer.paymentTermsDays,
    discount:
      input.paymentTerms?.discount === undefined
        ? (settings?.discount ?? null)
        : input.paymentTerms.discount,
    instalments: input.paymentTerms?.instalments ?? null,
  }
  const { totals } = computed
  return {
    documentType,
    currency,
    correctsInvoiceId: corrected?.id ?? null,
    lines,
    allowancesCharges,
    computed,
    columns: {
      language,
      buyerReference: input.buyerReference ?? null,
      orderReference: input.orderReference ?? null,
      paymentTerms: termsToJson(terms),
      periodStart: input.period?.start ?? null,
      periodEnd: input.period?.end ?? null,
      deliveryDate: input.deliveryDate ?? null,
      note: input.note ?? null,
      lineNetMinor: totals.lineNetMinor,
      allowanceMinor: totals.allowancesMinor,
      chargeMinor: totals.chargesMinor,
      taxExclusiveMinor: totals.taxExclusiveMinor,
      vatMinor: totals.vatMinor,
      totalMinor: totals.taxInclusiveMinor,
      prepaidMinor: totals.prepaidMinor,
      payableMinor: totals.payableMinor,
    },
  }
}

/** Amounts must make sense before they become a document: nothing below zero. */
function checkTotals(computed: ComputedTotals, currency: string): void {
  for (const row of computed.vatBreakdown) {
    if (row.taxableMinor < 0n) {
      throw domainError(
        'invoicing.totals_invalid',
        `The allowances in VAT category ${row.category} ${formatDecimal(row.rate)}% exceed its lines: taxable ${formatAmount(row.taxableMinor, currency)} ${currency}`,
        { field: 'allowances_charges', vat_category: row.category },
      )
    }
  }
  const { taxInclusiveMinor, prepaidMinor } = computed.totals
  if (prepaidMinor > taxInclusiveMinor) {
    throw domainError(
      'invoicing.totals_invalid',
      `Prepaid ${formatAmount(prepaidMinor, currency)} is more than the total ${formatAmount(taxInclusiveMinor, currency)} ${currency}`,
      { field: 'prepaid_amount' },
    )
  }
}

async function correctedInvoice(ctx: Ctx, invoiceId: string, customerId: string) {
  const row = isUuid(invoiceId)
    ? await ctx.db
        .selectFrom('invoice')
        .select(['id', 'status', 'documentType', 'customerId', 'currency', 'number'])
        .where('id', '=', invoiceId)
        .executeTakeFirst()
    : undefined
  const problem = !row
    ? `No invoice with id ${invoiceId}`
    : row.status !== 'issued'
      ? 'The corrected invoice is a draft: delete or change the draft instead'
      : row.documentType !== 'invoice'
        ? `${row.number} is a credit note; a credit note corrects an invoice`
        : row.customerId !== customerId
          ? `${row.number} belongs to another customer`
          : undefined
  if (problem || !row) {
    throw domainError('invoicing.corrected_invoice_invalid', problem as string, {
      field: 'corrects_invoice_id',
      corrects_invoice_id: invoiceId,
    })
  }
  return row
}

function shapeIssues(input: InvoiceDraftInput, documentType: DocumentType): FieldIssue[] {
  const issues: FieldIssue[] = []
  const add = (field: string, message: string) => issues.push({ field, message })
  if (!isUuid(input.customerId)) add('customer_id', 'is not a uuid')
  if (input.currency !== undefined && !isCurrency(input.currency)) {
    add('currency', `"${input.currency}" is not an ISO 4217 currency`)
  }
  if (documentType === 'credit_note') {
    if (!input.correctsInvoiceId) add('corrects_invoice_id', 'is required for a credit note')
    if (input.origin !== 'credit_note') add('origin', 'is credit_note for a credit note')
  } else {
    if (input.correctsInvoiceId) add('corrects_invoice_id', 'is only for a credit note')
    if (input.origin === 'credit_note') add('origin', 'credit_note needs document_type credit_note')
  }
  if (input.origin === 'opening_balance') {
    add('origin', 'opening balances are imported, not drafted')
  }
  if (input.language !== undefined && !documentLanguages.includes(input.language)) {
    add('language', 'must be nl or en')
  }
  if (input.lines.length === 0) add('lines', 'needs at least one line')
  if (input.lines.length > invoiceLinesMax) add('lines', `has more than ${invoiceLinesMax} lines`)
  input.lines.forEach((line, index) => {
    const at = `lines[${index}]`
    if (!line.itemCode || line.itemCode.length > 64)
      add(`${at}.item_code`, 'must be 1 to 64 characters')
    if ((line.description ?? '').length > 500)
      add(`${at}.description`, 'is longer than 500 characters')
    if (line.quantity.units <= 0n || line.quantity.scale > 4) {
      add(`${at}.quantity`, 'must be above 0 with at most 4 decimals')
    }
    if (line.unit !== undefined && !/^[A-Z0-9]{1,16}$/.test(line.unit)) {
      add(`${at}.unit`, 'must be a UN/ECE Rec 20 code such as C62 or HUR')
    }
    if (line.unitPriceMinor < 0n) add(`${at}.unit_price`, 'must not be negative')
    const discount = line.discountPercent
    if (
      discount &&
      (discount.units < 0n ||
        discount.scale > 4 ||
        discount.units > 100n * 10n ** BigInt(discount.scale))
    ) {
      add(`${at}.discount_percent`, 'must be 0 to 100 with at most 4 decimals')
    }
    checkRate(`${at}.vat_category`, `${at}.vat_rate`, line.vatCategory, line.vatRate, add)
    for (const key of ['orderId', 'orderLineId', 'shipmentLineId'] as const) {
      const value = line[key]
      if (value !== undefined && !isUuid(value)) {
        add(`${at}.${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`, 'is not a uuid')
      }
    }
  })
  const entries = input.allowancesCharges ?? []
  if (entries.length > allowancesChargesMax) {
    add('allowances_charges', `has more than ${allowancesChargesMax} entries`)
  }
  entries.forEach((entry, index) => {
    const at = `allowances_charges[${index}]`
    if (!entry.reason?.trim() || entry.reason.length > 200)
      add(`${at}.reason`, 'must be 1 to 200 characters')
    if (entry.reasonCode !== undefined && !/^[A-Z0-9]{1,3}$/.test(entry.reasonCode)) {
      add(`${at}.reason_code`, 'must be a UNCL5189 or UNCL7161 code such as 95 or FC')
    }
    if (entry.amountMinor <= 0n) add(`${at}.amount`, 'must be above 0')
    checkRate(`${at}.vat_category`, `${at}.vat_rate`, entry.vatCategory, entry.vatRate, add)
  })
  if ((input.prepaidMinor ?? 0n) < 0n) add('prepaid_amount', 'must not be negative')
  for (const [field, text, max] of [
    ['buyer_reference', input.buyerReference, 100],
    ['order_reference', input.orderReference, 100],
    ['note', input.note, 2000],
  ] as const) {
    if (text && text.length > max) add(field, `is longer than ${max} characters`)
  }
  if (input.deliveryDate && !isCalendarDate(input.deliveryDate)) {
    add('delivery_date', 'must be a date YYYY-MM-DD')
  }
  if (input.period) {
    const { start, end } = input.period
    if (!isCalendarDate(start)) add('period.start', 'must be a date YYYY-MM-DD')
    if (!isCalendarDate(end)) add('period.end', 'must be a date YYYY-MM-DD')
    if (isCalendarDate(start) && isCalendarDate(end) && end < start) {
      add('period.end', 'is before period.start')
    }
  }
  issues.push(...termsIssues(input.paymentTerms))
  for (const category of Object.keys(input.exemptions ?? {})) {
    if (!vatCategories.includes(category as VatCategory)) {
      add(`exemptions.${category}`, 'is not a VAT category')
    }
  }
  return issues
}

function checkRate(
  categoryField: string,
  rateField: string,
  category: VatCategory,
  rate: Decimal,
  add: (field: string, message: string) => void,
): void {
  if (!vatCategories.includes(category)) {
    add(categoryField, `must be one of ${vatCategories.join(', ')}`)
  }
  if (rate.units < 0n || rate.scale > 4 || rate.units >= 100n * 10n ** BigInt(rate.scale)) {
    add(rateField, 'must be 0 to below 100 with at most 4 decimals')
  }
}

// Payment terms beyond two years are a loan, not an invoice.
const termDaysMax = 730
const instalmentsMax = 24

function termsIssues(terms: PaymentTermsInput | undefined): FieldIssue[] {
  const issues: FieldIssue[] = []
  if (!terms) return issues
  const add = (field: string, message: string) => issues.push({ field, message })
  const days = (value: number) => Number.isInteger(value) && value >= 0 && value <= termDaysMax
  if (terms.netDays !== undefined && !days(terms.netDays)) {
    add('payment_terms.net_days', `must be 0 to ${termDaysMax} days`)
  }
  if (terms.discount) {
    const { percent, days: discountDays } = terms.discount
    if (
      percent.units <= 0n ||
      percent.scale > 4 ||
      percent.units >= 100n * 10n ** BigInt(percent.scale)
    ) {
      add('payment_terms.discount.percent', 'must be above 0 and below 100')
    }
    if (!Number.isInteger(discountDays) || discountDays < 1 || discountDays > 365) {
      add('payment_terms.discount.days', 'must be 1 to 365 days')
    }
    if (terms.netDays !== undefined && discountDays > terms.netDays) {
      add('payment_terms.discount.days', 'must not be after the net term')
    }
  }
  if (terms.instalments) {
    if (terms.discount) add('payment_terms.instalments', 'cannot be combined with a discount')
    if ('count' in terms.instalments) {
      const { count } = terms.instalments
      if (!Number.isInteger(count) || count < 2 || count > instalmentsMax) {
        add('payment_terms.instalments.count', `must be 2 to ${instalmentsMax}`)
      }
    } else {
      const { dueDays } = terms.instalments
      if (dueDays.length < 2 || dueDays.length > instalmentsMax) {
        add('payment_terms.instalments.due_days', `must list 2 to ${instalmentsMax} days`)
      }
      dueDays.forEach((value, index) => {
        if (!days(value) || (index > 0 && value <= (dueDays[index - 1] as number))) {
          add(`payment_terms.instalments.due_days[${index}]`, 'must increase, 0 to 730 days')
        }
      })
    }
  }
  return issues
}

async function insertParts(ctx: Ctx, invoiceId: string, draft: PreparedDraft): Promise<void> {
  await ctx.db
    .insertInto('invoiceLine')
    .values(
      draft.lines.map((line, index) => ({
        tenantId: ctx.tenantId,
        invoiceId,
        lineNumber: index + 1,
        itemCode: line.itemCode,
        description: line.description ?? '',
        quantity: formatDecimal(line.quantity),
        unit: line.unit ?? 'C62',
        unitPriceMinor: line.unitPriceMinor,
        discountPercent: formatDecimal(line.discountPercent ?? { units: 0n, scale: 0 }),
        vatCategory: line.vatCategory,
        vatRate: formatDecimal(line.vatRate),
        netMinor: line.netMinor,
        orderId: line.orderId ?? null,
        orderLineId: line.orderLineId ?? null,
        shipmentLineId: line.shipmentLineId ?? null,
      })),
    )
    .execute()
  if (draft.allowancesCharges.length > 0) {
    await ctx.db
      .insertInto('invoiceAllowanceCharge')
      .values(
        draft.allowancesCharges.map((entry, index) => ({
          tenantId: ctx.tenantId,
          invoiceId,
          position: index + 1,
          isCharge: entry.isCharge,
          reason: entry.reason,
          reasonCode: entry.reasonCode ?? null,
          amountMinor: entry.amountMinor,
          vatCategory: entry.vatCategory,
          vatRate: formatDecimal(entry.vatRate),
        })),
      )
      .execute()
  }
  await insertVatBreakdown(ctx, invoiceId, draft.computed)
}

export async function insertVatBreakdown(
  ctx: Ctx,
  invoiceId: string,
  computed: ComputedTotals,
): Promise<void> {
  if (computed.vatBreakdown.length === 0) return
  await ctx.db
    .insertInto('invoiceVat')
    .values(
      computed.vatBreakdown.map((row) => ({
        tenantId: ctx.tenantId,
        invoiceId,
        vatCategory: row.category,
        vatRate: formatDecimal(row.rate),
        taxableMinor: row.taxableMinor,
        vatMinor: row.vatMinor,
        exemptionReason: row.exemptionReason ?? null,
        exemptionReasonCode: row.exemptionReasonCode ?? null,
      })),
    )
    .execute()
}

async function deleteParts(ctx: Ctx, invoiceId: string): Promise<void> {
  await ctx.db.deleteFrom('invoiceVat').where('invoiceId', '=', invoiceId).execute()
  await ctx.db.deleteFrom('invoiceAllowanceCharge').where('invoiceId', '=', invoiceId).execute()
  await ctx.db.deleteFrom('invoiceLine').where('invoiceId', '=', invoiceId).execute()
}

/** A stored draft as the input that would make it again (for a partial update). */
function draftInputOf(invoice: Invoice): InvoiceDraftInput {
  const exemptions: InvoiceDraftInput['exemptions'] = {}
  for (const row of invoice.vatBreakdown) {
    const fallback = defaultExemption[row.category]
    const isDefault =
      fallback &&
      row.exemptionReasonCode === fallback.code &&
      row.exemptionReason === fallback.reason[invoice.language]
    if ((row.exemptionReason || row.exemptionReasonCode) && !isDefault) {
      exemptions[row.category] = { code: row.exemptionReasonCode, reason: row.exemptionReason }
    }
  }
  return {
    origin: invoice.origin,
    customerId: invoice.customerId,
    currency: invoice.currency,
    lines: invoice.lines.map((line) => ({
      itemCode: line.itemCode,
      description: line.description,
      quantity: line.quantity,
      unit: line.unit,
      unitPriceMinor: line.unitPriceMinor,
      discountPercent: line.discountPercent,
      vatCategory: line.vatCategory,
      vatRate: line.vatRate,
      ...(line.orderId ? { orderId: line.orderId } : {}),
      ...(line.orderLineId ? { orderLineId: line.orderLineId } : {}),
      ...(line.shipmentLineId ? { shipmentLineId: line.shipmentLineId } : {}),
    })),
    allowancesCharges: invoice.allowancesCharges,
    exemptions,
    buyerReference: invoice.buyerReference,
    orderReference: invoice.orderReference,
    note: invoice.note,
    period: invoice.period,
    deliveryDate: invoice.deliveryDate,
    prepaidMinor: invoice.totals.prepaidMinor,
    language: invoice.language,
    paymentTerms: {
      netDays: invoice.paymentTerms.netDays,
      discount: invoice.paymentTerms.discount
        ? {
            percent: invoice.paymentTerms.discount.percent,
            days: invoice.paymentTerms.discount.days,
          }
        : null,
      instalments: invoice.paymentTerms.instalments?.dueDays
        ? { dueDays: invoice.paymentTerms.instalments.dueDays }
        : invoice.paymentTerms.instalments?.count
          ? { count: invoice.paymentTerms.instalments.count }
          : null,
    },
    documentType: invoice.documentType,
    correctsInvoiceId: invoice.correctsInvoiceId,
  }
}

/** What the audit trail and the draft events say of a draft. */
type DraftView = Pick<Invoice, 'id' | 'documentType' | 'origin' | 'customerId' | 'currency'> & {
  lines: readonly unknown[]
  totals: Pick<Invoice['totals'], 'taxInclusiveMinor' | 'payableMinor'>
}

function auditView(invoice: DraftView) {
  return {
    document_type: invoice.documentType,
    origin: invoice.origin,
    customer_id: invoice.customerId,
    currency: invoice.currency,
    lines: invoice.lines.length,
    total: formatAmount(invoice.totals.taxInclusiveMinor, invoice.currency),
    payable: formatAmount(invoice.totals.payableMinor, invoice.currency),
  }
}

async function recordDraftChange(
  ctx: Ctx,
  invoice: DraftView,
  action: 'drafted' | 'draft_updated',
  before?: DraftView,
): Promise<void> {
  await recordAudit(ctx, {
    entityType: 'invoice',
    entityId: invoice.id,
    action,
    before: before ? auditView(before) : undefined,
    after: auditView(invoice),
  })
  await emitEvent(ctx, {
    type: action === 'drafted' ? 'invoice.drafted' : 'invoice.draft_updated',
    entityType: 'invoice',
    entityId: invoice.id,
    payload: {
      invoice_id: invoice.id,
      document_type: invoice.documentType,
      origin: invoice.origin,
      customer_id: invoice.customerId,
      currency: invoice.currency,
      total: formatAmount(invoice.totals.taxInclusiveMinor, invoice.currency),
    },
  })
}
