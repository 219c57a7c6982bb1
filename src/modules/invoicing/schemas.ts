import { z } from 'zod'
import { invalid } from '../../core/errors.js'
import {
  type Decimal,
  formatAmount,
  formatDecimal,
  parseAmount,
  parseDecimal,
} from '../../core/money.js'
import { calendarDate, decimalString } from '../../http/schemas.js'
import type { BillingSettings, BillingSettingsInput } from './billing-settings.js'
import type { CustomerBilling, CustomerBillingInput } from './customer-billing.js'
import { type VatCategory, vatCategories } from './document.js'
import type { InvoiceDraftInput, PaymentTermsInput } from './drafts.js'
import type { ExchangeRate } from './exchange-rates.js'
import { snakeKeys } from './json-case.js'
import type { Invoice, InvoiceSummary, InvoiceTerms, OpenItem } from './queries.js'
import { billingFrequencies, invoiceChannels } from './tables.js'
import type { TimelineStep } from './timeline.js'

// Invoicing as the API (and the CLI's files) speak it: snake_case, money as decimal strings
// in the document's currency, quantities, percentages and rates as decimal strings.

/** A decimal string ("2.5") or a whole JSON number. */
const decimalIn = z.union([decimalString, z.number().int()])

const addressIn = z.object({
  lines: z.array(z.string().min(1).max(100)).min(1).max(3),
  postal_code: z.string().max(16).default(''),
  city: z.string().min(1).max(100),
  country: z.string().length(2).describe('ISO 3166-1 alpha-2'),
})

const partyIn = z.object({
  name: z.string().min(1).max(200),
  trading_name: z.string().max(200).optional(),
  vat_id: z.string().max(20).optional(),
  legal_id: z
    .object({ id: z.string().min(1).max(32), scheme: z.string().max(4).optional() })
    .optional(),
  address: addressIn,
  electronic_address: z
    .object({ scheme: z.string().max(4), id: z.string().min(1).max(100) })
    .optional()
    .describe('Peppol participant id, e.g. scheme 0106 (KvK) or 9944 (NL VAT)'),
  contact: z
    .object({
      name: z.string().max(100).optional(),
      email: z.string().max(200).optional(),
      phone: z.string().max(32).optional(),
    })
    .optional(),
})

export const billingSettingsIn = z.object({
  seller: partyIn.extend({
    payee_account: z.object({
      iban: z.string().max(42),
      bic: z.string().max(11).optional(),
      name: z.string().max(100).optional(),
    }),
  }),
  payment_reference_scheme: z.enum(['nl', 'rf', 'be']).default('nl'),
  invoice_series: z.string().default('INV'),
  credit_note_series: z.string().default('CN'),
  fiscal_year_start_month: z.number().int().default(1),
  holiday_calendar: z.enum(['nl', 'none']).default('nl'),
  extra_holidays: z.array(z.string()).max(366).default([]),
  discount: z
    .object({ percent: decimalIn, days: z.number().int() })
    .nullable()
    .default(null)
    .describe('the early-payment discount offered by default, e.g. 2% within 10 days'),
  primary_colour: z.string().default('#1f3a5f'),
  accent_colour: z.string().default('#e8eef5'),
})

const jsonObject = z.record(z.string(), z.unknown())

export const billingSettingsOut = z.object({
  seller: jsonObject.nullable().describe('null: not set yet; issuing needs it'),
  payment_reference_scheme: z.enum(['nl', 'rf', 'be']),
  invoice_series: z.string(),
  credit_note_series: z.string(),
  fiscal_year_start_month: z.number(),
  holiday_calendar: z.enum(['nl', 'none']),
  extra_holidays: z.array(z.string()),
  discount: z.object({ percent: z.string(), days: z.number() }).nullable(),
  primary_colour: z.string(),
  accent_colour: z.string(),
  logo: z.object({ media_type: z.string(), bytes: z.number() }).nullable(),
  version: z.number().describe('0: nothing saved yet (the defaults)'),
})

export function billingSettingsFromApi(
  body: z.infer<typeof billingSettingsIn>,
): BillingSettingsInput {
  const seller = body.seller
  return {
    seller: {
      name: seller.name,
      ...(seller.trading_name ? { tradingName: seller.trading_name } : {}),
      ...(seller.vat_id ? { vatId: seller.vat_id } : {}),
      ...(seller.legal_id ? { legalId: seller.legal_id } : {}),
      address: {
        lines: seller.address.lines,
        postalCode: seller.address.postal_code,
        city: seller.address.city,
        country: seller.address.country,
      },
      ...(seller.electronic_address ? { electronicAddress: seller.electronic_address } : {}),
      ...(seller.contact ? { contact: seller.contact } : {}),
      payeeAccount: seller.payee_account,
    },
    paymentReferenceScheme: body.payment_reference_scheme,
    invoiceSeries: body.invoice_series,
    creditNoteSeries: body.credit_note_series,
    fiscalYearStartMonth: body.fiscal_year_start_month,
    holidayCalendar: body.holiday_calendar,
    extraHolidays: body.extra_holidays,
    discount: body.discount
      ? {
          percent: decimalFromApi('discount.percent', body.discount.percent),
          days: body.discount.days,
        }
      : null,
    primaryColour: body.primary_colour,
    accentColour: body.accent_colour,
  }
}

/** What GET answers before anything was saved: the defaults, without a seller. */
export const unsetBillingSettings: z.infer<typeof billingSettingsOut> = {
  seller: null,
  payment_reference_scheme: 'nl',
  invoice_series: 'INV',
  credit_note_series: 'CN',
  fiscal_year_start_month: 1,
  holiday_calendar: 'nl',
  extra_holidays: [],
  discount: null,
  primary_colour: '#1f3a5f',
  accent_colour: '#e8eef5',
  logo: null,
  version: 0,
}

export function billingSettingsToApi(s: BillingSettings): z.infer<typeof billingSettingsOut> {
  return {
    seller: snakeKeys(s.seller) as Record<string, unknown>,
    payment_reference_scheme: s.paymentReferenceScheme,
    invoice_series: s.invoiceSeries,
    credit_note_series: s.creditNoteSeries,
    fiscal_year_start_month: s.fiscalYearStartMonth,
    holiday_calendar: s.holidayCalendar,
    extra_holidays: s.extraHolidays,
    discount: s.discount
      ? { percent: formatDecimal(s.discount.percent), days: s.discount.days }
      : null,
    primary_colour: s.primaryColour,
    accent_colour: s.accentColour,
    logo: s.logo ? { media_type: s.logo.mediaType, bytes: s.logo.bytes.length } : null,
    version: s.version,
  }
}

export const customerBillingIn = z.object({
  billing_frequency: z.enum(billingFrequencies).default('per_shipment'),
  invoice_channel: z.enum(invoiceChannels).default('email'),
  invoice_email: z.string().max(200).nullable().default(null),
  peppol_scheme: z.string().max(4).nullable().default(null),
  peppol_id: z.string().max(100).nullable().default(null),
  buyer_reference: z.string().max(100).nullable().default(null),
})

export const customerBillingOut = z.object({
  customer_id: z.string(),
  billing_frequency: z.enum(billingFrequencies),
  invoice_channel: z.enum(invoiceChannels),
  invoice_email: z.string().nullable(),
  peppol_scheme: z.string().nullable(),
  peppol_id: z.string().nullable(),
  buyer_reference: z.string().nullable(),
  version: z.number().describe('0: the defaults, nothing saved yet'),
})

export function customerBillingFromApi(
  body: z.infer<typeof customerBillingIn>,
): CustomerBillingInput {
  if ((body.peppol_scheme === null) !== (body.peppol_id === null)) {
    throw invalid([{ field: 'peppol_id', message: 'peppol_scheme and peppol_id go together' }])
  }
  return {
    billingFrequency: body.billing_frequency,
    invoiceChannel: body.invoice_channel,
    invoiceEmail: body.invoice_email,
    peppol:
      body.peppol_scheme && body.peppol_id
        ? { scheme: body.peppol_scheme, id: body.peppol_id }
        : null,
    buyerReference: body.buyer_reference,
  }
}

export function customerBillingToApi(b: CustomerBilling): z.infer<typeof customerBillingOut> {
  return {
    customer_id: b.customerId,
    billing_frequency: b.billingFrequency,
    invoice_channel: b.invoiceChannel,
    invoice_email: b.invoiceEmail,
    peppol_scheme: b.peppol?.scheme ?? null,
    peppol_id: b.peppol?.id ?? null,
    buyer_reference: b.buyerReference,
    version: b.version,
  }
}

export const exchangeRateIn = z.object({
  currency: z.string().length(3),
  valid_from: calendarDate,
  rate: decimalString.describe('units of the accounting currency for one unit of currency'),
})

export const exchangeRateOut = z.object({
  currency: z.string(),
  valid_from: z.string(),
  rate: z.string(),
})

export function exchangeRateToApi(r: ExchangeRate): z.infer<typeof exchangeRateOut> {
  return { currency: r.currency, valid_from: r.validFrom, rate: formatDecimal(r.rate) }
}

export function exchangeRateFromApi(body: z.infer<typeof exchangeRateIn>): ExchangeRate {
  return {
    currency: body.currency.toUpperCase(),
    validFrom: body.valid_from,
    rate: decimalFromApi('rate', body.rate, 8),
  }
}

const invoiceLineIn = z.object({
  item_code: z.string().max(64),
  description: z.string().max(500).optional(),
  quantity: decimalIn.describe('above 0, at most 4 decimals'),
  unit: z.string().max(16).optional().describe('UN/ECE Rec 20 code; default C62 (piece)'),
  unit_price: decimalString.describe('in the invoice currency'),
  discount_percent: decimalIn.optional(),
  vat_category: z.enum(vatCategories),
  vat_rate: decimalIn.describe('percent; above 0 for S, 0 for every other category'),
  order_id: z.uuid().optional(),
  order_line_id: z.uuid().optional(),
  shipment_line_id: z.uuid().optional(),
})

const allowanceChargeIn = z.object({
  is_charge: z.boolean(),
  reason: z.string().max(200),
  reason_code: z.string().max(3).optional(),
  amount: decimalString,
  vat_category: z.enum(vatCategories),
  vat_rate: decimalIn,
})

const paymentTermsIn = z.object({
  net_days: z.number().int().optional(),
  discount: z
    .object({ percent: decimalIn, days: z.number().int() })
    .nullable()
    .optional()
    .describe('null: no early-payment discount; absent: the billing settings default'),
  instalments: z
    .union([
      z.object({ count: z.number().int() }),
      z.object({ due_days: z.array(z.number().int()).max(24) }),
    ])
    .nullable()
    .optional(),
})

const draftFieldsIn = {
  customer_id: z.uuid(),
  currency: z.string().length(3).optional().describe("default: the customer's currency"),
  lines: z.array(invoiceLineIn).max(2_000),
  allowances_charges: z.array(allowanceChargeIn).max(100).optional(),
  exemptions: z
    .partialRecord(
      z.enum(vatCategories),
      z.object({ code: z.string().max(30).optional(), reason: z.string().max(300).optional() }),
    )
    .optional()
    .describe('exemption reason per VAT category (BT-120, BT-121), instead of the default'),
  buyer_reference: z.string().max(100).nullable().optional(),
  order_reference: z.string().max(100).nullable().optional(),
  note: z.string().max(2000).nullable().optional(),
  period: z.object({ start: calendarDate, end: calendarDate }).nullable().optional(),
  delivery_date: calendarDate.nullable().optional(),
  prepaid_amount: decimalString.optional(),
  language: z.enum(['nl', 'en']).optional().describe("default: the customer's language"),
  payment_terms: paymentTermsIn.optional(),
}

export const newInvoiceIn = z.object({
  ...draftFieldsIn,
  issue: z.boolean().optional().describe('issue the invoice at once'),
  issue_date: calendarDate.optional().describe('with issue: the issue date; default today'),
})

export const invoicePatchIn = z.object(draftFieldsIn).partial()

export const issueIn = z
  .object({ issue_date: calendarDate.optional().describe('default: today') })
  .default({})

type DraftFieldsBody = z.infer<typeof invoicePatchIn>

/** API fields → service fields; only what was sent, so a PATCH changes only that. */
export function draftFromApi(body: DraftFieldsBody, currency: string): Partial<InvoiceDraftInput> {
  const out: Partial<InvoiceDraftInput> = {}
  if (body.customer_id !== undefined) out.customerId = body.customer_id
  if (body.currency !== undefined) out.currency = body.currency.toUpperCase()
  const amount = (field: string, text: string) => {
    const minor = parseAmount(text, currency)
    if (minor === undefined) throw invalid([{ field, message: `is not an amount in ${currency}` }])
    return minor
  }
  if (body.lines !== undefined) {
    out.lines = body.lines.map((l, i) => ({
      itemCode: l.item_code,
      ...(l.description !== undefined ? { description: l.description } : {}),
      quantity: decimalFromApi(`lines[${i}].quantity`, l.quantity),
      ...(l.unit !== undefined ? { unit: l.unit } : {}),
      unitPriceMinor: amount(`lines[${i}].unit_price`, l.unit_price),
      ...(l.discount_percent !== undefined
        ? { discountPercent: decimalFromApi(`lines[${i}].discount_percent`, l.discount_percent) }
        : {}),
      vatCategory: l.vat_category,
      vatRate: decimalFromApi(`lines[${i}].vat_rate`, l.vat_rate),
      ...(l.order_id ? { orderId: l.order_id } : {}),
      ...(l.order_line_id ? { orderLineId: l.order_line_id } : {}),
      ...(l.shipment_line_id ? { shipmentLineId: l.shipment_line_id } : {}),
    }))
  }
  if (body.allowances_charges !== undefined) {
    out.allowancesCharges = body.allowances_charges.map((a, i) => ({
      isCharge: a.is_charge,
      reason: a.reason,
      ...(a.reason_code !== undefined ? { reasonCode: a.reason_code } : {}),
      amountMinor: amount(`allowances_charges[${i}].amount`, a.amount),
      vatCategory: a.vat_category,
      vatRate: decimalFromApi(`allowances_charges[${i}].vat_rate`, a.vat_rate),
    }))
  }
  if (body.exemptions !== undefined) {
    out.exemptions = body.exemptions as Partial<
      Record<VatCategory, { code?: string; reason?: string }>
    >
  }
  if (body.buyer_reference !== undefined) out.buyerReference = body.buyer_reference
  if (body.order_reference !== undefined) out.orderReference = body.order_reference
  if (body.note !== undefined) out.note = body.note
  if (body.period !== undefined) out.period = body.period
  if (body.delivery_date !== undefined) out.deliveryDate = body.delivery_date
  if (body.prepaid_amount !== undefined) {
    out.prepaidMinor = amount('prepaid_amount', body.prepaid_amount)
  }
  if (body.language !== undefined) out.language = body.language
  if (body.payment_terms !== undefined) out.paymentTerms = termsFromApi(body.payment_terms)
  return out
}

function termsFromApi(terms: z.infer<typeof paymentTermsIn>): PaymentTermsInput {
  const out: PaymentTermsInput = {}
  if (terms.net_days !== undefined) out.netDays = terms.net_days
  if (terms.discount !== undefined) {
    out.discount = terms.discount
      ? {
          percent: decimalFromApi('payment_terms.discount.percent', terms.discount.percent),
          days: terms.discount.days,
        }
      : null
  }
  if (terms.instalments !== undefined) {
    out.instalments =
      terms.instalments === null
        ? null
        : 'count' in terms.instalments
          ? { count: terms.instalments.count }
          : { dueDays: terms.instalments.due_days }
  }
  return out
}

export function decimalFromApi(field: string, value: string | number, scaleMax = 4): Decimal {
  const parsed = parseDecimal(String(value), scaleMax)
  if (!parsed) {
    throw invalid([{ field, message: `must be a decimal with at most ${scaleMax} decimals` }])
  }
  return parsed
}

const money = z.string().describe('decimal string in the document currency')

const termsOut = z.object({
  net_days: z.number(),
  discount: z
    .object({
      percent: z.string(),
      days: z.number(),
      due_date: z.string().optional(),
      amount: money.optional(),
    })
    .nullable(),
  instalments: z
    .object({
      count: z.number().optional(),
      due_days: z.array(z.number()).optional(),
      schedule: z.array(z.object({ due_date: z.string(), amount: money })).optional(),
    })
    .nullable(),
})

const totalsOut = z.object({
  line_net: money,
  allowances: money,
  charges: money,
  tax_exclusive: money,
  vat: money,
  tax_inclusive: money,
  prepaid: money,
  payable: money,
})

const summaryFields = {
  id: z.string(),
  document_type: z.enum(['invoice', 'credit_note']),
  status: z.enum(['draft', 'issued']),
  origin: z.string(),
  customer_id: z.string(),
  currency: z.string(),
  corrects_invoice_id: z.string().nullable(),
  number: z.string().nullable(),
  series: z.string().nullable(),
  fiscal_year: z.number().nullable(),
  issue_date: z.string().nullable(),
  due_date: z.string().nullable(),
  payment_reference: z.string().nullable(),
  language: z.enum(['nl', 'en']),
  buyer_reference: z.string().nullable(),
  order_reference: z.string().nullable(),
  note: z.string().nullable(),
  period: z.object({ start: z.string(), end: z.string() }).nullable(),
  delivery_date: z.string().nullable(),
  payment_terms: termsOut,
  totals: totalsOut,
  accounting_currency: z
    .object({ currency: z.string(), rate: z.string(), vat_amount: z.string() })
    .nullable()
    .describe('a foreign-currency invoice: its VAT in the accounting currency (BT-111)'),
  open_amount: money.nullable().describe('issued invoices: what is still open (derived)'),
  created_at: z.string(),
  created_by: z.string(),
  issued_at: z.string().nullable(),
  issued_by: z.string().nullable(),
  version: z.number(),
}

export const invoiceSummaryOut = z.object({
  ...summaryFields,
  customer_name: z.string().nullable(),
})

export const invoiceOut = z.object({
  ...summaryFields,
  seller: jsonObject.nullable(),
  buyer: jsonObject.nullable(),
  lines: z.array(
    z.object({
      line_number: z.number(),
      item_code: z.string(),
      description: z.string(),
      quantity: z.string(),
      unit: z.string(),
      unit_price: money,
      discount_percent: z.string(),
      vat_category: z.enum(vatCategories),
      vat_rate: z.string(),
      net_amount: money,
      order_id: z.string().nullable(),
      order_line_id: z.string().nullable(),
      shipment_line_id: z.string().nullable(),
    }),
  ),
  allowances_charges: z.array(
    z.object({
      is_charge: z.boolean(),
      reason: z.string(),
      reason_code: z.string().nullable(),
      amount: money,
      vat_category: z.enum(vatCategories),
      vat_rate: z.string(),
    }),
  ),
  vat_breakdown: z.array(
    z.object({
      vat_category: z.enum(vatCategories),
      vat_rate: z.string(),
      taxable_amount: money,
      vat_amount: money,
      exemption_reason: z.string().nullable(),
      exemption_reason_code: z.string().nullable(),
    }),
  ),
  settlements: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      amount: money,
      settled_on: z.string(),
      source_type: z.string(),
      source_id: z.string(),
      reverses_settlement_id: z.string().nullable(),
    }),
  ),
})

function termsToApi(terms: InvoiceTerms, currency: string): z.infer<typeof termsOut> {
  return {
    net_days: terms.netDays,
    discount: terms.discount
      ? {
          percent: formatDecimal(terms.discount.percent),
          days: terms.discount.days,
          ...(terms.discount.dueDate ? { due_date: terms.discount.dueDate } : {}),
          ...(terms.discount.amountMinor !== undefined
            ? { amount: formatAmount(terms.discount.amountMinor, currency) }
            : {}),
        }
      : null,
    instalments: terms.instalments
      ? {
          ...(terms.instalments.count !== undefined ? { count: terms.instalments.count } : {}),
          ...(terms.instalments.dueDays ? { due_days: terms.instalments.dueDays } : {}),
          ...(terms.instalments.schedule
            ? {
                schedule: terms.instalments.schedule.map((i) => ({
                  due_date: i.dueDate,
                  amount: formatAmount(i.amountMinor, currency),
                })),
              }
            : {}),
        }
      : null,
  }
}

function summaryToApi(i: Omit<InvoiceSummary, 'customerName'>) {
  const amount = (minor: bigint) => formatAmount(minor, i.currency)
  return {
    id: i.id,
    document_type: i.documentType,
    status: i.status,
    origin: i.origin,
    customer_id: i.customerId,
    currency: i.currency,
    corrects_invoice_id: i.correctsInvoiceId,
    number: i.number,
    series: i.series,
    fiscal_year: i.fiscalYear,
    issue_date: i.issueDate,
    due_date: i.dueDate,
    payment_reference: i.paymentReference,
    language: i.language,
    buyer_reference: i.buyerReference,
    order_reference: i.orderReference,
    note: i.note,
    period: i.period,
    delivery_date: i.deliveryDate,
    payment_terms: termsToApi(i.paymentTerms, i.currency),
    totals: {
      line_net: amount(i.totals.lineNetMinor),
      allowances: amount(i.totals.allowancesMinor),
      charges: amount(i.totals.chargesMinor),
      tax_exclusive: amount(i.totals.taxExclusiveMinor),
      vat: amount(i.totals.vatMinor),
      tax_inclusive: amount(i.totals.taxInclusiveMinor),
      prepaid: amount(i.totals.prepaidMinor),
      payable: amount(i.totals.payableMinor),
    },
    accounting_currency: i.accountingCurrency
      ? {
          currency: i.accountingCurrency.currency,
          rate: formatDecimal(i.accountingCurrency.rate),
          vat_amount: formatAmount(i.accountingCurrency.vatMinor, i.accountingCurrency.currency),
        }
      : null,
    open_amount: i.openMinor === null ? null : amount(i.openMinor),
    created_at: i.createdAt.toISOString(),
    created_by: i.createdBy,
    issued_at: i.issuedAt?.toISOString() ?? null,
    issued_by: i.issuedBy,
    version: i.version,
  }
}

export function invoiceSummaryToApi(i: InvoiceSummary): z.infer<typeof invoiceSummaryOut> {
  return { ...summaryToApi(i), customer_name: i.customerName }
}

export function invoiceToApi(i: Invoice): z.infer<typeof invoiceOut> {
  const amount = (minor: bigint) => formatAmount(minor, i.currency)
  return {
    ...summaryToApi(i),
    seller: i.seller ? (snakeKeys(i.seller) as Record<string, unknown>) : null,
    buyer: i.buyer ? (snakeKeys(i.buyer) as Record<string, unknown>) : null,
    lines: i.lines.map((l) => ({
      line_number: l.lineNumber,
      item_code: l.itemCode,
      description: l.description,
      quantity: formatDecimal(l.quantity),
      unit: l.unit,
      unit_price: amount(l.unitPriceMinor),
      discount_percent: formatDecimal(l.discountPercent),
      vat_category: l.vatCategory,
      vat_rate: formatDecimal(l.vatRate),
      net_amount: amount(l.netMinor),
      order_id: l.orderId,
      order_line_id: l.orderLineId,
      shipment_line_id: l.shipmentLineId,
    })),
    allowances_charges: i.allowancesCharges.map((a) => ({
      is_charge: a.isCharge,
      reason: a.reason,
      reason_code: a.reasonCode ?? null,
      amount: amount(a.amountMinor),
      vat_category: a.vatCategory,
      vat_rate: formatDecimal(a.vatRate),
    })),
    vat_breakdown: i.vatBreakdown.map((v) => ({
      vat_category: v.category,
      vat_rate: formatDecimal(v.rate),
      taxable_amount: amount(v.taxableMinor),
      vat_amount: amount(v.vatMinor),
      exemption_reason: v.exemptionReason ?? null,
      exemption_reason_code: v.exemptionReasonCode ?? null,
    })),
    settlements: i.settlements.map((s) => ({
      id: s.id,
      kind: s.kind,
      amount: amount(s.amountMinor),
      settled_on: s.settledOn,
      source_type: s.sourceType,
      source_id: s.sourceId,
      reverses_settlement_id: s.reversesSettlementId,
    })),
  }
}

export const timelineStepOut = z.object({
  id: z.string(),
  step: z.string(),
  channel: z.string().nullable(),
  detail: jsonObject,
  occurred_at: z.string(),
})

export function timelineStepToApi(step: TimelineStep): z.infer<typeof timelineStepOut> {
  return {
    id: step.id,
    step: step.step,
    channel: step.channel,
    detail: step.detail,
    occurred_at: step.occurredAt.toISOString(),
  }
}

export const openItemOut = z.object({
  invoice_id: z.string(),
  customer_id: z.string(),
  number: z.string(),
  currency: z.string(),
  issue_date: z.string(),
  due_date: z.string(),
  payment_reference: z.string(),
  payable_amount: money,
  open_amount: money,
})

export function openItemToApi(item: OpenItem): z.infer<typeof openItemOut> {
  return {
    invoice_id: item.invoiceId,
    customer_id: item.customerId,
    number: item.number,
    currency: item.currency,
    issue_date: item.issueDate,
    due_date: item.dueDate,
    payment_reference: item.paymentReference,
    payable_amount: formatAmount(item.payableMinor, item.currency),
    open_amount: formatAmount(item.openMinor, item.currency),
  }
}
