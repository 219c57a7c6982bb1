import type { DunningChannel, TemplateAudience } from '../tables.js'

// The templates o2c ships: every template key × Dutch and English × consumer and business ×
// every channel. A tenant overrides any of them in dunning_template; deleting the override
// brings the default back. The wording differs by audience: a consumer is addressed with "u"
// and gets the 14-day letter of art. 6:96 lid 6 BW (its costs amount, term and consequences
// come from placeholders, so the letter always names what the law computes); a business is
// told about statutory commercial interest (art. 6:119a BW) and the EUR 40 minimum
// compensation of the Late Payment Directive.
//
// Each channel's text is made from the same parts: an e-mail and a letter carry the full text
// with the items table; an SMS or WhatsApp message (≤ 320 characters filled in) the essence
// and the pay link; a phone step a call script for the collector.

export const templateKeys = [
  'pre_due_nudge',
  'friendly_reminder',
  'formal_reminder',
  'fourteen_day_letter',
  'final_notice',
  'recovery_notice',
  'credit_block_notice',
] as const

export type TemplateKey = (typeof templateKeys)[number]
export type TemplateLanguage = 'nl' | 'en'
export const templateLanguages: readonly TemplateLanguage[] = ['nl', 'en']

export type TemplateText = { subject: string; body: string }

/** What one key says to one audience in one language; the channels are made from it. */
type Wording = {
  subject: string
  /** The opening paragraph, before the items. */
  opening: string
  /** What we ask, after the items and total. */
  ask: string
  /** The short message (SMS, WhatsApp), without the link, which is added. */
  short: string
  /** What the collector aims for on the call. */
  callGoal: string
}

type Words = Record<TemplateKey, Record<TemplateAudience, Wording>>

const nl: Words = {
  pre_due_nudge: {
    consumer: {
      subject: 'Herinnering: uw betaling aan {{tenant.name}} vervalt binnenkort',
      opening:
        'Beste {{customer.name}},\n\nEen vriendelijke herinnering: de volgende facturen vervallen binnenkort.',
      ask: 'Wilt u ervoor zorgen dat het bedrag op tijd bij ons binnen is? Heeft u al betaald, dan kunt u dit bericht negeren.',
      short: '{{tenant.name}}: uw factuur van {{total}} vervalt binnenkort.',
      callGoal: 'Herinner de klant vriendelijk aan de komende vervaldatum.',
    },
    business: {
      subject: 'Herinnering: facturen van {{tenant.name}} vervallen binnenkort',
      opening:
        'Geachte heer/mevrouw,\n\nTer herinnering: de volgende facturen van {{tenant.name}} aan {{customer.name}} vervallen binnenkort.',
      ask: 'Wij verzoeken u de betaling tijdig in te plannen. Is de betaling al onderweg, dan kunt u dit bericht negeren.',
      short: '{{tenant.name}}: facturen voor {{total}} vervallen binnenkort.',
      callGoal: 'Controleer of de facturen zijn goedgekeurd en ingepland voor betaling.',
    },
  },
  friendly_reminder: {
    consumer: {
      subject: 'Betalingsherinnering van {{tenant.name}}',
      opening:
        'Beste {{customer.name}},\n\nWij hebben uw betaling van de volgende facturen nog niet ontvangen. Misschien is het u ontschoten.',
      ask: 'Wilt u het openstaande bedrag uiterlijk {{deadline}} betalen? Heeft u inmiddels betaald, dan kunt u dit bericht negeren.',
      short:
        '{{tenant.name}}: wij missen nog uw betaling van {{total}}. Wilt u uiterlijk {{deadline}} betalen?',
      callGoal: 'Vraag vriendelijk naar de betaling en spreek een betaaldatum af.',
    },
    business: {
      subject: 'Betalingsherinnering {{customer.number}}: vervallen facturen',
      opening:
        'Geachte heer/mevrouw,\n\nVolgens onze administratie staan de volgende facturen aan {{customer.name}} nog open, terwijl de betaaltermijn is verstreken.',
      ask: 'Wij verzoeken u het openstaande bedrag uiterlijk {{deadline}} te voldoen. Heeft u vragen over een factuur, neem dan contact met ons op.',
      short:
        '{{tenant.name}}: facturen voor {{total}} zijn vervallen. Graag betaling uiterlijk {{deadline}}.',
      callGoal: 'Vraag of de facturen zijn ontvangen en goedgekeurd, en wanneer ze worden betaald.',
    },
  },
  formal_reminder: {
    consumer: {
      subject: 'Tweede herinnering: betaling aan {{tenant.name}}',
      opening:
        'Beste {{customer.name}},\n\nOndanks onze eerdere herinnering hebben wij uw betaling van de volgende facturen nog niet ontvangen.',
      ask: 'Wij verzoeken u dringend het bedrag van {{total}} uiterlijk {{deadline}} te betalen. Lukt betalen niet, neem dan contact met ons op: samen zoeken we naar een oplossing, zoals een betalingsregeling.',
      short:
        '{{tenant.name}}: 2e herinnering. Betaal {{total}} uiterlijk {{deadline}}, of neem contact op voor een regeling.',
      callGoal:
        'Vraag waarom er niet is betaald; bied bij betalingsproblemen een betalingsregeling aan.',
    },
    business: {
      subject: 'Tweede herinnering {{customer.number}}: vervallen facturen',
      opening:
        'Geachte heer/mevrouw,\n\nOndanks onze eerdere herinnering staan de volgende facturen aan {{customer.name}} nog open.',
      ask: 'Wij verzoeken u het bedrag van {{total}} uiterlijk {{deadline}} te voldoen. Over te late betaling is de wettelijke handelsrente (art. 6:119a BW) verschuldigd, en een vergoeding voor incassokosten van ten minste EUR 40.',
      short:
        '{{tenant.name}}: 2e herinnering, {{total}} vervallen. Betaal uiterlijk {{deadline}}; daarna handelsrente en incassokosten.',
      callGoal: 'Vraag naar de reden van uitblijven van betaling en leg een betaalbelofte vast.',
    },
  },
  fourteen_day_letter: {
    consumer: {
      subject: 'Laatste herinnering voordat incassokosten in rekening worden gebracht',
      opening:
        'Beste {{customer.name}},\n\nOndanks onze herinneringen hebben wij de betaling van de volgende facturen nog niet ontvangen.',
      ask: 'Wij geven u de gelegenheid het totaalbedrag van {{total}} te betalen binnen 14 dagen na de dag waarop u deze brief ontvangt, uiterlijk op {{deadline}}.\n\n{{consequences}}',
      short:
        '{{tenant.name}}: betaal {{total}} uiterlijk {{deadline}}, anders incassokosten van {{costs}}. U krijgt ook een brief.',
      callGoal:
        'Wijs op de 14-dagenbrief en de incassokosten van {{costs}} na {{deadline}}; bied bij betalingsproblemen een regeling aan.',
    },
    business: {
      subject: 'Ingebrekestelling {{customer.number}}: laatste termijn voor betaling',
      opening:
        'Geachte heer/mevrouw,\n\nOndanks onze herinneringen staan de volgende facturen aan {{customer.name}} nog open. Wij stellen u hierbij in gebreke.',
      ask: 'Wij verzoeken u het totaalbedrag van {{total}} binnen 14 dagen, uiterlijk op {{deadline}}, te voldoen.\n\n{{consequences}}',
      short:
        '{{tenant.name}}: ingebrekestelling, {{total}} vervallen. Betaal uiterlijk {{deadline}}; daarna incassokosten {{costs}} en handelsrente.',
      callGoal: 'Kondig de ingebrekestelling aan en leg een concrete betaaldatum vast.',
    },
  },
  final_notice: {
    consumer: {
      subject: 'Aanmaning: laatste kans om te betalen',
      opening:
        'Beste {{customer.name}},\n\nDe termijn uit onze eerdere brief is verstreken en de volgende facturen zijn nog steeds niet betaald.',
      ask: 'Het openstaande bedrag is {{total}}; daarnaast zijn incassokosten van {{costs}} en wettelijke rente van {{interest}} verschuldigd. Betaal uiterlijk {{deadline}}, anders dragen wij de vordering over aan een incassobureau.',
      short:
        '{{tenant.name}}: aanmaning. Betaal {{total}} uiterlijk {{deadline}}, anders overdracht aan incassobureau.',
      callGoal: 'Laatste poging vóór overdracht: betaling of regeling vastleggen.',
    },
    business: {
      subject: 'Aanmaning {{customer.number}}: laatste sommatie',
      opening:
        'Geachte heer/mevrouw,\n\nDe gestelde termijn is verstreken en de volgende facturen aan {{customer.name}} zijn nog steeds niet voldaan.',
      ask: 'Het openstaande bedrag is {{total}}, vermeerderd met incassokosten van {{costs}} en de wettelijke handelsrente van {{interest}}. Betaal uiterlijk {{deadline}}, anders dragen wij de vordering zonder nadere aankondiging over ter incasso.',
      short:
        '{{tenant.name}}: laatste sommatie, {{total}} + kosten. Betaal uiterlijk {{deadline}}, anders incasso.',
      callGoal: 'Laatste poging vóór overdracht: betaling of regeling met de beslisser vastleggen.',
    },
  },
  recovery_notice: {
    consumer: {
      subject: 'Uw vordering is overgedragen voor incasso',
      opening:
        'Beste {{customer.name}},\n\nOmdat de volgende facturen niet zijn betaald, hebben wij de vordering overgedragen voor incasso.',
      ask: 'De incassopartij neemt contact met u op. U kunt nog steeds betalen: {{total}}, vermeerderd met incassokosten van {{costs}} en wettelijke rente van {{interest}}.',
      short: '{{tenant.name}}: uw vordering van {{total}} is overgedragen voor incasso.',
      callGoal: 'Informeer de klant over de overdracht; verwijs naar de incassopartij.',
    },
    business: {
      subject: 'Vordering {{customer.number}} overgedragen voor incasso',
      opening:
        'Geachte heer/mevrouw,\n\nOmdat de volgende facturen aan {{customer.name}} niet zijn voldaan, is de vordering overgedragen voor incasso.',
      ask: 'Verschuldigd zijn {{total}}, incassokosten van {{costs}} en de wettelijke handelsrente van {{interest}}. De incassopartij neemt contact met u op.',
      short: '{{tenant.name}}: vordering van {{total}} is overgedragen voor incasso.',
      callGoal: 'Informeer de klant over de overdracht; verwijs naar de incassopartij.',
    },
  },
  credit_block_notice: {
    consumer: {
      subject: 'Nieuwe bestellingen tijdelijk geblokkeerd',
      opening:
        'Beste {{customer.name}},\n\nOmdat de volgende facturen nog openstaan, kunnen wij nieuwe bestellingen tijdelijk niet leveren.',
      ask: 'Zodra het openstaande bedrag van {{total}} is betaald, heffen wij de blokkade op.',
      short: '{{tenant.name}}: nieuwe bestellingen geblokkeerd tot {{total}} is betaald.',
      callGoal: 'Leg uit dat nieuwe orders geblokkeerd zijn tot betaling; spreek een datum af.',
    },
    business: {
      subject: 'Kredietblokkade {{customer.number}}: nieuwe orders geblokkeerd',
      opening:
        'Geachte heer/mevrouw,\n\nOmdat de volgende facturen aan {{customer.name}} zijn vervallen, hebben wij nieuwe orders geblokkeerd.',
      ask: 'Na betaling van {{total}} heffen wij de blokkade op. Over te late betaling is de wettelijke handelsrente (art. 6:119a BW) verschuldigd.',
      short: '{{tenant.name}}: nieuwe orders geblokkeerd tot betaling van {{total}}.',
      callGoal:
        'Bespreek de blokkade met de inkoper of crediteurenadministratie; leg betaaldatum vast.',
    },
  },
}

const en: Words = {
  pre_due_nudge: {
    consumer: {
      subject: 'Reminder: your payment to {{tenant.name}} is due soon',
      opening:
        'Dear {{customer.name}},\n\nA friendly reminder: the following invoices fall due soon.',
      ask: 'Please make sure the payment reaches us on time. If you have already paid, please ignore this message.',
      short: '{{tenant.name}}: your invoice of {{total}} is due soon.',
      callGoal: 'Remind the customer kindly of the coming due date.',
    },
    business: {
      subject: 'Reminder: invoices from {{tenant.name}} fall due soon',
      opening:
        'Dear Sir or Madam,\n\nA reminder: the following invoices from {{tenant.name}} to {{customer.name}} fall due soon.',
      ask: 'Please schedule the payment in time. If it is already on its way, please ignore this message.',
      short: '{{tenant.name}}: invoices of {{total}} fall due soon.',
      callGoal: 'Check that the invoices are approved and scheduled for payment.',
    },
  },
  friendly_reminder: {
    consumer: {
      subject: 'Payment reminder from {{tenant.name}}',
      opening:
        'Dear {{customer.name}},\n\nWe have not yet received your payment of the following invoices. Perhaps it slipped your mind.',
      ask: 'Please pay the amount due by {{deadline}}. If you have paid in the meantime, please ignore this message.',
      short:
        '{{tenant.name}}: we have not yet received your payment of {{total}}. Please pay by {{deadline}}.',
      callGoal: 'Ask kindly about the payment and agree a payment date.',
    },
    business: {
      subject: 'Payment reminder {{customer.number}}: overdue invoices',
      opening:
        'Dear Sir or Madam,\n\nAccording to our records the following invoices to {{customer.name}} are still open, although their payment term has passed.',
      ask: 'Please pay the amount due by {{deadline}}. If you have a question about an invoice, please contact us.',
      short: '{{tenant.name}}: invoices of {{total}} are overdue. Please pay by {{deadline}}.',
      callGoal: 'Ask whether the invoices were received and approved, and when they will be paid.',
    },
  },
  formal_reminder: {
    consumer: {
      subject: 'Second reminder: payment to {{tenant.name}}',
      opening:
        'Dear {{customer.name}},\n\nDespite our earlier reminder we have not yet received your payment of the following invoices.',
      ask: 'We urge you to pay {{total}} by {{deadline}}. If you cannot pay, please contact us: together we will look for a solution, such as a payment plan.',
      short:
        '{{tenant.name}}: 2nd reminder. Please pay {{total}} by {{deadline}}, or contact us about a payment plan.',
      callGoal:
        'Ask why the invoices were not paid; offer a payment plan if the customer cannot pay.',
    },
    business: {
      subject: 'Second reminder {{customer.number}}: overdue invoices',
      opening:
        'Dear Sir or Madam,\n\nDespite our earlier reminder the following invoices to {{customer.name}} are still open.',
      ask: 'Please pay {{total}} by {{deadline}}. Late payment carries statutory commercial interest (art. 6:119a Dutch Civil Code) and compensation for collection costs of at least EUR 40.',
      short:
        '{{tenant.name}}: 2nd reminder, {{total}} overdue. Pay by {{deadline}}; after that commercial interest and collection costs.',
      callGoal: 'Ask why payment is late and record a promise to pay.',
    },
  },
  fourteen_day_letter: {
    consumer: {
      subject: 'Final reminder before collection costs are charged',
      opening:
        'Dear {{customer.name}},\n\nDespite our reminders we have not yet received payment of the following invoices.',
      ask: 'We give you the opportunity to pay the total of {{total}} within 14 days from the day after you receive this letter, by {{deadline}} at the latest.\n\n{{consequences}}',
      short:
        '{{tenant.name}}: pay {{total}} by {{deadline}}, or collection costs of {{costs}} follow. A letter is on its way.',
      callGoal:
        'Point out the 14-day letter and the collection costs of {{costs}} after {{deadline}}; offer a payment plan if needed.',
    },
    business: {
      subject: 'Notice of default {{customer.number}}: final term for payment',
      opening:
        'Dear Sir or Madam,\n\nDespite our reminders the following invoices to {{customer.name}} are still open. We hereby give you notice of default.',
      ask: 'Please pay the total of {{total}} within 14 days, by {{deadline}} at the latest.\n\n{{consequences}}',
      short:
        '{{tenant.name}}: notice of default, {{total}} overdue. Pay by {{deadline}}; then collection costs {{costs}} and interest.',
      callGoal: 'Announce the notice of default and record a firm payment date.',
    },
  },
  final_notice: {
    consumer: {
      subject: 'Final notice: last chance to pay',
      opening:
        'Dear {{customer.name}},\n\nThe term of our earlier letter has passed and the following invoices are still unpaid.',
      ask: 'The amount due is {{total}}; in addition collection costs of {{costs}} and statutory interest of {{interest}} are due. Please pay by {{deadline}}, or we will hand the claim over to a collection agency.',
      short:
        '{{tenant.name}}: final notice. Pay {{total}} by {{deadline}}, or the claim goes to a collection agency.',
      callGoal: 'Last attempt before hand-over: record a payment or a payment plan.',
    },
    business: {
      subject: 'Final notice {{customer.number}}: last demand for payment',
      opening:
        'Dear Sir or Madam,\n\nThe term given has passed and the following invoices to {{customer.name}} are still unpaid.',
      ask: 'The amount due is {{total}}, plus collection costs of {{costs}} and statutory commercial interest of {{interest}}. Please pay by {{deadline}}, or we will hand the claim over for collection without further notice.',
      short:
        '{{tenant.name}}: final demand, {{total}} + costs. Pay by {{deadline}}, or the claim goes to collection.',
      callGoal: 'Last attempt before hand-over: record a payment or plan with the decision maker.',
    },
  },
  recovery_notice: {
    consumer: {
      subject: 'Your debt has been handed over for collection',
      opening:
        'Dear {{customer.name}},\n\nAs the following invoices were not paid, we have handed the claim over for collection.',
      ask: 'The collection agency will contact you. You can still pay: {{total}}, plus collection costs of {{costs}} and statutory interest of {{interest}}.',
      short: '{{tenant.name}}: your debt of {{total}} has been handed over for collection.',
      callGoal: 'Tell the customer about the hand-over; refer them to the collection agency.',
    },
    business: {
      subject: 'Claim {{customer.number}} handed over for collection',
      opening:
        'Dear Sir or Madam,\n\nAs the following invoices to {{customer.name}} were not paid, the claim has been handed over for collection.',
      ask: 'Due are {{total}}, collection costs of {{costs}} and statutory commercial interest of {{interest}}. The collection agency will contact you.',
      short: '{{tenant.name}}: claim of {{total}} handed over for collection.',
      callGoal: 'Tell the customer about the hand-over; refer them to the collection agency.',
    },
  },
  credit_block_notice: {
    consumer: {
      subject: 'New orders temporarily on hold',
      opening:
        'Dear {{customer.name}},\n\nAs the following invoices are still open, we cannot deliver new orders for the time being.',
      ask: 'As soon as the amount due of {{total}} is paid, we lift the hold.',
      short: '{{tenant.name}}: new orders on hold until {{total}} is paid.',
      callGoal: 'Explain that new orders are on hold until payment; agree a date.',
    },
    business: {
      subject: 'Credit hold {{customer.number}}: new orders blocked',
      opening:
        'Dear Sir or Madam,\n\nAs the following invoices to {{customer.name}} are overdue, we have blocked new orders.',
      ask: 'We lift the hold once {{total}} is paid. Late payment carries statutory commercial interest (art. 6:119a Dutch Civil Code).',
      short: '{{tenant.name}}: new orders blocked until {{total}} is paid.',
      callGoal: 'Discuss the hold with purchasing or accounts payable; record a payment date.',
    },
  },
}

const furniture: Record<
  TemplateLanguage,
  { total: string; pay: string; regards: string; payShort: string; call: string[] }
> = {
  nl: {
    total: 'Totaal openstaand: {{total}}',
    pay: 'U kunt betalen via {{payment_link}} of door het bedrag over te maken naar {{iban}} ten name van {{tenant.name}}, onder vermelding van betalingskenmerk {{payment_reference}}.',
    regards: 'Met vriendelijke groet,\n\n{{tenant.name}}',
    payShort: 'Betaal: {{payment_link}}',
    call: [
      'Belscript: {{customer.name}} ({{customer.number}})',
      'Openstaand: {{item_count}} posten, totaal {{total}}.',
      'Doel van het gesprek:',
      'Leg de uitkomst vast (bereikt, betaalbelofte, geschil, betalingsregeling) en stuur zo nodig de betaallink: {{payment_link}}',
    ],
  },
  en: {
    total: 'Total due: {{total}}',
    pay: 'You can pay at {{payment_link}} or by transfer to {{iban}} in the name of {{tenant.name}}, quoting payment reference {{payment_reference}}.',
    regards: 'Kind regards,\n\n{{tenant.name}}',
    payShort: 'Pay: {{payment_link}}',
    call: [
      'Call script: {{customer.name}} ({{customer.number}})',
      'Open: {{item_count}} items, total {{total}}.',
      'Aim of the call:',
      'Record the outcome (reached, promise to pay, dispute, payment plan) and send the pay link if useful: {{payment_link}}',
    ],
  },
}

function channelText(
  wording: Wording,
  language: TemplateLanguage,
  channel: DunningChannel,
): TemplateText {
  const f = furniture[language]
  switch (channel) {
    case 'email':
    case 'letter':
      return {
        subject: wording.subject,
        body: [wording.opening, '{{items}}', f.total, wording.ask, f.pay, f.regards].join('\n\n'),
      }
    case 'sms':
    case 'whatsapp':
      return { subject: '', body: `${wording.short} ${f.payShort}` }
    case 'phone': {
      const [title, open, aim, record] = f.call
      return {
        subject: title,
        body: [open, '{{items}}', `${aim} ${wording.callGoal}`, record].join('\n\n'),
      }
    }
  }
}

const words: Record<TemplateLanguage, Words> = { nl, en }

function isTemplateKey(key: string): key is TemplateKey {
  return (templateKeys as readonly string[]).includes(key)
}

/** The shipped template, or undefined for a key o2c does not ship (a tenant's own key). */
export function defaultTemplate(
  key: string,
  language: TemplateLanguage,
  audience: TemplateAudience,
  channel: DunningChannel,
): TemplateText | undefined {
  if (!isTemplateKey(key)) return undefined
  return channelText(words[language][key][audience], language, channel)
}
