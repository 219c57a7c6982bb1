import type { Generated } from 'kysely'

// The ledger's tables, as Kysely sees them (camelCase).

export const accountKinds = ['asset', 'liability', 'equity', 'revenue', 'expense'] as const
export type AccountKind = (typeof accountKinds)[number]

export type LedgerTables = {
  account: {
    tenantId: string
    id: string
    code: string
    name: string
    kind: AccountKind
    purpose: string | null
    active: Generated<boolean>
    createdAt: Date
  }
  journalEntry: {
    tenantId: string
    id: string
    postedOn: string
    description: string
    sourceType: string
    sourceId: string
    reversesEntryId: string | null
    reason: string | null
    createdAt: Date
    createdBy: string
  }
  journalLine: {
    tenantId: string
    entryId: string
    lineNo: number
    accountCode: string
    debitMinor: Generated<bigint>
    creditMinor: Generated<bigint>
    currency: string
    customerId: string | null
  }
}
