import {
  isValidBelgianStructuredCommunication,
  isValidDutchPaymentReference,
  isValidRfReference,
} from '../../../core/payment-reference.js'

// Reading what people and banks write in a payment: structured references, invoice numbers in
// the forms people really type, and payer names. Pure functions over strings.

export type FoundReference = {
  scheme: 'nl' | 'rf' | 'be'
  key: string
  /** Other readings of the same span, longest first (an RF typed against the next word). */
  alternatives: string[]
  printed: string
}

/**
 * The key a payment reference is indexed by: digits only for the Dutch and Belgian forms,
 * upper-case letters and digits for RF. The same key comes out of the printed and typed forms.
 */
export function referenceKey(reference: string): string {
  const compact = reference.replace(/[^0-9A-Za-z]/g, '').toUpperCase()
  return compact.startsWith('RF') ? compact : compact.replace(/\D/g, '')
}

/**
 * Every structured reference in a text whose check digits hold: the Dutch 16-digit
 * betalingskenmerk, an RF creditor reference, a Belgian +++…+++ communication. People type them
 * with spaces, dots or dashes between the groups; the check digit makes a chance hit unlikely
 * (1 in 11 for nl, 1 in 97 for RF and be), so we try each plausible span.
 */
export function findReferences(text: string): FoundReference[] {
  const found = new Map<string, FoundReference>()
  const add = (
    scheme: FoundReference['scheme'],
    key: string,
    printed: string,
    alternatives: string[] = [],
  ) => {
    if (!found.has(key)) found.set(key, { scheme, key, alternatives, printed: printed.trim() })
  }
  for (const m of text.matchAll(/RF[\s.]?\d{2}(?:[\s.-]?[0-9A-Z]){1,21}/gi)) {
    // The regex is greedy and may swallow the next word, and a longer span can pass the check
    // digits by chance (1 in 97): every valid prefix is a reading, longest first.
    const compact = m[0].replace(/[\s.-]/g, '').toUpperCase()
    const readings: string[] = []
    for (let length = compact.length; length >= 5; length--) {
      if (isValidRfReference(compact.slice(0, length))) readings.push(compact.slice(0, length))
    }
    if (readings.length > 0) add('rf', readings[0]!, m[0], readings.slice(1))
  }
  for (const m of text.matchAll(/(?:[+*]{3}\s*)?\d{3}\s*\/\s*\d{4}\s*\/\s*\d{5}(?:\s*[+*]{3})?/g)) {
    const digits = m[0].replace(/\D/g, '')
    if (isValidBelgianStructuredCommunication(digits)) add('be', digits, m[0])
  }
  // Digit runs with single separators: '5000 0567 8901 2345', '5000.0567.8901.2345'.
  for (const m of text.matchAll(/\d(?:[\s.-]?\d)+/g)) {
    const digits = m[0].replace(/\D/g, '')
    if (digits.length === 16 && isValidDutchPaymentReference(digits)) add('nl', digits, m[0])
    if (digits.length === 12 && isValidBelgianStructuredCommunication(digits)) {
      add('be', digits, m[0])
    }
  }
  return [...found.values()]
}

// ---------------------------------------------------------------------------------------------
// Invoice numbers

/** The digit groups of an invoice number: 'INV-2026-00042' → ['2026', '00042']. */
function digitGroups(text: string): string[] {
  return text.match(/\d+/g) ?? []
}

function stripZeros(group: string): string {
  return group.replace(/^0+(?=\d)/, '')
}

/**
 * The keys an invoice number is found by: its digit groups without leading zeros joined by '-'
 * ('2026-42'), and all its digits run together ('202600042'). A prefix, separators and padding
 * are what people drop or change; the digits are what they keep.
 */
export function invoiceNumberKeys(number: string): string[] {
  const groups = digitGroups(number)
  if (groups.length === 0) return []
  const keys = new Set([groups.map(stripZeros).join('-'), groups.join('')])
  return [...keys]
}

/** The sequence part: the last digit group without leading zeros ('INV-2026-00042' → '42'). */
export function invoiceSequenceKey(number: string): string | undefined {
  const groups = digitGroups(number)
  return groups.length === 0 ? undefined : stripZeros(groups[groups.length - 1]!)
}

export type NumberToken = {
  /** What was written, for the reason shown to a person. */
  text: string
  keys: string[]
  /** The last group without zeros, for 'fact 41 en 42' once the customer is known. */
  sequence: string
  /** A token long enough to be an invoice number on its own (not an amount or a day). */
  standalone: boolean
}

// Dates and amounts look like invoice numbers to a digit scanner; they are taken out first.
const datePattern = /\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b/g
const amountPattern = /\b\d{1,3}(?:[.,]\d{3})*[.,]\d{2}\b/g

/**
 * The invoice-number-like tokens of a text: runs of digit groups joined by one or two
 * separators. A run like '2026 42 43' also yields its sub-runs ('2026 42', '43'), because
 * people write several numbers in a row.
 */
export function findNumberTokens(text: string): NumberToken[] {
  const cleaned = text.replace(datePattern, ' ').replace(amountPattern, ' ')
  const tokens: NumberToken[] = []
  const seen = new Set<string>()
  for (const m of cleaned.matchAll(/\d+(?:[\s\-/._]{1,2}\d+)*/g)) {
    const groups = digitGroups(m[0])
    for (let start = 0; start < groups.length; start++) {
      for (let end = start + 1; end <= Math.min(groups.length, start + 3); end++) {
        const part = groups.slice(start, end)
        const written = part.join(' ')
        if (seen.has(written)) continue
        seen.add(written)
        const digits = part.join('')
        tokens.push({
          text: written,
          keys: [...new Set([part.map(stripZeros).join('-'), digits])],
          sequence: stripZeros(part[part.length - 1]!),
          standalone: part.length >= 2 ? digits.length >= 5 : digits.length >= 6,
        })
      }
    }
  }
  return tokens
}

/**
 * Keys one slip of the finger away: one digit changed or two adjacent digits swapped, in the
 * run-together digits and in the sequence group. Used only to confirm an invoice of a customer
 * that the other signals already point at.
 */
export function typoKeys(token: NumberToken): string[] {
  const variants = new Set<string>()
  const digits = token.keys[token.keys.length - 1]!
  if (!/^\d+$/.test(digits) || digits.length < 3) return []
  for (let i = 0; i < digits.length; i++) {
    for (let d = 0; d <= 9; d++) {
      const c = String(d)
      if (c !== digits[i]) variants.add(digits.slice(0, i) + c + digits.slice(i + 1))
    }
    if (i + 1 < digits.length && digits[i] !== digits[i + 1]) {
      variants.add(digits.slice(0, i) + digits[i + 1] + digits[i] + digits.slice(i + 2))
    }
  }
  const grouped = token.keys[0]!
  const dash = grouped.lastIndexOf('-')
  if (dash > 0) {
    const head = grouped.slice(0, dash + 1)
    const sequence = grouped.slice(dash + 1)
    for (let i = 0; i < sequence.length; i++) {
      for (let d = 0; d <= 9; d++) {
        const c = String(d)
        if (c !== sequence[i]) {
          variants.add(head + stripZeros(sequence.slice(0, i) + c + sequence.slice(i + 1)))
        }
      }
      if (i + 1 < sequence.length && sequence[i] !== sequence[i + 1]) {
        const swapped = sequence.slice(0, i) + sequence[i + 1] + sequence[i] + sequence.slice(i + 2)
        variants.add(head + stripZeros(swapped))
      }
    }
  }
  return [...variants]
}

// ---------------------------------------------------------------------------------------------
// Names

// Legal forms and joining words carry no identity: 'Jansen B.V.' and 'JANSEN BV' are one payer.
const legalForms = new Set(
  (
    'bv nv vof cv bvba sprl srl sa sas sarl gmbh mbh ag kg ohg ug eg ev ek gbr kgaa se ltd ' +
    'limited llc inc plc co cie corp en und and et haftungsbeschrankt'
  ).split(' '),
)
// Name particles are in half the Dutch and Belgian names; they tell nobody apart.
const particles = new Set('van de der den het ter ten von vom zu la le du des di'.split(' '))

/**
 * A payer or customer name as comparable tokens: accents, case, punctuation and legal forms
 * gone; dotted initials joined ('B. V.' → 'bv'). Sorted, so word order does not count.
 */
export function nameTokens(name: string): string[] {
  const plain = name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/&/g, ' ')
    .replace(/\.(?=\S)/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
  if (plain === '') return []
  const joined: string[] = []
  let initials = ''
  for (const word of plain.split(' ')) {
    if (word.length === 1) {
      initials += word
      continue
    }
    if (initials !== '') joined.push(initials)
    initials = ''
    joined.push(word)
  }
  if (initials !== '') joined.push(initials)
  return joined.filter((t) => !legalForms.has(t) && !particles.has(t)).sort()
}

/** Edit distance, stopping early above `max` (names are short; one slip is what we forgive). */
export function editDistanceAtMost(a: string, b: string, max: number): boolean {
  if (Math.abs(a.length - b.length) > max) return false
  // One edit leaves the first or the last letter in place: most pairs end here, cheaply.
  if (max === 1 && a[0] !== b[0] && a[a.length - 1] !== b[b.length - 1]) return false
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    let rowMin = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
      current.push(value)
      if (value < rowMin) rowMin = value
    }
    if (rowMin > max) return false
    previous = current
  }
  return previous[b.length]! <= max
}

/**
 * How alike a payer name and a customer name are, 0..1. Each payer token takes its best
 * partner: the same word (1), an abbreviation or a truncation — a prefix of at least three
 * letters (0.85) — or one typo in a word of five or more letters (0.8). The score weighs how
 * much of the payer's name is explained (0.6) above how much of the customer's name is found
 * (0.4): banks cut names off and payers leave out the place, but seldom add words.
 */
export function nameSimilarity(payer: string[], customer: string[]): number {
  if (payer.length === 0 || customer.length === 0) return 0
  const used = new Array<boolean>(customer.length).fill(false)
  let matched = 0
  for (const token of payer) {
    let best = 0
    let bestIndex = -1
    for (let i = 0; i < customer.length; i++) {
      if (used[i]) continue
      const other = customer[i]!
      let quality = 0
      if (other === token) quality = 1
      else if (token.length >= 3 && other.startsWith(token)) quality = 0.85
      // A word cut off by the bank's field length: a little credit, not an identity.
      else if (token.length === 2 && other.startsWith(token)) quality = 0.5
      else if (token.length >= 5 && editDistanceAtMost(token, other, 1)) quality = 0.8
      if (quality > best) {
        best = quality
        bestIndex = i
      }
    }
    if (bestIndex >= 0) {
      used[bestIndex] = true
      matched += best
    }
  }
  return 0.6 * (matched / payer.length) + 0.4 * (matched / customer.length)
}

/** An IBAN as stored: upper case, no spaces. */
export function normaliseIban(iban: string): string {
  return iban.replace(/\s+/g, '').toUpperCase()
}
