import type { CalendarDate } from '../../core/dates.js'
import { type Decimal, formatAmount, formatDecimal } from '../../core/money.js'
import type { DocumentLanguage } from '../invoicing/index.js'
import { documentFonts } from './fonts.js'
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

// The embedded DejaVu Sans prints Latin with every accent, Greek, Cyrillic and the euro sign.
// A character it has no glyph for (Chinese, say) would print as an empty box: it prints as
// '?', or without its accent when only the accented form is missing. Text is composed first
// (NFC), so an 'e' followed by a combining acute prints as the one glyph 'é'.
function inFont(char: string): boolean {
  const { regular, bold } = documentFonts()
  const code = char.codePointAt(0) ?? 0
  return regular.hasGlyphForCodePoint(code) && bold.hasGlyphForCodePoint(code)
}

export function printable(text: string): string {
  let out = ''
  for (const char of text.normalize('NFC')) {
    if (char === '\n' || (char >= ' ' && inFont(char))) {
      out += char
    } else if (char === '\t') {
      out += ' '
    } else if (char < ' ' || (char >= '\u007f' && char < '\u00a0')) {
      // control characters print nothing
    } else {
      const base = char.normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      out += base.length === 1 && inFont(base) ? base : '?'
    }
  }
  return out
}
