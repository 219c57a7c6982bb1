import { domainError } from '../../../core/errors.js'
import { adviceColumns, classifyColumn } from './columns.js'
import type { AdviceSource, ParsedAdvice, ParsedLine } from './model.js'
import {
  amountInText,
  dateInText,
  readAmount,
  readDate,
  readIban,
  readLabelled,
  totalWords,
} from './reading.js'

// An advice written as text: the body of a mail, or the text of a PDF. People write it in
// many ways, so this reads line by line and takes what it recognises:
//
//   INV-2026-0042   1.234,56                  an invoice number and the amount paid
//   Factuur 2026-42: € 100,00                 a keyword, the number, the amount
//   | RE-2026-17 | 01.03.2026 | 500,00 |       a row of a plain-text table
//   Betaler: Bakkerij Jansen B.V.             labelled facts: payer, IBAN, date, currency
//   Totaal: € 1.334,56                        the total
//
// A line with an amount and a number is an advice line; with several amounts, the column a
// header above it names as paid, else the last one (tables list the invoice amount, the
// discount, then what is paid). A line that names two invoices and one amount ("factuur 41
// en 42: 300,00") cannot be split and refuses the advice, naming the line. Quoted text of a
// reply ("> …") and what follows a signature line ("-- ") are not read.

// Words that announce an invoice number; the number follows them.
const invoiceWords =
  /^(factuur|factuurnummer|factuurnr|fact|fac|facturen|nota|invoice|invoices|inv|rechnung|rechnungen|rechnungsnummer|rechnungsnr|re|beleg|belegnr|nr|no|nummer|number|num)$/i

// Between two invoice numbers that share one amount.
const conjunction = /^\s*(,|&|\+|en|and|und|\/)\s*$/i

// Where a reply quotes the mail it answers, or a signature starts: the advice is above.
const endOfAdvice =
  /^(-- ?$|-{3,}\s*(original|oorspronkelijk|ursprüngliche)|_{5,}$|(on|op|am) .+(wrote|schreef|schrieb):\s*$)/i

// No line of a mail or PDF advice is longer; a longer one is data of another kind, not read.
const lineLengthMax = 4_000

export function parseAdviceText(
  text: string,
  options: { source: AdviceSource; fileName: string },
): ParsedAdvice {
  const advice: ParsedAdvice = { source: options.source, lines: [] }
  let amountColumns: { paid: number; count: number } | undefined
  const lines = text.split(/\r\n|\n|\r/)
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index]
    const lineNumber = index + 1
    if (raw.length > lineLengthMax) continue
    if (endOfAdvice.test(raw.trim())) break
    if (/^\s*>/.test(raw)) continue
    // Table rules and bullets are layout, not content.
    const line = raw.replace(/[|│┃¦]/g, '  ').replace(/^\s*[-*•·]\s+/, '')
    if (line.trim() === '') continue
    const place = { line: lineNumber }
    const fail = (message: string) => malformed(options.fileName, lineNumber, message)

    const labelled = readLabelled(line)
    if (labelled && (labelled.kind !== 'total' || invoiceTokens(line).length === 0)) {
      readFact(advice, labelled, line, place, fail)
      continue
    }
    const amounts = [...line.matchAll(amountInText)]
    if (amounts.length === 0) {
      amountColumns = headerAmountColumns(line) ?? amountColumns
      continue
    }
    const readAmounts = amounts.map((m) => readAmount(m[0]))
    if (readAmounts.some((a) => a === undefined)) {
      fail(`"${amounts[readAmounts.indexOf(undefined)][0]}" is not an amount`)
    }
    const values = readAmounts as { amount: string; currency?: string }[]
    for (const value of values) noteCurrency(advice, value.currency, lineNumber, fail)
    if (totalWords.test(line)) {
      advice.total = { amount: values[values.length - 1].amount, place }
      continue
    }
    const rest = withoutAmountsAndDates(line)
    const numbers = invoiceTokens(rest)
    if (numbers.length === 0) continue
    if (numbers.length > 1 && numbers.length === values.length) {
      numbers.forEach((number, i) => {
        advice.lines.push({ invoiceNumber: number.text, amount: values[i].amount, place })
      })
      continue
    }
    if (numbers.length > 1 && values.length === 1) {
      const between = rest.slice(numbers[0].end, numbers[1].start)
      if (conjunction.test(between)) {
        fail(
          `names ${numbers.map((n) => n.text).join(' and ')} with one amount; ` +
            'give each invoice its own line and amount',
        )
      }
    }
    const paid =
      amountColumns && amountColumns.count === values.length
        ? amountColumns.paid
        : values.length - 1
    // The number after an invoice word, else one with letters (INV-…), else the first: a
    // bare digit group is more often something else (an order, a date) than the invoice.
    const number =
      numbers.find((n) => n.afterWord) ?? numbers.find((n) => /[A-Za-z]/.test(n.text)) ?? numbers[0]
    const entry: ParsedLine = { invoiceNumber: number.text, amount: values[paid].amount, place }
    advice.lines.push(entry)
  }
  return advice
}

function readFact(
  advice: ParsedAdvice,
  fact: NonNullable<ReturnType<typeof readLabelled>>,
  line: string,
  place: { line: number },
  fail: (message: string) => never,
): void {
  switch (fact.kind) {
    case 'payer': {
      const name = fact.value.replace(/<[^>]*>|\S+@\S+/g, '').trim()
      if (name && !advice.payerName) advice.payerName = name.slice(0, 200)
      return
    }
    case 'iban': {
      const iban = readIban(fact.value)
      if (!iban) fail(`"${fact.value}" is not an IBAN (its check digits do not hold)`)
      advice.payerIban ??= iban
      return
    }
    case 'date': {
      const date = readDate(fact.value)
      if (!date) fail(`"${fact.value}" is not a date`)
      advice.date ??= date
      return
    }
    case 'currency': {
      const code = /^\s*(€|[A-Za-z]{3})\b/.exec(fact.value)?.[1]
      const currency = code === '€' ? 'EUR' : code?.toUpperCase()
      if (!currency) fail(`"${fact.value}" is not a currency`)
      noteCurrency(advice, currency, place.line, fail)
      return
    }
    case 'total': {
      const match = [...line.matchAll(amountInText)].pop() ?? /(\d[\d.,]*)/.exec(fact.value)
      const value = match ? readAmount(match[0]) : undefined
      if (!value) fail(`"${fact.value}" is not an amount`)
      noteCurrency(advice, value.currency, place.line, fail)
      advice.total = { amount: value.amount, place }
      return
    }
  }
}

function noteCurrency(
  advice: ParsedAdvice,
  currency: string | undefined,
  line: number,
  fail: (message: string) => never,
): void {
  if (!currency) return
  if (advice.currency && advice.currency !== currency) {
    fail(
      `${currency} here, ${advice.currency} earlier: an advice is in one currency (line ${line})`,
    )
  }
  advice.currency = currency
}

function withoutAmountsAndDates(line: string): string {
  const blank = (match: string) => ' '.repeat(match.length)
  return line.replace(amountInText, blank).replace(dateInText, blank)
}

type Token = { text: string; start: number; end: number; afterWord?: boolean }

/**
 * The invoice numbers of a line: the tokens after an invoice word ("Factuur 42"), else the
 * tokens that look like one: letters and digits ("INV-2026-0042", "RE17"), digit groups
 * joined by a dash, slash or dot ("2026-42"), or five digits and more.
 */
export function invoiceTokens(line: string): Token[] {
  const tokens: Token[] = []
  for (const match of line.matchAll(/[^\s,;:()[\]{}"'“”]+/g)) {
    const text = match[0].replace(/^[#№]+/, '').replace(/[.:;,!?]+$/, '')
    if (text) tokens.push({ text, start: match.index, end: match.index + match[0].length })
  }
  const found: Token[] = []
  let afterWord = false
  for (const token of tokens) {
    if (invoiceWords.test(token.text.replace(/\.$/, ''))) {
      afterWord = true
      continue
    }
    const hasDigit = /\d/.test(token.text)
    const shaped =
      /^[A-Za-z0-9][A-Za-z0-9\-/._]*$/.test(token.text) &&
      token.text.length <= 40 &&
      ((/[A-Za-z]/.test(token.text) && /\d/.test(token.text) && token.text.length >= 3) ||
        /^\d+([-/.]\d+)+$/.test(token.text) ||
        /^\d{5,}$/.test(token.text))
    if (hasDigit && (shaped || (afterWord && /^[A-Za-z0-9\-/.]+$/.test(token.text)))) {
      if (!readIban(token.text)) found.push({ ...token, afterWord })
    }
    afterWord = false
  }
  return found
}

/** A plain-text table header: the position of the paid amount among its amount columns. */
function headerAmountColumns(line: string): { paid: number; count: number } | undefined {
  const cells = line.trim().split(/\s{2,}|\t/)
  const columns = cells
    .map((cell, index) => classifyColumn(cell, index))
    .filter((c) => c !== undefined)
  const chosen = adviceColumns(columns)
  if (!chosen) return undefined
  return { paid: chosen.amounts.indexOf(chosen.amount), count: chosen.amounts.length }
}

function malformed(fileName: string, line: number, message: string): never {
  throw domainError(
    'cashapp.remittance_malformed',
    `${fileName}, line ${line}: ${message}; nothing was imported`,
    { file: fileName, line },
  )
}
