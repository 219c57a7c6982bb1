import type { Generated } from 'kysely'

// The credit module's tables, as Kysely sees them (camelCase).

export const riskClasses = ['A', 'B', 'C', 'D', 'E'] as const
export type RiskClass = (typeof riskClasses)[number]

export const creditStatuses = ['ok', 'watch', 'hold', 'blocked'] as const
export type CreditStatus = (typeof creditStatuses)[number]

export type LimitDecisionStatus = 'pending' | 'approved' | 'rejected'

export type CreditTables = {
  creditPolicy: {
    tenantId: string
    fourEyesThresholdMinor: bigint
    currency: string
    overdueDaysMax: number
    reviewIntervalDays: number
    updatedAt: Date
    version: Generated<number>
  }
  creditProfile: {
    tenantId: string
    customerId: string
    currency: string
    creditLimitMinor: bigint | null
    groupCreditLimitMinor: bigint | null
    riskClass: RiskClass | null
    creditStatus: Generated<CreditStatus>
    nextReviewDate: string | null
    lastReviewDate: string | null
    requiresPrepayment: Generated<boolean>
    createdAt: Date
    updatedAt: Date
    version: Generated<number>
  }
  creditReport: {
    tenantId: string
    id: string
    customerId: string
    bureau: string
    score: number | null
    rating: string | null
    recommendedLimitMinor: bigint | null
    currency: string
    paymentIndex: number | null
    reportDate: string
    source: 'file' | 'api'
    fileName: string | null
    importedAt: Date
    importedBy: string
  }
  paymentBehaviour: {
    tenantId: string
    id: string
    customerId: string
    asOf: string
    invoicesPaidCount: number
    invoicesPaidLateCount: number
    averageDaysLate: number
    openOverdueMinor: bigint
    currency: string
    disputesCount: number
    brokenPromisesCount: number
    recordedAt: Date
  }
  creditReview: {
    tenantId: string
    id: string
    customerId: string
    reviewedAt: Date
    reviewedBy: string
    reviewedByName: string
    note: string
    seen: unknown
    riskClass: RiskClass | null
    creditStatus: CreditStatus
    nextReviewDate: string
    limitDecisionId: string | null
  }
  creditLimitDecision: {
    tenantId: string
    id: string
    customerId: string
    status: LimitDecisionStatus
    fourEyesRequired: boolean
    currency: string
    limitMinor: bigint | null
    limitBeforeMinor: bigint | null
    groupLimitMinor: bigint | null
    groupLimitBeforeMinor: bigint | null
    reason: string
    seen: unknown
    proposedBy: string
    proposedByName: string
    proposedAt: Date
    decidedBy: string | null
    decidedByName: string | null
    decidedAt: Date | null
    decisionNote: string | null
    reviewId: string | null
    version: Generated<number>
  }
  creditCheck: {
    tenantId: string
    id: string
    customerId: string
    orderId: string
    checkedAt: Date
    checkedBy: string
    outcome: 'approved' | 'hold'
    reasons: unknown
    orderAmountMinor: bigint
    orderCurrency: string
    prepayment: boolean
    currency: string
    limitMinor: bigint | null
    exposureMinor: bigint
    groupRootId: string | null
    groupLimitMinor: bigint | null
    groupExposureMinor: bigint | null
  }
  /** A view: invoicing replaces it over its open items. */
  customerReceivablePosition: {
    tenantId: string
    customerId: string
    currency: string
    openMinor: bigint
    oldestDueDate: string | null
  }
}
