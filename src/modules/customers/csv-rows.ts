import {
  type CsvErrorCodes,
  type CsvSource,
  checkCsvHeader,
  notUtf8,
  readCsvRecords,
} from '../../core/csv.js'
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

export type { CsvSource }

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

/**
 * Reads a customer CSV line by line (src/core/csv.ts: delimiter from the header line, BOM
 * dropped). Throws a DomainError for a file that cannot be read as a whole (bad header,
 * broken quoting).
 */
export async function* readCustomerCsv(
  source: CsvSource,
  onHeader?: (header: CsvHeader) => void,
): AsyncGenerator<CsvLine> {
  let columns: ImportColumn[] | undefined
  for await (const record of readCsvRecords(source, csvCodes.malformed)) {
    if (!columns) {
      columns = checkHeader(record.cells, record.line)
      onHeader?.({ columns, delimiter: record.delimiter })
      continue
    }
    yield checkRow(columns, record.cells, record.line)
  }
  if (!columns) {
    throw domainError(
      'customers.import_header_missing',
      'The file is empty: its first line must name the columns (customer_number, name, …)',
      { line: 1, missing: requiredColumns },
    )
  }
}

const csvCodes: CsvErrorCodes = {
  malformed: 'customers.import_malformed',
  headerMissing: 'customers.import_header_missing',
  headerUnknown: 'customers.import_header_unknown',
  headerRepeated: 'customers.import_header_repeated',
}

/** Header names are matched without regard to case or surrounding spaces. */
export function checkHeader(cells: string[], line = 1): ImportColumn[] {
  return checkCsvHeader(
    cells,
    line,
    { allowed: importColumns, required: requiredColumns },
    csvCodes,
  )
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
    if (notUtf8(cells[index])) {
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
