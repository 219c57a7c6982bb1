import { type Balance, type BankEntry, BankFileError, type BankFileEvent } from './model.js'

// STAND-IN, TO DELETE when the parsers (bank-files/index.ts) are merged: statement-import.ts
// then imports readBankFile from './bank-files/index.js', and the tests that write files in
// this format switch to the fixtures in ../shared/fixtures/bank/.
//
// It reads a file in the shape of a fixture's expected.json ({format, statements: [...]},
// snake_case) and yields the events a parser would, so that the import, the CLI and the API
// can be tested end to end before the real parsers exist. Not streaming: test files only.

type Json = Record<string, any>

export async function* readBankFile(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  _options: { fileName?: string } = {},
): AsyncGenerator<BankFileEvent> {
  const chunks: Buffer[] = []
  for await (const chunk of source) chunks.push(Buffer.from(chunk as Uint8Array))
  let file: Json
  try {
    file = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch (error) {
    throw new BankFileError(`not a bank file: ${(error as Error).message}`, { line: 1 })
  }
  if (!Array.isArray(file?.statements)) {
    throw new BankFileError('no statements', { element: 'statements' })
  }
  for (const [index, s] of (file.statements as Json[]).entries()) {
    yield {
      kind: 'statement',
      format: String(file.format ?? 'unknown'),
      statement: {
        id: s.id ?? null,
        statementNumber: s.statement_number ?? null,
        account: {
          iban: s.account?.iban ?? null,
          number: s.account?.number ?? null,
          currency: s.account?.currency ?? null,
        },
        openingBalance: balanceIn(s.opening_balance),
      },
    }
    for (const [entryIndex, e] of ((s.entries ?? []) as Json[]).entries()) {
      if (typeof e.amount !== 'string' || !/^\d+(\.\d+)?$/.test(e.amount)) {
        throw new BankFileError(`amount ${e.amount} is not a decimal`, {
          element: 'amount',
          statement: index,
          entry: entryIndex,
        })
      }
      yield { kind: 'entry', entry: entryIn(e) }
    }
    yield { kind: 'statement_end', closingBalance: balanceIn(s.closing_balance) }
  }
}

function balanceIn(b: Json | null | undefined): Balance | null {
  return b ? { amount: b.amount, sign: b.sign ?? null, date: b.date ?? null } : null
}

function entryIn(e: Json): BankEntry {
  return {
    bookingDate: e.booking_date ?? null,
    valueDate: e.value_date ?? null,
    amount: e.amount,
    currency: e.currency,
    sign: e.sign,
    reversal: Boolean(e.reversal),
    bankReference: e.bank_reference ?? null,
    customerReference: e.customer_reference ?? null,
    endToEndId: e.end_to_end_id ?? null,
    mandateId: e.mandate_id ?? null,
    counterparty: {
      name: e.counterparty?.name ?? null,
      iban: e.counterparty?.iban ?? null,
      bic: e.counterparty?.bic ?? null,
    },
    remittance: {
      unstructured: e.remittance?.unstructured ?? null,
      structuredReference: e.remittance?.structured_reference ?? null,
    },
    bankTransactionCode: e.bank_transaction_code ?? null,
    returnReason: e.return_reason ?? null,
    details: ((e.details ?? []) as Json[]).map((d) => ({
      amount: d.amount ?? null,
      currency: d.currency ?? null,
      sign: d.sign ?? null,
      bankReference: d.bank_reference ?? null,
      endToEndId: d.end_to_end_id ?? null,
      mandateId: d.mandate_id ?? null,
      counterparty: {
        name: d.counterparty?.name ?? null,
        iban: d.counterparty?.iban ?? null,
        bic: d.counterparty?.bic ?? null,
      },
      remittance: {
        unstructured: d.remittance?.unstructured ?? null,
        structuredReference: d.remittance?.structured_reference ?? null,
      },
      returnReason: d.return_reason ?? null,
      bankTransactionCode: d.bank_transaction_code ?? null,
    })),
  }
}
