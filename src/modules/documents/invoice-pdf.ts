import { formatDutchPaymentReference, formatRfReference } from '../../core/payment-reference.js'
import type { InvoiceDocument } from '../invoicing/index.js'
import { epcPayload } from './epc-qr.js'
import {
  formatDate,
  formatMinor,
  formatMoney,
  formatNumber,
  formatUnit,
  printable,
} from './format.js'
import { type Labels, labels } from './labels.js'
import {
  addressLines,
  bold,
  type Cell,
  type Column,
  contentWidth,
  type DocumentLook,
  drawHeading,
  drawLetterhead,
  drawPairs,
  drawTable,
  drawTitle,
  drawTotalRow,
  ensureSpace,
  finishPdf,
  grey,
  left,
  newPdf,
  type Pdf,
  regular,
  right,
} from './layout.js'
import { qrPng } from './qr-image.js'

// The invoice or credit note as a person reads it, in the customer's language. Everything it
// prints comes from the InvoiceDocument (the same contract the UBL and CII are made from), so
// the PDF and the e-invoice can never disagree on a number.

/**
 * The PDF of an issued invoice or credit note.
 *
 *   const pdf = await renderInvoicePdf(document, { primaryColour: '#1f3a5f',
 *                                                  accentColour: '#e8eef5' })
 */
export async function renderInvoicePdf(
  doc: InvoiceDocument,
  look: DocumentLook,
): Promise<Uint8Array> {
  const l = labels[doc.language]
  const title = doc.type === 'credit_note' ? l.creditNote : l.invoice
  const pdf = newPdf({
    title: `${title} ${doc.number}`,
    author: doc.seller.name,
    subject: `${title} ${doc.number} — ${doc.buyer.name}`,
    language: doc.language,
  })
  let y = drawLetterhead(pdf, doc.seller, look, doc.language)
  y = drawTitle(pdf, `${title} ${doc.number}`, y, look)
  y = drawParties(pdf, doc, l, y)
  y = drawLines(pdf, doc, l, look, y)
  if (doc.allowancesCharges.length > 0) y = drawAllowancesCharges(pdf, doc, l, look, y + 14)
  y = drawVatSummaryAndTotals(pdf, doc, l, look, y + 14)
  y =
    doc.type === 'credit_note'
      ? drawCreditNoteSettlement(pdf, doc, l, look, y + 16)
      : drawPayment(pdf, doc, l, look, y + 16)
  if (doc.note) drawNote(pdf, doc.note, l, look, y + 14)
  return finishPdf(pdf, doc.language, `${doc.seller.name} · ${title} ${doc.number}`)
}

function drawParties(pdf: Pdf, doc: InvoiceDocument, l: Labels, y: number): number {
  const { buyer, language } = doc
  pdf.font(bold).fontSize(10).fillColor('#000000')
  pdf.text(printable(buyer.name), left, y, { width: 250 })
  pdf.font(regular).fontSize(8.5)
  const buyerLines = [
    ...(buyer.contact?.name ? [`${l.attention} ${buyer.contact.name}`] : []),
    ...addressLines(buyer.address, language),
  ]
  pdf.text(printable(buyerLines.join('\n')), left, pdf.y + 1, { width: 250 })
  const buyerIds: [string, string][] = [[l.customerNumber, buyer.customerNumber]]
  if (buyer.vatId) buyerIds.push([l.vatId, buyer.vatId])
  const buyerBottom = drawPairs(pdf, buyerIds, left, pdf.y + 6, 250, 90)

  const date = (value: string) => formatDate(value, language)
  const details: [string, string][] = [
    [l.number, doc.number],
    [l.issueDate, date(doc.issueDate)],
  ]
  if (doc.dueDate) details.push([l.dueDate, date(doc.dueDate)])
  if (doc.precedingInvoice) {
    const preceding = doc.precedingInvoice
    details.push([l.corrects, `${preceding.number} (${date(preceding.issueDate)})`])
  }
  if (doc.invoicingPeriod) {
    const period = doc.invoicingPeriod
    details.push([l.invoicingPeriod, `${date(period.start)} – ${date(period.end)}`])
  }
  if (doc.delivery?.date) details.push([l.deliveryDate, date(doc.delivery.date)])
  if (doc.buyerReference) details.push([l.buyerReference, doc.buyerReference])
  if (doc.orderReference) details.push([l.orderReference, doc.orderReference])
  const detailsBottom = drawPairs(pdf, details, right - 220, y, 220, 95)
  return Math.max(buyerBottom, detailsBottom) + 18
}

function drawLines(
  pdf: Pdf,
  doc: InvoiceDocument,
  l: Labels,
  look: DocumentLook,
  y: number,
): number {
  const { language, currency } = doc
  const columns: Column[] = [
    // Wide enough for a four-digit line number on one row.
    { header: l.line, width: 30 },
    { header: l.itemCode, width: 58 },
    { header: l.item, width: 118 },
    { header: l.quantity, width: 58, align: 'right' },
    { header: l.unitPrice, width: 58, align: 'right' },
    { header: l.discount, width: 48, align: 'right' },
    { header: l.vat, width: 46, align: 'right' },
    { header: l.netAmount, width: contentWidth - 416, align: 'right' },
  ]
  const rows = doc.lines.map((line): Cell[] => [
    line.id,
    line.itemCode,
    { text: line.name, detail: line.description !== line.name ? line.description : undefined },
    `${formatNumber(line.quantity, language)} ${formatUnit(line.unit, language)}`,
    formatMinor(line.unitPriceMinor, currency, language),
    line.discountPercent.units === 0n ? '' : `${formatNumber(line.discountPercent, language)}%`,
    vatShort(l, line.vatCategory, formatNumber(line.vatRate, language)),
    formatMinor(line.netMinor, currency, language),
  ])
  pdf.font(regular).fontSize(7.5).fillColor(grey)
  pdf.text(printable(l.amountsIn(currency)), left, y - 11, { width: contentWidth, align: 'right' })
  return drawTable(pdf, look, y, columns, rows)
}

function vatShort(l: Labels, category: keyof Labels['vatCategoryShort'], rate: string): string {
  return category === 'S' ? `${rate}%` : l.vatCategoryShort[category]
}

function drawAllowancesCharges(
  pdf: Pdf,
  doc: InvoiceDocument,
  l: Labels,
  look: DocumentLook,
  y: number,
): number {
  const { language, currency } = doc
  const at = drawHeading(pdf, l.allowancesCharges, y, look)
  const columns: Column[] = [
    { header: '', width: 80 },
    { header: l.item, width: 265 },
    { header: l.vat, width: 60, align: 'right' },
    { header: l.netAmount, width: contentWidth - 405, align: 'right' },
  ]
  const rows = doc.allowancesCharges.map((entry): Cell[] => [
    entry.isCharge ? l.charge : l.allowance,
    entry.reason,
    vatShort(l, entry.vatCategory, formatNumber(entry.vatRate, language)),
    formatMinor(entry.isCharge ? entry.amountMinor : -entry.amountMinor, currency, language),
  ])
  return drawTable(pdf, look, at, columns, rows)
}

/** The VAT summary on the left and the totals on the right, side by side. */
function drawVatSummaryAndTotals(
  pdf: Pdf,
  doc: InvoiceDocument,
  l: Labels,
  look: DocumentLook,
  y: number,
): number {
  // Both blocks start on the same page; a summary has a row per VAT category and rate, so a
  // few rows at most, and never needs to break across pages.
  const summaryHeight = 17 + 17 + doc.vatBreakdown.length * 26
  const totalsHeight = 13 * 8 + 40
  const at = ensureSpace(pdf, y, Math.max(summaryHeight, totalsHeight))
  const summaryBottom = drawVatSummary(pdf, doc, l, look, at)
  const totalsBottom = drawTotals(pdf, doc, l, look, at + 3)
  return Math.max(summaryBottom, totalsBottom)
}

function drawVatSummary(
  pdf: Pdf,
  doc: InvoiceDocument,
  l: Labels,
  look: DocumentLook,
  y: number,
): number {
  const { language, currency } = doc
  const at = drawHeading(pdf, l.vatSummary, y, look, 0)
  const columns: Column[] = [
    { header: l.vatCategory, width: 105 },
    { header: l.taxable, width: 70, align: 'right' },
    { header: l.vat, width: 60, align: 'right' },
  ]
  const rows = doc.vatBreakdown.map((row): Cell[] => {
    const name = l.vatCategoryName[row.category]
    const category =
      row.category === 'S' ? `${name} ${formatNumber(row.rate, language)}%` : `${name} (0%)`
    // Reverse charge must say so on the invoice (art. 35a Wet OB, BR-AE-10): the category name
    // carries the words; a reason the user gave is printed under it when it says more.
    const reason = row.exemptionReason && row.exemptionReason !== name ? row.exemptionReason : ''
    return [
      { text: category, detail: reason },
      formatMinor(row.taxableMinor, currency, language),
      formatMinor(row.vatMinor, currency, language),
    ]
  })
  return drawTable(pdf, look, at, columns, rows)
}

function drawTotals(
  pdf: Pdf,
  doc: InvoiceDocument,
  l: Labels,
  look: DocumentLook,
  y: number,
): number {
  const { totals, language, currency } = doc
  const money = (minor: bigint) => formatMoney(minor, currency, language)
  const rows: [string, bigint][] = []
  if (totals.allowancesMinor !== 0n || totals.chargesMinor !== 0n) {
    rows.push([l.lineTotal, totals.lineNetMinor])
    if (totals.allowancesMinor !== 0n) rows.push([l.allowancesTotal, -totals.allowancesMinor])
    if (totals.chargesMinor !== 0n) rows.push([l.chargesTotal, totals.chargesMinor])
  }
  rows.push([l.totalExclVat, totals.taxExclusiveMinor], [l.totalVat, totals.vatMinor])
  rows.push([l.totalInclVat, totals.taxInclusiveMinor])
  if (totals.prepaidMinor !== 0n) rows.push([l.prepaid, -totals.prepaidMinor])
  let at = y
  for (const [label, minor] of rows) at = drawTotalRow(pdf, at, label, money(minor))
  at += 4
  const dueLabel = doc.type === 'credit_note' ? l.amountCredited : l.amountDue
  at = drawTotalRow(pdf, at, dueLabel, money(totals.payableMinor), { strong: true, look })
  if (doc.accountingCurrency) {
    const accounting = doc.accountingCurrency
    const label = l.vatInAccountingCurrency(
      accounting.currency,
      formatNumber(accounting.rate, language),
      currency,
    )
    pdf.font(regular).fontSize(8).fillColor(grey)
    pdf.text(
      printable(`${label}: ${formatMoney(accounting.vatMinor, accounting.currency, language)}`),
      right - 250,
      at + 5,
      { width: 250 - 4, align: 'right' },
    )
    at = pdf.y
  }
  return at
}

/**
 * Three columns: the terms and the payment reference; the bank details and the pay link; the
 * EPC QR code (only for a euro amount due, see epc-qr.ts).
 */
function drawPayment(
  pdf: Pdf,
  doc: InvoiceDocument,
  l: Labels,
  look: DocumentLook,
  y: number,
): number {
  const { seller, language, currency, totals } = doc
  const money = (minor: bigint) => formatMoney(minor, currency, language)
  const account = seller.payeeAccount
  const payload = epcPayload({
    name: account.name ?? seller.name,
    iban: account.iban,
    bic: account.bic,
    amountMinor: totals.payableMinor,
    currency,
    reference: doc.paymentReference,
  })
  const qrSize = 100
  const termsWidth = 215
  const bankX = left + termsWidth + 15
  const bankWidth = (payload ? right - qrSize - 15 : right) - bankX
  const terms = termsParagraphs(doc, l, money)
  const bank = bankParagraphs(doc, l)
  const height = Math.max(
    measure(pdf, terms, termsWidth),
    measure(pdf, bank, bankWidth),
    payload ? qrSize + 12 : 0,
  )
  const at = drawHeading(pdf, l.paymentTerms, y, look, height)
  const termsBottom = drawParagraphs(pdf, terms, left, at, termsWidth, look)
  const bankBottom = drawParagraphs(pdf, bank, bankX, at, bankWidth, look)
  let qrBottom = at
  if (payload) {
    const { png } = qrPng(payload)
    pdf.image(png, right - qrSize, at, { width: qrSize, height: qrSize })
    pdf.font(regular).fontSize(7.5).fillColor(grey)
    pdf.text(printable(l.scanToPay), right - qrSize, at + qrSize + 2, {
      width: qrSize,
      align: 'center',
    })
    qrBottom = pdf.y
  }
  return Math.max(termsBottom, bankBottom, qrBottom)
}

type Paragraph = { text: string; bold?: boolean; size?: number; gapBefore?: number; link?: string }

function drawParagraphs(
  pdf: Pdf,
  paragraphs: Paragraph[],
  x: number,
  y: number,
  width: number,
  look: DocumentLook,
): number {
  let at = y
  for (const paragraph of paragraphs) {
    pdf.font(paragraph.bold ? bold : regular).fontSize(paragraph.size ?? 8.5)
    pdf.fillColor(paragraph.link ? look.primaryColour : paragraph.size === 7.5 ? grey : '#000000')
    pdf.text(printable(paragraph.text), x, at + (paragraph.gapBefore ?? 0), {
      width,
      ...(paragraph.link ? { link: paragraph.link, underline: true } : {}),
    })
    at = pdf.y
  }
  return at
}

function termsParagraphs(
  doc: InvoiceDocument,
  l: Labels,
  money: (minor: bigint) => string,
): Paragraph[] {
  const { terms, language } = doc
  const date = (value: string) => formatDate(value, language)
  const paragraphs: Paragraph[] = []
  if (terms.instalments && terms.instalments.length > 0) {
    paragraphs.push({ text: `${l.instalments}:` })
    terms.instalments.forEach((instalment, index) => {
      const when = date(instalment.dueDate)
      const text = `${l.instalment(index + 1)} (${when}): ${money(instalment.amountMinor)}`
      paragraphs.push({ text })
    })
  } else if (terms.netDays === 0 || !doc.dueDate) {
    paragraphs.push({ text: l.dueOnReceipt })
  } else {
    paragraphs.push({ text: l.netDays(terms.netDays, date(doc.dueDate)) })
  }
  if (terms.discount) {
    const { percent, days, dueDate, amountMinor } = terms.discount
    const offer = l.earlyPaymentDiscount(formatNumber(percent, language), days, date(dueDate))
    paragraphs.push({ text: `${offer}: ${money(amountMinor)}`, gapBefore: 3 })
  }
  paragraphs.push(
    { text: l.paymentReference, gapBefore: 8, size: 7.5 },
    { text: readableReference(doc.paymentReference), bold: true, size: 11 },
    { text: l.paymentReferenceHint, size: 7.5 },
  )
  return paragraphs
}

function bankParagraphs(doc: InvoiceDocument, l: Labels): Paragraph[] {
  const { seller } = doc
  const account = seller.payeeAccount
  const bank = [
    `${l.iban}: ${groupsOf4(account.iban)}`,
    account.bic ? `${l.bic}: ${account.bic}` : '',
    `${l.accountName}: ${account.name ?? seller.name}`,
  ].filter(Boolean)
  const paragraphs: Paragraph[] = [{ text: l.bankDetails, size: 7.5 }, { text: bank.join('\n') }]
  if (doc.paymentLink) {
    paragraphs.push(
      { text: l.payOnline, gapBefore: 8, size: 7.5 },
      { text: doc.paymentLink, link: doc.paymentLink },
    )
  }
  return paragraphs
}

function measure(pdf: Pdf, paragraphs: Paragraph[], width: number): number {
  let height = 0
  for (const paragraph of paragraphs) {
    pdf.font(paragraph.bold ? bold : regular).fontSize(paragraph.size ?? 8.5)
    height += (paragraph.gapBefore ?? 0) + pdf.heightOfString(printable(paragraph.text), { width })
  }
  return height
}

/** The reference in groups a person can read out and type: RF and NL in fours, OGM as it is. */
export function readableReference(reference: string): string {
  if (/^RF/i.test(reference)) return formatRfReference(reference)
  if (/^[\d ]+$/.test(reference)) return formatDutchPaymentReference(reference)
  return reference
}

function groupsOf4(iban: string): string {
  return iban
    .replace(/\s/g, '')
    .toUpperCase()
    .replace(/(.{4})(?=.)/g, '$1 ')
}

function drawCreditNoteSettlement(
  pdf: Pdf,
  doc: InvoiceDocument,
  l: Labels,
  look: DocumentLook,
  y: number,
): number {
  const at = drawHeading(pdf, l.paymentTerms, y, look, 40)
  pdf.font(regular).fontSize(8.5).fillColor('#000000')
  const lines = [
    l.creditNoteSettlement,
    `${l.paymentReference}: ${readableReference(doc.paymentReference)}`,
  ]
  pdf.text(printable(lines.join('\n')), left, at, { width: contentWidth })
  return pdf.y
}

function drawNote(pdf: Pdf, note: string, l: Labels, look: DocumentLook, y: number): number {
  pdf.font(regular).fontSize(8.5)
  const height = pdf.heightOfString(printable(note), { width: contentWidth })
  const at = drawHeading(pdf, l.note, y, look, Math.min(height, 200))
  pdf.font(regular).fontSize(8.5).fillColor('#000000')
  pdf.text(printable(note), left, at, { width: contentWidth })
  return pdf.y
}
