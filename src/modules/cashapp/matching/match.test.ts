import { describe, expect, test } from 'vitest'
import { formatAmount } from '../../../core/money.js'
import { paymentReferenceFor } from '../../../core/payment-reference.js'
import type { BankEntry } from '../bank-files/model.js'
import { buildMatchBook } from './book.js'
import { matchTransaction, transactionsOf } from './match.js'
import type { MatchOutcome } from './model.js'
import {
  credit,
  customers,
  from,
  ibanOf,
  openItems,
  printedReference,
  saying,
} from './test-book.js'

const book = buildMatchBook({
  openItems,
  customers,
  learnedLinks: [
    { kind: 'iban', iban: 'NL18RABO0300012345', customerId: 'c-drukkerij' },
    { kind: 'payer_name', payerName: 'PAPIER EN DRUK VDB', customerId: 'c-drukkerij' },
  ],
  advices: [
    {
      adviceId: 'RA-7',
      payerName: 'Müller Spedition',
      amountMinor: 120_000n,
      currency: 'EUR',
      date: '2026-03-07',
      lines: [
        { invoiceNumber: 'INV-2026-00050', amountMinor: 75_000n },
        { invoiceNumber: '2026-51', amountMinor: 45_000n },
      ],
    },
  ],
})

const numberOf = new Map(openItems.map((i) => [i.invoiceId, i.number]))

/** The first answer as a clerk would read it: 'INV-2026-00042 302.50 + discount 6.05'. */
function firstAnswer(outcome: MatchOutcome): string {
  const best = outcome.candidates[0]
  if (!best) return '—'
  const parts = best.allocations.map(
    (a) => `${numberOf.get(a.invoiceId)} ${formatAmount(a.amountMinor, best.currency)}`,
  )
  for (const w of best.writeOffs)
    parts.push(`${w.kind} ${formatAmount(w.amountMinor, best.currency)}`)
  if (best.unappliedMinor > 0n)
    parts.push(`unapplied ${formatAmount(best.unappliedMinor, best.currency)}`)
  return parts.join(' + ')
}

function match(entry: BankEntry): MatchOutcome {
  return matchTransaction(book, entry, {
    rate: (fromCurrency, to) =>
      fromCurrency === 'EUR' && to === 'USD' ? { units: 108_000n, scale: 5 } : undefined,
  })
}

describe('signals that name the invoice', () => {
  test.each`
    case                                   | entry                                                                                                           | status    | answer
    ${'Dutch reference, structured field'} | ${credit('121.00', { remittance: { unstructured: null, structuredReference: paymentReferenceFor('nl', 41) } })} | ${'auto'} | ${'INV-2026-00041 121.00'}
    ${'Dutch reference typed with spaces'} | ${credit('121.00', saying(`betaling ${printedReference(41)}`))}                                                 | ${'auto'} | ${'INV-2026-00041 121.00'}
    ${'Dutch reference typed with dots'}   | ${credit('121.00', saying(printedReference(41).replace(/ /g, '.')))}                                            | ${'auto'} | ${'INV-2026-00041 121.00'}
    ${'RF creditor reference'}             | ${credit('999.00', saying(`ref ${paymentReferenceFor('rf', 50)}`))}                                             | ${'auto'} | ${'INV-2026-00050 999.00'}
    ${'Belgian structured communication'}  | ${credit('726.00', saying(paymentReferenceFor('be', 60)))}                                                      | ${'auto'} | ${'INV-2026-00060 726.00'}
    ${'invoice number as printed'}         | ${credit('121.00', saying('INV-2026-00041'))}                                                                   | ${'auto'} | ${'INV-2026-00041 121.00'}
    ${'prefix dropped'}                    | ${credit('121.00', saying('factuur 2026-00041'))}                                                               | ${'auto'} | ${'INV-2026-00041 121.00'}
    ${'digits run together'}               | ${credit('121.00', saying('202600041'))}                                                                        | ${'auto'} | ${'INV-2026-00041 121.00'}
    ${'spaces, zeros dropped'}             | ${credit('121.00', saying('INV 2026 41'))}                                                                      | ${'auto'} | ${'INV-2026-00041 121.00'}
    ${'end-to-end id carries the number'}  | ${credit('121.00', { endToEndId: 'INV-2026-00041' })}                                                           | ${'auto'} | ${'INV-2026-00041 121.00'}
    ${'two numbers in one line'}           | ${credit('423.50', saying('INV-2026-00041 en INV-2026-00042'))}                                                 | ${'auto'} | ${'INV-2026-00041 121.00 + INV-2026-00042 302.50'}
    ${'"fact 41 en 42" from a known IBAN'} | ${credit('423.50', { ...saying('fact 41 en 42'), ...from('Bakkerij Jansen', ibanOf.jansen) })}                  | ${'auto'} | ${'INV-2026-00041 121.00 + INV-2026-00042 302.50'}
    ${'transposed digits, known IBAN'}     | ${credit('121.00', { ...saying('factuur 2026-00014'), ...from('Jansen', ibanOf.jansen) })}                      | ${'auto'} | ${'INV-2026-00041 121.00'}
    ${'remittance advice'}                 | ${credit('1200.00', from('MUELLER SPEDITION', 'DE02100100100006820101'))}                                       | ${'auto'} | ${'INV-2026-00050 750.00 + INV-2026-00051 450.00'}
  `('$case → $status $answer', ({ entry, status, answer }) => {
    const outcome = match(entry)
    expect(outcome.status).toBe(status)
    expect(firstAnswer(outcome)).toBe(answer)
  })

  test('the answer that follows an advice names it, so applying it uses the advice up', () => {
    const outcome = match(credit('1200.00', from('MUELLER SPEDITION', 'DE02100100100006820101')))
    expect(outcome.candidates[0]?.adviceId).toBe('RA-7')
    expect(
      match(credit('121.00', saying('INV-2026-00041'))).candidates[0]?.adviceId,
    ).toBeUndefined()
  })
})

describe('signals that name the payer, with the amount', () => {
  test.each`
    case                                      | entry                                                         | status         | answer
    ${'IBAN from master data, exact amount'}  | ${credit('80.00', from('BAKKERIJ JANSEN', ibanOf.jansen))}    | ${'auto'}      | ${'INV-2026-00043 80.00'}
    ${'IBAN, two invoices make the amount'}   | ${credit('201.00', from(null, ibanOf.jansen))}                | ${'auto'}      | ${'INV-2026-00041 121.00 + INV-2026-00043 80.00'}
    ${'IBAN, discount taken in time'}         | ${credit('296.45', from(null, ibanOf.jansen))}                | ${'auto'}      | ${'INV-2026-00042 296.45 + discount 6.05'}
    ${'IBAN, bank fee deducted'}              | ${credit('987.50', from(null, ibanOf.mueller))}               | ${'auto'}      | ${'INV-2026-00050 987.50 + bank_fee 11.50'}
    ${'learned IBAN'}                         | ${credit('726.00', from('VDB', 'NL18RABO0300012345'))}        | ${'auto'}      | ${'INV-2026-00060 726.00'}
    ${'learned payer name'}                   | ${credit('726.00', from('Papier & Druk VDB', null))}          | ${'auto'}      | ${'INV-2026-00060 726.00'}
    ${'name only: case, accents, legal form'} | ${credit('450.00', from('MULLER SPEDITION', null))}           | ${'auto'}      | ${'INV-2026-00051 450.00'}
    ${'name only: word order, truncation'}    | ${credit('726.00', from('VAN DEN BERGHE DRUKK', null))}       | ${'auto'}      | ${'INV-2026-00060 726.00'}
    ${'group company pays for its sister'}    | ${credit('641.30', from('De Vries Holding', ibanOf.holding))} | ${'auto'}      | ${'INV-2026-00071 641.30'}
    ${'IBAN, amount explains nothing'}        | ${credit('10.00', from(null, ibanOf.jansen))}                 | ${'suggested'} | ${'INV-2026-00041 10.00'}
  `('$case → $status $answer', ({ entry, status, answer }) => {
    const outcome = match(entry)
    expect(outcome.status).toBe(status)
    expect(firstAnswer(outcome)).toBe(answer)
  })
})

describe('partial, over and foreign payments', () => {
  test.each`
    case                                         | entry                                             | status         | answer
    ${'partial payment on a reference'}          | ${credit('50.00', saying(printedReference(41)))}  | ${'auto'}      | ${'INV-2026-00041 50.00'}
    ${'over-payment on a reference'}             | ${credit('150.00', saying(printedReference(41)))} | ${'auto'}      | ${'INV-2026-00041 121.00 + unapplied 29.00'}
    ${'dollar invoice paid in euro at our rate'} | ${credit('1388.89', saying('INV-2026-00090'))}    | ${'auto'}      | ${'INV-2026-00090 1500.00'}
    ${'dollar invoice paid in euro, far off'}    | ${credit('1000.00', saying('INV-2026-00090'))}    | ${'suggested'} | ${'INV-2026-00090 1080.00'}
  `('$case → $status $answer', ({ entry, status, answer }) => {
    const outcome = match(entry)
    expect(outcome.status).toBe(status)
    expect(firstAnswer(outcome)).toBe(answer)
  })

  test('a dollar invoice paid in euro without a rate stays a suggestion', () => {
    const outcome = matchTransaction(book, credit('1388.89', saying('INV-2026-00090')))
    expect(outcome.status).toBe('suggested')
    expect(outcome.candidates[0]!.reasons.join('; ')).toMatch(/no rate/)
  })
})

describe('traps: never applied automatically', () => {
  test.each`
    case                                                 | entry
    ${'two customers owe the same amount, no reference'} | ${credit('450.00', from('Onbekend', ibanOf.stranger))}
    ${'one customer, two invoice sets of the same sum'}  | ${credit('450.00', from(null, ibanOf.smit))}
    ${'reference of an invoice already paid'}            | ${credit('80.00', { ...saying(printedReference(40)), ...from(null, ibanOf.jansen) })}
    ${'a typo that is another customer’s invoice'}       | ${credit('121.00', { ...saying('INV-2026-00051'), ...from('Jansen', ibanOf.jansen) })}
    ${'IBAN of one customer, number of another'}         | ${credit('121.00', { ...saying('INV-2026-00041'), ...from(null, ibanOf.smit) })}
    ${'a payment from an unknown payer'}                 | ${credit('77.77', from('J. Pietersen', ibanOf.stranger))}
  `('$case', ({ entry }) => {
    expect(match(entry).status).not.toBe('auto')
  })

  test('the typo trap still suggests the payer’s own invoice first', () => {
    const outcome = match(
      credit('121.00', { ...saying('INV-2026-00051'), ...from('Jansen', ibanOf.jansen) }),
    )
    expect(firstAnswer(outcome)).toBe('INV-2026-00041 121.00')
    expect(outcome.notes.join(' ')).toMatch(/INV-2026-00051 of another customer/)
  })

  test('two invoice sets of the same sum are both offered, the oldest first', () => {
    const outcome = match(credit('450.00', from(null, ibanOf.smit)))
    const offered = outcome.candidates.map((c) => c.allocations.map((a) => a.invoiceId).join('+'))
    expect(offered.slice(0, 2)).toEqual(['i-80', 'i-81+i-82'])
  })

  test.each`
    case                           | entry                                                                          | note
    ${'a debit'}                   | ${credit('121.00', { sign: 'D', ...saying(printedReference(41)) })}            | ${/debit/}
    ${'a reversal'}                | ${credit('121.00', { reversal: true, ...saying(printedReference(41)) })}       | ${/reversal/}
    ${'a returned direct debit'}   | ${credit('121.00', { returnReason: 'AM04', ...saying(printedReference(41)) })} | ${/AM04/}
    ${'a return by its bank code'} | ${credit('121.00', { bankTransactionCode: 'PMNT/RDDT/UPDD' })}                 | ${/return/}
  `('$case is no customer payment', ({ entry, note }) => {
    const outcome = match(entry)
    expect(outcome.status).toBe('unmatched')
    expect(outcome.candidates).toEqual([])
    expect(outcome.notes.join(' ')).toMatch(note)
  })
})

test('reasons say in words why', () => {
  const outcome = match(
    credit('121.00', { ...saying(printedReference(41)), ...from(null, ibanOf.jansen) }),
  )
  expect(outcome.candidates[0]!.reasons).toEqual([
    `payment reference ${paymentReferenceFor('nl', 41).slice(0, 4)}…1 of INV-2026-00041`,
    'IBAN known for Bakkerij Jansen B.V.',
    'amount equals the open amount',
  ])
})

describe('soft signals do not add up to certainty', () => {
  test('a name alone does not decide with a set of invoices', () => {
    const outcome = match(credit('201.00', from('Bakkerij Jansen', ibanOf.stranger)))
    expect(outcome.status).toBe('suggested')
    expect(firstAnswer(outcome)).toBe('INV-2026-00041 121.00 + INV-2026-00043 80.00')
  })

  test('a name alone decides with one invoice to the cent', () => {
    const outcome = match(credit('80.00', from('Bakkerij Jansen', ibanOf.stranger)))
    expect(outcome.status).toBe('auto')
    expect(firstAnswer(outcome)).toBe('INV-2026-00043 80.00')
  })

  test('a number one slip away from several of the payer’s invoices is no reading', () => {
    const outcome = match(
      credit('60.00', { ...saying('factuur 2026-00040'), ...from(null, ibanOf.jansen) }),
    )
    expect(outcome.status).toBe('suggested')
    expect(outcome.candidates.flatMap((c) => c.reasons).join(' ')).not.toMatch(/read as/)
  })

  test('a foreign payment well over the open amount stays a suggestion', () => {
    const outcome = match(
      credit('2000.00', { ...saying('INV-2026-00090'), ...from(null, ibanOf.smit) }),
    )
    expect(outcome.status).toBe('suggested')
    expect(firstAnswer(outcome)).toBe('INV-2026-00090 1500.00 + unapplied 660.00')
  })
})

test('a batch booked as one entry is matched transaction by transaction', () => {
  const detail = (amount: string, text: string, iban: string) => ({
    amount,
    currency: 'EUR',
    sign: 'C' as const,
    bankReference: null,
    endToEndId: null,
    mandateId: null,
    counterparty: { name: null, iban, bic: null },
    remittance: { unstructured: text, structuredReference: null },
    returnReason: null,
    bankTransactionCode: null,
  })
  const batch = credit('1120.00', {
    details: [
      detail('121.00', 'INV-2026-00041', ibanOf.jansen),
      detail('999.00', 'INV-2026-00050', ibanOf.mueller),
    ],
  })
  const outcomes = transactionsOf(batch).map(match)
  expect(outcomes.map((o) => o.status)).toEqual(['auto', 'auto'])
  expect(outcomes.map(firstAnswer)).toEqual(['INV-2026-00041 121.00', 'INV-2026-00050 999.00'])
})
