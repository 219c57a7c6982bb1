import { type CalendarDate, isCalendarDate } from '../../../core/dates.js'
import { normaliseAmount } from './amount.js'
import {
  type Balance,
  type BankEntry,
  BankFileError,
  type BankFileEvent,
  type BankFilePlace,
  type StatementHead,
} from './model.js'
import { readInformation } from './mt940-information.js'
import { fieldValue, ibanPattern } from './patterns.js'
import { decodeWhole } from './text.js'

// SWIFT MT940 as the Dutch and German banks write it, read by the rules of the fixtures'
// README (../shared/fixtures/bank/README.md, "MT940"). An MT940 file is a day or a month of
// one account — kilobytes, rarely megabytes — so it is read whole, up to a bound.

/** Far above any real MT940 (a year of a busy account is a few MB); refused above. */
export const mt940BytesMax = 64 * 1024 * 1024

type Field = { tag: string; lines: string[]; line: number }

type StatementDraft = {
  index: number
  line: number
  id: string | null
  statementNumber: string | null
  number: string | null
  opening: (Balance & { currency: string }) | undefined
  closing: Balance | undefined
  entries: { field: Field; information: string[] }[]
}

export async function* readMt940(source: AsyncIterable<Uint8Array>): AsyncGenerator<BankFileEvent> {
  const fields = splitFields(decodeWhole(await readBounded(source)))
  let statement: StatementDraft | undefined
  // The :61: that an :86: belongs to; a balance line in between makes an :86: the statement's.
  let entry: StatementDraft['entries'][number] | undefined
  let count = 0
  for (const field of fields) {
    const place: BankFilePlace = { line: field.line, element: `:${field.tag}:` }
    if (field.tag === '20') {
      if (statement) yield* finishStatement(statement)
      statement = {
        index: count++,
        line: field.line,
        id: fieldValue(field.lines[0]),
        statementNumber: null,
        number: null,
        opening: undefined,
        closing: undefined,
        entries: [],
      }
      entry = undefined
      continue
    }
    if (!statement) {
      throw new BankFileError(
        `Line ${field.line}: :${field.tag}: comes before any statement (a statement starts with :20:)`,
        place,
      )
    }
    Object.assign(place, { statement: statement.index })
    switch (field.tag) {
      case '25':
        statement.number = fieldValue(field.lines[0])
        break
      case '28':
      case '28C':
        statement.statementNumber = fieldValue(field.lines[0])
        break
      case '60F':
      case '60M':
        if (statement.opening) throw refusal(place, 'a second opening balance')
        statement.opening = readBalance(field, place)
        break
      case '61':
        if (!statement.opening) throw refusal(place, 'an entry before the opening balance (:60F:)')
        if (statement.closing) throw refusal(place, 'an entry after the closing balance (:62F:)')
        entry = { field, information: [] }
        statement.entries.push(entry)
        break
      case '86':
        entry?.information.push(...field.lines)
        break
      case '62F':
      case '62M':
        if (statement.closing) throw refusal(place, 'a second closing balance')
        statement.closing = readBalance(field, place)
        entry = undefined
        break
      case '64':
      case '65':
        entry = undefined
        break
    }
  }
  if (statement) yield* finishStatement(statement)
  if (count === 0) throw new BankFileError('No MT940 statement (:20:) in the file', {})
}

async function readBounded(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of source) {
    size += chunk.length
    if (size > mt940BytesMax) {
      throw new BankFileError(
        `The MT940 file is larger than ${mt940BytesMax / 1024 / 1024} MB; split it per statement`,
        {},
      )
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

// A line ':NN[A]:' starts a field and the lines after it continue it. '-' (end of a message),
// '{' (SWIFT block headers) and ':940:' (Rabobank's header) end the field; other lines outside
// a field (ABN AMRO's 'ABNANL2A' / '940' header) mean nothing.
function splitFields(text: string): Field[] {
  const fields: Field[] = []
  let current: Field | undefined
  text.split(/\r\n|\n|\r/).forEach((content, at) => {
    const start = /^:(\d{2}[A-Z]?):/.exec(content)
    if (start) {
      current = { tag: start[1], lines: [content.slice(start[0].length)], line: at + 1 }
      fields.push(current)
    } else if (content.startsWith('-') || content.startsWith('{') || content === ':940:') {
      current = undefined
    } else {
      current?.lines.push(content)
    }
  })
  return fields
}

function refusal(place: BankFilePlace, what: string): BankFileError {
  return new BankFileError(
    `Line ${place.line}, statement ${place.statement}: ${place.element} is ${what}`,
    place,
  )
}

function* finishStatement(statement: StatementDraft): Generator<BankFileEvent> {
  const place = { line: statement.line, element: ':20:', statement: statement.index }
  if (!statement.opening) {
    throw new BankFileError(`${named(statement)} has no opening balance (:60F: or :60M:)`, place)
  }
  if (!statement.closing) {
    throw new BankFileError(`${named(statement)} has no closing balance (:62F: or :62M:)`, place)
  }
  const { currency, ...opening } = statement.opening
  const head: StatementHead = {
    id: statement.id,
    statementNumber: statement.statementNumber,
    account: { iban: ibanOf(statement.number), number: statement.number, currency },
    openingBalance: opening,
  }
  // Every entry is checked before the statement is announced, so a bad line refuses the
  // statement before any of it is handed on.
  const entries = statement.entries.map((entry, at) =>
    readEntry(entry.field, entry.information, currency, {
      line: entry.field.line,
      element: ':61:',
      statement: statement.index,
      entry: at,
    }),
  )
  yield { kind: 'statement', format: 'mt940', statement: head }
  for (const entry of entries) yield { kind: 'entry', entry }
  yield { kind: 'statement_end', closingBalance: statement.closing }
}

function named(statement: StatementDraft): string {
  return `Statement ${statement.index} (:20: ${statement.id ?? ''} at line ${statement.line})`
}

// ':25:NL34RABO0142623393 EUR' is an IBAN with the currency after it; '1291.99.348EUR' is an
// old Rabobank account number, not an IBAN.
function ibanOf(number: string | null): string | null {
  if (!number) return null
  const withoutCurrency = number.replace(/ ?EUR$/, '')
  return ibanPattern.test(withoutCurrency) ? withoutCurrency : null
}

function readBalance(field: Field, place: BankFilePlace): Balance & { currency: string } {
  const match = /^([CD])(\d{6})([A-Z]{3})([\d,]+)$/.exec(field.lines[0].trim())
  const amount = match && normaliseAmount(match[4], ',')
  const date = match && yymmdd(match[2])
  if (!match || !amount || !date) {
    throw refusal(place, `not a balance (sign, YYMMDD date, currency, amount): '${field.lines[0]}'`)
  }
  return { amount, sign: match[1] as 'C' | 'D', date, currency: match[3] }
}

// Years in MT940 have two digits; SWIFT's own rule reads 80–99 as 19xx.
function yymmdd(text: string): CalendarDate | undefined {
  const year = Number(text.slice(0, 2))
  const date = `${year >= 80 ? 19 : 20}${text.slice(0, 2)}-${text.slice(2, 4)}-${text.slice(4, 6)}`
  return isCalendarDate(date) ? date : undefined
}

// :61: value date, entry date (MMDD, optional), sign (RC/RD are reversals), funds code,
// amount, transaction type (N/F/S and three characters), then the references.
const statementLine = /^(\d{6})(\d{4})?(RC|RD|C|D)([A-Z])?([\d,]+)\s*([NFS][A-Za-z0-9 ]{3})(.*)$/

function readEntry(
  field: Field,
  information: string[],
  currency: string,
  place: BankFilePlace,
): BankEntry {
  const match = statementLine.exec(field.lines[0])
  if (!match) throw refusal(place, `not a statement line: '${field.lines[0]}'`)
  const [, valueText, entryText, mark, , amountText, typeCode, rest] = match
  const valueDate = yymmdd(valueText)
  if (!valueDate) throw refusal(place, `dated ${valueText}, which is not a date`)
  const bookingDate = entryText ? bookingDateOf(entryText, valueDate) : null
  if (bookingDate === undefined) throw refusal(place, `booked on ${entryText}, not a date`)
  const amount = normaliseAmount(amountText, ',')
  if (!amount) throw refusal(place, `an amount '${amountText}' that is not a decimal`)
  // Up to '//' is the account owner's reference (at most 16 characters), after it the bank's.
  const slashes = rest.indexOf('//')
  const withBankReference = slashes >= 0 && slashes <= 16
  const details = readInformation(information.join(''), field.lines.slice(1))
  return {
    bookingDate,
    valueDate,
    amount,
    currency,
    // A reversal of a credit (RC) takes money off the account, a reversal of a debit adds it.
    sign: mark === 'C' || mark === 'RD' ? 'C' : 'D',
    reversal: mark === 'RC' || mark === 'RD',
    bankReference: withBankReference ? fieldValue(rest.slice(slashes + 2)) : null,
    customerReference: fieldValue(withBankReference ? rest.slice(0, slashes) : rest.slice(0, 16)),
    endToEndId: details.endToEndId,
    mandateId: details.mandateId,
    counterparty: details.counterparty,
    remittance: details.remittance,
    bankTransactionCode: fieldValue(typeCode),
    returnReason: details.returnReason,
    details: [],
  }
}

// The entry date has no year: it is the value date's, one more or one less when the months
// lie more than half a year apart (booked 2 January for value 31 December).
function bookingDateOf(mmdd: string, valueDate: CalendarDate): CalendarDate | undefined {
  const valueYear = Number(valueDate.slice(0, 4))
  const valueMonth = Number(valueDate.slice(5, 7))
  const month = Number(mmdd.slice(0, 2))
  const year =
    month - valueMonth > 6 ? valueYear - 1 : valueMonth - month > 6 ? valueYear + 1 : valueYear
  const date = `${year}-${mmdd.slice(0, 2)}-${mmdd.slice(2, 4)}`
  return isCalendarDate(date) ? date : undefined
}
