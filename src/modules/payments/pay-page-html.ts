import { formatAmount } from '../../core/money.js'
import type { PayPage } from './pay-page.js'

// The pay page as HTML: one small, self-contained document (inline CSS, the QR code as a
// data: URL, no scripts, no external assets), in the invoice's language.

type Language = 'nl' | 'en'

const labels = {
  nl: {
    title: (n: string) => `Factuur ${n} betalen`,
    heading: (n: string) => `Factuur ${n}`,
    from: 'Van',
    issueDate: 'Factuurdatum',
    dueDate: 'Vervaldatum',
    total: 'Factuurbedrag',
    open: 'Te betalen',
    paid: 'Deze factuur is betaald. Dank u wel!',
    payNow: 'Nu betalen',
    payNowHint: 'Met iDEAL, creditcard of een andere betaalmethode.',
    bankTransfer: 'Liever zelf overmaken?',
    iban: 'IBAN',
    bic: 'BIC',
    beneficiary: 'Ten name van',
    reference: 'Betalingskenmerk',
    qr: 'Scan deze QR-code met uw bank-app om de overboeking in te vullen.',
    qrAlt: (amount: string) => `EPC QR-code voor een overboeking van ${amount}`,
    pending: 'Uw betaling wordt verwerkt. Vernieuw deze pagina over een paar minuten.',
    notFoundTitle: 'Pagina niet gevonden',
    notFound: 'Deze betaallink bestaat niet (meer). Gebruik de link uit uw meest recente factuur.',
    unavailableTitle: 'Online betalen is niet mogelijk',
    unavailable:
      'Deze factuur kan niet online betaald worden. Maak het bedrag over naar de rekening op de factuur.',
    back: 'Terug naar de factuur',
    pdf: 'Factuur downloaden (PDF)',
    selfService: 'Kunt u niet (alles) betalen, of klopt er iets niet?',
    dispute: 'Ik ben het niet eens met deze factuur',
    promise: 'Ik betaal later: betaalbelofte doen',
    plan: 'Betalen in termijnen',
  },
  en: {
    title: (n: string) => `Pay invoice ${n}`,
    heading: (n: string) => `Invoice ${n}`,
    from: 'From',
    issueDate: 'Invoice date',
    dueDate: 'Due date',
    total: 'Invoice amount',
    open: 'Amount due',
    paid: 'This invoice is paid. Thank you!',
    payNow: 'Pay now',
    payNowHint: 'With iDEAL, card or another payment method.',
    bankTransfer: 'Prefer to transfer it yourself?',
    iban: 'IBAN',
    bic: 'BIC',
    beneficiary: 'Beneficiary',
    reference: 'Payment reference',
    qr: 'Scan this QR code with your banking app to fill in the transfer.',
    qrAlt: (amount: string) => `EPC QR code for a transfer of ${amount}`,
    pending: 'Your payment is being processed. Reload this page in a few minutes.',
    notFoundTitle: 'Page not found',
    notFound: 'This payment link does not exist (any more). Use the link in your latest invoice.',
    unavailableTitle: 'Online payment is not available',
    unavailable:
      'This invoice cannot be paid online. Please transfer the amount to the account on the invoice.',
    back: 'Back to the invoice',
    pdf: 'Download the invoice (PDF)',
    selfService: 'Cannot pay (all of) it now, or is something wrong?',
    dispute: 'I disagree with this invoice',
    promise: 'I will pay later: promise a date',
    plan: 'Pay in instalments',
  },
} as const

export function payPageHtml(page: PayPage, selfPath: string): string {
  const t = labels[page.language]
  const money = (minor: bigint) => displayAmount(page.language, minor, page.currency)
  const paid = page.openMinor <= 0n
  const rows = [
    [t.from, page.sellerName],
    [t.issueDate, displayDate(page.language, page.issueDate)],
    ...(page.dueDate ? [[t.dueDate, displayDate(page.language, page.dueDate)]] : []),
    [t.total, money(page.payableMinor)],
  ]
  const pending =
    !paid && (page.lastCheckoutStatus === 'pending' || page.lastCheckoutStatus === 'paid')
  const body = `
<h1>${escapeHtml(t.heading(page.number))}</h1>
<dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
<p><a href="${escapeHtml(selfPath)}/invoice.pdf" type="application/pdf">${escapeHtml(t.pdf)}</a></p>
${
  paid
    ? `<p class="paid" role="status">${escapeHtml(t.paid)}</p>`
    : `<p class="open">${escapeHtml(t.open)}: <strong>${escapeHtml(money(page.openMinor))}</strong></p>
${pending ? `<p role="status">${escapeHtml(t.pending)}</p>` : ''}
${
  page.canPayOnline
    ? `<form method="post" action="${escapeHtml(selfPath)}/checkout">
<button type="submit">${escapeHtml(t.payNow)}</button>
<p class="hint">${escapeHtml(t.payNowHint)}</p>
</form>`
    : ''
}
${page.bank ? bankSection(page, t, money) : ''}
${selfServiceSection(t, selfPath)}`
}`
  return document(page.language, t.title(page.number), body)
}

function bankSection(
  page: PayPage,
  t: (typeof labels)[Language],
  money: (minor: bigint) => string,
): string {
  const bank = page.bank
  if (!bank) return ''
  const rows = [
    [t.beneficiary, bank.name],
    [t.iban, groupsOf4(bank.iban)],
    ...(bank.bic ? [[t.bic, bank.bic]] : []),
    [t.reference, page.paymentReference],
  ]
  return `<section aria-labelledby="bank">
<h2 id="bank">${escapeHtml(t.bankTransfer)}</h2>
<dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
${
  page.qrCodeDataUrl
    ? `<figure><img src="${page.qrCodeDataUrl}" width="180" height="180" alt="${escapeHtml(
        t.qrAlt(money(page.openMinor)),
      )}"><figcaption>${escapeHtml(t.qr)}</figcaption></figure>`
    : ''
}
</section>`
}

// Served by collections (self-service/public-routes.ts) under the same token path.
function selfServiceSection(t: (typeof labels)[Language], selfPath: string): string {
  const link = (path: string, text: string) =>
    `<li><a href="${escapeHtml(selfPath)}/${path}">${escapeHtml(text)}</a></li>`
  return `<section aria-labelledby="self-service">
<h2 id="self-service">${escapeHtml(t.selfService)}</h2>
<ul>${link('dispute', t.dispute)}${link('promise', t.promise)}${link('plan', t.plan)}</ul>
</section>`
}

export function notFoundHtml(language: Language = 'nl'): string {
  const t = labels[language]
  return document(
    language,
    t.notFoundTitle,
    `<h1>${escapeHtml(t.notFoundTitle)}</h1>
<p>${escapeHtml(t.notFound)}</p>`,
  )
}

export function unavailableHtml(language: Language, backPath: string): string {
  const t = labels[language]
  return document(
    language,
    t.unavailableTitle,
    `<h1>${escapeHtml(t.unavailableTitle)}</h1>
<p>${escapeHtml(t.unavailable)}</p><p><a href="${escapeHtml(backPath)}">${escapeHtml(t.back)}</a></p>`,
  )
}

function document(language: Language, title: string, body: string): string {
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
h1{font-size:1.5rem;margin:0 0 1rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:0}dt{color:#555}dd{margin:0}
.open{font-size:1.25rem}.paid{font-size:1.25rem;color:#17623a;font-weight:600}
button{font:inherit;font-weight:600;background:#1f3a5f;color:#fff;border:0;border-radius:6px;
padding:.75rem 1.5rem;cursor:pointer}button:focus-visible{outline:3px solid #f0b400;outline-offset:2px}
.hint{color:#555;font-size:.9rem}figure{margin:1rem 0 0}figcaption{color:#555;font-size:.9rem}
</style>
</head>
<body><main>${body}</main></body>
</html>`
}

function displayAmount(language: Language, minor: bigint, currency: string): string {
  // An exact decimal string, so Intl formats it without a float in between.
  return new Intl.NumberFormat(language === 'nl' ? 'nl-NL' : 'en-GB', {
    style: 'currency',
    currency,
  }).format(formatAmount(minor, currency) as unknown as number)
}

function displayDate(language: Language, date: string): string {
  if (!date) return ''
  return new Intl.DateTimeFormat(language === 'nl' ? 'nl-NL' : 'en-GB', {
    dateStyle: 'long',
    timeZone: 'UTC',
  }).format(new Date(`${date}T00:00:00Z`))
}

function groupsOf4(text: string): string {
  return text.replace(/(.{4})(?=.)/g, '$1 ')
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}
