import type { DocumentLanguage } from '../invoicing/index.js'
import { formatDate, formatMinor, formatMoney, printable } from './format.js'
import { labels } from './labels.js'
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
  left,
  newPdf,
  regular,
  right,
} from './layout.js'
import type { CustomerStatement } from './statement.js'

/**
 * The PDF of a customer's statement of account: open items with their days overdue, the
 * totals open and overdue, recent payments, and where to pay.
 */
export async function renderStatementPdf(
  statement: CustomerStatement,
  look: DocumentLook,
  language: DocumentLanguage,
): Promise<Uint8Array> {
  const l = labels[language]
  const { seller, customer, currency } = statement
  const date = (value: string) => formatDate(value, language)
  const amount = (minor: bigint) => formatMinor(minor, currency, language)
  const pdf = newPdf({
    title: `${l.statement} ${customer.name}`,
    author: seller.name,
    subject: `${l.statement} ${customer.number} ${statement.asOf}`,
    language,
  })
  let y = drawLetterhead(pdf, seller, look, language)
  y = drawTitle(pdf, l.statement, y, look)

  pdf.font(bold).fontSize(10).fillColor('#000000')
  pdf.text(printable(customer.name), left, y, { width: 250 })
  pdf.font(regular).fontSize(8.5)
  pdf.text(printable(addressLines(customer.address, language).join('\n')), left, pdf.y + 1, {
    width: 250,
  })
  const customerBottom = pdf.y
  const detailsBottom = drawPairs(
    pdf,
    [
      [l.customerNumber, customer.number],
      [l.asOf, date(statement.asOf)],
    ],
    right - 220,
    y,
    220,
    95,
  )
  y = Math.max(customerBottom, detailsBottom) + 18

  y = drawHeading(pdf, l.openItems, y, look)
  if (statement.openItems.length === 0) {
    pdf.font(regular).fontSize(8.5).fillColor('#000000')
    pdf.text(printable(l.noOpenItems), left, y, { width: contentWidth })
    y = pdf.y
  } else {
    const columns: Column[] = [
      { header: l.number, width: 115 },
      { header: l.issueDate, width: 85 },
      { header: l.dueDate, width: 85 },
      { header: l.total, width: 75, align: 'right' },
      { header: l.open, width: 75, align: 'right' },
      { header: l.daysOverdue, width: contentWidth - 435, align: 'right' },
    ]
    const rows = statement.openItems.map((item): Cell[] => [
      item.number,
      date(item.issueDate),
      date(item.dueDate),
      amount(item.totalMinor),
      amount(item.openMinor),
      item.daysOverdue > 0 ? { text: String(item.daysOverdue), bold: true } : '',
    ])
    y = drawTable(pdf, look, y, columns, rows)
  }
  if (statement.charges.length > 0) {
    y = drawHeading(pdf, l.charges, y + 16, look)
    const columns: Column[] = [
      { header: l.number, width: 115 },
      { header: '', width: 100 },
      { header: l.date, width: 85 },
      { header: l.period, width: contentWidth - 375 },
      { header: l.amount, width: 75, align: 'right' },
    ]
    const rows = statement.charges.map((charge): Cell[] => [
      charge.number,
      l.chargeKinds[charge.kind],
      date(charge.chargedOn),
      charge.periodFrom && charge.periodTo
        ? `${date(charge.periodFrom)} – ${date(charge.periodTo)}`
        : '',
      amount(charge.amountMinor),
    ])
    y = drawTable(pdf, look, y, columns, rows)
  }
  y = ensureSpace(pdf, y + 12, 40)
  y = drawTotalRow(pdf, y, l.overdue, formatMoney(statement.overdueMinor, currency, language))
  if (statement.charges.length > 0) {
    y += 3
    y = drawTotalRow(
      pdf,
      y,
      l.collectionChargesTotal,
      formatMoney(statement.chargesMinor, currency, language),
    )
  }
  y += 3
  y = drawTotalRow(pdf, y, l.totalOpen, formatMoney(statement.totalOpenMinor, currency, language), {
    strong: true,
    look,
  })

  y = drawHeading(pdf, l.recentPayments, y + 16, look)
  if (statement.recentPayments.length === 0) {
    pdf.font(regular).fontSize(8.5).fillColor('#000000')
    pdf.text(printable(l.noRecentPayments), left, y, { width: contentWidth })
    y = pdf.y
  } else {
    const columns: Column[] = [
      { header: l.date, width: 100 },
      { header: l.reference, width: contentWidth - 190 },
      { header: l.amount, width: 90, align: 'right' },
    ]
    const rows = statement.recentPayments.map((payment): Cell[] => [
      date(payment.date),
      payment.reference,
      amount(payment.amountMinor),
    ])
    y = drawTable(pdf, look, y, columns, rows)
  }

  const account = seller.payeeAccount
  y = drawHeading(pdf, l.bankDetails, y + 16, look, 36)
  pdf.font(regular).fontSize(8.5).fillColor('#000000')
  const bank = [
    `${l.iban}: ${account.iban.replace(/\s/g, '').replace(/(.{4})(?=.)/g, '$1 ')}`,
    account.bic ? `${l.bic}: ${account.bic}` : '',
    `${l.accountName}: ${account.name ?? seller.name}`,
  ].filter(Boolean)
  pdf.text(printable(bank.join('\n')), left, y, { width: contentWidth })

  return finishPdf(pdf, language, `${seller.name} · ${l.statement} ${customer.number}`)
}
