import { PDFDocument } from 'pdf-lib'
import { describe, expect, test } from 'vitest'
import { renderInvoicePdf } from '../../src/modules/documents/index.js'
import { fixtureDocuments } from '../../src/modules/einvoice/fixtures.js'
import { renderFacturX } from '../../src/modules/einvoice/index.js'
import { look } from '../invoice-documents.js'
import { pdfText } from '../pdf-text.js'

// The same documents both ways: every e-invoice fixture (each VAT category, discounts and
// instalments, allowances and charges, a credit note, USD, prepaid — the ones the official
// validators pass) is also rendered as the PDF for people, and that PDF is what Factur-X
// embeds the CII into. The fixtures belong to the einvoice module; we only read them.

const labels = {
  nl: { due: 'Te betalen', credited: 'Te crediteren', thousands: '.', decimal: ',' },
  en: { due: 'Amount due', credited: 'Amount credited', thousands: ',', decimal: '.' },
}

describe.each(Object.entries(fixtureDocuments))('the e-invoice fixture %s', (_, doc) => {
  test('prints as a PDF with its number, amount due and VAT categories, and makes a Factur-X', async () => {
    const pdf = await renderInvoicePdf(doc, look)
    const text = pdfText(pdf).replace(/ ?\n/g, ' ')
    const words = labels[doc.language]
    // Worked out here from the minor units (every fixture currency has two decimals).
    const minor = doc.totals.payableMinor
    const whole = (minor / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, words.thousands)
    const amount = `${whole}${words.decimal}${(minor % 100n).toString().padStart(2, '0')}`
    expect(text).toContain(doc.number)
    const label = doc.type === 'credit_note' ? words.credited : words.due
    expect(text).toContain(`${label} ${doc.currency} ${amount}`)
    if (doc.vatBreakdown.some((row) => row.category === 'AE')) {
      expect(text).toContain(doc.language === 'nl' ? 'Btw verlegd' : 'Reverse charge')
    }
    const facturX = await renderFacturX(doc, pdf)
    const hybrid = await PDFDocument.load(facturX)
    expect(hybrid.getPageCount()).toBe((await PDFDocument.load(pdf)).getPageCount())
  })
})
