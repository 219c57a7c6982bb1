import { domainError } from '../../../core/errors.js'
import './errors.js'

// The template language of dunning messages: plain text with {{placeholders}} from a closed
// set, nothing else. No conditions, loops, helpers or expressions: a template is text a
// tenant's collector edits, and what it can do is exactly what this file fills in. Values are
// escaped for the variant they land in (HTML for an e-mail's html part), so a customer name
// with "<script>" prints as text.

/** Every placeholder a template may use, with what it becomes. */
export const placeholders = {
  'customer.name': "the customer's legal name",
  'customer.number': "the customer's number",
  'tenant.name': "the seller's name (billing settings)",
  date: 'the date of the message (the run date)',
  items: 'the overdue items: number, due date, open amount, days overdue (a table in HTML and PDF)',
  item_count: 'how many items the message lists',
  total: 'the open amount of the items, with the currency',
  payment_link: "the pay page of the oldest item (payments' pay link)",
  payment_reference: "the oldest item's payment reference",
  iban: "the seller's payee IBAN",
  costs: 'the collection costs on the total: the WIK scale; for a business at least EUR 40',
  interest: 'statutory interest (consumer) or commercial interest (business) on the items to date',
  deadline: 'the last day to pay: for a letter after the due dates, the end of the 14-day term',
  consequences:
    'the consequences of not paying in time, naming the costs amount (a 14-day letter needs it)',
} as const

export type Placeholder = keyof typeof placeholders

export const placeholderNames = Object.keys(placeholders) as Placeholder[]

function isPlaceholder(name: string): name is Placeholder {
  return Object.hasOwn(placeholders, name)
}

export type TemplateToken = { literal: string } | { placeholder: Placeholder }

// A template is small text (dunning_template.body ≤ 20,000 characters); a placeholder name
// is a dotted word.
const placeholderPattern = /\{\{\s*([^{}]*?)\s*\}\}/g

/**
 * Splits a template into literal text and placeholders. Refuses an unknown placeholder
 * (collections.template_placeholder_unknown, naming it and the field) and braces that open or
 * close no placeholder (collections.template_invalid).
 */
export function parseTemplate(text: string, field = 'body'): TemplateToken[] {
  const tokens: TemplateToken[] = []
  let at = 0
  for (const match of text.matchAll(placeholderPattern)) {
    const literal = text.slice(at, match.index)
    checkLiteral(literal, field)
    if (literal) tokens.push({ literal })
    const name = match[1] ?? ''
    if (!isPlaceholder(name)) {
      throw domainError(
        'collections.template_placeholder_unknown',
        `${field}: unknown placeholder {{${name}}}; known are ${placeholderNames.map((p) => `{{${p}}}`).join(', ')}`,
        { field, placeholder: name, known: placeholderNames },
      )
    }
    tokens.push({ placeholder: name })
    at = match.index + match[0].length
  }
  const rest = text.slice(at)
  checkLiteral(rest, field)
  if (rest) tokens.push({ literal: rest })
  return tokens
}

function checkLiteral(literal: string, field: string): void {
  const stray = literal.match(/\{\{|\}\}/)
  if (stray) {
    throw domainError(
      'collections.template_invalid',
      `${field}: "${stray[0]}" opens or closes no placeholder (write placeholders as {{name}})`,
      { field },
    )
  }
}

/** The placeholders a template uses, once each. */
export function placeholdersUsed(tokens: readonly TemplateToken[]): Set<Placeholder> {
  return new Set(tokens.flatMap((t) => ('placeholder' in t ? [t.placeholder] : [])))
}

/** What each placeholder becomes, as plain text and as HTML. */
export type FilledValues = { text: Record<Placeholder, string>; html: Record<Placeholder, string> }

export function fillText(tokens: readonly TemplateToken[], values: Record<Placeholder, string>) {
  return tokens.map((t) => ('literal' in t ? t.literal : values[t.placeholder])).join('')
}

/**
 * The HTML of a template: the literal text escaped, paragraphs at blank lines, line breaks
 * kept, and each value as the caller made it safe (escaped text, or the items table).
 */
export function fillHtml(tokens: readonly TemplateToken[], values: Record<Placeholder, string>) {
  const body = tokens
    .map((t) =>
      'literal' in t ? escapeHtml(t.literal).replace(/\n/g, '<br>\n') : values[t.placeholder],
    )
    .join('')
  const paragraphs = body
    .split(/(?:<br>\n){2,}/)
    .map((p) => p.replace(/^(?:<br>\n)+|(?:<br>\n)+$/g, ''))
    .filter((p) => p.trim() !== '')
  return paragraphs.map((p) => (p.startsWith('<table') ? p : `<p>${p}</p>`)).join('\n')
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}
