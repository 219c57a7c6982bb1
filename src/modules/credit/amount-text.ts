import { type CurrencyCode, formatAmount } from '../../core/money.js'

/**
 * An amount as a credit analyst reads it in a sentence: "12,400.00 EUR". The API itself
 * speaks plain decimal strings ("12400.00"); this is for reasons and hold details only.
 */
export function amountText(minor: bigint, currency: CurrencyCode): string {
  const plain = formatAmount(minor, currency)
  const negative = plain.startsWith('-')
  const [whole, fraction] = (negative ? plain.slice(1) : plain).split('.')
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${negative ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`} ${currency}`
}
