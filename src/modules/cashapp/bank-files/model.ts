import type { CalendarDate } from '../../../core/dates.js'

// A bank file as o2c reads it, whatever its format (camt.053, camt.054, MT940, CSV with a
// mapping): statements, each with its account, balances and entries. The fields and their
// derivation are those of ../shared/fixtures/bank/README.md, so that every fixture's
// expected.json is exactly statementJson() of what the parser yields. Amounts stay decimal
// strings here, unsigned and normalised as the README says ('9,' → '9.00'); storage turns
// them into minor units of the currency.

export type Sign = 'C' | 'D'

/** 'mt940', 'camt.053.001.02', 'camt.054.001.08', …, 'csv'. */
export type BankFileFormat = string

export type Balance = { amount: string; sign: Sign | null; date: CalendarDate | null }

export type Counterparty = { name: string | null; iban: string | null; bic: string | null }

export type Remittance = { unstructured: string | null; structuredReference: string | null }

/** One transaction of a batch entry (camt TxDtls when an entry has two or more). */
export type EntryDetail = {
  amount: string | null
  currency: string | null
  sign: Sign | null
  bankReference: string | null
  endToEndId: string | null
  mandateId: string | null
  counterparty: Counterparty
  remittance: Remittance
  returnReason: string | null
  bankTransactionCode: string | null
}

export type BankEntry = {
  bookingDate: CalendarDate | null
  valueDate: CalendarDate | null
  amount: string
  currency: string
  sign: Sign
  reversal: boolean
  bankReference: string | null
  customerReference: string | null
  endToEndId: string | null
  mandateId: string | null
  counterparty: Counterparty
  remittance: Remittance
  bankTransactionCode: string | null
  returnReason: string | null
  details: EntryDetail[]
}

export type StatementAccount = {
  iban: string | null
  number: string | null
  currency: string | null
}

/** What is known of a statement before its entries (MT940 learns its closing balance last). */
export type StatementHead = {
  id: string | null
  statementNumber: string | null
  account: StatementAccount
  openingBalance: Balance | null
}

/**
 * A parser yields these in file order: `statement`, its `entry`s, `statement_end`; then the
 * next statement. A file that is not well-formed throws BankFileError, possibly after some
 * events: the importer writes nothing until the file has been read to its end.
 */
export type BankFileEvent =
  | { kind: 'statement'; format: BankFileFormat; statement: StatementHead }
  | { kind: 'entry'; entry: BankEntry }
  | { kind: 'statement_end'; closingBalance: Balance | null }

export type BalanceCheck = 'ok' | 'mismatch' | 'not_applicable'

/** Where a file is wrong: as precise as the format allows. */
export type BankFilePlace = {
  line?: number
  column?: number
  /** The element path for XML ('Document/BkToCstmrStmt/Stmt/Ntry/Amt'), the tag for MT940 (':61:'). */
  element?: string
  /** 0-based statement and entry index in the file, where known. */
  statement?: number
  entry?: number
}

/** A bank file refused whole, naming the place. */
export class BankFileError extends Error {
  constructor(
    message: string,
    readonly place: BankFilePlace,
  ) {
    super(message)
    this.name = 'BankFileError'
  }
}
