import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { Candidate, MatchOutcome } from './matching/model.js'
import { candidateKey, type Rejection, withoutRejected } from './rejections.js'

// What a person rejected never comes back from a re-match, and never is applied by itself;
// what nobody rejected keeps its order.

const candidate = fc
  .record({
    customer: fc.integer({ min: 0, max: 2 }),
    invoices: fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    confidence: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(
    (c): Candidate => ({
      customerId: `c${c.customer}`,
      currency: 'EUR',
      paymentMinor: 100n,
      allocations: c.invoices.map((i) => ({ invoiceId: `i${i}`, amountMinor: 10n })),
      unappliedMinor: 100n - 10n * BigInt(c.invoices.length),
      writeOffs: [],
      confidence: c.confidence,
      reasons: [],
    }),
  )

const outcome = fc
  .record({
    status: fc.constantFrom('auto', 'suggested', 'unmatched'),
    candidates: fc.array(candidate, { maxLength: 5 }),
  })
  .map((o): MatchOutcome => ({ ...o, notes: [] }))

function rejectionOf(c: Candidate): Rejection {
  return {
    ...candidateKey(c),
    reason: 'no',
    rejectedAt: new Date(0),
    rejectedBy: 'test',
    candidate: {},
  }
}

describe('withoutRejected', () => {
  test('offers no rejected candidate, never auto-applies a rejected winner, keeps the order', () => {
    fc.assert(
      fc.property(outcome, fc.array(candidate, { maxLength: 4 }), (o, rejected) => {
        const rejections = rejected.map(rejectionOf)
        const keys = new Set(rejections.map((r) => `${r.customerId}|${r.invoiceKey}`))
        const key = (c: Candidate) => {
          const k = candidateKey(c)
          return `${k.customerId}|${k.invoiceKey}`
        }
        const after = withoutRejected(o, rejections)
        expect(after.candidates.some((c) => keys.has(key(c)))).toBe(false)
        expect(after.candidates).toEqual(o.candidates.filter((c) => !keys.has(key(c))))
        if (after.status === 'auto') {
          expect(o.status).toBe('auto')
          expect(after.candidates[0]).toBe(o.candidates[0])
        }
        if (after.candidates.length === 0 || o.status === 'unmatched') {
          expect(after.status === 'unmatched' || after === o).toBe(true)
        }
      }),
    )
  })

  test('the same customer and invoices is the same candidate, whatever the amounts', () => {
    const a = candidateKey({
      customerId: 'c1',
      allocations: [
        { invoiceId: 'i2', amountMinor: 5n },
        { invoiceId: 'i1', amountMinor: 7n },
      ],
      writeOffs: [{ kind: 'bank_fee', invoiceId: 'i2', amountMinor: 1n }],
    })
    const b = candidateKey({
      customerId: 'c1',
      allocations: [
        { invoiceId: 'i1', amountMinor: 9n },
        { invoiceId: 'i2', amountMinor: 3n },
      ],
      writeOffs: [],
    })
    expect(a).toEqual(b)
    expect(a.invoiceKey).toBe('i1,i2')
  })
})
