import type { ColumnType, Generated } from 'kysely'
import type { DocumentLanguage, DocumentType, VatCategory } from './document.js'

// Invoicing's tables as Kysely sees them (camelCase); 0006 and 0008. Numeric columns
// (quantities, rates) come back as strings: parse them with parseDecimal, never Number().

type Numeric = ColumnType<string, string, string>
type Int8 = ColumnType<bigint, bigint | number, bigint | number>
type Int8Default = ColumnType<bigint, bigint | number | undefined, bigint | number>

export const invoiceOrigins = [
  'shipment',
  'order',
  'prepayment',
  'manual',
  'consolidated',
  'credit_note',
  'opening_balance',
] as const
export type InvoiceOrigin = (typeof invoiceOrigins)[number]

export const settlementKinds = [
  'credit_note',
  'payment',
  'write_off',
  'discount',
  'prior_settlement',
] as const
export type SettlementKind = (typeof settlementKinds)[number]

export const billingFrequencies = ['per_shipment', 'per_order', 'weekly', 'monthly'] as const
export type BillingFrequency = (typeof billingFrequencies)[number]

export const invoiceChannels = ['email', 'peppol', 'portal'] as const
export type InvoiceChannel = (typeof invoiceChannels)[number]

export type InvoicingTables = {
  /** One counter per tenant, series and fiscal year: the last invoice number given out. */
  invoiceNumberSeries: {
    tenantId: string
    series: string
    fiscalYear: number
    /** Tokens {series}, {year}, {seq}, {seq:N}; see numbering.ts. */
    format: ColumnType<string, string | undefined, string>
    lastNumber: ColumnType<bigint, bigint | number | undefined, bigint | number>
    /** The issue date of the last number given; a later one may not be earlier. */
    lastIssueDate: string | null
  }
  billingSettings: {
    tenantId: string
    /** Seller of document.ts in snake_case JSON. */
    seller: unknown
    paymentReferenceScheme: Generated<'nl' | 'rf' | 'be'>
    invoiceSeries: Generated<string>
    creditNoteSeries: Generated<string>
    fiscalYearStartMonth: Generated<number>
    /** Series name → two-digit code for payment references. */
    seriesCodes: ColumnType<Record<string, number>, string | undefined, string>
    holidayCalendar: Generated<'nl' | 'none'>
    /** 'YYYY-MM-DD' strings. */
    extraHolidays: ColumnType<string[], string | undefined, string>
    discountPercent: Numeric | null
    discountDays: number | null
    logo: Buffer | null
    logoMediaType: 'image/png' | 'image/jpeg' | null
    primaryColour: Generated<string>
    accentColour: Generated<string>
    updatedAt: Date
    version: Generated<number>
  }
  customerBilling: {
    tenantId: string
    customerId: string
    billingFrequency: Generated<BillingFrequency>
    invoiceChannel: Generated<InvoiceChannel>
    invoiceEmail: string | null
    peppolScheme: string | null
    peppolId: string | null
    buyerReference: string | null
    updatedAt: Date
    version: Generated<number>
  }
  exchangeRate: {
    tenantId: string
    currency: string
    validFrom: string
    rate: Numeric
    createdAt: Date
  }
  invoice: {
    tenantId: string
    id: string
    documentType: DocumentType
    status: Generated<'draft' | 'issued'>
    origin: InvoiceOrigin
    customerId: string
    currency: string
    correctsInvoiceId: string | null
    series: string | null
    fiscalYear: number | null
    sequence: ColumnType<bigint | null, bigint | number | null, bigint | number | null>
    number: string | null
    issueDate: string | null
    dueDate: string | null
    paymentReference: string | null
    seller: unknown | null
    buyer: unknown | null
    language: Generated<DocumentLanguage>
    buyerReference: string | null
    orderReference: string | null
    paymentTerms: unknown
    periodStart: string | null
    periodEnd: string | null
    deliveryDate: string | null
    note: string | null
    lineNetMinor: Int8Default
    allowanceMinor: Int8Default
    chargeMinor: Int8Default
    taxExclusiveMinor: Int8Default
    vatMinor: Int8Default
    totalMinor: Int8Default
    prepaidMinor: Int8Default
    payableMinor: Int8Default
    accountingCurrency: string | null
    exchangeRate: Numeric | null
    vatAccountingMinor: ColumnType<bigint | null, bigint | number | null, bigint | number | null>
    createdAt: Date
    createdBy: string
    issuedAt: Date | null
    issuedBy: string | null
    updatedAt: Date
    version: Generated<number>
  }
  invoiceLine: {
    tenantId: string
    invoiceId: string
    lineNumber: number
    itemCode: string
    description: Generated<string>
    quantity: Numeric
    unit: string
    unitPriceMinor: Int8
    discountPercent: ColumnType<string, string | undefined, string>
    vatCategory: VatCategory
    vatRate: Numeric
    netMinor: Int8
    orderId: string | null
    orderLineId: string | null
    shipmentLineId: string | null
    /** On a credit note's line: the invoice line it credits (0013); null otherwise. */
    creditedInvoiceId: ColumnType<string | null, string | null | undefined, string | null>
    creditedLineNumber: ColumnType<number | null, number | null | undefined, number | null>
  }
  invoiceAllowanceCharge: {
    tenantId: string
    invoiceId: string
    position: number
    isCharge: boolean
    reason: string
    reasonCode: string | null
    amountMinor: Int8
    vatCategory: VatCategory
    vatRate: Numeric
  }
  invoiceVat: {
    tenantId: string
    invoiceId: string
    vatCategory: VatCategory
    vatRate: Numeric
    taxableMinor: Int8
    vatMinor: Int8
    exemptionReason: string | null
    exemptionReasonCode: string | null
  }
  invoiceSettlement: {
    tenantId: string
    id: string
    invoiceId: string
    kind: SettlementKind
    amountMinor: Int8
    currency: string
    settledOn: string
    sourceType: string
    sourceId: string
    reversesSettlementId: string | null
    createdAt: Date
    createdBy: string
  }
  invoiceEvent: {
    tenantId: string
    id: string
    invoiceId: string
    step: string
    channel: 'email' | 'peppol' | 'portal' | 'pay_page' | null
    detail: ColumnType<unknown, unknown | undefined, unknown>
    occurredAt: Date
  }
  /** View: every issued invoice with its derived open amount. */
  invoiceOpenItem: {
    tenantId: string
    invoiceId: string
    customerId: string
    number: string
    currency: string
    issueDate: string
    dueDate: string
    paymentReference: string
    payableMinor: bigint
    openMinor: bigint
  }
}
