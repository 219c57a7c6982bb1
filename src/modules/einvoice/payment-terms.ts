import { formatAmount, formatDecimal } from '../../core/money.js'
import type { InvoiceDocument } from '../invoicing/index.js'

// The payment terms in words (BT-20). EN 16931 has no structured early-payment discount or
// instalments (those are CII Extended / XRechnung conventions), so a receiving system and the
// person reading it learn them from this text. Amounts come from the document as decimal
// strings; nothing is computed here.

const words = {
  en: {
    net: (days: number, due: string) => `Payment within ${days} days, by ${due}.`,
    discount: (percent: string, amount: string, days: number, due: string) =>
      `${percent}% early-payment discount (${amount}) when paid within ${days} days, by ${due}.`,
    instalments: 'Instalments:',
    instalment: (amount: string, due: string) => `${amount} by ${due}`,
    credit: (invoice: string) => `Credited against invoice ${invoice}.`,
    creditAlone: 'Credit note; the amount is refunded or set off.',
    reference: (reference: string) => `Payment reference ${reference}.`,
  },
  nl: {
    net: (days: number, due: string) => `Betaling binnen ${days} dagen, uiterlijk ${due}.`,
    discount: (percent: string, amount: string, days: number, due: string) =>
      `${percent}% korting (${amount}) bij betaling binnen ${days} dagen, uiterlijk ${due}.`,
    instalments: 'Termijnen:',
    instalment: (amount: string, due: string) => `${amount} uiterlijk ${due}`,
    credit: (invoice: string) => `Wordt verrekend met factuur ${invoice}.`,
    creditAlone: 'Creditnota; het bedrag wordt terugbetaald of verrekend.',
    reference: (reference: string) => `Betalingskenmerk ${reference}.`,
  },
} as const

/**
 * The payment terms note of a document, in its language:
 *
 *   paymentTermsText(doc) // 'Payment within 30 days, by 2026-03-31. 2% early-payment
 *                         //  discount (2.42 EUR) when paid within 10 days, by 2026-03-11.'
 */
export function paymentTermsText(doc: InvoiceDocument): string {
  const say = words[doc.language]
  const money = (minor: bigint) => `${formatAmount(minor, doc.currency)} ${doc.currency}`
  if (doc.type === 'credit_note') {
    return doc.precedingInvoice ? say.credit(doc.precedingInvoice.number) : say.creditAlone
  }
  const sentences: string[] = []
  if (doc.dueDate) sentences.push(say.net(doc.terms.netDays, doc.dueDate))
  const discount = doc.terms.discount
  if (discount) {
    sentences.push(
      say.discount(
        formatDecimal(discount.percent),
        money(discount.amountMinor),
        discount.days,
        discount.dueDate,
      ),
    )
  }
  const instalments = doc.terms.instalments ?? []
  if (instalments.length > 0) {
    const parts = instalments.map((part) => say.instalment(money(part.amountMinor), part.dueDate))
    sentences.push(`${say.instalments} ${parts.join('; ')}.`)
  }
  sentences.push(say.reference(doc.paymentReference))
  return sentences.join(' ')
}
