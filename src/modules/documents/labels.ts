import type { DocumentLanguage, VatCategory } from '../invoicing/index.js'

// Every word the PDFs print, per language. A label that takes values is a function, so the
// word order can differ between languages. Adding a language means adding one object here;
// the compiler checks that it has every label.

export type Labels = {
  invoice: string
  creditNote: string
  statement: string
  number: string
  issueDate: string
  dueDate: string
  buyerReference: string
  orderReference: string
  corrects: string
  invoicingPeriod: string
  deliveryDate: string
  customerNumber: string
  attention: string
  vatId: string
  legalId: string
  phone: string
  email: string
  line: string
  itemCode: string
  item: string
  quantity: string
  unitPrice: string
  discount: string
  vat: string
  netAmount: string
  amountsIn: (currency: string) => string
  allowancesCharges: string
  allowance: string
  charge: string
  vatSummary: string
  vatCategory: string
  taxable: string
  exemptionReason: string
  lineTotal: string
  allowancesTotal: string
  chargesTotal: string
  totalExclVat: string
  totalVat: string
  totalInclVat: string
  prepaid: string
  amountDue: string
  amountCredited: string
  vatInAccountingCurrency: (currency: string, rate: string, invoiceCurrency: string) => string
  paymentTerms: string
  netDays: (days: number, dueDate: string) => string
  dueOnReceipt: string
  earlyPaymentDiscount: (percent: string, days: number, date: string) => string
  instalments: string
  instalment: (n: number) => string
  paymentReference: string
  paymentReferenceHint: string
  bankDetails: string
  iban: string
  bic: string
  accountName: string
  scanToPay: string
  payOnline: string
  creditNoteSettlement: string
  note: string
  page: (page: number, pages: number) => string
  asOf: string
  openItems: string
  noOpenItems: string
  total: string
  open: string
  daysOverdue: string
  recentPayments: string
  noRecentPayments: string
  date: string
  reference: string
  amount: string
  totalOpen: string
  charges: string
  chargeKinds: { collection_costs: string; interest: string }
  period: string
  collectionChargesTotal: string
  overdue: string
  vatCategoryName: Record<VatCategory, string>
  /** Short form for the VAT column of the lines (rate is filled in for S). */
  vatCategoryShort: Record<VatCategory, string>
  /** UN/ECE Recommendation 20 unit codes we print by name; others print as their code. */
  units: Record<string, string>
  months: readonly string[]
}

const nl: Labels = {
  invoice: 'Factuur',
  creditNote: 'Creditnota',
  statement: 'Rekeningoverzicht',
  number: 'Nummer',
  issueDate: 'Datum',
  dueDate: 'Vervaldatum',
  buyerReference: 'Uw referentie',
  orderReference: 'Uw bestelling',
  corrects: 'Correctie op factuur',
  invoicingPeriod: 'Periode',
  deliveryDate: 'Leverdatum',
  customerNumber: 'Klantnummer',
  attention: 't.a.v.',
  vatId: 'Btw-nummer',
  legalId: 'KvK-nummer',
  phone: 'Telefoon',
  email: 'E-mail',
  line: 'Nr',
  itemCode: 'Artikel',
  item: 'Omschrijving',
  quantity: 'Aantal',
  unitPrice: 'Prijs',
  discount: 'Korting',
  vat: 'Btw',
  netAmount: 'Bedrag',
  amountsIn: (currency) => `Bedragen in ${currency}`,
  allowancesCharges: 'Kortingen en toeslagen',
  allowance: 'Korting',
  charge: 'Toeslag',
  vatSummary: 'Btw-specificatie',
  vatCategory: 'Tarief',
  taxable: 'Grondslag',
  exemptionReason: 'Toelichting',
  lineTotal: 'Totaal regels',
  allowancesTotal: 'Kortingen',
  chargesTotal: 'Toeslagen',
  totalExclVat: 'Totaal excl. btw',
  totalVat: 'Btw',
  totalInclVat: 'Totaal incl. btw',
  prepaid: 'Reeds betaald',
  amountDue: 'Te betalen',
  amountCredited: 'Te crediteren',
  vatInAccountingCurrency: (currency, rate, invoiceCurrency) =>
    `Btw in ${currency} (koers 1 ${invoiceCurrency} = ${rate} ${currency})`,
  paymentTerms: 'Betaling',
  netDays: (days, dueDate) =>
    `Betaling binnen ${days} ${days === 1 ? 'dag' : 'dagen'} na factuurdatum, uiterlijk ${dueDate}.`,
  dueOnReceipt: 'Direct te betalen.',
  earlyPaymentDiscount: (percent, days, date) =>
    `${percent}% korting bij betaling binnen ${days} ${days === 1 ? 'dag' : 'dagen'} (vóór ${date})`,
  instalments: 'Betaling in termijnen',
  instalment: (n) => `Termijn ${n}`,
  paymentReference: 'Betalingskenmerk',
  paymentReferenceHint: 'Vermeld bij betaling het betalingskenmerk.',
  bankDetails: 'Bankgegevens',
  iban: 'IBAN',
  bic: 'BIC',
  accountName: 'Ten name van',
  scanToPay: 'Scan om te betalen',
  payOnline: 'Online betalen',
  creditNoteSettlement: 'Dit bedrag verrekenen wij met openstaande facturen of betalen wij terug.',
  note: 'Opmerking',
  page: (page, pages) => `Pagina ${page} van ${pages}`,
  asOf: 'Stand per',
  openItems: 'Openstaande posten',
  noOpenItems: 'Er staan geen posten open.',
  total: 'Bedrag',
  open: 'Open',
  daysOverdue: 'Dagen te laat',
  recentPayments: 'Recente betalingen',
  noRecentPayments: 'Geen recente betalingen.',
  date: 'Datum',
  reference: 'Referentie',
  amount: 'Bedrag',
  totalOpen: 'Totaal openstaand',
  charges: 'Incassokosten en rente',
  chargeKinds: { collection_costs: 'Incassokosten', interest: 'Rente' },
  period: 'Periode',
  collectionChargesTotal: 'Incassokosten en rente',
  overdue: 'Waarvan vervallen',
  vatCategoryName: {
    S: 'Btw',
    Z: 'Nultarief',
    E: 'Vrijgesteld van btw',
    AE: 'Btw verlegd',
    K: 'Intracommunautaire levering',
    G: 'Uitvoer buiten de EU',
    O: 'Niet onderworpen aan btw',
  },
  vatCategoryShort: {
    S: '',
    Z: '0%',
    E: 'vrijgest.',
    AE: 'verlegd',
    K: 'ICL 0%',
    G: 'export',
    O: 'n.v.t.',
  },
  units: {
    C62: 'st.',
    H87: 'st.',
    EA: 'st.',
    HUR: 'uur',
    DAY: 'dag',
    WEE: 'week',
    MON: 'mnd',
    ANN: 'jaar',
    KGM: 'kg',
    GRM: 'g',
    MTR: 'm',
    MTK: 'm²',
    LTR: 'l',
    KMT: 'km',
    SET: 'set',
    PK: 'pak',
  },
  months: [
    'januari',
    'februari',
    'maart',
    'april',
    'mei',
    'juni',
    'juli',
    'augustus',
    'september',
    'oktober',
    'november',
    'december',
  ],
}

const en: Labels = {
  invoice: 'Invoice',
  creditNote: 'Credit note',
  statement: 'Statement of account',
  number: 'Number',
  issueDate: 'Date',
  dueDate: 'Due date',
  buyerReference: 'Your reference',
  orderReference: 'Your order',
  corrects: 'Corrects invoice',
  invoicingPeriod: 'Period',
  deliveryDate: 'Delivery date',
  customerNumber: 'Customer number',
  attention: 'Attn.',
  vatId: 'VAT number',
  legalId: 'Company reg. no.',
  phone: 'Phone',
  email: 'Email',
  line: 'No',
  itemCode: 'Item',
  item: 'Description',
  quantity: 'Quantity',
  unitPrice: 'Price',
  discount: 'Discount',
  vat: 'VAT',
  netAmount: 'Amount',
  amountsIn: (currency) => `Amounts in ${currency}`,
  allowancesCharges: 'Allowances and charges',
  allowance: 'Allowance',
  charge: 'Charge',
  vatSummary: 'VAT summary',
  vatCategory: 'Rate',
  taxable: 'Taxable amount',
  exemptionReason: 'Note',
  lineTotal: 'Lines total',
  allowancesTotal: 'Allowances',
  chargesTotal: 'Charges',
  totalExclVat: 'Total excl. VAT',
  totalVat: 'VAT',
  totalInclVat: 'Total incl. VAT',
  prepaid: 'Paid in advance',
  amountDue: 'Amount due',
  amountCredited: 'Amount credited',
  vatInAccountingCurrency: (currency, rate, invoiceCurrency) =>
    `VAT in ${currency} (rate 1 ${invoiceCurrency} = ${rate} ${currency})`,
  paymentTerms: 'Payment',
  netDays: (days, dueDate) =>
    `Payment within ${days} ${days === 1 ? 'day' : 'days'} of the invoice date, by ${dueDate}.`,
  dueOnReceipt: 'Payable on receipt.',
  earlyPaymentDiscount: (percent, days, date) =>
    `${percent}% discount if paid within ${days} ${days === 1 ? 'day' : 'days'} (by ${date})`,
  instalments: 'Payment in instalments',
  instalment: (n) => `Instalment ${n}`,
  paymentReference: 'Payment reference',
  paymentReferenceHint: 'Please quote the payment reference with your payment.',
  bankDetails: 'Bank details',
  iban: 'IBAN',
  bic: 'BIC',
  accountName: 'Account name',
  scanToPay: 'Scan to pay',
  payOnline: 'Pay online',
  creditNoteSettlement: 'We will set this amount off against open invoices or refund it.',
  note: 'Note',
  page: (page, pages) => `Page ${page} of ${pages}`,
  asOf: 'As of',
  openItems: 'Open items',
  noOpenItems: 'No items are open.',
  total: 'Amount',
  open: 'Open',
  daysOverdue: 'Days overdue',
  recentPayments: 'Recent payments',
  noRecentPayments: 'No recent payments.',
  date: 'Date',
  reference: 'Reference',
  amount: 'Amount',
  totalOpen: 'Total open',
  charges: 'Collection costs and interest',
  chargeKinds: { collection_costs: 'Collection costs', interest: 'Interest' },
  period: 'Period',
  collectionChargesTotal: 'Collection costs and interest',
  overdue: 'Of which overdue',
  vatCategoryName: {
    S: 'VAT',
    Z: 'Zero rated',
    E: 'Exempt from VAT',
    AE: 'Reverse charge',
    K: 'Intra-community supply',
    G: 'Export outside the EU',
    O: 'Not subject to VAT',
  },
  vatCategoryShort: {
    S: '',
    Z: '0%',
    E: 'exempt',
    AE: 'rev. charge',
    K: 'intra-EU 0%',
    G: 'export',
    O: 'n/a',
  },
  units: {
    C62: 'pcs',
    H87: 'pcs',
    EA: 'pcs',
    HUR: 'h',
    DAY: 'day',
    WEE: 'week',
    MON: 'month',
    ANN: 'year',
    KGM: 'kg',
    GRM: 'g',
    MTR: 'm',
    MTK: 'm²',
    LTR: 'l',
    KMT: 'km',
    SET: 'set',
    PK: 'pack',
  },
  months: [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
}

export const labels: Record<DocumentLanguage, Labels> = { nl, en }
