// Money is exact: integer minor units (bigint) with an ISO 4217 currency. No floating point
// touches an amount anywhere in o2c. Rounding happens only here, half away from zero.

export type CurrencyCode = string

export type Money = { readonly minor: bigint; readonly currency: CurrencyCode }

// ISO 4217 minor-unit exponents that differ from 2. Every other valid code has 2.
const exponentOtherThanTwo: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
}

// The currencies o2c accepts: the active ISO 4217 codes in trade use.
const knownCurrencies = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN ' +
    'BWP BYN BZD CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD ' +
    'FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY ' +
    'KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP ' +
    'MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR ' +
    'RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT ' +
    'TND TOP TRY TTD TWD TZS UAH UGX USD UYI UYU UYW UZS VES VND VUV WST XAF XCD XOF XPF YER ' +
    'ZAR ZMW ZWG'
  ).split(' '),
)

export function isCurrency(code: string): boolean {
  return knownCurrencies.has(code)
}

export function currencyExponent(currency: CurrencyCode): number {
  return exponentOtherThanTwo[currency] ?? 2
}

export function money(minor: bigint, currency: CurrencyCode): Money {
  return { minor, currency }
}

export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b)
  return money(a.minor + b.minor, a.currency)
}

export function subtractMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b)
  return money(a.minor - b.minor, a.currency)
}

function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new Error(`Cannot combine ${a.currency} with ${b.currency}`)
  }
}

const decimalPattern = /^-?\d+(\.\d+)?$/

/**
 * Parses a decimal string ("121.00", "121.5", "121") into minor units of the currency.
 * Refuses more decimals than the currency has: 12.345 EUR is not an amount, it is a typo.
 * Returns undefined for anything that is not a plain decimal.
 */
export function parseAmount(text: string, currency: CurrencyCode): bigint | undefined {
  if (!decimalPattern.test(text)) return undefined
  const exponent = currencyExponent(currency)
  const negative = text.startsWith('-')
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.')
  if (fraction.length > exponent) {
    // Trailing zeros beyond the exponent are harmless ("12.500" EUR).
    if (!/^0*$/.test(fraction.slice(exponent))) return undefined
  }
  const digits = whole + fraction.slice(0, exponent).padEnd(exponent, '0')
  const minor = BigInt(digits)
  return negative ? -minor : minor
}

/** Formats minor units as the decimal string the API speaks: 12100n EUR → "121.00". */
export function formatAmount(minor: bigint, currency: CurrencyCode): string {
  const exponent = currencyExponent(currency)
  const negative = minor < 0n
  const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0')
  const whole = digits.slice(0, digits.length - exponent)
  const fraction = digits.slice(digits.length - exponent)
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`
}

/** numerator / denominator rounded half away from zero — the one rounding rule of o2c. */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new Error('Division by zero')
  const negative = numerator < 0n !== denominator < 0n
  const n = numerator < 0n ? -numerator : numerator
  const d = denominator < 0n ? -denominator : denominator
  const quotient = (n * 2n + d) / (2n * d)
  return negative ? -quotient : quotient
}

/**
 * A decimal held exactly as an integer with a scale: "2.5" is { units: 25n, scale: 1 }.
 * Used for quantities, percentages and VAT rates, which are not money but multiply it.
 */
export type Decimal = { readonly units: bigint; readonly scale: number }

export function parseDecimal(text: string, scaleMax: number): Decimal | undefined {
  if (!decimalPattern.test(text)) return undefined
  const fraction = text.split('.')[1] ?? ''
  const trimmed = fraction.replace(/0+$/, '')
  if (trimmed.length > scaleMax) return undefined
  const scale = trimmed.length
  const negative = text.startsWith('-')
  const whole = (negative ? text.slice(1) : text).split('.')[0]
  const units = BigInt(whole + trimmed)
  return { units: negative ? -units : units, scale }
}

/** Parses a numeric column as the store prints it ('2.5000' → 2.5); anything else is a bug. */
export function decimalFromStore(text: string): Decimal {
  const parsed = parseDecimal(text, 18)
  if (!parsed) throw new Error(`Not a decimal from the store: ${text}`)
  return parsed
}

export function compareDecimal(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale)
  const left = a.units * 10n ** BigInt(scale - a.scale)
  const right = b.units * 10n ** BigInt(scale - b.scale)
  return left === right ? 0 : left < right ? -1 : 1
}

export function formatDecimal(value: Decimal, scaleMin = 0): string {
  const scale = Math.max(value.scale, scaleMin)
  const units = value.units * 10n ** BigInt(scale - value.scale)
  const negative = units < 0n
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0')
  const whole = digits.slice(0, digits.length - scale)
  const fraction = digits.slice(digits.length - scale)
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`
}

/**
 * Line net amount as EN 16931 computes it (BT-131): quantity × unit price less the line
 * discount percentage, rounded once, half away from zero, to the currency's minor unit.
 */
export function lineNetMinor(
  quantity: Decimal,
  unitPriceMinor: bigint,
  discountPercent: Decimal = { units: 0n, scale: 0 },
): bigint {
  const hundred = 100n * 10n ** BigInt(discountPercent.scale)
  const numerator = quantity.units * unitPriceMinor * (hundred - discountPercent.units)
  const denominator = 10n ** BigInt(quantity.scale) * hundred
  return divideRounded(numerator, denominator)
}

/** VAT for one category and rate: taxable base × rate / 100, rounded once per category (BR-CO-17). */
export function vatForCategory(taxableMinor: bigint, ratePercent: Decimal): bigint {
  return divideRounded(taxableMinor * ratePercent.units, 100n * 10n ** BigInt(ratePercent.scale))
}

/**
 * Splits a total over weights so that the parts sum exactly to the total, giving the
 * remainder units to the parts with the largest remainders (ties: earlier part first).
 * allocate(10000n, [1n, 1n, 1n]) → [3334n, 3333n, 3333n].
 */
export function allocate(totalMinor: bigint, weights: readonly bigint[]): bigint[] {
  if (weights.length === 0) throw new Error('allocate needs at least one weight')
  if (weights.some((w) => w < 0n)) throw new Error('allocate needs non-negative weights')
  const weightSum = weights.reduce((sum, w) => sum + w, 0n)
  if (weightSum === 0n) throw new Error('allocate needs a positive weight')
  const negative = totalMinor < 0n
  const total = negative ? -totalMinor : totalMinor
  const parts = weights.map((w) => (total * w) / weightSum)
  const remainders = weights.map((w, index) => ({ index, remainder: (total * w) % weightSum }))
  let left = total - parts.reduce((sum, p) => sum + p, 0n)
  remainders.sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  )
  for (const { index } of remainders) {
    if (left === 0n) break
    parts[index] += 1n
    left -= 1n
  }
  return negative ? parts.map((p) => -p) : parts
}
