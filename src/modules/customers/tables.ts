import type { Generated } from 'kysely'

export type Segment = 'consumer' | 'small_business' | 'enterprise' | 'public_sector'
export type Channel = 'email' | 'sms' | 'whatsapp' | 'letter' | 'phone'

export type CustomerTables = {
  customer: {
    tenantId: string
    id: string
    number: string
    legalName: string
    tradingNames: string[]
    country: string | null
    vatId: string | null
    cocNumber: string | null
    segment: Segment
    attributes: unknown
    language: string
    preferredChannel: Channel
    currency: string
    paymentTermsDays: number
    parentId: string | null
    createdAt: Generated<Date>
    updatedAt: Date
    version: Generated<number>
  }
  customerAddress: {
    tenantId: string
    id: string
    customerId: string
    kind: 'billing' | 'shipping' | 'visiting'
    lines: string[]
    postalCode: string
    city: string
    country: string
    position: number
  }
  customerContact: {
    tenantId: string
    id: string
    customerId: string
    name: string
    email: string | null
    phone: string | null
    language: string
    preferredChannel: Channel
    roles: string[]
    position: number
  }
  customerIban: {
    tenantId: string
    id: string
    customerId: string
    iban: string
    bic: string | null
    accountHolder: string | null
    source: 'master_data' | 'learned'
    position: number
  }
}
