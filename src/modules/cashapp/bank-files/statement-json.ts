import { balancesAgree } from './amount.js'
import type {
  Balance,
  BalanceCheck,
  BankEntry,
  BankFileEvent,
  BankFileFormat,
  Counterparty,
  EntryDetail,
  Remittance,
  StatementHead,
} from './model.js'

// The statement as the fixtures' expected.json writes it (and as the import's API will show
// it): snake_case keys, null for what is absent, and the balance check computed here.

export type BalanceJson = { amount: string; sign: 'C' | 'D' | null; date: string | null }
export type CounterpartyJson = { name: string | null; iban: string | null; bic: string | null }
export type RemittanceJson = { unstructured: string | null; structured_reference: string | null }

export type EntryDetailJson = {
  amount: string | null
  currency: string | null
  sign: 'C' | 'D' | null
  bank_reference: string | null
  end_to_end_id: string | null
  mandate_id: string | null
  counterparty: CounterpartyJson
  remittance: RemittanceJson
  return_reason: string | null
  bank_transaction_code: string | null
}

export type EntryJson = {
  booking_date: string | null
  value_date: string | null
  amount: string
  currency: string
  sign: 'C' | 'D'
  reversal: boolean
  bank_reference: string | null
  customer_reference: string | null
  end_to_end_id: string | null
  mandate_id: string | null
  counterparty: CounterpartyJson
  remittance: RemittanceJson
  bank_transaction_code: string | null
  return_reason: string | null
  details: EntryDetailJson[]
}

export type StatementJson = {
  id: string | null
  statement_number: string | null
  account: { iban: string | null; number: string | null; currency: string | null }
  opening_balance: BalanceJson | null
  closing_balance: BalanceJson | null
  entries: EntryJson[]
  balance_check: BalanceCheck
}

export type BankFileJson = { format: BankFileFormat | null; statements: StatementJson[] }

/**
 * 'ok' when opening + the signed entries equals closing exactly, 'mismatch' when not, and
 * 'not_applicable' when a balance or its sign is missing (camt.054, CSV).
 */
export function balanceCheck(
  opening: Balance | null,
  entries: BankEntry[],
  closing: Balance | null,
): BalanceCheck {
  if (!opening?.sign || !closing?.sign) return 'not_applicable'
  const agree = balancesAgree({ amount: opening.amount, sign: opening.sign }, entries, {
    amount: closing.amount,
    sign: closing.sign,
  })
  return agree ? 'ok' : 'mismatch'
}

export function statementJson(
  head: StatementHead,
  entries: BankEntry[],
  closing: Balance | null,
): StatementJson {
  return {
    id: head.id,
    statement_number: head.statementNumber,
    account: {
      iban: head.account.iban,
      number: head.account.number,
      currency: head.account.currency,
    },
    opening_balance: balanceJson(head.openingBalance),
    closing_balance: balanceJson(closing),
    entries: entries.map(entryJson),
    balance_check: balanceCheck(head.openingBalance, entries, closing),
  }
}

function balanceJson(balance: Balance | null): BalanceJson | null {
  return balance && { amount: balance.amount, sign: balance.sign, date: balance.date }
}

export function entryJson(entry: BankEntry): EntryJson {
  return {
    booking_date: entry.bookingDate,
    value_date: entry.valueDate,
    amount: entry.amount,
    currency: entry.currency,
    sign: entry.sign,
    reversal: entry.reversal,
    bank_reference: entry.bankReference,
    customer_reference: entry.customerReference,
    end_to_end_id: entry.endToEndId,
    mandate_id: entry.mandateId,
    counterparty: counterpartyJson(entry.counterparty),
    remittance: remittanceJson(entry.remittance),
    bank_transaction_code: entry.bankTransactionCode,
    return_reason: entry.returnReason,
    details: entry.details.map(detailJson),
  }
}

function detailJson(detail: EntryDetail): EntryDetailJson {
  return {
    amount: detail.amount,
    currency: detail.currency,
    sign: detail.sign,
    bank_reference: detail.bankReference,
    end_to_end_id: detail.endToEndId,
    mandate_id: detail.mandateId,
    counterparty: counterpartyJson(detail.counterparty),
    remittance: remittanceJson(detail.remittance),
    return_reason: detail.returnReason,
    bank_transaction_code: detail.bankTransactionCode,
  }
}

function counterpartyJson(counterparty: Counterparty): CounterpartyJson {
  return { name: counterparty.name, iban: counterparty.iban, bic: counterparty.bic }
}

function remittanceJson(remittance: Remittance): RemittanceJson {
  return {
    unstructured: remittance.unstructured,
    structured_reference: remittance.structuredReference,
  }
}

/**
 * Collects a parser's events into whole statements — for tests and small files; the import
 * streams the events instead. A statement left open at the end is a parser bug, not a bad file.
 */
export async function collectBankFile(events: AsyncIterable<BankFileEvent>): Promise<BankFileJson> {
  const statements: StatementJson[] = []
  let format: BankFileFormat | null = null
  let open: { head: StatementHead; entries: BankEntry[] } | undefined
  for await (const event of events) {
    if (event.kind === 'statement') {
      if (open) throw new Error('A statement began before the previous one ended')
      format = event.format
      open = { head: event.statement, entries: [] }
    } else if (event.kind === 'entry') {
      if (!open) throw new Error('An entry came outside a statement')
      open.entries.push(event.entry)
    } else {
      if (!open) throw new Error('A statement ended that never began')
      statements.push(statementJson(open.head, open.entries, event.closingBalance))
      open = undefined
    }
  }
  if (open) throw new Error('The last statement never ended')
  return { format, statements }
}
