// The countries whose collection law o2c knows. Collection costs, the letter that must precede
// them and statutory interest differ per country, and a policy may only add costs or interest
// for a debtor whose country is listed here. Only the Netherlands is complete.
//
// Extension point: a country gets its own files beside the Dutch ones (be-consumer-debts.ts
// holds the first Belgian rules; de-verzug.ts would hold Germany's), its figures in ./data/,
// an entry below once it is complete, and the dunning run picks the functions by the
// customer's country. What the reference gives for Belgium (Book XIX WER) and Germany (§§ 286,
// 288, 289, 247 BGB) and what is still missing to build them is in ../README.md.

export const collectionLawCountries = ['NL'] as const

export type CollectionLawCountry = (typeof collectionLawCountries)[number]

/** Whether o2c can compute collection costs and statutory interest for a debtor's country. */
export function supportsCollectionLaw(country: string): country is CollectionLawCountry {
  return (collectionLawCountries as readonly string[]).includes(country)
}
