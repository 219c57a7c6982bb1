// Structured payment references printed on an invoice so that the bank line which pays it can
// be matched without a person reading it. Three schemes, chosen per tenant:
//
// - 'nl': the Dutch betalingskenmerk (Currence spec): digits with a leading weighted-mod-11
//   check digit. We make the 16-digit form; we accept the 7, 9–14 and 16-digit forms.
// - 'rf': the ISO 11649 creditor reference: 'RF' + 2 check digits (ISO 7064 MOD 97-10) + up to
//   21 letters or digits.
// - 'be': the Belgian structured communication (OGM/VCS): 10 digits + their remainder mod 97.
//
// Algorithms and worked examples: ../../../shared/reference/nl-collections.md section 5.
// Pure functions, no I/O. The make* functions are given our own numbers (invoice sequences) and
// throw a RangeError on a base they cannot encode; input from people goes through isValid*.
//
// What each check digit guarantees (and the tests assert exactly this):
// - nl: the check digit is 11 − (weighted sum mod 11), but both remainders 1 and 10 give check
//   digit 1. So when the check digit is not 1, every single-digit change and every swap of two
//   adjacent different digits after the check digit is caught; when it is 1, a change that moves
//   the remainder between 1 and 10 slips through. A change of the check digit itself is caught.
// - rf: every single-character change (digit for digit, letter for letter) and every swap of
//   two adjacent different characters of the same kind (two digits or two letters), anywhere,
//   check digits included, is caught. A letter–digit swap is not always caught: 'B1' and '1B'
//   both read as 111.
// - be: every single-digit change anywhere in the 12 digits, and every swap of two adjacent
//   different digits within the 10-digit base or within the 2 check digits, is caught.

const onlyDigits = /^\d+$/

// ---------------------------------------------------------------------------------------------
// Dutch betalingskenmerk

/** Weights for the digits after the check digit, from the rightmost digit leftwards. */
const dutchWeights = [2, 4, 8, 5, 10, 9, 7, 3, 6, 1] as const

function dutchCheckDigit(body: string): number {
  let sum = 0
  for (let i = 0; i < body.length; i++) {
    const digit = body.charCodeAt(body.length - 1 - i) - 48
    sum += digit * dutchWeights[i % dutchWeights.length]!
  }
  const check = 11 - (sum % 11)
  return check === 10 ? 1 : check === 11 ? 0 : check
}

/**
 * The 16-digit Dutch payment reference for a base of 1–15 digits: the base is left-padded
 * with zeros to 15 digits and the check digit goes in front.
 */
export function makeDutchPaymentReference(base: string): string {
  if (!onlyDigits.test(base) || base.length > 15) {
    throw new RangeError(`A Dutch payment reference needs a base of 1–15 digits, not '${base}'`)
  }
  const body = base.padStart(15, '0')
  return `${dutchCheckDigit(body)}${body}`
}

/**
 * True for a Dutch payment reference of 7 digits (no check digit), 9–14 digits (check digit,
 * length code, payload) or 16 digits (check digit, 15 digits). Spaces are ignored, so the
 * printed form '5000 0567 8901 2345' is accepted.
 */
export function isValidDutchPaymentReference(text: string): boolean {
  const reference = text.replace(/ /g, '')
  if (!onlyDigits.test(reference)) return false
  const length = reference.length
  if (length === 7) return true
  if (length !== 16 && (length < 9 || length > 14)) return false
  const body = reference.slice(1)
  if (length !== 16) {
    const lengthCode = (length - 2) % 10
    if (body.charCodeAt(0) - 48 !== lengthCode) return false
  }
  return dutchCheckDigit(body) === reference.charCodeAt(0) - 48
}

/** The printed form: groups of 4 digits ('5000 0567 8901 2345'). */
export function formatDutchPaymentReference(reference: string): string {
  return groupsOf4(reference.replace(/ /g, ''))
}

// ---------------------------------------------------------------------------------------------
// ISO 11649 RF creditor reference

const rfBase = /^[0-9A-Z]{1,21}$/

function compact(text: string): string {
  return text.replace(/ /g, '').toUpperCase()
}

/** ISO 7064 MOD 97-10 remainder of letters and digits, A = 10 … Z = 35. */
function mod97(text: string): number {
  let remainder = 0
  for (const char of text) {
    const code = char.charCodeAt(0)
    const value = code <= 57 ? code - 48 : code - 55
    remainder = (remainder * (value < 10 ? 10 : 100) + value) % 97
  }
  return remainder
}

/** 'RF' + check digits + base, compact ('RF10INV2026001'). Base: 1–21 letters or digits. */
export function makeRfReference(base: string): string {
  const reference = compact(base)
  if (!rfBase.test(reference)) {
    throw new RangeError(`An RF reference needs a base of 1–21 letters or digits, not '${base}'`)
  }
  const check = 98 - mod97(`${reference}RF00`)
  return `RF${String(check).padStart(2, '0')}${reference}`
}

/** True for an RF creditor reference, compact or printed, in either case. */
export function isValidRfReference(text: string): boolean {
  const reference = compact(text)
  if (!/^RF\d{2}[0-9A-Z]{1,21}$/.test(reference)) return false
  return mod97(`${reference.slice(4)}${reference.slice(0, 4)}`) === 1
}

/** The printed form: groups of 4 characters ('RF18 5390 0754 7034'). */
export function formatRfReference(reference: string): string {
  return groupsOf4(compact(reference))
}

// ---------------------------------------------------------------------------------------------
// Belgian structured communication (gestructureerde mededeling / communication structurée)

/** '+++ddd/dddd/ddddd+++' for a base of exactly 10 digits; check = base mod 97, 0 → 97. */
export function makeBelgianStructuredCommunication(base: string): string {
  if (!/^\d{10}$/.test(base)) {
    throw new RangeError(`A Belgian structured communication needs 10 digits, not '${base}'`)
  }
  const digits = `${base}${belgianCheck(base)}`
  return `+++${digits.slice(0, 3)}/${digits.slice(3, 7)}/${digits.slice(7)}+++`
}

function belgianCheck(base: string): string {
  const remainder = Number(BigInt(base) % 97n)
  return String(remainder === 0 ? 97 : remainder).padStart(2, '0')
}

/**
 * True for '+++ddd/dddd/ddddd+++' or '***ddd/dddd/ddddd***' (spaces ignored) or the 12 digits
 * alone, whose last two digits are the first ten mod 97 (97 when that is 0).
 */
export function isValidBelgianStructuredCommunication(text: string): boolean {
  const compactText = text.replace(/ /g, '')
  const framed = /^(\+{3}|\*{3})(\d{3})\/(\d{4})\/(\d{5})\1$/.exec(compactText)
  const digits = framed ? `${framed[2]}${framed[3]}${framed[4]}` : compactText
  if (!/^\d{12}$/.test(digits)) return false
  return belgianCheck(digits.slice(0, 10)) === digits.slice(10)
}

// ---------------------------------------------------------------------------------------------
// From an invoice's sequence number

export type PaymentReferenceScheme = 'nl' | 'rf' | 'be'

/**
 * The payment reference of the invoice with this sequence number (a non-negative integer,
 * unique within the tenant): 'nl' → 16 digits, 'rf' → compact RF reference of the decimal
 * number, 'be' → '+++…+++' with the number padded to 10 digits. Throws a RangeError when the
 * number does not fit the scheme (nl: 15 digits, rf: 21, be: 10).
 */
export function paymentReferenceFor(
  scheme: PaymentReferenceScheme,
  invoiceSequence: bigint | number,
): string {
  if (typeof invoiceSequence === 'number' && !Number.isSafeInteger(invoiceSequence)) {
    throw new RangeError(`An invoice sequence must be a safe integer, not ${invoiceSequence}`)
  }
  const sequence = BigInt(invoiceSequence)
  if (sequence < 0n) throw new RangeError(`An invoice sequence cannot be negative: ${sequence}`)
  const digits = sequence.toString()
  switch (scheme) {
    case 'nl':
      return makeDutchPaymentReference(digits)
    case 'rf':
      return makeRfReference(digits)
    case 'be':
      if (digits.length > 10) {
        throw new RangeError(`Invoice sequence ${digits} does not fit 10 digits`)
      }
      return makeBelgianStructuredCommunication(digits.padStart(10, '0'))
  }
}

function groupsOf4(text: string): string {
  return text.replace(/(.{4})(?=.)/g, '$1 ')
}
