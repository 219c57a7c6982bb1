import { formatAmount } from '../../../core/money.js'
import type { DisputeCategory } from '../tables.js'

// What the customer reads about their dispute, in the invoice's language (nl or en): the
// confirmation when it is opened, and the outcome when it is resolved, rejected or withdrawn.
// The resolution note is the dispute manager's own words and is quoted as written.

export type NoticeLanguage = 'nl' | 'en'

export type DisputeNoticeFacts = {
  language: NoticeLanguage
  disputeNumber: string
  invoiceNumber: string
  currency: string
  disputedMinor: bigint
  slaDueOn: string
  /** Resolution: the credit note's number and amount, when there is one. */
  creditNote?: { number: string; amountMinor: bigint }
  note?: string | null
}

const categoryNames: Record<NoticeLanguage, Record<DisputeCategory, string>> = {
  nl: {
    price: 'prijs',
    quantity: 'aantal',
    quality: 'kwaliteit',
    not_delivered: 'niet geleverd',
    duplicate: 'dubbel gefactureerd',
    other: 'overig',
  },
  en: {
    price: 'price',
    quantity: 'quantity',
    quality: 'quality',
    not_delivered: 'not delivered',
    duplicate: 'invoiced twice',
    other: 'other',
  },
}

export function categoryName(language: NoticeLanguage, category: DisputeCategory): string {
  return categoryNames[language][category]
}

function amount(f: DisputeNoticeFacts, minor: bigint): string {
  return `${f.currency} ${formatAmount(minor, f.currency)}`
}

export function disputeOpenedNotice(f: DisputeNoticeFacts): { subject: string; text: string } {
  if (f.language === 'nl') {
    return {
      subject: `Uw bezwaar ${f.disputeNumber} tegen factuur ${f.invoiceNumber} is ontvangen`,
      text:
        `We hebben uw bezwaar tegen factuur ${f.invoiceNumber} ontvangen (betwist bedrag: ` +
        `${amount(f, f.disputedMinor)}). We sturen u geen herinneringen voor dit bedrag zolang we ` +
        `het onderzoeken, en laten u uiterlijk ${f.slaDueOn} weten wat we besloten hebben. ` +
        `Uw kenmerk: ${f.disputeNumber}.`,
    }
  }
  return {
    subject: `We received your dispute ${f.disputeNumber} on invoice ${f.invoiceNumber}`,
    text:
      `We received your dispute on invoice ${f.invoiceNumber} (disputed amount: ` +
      `${amount(f, f.disputedMinor)}). We will not remind you of this amount while we look ` +
      `into it, and will let you know our decision by ${f.slaDueOn}. Your reference: ` +
      `${f.disputeNumber}.`,
  }
}

export function disputeResolvedNotice(f: DisputeNoticeFacts): { subject: string; text: string } {
  const note = f.note ? `\n\n${f.note}` : ''
  if (f.language === 'nl') {
    const credit = f.creditNote
      ? ` We hebben creditnota ${f.creditNote.number} van ${amount(f, f.creditNote.amountMinor)} opgemaakt; die is met de factuur verrekend.`
      : ''
    return {
      subject: `Uw bezwaar ${f.disputeNumber} is afgehandeld`,
      text: `Uw bezwaar tegen factuur ${f.invoiceNumber} is afgehandeld.${credit}${note}`,
    }
  }
  const credit = f.creditNote
    ? ` We issued credit note ${f.creditNote.number} of ${amount(f, f.creditNote.amountMinor)}, set off against the invoice.`
    : ''
  return {
    subject: `Your dispute ${f.disputeNumber} is resolved`,
    text: `Your dispute on invoice ${f.invoiceNumber} is resolved.${credit}${note}`,
  }
}

export function disputeRejectedNotice(f: DisputeNoticeFacts): { subject: string; text: string } {
  if (f.language === 'nl') {
    return {
      subject: `Uw bezwaar ${f.disputeNumber} is afgewezen`,
      text:
        `We hebben uw bezwaar tegen factuur ${f.invoiceNumber} onderzocht en kunnen het niet ` +
        `honoreren:\n\n${f.note ?? ''}\n\nHet bedrag van ${amount(f, f.disputedMinor)} blijft ` +
        `verschuldigd; we vragen u het te betalen. Herinneringen worden weer verstuurd.`,
    }
  }
  return {
    subject: `Your dispute ${f.disputeNumber} was rejected`,
    text:
      `We looked into your dispute on invoice ${f.invoiceNumber} and cannot accept it:\n\n` +
      `${f.note ?? ''}\n\nThe amount of ${amount(f, f.disputedMinor)} remains due; please pay ` +
      'it. Reminders will resume.',
  }
}

export function disputeWithdrawnNotice(f: DisputeNoticeFacts): { subject: string; text: string } {
  if (f.language === 'nl') {
    return {
      subject: `Uw bezwaar ${f.disputeNumber} is ingetrokken`,
      text:
        `Uw bezwaar tegen factuur ${f.invoiceNumber} is ingetrokken. Het bedrag van ` +
        `${amount(f, f.disputedMinor)} blijft verschuldigd.`,
    }
  }
  return {
    subject: `Your dispute ${f.disputeNumber} is withdrawn`,
    text:
      `Your dispute on invoice ${f.invoiceNumber} is withdrawn. The amount of ` +
      `${amount(f, f.disputedMinor)} remains due.`,
  }
}
