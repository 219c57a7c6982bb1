import { type CsvSource, checkCsvHeader, notUtf8, readCsvRecords } from '../../core/csv.js'
import { type CalendarDate, isCalendarDate } from '../../core/dates.js'
import { domainError } from '../../core/errors.js'
import { formatAmount, isCurrency, parseAmount } from '../../core/money.js'
import {
  isValidBelgianStructuredCommunication,
  isValidDutchPaymentReference,
  isValidRfReference,
} from '../../core/payment-reference.js'
import './open-items-errors.js'

// Reading an open-items file (opening balances from a previous system): one row per invoice
// still open, checked with pure rules here; whether the customer exists and the number is
// free is checked against the store by the import (open-items-import.ts). Each problem
// names its column, so a clerk can fix the file in one go.

export const openItemColumns = [
  'invoice_number',
  'customer_number',
  'issue_date',
  'due_date',
  'currency',
  'amount',
  'open_amount',
  'payment_reference',
] as const
export type OpenItemColumn = (typeof openItemColumns)[number]

export type OpenItemProblem = { column: OpenItemColumn | null; message: string }

/** One valid row, amounts in minor units of its currency. */
export type OpenItemRow = {
  line: number
  invoiceNumber: string
  customerNumber: string
  issueDate: CalendarDate
  dueDate: CalendarDate
  currency: string
  amountMinor: bigint
  openMinor: bigint
  /** Compact (no spaces, upper case); null when the cell was empty. */
  paymentReference: string | null
}

export type OpenItemLine =
  | { line: number; invoiceNumber: string | null; row: OpenItemRow; problems?: undefined }
  | { line: number; invoiceNumber: string | null; row?: undefined; problems: OpenItemProblem[] }

// Invoice numbers of other systems vary; this bounds them to what fits on a document.
const invoiceNumberLengthMax = 64

/**
 * Reads an open-items CSV line by line: every column of the header is required, no other is
 * allowed. `today` (the tenant's) bounds the issue date: an open item was issued already.
 */
export async function* readOpenItemsCsv(
  source: CsvSource,
  today: CalendarDate,
): AsyncGenerator<OpenItemLine> {
  let columns: OpenItemColumn[] | undefined
  for await (const record of readCsvRecords(source, 'invoicing.open_items_malformed')) {
    if (!columns) {
      columns = checkCsvHeader(
        record.cells,
        record.line,
        { allowed: openItemColumns, required: openItemColumns },
        {
          malformed: 'invoicing.open_items_malformed',
          headerMissing: 'invoicing.open_items_header_missing',
          headerUnknown: 'invoicing.open_items_header_unknown',
          headerRepeated: 'invoicing.open_items_header_repeated',
        },
      )
      continue
    }
    yield checkOpenItemRow(columns, record.cells, record.line, today)
  }
  if (!columns) {
    throw domainError(
      'invoicing.open_items_header_missing',
      `The file is empty: its first line must name the columns (${openItemColumns.join(', ')})`,
      { line: 1, missing: openItemColumns },
    )
  }
}

/** Checks one data line: a valid OpenItemRow, or every problem it has. */
export function checkOpenItemRow(
  columns: readonly OpenItemColumn[],
  cells: string[],
  line: number,
  today: CalendarDate,
): OpenItemLine {
  const cell = (column: OpenItemColumn) => cells[columns.indexOf(column)] ?? ''
  const invoiceNumber = cell('invoice_number') || null
  if (cells.length !== columns.length) {
    const message =
      `has ${cells.length} fields where the header has ${columns.length} ` +
      '(a stray delimiter or quote?)'
    return { line, invoiceNumber, problems: [{ column: null, message }] }
  }
  const problems: OpenItemProblem[] = []
  const problem = (column: OpenItemColumn, message: string) => problems.push({ column, message })
  columns.forEach((column, index) => {
    if (notUtf8(cells[index])) problem(column, 'is not UTF-8 text (save the file as "CSV UTF-8")')
  })

  const number = cell('invoice_number')
  if (number === '') problem('invoice_number', 'is required')
  else if (number.length > invoiceNumberLengthMax) {
    problem('invoice_number', `is longer than ${invoiceNumberLengthMax} characters`)
  } else if (/\p{Cc}/u.test(number)) problem('invoice_number', 'has a control character')
  const customerNumber = cell('customer_number')
  if (customerNumber === '') problem('customer_number', 'is required')

  const issueDate = cell('issue_date')
  const dueDate = cell('due_date')
  const issueOk = checkDate('issue_date', issueDate, problem)
  const dueOk = checkDate('due_date', dueDate, problem)
  if (issueOk && issueDate > today) {
    problem('issue_date', `${issueDate} is after today (${today}): an open item was issued already`)
  }
  if (issueOk && dueOk && dueDate < issueDate) {
    problem('due_date', `${dueDate} is before the issue date ${issueDate}`)
  }

  const currency = cell('currency').toUpperCase()
  const currencyOk = isCurrency(currency)
  if (!currencyOk) {
    problem('currency', `"${cell('currency')}" is not an ISO 4217 currency code such as EUR`)
  }
  const amount = currencyOk ? checkAmount('amount', cell('amount'), currency, problem) : undefined
  const open = currencyOk
    ? checkAmount('open_amount', cell('open_amount'), currency, problem)
    : undefined
  if (amount !== undefined && amount <= 0n) problem('amount', 'must be above 0')
  if (open !== undefined) {
    // An item with nothing open is not an open item: it is history, which stays behind in
    // the previous system. Refused (not skipped silently) so the totals of the file agree.
    if (open === 0n) {
      problem('open_amount', 'is 0: nothing is open, so it is not an open item; leave the row out')
    } else if (open < 0n) {
      problem('open_amount', 'cannot be negative (a credit balance is not an open item)')
    } else if (amount !== undefined && amount > 0n && open > amount) {
      problem(
        'open_amount',
        `${formatAmount(open, currency)} is more than the amount ${formatAmount(amount, currency)}`,
      )
    }
  }

  const referenceCell = cell('payment_reference')
  const reference = referenceCell === '' ? null : compactReference(referenceCell)
  if (reference !== null && !isValidPaymentReference(referenceCell)) {
    problem(
      'payment_reference',
      `"${referenceCell}" is not a valid Dutch payment reference, RF creditor reference or ` +
        'Belgian structured communication (check digit?)',
    )
  }

  if (problems.length > 0 || amount === undefined || open === undefined) {
    const position = (p: OpenItemProblem) => (p.column ? columns.indexOf(p.column) : -1)
    problems.sort((a, b) => position(a) - position(b))
    return { line, invoiceNumber, problems }
  }
  return {
    line,
    invoiceNumber: number,
    row: {
      line,
      invoiceNumber: number,
      customerNumber,
      issueDate,
      dueDate,
      currency,
      amountMinor: amount,
      openMinor: open,
      paymentReference: reference,
    },
  }
}

function checkDate(
  column: OpenItemColumn,
  text: string,
  problem: (column: OpenItemColumn, message: string) => void,
): boolean {
  if (text === '') {
    problem(column, 'is required')
    return false
  }
  if (!isCalendarDate(text)) {
    problem(column, `"${text}" is not a date YYYY-MM-DD`)
    return false
  }
  return true
}

function checkAmount(
  column: OpenItemColumn,
  text: string,
  currency: string,
  problem: (column: OpenItemColumn, message: string) => void,
): bigint | undefined {
  if (text === '') {
    problem(column, 'is required')
    return undefined
  }
  const minor = parseAmount(text, currency)
  if (minor === undefined) {
    problem(
      column,
      `"${text}" is not an amount in ${currency} ` +
        `(write ${formatAmount(12_345n, currency)}: a dot, no thousands separators, ` +
        `at most the currency's decimals)`,
    )
  }
  return minor
}

function isValidPaymentReference(text: string): boolean {
  return (
    isValidDutchPaymentReference(text) ||
    isValidRfReference(text) ||
    isValidBelgianStructuredCommunication(text)
  )
}

/** Spaces out, letters up: the form cash application matches bank lines on. */
function compactReference(text: string): string {
  return text.replace(/\s+/g, '').toUpperCase()
}
