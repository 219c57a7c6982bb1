// The collection law o2c applies: pure functions over values, with the figures of the law kept
// as data (./data/*.csv). The dunning run (issue 7) calls these; nothing here reads or writes
// the store. Netherlands only so far: see ../README.md for Belgium and Germany.

export {
  type BelgianWaitingPeriod,
  belgianCompensationCeilingMinor,
  belgianCompensationMaxMinor,
  belgianFurtherReminderCostMaxMinor,
  belgianPublicHolidays,
  belgianWaitingDays,
  belgianWaitingPeriod,
} from './be-consumer-debts.js'
export {
  type BusinessCollectionCosts,
  businessCollectionCosts,
  businessCompensationMinimumMinor,
  businessCostsChargeableFrom,
  type CollectionCosts,
  type CollectionVatPosition,
  collectionCostsForClaims,
  collectionCostsMaximumMinor,
  collectionCostsMinimumMinor,
  consumerCollectionCosts,
  generalVatRatePercent,
  noVatOnCosts,
  statutoryCollectionCosts,
  vatMayBeAddedToCosts,
  withVatWhereAllowed,
} from './collection-costs.js'
export {
  LawDataError,
  parseStatutoryRates,
  parseWikScale,
  type StatutoryRate,
  type StatutoryRateKind,
  statutoryRates,
  type WikBracket,
  wikScale,
} from './data-files.js'
export {
  checkFourteenDayLetter,
  costsToNameInLetter,
  type FourteenDayLetter,
  type LetterCheck,
  type LetterDelivery,
  type LetterPaymentTerm,
  type LetterProblem,
  type LetterProblemCode,
  type LetterTerm,
  letterTerm,
  letterTermDays,
  mayChargeConsumerCosts,
  presumedReceiptDate,
} from './fourteen-day-letter.js'
export { collectionLawCountries, supportsCollectionLaw } from './jurisdictions.js'
export { type ClaimParts, type PaymentSplit, splitPaymentOverClaim } from './payment-order.js'
export {
  addYears,
  dayCountDivisor,
  firstInterestDay,
  type InterestCapitalisation,
  type InterestKind,
  type InterestPeriod,
  interestAfterDueDate,
  periodInterest,
  type StatutoryInterest,
  statutoryInterest,
  statutoryRateCoverage,
  statutoryRateOn,
} from './statutory-interest.js'
