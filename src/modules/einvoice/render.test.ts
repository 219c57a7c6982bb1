import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  einvoiceValidator,
  type ValidationResult,
  validateEinvoices,
  xmlTexts,
} from '../../../test/einvoice-validator.js'
import { pdfParts, samplePdf } from '../../../test/pdf-inspect.js'
import { DomainError } from '../../core/errors.js'
import { formatAmount } from '../../core/money.js'
import type { InvoiceDocument } from '../invoicing/index.js'
import {
  allowancesAndCharges,
  creditNote,
  discountAndInstalments,
  exportOutsideEu,
  fixtureDocuments,
  foreignCurrency,
  intraCommunity,
  outsideScope,
  prepaid,
  reverseCharge,
  twoRates,
} from './fixtures.js'
import { documentFileName, paymentTermsText, renderCii, renderFacturX, renderUbl } from './index.js'
import { peppolCustomizationId, peppolProfileId } from './ubl-model.js'

// Every fixture document as UBL, CII and the CII inside its Factur-X PDF, validated in one
// call of the official EN 16931 and Peppol BIS 3.0 rules; then what a buyer's system reads.

const tool = einvoiceValidator()
const rendered: Record<string, { ubl: string; cii: string; facturXml: string }> = {}
const folder = mkdtempSync(join(tmpdir(), 'o2c-einvoice-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

beforeAll(async () => {
  for (const [name, doc] of Object.entries(fixtureDocuments)) {
    const facturX = await renderFacturX(doc, await samplePdf(doc.number))
    const embedded = (await pdfParts(facturX)).files.find((f) => f.name === 'factur-x.xml')
    rendered[name] = {
      ubl: await renderUbl(doc),
      cii: await renderCii(doc),
      facturXml: new TextDecoder().decode(embedded?.bytes),
    }
  }
})

describe.skipIf(!tool)('the official rules (validate-einvoice)', () => {
  let results: Map<string, ValidationResult>
  beforeAll(async () => {
    const files: string[] = []
    for (const [name, documents] of Object.entries(rendered)) {
      for (const [kind, xml] of Object.entries(documents)) {
        const file = join(folder, `${name}.${kind}.xml`)
        writeFileSync(file, xml)
        files.push(file)
      }
    }
    results = new Map(
      (await validateEinvoices(tool as string, files)).map((result) => [result.file, result]),
    )
  }, 300_000)

  const cases = Object.keys(fixtureDocuments).flatMap((name) =>
    (['ubl', 'cii', 'facturXml'] as const).map((kind) => ({ name, kind })),
  )
  test.each(cases)('$name as $kind has no fatal error', ({ name, kind }) => {
    const result = results.get(join(folder, `${name}.${kind}.xml`))
    expect(result, 'validated').toBeDefined()
    for (const warning of result?.warnings ?? []) {
      console.warn(`${name}.${kind}: warning ${warning.id} at ${warning.location}: ${warning.text}`)
    }
    expect(result?.syntax).toBe(
      kind !== 'ubl'
        ? 'cii'
        : fixtureDocuments[name].type === 'invoice'
          ? 'ubl-invoice'
          : 'ubl-creditnote',
    )
    expect(result?.fatal.map((f) => `${f.id} at ${f.location}: ${f.text}`)).toEqual([])
  })
})

if (!tool) {
  test('e-invoice validation', () => {
    console.warn(
      'validate-einvoice not found: set O2C_EINVOICE_VALIDATOR or put ../shared/tools/validate-einvoice ' +
        'beside the repository; the e-invoices of this file were NOT checked against the official rules',
    )
  })
}

const euro = (doc: InvoiceDocument, minor: bigint) => formatAmount(minor, doc.currency)

describe('UBL (Peppol BIS Billing 3.0)', () => {
  const ubl = (name: string) => rendered[name].ubl
  const at = (name: string, path: string) => xmlTexts(ubl(name), path)

  test('an invoice carries the Peppol ids, its number, dates, references and totals', () => {
    const doc = twoRates
    const name = 'two-rates-line-discounts'
    expect(at(name, 'Invoice/cbc:CustomizationID')).toEqual([peppolCustomizationId])
    expect(at(name, 'Invoice/cbc:ProfileID')).toEqual([peppolProfileId])
    expect(at(name, 'Invoice/cbc:ID')).toEqual(['INV-2026-00001'])
    expect(at(name, 'Invoice/cbc:InvoiceTypeCode')).toEqual(['380'])
    expect(at(name, 'Invoice/cbc:IssueDate')).toEqual(['2026-03-02'])
    expect(at(name, 'Invoice/cbc:DueDate')).toEqual(['2026-04-01'])
    expect(at(name, 'Invoice/cbc:BuyerReference')).toEqual(['PO-4711'])
    expect(at(name, 'Invoice/cac:OrderReference/cbc:ID')).toEqual(['ORD-2026-00017'])
    const totals = 'Invoice/cac:LegalMonetaryTotal'
    expect(at(name, `${totals}/cbc:LineExtensionAmount`)).toEqual([
      euro(doc, doc.totals.lineNetMinor),
    ])
    expect(at(name, `${totals}/cbc:TaxInclusiveAmount`)).toEqual([
      euro(doc, doc.totals.taxInclusiveMinor),
    ])
    expect(at(name, `${totals}/cbc:PayableAmount`)).toEqual([euro(doc, doc.totals.payableMinor)])
    expect(at(name, `${totals}/cbc:PayableAmount/@currencyID`)).toEqual(['EUR'])
  })

  test('both rates of S are in the VAT breakdown with their own taxable amount and VAT', () => {
    const subtotals = 'Invoice/cac:TaxTotal/cac:TaxSubtotal'
    const name = 'two-rates-line-discounts'
    expect(at(name, `${subtotals}/cac:TaxCategory/cbc:Percent`)).toEqual(['9', '21'])
    expect(at(name, `${subtotals}/cbc:TaxAmount`)).toEqual(
      twoRates.vatBreakdown.map((row) => euro(twoRates, row.vatMinor)),
    )
    expect(at(name, 'Invoice/cac:TaxTotal/cbc:TaxAmount')).toEqual([
      euro(twoRates, twoRates.totals.vatMinor),
    ])
  })

  test('a line discount is a line allowance, and the line net is as issued', () => {
    const name = 'two-rates-line-discounts'
    const knife = twoRates.lines[1]
    expect(at(name, 'Invoice/cac:InvoiceLine/cac:AllowanceCharge/cbc:Amount')).toEqual([
      euro(twoRates, knife.discountMinor),
      euro(twoRates, twoRates.lines[2].discountMinor),
    ])
    expect(
      at(name, 'Invoice/cac:InvoiceLine/cac:AllowanceCharge/cbc:AllowanceChargeReason'),
    ).toEqual(['Korting 10%', 'Korting 7.5%'])
    expect(at(name, 'Invoice/cac:InvoiceLine/cbc:LineExtensionAmount')).toEqual(
      twoRates.lines.map((line) => euro(twoRates, line.netMinor)),
    )
    expect(at(name, 'Invoice/cac:InvoiceLine/cbc:InvoicedQuantity')).toEqual(['12', '3', '2.5'])
  })

  test('the buyer pays by SEPA transfer to the IBAN with the payment reference', () => {
    const means = 'Invoice/cac:PaymentMeans'
    const name = 'two-rates-line-discounts'
    expect(at(name, `${means}/cbc:PaymentMeansCode`)).toEqual(['58'])
    expect(at(name, `${means}/cbc:PaymentID`)).toEqual(['1234567890123452'])
    expect(at(name, `${means}/cac:PayeeFinancialAccount/cbc:ID`)).toEqual(['NL91ABNA0417164300'])
    expect(
      at(name, 'Invoice/cac:AccountingSupplierParty/cac:Party/cbc:EndpointID/@schemeID'),
    ).toEqual(['0106'])
  })

  test('payment terms say the early-payment discount and the instalments in words', () => {
    const [note] = at('early-payment-discount-instalments', 'Invoice/cac:PaymentTerms/cbc:Note')
    const doc = discountAndInstalments
    const [first, second] = doc.terms.instalments
    expect(note).toBe(
      'Payment within 30 days, by 2026-04-01. ' +
        `2% early-payment discount (${euro(doc, doc.terms.discount.amountMinor)} EUR) when paid within 10 days, by 2026-03-12. ` +
        `Instalments: ${euro(doc, first.amountMinor)} EUR by 2026-04-01; ${euro(doc, second.amountMinor)} EUR by 2026-05-01. ` +
        'Payment reference 1234567890123452.',
    )
    expect(first.amountMinor + second.amountMinor).toBe(doc.totals.payableMinor)
  })

  test('Dutch documents get Dutch payment terms', () => {
    expect(paymentTermsText(twoRates)).toBe(
      'Betaling binnen 30 dagen, uiterlijk 2026-04-01. Betalingskenmerk 1234567890123452.',
    )
  })

  test('document allowances and charges carry their VAT category and the totals', () => {
    const doc = allowancesAndCharges
    const name = 'allowances-and-charges'
    expect(at(name, 'Invoice/cac:AllowanceCharge/cbc:ChargeIndicator')).toEqual([
      'false',
      'true',
      'false',
    ])
    expect(at(name, 'Invoice/cac:AllowanceCharge/cac:TaxCategory/cbc:Percent')).toEqual([
      '9',
      '21',
      '21',
    ])
    expect(at(name, 'Invoice/cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount')).toEqual(['25.50'])
    expect(at(name, 'Invoice/cac:LegalMonetaryTotal/cbc:ChargeTotalAmount')).toEqual(['35.00'])
    expect(at(name, 'Invoice/cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount')).toEqual([
      euro(doc, doc.totals.taxExclusiveMinor),
    ])
  })

  test('a credit note is a CreditNote (381) that refers to the invoice it corrects', () => {
    const xml = ubl('credit-note')
    expect(xmlTexts(xml, 'CreditNote/cbc:CreditNoteTypeCode')).toEqual(['381'])
    expect(
      xmlTexts(xml, 'CreditNote/cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID'),
    ).toEqual(['INV-2026-00001'])
    expect(
      xmlTexts(xml, 'CreditNote/cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate'),
    ).toEqual(['2026-03-02'])
    expect(xmlTexts(xml, 'CreditNote/cac:CreditNoteLine/cbc:CreditedQuantity')).toEqual(['2'])
    expect(xmlTexts(xml, 'CreditNote/cac:LegalMonetaryTotal/cbc:PayableAmount')).toEqual([
      euro(creditNote, creditNote.totals.payableMinor),
    ])
    expect(xmlTexts(xml, 'CreditNote/cac:PaymentTerms/cbc:Note')).toEqual([
      'Wordt verrekend met factuur INV-2026-00001.',
    ])
  })

  test('an invoice in USD also states its VAT total in EUR, in a TaxTotal of its own', () => {
    const doc = foreignCurrency
    const name = 'usd-with-eur-vat'
    expect(at(name, 'Invoice/cbc:DocumentCurrencyCode')).toEqual(['USD'])
    expect(at(name, 'Invoice/cbc:TaxCurrencyCode')).toEqual(['EUR'])
    expect(at(name, 'Invoice/cac:TaxTotal/cbc:TaxAmount')).toEqual([
      euro(doc, doc.totals.vatMinor),
      formatAmount(doc.accountingCurrency.vatMinor, 'EUR'),
    ])
    expect(at(name, 'Invoice/cac:TaxTotal/cbc:TaxAmount/@currencyID')).toEqual(['USD', 'EUR'])
    expect(at(name, 'Invoice/cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount/@currencyID')).toEqual([
      'USD',
    ])
  })

  test('a prepayment lowers the amount due', () => {
    const totals = 'Invoice/cac:LegalMonetaryTotal'
    expect(at('prepaid', `${totals}/cbc:PrepaidAmount`)).toEqual(['500.00'])
    expect(at('prepaid', `${totals}/cbc:PayableAmount`)).toEqual([
      euro(prepaid, prepaid.totals.taxInclusiveMinor - 50_000n),
    ])
  })

  test.each`
    name                   | doc                        | category | code              | buyerVatId
    ${'reverse-charge'}    | ${reverseCharge}           | ${'AE'}  | ${'VATEX-EU-AE'}  | ${['BE0477472701']}
    ${'intra-community'}   | ${intraCommunity}          | ${'K'}   | ${'VATEX-EU-IC'}  | ${['DE123456789']}
    ${'export-outside-eu'} | ${exportOutsideEu}         | ${'G'}   | ${'VATEX-EU-G'}   | ${[]}
    ${'exempt'}            | ${fixtureDocuments.exempt} | ${'E'}   | ${'VATEX-EU-132'} | ${['NL810234567B01']}
    ${'outside-scope'}     | ${outsideScope}            | ${'O'}   | ${'VATEX-EU-O'}   | ${[]}
  `(
    'category $category names its exemption and the VAT ids it needs',
    ({ name, category, code, buyerVatId }) => {
      const subtotal = 'Invoice/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory'
      expect(at(name, `${subtotal}/cbc:ID`)).toEqual([category])
      expect(at(name, `${subtotal}/cbc:TaxExemptionReasonCode`)).toEqual([code])
      expect(at(name, 'Invoice/cac:TaxTotal/cbc:TaxAmount')).toEqual(['0.00'])
      const party = (side: string) =>
        at(name, `Invoice/${side}/cac:Party/cac:PartyTaxScheme/cbc:CompanyID`)
      expect(party('cac:AccountingCustomerParty')).toEqual(buyerVatId)
      expect(party('cac:AccountingSupplierParty')).toEqual(
        category === 'O' ? [] : ['NL859123456B01'],
      )
    },
  )

  test('an intra-community supply names the delivery date and the country it went to', () => {
    expect(at('intra-community', 'Invoice/cac:Delivery/cbc:ActualDeliveryDate')).toEqual([
      '2026-02-28',
    ])
    expect(
      at(
        'intra-community',
        'Invoice/cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode',
      ),
    ).toEqual(['DE'])
  })
})

describe('CII (EN 16931)', () => {
  const root = 'rsm:CrossIndustryInvoice'
  const settlement = `${root}/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement`

  test('an invoice states its number, type, amount due, IBAN and payment reference', () => {
    const doc = twoRates
    const xml = rendered['two-rates-line-discounts'].cii
    expect(xmlTexts(xml, `${root}/rsm:ExchangedDocument/ram:ID`)).toEqual(['INV-2026-00001'])
    expect(xmlTexts(xml, `${root}/rsm:ExchangedDocument/ram:TypeCode`)).toEqual(['380'])
    expect(xmlTexts(xml, `${settlement}/ram:PaymentReference`)).toEqual(['1234567890123452'])
    expect(
      xmlTexts(
        xml,
        `${settlement}/ram:SpecifiedTradeSettlementPaymentMeans/ram:PayeePartyCreditorFinancialAccount/ram:IBANID`,
      ),
    ).toEqual(['NL91ABNA0417164300'])
    const summation = `${settlement}/ram:SpecifiedTradeSettlementHeaderMonetarySummation`
    expect(xmlTexts(xml, `${summation}/ram:DuePayableAmount`)).toEqual([
      euro(doc, doc.totals.payableMinor),
    ])
    expect(xmlTexts(xml, `${summation}/ram:TaxTotalAmount`)).toEqual([
      euro(doc, doc.totals.vatMinor),
    ])
  })

  test('a credit note is type 381 and refers to the invoice', () => {
    const xml = rendered['credit-note'].cii
    expect(xmlTexts(xml, `${root}/rsm:ExchangedDocument/ram:TypeCode`)).toEqual(['381'])
    expect(
      xmlTexts(xml, `${settlement}/ram:InvoiceReferencedDocument/ram:IssuerAssignedID`),
    ).toEqual(['INV-2026-00001'])
  })

  test('the VAT total in the accounting currency follows the one in the invoice currency', () => {
    const xml = rendered['usd-with-eur-vat'].cii
    const summation = `${settlement}/ram:SpecifiedTradeSettlementHeaderMonetarySummation`
    expect(xmlTexts(xml, `${summation}/ram:TaxTotalAmount/@currencyID`)).toEqual(['USD', 'EUR'])
  })

  test('the CII inside the Factur-X PDF is exactly the CII rendered alone', () => {
    for (const [name, documents] of Object.entries(rendered)) {
      expect(documents.facturXml, name).toBe(documents.cii)
    }
  })
})

describe('Factur-X (PDF/A-3, profile EN 16931)', () => {
  test('the PDF carries factur-x.xml as an alternative, the Factur-X XMP and PDF/A-3 ids', async () => {
    const pdf = await samplePdf('INV-2026-00001')
    const hybrid = await renderFacturX(twoRates, pdf)
    const parts = await pdfParts(hybrid)
    expect(parts.pageCount).toBe(1)
    expect(parts.files.map((f) => [f.name, f.relationship])).toEqual([
      ['factur-x.xml', 'Alternative'],
    ])
    expect(parts.associatedFiles).toBe(1)
    expect(new TextDecoder().decode(parts.files[0].bytes)).toBe(await renderCii(twoRates))
    expect(parts.metadata).toMatch(/<fx:ConformanceLevel>EN 16931<\/fx:ConformanceLevel>/)
    expect(parts.metadata).toMatch(/<fx:DocumentFileName>factur-x\.xml<\/fx:DocumentFileName>/)
    expect(parts.metadata).toMatch(/<pdfaid:part>3<\/pdfaid:part>/)
    expect(parts.outputIntents).toBe(1)
  })
})

describe('documents the rules would reject are refused with the rule', () => {
  const refusal = async (render: () => Promise<unknown>) => {
    const error = await render().catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(DomainError)
    return error as DomainError
  }

  test('Peppol UBL without buyer reference or order reference', async () => {
    const doc = { ...twoRates, buyerReference: undefined, orderReference: undefined }
    const error = await refusal(() => renderUbl(doc))
    expect(error.code).toBe('einvoice.buyer_reference_missing')
    expect(error.details.field).toBe('buyer_reference')
    // CII (EN 16931 alone) has no such rule.
    await expect(renderCii(doc)).resolves.toContain('INV-2026-00001')
  })

  test('Peppol UBL without the buyer electronic address', async () => {
    const doc = { ...twoRates, buyer: { ...twoRates.buyer, electronicAddress: undefined } }
    const error = await refusal(() => renderUbl(doc))
    expect(error.code).toBe('einvoice.electronic_address_missing')
    expect(error.details.field).toBe('buyer.electronic_address')
  })

  test('reverse charge without the buyer VAT id', async () => {
    const doc = { ...reverseCharge, buyer: { ...reverseCharge.buyer, vatId: undefined } }
    const error = await refusal(() => renderCii(doc))
    expect(error.code).toBe('einvoice.vat_id_missing')
    expect(error.message).toContain('BR-AE-02')
  })

  test('an intra-community supply without delivery date or invoicing period', async () => {
    const doc = { ...intraCommunity, delivery: { country: 'DE' } }
    const error = await refusal(() => renderUbl(doc))
    expect(error.code).toBe('einvoice.delivery_missing')
  })

  test('"outside the scope of VAT" mixed with another category', async () => {
    const doc = {
      ...outsideScope,
      vatBreakdown: [...outsideScope.vatBreakdown, ...twoRates.vatBreakdown],
    }
    const error = await refusal(() => renderUbl(doc))
    expect(error.code).toBe('einvoice.vat_categories_incompatible')
  })
})

test('file names follow the document number', () => {
  expect(documentFileName(twoRates, 'pdf')).toBe('INV-2026-00001.pdf')
  expect(documentFileName(twoRates, 'ubl')).toBe('INV-2026-00001.ubl.xml')
  expect(documentFileName(creditNote, 'cii')).toBe('CN-2026-00001.cii.xml')
  expect(documentFileName({ number: '2026/0042' }, 'ubl')).toBe('2026_0042.ubl.xml')
})
