import { daysBetween } from '../../../core/dates.js'
import { amountKey, type BookCustomer, type MatchBook } from './book.js'
import type { OpenItem, RemittanceAdvice } from './model.js'
import {
  findNumberTokens,
  findReferences,
  type NumberToken,
  nameSimilarity,
  nameTokens,
  typoKeys,
} from './text.js'

// The signals of one bank transaction, read against the book: which invoices it names and who
// the payer seems to be. Deciding what it pays is match.ts's work.

export type NamedInvoice = { item: OpenItem; how: 'reference' | 'number'; reason: string }

export type PayerEvidence = {
  kind: 'iban' | 'learned iban' | 'group' | 'learned name' | 'name'
  /** 0..1: how sure this says the payer is (or pays for) the customer. */
  score: number
  reason: string
}

export type Signals = {
  /** Invoices named by a valid reference or an exact invoice number, by invoice id. */
  named: Map<string, NamedInvoice>
  /** Valid references (check digit holds) that no open invoice has: paid already, or not ours. */
  unknownReferences: string[]
  numberTokens: NumberToken[]
  payer: Map<string, PayerEvidence>
  /** Customers the payer's IBAN belongs to (with their groups): the payer's family. */
  ibanFamily: Set<string>
  advice: RemittanceAdvice | undefined
  /** More customers have a name like the payer's than we look at: a name cannot decide. */
  crowdedName: boolean
}

/** Name matches below this are not evidence at all. */
export const nameScoreMin = 0.6
/** Customers whose name token is this common are not looked up by that token. */
const tokenCustomersMax = 2_000
const prefixCustomersMax = 400
const nameCandidatesMax = 30
/** Customers a payer name may stand for; each costs an amount search. */
const nameEvidenceMax = 5

function shortReference(key: string): string {
  return key.length > 8 ? `${key.slice(0, 4)}…${key.slice(-1)}` : key
}

function customerName(customer: BookCustomer | undefined): string {
  return customer?.tradingName ?? customer?.legalName ?? 'an unknown customer'
}

export type PayerText = { name: string | null; iban: string | null }

export function readSignals(
  book: MatchBook,
  text: string,
  payer: PayerText,
  currency: string,
  paymentMinor: bigint,
  date: string | null,
): Signals {
  const named = new Map<string, NamedInvoice>()
  const unknownReferences: string[] = []
  for (const reference of findReferences(text)) {
    const key = [reference.key, ...reference.alternatives].find((k) => book.byReference.has(k))
    const items = key ? book.byReference.get(key)! : undefined
    if (!key || !items) {
      unknownReferences.push(reference.printed)
      continue
    }
    for (const item of items) {
      named.set(item.invoiceId, {
        item,
        how: 'reference',
        reason: `payment reference ${shortReference(key)} of ${item.number}`,
      })
    }
  }
  const numberTokens = findNumberTokens(text)
  for (const token of numberTokens) {
    if (!token.standalone) continue
    for (const key of token.keys) {
      for (const item of book.byNumberKey.get(key) ?? []) {
        if (named.has(item.invoiceId)) continue
        named.set(item.invoiceId, {
          item,
          how: 'number',
          reason: `invoice number ${item.number} written as '${token.text}'`,
        })
      }
    }
  }
  const { evidence, ibanFamily, crowdedName } = payerEvidence(book, payer)
  return {
    named,
    unknownReferences,
    numberTokens,
    payer: evidence,
    ibanFamily,
    crowdedName,
    advice: linkedAdvice(book, payer, currency, paymentMinor, date),
  }
}

function payerEvidence(
  book: MatchBook,
  payer: PayerText,
): { evidence: Map<string, PayerEvidence>; ibanFamily: Set<string>; crowdedName: boolean } {
  const evidence = new Map<string, PayerEvidence>()
  const ibanFamily = new Set<string>()
  let crowdedName = false
  const offer = (customerId: string, found: PayerEvidence) => {
    const known = evidence.get(customerId)
    if (!known || known.score < found.score) evidence.set(customerId, found)
  }
  const iban = payer.iban?.replace(/\s+/g, '').toUpperCase()
  for (const owner of (iban && book.ibanOwners.get(iban)) || []) {
    const customer = book.customers.get(owner.customerId)
    const name = customerName(customer)
    offer(owner.customerId, {
      kind: owner.source === 'learned' ? 'learned iban' : 'iban',
      score: 0.9,
      reason:
        owner.source === 'learned'
          ? `IBAN learned for ${name} from earlier matches`
          : `IBAN known for ${name}`,
    })
    ibanFamily.add(owner.customerId)
    for (const sister of (customer?.groupId && book.groupMembers.get(customer.groupId)) || []) {
      ibanFamily.add(sister)
      if (sister === owner.customerId) continue
      offer(sister, {
        kind: 'group',
        score: 0.75,
        reason: `IBAN of ${name}, a company of the same group`,
      })
    }
  }
  const tokens = payer.name ? nameTokens(payer.name) : []
  if (tokens.length > 0) {
    const learned = book.payerNameOwners.get(tokens.join(' '))
    if (learned) {
      offer(learned, {
        kind: 'learned name',
        score: 0.85,
        reason: `payer name '${payer.name}' learned for ${customerName(book.customers.get(learned))}`,
      })
    }
    const matches = nameMatches(book, tokens)
    const best = matches[0]?.score ?? 0
    crowdedName = (matches[nameEvidenceMax]?.score ?? 0) >= best - 0.1
    for (const match of matches.slice(0, nameEvidenceMax)) {
      if (match.score < nameScoreMin) break
      offer(match.customerId, {
        kind: 'name',
        score: match.score * 0.9,
        reason: `payer name '${payer.name}' is like ${customerName(book.customers.get(match.customerId))} (${Math.round(match.score * 100)}%)`,
      })
    }
  }
  return { evidence, ibanFamily, crowdedName }
}

/** Customers whose legal or trading name is like the payer's, best first. */
export function nameMatches(
  book: MatchBook,
  tokens: string[],
): { customerId: string; score: number }[] {
  // The two rarest words of the payer's name find its customer: the customers that have both,
  // else those that have either. Counting common words (a trade) over thousands of customers
  // would cost without telling anything.
  const lists: string[][] = []
  const cutOff: string[] = []
  for (const token of tokens) {
    const exact = book.nameIndex.get(token)
    if (exact) {
      if (exact.length <= tokenCustomersMax) lists.push(exact)
    } else if (token.length >= 3) {
      // Not a whole word of any name: an abbreviation or a word the bank cut off.
      cutOff.push(token)
    }
  }
  lists.sort((a, b) => a.length - b.length)
  let shortlist: string[]
  if (lists.length >= 2) {
    const rarest = new Set(lists[0])
    const both = lists[1]!.filter((id) => rarest.has(id))
    shortlist = both.length > 0 ? both : [...lists[0]!, ...lists[1]!]
  } else if (lists.length === 1) {
    shortlist = lists[0]!
  } else {
    const prefix = cutOff[0] ? book.prefixIndex.get(cutOff[0].slice(0, 3)) : undefined
    shortlist = prefix && prefix.length <= prefixCustomersMax ? prefix : []
  }
  if (shortlist.length > nameCandidatesMax && cutOff.length > 0) {
    const prefixes = cutOff.map((t) => t.slice(0, 3))
    const narrowed = shortlist.filter((id) =>
      book.customers
        .get(id)!
        .names.some((name) => prefixes.every((p) => name.some((t) => t.startsWith(p)))),
    )
    if (narrowed.length > 0) shortlist = narrowed
  }
  shortlist = shortlist.slice(0, nameCandidatesMax)
  return shortlist
    .map((customerId) => {
      const customer = book.customers.get(customerId)!
      let score = 0
      for (const name of customer.names) score = Math.max(score, nameSimilarity(tokens, name))
      return { customerId, score }
    })
    .sort((a, b) => b.score - a.score)
}

/** The one remittance advice of this payer, amount and (near) date, if there is exactly one. */
function linkedAdvice(
  book: MatchBook,
  payer: PayerText,
  currency: string,
  paymentMinor: bigint,
  date: string | null,
): RemittanceAdvice | undefined {
  const advices = book.advicesByAmount.get(amountKey(currency, paymentMinor)) ?? []
  const iban = payer.iban?.replace(/\s+/g, '').toUpperCase()
  const payerTokens = payer.name ? nameTokens(payer.name) : []
  const fitting = advices.filter((advice) => {
    if (date && Math.abs(daysBetween(advice.date, date)) > book.settings.adviceDaysMax) return false
    if (advice.payerIban && iban && advice.payerIban.replace(/\s+/g, '').toUpperCase() === iban) {
      return true
    }
    return !!advice.payerName && nameSimilarity(payerTokens, nameTokens(advice.payerName)) >= 0.8
  })
  return fitting.length === 1 ? fitting[0] : undefined
}

// A reference's 16 digits are no mistyped invoice number; longer runs are not tried.
const typoDigitsMax = 12
const typoCache = new WeakMap<NumberToken, OpenItem[]>()

/** Open invoices one typo away from a token, looked up once per token whatever the customer. */
function typoHits(book: MatchBook, token: NumberToken): OpenItem[] {
  let hits = typoCache.get(token)
  if (!hits) {
    const digits = token.keys[token.keys.length - 1]!
    // Only tokens as long as some invoice number of the book can be one with a slip in it.
    hits =
      digits.length > typoDigitsMax || !book.numberDigitLengths.has(digits.length)
        ? []
        : typoKeys(token).flatMap((key) => book.byNumberKey.get(key) ?? [])
    typoCache.set(token, hits)
  }
  return hits
}

/**
 * Invoices of a customer the payer is already known to be, named more loosely: by the sequence
 * number alone ('fact 41 en 42') or by a number one typo or one swap away from theirs.
 */
export function looselyNamed(
  book: MatchBook,
  customerId: string,
  tokens: NumberToken[],
  named: Map<string, NamedInvoice>,
): { item: OpenItem; how: 'sequence' | 'corrected number'; reason: string }[] {
  const found = new Map<
    string,
    { item: OpenItem; how: 'sequence' | 'corrected number'; reason: string }
  >()
  const sequences = book.bySequence.get(customerId)
  const own = new Set((book.itemsByCustomer.get(customerId) ?? []).map((i) => i.invoiceId))
  for (const token of tokens) {
    const namedOwn = token.keys.some((key) =>
      (book.byNumberKey.get(key) ?? []).some((i) => i.customerId === customerId),
    )
    if (namedOwn) continue
    let bySequence = false
    // A lone group is a sequence number ('fact 41 en 42'); a run of groups is a whole number.
    const lone = !token.text.includes(' ')
    for (const item of (lone && sequences?.get(token.sequence)) || []) {
      bySequence = true
      if (named.has(item.invoiceId) || found.has(item.invoiceId)) continue
      found.set(item.invoiceId, {
        item,
        how: 'sequence',
        reason: `'${token.text}' is the sequence number of ${item.number}`,
      })
    }
    if (bySequence || !token.standalone) continue
    // One slip has one correction: several of the payer's invoices one slip away is no reading.
    const readings = typoHits(book, token).filter((item) => own.has(item.invoiceId))
    if (readings.length !== 1) continue
    for (const item of readings) {
      if (found.has(item.invoiceId)) continue
      found.set(item.invoiceId, {
        item,
        how: 'corrected number',
        reason: `'${token.text}' read as ${item.number} (one typo or swap)`,
      })
    }
  }
  return [...found.values()]
}
