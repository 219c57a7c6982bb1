import { PDFDocument } from 'pdf-lib'
import { describe, expect, test } from 'vitest'
import { dutchBuyer, logoPng, look, seller } from '../../../test/invoice-documents.js'
import { pdfPages, pdfText } from '../../../test/pdf-text.js'
import { type CustomerStatement, renderStatementPdf } from './index.js'

const statement: CustomerStatement = {
  seller,
  customer: {
    name: dutchBuyer.name,
    number: dutchBuyer.customerNumber,
    address: dutchBuyer.address,
  },
  asOf: '2026-11-25',
  currency: 'EUR',
  openItems: [
    {
      number: 'INV-2026-00017',
      issueDate: '2026-09-01',
      dueDate: '2026-10-01',
      totalMinor: 150_000n,
      openMinor: 50_000n,
      daysOverdue: 55,
    },
    {
      number: 'INV-2026-00042',
      issueDate: '2026-11-25',
      dueDate: '2026-12-25',
      totalMinor: 160_723n,
      openMinor: 160_723n,
      daysOverdue: -30,
    },
  ],
  recentPayments: [{ date: '2026-11-02', reference: '2000 0000 0000 0017', amountMinor: 100_000n }],
  charges: [],
  chargesMinor: 0n,
  totalOpenMinor: 210_723n,
  overdueMinor: 50_000n,
}

const flat = (pdf: Uint8Array) => pdfText(pdf).replace(/ ?\n/g, ' ')

describe('a statement of account in Dutch', async () => {
  const pdf = await renderStatementPdf(
    statement,
    { ...look, logo: { data: logoPng(), mediaType: 'image/png' } },
    'nl',
  )
  const text = flat(pdf)

  test('names the customer and the date', () => {
    expect(text).toContain('Rekeningoverzicht')
    expect(text).toContain('Bakkerij De Korenschoof')
    expect(text).toContain('Klantnummer C-1001')
    expect(text).toContain('Stand per 25 november 2026')
  })

  test('lists the open items with days overdue only when overdue', () => {
    expect(text).toContain('INV-2026-00017 1 september 2026 1 oktober 2026 1.500,00 500,00 55')
    expect(text).toContain(
      'INV-2026-00042 25 november 2026 25 december 2026 1.607,23 1.607,23 Waarvan',
    )
    expect(text).not.toContain('-30')
  })

  test('totals what is open and what is overdue', () => {
    expect(text).toContain('Waarvan vervallen EUR 500,00')
    expect(text).toContain('Totaal openstaand EUR 2.107,23')
  })

  test('shows recent payments and where to pay', () => {
    expect(text).toContain('2 november 2026 2000 0000 0000 0017 1.000,00')
    expect(text).toContain('IBAN: NL91 ABNA 0417 1643 00')
    expect(text).toContain('Pagina 1 van 1')
  })

  test('opens in pdf-lib with its title and author', async () => {
    const loaded = await PDFDocument.load(pdf)
    expect(loaded.getTitle()).toBe('Rekeningoverzicht Bakkerij De Korenschoof')
    expect(loaded.getAuthor()).toBe('Voorbeeld BV')
  })
})

describe('a statement of account in English', async () => {
  const pdf = await renderStatementPdf(
    { ...statement, openItems: [], recentPayments: [], totalOpenMinor: 0n, overdueMinor: 0n },
    look,
    'en',
  )
  const text = flat(pdf)

  test('says so when nothing is open and nothing was paid', () => {
    expect(text).toContain('Statement of account')
    expect(text).toContain('As of 25 November 2026')
    expect(text).toContain('No items are open.')
    expect(text).toContain('No recent payments.')
    expect(text).toContain('Total open EUR 0.00')
  })
})

test('a statement of 300 open items runs over pages with "page n of m"', async () => {
  const openItems = Array.from({ length: 300 }, (_, i) => ({
    ...statement.openItems[0],
    number: `INV-2026-${String(i + 1).padStart(5, '0')}`,
  }))
  const pdf = await renderStatementPdf({ ...statement, openItems }, look, 'en')
  const count = (await PDFDocument.load(pdf)).getPageCount()
  expect(count).toBeGreaterThan(3)
  const pages = pdfPages(pdf)
  expect(pages).toHaveLength(count)
  pages.forEach((lines, index) => {
    expect(lines).toContain(`Page ${index + 1} of ${count}`)
  })
  const numbers = pages.flat().filter((line) => /^INV-2026-\d{5}$/.test(line))
  expect(numbers).toHaveLength(300)
})

test('lists collection costs and interest with their period, in the totals', async () => {
  const pdf = await renderStatementPdf(
    {
      ...statement,
      charges: [
        {
          number: 'INV-2026-00017',
          kind: 'collection_costs',
          chargedOn: '2026-11-20',
          periodFrom: null,
          periodTo: null,
          amountMinor: 7_500n,
        },
        {
          number: 'INV-2026-00017',
          kind: 'interest',
          chargedOn: '2026-11-20',
          periodFrom: '2026-10-02',
          periodTo: '2026-11-20',
          amountMinor: 271n,
        },
      ],
      chargesMinor: 7_771n,
      totalOpenMinor: 218_494n,
    },
    look,
    'en',
  )
  const text = flat(pdf)
  expect(text).toContain('Collection costs and interest')
  expect(text).toContain('INV-2026-00017 Collection costs 20 November 2026 75.00')
  expect(text).toContain('2 October 2026 – 20 November 2026 2.71')
  expect(text).toContain('Total open EUR 2,184.94')
})
