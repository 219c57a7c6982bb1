import type { CalendarDate } from '../../core/dates.js'
import { type Decimal, formatAmount, formatDecimal } from '../../core/money.js'
import type { DocumentLanguage } from '../invoicing/index.js'
import { labels } from './labels.js'

// Amounts, numbers and dates as a reader of each language expects them. Everything is done
// on strings from the exact values (bigint minor units, Decimal, 'YYYY-MM-DD'): never through
// a JS number or Intl, so a printed amount is always the stored one, digit for digit.
//   nl: 1.234,56   25 november 2026      en: 1,234.56   25 November 2026

const separators: Record<DocumentLanguage, { thousands: string; decimal: string }> = {
  nl: { thousands: '.', decimal: ',' },
  en: { thousands: ',', decimal: '.' },
}

/** A plain decimal string ('-1234.5') with the language's separators ('-1.234,5'). */
function localiseDecimal(text: string, language: DocumentLanguage): string {
  const { thousands, decimal } = separators[language]
  const negative = text.startsWith('-')
  const [whole, fraction] = (negative ? text.slice(1) : text).split('.')
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, thousands)
  return `${negative ? '-' : ''}${grouped}${fraction === undefined ? '' : decimal + fraction}`
}

/** Minor units as an amount without currency: 123456n EUR → nl '1.234,56', en '1,234.56'. */
export function formatMinor(minor: bigint, currency: string, language: DocumentLanguage): string {
  return localiseDecimal(formatAmount(minor, currency), language)
}

/** Minor units with the currency code in front: 'EUR 1.234,56'. */
export function formatMoney(minor: bigint, currency: string, language: DocumentLanguage): string {
  return `${currency} ${formatMinor(minor, currency, language)}`
}

/** A quantity, rate or percentage: { units: 25n, scale: 1 } → nl '2,5', en '2.5'. */
export function formatNumber(value: Decimal, language: DocumentLanguage): string {
  return localiseDecimal(formatDecimal(value), language)
}

/** '2026-11-25' → nl '25 november 2026', en '25 November 2026'. */
export function formatDate(date: CalendarDate, language: DocumentLanguage): string {
  const [year, month, day] = date.split('-')
  return `${Number(day)} ${labels[language].months[Number(month) - 1]} ${year}`
}

/** A unit code as a word ('HUR' → 'uur' / 'h'); an unknown code prints as itself. */
export function formatUnit(unit: string, language: DocumentLanguage): string {
  return labels[language].units[unit] ?? unit
}

/** '#1f3a5f' → [31, 58, 95]; for blending a colour with white. */
export function rgbOf(colour: string): [number, number, number] {
  const value = Number.parseInt(colour.slice(1), 16)
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff]
}

// The standard PDF fonts (Helvetica) cover Windows-1252 only. A character outside it would
// print as garbage, so we print the letter without its accent when there is one ('ł' stays
// unknown and becomes '?'), and plain ASCII for the typographic marks that have none.
const winAnsiExtra = new Set(
  '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ'.split('').map((char) => char.charCodeAt(0)),
)
const replacements: Record<string, string> = { '−': '-', '‐': '-', '‑': '-', '\u202f': ' ' }

export function printable(text: string): string {
  let out = ''
  for (const char of text) {
    const code = char.charCodeAt(0)
    if (
      (code >= 0x20 && code <= 0x7e) ||
      (code >= 0xa0 && code <= 0xff) ||
      winAnsiExtra.has(code)
    ) {
      out += char
    } else if (char === '\n') {
      out += char
    } else if (replacements[char]) {
      out += replacements[char]
    } else {
      const base = char.normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      out += base.length === 1 && base.charCodeAt(0) < 0x7f ? base : '?'
    }
  }
  return out
}
