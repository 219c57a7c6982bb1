import { composeIBAN, isValidIBAN } from 'ibantools'
import { addDays } from '../src/core/dates.js'
import { formatAmount } from '../src/core/money.js'
import {
  formatDutchPaymentReference,
  formatRfReference,
  paymentReferenceFor,
} from '../src/core/payment-reference.js'
import type { BankEntry } from '../src/modules/cashapp/bank-files/model.js'
import type {
  CustomerRecord,
  LearnedLink,
  OpenItem,
  RemittanceAdvice,
} from '../src/modules/cashapp/matching/model.js'

// A seeded tenant and bank statements with ground truth, for the cash-application quality
// benchmark: Dutch, Belgian and German customers with legal forms, IBANs that pass their
// check digits, groups, open invoices with references and discounts; then transactions of
// every case issue 6 names, and traps where applying automatically would be wrong.

export type Truth = {
  case: string
  /** The payment has invoices to go to (false: a duplicate, a refund, a stranger). */
  hasInvoices: boolean
  /** A trap: applying it automatically is wrong whatever is applied. */
  autoAllowed: boolean
  customerId?: string
  /** amountMinor null: the invoice is what counts (a foreign-currency payment). */
  allocations: { invoiceId: string; amountMinor: bigint | null }[]
}

export type Statements = {
  customers: CustomerRecord[]
  openItems: OpenItem[]
  learnedLinks: LearnedLink[]
  advices: RemittanceAdvice[]
  transactions: { entry: BankEntry; truth: Truth }[]
  /** The tenant's USD rate: 1 EUR is this many USD (5 decimals). */
  usdPerEurUnits: bigint
}

export type GeneratorSize = { customers: number; invoicesPerCustomer: number; transactions: number }

// mulberry32: small, fast, and the same numbers on every machine for a seed.
function random(seed: number) {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!
  const chance = (p: number) => next() < p
  return { next, int, pick, chance }
}
type Random = ReturnType<typeof random>

const surnames = {
  NL: 'Jansen,de Vries,van den Berg,Bakker,Visser,Smit,Meijer,de Boer,Mulder,de Groot,Bos,Vos,Peters,Hendriks,van Leeuwen,Dekker,Brouwer,de Wit,Dijkstra,Smits,de Graaf,van der Meer,Kok,Jacobs,de Haan,Vermeulen,van den Heuvel,van der Veen,van Dijk,Schouten,Willems,Hoekstra,Koster,Prins,Blom,Huisman,Kuipers,van Wijk,Post,Kramer'.split(
    ',',
  ),
  BE: 'Peeters,Janssens,Maes,Jacobs,Mertens,Willems,Claes,Goossens,Wouters,De Smet,Dubois,Lambert,Dupont,Martens,Lemmens,Hermans,Van Damme,De Clercq,Aerts,Cools,Verstraete,Leclercq,Michiels,Desmet,Vandenberghe'.split(
    ',',
  ),
  DE: 'Müller,Schmidt,Schneider,Fischer,Weber,Meyer,Wagner,Becker,Schulz,Hoffmann,Schäfer,Koch,Bauer,Richter,Klein,Wolf,Schröder,Neumann,Schwarz,Zimmermann,Braun,Krüger,Hofmann,Hartmann,Lange,Schmitt,Werner,Krause,Meier,Lehmann'.split(
    ',',
  ),
}
const trades = {
  NL: 'Bakkerij,Bouwbedrijf,Transport,Drukkerij,Installatiebedrijf,Autobedrijf,Hoveniersbedrijf,Schildersbedrijf,Metaalbewerking,Handelsonderneming,Brouwerij,Garage,Loodgietersbedrijf,Timmerbedrijf,Groothandel,Adviesbureau'.split(
    ',',
  ),
  BE: 'Bakkerij,Bouwonderneming,Transport,Drukkerij,Brasserie,Garage,Schrijnwerkerij,Elektriciteit,Verhuizingen,Boulangerie,Imprimerie,Menuiserie'.split(
    ',',
  ),
  DE: 'Bäckerei,Spedition,Maschinenbau,Elektro,Metzgerei,Schreinerei,Zimmerei,Druckerei,Autohaus,Brauerei,Gartenbau,Sanitär,Handelsgesellschaft,Ingenieurbüro'.split(
    ',',
  ),
}
const places = {
  NL: 'Utrecht,Amersfoort,Zwolle,Delft,Leiden,Breda,Tilburg,Groningen,Haarlem,Arnhem'.split(','),
  BE: 'Gent,Brugge,Leuven,Antwerpen,Hasselt,Namur,Liège,Mechelen'.split(','),
  DE: 'Köln,Düsseldorf,Aachen,Münster,Essen,Bremen,Hannover,Kassel'.split(','),
}
const legalForms = {
  NL: ['B.V.', 'BV', 'B.V.', 'V.O.F.', 'Holding B.V.'],
  BE: ['NV', 'BV', 'BVBA', 'SA', 'SRL'],
  DE: ['GmbH', 'GmbH & Co. KG', 'AG', 'GmbH', 'e.K.'],
}
const banks = {
  NL: ['ABNA', 'INGB', 'RABO', 'TRIO', 'SNSB', 'KNAB'],
  BE: ['539', '001', '068', '363'],
  DE: ['37040044', '50010517', '10010010', '20050550'],
}
type Country = keyof typeof surnames

function digits(r: Random, n: number): string {
  let out = ''
  for (let i = 0; i < n; i++) out += String(r.int(0, 9))
  return out
}

/** A fresh IBAN that passes its check digits (and Belgium's national check). */
export function makeIban(r: Random, country: Country): string {
  let iban: string | null
  if (country === 'NL') {
    iban = composeIBAN({ countryCode: 'NL', bban: `${r.pick(banks.NL)}${digits(r, 10)}` })
  } else if (country === 'DE') {
    iban = composeIBAN({ countryCode: 'DE', bban: `${r.pick(banks.DE)}${digits(r, 10)}` })
  } else {
    const base = `${r.pick(banks.BE)}${digits(r, 7)}`
    const check = Number(BigInt(base) % 97n) || 97
    iban = composeIBAN({ countryCode: 'BE', bban: `${base}${String(check).padStart(2, '0')}` })
  }
  if (!iban || !isValidIBAN(iban)) throw new Error(`generated an invalid IBAN ${iban}`)
  return iban
}

type Customer = CustomerRecord & { country: Country; items: OpenItem[]; bankName: string }

function nameFor(r: Random, country: Country): string {
  const surname = r.pick(surnames[country])
  const trade = r.pick(trades[country])
  const form = r.pick(legalForms[country])
  const roll = r.next()
  if (roll < 0.55) return `${trade} ${surname} ${form}`
  if (roll < 0.8) return `${surname} ${trade} ${r.pick(places[country])} ${form}`
  return `${trade} ${surname} ${r.pick(places[country])} ${form}`
}

/** The name as a bank shows it: upper case, accents gone, cut at 35 characters. */
function asBankShows(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .slice(0, 35)
    .trim()
}

/** How a payer's name differs from master data: legal form, order, truncation, abbreviation. */
function nameVariant(r: Random, name: string): string {
  let words = name
    .replace(/\b(B\.V\.|BV|V\.O\.F\.|NV|BVBA|SA|SRL|GmbH & Co\. KG|GmbH|AG|e\.K\.)$/, '')
    .trim()
    .split(' ')
  const changes = r.int(1, 2)
  for (let i = 0; i < changes; i++) {
    const roll = r.next()
    if (roll < 0.3 && words.length > 1) words = [...words.slice(1), words[0]!]
    else if (roll < 0.55 && words.length > 1) {
      // An abbreviated first word ('Bakk. Jansen'), never the name cut down to it.
      words = words.map((w, j) => (j === 0 && w.length > 6 ? `${w.slice(0, 4)}.` : w))
    } else if (roll < 0.75 && words.join(' ').length > 24) {
      // Cut off by the bank's field length, somewhere after the first words.
      words = words.join(' ').slice(0, r.int(18, 24)).trim().split(' ')
    } else if (roll < 0.9)
      words = words.map((w) => w.replace('ü', 'ue').replace('ö', 'oe').replace('ä', 'ae'))
    else words = [...words, r.pick(['BV', 'GMBH', 'B.V', 'NV'])]
  }
  return r.chance(0.5) ? words.join(' ').toUpperCase() : words.join(' ')
}

function amountMinor(r: Random): bigint {
  // Log-uniform between 25.00 and 25,000.00: many small invoices, some large.
  const value = Math.exp(Math.log(2_500) + r.next() * Math.log(1_000))
  return BigInt(Math.round(value))
}

export function generateStatements(seed: number, size: GeneratorSize): Statements {
  const r = random(seed)
  const customers: Customer[] = []
  const usedNames = new Set<string>()
  let sequence = 0
  const openNumbers = new Set<string>()
  const ownerOf = new Map<string, Customer>()
  const invoiceNumber = (n: number) => `INV-2026-${String(n).padStart(5, '0')}`
  const makeItem = (customer: Customer, open: bigint, currency = 'EUR'): OpenItem => {
    // Most invoices of a year are paid already: their numbers are taken, not open.
    sequence += r.int(1, 3)
    openNumbers.add(invoiceNumber(sequence))
    ownerOf.set(invoiceNumber(sequence), customer)
    const issueDate = addDays('2026-01-05', r.int(0, 70))
    const scheme = customer.country === 'NL' ? 'nl' : customer.country === 'BE' ? 'be' : 'rf'
    const withDiscount = r.chance(0.2)
    return {
      invoiceId: `inv-${sequence}`,
      number: invoiceNumber(sequence),
      customerId: customer.customerId,
      currency,
      openMinor: open,
      issueDate,
      dueDate: addDays(issueDate, 30),
      paymentReference: paymentReferenceFor(scheme, sequence),
      ...(withDiscount
        ? { discountMinor: (open * 2n) / 100n, discountUntil: addDays(issueDate, 10) }
        : {}),
    }
  }
  for (let c = 0; c < size.customers; c++) {
    const country: Country = r.chance(0.55) ? 'NL' : r.chance(0.5) ? 'BE' : 'DE'
    let legalName = nameFor(r, country)
    while (usedNames.has(legalName)) legalName = nameFor(r, country)
    usedNames.add(legalName)
    const customer: Customer = {
      customerId: `cus-${c + 1}`,
      number: `C${String(c + 1).padStart(6, '0')}`,
      legalName,
      ibans: r.chance(0.85) ? [makeIban(r, country)] : [],
      country,
      items: [],
      bankName: asBankShows(legalName),
    }
    customers.push(customer)
  }
  // Groups: one customer in twenty belongs to a group of two to four companies.
  for (let g = 0; g < size.customers / 60; g++) {
    const members = r.int(2, 4)
    const start = r.int(0, size.customers - members)
    for (let m = 0; m < members; m++) {
      if (!customers[start + m]!.groupId) customers[start + m]!.groupId = `grp-${g}`
    }
  }
  // Invoices are numbered as they are issued, to all customers in turn: a customer's numbers
  // are scattered through the year, not one block.
  const slots: Customer[] = []
  for (const customer of customers) {
    const count = r.int(1, size.invoicesPerCustomer * 2 - 1)
    for (let i = 0; i < count; i++) slots.push(customer)
  }
  for (let i = slots.length - 1; i > 0; i--) {
    const j = r.int(0, i)
    ;[slots[i], slots[j]] = [slots[j]!, slots[i]!]
  }
  for (const customer of slots) customer.items.push(makeItem(customer, amountMinor(r)))
  const learnedLinks: LearnedLink[] = []
  const learnedIban = new Map<string, string>()
  for (const customer of customers) {
    if (!r.chance(0.05)) continue
    const iban = makeIban(r, customer.country)
    learnedIban.set(customer.customerId, iban)
    learnedLinks.push({ kind: 'iban', iban, customerId: customer.customerId })
  }

  const advices: RemittanceAdvice[] = []
  const transactions: Statements['transactions'] = []
  const usdPerEurUnits = 108_000n
  const entry = (
    customer: Customer | undefined,
    amount: bigint,
    more: Partial<BankEntry> & { iban?: string | null; name?: string | null; text?: string | null },
  ): BankEntry => {
    const knownIban = customer?.ibans[0] ?? null
    const iban =
      more.iban !== undefined
        ? more.iban
        : knownIban && r.chance(0.85)
          ? knownIban
          : makeIban(r, customer?.country ?? 'NL')
    return {
      bookingDate: more.bookingDate ?? '2026-03-20',
      valueDate: more.valueDate ?? '2026-03-20',
      amount: formatAmount(amount, 'EUR'),
      currency: 'EUR',
      sign: more.sign ?? 'C',
      reversal: more.reversal ?? false,
      bankReference: `B${transactions.length}`,
      customerReference: null,
      endToEndId: more.endToEndId ?? (r.chance(0.5) ? 'NOTPROVIDED' : null),
      mandateId: null,
      counterparty: {
        name: more.name !== undefined ? more.name : (customer?.bankName ?? null),
        iban,
        bic: null,
      },
      remittance: more.remittance ?? { unstructured: more.text ?? null, structuredReference: null },
      bankTransactionCode: more.bankTransactionCode ?? 'PMNT/RCDT/ESCT',
      returnReason: more.returnReason ?? null,
      details: [],
    }
  }
  const some = (filter: (c: Customer) => boolean = () => true): Customer => {
    for (;;) {
      const c = r.pick(customers)
      if (c.items.some((i) => i.currency === 'EUR') && filter(c)) return c
    }
  }
  const eurItems = (c: Customer) => c.items.filter((i) => i.currency === 'EUR')
  const add = (e: BankEntry, truth: Truth) => transactions.push({ entry: e, truth })
  const paid = (c: Customer, items: OpenItem[], amounts?: (bigint | null)[], kase = ''): Truth => ({
    case: kase,
    hasInvoices: true,
    autoAllowed: true,
    customerId: c.customerId,
    allocations: items.map((i, k) => ({
      invoiceId: i.invoiceId,
      amountMinor: amounts ? amounts[k]! : i.openMinor,
    })),
  })
  const numberForms = (n: string): string[] => {
    const padded = n.slice(9)
    const seq = String(Number(padded))
    return [
      n,
      n.slice(4),
      n.replace(/\D/g, ''),
      `INV 2026 ${seq}`,
      `factuur 2026/${seq}`,
      `Rechnung Nr. 2026-${seq}`,
      `fact. 2026-${padded}`,
    ]
  }
  const referenceText = (i: OpenItem, c: Customer) =>
    c.country === 'NL'
      ? formatDutchPaymentReference(i.paymentReference!)
      : c.country === 'DE'
        ? formatRfReference(i.paymentReference!)
        : i.paymentReference!

  const cases: Record<string, () => void> = {
    exact_reference: () => {
      const c = some()
      const i = r.pick(eurItems(c))
      add(
        entry(c, i.openMinor, {
          remittance: {
            unstructured: null,
            structuredReference: i.paymentReference!.replace(/[+/]/g, ''),
          },
        }),
        paid(c, [i]),
      )
    },
    reference_typed: () => {
      const c = some((x) => x.country === 'NL')
      const i = r.pick(eurItems(c))
      const printed = formatDutchPaymentReference(i.paymentReference!)
      const typed = r.chance(0.5) ? printed : printed.replace(/ /g, '.')
      add(entry(c, i.openMinor, { text: `betaling ${typed} dank u` }), paid(c, [i]))
    },
    rf_reference: () => {
      const c = some((x) => x.country === 'DE')
      const i = r.pick(eurItems(c))
      add(
        entry(c, i.openMinor, { text: `${formatRfReference(i.paymentReference!)} ${c.number}` }),
        paid(c, [i]),
      )
    },
    belgian_reference: () => {
      const c = some((x) => x.country === 'BE')
      const i = r.pick(eurItems(c))
      add(entry(c, i.openMinor, { text: i.paymentReference! }), paid(c, [i]))
    },
    invoice_number_forms: () => {
      const c = some()
      const i = r.pick(eurItems(c))
      add(entry(c, i.openMinor, { text: r.pick(numberForms(i.number)) }), paid(c, [i]))
    },
    invoice_number_typo: () => {
      const c = some((x) => x.ibans.length > 0)
      const i = r.pick(eurItems(c))
      const d = i.number.slice(9)
      let typo = d
      // A typo that happens to be another open invoice is the trap case, not this one.
      // Numbers above the last one are still to be given (to later cases' invoices).
      while (typo === d || openNumbers.has(`INV-2026-${typo}`) || Number(typo) > sequence) {
        const k = r.int(1, 3)
        typo =
          r.chance(0.5) && d[k] !== d[k + 1]
            ? d.slice(0, k) + d[k + 1] + d[k] + d.slice(k + 2)
            : d.slice(0, -1) + String((Number(d[d.length - 1]) + r.int(1, 9)) % 10)
      }
      add(entry(c, i.openMinor, { iban: c.ibans[0]!, text: `factuur 2026-${typo}` }), paid(c, [i]))
    },
    several_invoices: () => {
      const c = some((x) => eurItems(x).length >= 2)
      const items = eurItems(c).slice(0, r.int(2, Math.min(4, eurItems(c).length)))
      const total = items.reduce((s, i) => s + i.openMinor, 0n)
      const text = r.chance(0.5)
        ? `fact ${items.map((i) => Number(i.number.slice(9))).join(', ')}`
        : items.map((i) => i.number).join(' ')
      add(
        entry(c, total, { iban: r.chance(0.8) ? (c.ibans[0] ?? null) : undefined, text }),
        paid(c, items),
      )
    },
    partial: () => {
      const c = some()
      const i = r.pick(eurItems(c))
      const part = (i.openMinor * BigInt(r.int(30, 80))) / 100n
      add(entry(c, part, { text: `deelbetaling ${referenceText(i, c)}` }), paid(c, [i], [part]))
    },
    over_payment: () => {
      const c = some()
      const i = r.pick(eurItems(c))
      const more = BigInt(r.int(500, 5_000))
      add(entry(c, i.openMinor + more, { text: referenceText(i, c) }), paid(c, [i]))
    },
    discount: () => {
      const c = some((x) => x.ibans.length > 0 && eurItems(x).some((i) => i.discountMinor))
      const i = eurItems(c).find((x) => x.discountMinor)!
      const date = addDays(i.discountUntil!, -r.int(0, 5))
      const amount = i.openMinor - i.discountMinor!
      add(
        entry(c, amount, {
          iban: c.ibans[0]!,
          bookingDate: date,
          valueDate: date,
          text: r.chance(0.5) ? i.number : 'betaling',
        }),
        paid(c, [i], [amount]),
      )
    },
    bank_fee: () => {
      const c = some((x) => x.ibans.length > 0)
      const fee = BigInt(r.pick([500, 750, 1_000, 1_250, 1_500, 2_000]))
      // A bank fee is a few percent at most of what it is deducted from.
      const large = eurItems(c).filter((x) => x.openMinor >= fee * 20n)
      const i = r.pick(large.length > 0 ? large : eurItems(c))
      const amount = i.openMinor - fee
      add(
        entry(c, amount, { iban: c.ibans[0]!, text: r.chance(0.6) ? i.number : null }),
        paid(c, [i], [amount]),
      )
    },
    iban_exact: () => {
      const c = some((x) => x.ibans.length > 0)
      const i = r.pick(eurItems(c))
      add(
        entry(c, i.openMinor, { iban: c.ibans[0]!, text: r.chance(0.5) ? 'betaling' : null }),
        paid(c, [i]),
      )
    },
    name_fuzzy: () => {
      const c = some()
      const i = r.pick(eurItems(c))
      add(
        entry(c, i.openMinor, { iban: makeIban(r, c.country), name: nameVariant(r, c.legalName) }),
        paid(c, [i]),
      )
    },
    group_sister: () => {
      const c = some((x) => !!x.groupId)
      const sister = customers.find((x) => x.groupId === c.groupId && x !== c && x.ibans.length > 0)
      if (!sister) return cases.group_sister!()
      const i = r.pick(eurItems(c))
      add(
        entry(sister, i.openMinor, {
          iban: sister.ibans[0]!,
          text: r.chance(0.5) ? `voor ${c.legalName}` : null,
        }),
        paid(c, [i]),
      )
    },
    learned_iban: () => {
      const c = some((x) => learnedIban.has(x.customerId))
      const i = r.pick(eurItems(c))
      add(entry(c, i.openMinor, { iban: learnedIban.get(c.customerId)!, name: null }), paid(c, [i]))
    },
    remittance_advice: () => {
      const c = some((x) => eurItems(x).length >= 2)
      const items = eurItems(c).slice(0, r.int(2, Math.min(5, eurItems(c).length)))
      // One line is paid short: the customer deducts a claim and says so in the advice.
      const amounts = items.map((i, k) =>
        k === 0 ? i.openMinor - BigInt(r.int(100, 2_000)) : i.openMinor,
      )
      const total = amounts.reduce((s, a) => s + a, 0n)
      const e = entry(c, total, { text: 'zie specificatie' })
      advices.push({
        adviceId: `RA-${advices.length + 1}`,
        payerName: c.legalName,
        payerIban: e.counterparty.iban ?? undefined,
        amountMinor: total,
        currency: 'EUR',
        date: addDays('2026-03-20', -r.int(0, 4)),
        lines: items.map((i, k) => ({ invoiceNumber: i.number, amountMinor: amounts[k]! })),
      })
      add(e, paid(c, items, amounts))
    },
    foreign_currency: () => {
      const c = some()
      const item = makeItem(c, amountMinor(r), 'USD')
      c.items.push(item)
      // The bank's rate differs a little from the tenant's.
      const eur = (item.openMinor * 100_000n) / (usdPerEurUnits + BigInt(r.int(-150, 150)))
      add(entry(c, eur, { text: `invoice ${item.number}` }), paid(c, [item], [null]))
    },
    trap_same_amount_two_customers: () => {
      const a = some()
      const b = some((x) => x !== a)
      const amount = amountMinor(r)
      const ia = makeItem(a, amount)
      const ib = makeItem(b, amount)
      a.items.push(ia)
      b.items.push(ib)
      add(
        entry(a, amount, {
          iban: makeIban(r, a.country),
          name: r.pick(['', 'BETAALSERVICE', 'ONLINE BANKING']) || null,
        }),
        {
          ...paid(a, [ia]),
          autoAllowed: false,
        },
      )
    },
    trap_two_sets_same_sum: () => {
      const c = some((x) => x.ibans.length > 0)
      const x = amountMinor(r)
      const y = amountMinor(r)
      const ix = makeItem(c, x)
      const iy = makeItem(c, y)
      const ixy = makeItem(c, x + y)
      c.items.push(ix, iy, ixy)
      add(entry(c, x + y, { iban: c.ibans[0]! }), { ...paid(c, [ixy]), autoAllowed: false })
    },
    trap_paid_reference: () => {
      const c = some((x) => x.ibans.length > 0 && x.country === 'NL')
      const amount = amountMinor(r)
      sequence++
      const paidReference = paymentReferenceFor('nl', sequence)
      c.items.push(makeItem(c, amount)) // another open invoice of the very same amount
      add(
        entry(c, amount, { iban: c.ibans[0]!, text: formatDutchPaymentReference(paidReference) }),
        {
          case: '',
          hasInvoices: false,
          autoAllowed: false,
          allocations: [],
        },
      )
    },
    trap_typo_other_customer: () => {
      const c = some((x) => x.ibans.length > 0)
      const i = r.pick(eurItems(c))
      const seq = Number(i.number.slice(9))
      const near = [invoiceNumber(seq + 1), invoiceNumber(seq - 1)].find(
        (n) => ownerOf.has(n) && ownerOf.get(n) !== c,
      )
      const hit = near ? ownerOf.get(near)!.items.find((o) => o.number === near) : undefined
      if (!hit || hit.customerId === c.customerId) return cases.trap_typo_other_customer!()
      add(entry(c, i.openMinor, { iban: c.ibans[0]!, text: `factuur ${hit.number}` }), {
        ...paid(c, [i]),
        autoAllowed: false,
      })
    },
    trap_debit_refund_return: () => {
      const c = some()
      const i = r.pick(eurItems(c))
      const roll = r.next()
      const more: Partial<BankEntry> =
        roll < 0.34
          ? { sign: 'D', bankTransactionCode: 'PMNT/ICDT/ESCT' }
          : roll < 0.67
            ? {
                returnReason: r.pick(['MD06', 'AM04', 'AC04', 'MS02']),
                bankTransactionCode: 'PMNT/RDDT/UPDD',
              }
            : { reversal: true }
      add(entry(c, i.openMinor, { ...more, text: referenceText(i, c) }), {
        case: '',
        hasInvoices: false,
        autoAllowed: false,
        allocations: [],
      })
    },
    trap_unknown_payer: () => {
      const name = `${r.pick(['J.', 'M.', 'A.', 'K.'])} ${r.pick(surnames.NL)}`
      add(
        entry(undefined, amountMinor(r), {
          iban: makeIban(r, 'NL'),
          name,
          text: r.pick(['gift', 'terugbetaling', 'huur maart', null]),
        }),
        {
          case: '',
          hasInvoices: false,
          autoAllowed: false,
          allocations: [],
        },
      )
    },
  }
  const names = Object.keys(cases)
  for (let t = 0; t < size.transactions; t++) {
    const name = names[t % names.length]!
    const before = transactions.length
    cases[name]!()
    for (let k = before; k < transactions.length; k++) transactions[k]!.truth.case = name
  }
  return {
    customers: customers.map(({ country: _c, items: _i, bankName: _b, ...record }) => record),
    openItems: customers.flatMap((c) => c.items),
    learnedLinks,
    advices,
    transactions,
    usdPerEurUnits,
  }
}
