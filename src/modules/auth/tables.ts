import type { Generated } from 'kysely'

export type AuthTables = {
  tenant: {
    tenantId: string
    slug: string
    name: string
    timeZone: Generated<string>
    baseCurrency: Generated<string>
    settings: Generated<unknown>
    createdAt: Generated<Date>
    version: Generated<number>
  }
  appUser: {
    tenantId: string
    id: string
    email: string
    name: Generated<string>
    role: string
    status: Generated<'active' | 'disabled'>
    createdAt: Generated<Date>
    version: Generated<number>
  }
  apiKey: {
    tenantId: string
    id: string
    userId: string
    name: Generated<string>
    secretHash: string
    createdAt: Generated<Date>
    expiresAt: Date | null
    revokedAt: Date | null
    lastUsedAt: Date | null
  }
}
