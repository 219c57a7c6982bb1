import type { Sign } from './model.js'

// Amounts as the fixtures' README writes them: unsigned decimal strings with '.', leading
// zeros dropped (one '0' stays), at least two fraction digits and more when the file has more
// ('9,' → '9.00', '000000001213,28' → '1213.28', '0.2' → '0.20', '500' → '500.00'). They stay
// strings here: the currency decides the minor units later, and no JS number ever holds one.

/**
 * The normalised amount, or undefined when the text is not an unsigned decimal written with
 * the given separator (the caller names the place).
 */
export function normaliseAmount(text: string, separator: ',' | '.'): string | undefined {
  const at = text.indexOf(separator)
  const whole = at < 0 ? text : text.slice(0, at)
  const fraction = at < 0 ? '' : text.slice(at + 1)
  if (!/^\d*$/.test(whole) || !/^\d*$/.test(fraction)) return undefined
  if (whole === '' && fraction === '') return undefined
  return `${whole.replace(/^0+/, '') || '0'}.${fraction.padEnd(2, '0')}`
}

/** A normalised amount as an integer at a scale: '12.50' is 1250n at scale 2. */
type Scaled = { units: bigint; scale: number }

function scaled(amount: string): Scaled {
  const [whole, fraction] = amount.split('.')
  return { units: BigInt(whole + fraction), scale: fraction.length }
}

function atScale(value: Scaled, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale)
}

/**
 * Whether opening + the signed entries equals closing, compared exactly. The amounts are
 * normalised strings; C counts up and D down, as the statement's own sign says (camt reversals
 * carry the sign of the booking they reverse, MT940 RC/RD are already turned around).
 */
export function balancesAgree(
  opening: { amount: string; sign: Sign },
  entries: { amount: string; sign: Sign }[],
  closing: { amount: string; sign: Sign },
): boolean {
  const all = [opening, closing, ...entries].map((item) => scaled(item.amount))
  const scale = Math.max(...all.map((item) => item.scale))
  const signed = (item: { amount: string; sign: Sign }) =>
    (item.sign === 'C' ? 1n : -1n) * atScale(scaled(item.amount), scale)
  let total = signed(opening)
  for (const entry of entries) total += signed(entry)
  return total === signed(closing)
}
