import { PDFDocument } from 'pdf-lib'
import QRCode from 'qrcode'
import { describe, expect, test } from 'vitest'
import {
  catalogueLine,
  germanBuyer,
  invoiceDocument,
  logoPng,
  look,
} from '../../../test/invoice-documents.js'
import { pdfImages, pdfPages, pdfText } from '../../../test/pdf-text.js'
import { isValidDutchPaymentReference, isValidRfReference } from '../../core/payment-reference.js'
import { epcPayload, renderInvoicePdf } from './index.js'

// What a customer reads on the PDF, checked on the text the PDF really draws (test/pdf-text.ts).
// Every expected amount below was worked out by hand from the fixture, not by the code under
// test: 10 × 99.95 = 999.50; 2.5 h × 120.00 − 10% = 270.00; 3 × 12.50 = 37.50 (9%); freight
// 25.00. VAT 21% on 1,294.50 = 271.845 → 271.85; 9% on 37.50 = 3.375 → 3.38.

const rate = (text: string) => ({
  units: BigInt(text.replace('.', '')),
  scale: text.split('.')[1]?.length ?? 0,
})

const dutchInvoice = invoiceDocument({
  lines: [
    { code: 'HAM-01', name: 'Klauwhamer 500 g', quantity: '10', price: '99.95' },
    {
      code: 'MONT',
      name: 'Montage op locatie',
      description: 'Montage van de stellingen',
      quantity: '2.5',
      unit: 'HUR',
      price: '120.00',
      discountPercent: '10',
    },
    { code: 'BOEK', name: 'Handleiding', quantity: '3', price: '12.50', rate: '9' },
  ],
  allowancesCharges: [
    {
      isCharge: true,
      reason: 'Vracht',
      reasonCode: 'FC',
      amountMinor: 2500n,
      vatCategory: 'S',
      vatRate: rate('21'),
    },
  ],
  terms: {
    netDays: 30,
    discount: { percent: rate('2'), days: 10, dueDate: '2026-12-05', amountMinor: 3214n },
  },
  extra: {
    buyerReference: 'KP-4711',
    orderReference: 'SO-2026-0042',
    paymentLink: 'https://pay.example.com/i/abc123',
    note: 'Dank voor uw bestelling.',
  },
})

const withLogo = { ...look, logo: { data: logoPng(), mediaType: 'image/png' as const } }

/** The text with line wraps undone, so a sentence that wrapped still reads as one. */
const flat = (pdf: Uint8Array) => pdfText(pdf).replace(/ ?\n/g, ' ')

describe('a Dutch invoice', async () => {
  const pdf = await renderInvoicePdf(dutchInvoice, withLogo)
  const text = flat(pdf)

  test('has its title, number, dates and references', () => {
    expect(text).toContain('Factuur INV-2026-00042')
    expect(text).toContain('Datum 25 november 2026')
    expect(text).toContain('Vervaldatum 25 december 2026')
    expect(text).toContain('Uw referentie KP-4711')
    expect(text).toContain('Uw bestelling SO-2026-0042')
  })

  test('names seller and buyer with their VAT and KvK numbers and the customer number', () => {
    expect(text).toContain('Voorbeeld BV Keizersgracht 1 1015 CJ  Amsterdam Nederland')
    expect(text).toContain('Btw-nummer NL123456789B01')
    expect(text).toContain('KvK-nummer 12345678')
    expect(text).toContain('Bakkerij De Korenschoof')
    expect(text).toContain('Klantnummer C-1001')
    expect(text).toContain('Btw-nummer NL987654321B01')
  })

  test('shows the lines with quantity and unit, price, discount, VAT and net amount', () => {
    expect(text).toContain('1 HAM-01 Klauwhamer 500 g 10 st. 99,95 21% 999,50')
    expect(text).toContain(
      '2 MONT Montage op locatie Montage van de stellingen 2,5 uur 120,00 10% 21% 270,00',
    )
    expect(text).toContain('3 BOEK Handleiding 3 st. 12,50 9% 37,50')
    expect(text).toContain('Toeslag Vracht 21% 25,00')
  })

  test('sums VAT per rate and the totals in Dutch notation', () => {
    expect(text).toContain('Btw 9% 37,50 3,38')
    expect(text).toContain('Btw 21% 1.294,50 271,85')
    expect(text).toContain('Totaal excl. btw EUR 1.332,00')
    expect(text).toContain('Btw EUR 275,23')
    expect(text).toContain('Totaal incl. btw EUR 1.607,23')
    expect(text).toContain('Te betalen EUR 1.607,23')
  })

  test('states the terms, the early-payment discount, the reference and the bank', () => {
    expect(text).toContain('Betaling binnen 30 dagen na factuurdatum, uiterlijk 25 december 2026.')
    expect(text).toContain(
      '2% korting bij betaling binnen 10 dagen (vóór 5 december 2026): EUR 32,14',
    )
    expect(isValidDutchPaymentReference(dutchInvoice.paymentReference)).toBe(true)
    expect(text).toContain('Betalingskenmerk 2000 0000 0000 0042')
    expect(text).toContain('IBAN: NL91 ABNA 0417 1643 00')
    expect(text).toContain('BIC: ABNANL2A')
    expect(text).toContain('Dank voor uw bestelling.')
    expect(text).toContain('Pagina 1 van 1')
  })

  test('links to the pay page', () => {
    expect(text).toContain('https://pay.example.com/i/abc123')
    const raw = Buffer.from(pdf).toString('latin1')
    expect(raw).toMatch(/\/URI \(https:\/\/pay\.example\.com\/i\/abc123\)/)
  })

  test('carries the logo and the EPC QR code of exactly the amount due and the reference', () => {
    const payload = epcPayload({
      name: 'Voorbeeld BV',
      iban: 'NL91ABNA0417164300',
      bic: 'ABNANL2A',
      amountMinor: 160_723n,
      currency: 'EUR',
      reference: '2000000000000042',
    })
    expect(payload).toBe(
      'BCD\n002\n1\nSCT\nABNANL2A\nVoorbeeld BV\nNL91ABNA0417164300\nEUR1607.23\n\n2000000000000042',
    )
    const images = pdfImages(pdf)
    expect(images.map((i) => [i.width, i.height])).toContainEqual([120, 40])
    const qr = images.find((i) => i.colourSpace === 'DeviceGray')!
    expect(qrModules(qr)).toEqual(expectedModules(payload!))
    expect(text).toContain('Scan om te betalen')
  })

  test('opens in pdf-lib with title, author and language set', async () => {
    const loaded = await PDFDocument.load(pdf)
    expect(loaded.getPageCount()).toBe(1)
    expect(loaded.getTitle()).toBe('Factuur INV-2026-00042')
    expect(loaded.getAuthor()).toBe('Voorbeeld BV')
    expect(loaded.getCreator()).toBe('o2c')
    expect(Buffer.from(pdf).toString('latin1')).toContain('/Lang (nl)')
  })
})

describe('names in Czech, Polish, Danish and Turkish', async () => {
  const doc = invoiceDocument({
    buyer: {
      name: 'Dvořák Łódź Øster Ağaç s.r.o.',
      customerNumber: 'C-3003',
      address: {
        lines: ['ul. Świętokrzyska 12'],
        postalCode: '00-916',
        city: 'Kraków',
        country: 'PL',
      },
      contact: { name: 'Şükrü Yılmaz' },
    },
    lines: [{ code: 'ŽLUŤ-1', name: 'Příčný nosník, ǆ ő ű ș ț', quantity: '1', price: '10.00' }],
  })
  const pdf = await renderInvoicePdf(doc, look)

  test('prints the buyer’s name exactly, on a line of its own', () => {
    expect(pdfPages(pdf)[0]).toContain('Dvořák Łódź Øster Ağaç s.r.o.')
  })

  test('prints the address, the contact and the line with every accent', () => {
    const text = flat(pdf)
    expect(text).toContain('t.a.v. Şükrü Yılmaz ul. Świętokrzyska 12 00-916  Kraków Polen')
    expect(text).toContain('ŽLUŤ-1 Příčný nosník, ǆ ő ű ș ț')
  })

  test('embeds its fonts: DejaVu Sans subsets, no standard font', () => {
    const raw = Buffer.from(pdf).toString('latin1')
    const fonts = [...raw.matchAll(/\/BaseFont \/(\S+)/g)].map((m) => m[1])
    expect(new Set(fonts.map((font) => font.replace(/^[A-Z]{6}\+/, '')))).toEqual(
      new Set(['DejaVuSans', 'DejaVuSans-Bold']),
    )
    expect(raw.match(/\/FontFile2 /g)?.length).toBe(2)
    expect(raw).not.toContain('Helvetica')
  })
})

describe('an English invoice to Germany: intra-EU supply, an allowance, instalments, RF', async () => {
  const doc = invoiceDocument({
    language: 'en',
    buyer: germanBuyer,
    lines: [
      { code: 'PUMP-7', name: 'Pump unit', quantity: '4', price: '1250.00', category: 'K' },
      {
        code: 'SVC',
        name: 'Commissioning',
        quantity: '8',
        unit: 'HUR',
        price: '95.00',
        category: 'K',
      },
    ],
    allowancesCharges: [
      {
        isCharge: false,
        reason: 'Volume discount',
        reasonCode: '95',
        amountMinor: 20_000n,
        vatCategory: 'K',
        vatRate: rate('0'),
      },
    ],
    terms: {
      netDays: 60,
      instalments: [
        { dueDate: '2026-12-25', amountMinor: 250_000n },
        { dueDate: '2027-01-25', amountMinor: 256_000n },
      ],
    },
    paymentReference: 'RF8820260042',
    extra: { delivery: { date: '2026-11-20', country: 'DE' } },
  })
  const pdf = await renderInvoicePdf(doc, look)
  const text = flat(pdf)

  test('is in English with English notation', () => {
    expect(text).toContain('Invoice INV-2026-00042')
    expect(text).toContain('Date 25 November 2026')
    expect(text).toContain('Due date 25 December 2026')
    expect(text).toContain('Delivery date 20 November 2026')
    expect(text).toContain('1 PUMP-7 Pump unit 4 pcs 1,250.00 intra-EU 0% 5,000.00')
    expect(text).toContain('2 SVC Commissioning 8 h 95.00 intra-EU 0% 760.00')
    expect(text).toContain('Allowance Volume discount intra-EU 0% -200.00')
    expect(text).toContain('Germany')
  })

  test('prints the intra-community supply with its reason and zero VAT', () => {
    expect(text).toContain('Intra-community supply (0%) 5,560.00 0.00')
    expect(text).toContain('Lines total EUR 5,760.00')
    expect(text).toContain('Allowances EUR -200.00')
    expect(text).toContain('Amount due EUR 5,560.00')
  })

  test('lists the instalments with dates and amounts and the RF reference in groups', () => {
    expect(text).toContain('Payment in instalments:')
    expect(text).toContain('Instalment 1 (25 December 2026): EUR 2,500.00')
    expect(text).toContain('Instalment 2 (25 January 2027): EUR 2,560.00')
    expect(isValidRfReference(doc.paymentReference)).toBe(true)
    expect(text).toContain('Payment reference RF88 2026 0042')
    expect(text).toContain('Page 1 of 1')
  })

  test('has no logo image, only the QR code', () => {
    expect(pdfImages(pdf).map((i) => i.colourSpace)).toEqual(['DeviceGray'])
  })
})

describe('a reverse-charge invoice', async () => {
  const doc = invoiceDocument({
    lines: [{ code: 'SLOOP', name: 'Sloopwerk', quantity: '1', price: '8000.00', category: 'AE' }],
  })
  const text = flat(await renderInvoicePdf(doc, look))

  test('says "Btw verlegd" and shows the buyer’s VAT number', () => {
    expect(text).toContain('1 SLOOP Sloopwerk 1 st. 8.000,00 verlegd 8.000,00')
    expect(text).toContain('Btw verlegd (0%) 8.000,00 0,00')
    expect(text).toContain('Btw-nummer NL987654321B01')
    expect(text).toContain('Te betalen EUR 8.000,00')
  })
})

describe('a credit note', async () => {
  const doc = invoiceDocument({
    type: 'credit_note',
    number: 'CN-2026-00003',
    lines: [{ code: 'HAM-01', name: 'Klauwhamer 500 g (retour)', quantity: '2', price: '99.95' }],
    extra: { precedingInvoice: { number: 'INV-2026-00042', issueDate: '2026-11-25' } },
  })
  const pdf = await renderInvoicePdf(doc, look)
  const text = flat(pdf)

  test('is titled a credit note and names the invoice it corrects', async () => {
    expect(text).toContain('Creditnota CN-2026-00003')
    expect(text).toContain('Correctie op factuur INV-2026-00042 (25 november 2026)')
    expect(text).toContain('Te crediteren EUR 241,88')
    expect(text).not.toContain('Vervaldatum')
    expect((await PDFDocument.load(pdf)).getTitle()).toBe('Creditnota CN-2026-00003')
  })

  test('asks for no payment: no QR code', () => {
    expect(pdfImages(pdf)).toEqual([])
    expect(text).not.toContain('Scan om te betalen')
  })
})

describe('an invoice in US dollars', async () => {
  const doc = invoiceDocument({
    language: 'en',
    currency: 'USD',
    lines: [{ code: 'LIC', name: 'Licence', quantity: '1', price: '1234.56' }],
    extra: {
      accountingCurrency: { currency: 'EUR', rate: rate('0.9234'), vatMinor: 23_940n },
    },
  })
  const pdf = await renderInvoicePdf(doc, look)
  const text = flat(pdf)

  test('shows amounts in dollars and the VAT in euros', () => {
    expect(text).toContain('Amounts in USD')
    expect(text).toContain('Total incl. VAT USD 1,493.82')
    expect(text).toContain('VAT in EUR (rate 1 USD = 0.9234 EUR): EUR 239.40')
  })

  test('has no EPC QR code (it carries euro only)', () => {
    expect(pdfImages(pdf)).toEqual([])
  })
})

test('a fully prepaid invoice has no QR code', async () => {
  const doc = invoiceDocument({
    lines: [{ code: 'A', name: 'Abonnement', quantity: '1', price: '100.00' }],
    prepaidMinor: 12_100n,
  })
  const pdf = await renderInvoicePdf(doc, look)
  expect(flat(pdf)).toContain('Reeds betaald EUR -121,00')
  expect(flat(pdf)).toContain('Te betalen EUR 0,00')
  expect(pdfImages(pdf)).toEqual([])
})

describe('an invoice of 500 lines', async () => {
  const doc = invoiceDocument({
    lines: Array.from({ length: 500 }, (_, i) => catalogueLine(i + 1)),
  })
  const pdf = await renderInvoicePdf(doc, withLogo)
  const pages = pdfPages(pdf)

  test('runs over several pages, each numbered "page n of m"', async () => {
    const count = (await PDFDocument.load(pdf)).getPageCount()
    expect(count).toBeGreaterThan(10)
    expect(pages).toHaveLength(count)
    pages.forEach((lines, index) => {
      expect(lines).toContain(`Pagina ${index + 1} van ${count}`)
    })
  })

  test('repeats the table header on every page with lines, and prints every line once, in order', () => {
    const printed: string[] = []
    for (const lines of pages) {
      const items = lines.filter((line) => /^Artikel \d+$/.test(line))
      if (items.length > 0) expect(lines).toContain('Omschrijving')
      printed.push(...items)
    }
    expect(printed).toEqual(Array.from({ length: 500 }, (_, i) => `Artikel ${i + 1}`))
    // A line number or item code that wrapped would print as two pieces.
    const cells = pages.flat()
    expect(cells).toContain('500')
    expect(cells).toContain('ART-00500')
  })

  test('ends with the totals and the payment details', () => {
    const last = pages.at(-1)!.join(' ')
    const due = doc.totals.payableMinor
    expect(due).toBeGreaterThan(0n)
    expect(flat(pdf)).toContain('Te betalen EUR')
    expect(last).toContain('NL91 ABNA 0417 1643 00')
  })
})

// ---------------------------------------------------------------------------------------------

/** The QR image's dark modules, read from the PDF (8-bit gray rows, each after a filter byte). */
function qrModules(image: { width: number; height: number; data: Buffer }): boolean[][] {
  const rows: boolean[][] = []
  for (let y = 0; y < image.height; y++) {
    const offset = y * (image.width + 1)
    expect(image.data[offset]).toBe(0)
    rows.push(Array.from(image.data.subarray(offset + 1, offset + 1 + image.width), (v) => v === 0))
  }
  return rows
}

/** The QR code of the payload at level M, with its 4-module quiet zone. */
function expectedModules(payload: string): boolean[][] {
  const { size, data } = QRCode.create(payload, { errorCorrectionLevel: 'M' }).modules
  const side = size + 8
  return Array.from({ length: side }, (_, y) =>
    Array.from({ length: side }, (_, x) => {
      const [row, column] = [y - 4, x - 4]
      return (
        row >= 0 && row < size && column >= 0 && column < size && data[row * size + column] === 1
      )
    }),
  )
}
