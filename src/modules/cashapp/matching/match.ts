import { currencyExponent, divideRounded, formatAmount, parseAmount } from '../../../core/money.js'
import type { BankEntry } from '../bank-files/model.js'
import {
  explainAmount,
  type Settlement,
  settleNamed,
  settleOldestFirst,
  short,
  smaller,
  type WriteOff,
} from './amounts.js'
import { amountKey, type MatchBook } from './book.js'
import type { Candidate, MatchOutcome, OpenItem, RateLookup } from './model.js'
import { looselyNamed, type PayerEvidence, readSignals, type Signals } from './signals.js'
import { invoiceNumberKeys } from './text.js'

// The decision for one bank transaction: what it pays, how sure we are, and whether that is
// sure enough to apply without a person. README.md explains the rule and its thresholds.

export type MatchOptions = { rate?: RateLookup }

type Identification = 'advice' | 'reference' | 'number' | 'corrected number' | 'sequence' | 'none'

type Draft = {
  customerId: string
  currency: string
  paymentMinor: bigint
  settlement: Settlement
  identification: Identification
  payer: PayerEvidence | undefined
  reasons: string[]
  /** Another explanation of this payer's amount fits as well. */
  ambiguous: boolean
  /** Paid in another currency and the tenant has no rate to compare the amounts. */
  noRate: boolean
  /** Paid in another currency than the invoices: decides only when the amounts agree. */
  foreign?: boolean
  /** The remittance advice the allocations follow. */
  adviceId?: string
}

/** How much each kind of evidence says on its own; combined as independent evidence. */
const identificationWeight: Record<Identification, number> = {
  advice: 0.98,
  reference: 0.97,
  number: 0.9,
  'corrected number': 0.6,
  sequence: 0.6,
  none: 0,
}
const fitWeight: Record<Settlement['fit'], number> = {
  exact: 1,
  subset: 0.9,
  discount: 0.95,
  small_difference: 0.92,
  bank_fee: 0.88,
  partial: 0.65,
  over: 0.65,
  none: 0.3,
}
/** How far the winner must stand above any other answer that names invoices or fits exactly. */
const clearMargin = 0.1
/** A payer known by name alone decides only above this score (see README). */
const nameScoreForAuto = 0.75
/** Exchange differences up to 0.5% of the open amount are taken as the rates differing. */
const exchangeDifferencePerMille = 5n
const candidatesMax = 5

// ISO 20022 bank transaction codes (and MT940 types) that return or reverse a payment.
const returnCodes = /RRTN|UPDD|RPCR|ARET|RCDD|CAJT|DSHN|NRTI|N?RTR/

/** Why a transaction is no customer payment at all, or undefined when it may be one. */
export function notAPayment(entry: BankEntry): string | undefined {
  if (entry.sign === 'D') return 'a debit (money going out) is never a customer payment'
  if (entry.reversal) return 'a reversal of an earlier booking: it undoes, it does not pay'
  if (entry.returnReason) {
    return `returned payment (reason ${entry.returnReason}): it undoes an earlier one`
  }
  const code = entry.bankTransactionCode?.toUpperCase()
  if (code && returnCodes.test(code)) {
    return `bank transaction code ${entry.bankTransactionCode} is a return or reversal`
  }
  return undefined
}

/**
 * The transactions to match in one bank entry: the entry itself, or, for a batch booked as one
 * entry (camt with two or more TxDtls), each of its details with the entry's dates around it.
 */
export function transactionsOf(entry: BankEntry): BankEntry[] {
  if (entry.details.length < 2) return [entry]
  return entry.details.map((detail) => ({
    ...entry,
    amount: detail.amount ?? entry.amount,
    currency: detail.currency ?? entry.currency,
    sign: detail.sign ?? entry.sign,
    bankReference: detail.bankReference ?? entry.bankReference,
    endToEndId: detail.endToEndId,
    mandateId: detail.mandateId,
    counterparty: detail.counterparty,
    remittance: detail.remittance,
    returnReason: detail.returnReason ?? entry.returnReason,
    bankTransactionCode: detail.bankTransactionCode ?? entry.bankTransactionCode,
    details: [],
  }))
}

/**
 * What a bank transaction pays, ranked, and whether the best answer may be applied
 * automatically.
 *
 * @example
 *   const book = buildMatchBook({ openItems, customers })
 *   matchTransaction(book, entry).status // 'auto' | 'suggested' | 'unmatched'
 */
export function matchTransaction(
  book: MatchBook,
  entry: BankEntry,
  options: MatchOptions = {},
): MatchOutcome {
  const excluded = notAPayment(entry)
  if (excluded) return { status: 'unmatched', candidates: [], notes: [excluded] }
  const paymentMinor = parseAmount(entry.amount, entry.currency)
  if (paymentMinor === undefined || paymentMinor <= 0n) {
    return { status: 'unmatched', candidates: [], notes: [`amount '${entry.amount}' is not paid`] }
  }
  const date = entry.valueDate ?? entry.bookingDate
  const text = [
    entry.remittance.structuredReference,
    entry.endToEndId === 'NOTPROVIDED' ? null : entry.endToEndId,
    entry.remittance.unstructured,
    entry.customerReference,
  ]
    .filter((t): t is string => !!t)
    .join(' | ')
  const signals = readSignals(
    book,
    text,
    entry.counterparty,
    entry.currency,
    paymentMinor,
    date ?? null,
  )
  const drafts = draftsFor(
    book,
    signals,
    entry.currency,
    paymentMinor,
    date ?? '9999-12-31',
    options,
  )
  const ranked = rank(drafts)
  if (ranked.length === 0) {
    const notes = ['no open item, reference, invoice number or known payer fits']
    if (signals.unknownReferences.length > 0) {
      notes.push(`reference ${signals.unknownReferences[0]} belongs to no open invoice`)
    }
    return { status: 'unmatched', candidates: [], notes }
  }
  const { winner, notes } = decide(book, ranked, signals)
  // The answer applied is the one shown first, even where another scored a little higher.
  const ordered = winner ? [winner, ...ranked.filter((d) => d !== winner)] : ranked
  return {
    status: winner ? 'auto' : 'suggested',
    candidates: ordered.slice(0, candidatesMax).map(candidateOf),
    notes,
  }
}

function draftsFor(
  book: MatchBook,
  signals: Signals,
  currency: string,
  paymentMinor: bigint,
  date: string,
  options: MatchOptions,
): Draft[] {
  const drafts: Draft[] = []
  const customers = new Set<string>([...signals.payer.keys()])
  for (const { item } of signals.named.values()) customers.add(item.customerId)
  const adviceItems = signals.advice ? adviceInvoices(book, signals.advice) : []
  for (const { item } of adviceItems) customers.add(item.customerId)

  for (const customerId of customers) {
    const payer = signals.payer.get(customerId)
    const fromAdvice = adviceItems.filter((a) => a.item.customerId === customerId)
    if (fromAdvice.length > 0) {
      drafts.push(adviceDraft(customerId, fromAdvice, currency, paymentMinor, payer, signals))
      continue
    }
    const named = [...signals.named.values()].filter((n) => n.item.customerId === customerId)
    // Loose readings (a sequence alone, a corrected typo) only where nothing is named exactly.
    const all =
      named.length > 0 || !payer
        ? named
        : looselyNamed(book, customerId, signals.numberTokens, signals.named)
    if (all.length > 0) {
      const how = all.some((n) => n.how === 'reference')
        ? 'reference'
        : all.some((n) => n.how === 'number')
          ? 'number'
          : all.some((n) => n.how === 'corrected number')
            ? 'corrected number'
            : 'sequence'
      const reasons = all.map((n) => n.reason)
      const found = namedDraft(
        book,
        customerId,
        all,
        how,
        currency,
        paymentMinor,
        date,
        payer,
        reasons,
        options,
      )
      drafts.push(found)
      // Named invoices the amount does not fit: what else of this payer's could it be paying?
      if (agreeingFits.has(found.settlement.fit) || found.noRate) continue
    }
    if (!payer) continue
    const items = (book.itemsByCustomer.get(customerId) ?? []).filter(
      (i) => i.currency === currency,
    )
    // Sets of invoices are searched for payers known well enough to decide with them.
    const withSubsets = payer.kind !== 'name' || payer.score >= nameScoreForAuto * 0.9
    const explanations = explainAmount(items, paymentMinor, date, book.settings, withSubsets)
    if (explanations.length === 0) {
      const settlement = settleOldestFirst(items, paymentMinor)
      settlement.fit = 'none'
      settlement.reasons = [
        items.length === 0
          ? 'no open items in this currency: the payment stays unapplied on the customer'
          : 'amount explains none of its open items: allocated oldest first',
      ]
      drafts.push(draft(customerId, currency, paymentMinor, settlement, 'none', payer, [], false))
      continue
    }
    for (const settlement of explanations.slice(0, 2)) {
      drafts.push(
        draft(
          customerId,
          currency,
          paymentMinor,
          settlement,
          'none',
          payer,
          [],
          explanations.length > 1,
        ),
      )
    }
  }

  if (drafts.length === 0) {
    // Nobody known and nothing named: who owes exactly this amount? A suggestion at best.
    const owing = book.byAmount.get(amountKey(currency, paymentMinor)) ?? []
    const byCustomer = new Map<string, OpenItem>()
    for (const item of owing)
      if (!byCustomer.has(item.customerId)) byCustomer.set(item.customerId, item)
    for (const item of [...byCustomer.values()].slice(0, candidatesMax)) {
      const settlement = settleOldestFirst([item], paymentMinor)
      settlement.reasons = [`amount equals the open amount of ${item.number}`]
      drafts.push(
        draft(
          item.customerId,
          currency,
          paymentMinor,
          settlement,
          'none',
          undefined,
          [],
          byCustomer.size > 1,
        ),
      )
    }
  }
  return drafts
}

function draft(
  customerId: string,
  currency: string,
  paymentMinor: bigint,
  settlement: Settlement,
  identification: Identification,
  payer: PayerEvidence | undefined,
  reasons: string[],
  ambiguous: boolean,
  noRate = false,
): Draft {
  return {
    customerId,
    currency,
    paymentMinor,
    settlement,
    identification,
    payer,
    reasons: [...reasons, ...(payer ? [payer.reason] : []), ...settlement.reasons],
    ambiguous,
    noRate,
  }
}

function namedDraft(
  book: MatchBook,
  customerId: string,
  named: { item: OpenItem }[],
  how: Identification,
  currency: string,
  paymentMinor: bigint,
  date: string,
  payer: PayerEvidence | undefined,
  reasons: string[],
  options: MatchOptions,
): Draft {
  const customerItems = book.itemsByCustomer.get(customerId) ?? []
  const ids = new Set(named.map((n) => n.item.invoiceId))
  const items = customerItems.filter((i) => ids.has(i.invoiceId))
  const sameCurrency = items.filter((i) => i.currency === currency)
  if (sameCurrency.length > 0) {
    const settlement = settleNamed(sameCurrency, paymentMinor, date, book.settings)
    return draft(customerId, currency, paymentMinor, settlement, how, payer, reasons, false)
  }
  // Paid in another currency than the invoices: compare at the tenant's rate, if it has one.
  const invoiceCurrency = items[0]!.currency
  const foreign = items.filter((i) => i.currency === invoiceCurrency)
  const rate = options.rate?.(currency, invoiceCurrency, date)
  if (!rate) {
    const settlement: Settlement = {
      fit: 'none',
      allocations: [],
      writeOffs: [],
      unappliedMinor: paymentMinor,
      reasons: [`paid in ${currency}, invoiced in ${invoiceCurrency}, and no rate to compare`],
    }
    return draft(customerId, currency, paymentMinor, settlement, how, payer, reasons, false, true)
  }
  const shift = currencyExponent(invoiceCurrency) - currencyExponent(currency)
  const convertedMinor = divideRounded(
    paymentMinor * rate.units * 10n ** BigInt(Math.max(shift, 0)),
    10n ** BigInt(rate.scale + Math.max(-shift, 0)),
  )
  const total = foreign.reduce((s, i) => s + i.openMinor, 0n)
  const difference = total - convertedMinor
  const toleranceMinor = (total * exchangeDifferencePerMille) / 1000n
  const rateReason = `${formatAmount(paymentMinor, currency)} ${currency} is ${formatAmount(convertedMinor, invoiceCurrency)} ${invoiceCurrency} at the tenant's rate`
  let settlement: Settlement
  if (difference > 0n && difference <= toleranceMinor) {
    settlement = short(foreign, difference, 'small_difference')
    settlement.reasons = [
      `exchange difference of ${formatAmount(difference, invoiceCurrency)} written off`,
    ]
  } else if (difference < 0n && -difference <= toleranceMinor) {
    settlement = settleOldestFirst(foreign, convertedMinor)
    settlement.fit = 'exact'
    settlement.reasons = ['the rest, an exchange difference, stays unapplied']
  } else {
    settlement = settleNamed(foreign, convertedMinor, date, book.settings)
  }
  const converted = draft(
    customerId,
    invoiceCurrency,
    convertedMinor,
    settlement,
    how,
    payer,
    [...reasons, rateReason],
    false,
  )
  return { ...converted, foreign: true }
}

function adviceInvoices(
  book: MatchBook,
  advice: NonNullable<Signals['advice']>,
): { item: OpenItem; amountMinor: bigint }[] {
  const found: { item: OpenItem; amountMinor: bigint }[] = []
  for (const line of advice.lines) {
    const wanted = line.invoiceNumber.replace(/[^0-9A-Za-z]/g, '').toUpperCase()
    const hits = invoiceNumberKeys(line.invoiceNumber).flatMap((k) => book.byNumberKey.get(k) ?? [])
    const item =
      hits.find((i) => i.number.replace(/[^0-9A-Za-z]/g, '').toUpperCase() === wanted) ?? hits[0]
    if (item && !found.some((f) => f.item.invoiceId === item.invoiceId)) {
      found.push({ item, amountMinor: line.amountMinor })
    }
  }
  return found
}

function adviceDraft(
  customerId: string,
  lines: { item: OpenItem; amountMinor: bigint }[],
  currency: string,
  paymentMinor: bigint,
  payer: PayerEvidence | undefined,
  signals: Signals,
): Draft {
  const allocations = lines
    .filter((l) => l.item.currency === currency)
    .map((l) => ({
      invoiceId: l.item.invoiceId,
      amountMinor: smaller(l.amountMinor, l.item.openMinor),
    }))
  let allocated = allocations.reduce((s, a) => s + a.amountMinor, 0n)
  // An advice that claims more than was paid: trim from the newest line, never below zero.
  for (let i = allocations.length - 1; i >= 0 && allocated > paymentMinor; i--) {
    const cut = allocated - paymentMinor
    const take = smaller(allocations[i]!.amountMinor, cut)
    allocations[i] = { ...allocations[i]!, amountMinor: allocations[i]!.amountMinor - take }
    allocated -= take
  }
  const unappliedMinor = paymentMinor - allocated
  const settlement: Settlement = {
    fit: unappliedMinor === 0n ? 'exact' : 'over',
    allocations: allocations.filter((a) => a.amountMinor > 0n),
    writeOffs: [],
    unappliedMinor,
    reasons: [
      unappliedMinor === 0n
        ? 'amounts as the advice lists them'
        : `${formatAmount(unappliedMinor, currency)} ${currency} more than the advice lists stays unapplied`,
    ],
  }
  const reason = `remittance advice ${signals.advice!.adviceId} lists ${lines.map((l) => l.item.number).join(', ')}`
  return {
    ...draft(customerId, currency, paymentMinor, settlement, 'advice', payer, [reason], false),
    adviceId: signals.advice!.adviceId,
  }
}

function confidenceOf(d: Draft): number {
  const identification = identificationWeight[d.identification]
  const payer = d.payer?.score ?? 0
  const evidence = 1 - (1 - identification) * (1 - payer)
  const base = evidence === 0 ? 0.3 : evidence
  // The more invoices a set needs to make the amount, the likelier it is chance.
  const setSize = d.settlement.fit === 'subset' ? d.settlement.allocations.length : 0
  const fit = fitWeight[d.settlement.fit] - (setSize > 2 ? 0.05 * (setSize - 2) : 0)
  const value = base * fit * (d.ambiguous ? 0.8 : 1) * (d.noRate ? 0.7 : 1)
  return Math.round(value * 1000) / 1000
}

function answerKey(d: Draft): string {
  return `${d.customerId}|${d.settlement.allocations.map((a) => a.invoiceId).join(',')}`
}

function rank(drafts: Draft[]): (Draft & { confidence: number })[] {
  const best = new Map<string, Draft & { confidence: number }>()
  for (const d of drafts) {
    const scored = { ...d, confidence: confidenceOf(d) }
    const key = answerKey(d)
    const known = best.get(key)
    if (!known || known.confidence < scored.confidence) best.set(key, scored)
  }
  return [...best.values()].sort((a, b) => b.confidence - a.confidence)
}

const preciseFits = new Set<Settlement['fit']>(['exact', 'subset', 'discount'])
/** What a name alone may decide with: one invoice to the cent, or less its discount. */
const nameFits = new Set<Settlement['fit']>(['exact', 'discount'])
const agreeingFits = new Set<Settlement['fit']>([
  'exact',
  'subset',
  'discount',
  'small_difference',
  'bank_fee',
])

/** May this answer be applied without a person, looking at it alone? */
function decidesAlone(d: Draft): boolean {
  if (d.noRate) return false
  const agrees = agreeingFits.has(d.settlement.fit)
  if (d.foreign && !agrees) return false
  switch (d.identification) {
    case 'advice':
    case 'reference':
      return agrees || d.settlement.fit === 'partial' || d.settlement.fit === 'over'
    case 'number':
      return (
        agrees || (!!d.payer && (d.settlement.fit === 'partial' || d.settlement.fit === 'over'))
      )
    case 'corrected number':
    case 'sequence':
      // Read loosely, so only for a payer known by account, or by a close name and a precise amount.
      if (!agrees || !d.payer) return false
      if (d.payer.kind !== 'name') return true
      return d.payer.score >= nameScoreForAuto * 0.9 && preciseFits.has(d.settlement.fit)
    case 'none': {
      if (!agrees || d.ambiguous || !d.payer) return false
      if (d.payer.kind !== 'name') return true
      // A name alone decides only when it is close, and no other customer whose name comes as
      // close has an amount that fits too (that rival is then eligible as well, see decide).
      // Two soft signals (a like name, a near amount) do not make a certain one.
      return d.payer.score >= nameScoreForAuto * 0.9 && nameFits.has(d.settlement.fit)
    }
  }
}

function sameGroup(book: MatchBook, a: string, b: string): boolean {
  const groupA = book.customers.get(a)?.groupId
  return !!groupA && groupA === book.customers.get(b)?.groupId
}

function decide(
  book: MatchBook,
  ranked: (Draft & { confidence: number })[],
  signals: Signals,
): { winner?: Draft & { confidence: number }; notes: string[] } {
  let eligible = ranked.filter(decidesAlone)
  // A named invoice (reference, advice, number) or an amount that fits to the cent outweighs
  // an amount that is merely near another invoice (a bank fee, a small difference).
  const precise = (d: Draft) => d.identification !== 'none' || preciseFits.has(d.settlement.fit)
  if (eligible.some(precise)) eligible = eligible.filter(precise)
  if (eligible.length === 0) return { notes: ['no answer is certain enough'] }
  if (eligible.length > 1) {
    return { notes: ['more than one answer fits equally: a person decides'] }
  }
  const winner = eligible[0]!
  // Clearly best: no other answer that names invoices or fits to the cent scores as high, even
  // one that cannot decide itself (a payer's own invoice sets that fit equally well).
  const rival = ranked.find(
    (d) => d !== winner && precise(d) && d.confidence > winner.confidence - clearMargin,
  )
  if (rival) return { notes: ['another answer scores as high: a person decides'] }
  if (winner.payer?.kind === 'name' && winner.identification === 'none' && signals.crowdedName) {
    return { notes: ['too many customers have a name like the payer’s'] }
  }
  if (signals.unknownReferences.length > 0 && winner.identification !== 'reference') {
    return {
      notes: [
        `reference ${signals.unknownReferences[0]} belongs to no open invoice (paid already?)`,
      ],
    }
  }
  const strong = [...signals.named.values()].filter(
    (n) => n.how === 'reference' || n.how === 'number',
  )
  const elsewhere = strong.find(
    (n) =>
      n.item.customerId !== winner.customerId &&
      !sameGroup(book, n.item.customerId, winner.customerId),
  )
  if (elsewhere) {
    return {
      notes: [`the text also names ${elsewhere.item.number} of another customer`],
    }
  }
  if (signals.ibanFamily.size > 0 && !signals.ibanFamily.has(winner.customerId)) {
    return { notes: ["the payer's IBAN belongs to another customer"] }
  }
  return { winner, notes: [] }
}

function candidateOf(d: Draft & { confidence: number }): Candidate {
  return {
    customerId: d.customerId,
    currency: d.currency,
    paymentMinor: d.paymentMinor,
    allocations: d.settlement.allocations,
    unappliedMinor: d.settlement.unappliedMinor,
    writeOffs: d.settlement.writeOffs.map((w: WriteOff) => ({ ...w })),
    confidence: d.confidence,
    reasons: d.reasons,
    ...(d.adviceId ? { adviceId: d.adviceId } : {}),
  }
}
