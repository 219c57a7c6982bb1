import { CsvError, parse } from 'csv-parse/sync'
import { detectDelimiter } from '../../../core/csv.js'
import { domainError } from '../../../core/errors.js'
import { adviceColumns, type Column, type ColumnKind, classifyColumn } from './columns.js'
import type { ParsedAdvice } from './model.js'
import { decimalSeparatorOf, readAmount, readDate, readIban, totalWords } from './reading.js'
import { parseAdviceText } from './text.js'

// An advice as a CSV or spreadsheet export: a header that names at least an invoice-number
// column and an amount column (Dutch, English or German names, see columns.ts), in any order
// and among any other columns; the delimiter is what the header uses (';' as Dutch and German
// Excel writes, ',' or a tab). Above the header, lines such as "Betaler;Bakkerij Jansen" or
// "Datum: 14-03-2026" state the payer, IBAN, date and currency; a row labelled "Totaal",
// "Total" or "Summe" (or one last row with only an amount) states the total. Each column's
// decimal separator is what its unambiguous amounts use, so "1.234" is read as that column
// reads "1.234,56".
//
// A row with an invoice number and no amount, or an amount that is not one, refuses the file
// naming the line and the column.

// Above the header of an export: a title, the payer, a date. More is not an advice.
const preambleLinesMax = 30

export function parseAdviceCsv(text: string, fileName: string): ParsedAdvice {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)
  const header = findHeader(lines)
  if (!header) {
    throw domainError(
      'cashapp.remittance_malformed',
      `${fileName}: no header line with an invoice number column (factuurnummer, invoice, ` +
        'Rechnungsnummer, …) and an amount column (bedrag, amount, Betrag, …) in the first ' +
        `${preambleLinesMax} lines; nothing was imported`,
      { file: fileName, line: 1 },
    )
  }
  const advice: ParsedAdvice = { source: 'csv', lines: [] }
  readPreamble(advice, lines.slice(0, header.index), header.delimiter, fileName)

  const rows = records(
    lines.slice(header.index).join('\n'),
    header.delimiter,
    fileName,
    header.index,
  )
  const { invoice, amount, byKind } = header.columns
  const decimal = decimalSeparatorOf(rows.map((r) => r.cells[amount.index] ?? ''))
  const place = (line: number, column: Column) => ({
    line,
    column: `"${column.name}" (column ${column.index + 1})`,
  })
  const fail: Fail = (line, column, message) => {
    const where = column ? `, column "${column.name}" (${column.index + 1})` : ''
    throw domainError(
      'cashapp.remittance_malformed',
      `${fileName}, line ${line}${where}: ${message}; nothing was imported`,
      { file: fileName, line, ...(column ? { column: column.name } : {}) },
    )
  }
  let orphan: { line: number; amount: string } | undefined
  for (const row of rows.slice(1)) {
    const cell = (column: Column | undefined) => (column ? (row.cells[column.index] ?? '') : '')
    const number = cell(invoice)
    const amountText = cell(amount)
    const totalRow = row.cells.some((c) => totalWords.test(c))
    if (number === '' && amountText === '' && !totalRow) continue
    if (orphan) fail(orphan.line, invoice, 'an amount without an invoice number')
    if (totalRow) {
      const text = amountText || [...row.cells].reverse().find((c) => readAmount(c, decimal))
      const total = text ? readAmount(text, decimal) : undefined
      if (!total) fail(row.line, amount, 'a total line without an amount')
      advice.total = { amount: total.amount, place: place(row.line, amount) }
      noteCurrency(advice, total.currency ?? amount.currency, (m) => fail(row.line, amount, m))
      continue
    }
    if (number === '') {
      orphan = { line: row.line, amount: amountText }
      continue
    }
    if (amountText === '') fail(row.line, amount, `no amount for ${number}`)
    const value = readAmount(amountText, decimal)
    if (!value) fail(row.line, amount, `"${amountText}" is not an amount`)
    noteCurrency(advice, value.currency ?? amount.currency, (m) => fail(row.line, amount, m))
    advice.lines.push({
      invoiceNumber: number,
      amount: value.amount,
      place: place(row.line, amount),
    })
    readRowFacts(advice, row, byKind, fail)
  }
  if (orphan) {
    // One last row with only an amount: the total, as spreadsheets add it below a column.
    const total = readAmount(orphan.amount, decimal)
    if (!total) fail(orphan.line, amount, `"${orphan.amount}" is not an amount`)
    advice.total = { amount: total.amount, place: place(orphan.line, amount) }
  }
  return advice
}

type Fail = (line: number, column: Column | undefined, message: string) => never

type Header = {
  index: number
  delimiter: string
  columns: NonNullable<ReturnType<typeof adviceColumns>>
}

function findHeader(lines: string[]): Header | undefined {
  for (let index = 0; index < Math.min(lines.length, preambleLinesMax + 1); index++) {
    const line = lines[index]
    if (line.trim() === '') continue
    const delimiter = detectDelimiter(line)
    const cells = splitLine(line, delimiter)
    if (cells.length < 2) continue
    const columns = adviceColumns(
      cells.map((cell, i) => classifyColumn(cell, i)).filter((c) => c !== undefined),
    )
    if (columns) return { index, delimiter, columns }
  }
  return undefined
}

/** One line split as CSV, for the header and preamble (which have no line breaks in cells). */
function splitLine(line: string, delimiter: string): string[] {
  try {
    return (parse(line, { delimiter, relax_quotes: true, trim: true }) as string[][])[0] ?? []
  } catch {
    return line.split(delimiter).map((cell) => cell.trim())
  }
}

function records(text: string, delimiter: string, fileName: string, offset: number) {
  try {
    const parsed = parse(text, {
      delimiter,
      trim: true,
      relax_column_count: true,
      skip_empty_lines: false,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[]
    return parsed.map((r) => ({ cells: r.record, line: r.info.lines + offset }))
  } catch (error) {
    if (!(error instanceof CsvError)) throw error
    const line = ((error as CsvError & { lines?: number }).lines ?? 0) + offset
    throw domainError(
      'cashapp.remittance_malformed',
      `${fileName}, line ${line}: not valid CSV (${error.message}); nothing was imported`,
      { file: fileName, line },
    )
  }
}

/** "Betaler;Bakkerij Jansen B.V." or "Datum: 14-03-2026": read as labelled text lines. */
function readPreamble(advice: ParsedAdvice, lines: string[], delimiter: string, fileName: string) {
  const asText = lines.map((line) => {
    const cells = splitLine(line, delimiter).filter((cell) => cell !== '')
    if (cells.length >= 2 && !cells[0].includes(':')) return `${cells[0]}: ${cells[1]}`
    return cells.join(' ')
  })
  const facts = parseAdviceText(asText.join('\n'), { source: 'csv', fileName })
  advice.payerName = facts.payerName
  advice.payerIban = facts.payerIban
  advice.date = facts.date
  advice.currency = facts.currency
  advice.total = facts.total
}

/** The payer, IBAN, payment date and currency columns, when a row has them. */
function readRowFacts(
  advice: ParsedAdvice,
  row: { cells: string[]; line: number },
  byKind: Map<ColumnKind, Column>,
  fail: Fail,
): void {
  const cell = (kind: ColumnKind) => {
    const column = byKind.get(kind)
    return column ? { column, text: row.cells[column.index] ?? '' } : undefined
  }
  const payer = cell('payer')
  if (payer?.text) advice.payerName ??= payer.text.slice(0, 200)
  const iban = cell('iban')
  if (iban?.text) {
    const read = readIban(iban.text)
    if (!read) fail(row.line, iban.column, `"${iban.text}" is not an IBAN`)
    advice.payerIban ??= read
  }
  const date = cell('payment_date')
  if (date?.text) {
    const read = readDate(date.text)
    if (!read) fail(row.line, date.column, `"${date.text}" is not a date`)
    advice.date ??= read
  }
  const currency = cell('currency')
  if (currency?.text) {
    const code = currency.text === '€' ? 'EUR' : currency.text.toUpperCase()
    if (!/^[A-Z]{3}$/.test(code))
      fail(row.line, currency.column, `"${currency.text}" is not a currency`)
    noteCurrency(advice, code, (message) => fail(row.line, currency.column, message))
  }
}

function noteCurrency(
  advice: ParsedAdvice,
  currency: string | undefined,
  fail: (message: string) => never,
): void {
  if (!currency) return
  if (advice.currency && advice.currency !== currency) {
    fail(`${currency} here, ${advice.currency} above: an advice is in one currency`)
  }
  advice.currency = currency
}

/** Whether a text file is an advice table (a header with delimiters) rather than prose. */
export function looksLikeAdviceCsv(text: string): boolean {
  return findHeader(text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)) !== undefined
}
