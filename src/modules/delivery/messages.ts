import { formatDate, formatMoney } from '../documents/index.js'
import type { InvoiceDocument } from '../invoicing/index.js'

// What the customer reads: subject and plain-text body of each message, in Dutch or English.
// Pure functions of the document, so a test can read the words without sending anything.
// Plain text only: a bookkeeper's mail filter and an accounts-payable inbox handle it best,
// and the PDF attached is the formatted document.

export type MessageLanguage = 'nl' | 'en'

export type MailText = { subject: string; text: string }

/** The customer's language as far as our messages go: Dutch for nl, English otherwise. */
export function messageLanguage(language: string | null | undefined): MessageLanguage {
  return language?.toLowerCase().startsWith('nl') ? 'nl' : 'en'
}

const words = {
  nl: {
    invoice: 'Factuur',
    creditNote: 'Creditnota',
    greeting: 'Geachte heer, mevrouw,',
    invoiceIntro: (n: string, seller: string) => `Hierbij ontvangt u factuur ${n} van ${seller}.`,
    creditIntro: (n: string, seller: string) => `Hierbij ontvangt u creditnota ${n} van ${seller}.`,
    corrects: (n: string) => `Deze creditnota corrigeert factuur ${n}.`,
    amountDue: 'Te betalen',
    amountCredited: 'Gecrediteerd bedrag',
    dueDate: 'Vervaldatum',
    reference: 'Betalingskenmerk',
    payLink: 'Betalen of de factuur online bekijken',
    portalIntro: (n: string, seller: string) =>
      `Factuur ${n} van ${seller} staat voor u klaar in ons klantportaal.`,
    portalCreditIntro: (n: string, seller: string) =>
      `Creditnota ${n} van ${seller} staat voor u klaar in ons klantportaal.`,
    portalLink: 'Bekijken en downloaden',
    attached: 'De factuur is bijgevoegd als PDF en als e-factuur (UBL).',
    creditAttached: 'De creditnota is bijgevoegd als PDF en als e-factuur (UBL).',
    closing: 'Met vriendelijke groet,',
    shipped: (order: number) => `Uw bestelling ${order} is verzonden`,
    shippedIntro: (order: number, seller: string) =>
      `${seller} heeft uw bestelling ${order} aan de vervoerder meegegeven.`,
    carrier: 'Vervoerder',
    trackingNumber: 'Zendingsnummer',
    trackingLink: 'Volg uw zending',
    yourReference: 'Uw referentie',
  },
  en: {
    invoice: 'Invoice',
    creditNote: 'Credit note',
    greeting: 'Dear Sir or Madam,',
    invoiceIntro: (n: string, seller: string) => `Please find invoice ${n} from ${seller}.`,
    creditIntro: (n: string, seller: string) => `Please find credit note ${n} from ${seller}.`,
    corrects: (n: string) => `This credit note corrects invoice ${n}.`,
    amountDue: 'Amount due',
    amountCredited: 'Amount credited',
    dueDate: 'Due date',
    reference: 'Payment reference',
    payLink: 'Pay or view the invoice online',
    portalIntro: (n: string, seller: string) =>
      `Invoice ${n} from ${seller} is ready for you in our customer portal.`,
    portalCreditIntro: (n: string, seller: string) =>
      `Credit note ${n} from ${seller} is ready for you in our customer portal.`,
    portalLink: 'View and download',
    attached: 'The invoice is attached as a PDF and as an e-invoice (UBL).',
    creditAttached: 'The credit note is attached as a PDF and as an e-invoice (UBL).',
    closing: 'Kind regards,',
    shipped: (order: number) => `Your order ${order} has been shipped`,
    shippedIntro: (order: number, seller: string) =>
      `${seller} has handed your order ${order} to the carrier.`,
    carrier: 'Carrier',
    trackingNumber: 'Tracking number',
    trackingLink: 'Track your parcel',
    yourReference: 'Your reference',
  },
} as const

/**
 * The mail that carries an invoice or credit note with its PDF and UBL attached. `link` is
 * the invoice's pay page (none on a credit note).
 */
export function documentMail(doc: InvoiceDocument, link: string | null): MailText {
  const w = words[messageLanguage(doc.language)]
  const credit = doc.type === 'credit_note'
  const seller = doc.seller.tradingName ?? doc.seller.name
  const title = credit ? w.creditNote : w.invoice
  const lines = [
    w.greeting,
    '',
    credit ? w.creditIntro(doc.number, seller) : w.invoiceIntro(doc.number, seller),
    ...(doc.precedingInvoice ? [w.corrects(doc.precedingInvoice.number)] : []),
    '',
    ...facts(doc, w),
    '',
    ...(link && !credit ? [`${w.payLink}:`, link, ''] : []),
    credit ? w.creditAttached : w.attached,
    '',
    w.closing,
    seller,
  ]
  return { subject: `${title} ${doc.number} - ${seller}`, text: lines.join('\n') }
}

/** The portal channel's mail: no attachment, only the link to the document's page. */
export function portalMail(doc: InvoiceDocument, link: string): MailText {
  const w = words[messageLanguage(doc.language)]
  const credit = doc.type === 'credit_note'
  const seller = doc.seller.tradingName ?? doc.seller.name
  const lines = [
    w.greeting,
    '',
    credit ? w.portalCreditIntro(doc.number, seller) : w.portalIntro(doc.number, seller),
    '',
    ...facts(doc, w),
    '',
    `${w.portalLink}:`,
    link,
    '',
    w.closing,
    seller,
  ]
  return {
    subject: `${credit ? w.creditNote : w.invoice} ${doc.number} - ${seller}`,
    text: lines.join('\n'),
  }
}

function facts(doc: InvoiceDocument, w: (typeof words)[MessageLanguage]): string[] {
  // Written as the PDF writes them, so mail and document agree digit for digit.
  const language = messageLanguage(doc.language)
  const amount = formatMoney(doc.totals.payableMinor, doc.currency, language)
  if (doc.type === 'credit_note') return [`${w.amountCredited}: ${amount}`]
  return [
    `${w.amountDue}: ${amount}`,
    ...(doc.dueDate ? [`${w.dueDate}: ${formatDate(doc.dueDate, language)}`] : []),
    `${w.reference}: ${doc.paymentReference}`,
  ]
}

export type ShipmentNotice = {
  orderNumber: number
  carrier: string
  trackingNumber: string | null
  trackingUrl: string | null
  customerReference: string | null
  sellerName: string
  language: string
}

/** The mail that tells a customer their goods are on the way, with the track & trace link. */
export function shipmentMail(notice: ShipmentNotice): MailText {
  const w = words[messageLanguage(notice.language)]
  const lines = [
    w.greeting,
    '',
    notice.sellerName
      ? w.shippedIntro(notice.orderNumber, notice.sellerName)
      : `${w.shipped(notice.orderNumber)}.`,
    '',
    ...(notice.customerReference ? [`${w.yourReference}: ${notice.customerReference}`] : []),
    ...(notice.carrier ? [`${w.carrier}: ${notice.carrier}`] : []),
    ...(notice.trackingNumber ? [`${w.trackingNumber}: ${notice.trackingNumber}`] : []),
    ...(notice.trackingUrl ? ['', `${w.trackingLink}:`, notice.trackingUrl] : []),
    '',
    w.closing,
    notice.sellerName,
  ]
  return { subject: w.shipped(notice.orderNumber), text: lines.join('\n') }
}
