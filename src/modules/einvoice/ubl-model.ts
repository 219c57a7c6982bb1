import type { Invoice } from '@e-invoice-eu/core'
import { domainError } from '../../core/errors.js'
import { type Decimal, formatAmount, formatDecimal } from '../../core/money.js'
import type {
  InvoiceDocument,
  Party,
  PostalAddress,
  VatBreakdown,
  VatCategory,
} from '../invoicing/index.js'
import './errors.js'
import { paymentTermsText } from './payment-terms.js'

// InvoiceDocument → the UBL-shaped JSON of @e-invoice-eu/core (keys are UBL 2.1 element names,
// attributes after an @). The library writes UBL, CII and Factur-X from this one model (decision
// 0004). Every amount is taken from the document and printed with formatAmount; quantities and
// rates with formatDecimal. Nothing is added up or rounded here: invoicing's computeTotals did
// that once, and the renderers must show exactly what was issued.

type Ubl = Invoice['ubl:Invoice']
type UblLine = Ubl['cac:InvoiceLine'][number]

export type Syntax = 'ubl' | 'cii'

/** Peppol BIS Billing 3.0 (UBL); the CII and Factur-X take the library's EN 16931 defaults. */
export const peppolCustomizationId =
  'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0'
export const peppolProfileId = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0'

/** UNCL1001: commercial invoice, credit note. */
const typeCodes = { invoice: '380', credit_note: '381' } as const
/** UNCL4461 58: SEPA credit transfer. */
const sepaCreditTransfer = '58'
/** UNCL5189 95: discount. */
const discountReasonCode = '95'
const lineDiscountReason = { en: 'Discount', nl: 'Korting' } as const

/** The library types code lists as unions; our documents carry plain strings checked upstream. */
const code = <T>(value: string): T => value as T

/**
 * The library's invoice model of a document, for UBL (Peppol BIS 3.0) or CII (EN 16931).
 * Throws a DomainError when the document breaks a rule the validator would reject it for.
 */
export function ublModelOf(doc: InvoiceDocument, syntax: Syntax): Invoice {
  checkVatRules(doc)
  if (syntax === 'ubl') checkPeppolRules(doc)
  const currency = doc.currency
  const amount = (minor: bigint) => formatAmount(minor, currency)
  const categories = new Set(doc.vatBreakdown.map((row) => row.category))
  // BR-O-02/03/04: a document outside the scope of VAT carries no VAT identifiers.
  const withVatIds = !categories.has('O')

  const invoice: Ubl = {
    ...(syntax === 'ubl'
      ? { 'cbc:CustomizationID': peppolCustomizationId, 'cbc:ProfileID': peppolProfileId }
      : {}),
    'cbc:ID': doc.number,
    'cbc:IssueDate': doc.issueDate,
    ...(doc.dueDate ? { 'cbc:DueDate': doc.dueDate } : {}),
    'cbc:InvoiceTypeCode': code(typeCodes[doc.type]),
    ...(doc.note ? { 'cbc:Note': [doc.note] } : {}),
    'cbc:DocumentCurrencyCode': code(currency),
    ...(doc.accountingCurrency
      ? { 'cbc:TaxCurrencyCode': code(doc.accountingCurrency.currency) }
      : {}),
    ...(doc.buyerReference ? { 'cbc:BuyerReference': doc.buyerReference } : {}),
    ...(doc.invoicingPeriod
      ? {
          'cac:InvoicePeriod': {
            'cbc:StartDate': doc.invoicingPeriod.start,
            'cbc:EndDate': doc.invoicingPeriod.end,
          },
        }
      : {}),
    ...(doc.orderReference ? { 'cac:OrderReference': { 'cbc:ID': doc.orderReference } } : {}),
    ...(doc.precedingInvoice
      ? {
          'cac:BillingReference': [
            {
              'cac:InvoiceDocumentReference': {
                'cbc:ID': doc.precedingInvoice.number,
                'cbc:IssueDate': doc.precedingInvoice.issueDate,
              },
            },
          ],
        }
      : {}),
    'cac:AccountingSupplierParty': {
      'cac:Party': {
        ...partyHead(doc.seller),
        'cac:PostalAddress': postalAddress(doc.seller.address),
        'cac:PartyTaxScheme':
          withVatIds && doc.seller.vatId ? [vatScheme(doc.seller.vatId)] : undefined,
        'cac:PartyLegalEntity': legalEntity(doc.seller),
        ...contact(doc.seller),
      },
    },
    'cac:AccountingCustomerParty': {
      'cac:Party': {
        ...partyHead(doc.buyer),
        'cac:PostalAddress': postalAddress(doc.buyer.address),
        'cac:PartyTaxScheme':
          withVatIds && doc.buyer.vatId ? vatScheme(doc.buyer.vatId) : undefined,
        'cac:PartyLegalEntity': legalEntity(doc.buyer),
        ...contact(doc.buyer),
      },
    },
    ...delivery(doc, categories),
    ...(doc.type === 'invoice'
      ? {
          'cac:PaymentMeans': [
            {
              'cbc:PaymentMeansCode': code(sepaCreditTransfer),
              'cbc:PaymentID': doc.paymentReference,
              'cac:PayeeFinancialAccount': {
                'cbc:ID': doc.seller.payeeAccount.iban,
                ...(doc.seller.payeeAccount.name
                  ? { 'cbc:Name': doc.seller.payeeAccount.name }
                  : {}),
                ...(doc.seller.payeeAccount.bic
                  ? { 'cac:FinancialInstitutionBranch': { 'cbc:ID': doc.seller.payeeAccount.bic } }
                  : {}),
              },
            },
          ],
        }
      : {}),
    'cac:PaymentTerms': { 'cbc:Note': paymentTermsText(doc) },
    ...(doc.allowancesCharges.length > 0
      ? {
          'cac:AllowanceCharge': doc.allowancesCharges.map((entry) => ({
            'cbc:ChargeIndicator': entry.isCharge ? 'true' : 'false',
            ...(entry.reasonCode
              ? { 'cbc:AllowanceChargeReasonCode': code(entry.reasonCode) }
              : {}),
            'cbc:AllowanceChargeReason': entry.reason,
            'cbc:Amount': amount(entry.amountMinor),
            'cbc:Amount@currencyID': code(currency),
            'cac:TaxCategory': taxCategory(entry.vatCategory, entry.vatRate),
          })),
        }
      : {}),
    'cac:TaxTotal': taxTotals(doc),
    'cac:LegalMonetaryTotal': {
      'cbc:LineExtensionAmount': amount(doc.totals.lineNetMinor),
      'cbc:LineExtensionAmount@currencyID': code(currency),
      'cbc:TaxExclusiveAmount': amount(doc.totals.taxExclusiveMinor),
      'cbc:TaxExclusiveAmount@currencyID': code(currency),
      'cbc:TaxInclusiveAmount': amount(doc.totals.taxInclusiveMinor),
      'cbc:TaxInclusiveAmount@currencyID': code(currency),
      ...(hasAllowances(doc)
        ? {
            'cbc:AllowanceTotalAmount': amount(doc.totals.allowancesMinor),
            'cbc:AllowanceTotalAmount@currencyID': code(currency),
          }
        : {}),
      ...(hasCharges(doc)
        ? {
            'cbc:ChargeTotalAmount': amount(doc.totals.chargesMinor),
            'cbc:ChargeTotalAmount@currencyID': code(currency),
          }
        : {}),
      ...(doc.totals.prepaidMinor !== 0n
        ? {
            'cbc:PrepaidAmount': amount(doc.totals.prepaidMinor),
            'cbc:PrepaidAmount@currencyID': code(currency),
          }
        : {}),
      'cbc:PayableAmount': amount(doc.totals.payableMinor),
      'cbc:PayableAmount@currencyID': code(currency),
    },
    'cac:InvoiceLine': lines(doc, syntax) as Ubl['cac:InvoiceLine'],
  }
  // The library's writer skips no undefined members; drop the ones we left empty.
  dropUndefined(invoice)
  return { 'ubl:Invoice': invoice }
}

function hasAllowances(doc: InvoiceDocument): boolean {
  return doc.allowancesCharges.some((entry) => !entry.isCharge)
}

function hasCharges(doc: InvoiceDocument): boolean {
  return doc.allowancesCharges.some((entry) => entry.isCharge)
}

function partyHead(party: Party) {
  return {
    ...(party.electronicAddress
      ? {
          'cbc:EndpointID': party.electronicAddress.id,
          'cbc:EndpointID@schemeID': code<never>(party.electronicAddress.scheme),
        }
      : {}),
    ...(party.tradingName ? { 'cac:PartyName': { 'cbc:Name': party.tradingName } } : {}),
  }
}

function postalAddress(address: PostalAddress) {
  const [street, additional, third] = address.lines
  return {
    ...(street ? { 'cbc:StreetName': street } : {}),
    ...(additional ? { 'cbc:AdditionalStreetName': additional } : {}),
    'cbc:CityName': address.city,
    'cbc:PostalZone': address.postalCode,
    ...(third ? { 'cac:AddressLine': { 'cbc:Line': third } } : {}),
    'cac:Country': { 'cbc:IdentificationCode': code<never>(address.country) },
  }
}

function vatScheme(vatId: string) {
  return { 'cbc:CompanyID': vatId, 'cac:TaxScheme': { 'cbc:ID': 'VAT' } }
}

function legalEntity(party: Party) {
  return {
    'cbc:RegistrationName': party.name,
    ...(party.legalId
      ? {
          'cbc:CompanyID': party.legalId.id,
          ...(party.legalId.scheme
            ? { 'cbc:CompanyID@schemeID': code<never>(party.legalId.scheme) }
            : {}),
        }
      : {}),
  }
}

function contact(party: Party) {
  const given = party.contact
  if (!given || !(given.name || given.email || given.phone)) return {}
  return {
    'cac:Contact': {
      ...(given.name ? { 'cbc:Name': given.name } : {}),
      ...(given.phone ? { 'cbc:Telephone': given.phone } : {}),
      ...(given.email ? { 'cbc:ElectronicMail': given.email } : {}),
    },
  }
}

// BG-13. An intra-community supply needs the deliver-to country (BR-IC-12): the goods went to
// the buyer's address unless the document names another country.
function delivery(doc: InvoiceDocument, categories: Set<VatCategory>) {
  const date = doc.delivery?.date
  const country =
    doc.delivery?.country ?? (categories.has('K') ? doc.buyer.address.country : undefined)
  if (!date && !country) return {}
  return {
    'cac:Delivery': {
      ...(date ? { 'cbc:ActualDeliveryDate': date } : {}),
      ...(country
        ? {
            'cac:DeliveryLocation': {
              'cac:Address': { 'cac:Country': { 'cbc:IdentificationCode': code<never>(country) } },
            },
          }
        : {}),
    },
  }
}

// BR-O-05 ff.: "not subject to VAT" carries no rate; every other category does, 0 included.
function taxCategory(category: VatCategory, rate: Decimal) {
  return {
    'cbc:ID': code<never>(category),
    ...(category === 'O' ? {} : { 'cbc:Percent': formatDecimal(rate) }),
    'cac:TaxScheme': { 'cbc:ID': 'VAT' },
  }
}

function breakdownCategory(row: VatBreakdown) {
  return {
    ...taxCategory(row.category, row.rate),
    ...(row.exemptionReasonCode ? { 'cbc:TaxExemptionReasonCode': row.exemptionReasonCode } : {}),
    ...(row.exemptionReason ? { 'cbc:TaxExemptionReason': row.exemptionReason } : {}),
  }
}

// BG-23, and BT-111: with a VAT accounting currency, a second TaxTotal holds only the VAT total
// in that currency (BR-53, PEPPOL-EN16931-R005); the breakdown stays in the invoice currency.
function taxTotals(doc: InvoiceDocument): Ubl['cac:TaxTotal'] {
  const currency = doc.currency
  const main = {
    'cbc:TaxAmount': formatAmount(doc.totals.vatMinor, currency),
    'cbc:TaxAmount@currencyID': code<never>(currency),
    'cac:TaxSubtotal': doc.vatBreakdown.map((row) => ({
      'cbc:TaxableAmount': formatAmount(row.taxableMinor, currency),
      'cbc:TaxableAmount@currencyID': code<never>(currency),
      'cbc:TaxAmount': formatAmount(row.vatMinor, currency),
      'cbc:TaxAmount@currencyID': code<never>(currency),
      'cac:TaxCategory': breakdownCategory(row),
    })),
  }
  const accounting = doc.accountingCurrency
  if (!accounting) return [main]
  return [
    main,
    {
      'cbc:TaxAmount': formatAmount(accounting.vatMinor, accounting.currency),
      'cbc:TaxAmount@currencyID': code<never>(accounting.currency),
    },
  ]
}

function lines(doc: InvoiceDocument, syntax: Syntax): UblLine[] {
  const currency = doc.currency
  return doc.lines.map((line) => ({
    'cbc:ID': line.id,
    'cbc:InvoicedQuantity': formatDecimal(line.quantity),
    'cbc:InvoicedQuantity@unitCode': code<never>(line.unit),
    'cbc:LineExtensionAmount': formatAmount(line.netMinor, currency),
    'cbc:LineExtensionAmount@currencyID': code<never>(currency),
    // The line discount is a line allowance (BG-27): BT-131 = quantity × price − discount.
    ...(line.discountMinor !== 0n
      ? {
          'cac:AllowanceCharge': [
            {
              'cbc:ChargeIndicator': 'false',
              'cbc:AllowanceChargeReasonCode': code<never>(discountReasonCode),
              'cbc:AllowanceChargeReason': `${lineDiscountReason[doc.language]} ${formatDecimal(
                line.discountPercent,
              )}%`,
              'cbc:Amount': formatAmount(line.discountMinor, currency),
              // UBL requires the currency on every amount; CII forbids it here (CII-DT-031),
              // and the library copies it over as given.
              ...(syntax === 'ubl' ? { 'cbc:Amount@currencyID': code<never>(currency) } : {}),
            },
          ],
        }
      : {}),
    'cac:Item': {
      ...(line.description ? { 'cbc:Description': line.description } : {}),
      'cbc:Name': line.name,
      'cac:SellersItemIdentification': { 'cbc:ID': line.itemCode },
      'cac:ClassifiedTaxCategory': taxCategory(line.vatCategory, line.vatRate),
    },
    'cac:Price': {
      'cbc:PriceAmount': formatAmount(line.unitPriceMinor, currency),
      'cbc:PriceAmount@currencyID': code<never>(currency),
    },
  }))
}

function dropUndefined(value: unknown): void {
  if (!value || typeof value !== 'object') return
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (record[key] === undefined) delete record[key]
    else dropUndefined(record[key])
  }
}

// Rules the validator enforces that the document itself can break; checked first so the
// user gets a sentence and a field instead of a rejected file.
function checkVatRules(doc: InvoiceDocument): void {
  const categories = new Set(doc.vatBreakdown.map((row) => row.category))
  if (categories.has('O') && categories.size > 1) {
    throw domainError(
      'einvoice.vat_categories_incompatible',
      `${doc.number} mixes "not subject to VAT" (O) with ${[...categories]
        .filter((c) => c !== 'O')
        .join(', ')}; issue separate documents (BR-O-11 … BR-O-14)`,
      { field: 'vat_breakdown', categories: [...categories] },
    )
  }
  const needs = (party: 'seller' | 'buyer', rule: string, category: VatCategory) => {
    if (!doc[party].vatId) {
      throw domainError(
        'einvoice.vat_id_missing',
        `${doc.number} has VAT category ${category}, which needs the ${party}'s VAT identifier (${rule})`,
        { field: `${party}.vat_id`, category },
      )
    }
  }
  if (categories.has('AE')) {
    needs('seller', 'BR-AE-02', 'AE')
    needs('buyer', 'BR-AE-02', 'AE')
  }
  if (categories.has('K')) {
    needs('seller', 'BR-IC-02', 'K')
    needs('buyer', 'BR-IC-02', 'K')
    if (!doc.delivery?.date && !doc.invoicingPeriod) {
      throw domainError(
        'einvoice.delivery_missing',
        `${doc.number} is an intra-community supply without a delivery date or invoicing period (BR-IC-11)`,
        { field: 'delivery.date' },
      )
    }
  }
  for (const [category, rule] of [
    ['S', 'BR-S-02'],
    ['Z', 'BR-Z-02'],
    ['E', 'BR-E-02'],
    ['G', 'BR-G-02'],
  ] as const) {
    if (categories.has(category)) needs('seller', rule, category)
  }
}

function checkPeppolRules(doc: InvoiceDocument): void {
  if (!doc.buyerReference && !doc.orderReference) {
    throw domainError(
      'einvoice.buyer_reference_missing',
      `${doc.number} has neither a buyer reference (BT-10) nor an order reference (BT-13); Peppol needs one (PEPPOL-EN16931-R003)`,
      { field: 'buyer_reference' },
    )
  }
  for (const party of ['seller', 'buyer'] as const) {
    if (!doc[party].electronicAddress) {
      throw domainError(
        'einvoice.electronic_address_missing',
        `${doc.number} has no electronic address for the ${party} (${party === 'seller' ? 'BT-34, PEPPOL-EN16931-R020' : 'BT-49, PEPPOL-EN16931-R010'})`,
        { field: `${party}.electronic_address` },
      )
    }
  }
}
