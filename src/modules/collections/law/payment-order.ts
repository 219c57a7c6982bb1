// Art. 6:44 BW: a payment on a claim goes first to the costs, then to the interest, and only
// then to the principal. Collection costs count as costs (HR 10-07-2015,
// ECLI:NL:HR:2015:1868; nl-collections.md §1.5). Cash application calls this when a payment
// meets an item that carries costs or interest.

export type ClaimParts = {
  readonly costsMinor: bigint
  readonly interestMinor: bigint
  readonly principalMinor: bigint
}

export type PaymentSplit = ClaimParts & {
  /** What is left of the payment after the whole claim: unapplied cash, never a negative claim. */
  readonly overpaidMinor: bigint
}

/**
 * Splits a payment over what is owed in the order of art. 6:44 BW.
 *
 *   splitPaymentOverClaim(10_000n, { costsMinor: 4_000n, interestMinor: 1_000n,
 *                                    principalMinor: 50_000n })
 *   // → costs 4_000n, interest 1_000n, principal 5_000n, overpaid 0n
 */
export function splitPaymentOverClaim(paymentMinor: bigint, owed: ClaimParts): PaymentSplit {
  if (paymentMinor < 0n) throw new RangeError(`A payment cannot be negative: ${paymentMinor}`)
  for (const [part, amount] of Object.entries(owed)) {
    if (amount < 0n) throw new RangeError(`${part} cannot be negative: ${amount}`)
  }
  let left = paymentMinor
  const take = (owedMinor: bigint) => {
    const taken = left < owedMinor ? left : owedMinor
    left -= taken
    return taken
  }
  const costsMinor = take(owed.costsMinor)
  const interestMinor = take(owed.interestMinor)
  const principalMinor = take(owed.principalMinor)
  return { costsMinor, interestMinor, principalMinor, overpaidMinor: left }
}
