import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { formatAmount } from '../../../core/money.js'
import { paymentReferenceFor } from '../../../core/payment-reference.js'
import { buildMatchBook } from './book.js'
import { matchTransaction } from './match.js'
import type { CustomerRecord, MatchOutcome, OpenItem } from './model.js'
import { credit } from './test-book.js'

// Whatever the signals say, the money of every candidate is exact: the allocations and the
// unapplied rest make the payment, and no invoice is given more than it has open.

const ibans = ['NL91ABNA0417164300', 'DE89370400440532013000', 'BE68539007547034']

const tenant = fc
  .array(
    fc.array(
      fc.record({
        openMinor: fc.bigInt({ min: 1n, max: 200_000n }),
        discountMinor: fc.option(fc.bigInt({ min: 1n, max: 5_000n }), { nil: undefined }),
        day: fc.integer({ min: 1, max: 28 }),
      }),
      { minLength: 0, maxLength: 8 },
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((perCustomer) => {
    const customers: CustomerRecord[] = perCustomer.map((_, c) => ({
      customerId: `c${c}`,
      number: `C${c}`,
      legalName: ['Bakkerij Jansen B.V.', 'Jansen Bakkerij GmbH', 'Smit Handel'][c]!,
      ibans: [ibans[c]!],
    }))
    let sequence = 0
    const openItems: OpenItem[] = perCustomer.flatMap((items, c) =>
      items.map((i) => {
        sequence++
        const day = String(i.day).padStart(2, '0')
        return {
          invoiceId: `i${sequence}`,
          number: `INV-2026-${String(sequence).padStart(5, '0')}`,
          customerId: `c${c}`,
          currency: 'EUR',
          openMinor: i.openMinor,
          issueDate: `2026-02-${day}`,
          dueDate: `2026-03-${day}`,
          paymentReference: paymentReferenceFor('nl', sequence),
          ...(i.discountMinor !== undefined && i.discountMinor < i.openMinor
            ? { discountMinor: i.discountMinor, discountUntil: '2026-03-10' }
            : {}),
        }
      }),
    )
    return { customers, openItems }
  })

const transaction = fc.record({
  amountMinor: fc.bigInt({ min: 1n, max: 500_000n }),
  mentions: fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 3 }),
  form: fc.constantFrom('reference', 'number', 'sequence', 'typo'),
  payer: fc.constantFrom(0, 1, 2, -1),
  named: fc.boolean(),
})

function textFor(mentions: number[], form: string): string {
  return mentions
    .map((n) => {
      if (form === 'reference') return paymentReferenceFor('nl', n)
      if (form === 'sequence') return String(n)
      if (form === 'typo') return `2026-${String(n * 10 + 1).padStart(5, '0')}`
      return `INV-2026-${String(n).padStart(5, '0')}`
    })
    .join(' en ')
}

function checkMoney(outcome: MatchOutcome, paymentMinor: bigint, openItems: OpenItem[]) {
  const byId = new Map(openItems.map((i) => [i.invoiceId, i]))
  for (const candidate of outcome.candidates) {
    const allocated = candidate.allocations.reduce((s, a) => s + a.amountMinor, 0n)
    expect(allocated + candidate.unappliedMinor).toBe(candidate.paymentMinor)
    if (candidate.currency === 'EUR') expect(candidate.paymentMinor).toBe(paymentMinor)
    expect(candidate.unappliedMinor >= 0n).toBe(true)
    const seen = new Set<string>()
    for (const a of candidate.allocations) {
      const item = byId.get(a.invoiceId)!
      expect(item.customerId).toBe(candidate.customerId)
      expect(item.currency).toBe(candidate.currency)
      expect(a.amountMinor > 0n).toBe(true)
      expect(seen.has(a.invoiceId)).toBe(false)
      seen.add(a.invoiceId)
    }
    for (const w of candidate.writeOffs) expect(w.amountMinor > 0n).toBe(true)
    for (const item of openItems) {
      const given =
        candidate.allocations
          .filter((a) => a.invoiceId === item.invoiceId)
          .reduce((s, a) => s + a.amountMinor, 0n) +
        candidate.writeOffs
          .filter((w) => w.invoiceId === item.invoiceId)
          .reduce((s, w) => s + w.amountMinor, 0n)
      expect(given <= item.openMinor).toBe(true)
    }
    expect(candidate.confidence).toBeGreaterThanOrEqual(0)
    expect(candidate.confidence).toBeLessThanOrEqual(1)
  }
}

describe('matching keeps the money exact', () => {
  test('allocations + unapplied = the payment; no invoice gets more than it has open', () => {
    fc.assert(
      fc.property(tenant, transaction, ({ customers, openItems }, tx) => {
        const book = buildMatchBook({ customers, openItems })
        const entry = credit(formatAmount(tx.amountMinor, 'EUR'), {
          counterparty: {
            name: tx.named && tx.payer >= 0 ? (customers[tx.payer]?.legalName ?? null) : null,
            iban: tx.payer >= 0 ? ibans[tx.payer]! : 'NL44RABO0123456780',
            bic: null,
          },
          remittance: { unstructured: textFor(tx.mentions, tx.form), structuredReference: null },
        })
        checkMoney(matchTransaction(book, entry), tx.amountMinor, openItems)
      }),
      { numRuns: 400 },
    )
  })

  test('a payment that exactly pays a named invoice allocates exactly its open amount', () => {
    fc.assert(
      fc.property(tenant, fc.nat(), ({ customers, openItems }, pick) => {
        fc.pre(openItems.length > 0)
        const item = openItems[pick % openItems.length]!
        const book = buildMatchBook({ customers, openItems })
        const entry = credit(formatAmount(item.openMinor, 'EUR'), {
          remittance: { unstructured: null, structuredReference: item.paymentReference! },
        })
        const outcome = matchTransaction(book, entry)
        expect(outcome.status).toBe('auto')
        expect(outcome.candidates[0]!.allocations).toEqual([
          { invoiceId: item.invoiceId, amountMinor: item.openMinor },
        ])
      }),
    )
  })
})

describe('where two answers fit equally, nothing is applied automatically', () => {
  test('two customers owing the same amount, a payer nobody knows', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 1_000_000n }), fc.boolean(), (amount, withName) => {
        const customers: CustomerRecord[] = [
          { customerId: 'a', number: 'A', legalName: 'Alfa B.V.', ibans: [ibans[0]!] },
          { customerId: 'b', number: 'B', legalName: 'Beta GmbH', ibans: [ibans[1]!] },
        ]
        const openItems = ['a', 'b'].map((customerId, i) => ({
          invoiceId: `i${i}`,
          number: `INV-2026-0000${i}`,
          customerId,
          currency: 'EUR',
          openMinor: amount,
          issueDate: '2026-03-01',
          dueDate: '2026-03-31',
        }))
        const book = buildMatchBook({ customers, openItems })
        const entry = credit(formatAmount(amount, 'EUR'), {
          counterparty: { name: withName ? 'Gamma' : null, iban: 'NL44RABO0123456780', bic: null },
        })
        expect(matchTransaction(book, entry).status).not.toBe('auto')
      }),
    )
  })

  test('one customer with two invoice sets of the same sum', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 100_000n }),
        fc.bigInt({ min: 1n, max: 100_000n }),
        (a, b) => {
          fc.pre(a !== b)
          const amounts = [a, b, a + b]
          const openItems = amounts.map((openMinor, i) => ({
            invoiceId: `i${i}`,
            number: `INV-2026-0000${i}`,
            customerId: 'a',
            currency: 'EUR',
            openMinor,
            issueDate: '2026-03-01',
            dueDate: `2026-03-1${i}`,
          }))
          const book = buildMatchBook({
            customers: [{ customerId: 'a', number: 'A', legalName: 'Alfa', ibans: [ibans[0]!] }],
            openItems,
          })
          const entry = credit(formatAmount(a + b, 'EUR'), {
            counterparty: { name: null, iban: ibans[0]!, bic: null },
          })
          expect(matchTransaction(book, entry).status).not.toBe('auto')
        },
      ),
    )
  })
})
