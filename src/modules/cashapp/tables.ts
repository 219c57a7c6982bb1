import type { ColumnType, Generated } from 'kysely'
import type { BalanceCheck, Sign } from './bank-files/model.js'
import type { AdviceSource } from './remittance/model.js'

// The cashapp module's tables as Kysely sees them (camelCase); 0015_bank_statements.sql,
// 0018_cash_application.sql and 0019_remittance_advices.sql.

type Int8 = ColumnType<bigint, bigint | string, bigint | string>
type Int8Nullable = ColumnType<bigint | null, bigint | string | null, bigint | string | null>

export const bankEntryStatuses = ['unmatched', 'suggested', 'applied', 'ignored'] as const
export type BankEntryStatus = (typeof bankEntryStatuses)[number]

export const bankTransactionStatuses = [
  'applied',
  'suggested',
  'unmatched',
  'reversal',
  'returned',
  'ignored',
] as const
export type BankTransactionStatus = (typeof bankTransactionStatuses)[number]

export const applicationLineKinds = ['payment', 'discount', 'bank_fee', 'small_difference'] as const
export type ApplicationLineKind = (typeof applicationLineKinds)[number]

export const adviceStatuses = ['open', 'linked', 'used'] as const
export type AdviceStatus = (typeof adviceStatuses)[number]

export type CashappTables = {
  bankAccount: {
    tenantId: string
    id: string
    iban: string | null
    number: string | null
    accountKey: Generated<string>
    currency: string | null
    name: string | null
    csvMapping: unknown | null
    createdAt: Date
    createdBy: string
  }
  bankStatement: {
    tenantId: string
    id: string
    bankAccountId: string
    format: string
    statementId: string | null
    statementNumber: string | null
    currency: string | null
    openingAmountMinor: Int8Nullable
    openingSign: Sign | null
    openingDate: string | null
    closingAmountMinor: Int8Nullable
    closingSign: Sign | null
    closingDate: string | null
    balanceCheck: BalanceCheck
    unbalanced: boolean
    differenceMinor: Int8Nullable
    entryCount: number
    contentDigest: string
    fileName: string
    importId: string
    importedAt: Date
    importedBy: string
  }
  bankEntry: {
    tenantId: string
    id: string
    bankAccountId: string
    bankStatementId: string
    position: number
    identity: string
    bookingDate: string | null
    valueDate: string | null
    amountMinor: Int8
    currency: string
    sign: Sign
    signedMinor: ColumnType<bigint, never, never>
    reversal: boolean
    bankReference: string | null
    customerReference: string | null
    endToEndId: string | null
    mandateId: string | null
    counterpartyName: string | null
    counterpartyIban: string | null
    counterpartyBic: string | null
    remittanceUnstructured: string | null
    remittanceStructuredReference: string | null
    bankTransactionCode: string | null
    returnReason: string | null
    details: unknown
    status: Generated<BankEntryStatus>
    matchedAt: Date | null
    matchedBy: string | null
    createdAt: Date
  }
  bankStatementEntry: {
    tenantId: string
    bankStatementId: string
    position: number
    bankEntryId: string
  }
  bankTransaction: {
    tenantId: string
    id: string
    bankEntryId: string
    transactionIndex: number
    amountMinor: Int8
    currency: string
    sign: Sign
    bookedOn: string | null
    endToEndId: string | null
    mandateId: string | null
    counterpartyName: string | null
    counterpartyIban: string | null
    returnReason: string | null
    decision: 'auto' | 'suggested' | 'unmatched'
    notes: unknown
    status: BankTransactionStatus
    reversesTransactionId: string | null
    matchedAt: Date
    matchedBy: string
  }
  bankTransactionCandidate: {
    tenantId: string
    bankTransactionId: string
    rank: number
    customerId: string
    currency: string
    paymentMinor: Int8
    unappliedMinor: Int8
    confidence: ColumnType<string, string | number, string | number>
    reasons: unknown
    allocations: unknown
    writeOffs: unknown
  }
  cashApplication: {
    tenantId: string
    id: string
    bankTransactionId: string
    customerId: string
    paymentId: string
    journalEntryId: string
    currency: string
    paymentMinor: Int8
    unappliedMinor: Int8
    appliedBy: 'matching' | 'person'
    confidence: ColumnType<string | null, string | number | null, string | number | null>
    reasons: unknown
    createdAt: Date
    createdBy: string
    reversedAt: Date | null
    reversedBy: string | null
    reversalReason: string | null
    reversalJournalEntryId: string | null
    reversedByTransactionId: string | null
  }
  cashApplicationLine: {
    tenantId: string
    cashApplicationId: string
    lineNo: number
    kind: ApplicationLineKind
    invoiceId: string
    amountMinor: Int8
    settlementId: string
  }
  bankPayerLink: {
    tenantId: string
    kind: 'iban' | 'payer_name'
    key: string
    customerId: string
    taughtAt: Date
    taughtBy: string
  }
  cashApplicationSettings: {
    tenantId: string
    smallDifferenceMinorMax: Int8
    bankFeeMinorMax: Int8
    bankFeePercentMax: number
    discountGraceDays: number
    adviceDaysMax: number
    updatedAt: Date
    version: Generated<number>
  }
  remittanceAdvice: {
    tenantId: string
    id: string
    source: AdviceSource
    payerName: string | null
    payerIban: string | null
    currency: string
    amountMinor: Int8
    totalStated: boolean
    adviceDate: string
    fileName: string
    contentHash: string
    sender: string | null
    status: Generated<AdviceStatus>
    bankEntryId: string | null
    statusChangedAt: Date | null
    statusChangedBy: string | null
    createdAt: Date
    createdBy: string
  }
  remittanceAdviceLine: {
    tenantId: string
    remittanceAdviceId: string
    position: number
    invoiceNumber: string
    amountMinor: Int8
    line: number
  }
}
