// The countries whose collection law o2c knows. Collection costs, the letter that must precede
// them and statutory interest differ per country, and a policy may only add costs or interest
// for a debtor whose country is listed here. Only the Netherlands is built.
//
// Extension point: a country gets its own files beside the Dutch ones (be-consumer-debts.ts,
// de-verzug.ts), its figures in ./data/, an entry below, and the dunning run picks the
// functions by the customer's country. What the reference gives for Belgium (Book XIX WER:
// free first reminder, 14-day waiting period, compensation caps) and Germany (§§ 286, 288, 289,
// 247 BGB: base rate + 5 or + 9 points, €40 flat fee, no compound interest) is summarised in
// ../README.md with what is still missing to build them.

export const collectionLawCountries = ['NL'] as const

export type CollectionLawCountry = (typeof collectionLawCountries)[number]

/** Whether o2c can compute collection costs and statutory interest for a debtor's country. */
export function supportsCollectionLaw(country: string): country is CollectionLawCountry {
  return (collectionLawCountries as readonly string[]).includes(country)
}
