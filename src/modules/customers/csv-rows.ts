import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CsvError, parse } from 'csv-parse'
import { domainError, type FieldIssue } from '../../core/errors.js'
import { isCurrency, parseAmount } from '../../core/money.js'
import { channels, segments } from './schemas.js'
import { type CustomerFields, checkCustomer, normaliseCustomer } from './service.js'
import type { Channel, Segment } from './tables.js'

// Reading a customer CSV: the header names the columns (any order), each data line becomes
// one row checked with the same pure rules as the API (master-data.ts, checkCustomer). A row
// either comes out as a normalised ImportedRow or as the list of everything wrong with it,
// each problem naming its column, so a clerk can fix a file in one go.

export const importColumns = [
  'customer_number',
  'name',
  'country',
  'vat_id',
  'coc_number',
  'iban',
  'email',
  'phone',
  'language',
  'segment',
  'currency',
  'payment_terms_days',
  'preferred_channel',
  'credit_limit',
  'parent_customer_number',
] as const

export type ImportColumn = (typeof importColumns)[number]

const requiredColumns: readonly ImportColumn[] = ['customer_number', 'name']

/** Where bytes of a CSV come from; opened once per pass over the file. */
export type CsvSource = () => Iterable<Buffer | string> | AsyncIterable<Buffer | string>

export type RowProblem = { column: ImportColumn | null; message: string }

/**
 * One valid row. For a column the file has, an empty cell of a field that can be empty
 * (country, VAT id, KvK number, parent) is null: the import clears it. For a field that has
 * a default it is undefined, as is every field of a column the file does not have: the
 * import leaves it as it is (or gives a new customer the default).
 */
export type ImportedRow = {
  line: number
  number: string
  legalName: string
  country?: string | null
  vatId?: string | null
  cocNumber?: string | null
  iban?: string
  email?: string | null
  phone?: string | null
  language?: string
  segment?: Segment
  currency?: string
  paymentTermsDays?: number
  preferredChannel?: Channel
  /** As written in the file; in minor units once the customer's currency is known. */
  creditLimit?: string
  creditLimitMinor?: bigint
  parentNumber?: string | null
}

export type CsvLine =
  | { line: number; number: string | null; row: ImportedRow; problems?: undefined }
  | { line: number; number: string | null; row?: undefined; problems: RowProblem[] }

export type CsvHeader = { columns: readonly ImportColumn[]; delimiter: string }

// A header line longer than this is not a header: stop looking for its end.
const headerBytesMax = 64 * 1024

/**
 * Reads a customer CSV line by line. The delimiter (',' or ';' — Dutch Excel writes ';' —
 * or a tab) is taken from the header line; a UTF-8 byte order mark is dropped. Throws a
 * DomainError for a file that cannot be read as a whole (bad header, broken quoting).
 */
export async function* readCustomerCsv(
  source: CsvSource,
  onHeader?: (header: CsvHeader) => void,
): AsyncGenerator<CsvLine> {
  const { chunks, headText } = await peekHeaderLine(source())
  const delimiter = detectDelimiter(headText)
  const parser = parse({
    delimiter,
    bom: true,
    trim: true,
    relax_column_count: true,
    skip_empty_lines: false,
  })
  // Errors of the source reach us through the parser; the pipeline's own promise is only
  // there so that a source error is not reported as unhandled.
  pipeline(Readable.from(chunks), parser).catch(() => {})
  let columns: ImportColumn[] | undefined
  // Lines are counted here: a record is one line plus the line breaks inside its quoted
  // cells (csv-parse's own count takes a CRLF inside quotes for two).
  let nextLine = 1
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      const line = nextLine
      nextLine += 1
      for (const cell of record) nextLine += lineBreaksIn(cell)
      // Blank lines, and the rows of nothing but delimiters that spreadsheets leave below
      // the data, are not rows.
      if (record.every((cell) => cell === '')) continue
      if (!columns) {
        columns = checkHeader(record, line)
        onHeader?.({ columns, delimiter })
        continue
      }
      yield checkRow(columns, record, line)
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines
      throw domainError(
        'customers.import_malformed',
        `The file is not valid CSV at line ${line}: ${error.message}`,
        { line },
      )
    }
    throw error
  }
  if (!columns) {
    throw domainError(
      'customers.import_header_missing',
      'The file is empty: its first line must name the columns (customer_number, name, …)',
      { line: 1, missing: requiredColumns },
    )
  }
}

async function peekHeaderLine(
  input: Iterable<Buffer | string> | AsyncIterable<Buffer | string>,
): Promise<{ chunks: AsyncIterable<Buffer | string>; headText: string }> {
  const iterator =
    Symbol.asyncIterator in input
      ? input[Symbol.asyncIterator]()
      : (input as Iterable<Buffer | string>)[Symbol.iterator]()
  const head: Array<Buffer | string> = []
  let headText = ''
  while (!/[\r\n]/.test(headText) && headText.length < headerBytesMax) {
    const next = await iterator.next()
    if (next.done) break
    head.push(next.value)
    headText += typeof next.value === 'string' ? next.value : next.value.toString('utf8')
  }
  async function* chunks() {
    yield* head
    for (;;) {
      const next = await iterator.next()
      if (next.done) return
      yield next.value
    }
  }
  return { chunks: chunks(), headText: headText.split(/\r?\n|\r/)[0] }
}

/** The delimiter that splits the header line most often, outside quotes. */
export function detectDelimiter(headerLine: string): string {
  const unquoted = headerLine.replace(/"[^"]*"/g, '')
  let best = ','
  let bestCount = 0
  for (const candidate of [',', ';', '\t']) {
    const count = unquoted.split(candidate).length - 1
    if (count > bestCount) {
      best = candidate
      bestCount = count
    }
  }
  return best
}

function lineBreaksIn(cell: string): number {
  if (!cell.includes('\n') && !cell.includes('\r')) return 0
  let count = 0
  for (let i = 0; i < cell.length; i++) {
    const char = cell.charCodeAt(i)
    if (char === 10) count++
    else if (char === 13) {
      count++
      if (cell.charCodeAt(i + 1) === 10) i++
    }
  }
  return count
}

/** Header names are matched without regard to case or surrounding spaces. */
export function checkHeader(cells: string[], line = 1): ImportColumn[] {
  const names = cells.map((cell) => cell.trim().toLowerCase())
  const unknown = names.filter((name) => !(importColumns as readonly string[]).includes(name))
  if (unknown.length > 0) {
    const shown = unknown.map((name) => (name === '' ? '(an empty column name)' : `"${name}"`))
    throw domainError(
      'customers.import_header_unknown',
      `Unknown column ${shown.join(', ')} in the header (line ${line}); ` +
        `the columns are ${importColumns.join(', ')}`,
      { line, unknown, allowed: importColumns },
    )
  }
  const repeated = names.filter((name, index) => names.indexOf(name) !== index)
  if (repeated.length > 0) {
    throw domainError(
      'customers.import_header_repeated',
      `Column "${repeated[0]}" appears twice in the header (line ${line})`,
      { line, column: repeated[0] },
    )
  }
  const missing = requiredColumns.filter((name) => !names.includes(name))
  if (missing.length > 0) {
    throw domainError(
      'customers.import_header_missing',
      `The header (line ${line}) lacks the required column ${missing.join(' and ')}`,
      { line, missing },
    )
  }
  return names as ImportColumn[]
}

// checkCustomer names fields as the API does; a CSV row names its columns.
const columnOfField: Record<string, ImportColumn> = {
  number: 'customer_number',
  legal_name: 'name',
  country: 'country',
  vat_id: 'vat_id',
  coc_number: 'coc_number',
  currency: 'currency',
  language: 'language',
  payment_terms_days: 'payment_terms_days',
  'contacts[0].email': 'email',
  'contacts[0].phone': 'phone',
  'contacts[0].language': 'language',
  'ibans[0].iban': 'iban',
}

const legalNameLengthMax = 200
const emailLengthMax = 254

/** Checks one data line and turns it into an ImportedRow, or names all that is wrong. */
export function checkRow(columns: readonly ImportColumn[], cells: string[], line: number): CsvLine {
  const cell = (column: ImportColumn): string | undefined => {
    const index = columns.indexOf(column)
    return index < 0 ? undefined : cells[index]
  }
  const numberCell = cell('customer_number') || null
  if (cells.length !== columns.length) {
    return {
      line,
      number: numberCell,
      problems: [
        {
          column: null,
          message:
            `has ${cells.length} fields where the header has ${columns.length} ` +
            '(a stray delimiter or quote?)',
        },
      ],
    }
  }
  const problems: RowProblem[] = []
  columns.forEach((column, index) => {
    // The decoder puts U+FFFD where bytes were not UTF-8: a file saved as ANSI/Windows-1252.
    if (cells[index].includes('\uFFFD')) {
      problems.push({ column, message: 'is not UTF-8 text (save the file as "CSV UTF-8")' })
    }
  })
  const has = (column: ImportColumn) => columns.includes(column)
  // A present column with an empty cell: null clears the field, undefined keeps it.
  const clearable = (column: ImportColumn) => (has(column) ? cell(column) || null : undefined)
  const kept = (column: ImportColumn) => cell(column) || undefined

  const row: ImportedRow = {
    line,
    number: cell('customer_number') ?? '',
    legalName: cell('name') ?? '',
    country: upper(clearable('country')),
    vatId: clearable('vat_id'),
    cocNumber: clearable('coc_number'),
    iban: kept('iban'),
    email: clearable('email'),
    phone: clearable('phone'),
    language: kept('language')?.toLowerCase(),
    currency: kept('currency')?.toUpperCase(),
    creditLimit: kept('credit_limit'),
    parentNumber: clearable('parent_customer_number'),
  }
  if (row.number === '') problems.push({ column: 'customer_number', message: 'is required' })
  if (row.legalName === '') problems.push({ column: 'name', message: 'is required' })
  if (row.legalName.length > legalNameLengthMax) {
    problems.push({ column: 'name', message: `is longer than ${legalNameLengthMax} characters` })
  }
  if (row.email && row.email.length > emailLengthMax) {
    problems.push({ column: 'email', message: `is longer than ${emailLengthMax} characters` })
  }

  const segment = kept('segment')
  if (segment !== undefined) {
    const value = segment.toLowerCase().replace(/[\s-]+/g, '_')
    if ((segments as readonly string[]).includes(value)) row.segment = value as Segment
    else problems.push({ column: 'segment', message: `"${segment}" is not ${segments.join(', ')}` })
  }
  const channel = kept('preferred_channel')
  if (channel !== undefined) {
    const value = channel.toLowerCase()
    if ((channels as readonly string[]).includes(value)) row.preferredChannel = value as Channel
    else {
      problems.push({
        column: 'preferred_channel',
        message: `"${channel}" is not ${channels.join(', ')}`,
      })
    }
  }
  const terms = kept('payment_terms_days')
  if (terms !== undefined) {
    if (/^\d{1,4}$/.test(terms)) row.paymentTermsDays = Number(terms)
    else {
      problems.push({ column: 'payment_terms_days', message: `"${terms}" is not a number of days` })
    }
  }
  if (row.parentNumber && row.parentNumber === row.number) {
    problems.push({ column: 'parent_customer_number', message: 'is the customer itself' })
  }
  if (row.parentNumber) {
    const issues = checkCustomer({ number: row.parentNumber })
    if (issues.length > 0) {
      problems.push({ column: 'parent_customer_number', message: issues[0].message })
    }
  }

  // The master-data rules of the API, on the fields this row gives.
  const contactGiven = Boolean(row.email || row.phone)
  const fields = normaliseCustomer({
    number: row.number || undefined,
    legalName: row.legalName || undefined,
    country: row.country ?? undefined,
    vatId: row.vatId ?? undefined,
    cocNumber: row.cocNumber ?? undefined,
    currency: row.currency,
    language: row.language,
    paymentTermsDays: row.paymentTermsDays,
    ibans: row.iban ? [{ iban: row.iban, bic: null, accountHolder: null }] : undefined,
    contacts: contactGiven
      ? [
          {
            name: '',
            email: row.email ?? null,
            phone: row.phone ?? null,
            language: row.language ?? 'nl',
            preferredChannel: row.preferredChannel ?? 'email',
            roles: [],
          },
        ]
      : undefined,
  } satisfies Partial<CustomerFields> & { number?: string })
  for (const issue of checkCustomer(fields)) problems.push(problemOf(issue))

  if (row.creditLimit !== undefined) {
    const currency = row.currency && isCurrency(row.currency) ? row.currency : undefined
    const problem = checkCreditLimit(row.creditLimit, currency ?? 'EUR')
    if (problem) problems.push(problem)
    // Without a currency column the customer's own currency decides; the import looks it up.
    else if (currency) row.creditLimitMinor = parseAmount(row.creditLimit, currency)
  }

  if (problems.length > 0) {
    // In the order of the file's columns, as a clerk reads the line.
    const position = (p: RowProblem) => (p.column ? columns.indexOf(p.column) : -1)
    problems.sort((a, b) => position(a) - position(b))
    return { line, number: numberCell, problems: unique(problems) }
  }
  return {
    line,
    number: row.number,
    row: {
      ...row,
      vatId: row.vatId === null ? null : fields.vatId,
      iban: fields.ibans?.[0]?.iban,
      email: row.email ? fields.contacts?.[0]?.email : row.email,
      phone: row.phone ? fields.contacts?.[0]?.phone : row.phone,
    },
  }
}

/** A credit limit is a plain decimal in the customer's currency, not negative. */
export function checkCreditLimit(text: string, currency: string): RowProblem | undefined {
  const minor = parseAmount(text, currency)
  if (minor === undefined) {
    return {
      column: 'credit_limit',
      message:
        `"${text}" is not an amount in ${currency} ` +
        '(write 25000.00: a dot, no thousands separators)',
    }
  }
  if (minor < 0n) return { column: 'credit_limit', message: 'cannot be negative' }
  return undefined
}

function upper<T extends string | null | undefined>(text: T): T {
  return (text ? text.toUpperCase() : text) as T
}

function problemOf(issue: FieldIssue): RowProblem {
  return { column: columnOfField[issue.field] ?? null, message: issue.message }
}

function unique(problems: RowProblem[]): RowProblem[] {
  const seen = new Set<string>()
  return problems.filter((p) => {
    const key = `${p.column}\u0000${p.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
