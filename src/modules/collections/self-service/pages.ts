import { formatAmount } from '../../../core/money.js'
import type { InstalmentInput } from '../plans/plans.js'
import { type DisputeCategory, disputeCategories } from '../tables.js'
import type { SelfServiceInvoice } from './self-service.js'

// The self-service pages as HTML, in the invoice's language: small, self-contained documents
// like the pay page (inline CSS, no scripts, no external assets), plain forms that work
// without JavaScript. Every value from the customer or the database is escaped.

type Language = 'nl' | 'en'

const labels = {
  nl: {
    back: 'Terug naar de factuur',
    invoice: (n: string) => `Factuur ${n}`,
    open: 'Openstaand',
    submit: 'Versturen',
    error: 'Controleer uw invoer',
    retry: 'Dit formulier is verlopen. Vul het opnieuw in.',
    disputeTitle: 'Bezwaar maken',
    disputeIntro:
      'Klopt er iets niet aan deze factuur? Vertel het ons. Zolang we uw bezwaar onderzoeken, sturen we voor het betwiste bedrag geen herinneringen.',
    category: 'Wat is er mis?',
    amount: 'Betwist bedrag',
    description: 'Toelichting',
    file: 'Bijlage (optioneel: foto, pdf, e-mail; max. 10 MB)',
    disputeDone: (n: string) => `Uw bezwaar is ontvangen (kenmerk ${n})`,
    disputeDoneText: (amount: string, sla: string) =>
      `We onderzoeken uw bezwaar over ${amount} en laten u uiterlijk ${sla} weten wat we besloten hebben. U ontvangt ook een bevestiging.`,
    nothingToDispute: 'Op deze factuur staat niets open dat u nog kunt betwisten.',
    promiseTitle: 'Betaalbelofte doen',
    promiseIntro: (latest: string) =>
      `Kunt u nu niet betalen? Beloof een datum (uiterlijk ${latest}); tot die dag sturen we geen herinneringen.`,
    promisedOn: 'Ik betaal op',
    promiseAmount: 'Bedrag',
    promiseDone: 'Dank u wel: uw betaalbelofte is vastgelegd',
    promiseDoneText: (amount: string, on: string) =>
      `U betaalt ${amount} op uiterlijk ${on}. U ontvangt ook een bevestiging.`,
    nothingOpen: 'Deze factuur is betaald; er valt niets te beloven of te regelen.',
    planTitle: 'Betalen in termijnen',
    planIntro: 'Kies een regeling. De termijnen worden verrekend met deze factuur.',
    planChoice: (n: number) => `${n} termijnen`,
    noPlan:
      'Voor deze factuur kunnen we online geen betalingsregeling aanbieden. Neem contact met ons op.',
    planDone: 'Uw betalingsregeling is vastgelegd',
    planDoneText: 'U ontvangt een bevestiging met de termijnen:',
    categories: {
      price: 'De prijs klopt niet',
      quantity: 'Het aantal klopt niet',
      quality: 'De kwaliteit was niet goed',
      not_delivered: 'Niet geleverd',
      duplicate: 'Dubbel gefactureerd',
      other: 'Iets anders',
    } satisfies Record<DisputeCategory, string>,
  },
  en: {
    back: 'Back to the invoice',
    invoice: (n: string) => `Invoice ${n}`,
    open: 'Amount due',
    submit: 'Send',
    error: 'Please check what you entered',
    retry: 'This form has expired. Please fill it in again.',
    disputeTitle: 'Dispute this invoice',
    disputeIntro:
      'Is something wrong with this invoice? Tell us. While we look into it, we send no reminders for the disputed amount.',
    category: 'What is wrong?',
    amount: 'Disputed amount',
    description: 'Explanation',
    file: 'Attachment (optional: photo, PDF, e-mail; at most 10 MB)',
    disputeDone: (n: string) => `We received your dispute (reference ${n})`,
    disputeDoneText: (amount: string, sla: string) =>
      `We are looking into your dispute of ${amount} and will let you know our decision by ${sla}. You will also receive a confirmation.`,
    nothingToDispute: 'Nothing is open on this invoice that you can still dispute.',
    promiseTitle: 'Promise to pay',
    promiseIntro: (latest: string) =>
      `Cannot pay now? Promise a date (at the latest ${latest}); we send no reminders until then.`,
    promisedOn: 'I will pay on',
    promiseAmount: 'Amount',
    promiseDone: 'Thank you: your promise to pay is recorded',
    promiseDoneText: (amount: string, on: string) =>
      `You pay ${amount} by ${on}. You will also receive a confirmation.`,
    nothingOpen: 'This invoice is paid; there is nothing to promise or arrange.',
    planTitle: 'Pay in instalments',
    planIntro: 'Choose a plan. The instalments are set off against this invoice.',
    planChoice: (n: number) => `${n} instalments`,
    noPlan: 'We cannot offer a payment plan online for this invoice. Please contact us.',
    planDone: 'Your payment plan is recorded',
    planDoneText: 'You will receive a confirmation with the instalments:',
    categories: {
      price: 'The price is wrong',
      quantity: 'The quantity is wrong',
      quality: 'The quality was not right',
      not_delivered: 'Not delivered',
      duplicate: 'Invoiced twice',
      other: 'Something else',
    } satisfies Record<DisputeCategory, string>,
  },
} as const

export type FormState = {
  values?: Record<string, string>
  errors?: { field: string; message: string }[]
  expired?: boolean
}

function header(invoice: SelfServiceInvoice, title: string, back: string): string {
  const t = labels[invoice.language]
  return `<p><a href="${escapeHtml(back)}">← ${escapeHtml(t.back)}</a></p>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(t.invoice(invoice.number))} · ${escapeHtml(invoice.sellerName)} · ${escapeHtml(
    t.open,
  )}: <strong>${escapeHtml(money(invoice, invoice.openMinor))}</strong></p>`
}

function problems(invoice: SelfServiceInvoice, state: FormState): string {
  const t = labels[invoice.language]
  if (state.expired) return `<p class="error" role="alert">${escapeHtml(t.retry)}</p>`
  if (!state.errors || state.errors.length === 0) return ''
  return `<div class="error" role="alert"><p>${escapeHtml(t.error)}:</p><ul>${state.errors
    .map((e) => `<li>${escapeHtml(e.message)}</li>`)
    .join('')}</ul></div>`
}

export function disputeFormHtml(
  invoice: SelfServiceInvoice,
  payPath: string,
  formToken: string,
  state: FormState = {},
): string {
  const t = labels[invoice.language]
  const v = state.values ?? {}
  if (invoice.disputableMinor <= 0n) {
    return page(
      invoice.language,
      t.disputeTitle,
      `${header(invoice, t.disputeTitle, payPath)}
<p>${escapeHtml(t.nothingToDispute)}</p>`,
    )
  }
  const options = disputeCategories
    .map(
      (c) =>
        `<option value="${c}"${v.category === c ? ' selected' : ''}>${escapeHtml(t.categories[c])}</option>`,
    )
    .join('')
  const body = `${header(invoice, t.disputeTitle, payPath)}
<p>${escapeHtml(t.disputeIntro)}</p>
${problems(invoice, state)}
<form method="post" action="${escapeHtml(payPath)}/dispute" enctype="multipart/form-data">
<input type="hidden" name="form_token" value="${escapeHtml(formToken)}">
<label for="category">${escapeHtml(t.category)}</label>
<select id="category" name="category" required>${options}</select>
<label for="amount">${escapeHtml(t.amount)} (${escapeHtml(invoice.currency)})</label>
<input id="amount" name="amount" inputmode="decimal" required value="${escapeHtml(
    v.amount ?? formatAmount(invoice.disputableMinor, invoice.currency),
  )}">
<label for="description">${escapeHtml(t.description)}</label>
<textarea id="description" name="description" rows="5" maxlength="5000" required>${escapeHtml(
    v.description ?? '',
  )}</textarea>
<label for="file">${escapeHtml(t.file)}</label>
<input id="file" name="file" type="file" accept="application/pdf,image/*,text/plain,message/rfc822,.eml">
<button type="submit">${escapeHtml(t.submit)}</button>
</form>`
  return page(invoice.language, t.disputeTitle, body)
}

export function disputeDoneHtml(
  invoice: SelfServiceInvoice,
  payPath: string,
  dispute: { number: string; amount: string; slaDueOn: string },
): string {
  const t = labels[invoice.language]
  const title = t.disputeDone(dispute.number)
  return page(
    invoice.language,
    title,
    `<h1>${escapeHtml(title)}</h1>
<p role="status">${escapeHtml(
      t.disputeDoneText(
        `${invoice.currency} ${dispute.amount}`,
        displayDate(invoice.language, dispute.slaDueOn),
      ),
    )}</p>
<p><a href="${escapeHtml(payPath)}">${escapeHtml(t.back)}</a></p>`,
  )
}

export function promiseFormHtml(
  invoice: SelfServiceInvoice,
  payPath: string,
  formToken: string,
  latest: string,
  state: FormState = {},
): string {
  const t = labels[invoice.language]
  const v = state.values ?? {}
  if (invoice.openMinor <= 0n) {
    return page(
      invoice.language,
      t.promiseTitle,
      `${header(invoice, t.promiseTitle, payPath)}
<p>${escapeHtml(t.nothingOpen)}</p>`,
    )
  }
  const body = `${header(invoice, t.promiseTitle, payPath)}
<p>${escapeHtml(t.promiseIntro(displayDate(invoice.language, latest)))}</p>
${problems(invoice, state)}
<form method="post" action="${escapeHtml(payPath)}/promise">
<input type="hidden" name="form_token" value="${escapeHtml(formToken)}">
<label for="promised_on">${escapeHtml(t.promisedOn)}</label>
<input id="promised_on" name="promised_on" type="date" required min="${invoice.today}" max="${latest}" value="${escapeHtml(
    v.promised_on ?? latest,
  )}">
<label for="amount">${escapeHtml(t.promiseAmount)} (${escapeHtml(invoice.currency)})</label>
<input id="amount" name="amount" inputmode="decimal" required value="${escapeHtml(
    v.amount ?? formatAmount(invoice.openMinor, invoice.currency),
  )}">
<button type="submit">${escapeHtml(t.submit)}</button>
</form>`
  return page(invoice.language, t.promiseTitle, body)
}

export function promiseDoneHtml(
  invoice: SelfServiceInvoice,
  payPath: string,
  promise: { amount: string; promisedOn: string },
): string {
  const t = labels[invoice.language]
  return page(
    invoice.language,
    t.promiseDone,
    `<h1>${escapeHtml(t.promiseDone)}</h1>
<p role="status">${escapeHtml(
      t.promiseDoneText(
        `${invoice.currency} ${promise.amount}`,
        displayDate(invoice.language, promise.promisedOn),
      ),
    )}</p>
<p><a href="${escapeHtml(payPath)}">${escapeHtml(t.back)}</a></p>`,
  )
}

export function planFormHtml(
  invoice: SelfServiceInvoice,
  payPath: string,
  formToken: string,
  offers: readonly { instalments: readonly InstalmentInput[] }[],
  state: FormState = {},
): string {
  const t = labels[invoice.language]
  if (invoice.openMinor <= 0n) {
    return page(
      invoice.language,
      t.planTitle,
      `${header(invoice, t.planTitle, payPath)}
<p>${escapeHtml(t.nothingOpen)}</p>`,
    )
  }
  if (offers.length === 0) {
    return page(
      invoice.language,
      t.planTitle,
      `${header(invoice, t.planTitle, payPath)}
<p>${escapeHtml(t.noPlan)}</p>`,
    )
  }
  const choices = offers
    .map((offer, i) => {
      const n = offer.instalments.length
      const schedule = offer.instalments
        .map(
          (x) =>
            `<li>${escapeHtml(displayDate(invoice.language, x.dueOn))}: ${escapeHtml(money(invoice, x.amountMinor))}</li>`,
        )
        .join('')
      return `<fieldset><label><input type="radio" name="instalments" value="${n}"${
        i === 0 ? ' checked' : ''
      }> ${escapeHtml(t.planChoice(n))}</label><ul>${schedule}</ul></fieldset>`
    })
    .join('')
  const body = `${header(invoice, t.planTitle, payPath)}
<p>${escapeHtml(t.planIntro)}</p>
${problems(invoice, state)}
<form method="post" action="${escapeHtml(payPath)}/plan">
<input type="hidden" name="form_token" value="${escapeHtml(formToken)}">
${choices}
<button type="submit">${escapeHtml(t.submit)}</button>
</form>`
  return page(invoice.language, t.planTitle, body)
}

export function planDoneHtml(
  invoice: SelfServiceInvoice,
  payPath: string,
  instalments: readonly InstalmentInput[],
): string {
  const t = labels[invoice.language]
  return page(
    invoice.language,
    t.planDone,
    `<h1>${escapeHtml(t.planDone)}</h1>
<p role="status">${escapeHtml(t.planDoneText)}</p>
<ul>${instalments
      .map(
        (x) =>
          `<li>${escapeHtml(displayDate(invoice.language, x.dueOn))}: ${escapeHtml(money(invoice, x.amountMinor))}</li>`,
      )
      .join('')}</ul>
<p><a href="${escapeHtml(payPath)}">${escapeHtml(t.back)}</a></p>`,
  )
}

function money(invoice: SelfServiceInvoice, minor: bigint): string {
  return new Intl.NumberFormat(invoice.language === 'nl' ? 'nl-NL' : 'en-GB', {
    style: 'currency',
    currency: invoice.currency,
    // An exact decimal string, so Intl formats it without a float in between.
  }).format(formatAmount(minor, invoice.currency) as unknown as number)
}

function displayDate(language: Language, date: string): string {
  return new Intl.DateTimeFormat(language === 'nl' ? 'nl-NL' : 'en-GB', {
    dateStyle: 'long',
    timeZone: 'UTC',
  }).format(new Date(`${date}T00:00:00Z`))
}

function page(language: Language, title: string, body: string): string {
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;color:#1b1b1b;background:#f4f6f8;margin:0}
main{max-width:34rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:8px}
h1{font-size:1.5rem;margin:0 0 1rem}label{display:block;margin:1rem 0 .25rem;font-weight:600}
input,select,textarea{font:inherit;width:100%;box-sizing:border-box;padding:.5rem}
input[type=radio]{width:auto}fieldset{border:1px solid #ccd;border-radius:6px;margin:1rem 0}
button{font:inherit;font-weight:600;background:#1f3a5f;color:#fff;border:0;border-radius:6px;
padding:.75rem 1.5rem;margin-top:1.25rem;cursor:pointer}
button:focus-visible{outline:3px solid #f0b400;outline-offset:2px}
.error{color:#8a1c1c;background:#fdecec;padding:.5rem 1rem;border-radius:6px}
</style>
</head>
<body><main>${body}</main></body>
</html>`
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}
