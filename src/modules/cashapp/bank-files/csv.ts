import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CsvError, parse } from 'csv-parse'
import { z } from 'zod'
import { type CalendarDate, isCalendarDate } from '../../../core/dates.js'
import { normaliseAmount } from './amount.js'
import { type BankEntry, BankFileError, type BankFileEvent, type Sign } from './model.js'
import { fieldValue } from './patterns.js'
import { StreamingDecoder } from './text.js'

// A bank's CSV export (Rabobank, ING, …) read with a column mapping saved per bank account:
// CSV has no standard, so the mapping says which column holds what and how it is written.
// One file is one statement of that account; a CSV carries no balances, so its balance check
// is 'not_applicable'.

const column = z.string().min(1)

export const csvMappingSchema = z.object({
  /** The account the file belongs to; the export itself often names it per row only. */
  account: z.object({
    iban: z.string().nullable(),
    number: z.string().nullable().default(null),
    currency: z.string().regex(/^[A-Z]{3}$/),
  }),
  delimiter: z.string().length(1),
  /** How dates are written; 'YYYYMMDD' is ING's. */
  dateFormat: z.enum(['YYYY-MM-DD', 'DD-MM-YYYY', 'DD/MM/YYYY', 'DD.MM.YYYY', 'YYYYMMDD']),
  decimalSeparator: z.enum([',', '.']),
  columns: z.object({
    bookingDate: column,
    valueDate: column.optional(),
    amount: column,
    /** Without it, every entry is in the account's currency. */
    currency: column.optional(),
    counterpartyName: column.optional(),
    counterpartyIban: column.optional(),
    /** Several columns (Rabobank's Omschrijving-1..3) are joined with a space. */
    remittance: z.array(column).default([]),
    endToEndId: column.optional(),
    bankReference: column.optional(),
  }),
  /**
   * Where the direction is: a column with its own words for credit and debit (ING's 'Af Bij'
   * with 'Bij' / 'Af'), or a minus before debits ('-12,50'; a '+' before credits is allowed).
   */
  sign: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('column'),
      column,
      credit: z.string().min(1),
      debit: z.string().min(1),
    }),
    z.object({ kind: z.literal('minus') }),
  ]),
})

export type CsvMapping = z.infer<typeof csvMappingSchema>

/** CSV records are lines; a quoted cell longer than this is not a bank export. */
const recordLengthMax = 64 * 1024

export async function* readCsv(
  source: AsyncIterable<Uint8Array>,
  mapping: CsvMapping,
  fileName: string | undefined,
): AsyncGenerator<BankFileEvent> {
  const parser = parse({
    delimiter: mapping.delimiter,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: recordLengthMax,
    info: true,
  })
  // A source or decoding error reaches us through the parser; the pipeline's own promise is
  // only there so that it is not reported twice as unhandled.
  pipeline(Readable.from(decoded(source)), parser).catch(() => {})
  let header: Map<string, number> | undefined
  let count = 0
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[]
      info: { lines: number }
    }>) {
      if (!header) {
        header = headerOf(record, mapping)
        yield {
          kind: 'statement',
          format: 'csv',
          statement: {
            id: fileName ?? null,
            statementNumber: null,
            account: { ...mapping.account },
            openingBalance: null,
          },
        }
        continue
      }
      if (record.every((cell) => cell.trim() === '')) continue
      yield { kind: 'entry', entry: readRecord(record, header, mapping, info.lines, count++) }
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines
      throw new BankFileError(`The file is not valid CSV at line ${line}: ${error.message}`, {
        line,
      })
    }
    throw error
  }
  if (!header) throw new BankFileError('The CSV file is empty: not even a header line', {})
  yield { kind: 'statement_end', closingBalance: null }
}

async function* decoded(source: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new StreamingDecoder()
  for await (const chunk of source) {
    const text = decoder.decode(chunk)
    if (text === undefined) throw mixedEncoding()
    yield text
  }
  const rest = decoder.end()
  if (rest === undefined) throw mixedEncoding()
  if (rest) yield rest
}

function mixedEncoding(): BankFileError {
  return new BankFileError('The CSV file mixes UTF-8 and another encoding', {})
}

function headerOf(record: string[], mapping: CsvMapping): Map<string, number> {
  const header = new Map(record.map((name, at) => [name.trim(), at]))
  const { remittance, ...single } = mapping.columns
  const wanted = [...Object.values(single), ...remittance].filter(
    (name): name is string => name !== undefined,
  )
  if (mapping.sign.kind === 'column') wanted.push(mapping.sign.column)
  const missing = wanted.filter((name) => !header.has(name))
  if (missing.length > 0) {
    throw new BankFileError(
      `The CSV header (line 1) lacks the mapped column(s) '${missing.join("', '")}'`,
      { line: 1, element: missing[0] },
    )
  }
  return header
}

function readRecord(
  record: string[],
  header: Map<string, number>,
  mapping: CsvMapping,
  line: number,
  entry: number,
): BankEntry {
  const cell = (name: string | undefined) =>
    name === undefined ? undefined : (record[header.get(name)!] ?? '').trim()
  const refuse = (name: string, message: string) => {
    const place = { line, column: header.get(name)! + 1, element: name, statement: 0, entry }
    return new BankFileError(`Line ${line}, column '${name}': ${message}`, place)
  }
  const { columns } = mapping
  const bookingDate = readDate(cell(columns.bookingDate)!, mapping.dateFormat)
  if (!bookingDate)
    throw refuse(
      columns.bookingDate,
      `'${cell(columns.bookingDate)}' is not a ${mapping.dateFormat} date`,
    )
  const valueText = cell(columns.valueDate)
  const valueDate = valueText ? readDate(valueText, mapping.dateFormat) : null
  if (valueDate === undefined)
    throw refuse(columns.valueDate!, `'${valueText}' is not a ${mapping.dateFormat} date`)
  const { amount, sign } = readAmount(cell(columns.amount)!, mapping, cell)
  if (!amount) throw refuse(columns.amount, `'${cell(columns.amount)}' is not an amount`)
  if (!sign && mapping.sign.kind === 'column') {
    const mark = cell(mapping.sign.column)
    if (cell(columns.amount)!.startsWith('-')) {
      throw refuse(
        columns.amount,
        `a minus sign, where column '${mapping.sign.column}' gives the direction`,
      )
    }
    throw refuse(mapping.sign.column, `'${mark}' says neither credit nor debit`)
  }
  if (!sign) throw new Error('A leading-minus mapping always gives a sign')
  const currency = cell(columns.currency) || mapping.account.currency
  if (!/^[A-Z]{3}$/.test(currency))
    throw refuse(columns.currency!, `'${currency}' is not a currency`)
  return {
    bookingDate,
    valueDate,
    amount,
    currency,
    sign,
    reversal: false,
    bankReference: fieldValue(cell(columns.bankReference)),
    customerReference: null,
    endToEndId: fieldValue(cell(columns.endToEndId)),
    mandateId: null,
    counterparty: {
      name: fieldValue(cell(columns.counterpartyName)),
      iban: fieldValue(cell(columns.counterpartyIban)?.replace(/\s/g, '')),
      bic: null,
    },
    remittance: {
      unstructured: fieldValue(
        columns.remittance
          .map((name) => cell(name))
          .filter(Boolean)
          .join(' '),
      ),
      structuredReference: null,
    },
    bankTransactionCode: null,
    returnReason: null,
    details: [],
  }
}

function readDate(text: string, format: CsvMapping['dateFormat']): CalendarDate | undefined {
  const parts =
    format === 'YYYY-MM-DD'
      ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)?.slice(1)
      : format === 'YYYYMMDD'
        ? /^(\d{4})(\d{2})(\d{2})$/.exec(text)?.slice(1)
        : /^(\d{2})[-/.](\d{2})[-/.](\d{4})$/.exec(text)?.slice(1).reverse()
  const date = parts && `${parts[0]}-${parts[1]}-${parts[2]}`
  return date && isCalendarDate(date) ? date : undefined
}

// '1.234,56' with ',' as the decimal separator: the other separator may only group thousands.
function readAmount(
  text: string,
  mapping: CsvMapping,
  cell: (name: string) => string | undefined,
): { amount: string | undefined; sign: Sign | undefined } {
  const signMark = /^[-+]/.exec(text)?.[0]
  const digits = text.slice(signMark ? 1 : 0).replace(/\s/g, '')
  const grouping = mapping.decimalSeparator === ',' ? '.' : ','
  const grouped = new RegExp(`^\\d{1,3}(\\${grouping}\\d{3})+(\\${mapping.decimalSeparator}\\d*)?$`)
  const plain = grouped.test(digits) ? digits.split(grouping).join('') : digits
  const amount = normaliseAmount(plain, mapping.decimalSeparator)
  if (mapping.sign.kind === 'minus') return { amount, sign: signMark === '-' ? 'D' : 'C' }
  if (signMark === '-') return { amount, sign: undefined }
  const mark = cell(mapping.sign.column)
  const sign = mark === mapping.sign.credit ? 'C' : mark === mapping.sign.debit ? 'D' : undefined
  return { amount, sign }
}
