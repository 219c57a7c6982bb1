import type { CalendarDate } from '../../core/dates.js'
import type { Decimal } from '../../core/money.js'

// An issued invoice or credit note as its documents show it: everything the PDF, the UBL
// (Peppol BIS Billing 3.0), the CII (EN 16931) and Factur-X need, and nothing they must look
// up. Invoicing builds it from the stored invoice (loadInvoiceDocument); the renderers in the
// einvoice module are pure functions of it. Amounts are minor units of `currency`; the
// business terms of EN 16931 are named beside each field (BT-n) so a renderer can be checked
// against the standard line by line.

export const vatCategories = ['S', 'Z', 'E', 'AE', 'K', 'G', 'O'] as const
/** EN 16931 VAT category (UNCL5305 subset). */
export type VatCategory = (typeof vatCategories)[number]

export const documentTypes = ['invoice', 'credit_note'] as const
export type DocumentType = (typeof documentTypes)[number]

export const documentLanguages = ['nl', 'en'] as const
export type DocumentLanguage = (typeof documentLanguages)[number]

export type PostalAddress = {
  /** Street and number first; at most three lines (BT-35..BT-37, BT-50..BT-52). */
  lines: string[]
  postalCode: string
  city: string
  /** ISO 3166-1 alpha-2 (BT-40, BT-55). */
  country: string
}

/** A Peppol participant id, e.g. { scheme: '0106', id: '12345678' } (KvK) or 9944 (NL VAT). */
export type ElectronicAddress = { scheme: string; id: string }

export type Party = {
  /** Legal name (BT-27, BT-44). */
  name: string
  /** Trading name, when different (BT-28, BT-45). */
  tradingName?: string
  /** VAT identifier with its country prefix (BT-31, BT-48). */
  vatId?: string
  /** Legal registration id, e.g. the Dutch KvK number (BT-30, BT-47), with its scheme (0106). */
  legalId?: { id: string; scheme?: string }
  address: PostalAddress
  /** Where Peppol delivers (BT-34, BT-49). */
  electronicAddress?: ElectronicAddress
  contact?: { name?: string; email?: string; phone?: string }
}

export type Seller = Party & {
  /** Where the buyer pays: the seller's account (BT-84..BT-86). */
  payeeAccount: { iban: string; bic?: string; name?: string }
}

export type Buyer = Party & {
  /** The seller's number for the customer. */
  customerNumber: string
}

export type DocumentLine = {
  /** Line number as printed, "1", "2", … (BT-126). */
  id: string
  itemCode: string
  /** Item name (BT-153); the description when there is one, else the item code. */
  name: string
  description?: string
  quantity: Decimal
  /** UN/ECE Rec 20 code, e.g. C62 (piece), HUR (hour), KGM (kg) (BT-130). */
  unit: string
  /** Net price per unit before the line discount (BT-146). */
  unitPriceMinor: bigint
  /** Line discount in percent of quantity × price; 0 when none. */
  discountPercent: Decimal
  /** Line discount amount (BT-136) = quantity × price − net; 0 when none. */
  discountMinor: bigint
  /** Line net amount (BT-131), rounded once. */
  netMinor: bigint
  vatCategory: VatCategory
  /** 0 for every category but S (BT-152). */
  vatRate: Decimal
  /** The order the line came from (BT-132 is the buyer's order line; we print our order number). */
  orderNumber?: number
}

/** A document-level allowance (discount) or charge (freight, handling) (BG-20, BG-21). */
export type AllowanceCharge = {
  isCharge: boolean
  /** Readable reason (BT-97, BT-104). */
  reason: string
  /** UNCL5189 (allowances, e.g. 95 discount) or UNCL7161 (charges, e.g. FC freight). */
  reasonCode?: string
  amountMinor: bigint
  vatCategory: VatCategory
  vatRate: Decimal
}

/** One row of the VAT breakdown (BG-23): one per category and rate. */
export type VatBreakdown = {
  category: VatCategory
  rate: Decimal
  /** Sum of line nets − allowances + charges in this category and rate (BT-116). */
  taxableMinor: bigint
  /** taxable × rate, rounded once (BT-117). */
  vatMinor: bigint
  /** Required for E, AE, K, G, O (BT-120, BT-121), e.g. 'vatex-eu-ae' / 'Reverse charge'. */
  exemptionReason?: string
  exemptionReasonCode?: string
}

export type DocumentTotals = {
  /** Sum of line net amounts (BT-106). */
  lineNetMinor: bigint
  /** Sum of document allowances (BT-107). */
  allowancesMinor: bigint
  /** Sum of document charges (BT-108). */
  chargesMinor: bigint
  /** Total without VAT (BT-109) = lines − allowances + charges. */
  taxExclusiveMinor: bigint
  /** Total VAT (BT-110) = sum of the breakdown's VAT. */
  vatMinor: bigint
  /** Total with VAT (BT-112). */
  taxInclusiveMinor: bigint
  /** Paid before this document, e.g. a prepayment (BT-113). */
  prepaidMinor: bigint
  /** Amount due (BT-115) = total with VAT − prepaid. */
  payableMinor: bigint
}

export type PaymentTerms = {
  /** Net days from the issue date; the due date is on the document. */
  netDays: number
  /** Early-payment discount: `percent` off when paid within `days` (by `dueDate`). */
  discount?: { percent: Decimal; days: number; dueDate: CalendarDate; amountMinor: bigint }
  /** Instalments, in order; their amounts sum to the amount due. */
  instalments?: { dueDate: CalendarDate; amountMinor: bigint }[]
}

export type InvoiceDocument = {
  type: DocumentType
  /** BT-1 */
  number: string
  /** BT-2 */
  issueDate: CalendarDate
  /** BT-9; invoices always have one, credit notes none. */
  dueDate?: CalendarDate
  /** BT-5 */
  currency: string
  /** When the invoice currency differs from the seller's accounting currency (BT-6, BT-111). */
  accountingCurrency?: { currency: string; rate: Decimal; vatMinor: bigint }
  /** Buyer reference (BT-10); Peppol needs it or the order reference. */
  buyerReference?: string
  /** Order reference (BT-13). */
  orderReference?: string
  /** For a credit note: the invoice it corrects (BT-25, BT-26). */
  precedingInvoice?: { number: string; issueDate: CalendarDate }
  /** Invoicing period (BG-14), e.g. of a consolidated invoice. */
  invoicingPeriod?: { start: CalendarDate; end: CalendarDate }
  /** Actual delivery date (BT-72) and country (BT-80); intra-EU supplies need one of these. */
  delivery?: { date?: CalendarDate; country?: string }
  language: DocumentLanguage
  seller: Seller
  buyer: Buyer
  lines: DocumentLine[]
  allowancesCharges: AllowanceCharge[]
  vatBreakdown: VatBreakdown[]
  totals: DocumentTotals
  terms: PaymentTerms
  /** Structured payment reference (BT-83): NL betalingskenmerk, RF or Belgian OGM. */
  paymentReference: string
  /** A note for the buyer (BT-22). */
  note?: string
  /** The pay page of this invoice; absent on credit notes. */
  paymentLink?: string
}
