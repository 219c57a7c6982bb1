import type { CalendarDate } from '../../../core/dates.js'
import { formatAmount } from '../../../core/money.js'

// The wording of the notices promises and plans send, in the customer's language. Short on
// purpose: the channel (dunning/) wraps it in the tenant's letterhead or message frame.

type Language = 'nl' | 'en'

function euro(minor: bigint, currency: string): string {
  return `${currency} ${formatAmount(minor, currency)}`
}

export function promiseConfirmedText(
  language: Language,
  promise: { amountMinor: bigint; currency: string; promisedOn: CalendarDate; numbers: string[] },
): { subject: string; text: string } {
  const amount = euro(promise.amountMinor, promise.currency)
  const invoices = promise.numbers.join(', ')
  return language === 'nl'
    ? {
        subject: 'Bevestiging van uw betalingsbelofte',
        text: `U heeft toegezegd ${amount} te betalen uiterlijk op ${promise.promisedOn} voor factuur ${invoices}. Tot die datum sturen wij u hierover geen herinneringen.`,
      }
    : {
        subject: 'Your promise to pay is confirmed',
        text: `You promised to pay ${amount} by ${promise.promisedOn} for invoice ${invoices}. Until then we will not send you reminders about it.`,
      }
}

export function promiseBrokenText(
  language: Language,
  promise: { amountMinor: bigint; paidMinor: bigint; currency: string; promisedOn: CalendarDate },
): { subject: string; text: string } {
  const amount = euro(promise.amountMinor, promise.currency)
  const paid = euro(promise.paidMinor, promise.currency)
  return language === 'nl'
    ? {
        subject: 'Uw betalingsbelofte is niet nagekomen',
        text: `U had toegezegd ${amount} te betalen uiterlijk op ${promise.promisedOn}; wij ontvingen ${paid}. Wij hervatten de herinneringen voor de openstaande facturen.`,
      }
    : {
        subject: 'Your promise to pay was not kept',
        text: `You promised to pay ${amount} by ${promise.promisedOn}; we received ${paid}. Reminders for the open invoices resume.`,
      }
}

export function planConfirmedText(
  language: Language,
  plan: {
    currency: string
    totalMinor: bigint
    instalments: readonly { dueOn: CalendarDate; amountMinor: bigint }[]
  },
): { subject: string; text: string } {
  const lines = plan.instalments
    .map((i, n) => `${n + 1}. ${i.dueOn}: ${euro(i.amountMinor, plan.currency)}`)
    .join('\n')
  const total = euro(plan.totalMinor, plan.currency)
  return language === 'nl'
    ? {
        subject: 'Bevestiging van uw betalingsregeling',
        text: `Wij bevestigen uw betalingsregeling voor ${total} in ${plan.instalments.length} termijnen:\n${lines}`,
      }
    : {
        subject: 'Your payment plan is confirmed',
        text: `We confirm your payment plan for ${total} in ${plan.instalments.length} instalments:\n${lines}`,
      }
}

export function planBreachedText(
  language: Language,
  plan: { currency: string; dueOn: CalendarDate; openMinor: bigint },
): { subject: string; text: string } {
  const open = euro(plan.openMinor, plan.currency)
  return language === 'nl'
    ? {
        subject: 'Uw betalingsregeling is beëindigd',
        text: `De termijn van ${plan.dueOn} is niet (volledig) betaald; ${open} staat daarvan nog open. De regeling is daarom beëindigd en de herinneringen voor de openstaande facturen worden hervat.`,
      }
    : {
        subject: 'Your payment plan has ended',
        text: `The instalment due ${plan.dueOn} was not (fully) paid; ${open} of it is still open. The plan has therefore ended and reminders for the open invoices resume.`,
      }
}
