import type { ColumnType, Generated } from 'kysely'

// The collections module's tables as Kysely sees them (camelCase); 0022_collections.sql.
// Dates ('YYYY-MM-DD') come back as strings, moments as Date, bigint columns as bigint.

type Int8 = ColumnType<bigint, bigint | number | string, bigint | number | string>
type Int8Default = ColumnType<
  bigint,
  bigint | number | string | undefined,
  bigint | number | string
>
type Json<T = unknown> = ColumnType<T, string | T | undefined, string | T>

export const dunningChannels = ['email', 'sms', 'whatsapp', 'letter', 'phone'] as const
export type DunningChannel = (typeof dunningChannels)[number]

export const dunningActions = [
  'pre_due_nudge',
  'friendly_reminder',
  'formal_reminder',
  'fourteen_day_letter',
  'charge_costs_and_interest',
  'credit_block',
  'recovery_handover',
] as const
export type DunningAction = (typeof dunningActions)[number]

export const stepAnchors = ['due_date', 'previous_step'] as const
export type StepAnchor = (typeof stepAnchors)[number]

/** A policy's interest: none, or one of the law's kinds (law/statutory-interest.ts). */
export const policyInterestKinds = [
  'none',
  'statutory',
  'commercial',
  'commercial_public_debtor',
] as const
export type PolicyInterestKind = (typeof policyInterestKinds)[number]

export const templateAudiences = ['consumer', 'business'] as const
export type TemplateAudience = (typeof templateAudiences)[number]

export const dunningMessageStatuses = [
  'pending',
  'queued',
  'sent',
  'failed',
  'task_created',
] as const
export type DunningMessageStatus = (typeof dunningMessageStatuses)[number]

export const payIntents = ['cant_pay', 'wont_pay'] as const
export type PayIntent = (typeof payIntents)[number]

export const promiseChannels = [
  'phone',
  'email',
  'sms',
  'whatsapp',
  'letter',
  'pay_page',
  'portal',
  'api',
] as const
export type PromiseChannel = (typeof promiseChannels)[number]

export const promiseStatuses = ['active', 'kept', 'broken', 'cancelled'] as const
export type PromiseStatus = (typeof promiseStatuses)[number]

export const planStatuses = ['active', 'completed', 'breached', 'cancelled'] as const
export type PlanStatus = (typeof planStatuses)[number]

/** Who made a plan or opened a dispute: a collector (o2c's user), the pay page, the API. */
export const collectionSources = ['collector', 'pay_page', 'api'] as const
export type CollectionSource = (typeof collectionSources)[number]

export const disputeCategories = [
  'price',
  'quantity',
  'quality',
  'not_delivered',
  'duplicate',
  'other',
] as const
export type DisputeCategory = (typeof disputeCategories)[number]

export const disputeStatuses = [
  'open',
  'investigating',
  'resolved',
  'rejected',
  'withdrawn',
] as const
export type DisputeStatus = (typeof disputeStatuses)[number]

export const activityKinds = ['call', 'note', 'task', 'confirmation'] as const
export type ActivityKind = (typeof activityKinds)[number]

export const collectionChargeKinds = ['collection_costs', 'interest'] as const
export type CollectionChargeKind = (typeof collectionChargeKinds)[number]

export type CollectionsTables = {
  customerCollection: {
    tenantId: string
    customerId: string
    doNotDun: Generated<boolean>
    doNotDunReason: string | null
    flags: Generated<string[]>
    dunningPolicyId: string | null
    payIntent: PayIntent | null
    payIntentNote: string | null
    payIntentAt: Date | null
    payIntentBy: string | null
    brokenPromises: Generated<number>
    lastBrokenPromiseOn: string | null
    updatedAt: Date
    version: Generated<number>
  }
  collectionSettings: {
    tenantId: string
    /** Channel → { from: 'HH:MM', to: 'HH:MM' } in the tenant's time zone. */
    quietHours: Json<Record<string, { from: string; to: string }>>
    promiseMaxDays: Generated<number>
    planMaxInstalments: Generated<number>
    planMinInstalmentMinor: Int8Default
    planGraceDays: Generated<number>
    promiseGraceDays: Generated<number>
    /** Dispute category → days. */
    disputeSlaDays: Json<Record<string, number>>
    updatedAt: Date
    version: Generated<number>
  }
  dunningPolicy: {
    tenantId: string
    id: string
    name: string
    description: Generated<string>
    priority: number
    /** PolicyRule in snake_case JSON (see 0022). */
    rule: Json<Record<string, unknown>>
    interestKind: ColumnType<PolicyInterestKind, PolicyInterestKind | undefined, PolicyInterestKind>
    active: Generated<boolean>
    createdAt: Date
    updatedAt: Date
    version: Generated<number>
  }
  dunningStep: {
    tenantId: string
    policyId: string
    position: number
    anchor: StepAnchor
    days: number
    channel: DunningChannel
    templateKey: string
    action: DunningAction
  }
  dunningTemplate: {
    tenantId: string
    templateKey: string
    language: 'nl' | 'en'
    audience: TemplateAudience
    channel: DunningChannel
    subject: Generated<string>
    body: string
    updatedAt: Date
    updatedBy: string
    version: Generated<number>
  }
  dunningRun: {
    tenantId: string
    id: string
    runDate: string
    dryRun: boolean
    status: 'running' | 'completed' | 'failed'
    report: Json<Record<string, unknown>>
    startedAt: Date
    completedAt: Date | null
    startedBy: string
  }
  dunningMessage: {
    tenantId: string
    id: string
    runId: string
    customerId: string
    policyId: string
    stepPosition: number
    channel: DunningChannel
    action: DunningAction
    templateKey: string
    language: 'nl' | 'en'
    audience: TemplateAudience
    currency: string
    openMinor: Int8
    itemCount: number
    status: ColumnType<DunningMessageStatus, DunningMessageStatus | undefined, DunningMessageStatus>
    sendAfter: Date
    recipient: string | null
    providerMessageId: string | null
    failure: string | null
    printBatchId: string | null
    createdAt: Date
    sentAt: Date | null
  }
  dunningItem: {
    tenantId: string
    invoiceId: string
    customerId: string
    policyId: string
    level: Generated<number>
    lastStepOn: string | null
    lastMessageId: string | null
    costsChargeableFrom: string | null
    recoverySince: string | null
    updatedAt: Date
  }
  dunningItemStep: {
    tenantId: string
    invoiceId: string
    stepPosition: number
    messageId: string
    openMinor: Int8
    doneOn: string
  }
  dunningPrintBatch: {
    tenantId: string
    id: string
    runId: string
    letterCount: number
    pdf: Buffer | null
    sha256: string | null
    createdAt: Date
  }
  collectionCharge: {
    tenantId: string
    id: string
    customerId: string
    invoiceId: string
    kind: CollectionChargeKind
    amountMinor: Int8
    currency: string
    chargedOn: string
    periodFrom: string | null
    periodTo: string | null
    basis: Json<Record<string, unknown>>
    messageId: string | null
    journalEntryId: string
    reversesChargeId: string | null
    createdAt: Date
    createdBy: string
  }
  promiseToPay: {
    tenantId: string
    id: string
    customerId: string
    amountMinor: Int8
    currency: string
    promisedOn: string
    channel: PromiseChannel
    status: ColumnType<PromiseStatus, PromiseStatus | undefined, PromiseStatus>
    paidMinor: Int8Default
    note: string | null
    madeAt: Date
    madeBy: string
    closedAt: Date | null
    version: Generated<number>
  }
  promiseToPayItem: {
    tenantId: string
    promiseId: string
    invoiceId: string
    amountMinor: Int8
  }
  paymentPlan: {
    tenantId: string
    id: string
    customerId: string
    currency: string
    totalMinor: Int8
    status: ColumnType<PlanStatus, PlanStatus | undefined, PlanStatus>
    graceDays: number
    source: CollectionSource
    note: string | null
    createdAt: Date
    createdBy: string
    closedAt: Date | null
    closedReason: string | null
    version: Generated<number>
  }
  paymentPlanItem: {
    tenantId: string
    planId: string
    invoiceId: string
    amountMinor: Int8
  }
  paymentPlanInstalment: {
    tenantId: string
    planId: string
    position: number
    dueOn: string
    amountMinor: Int8
    paidMinor: Int8Default
  }
  dispute: {
    tenantId: string
    id: string
    number: string
    invoiceId: string
    customerId: string
    category: DisputeCategory
    disputedMinor: Int8
    currency: string
    description: string
    status: ColumnType<DisputeStatus, DisputeStatus | undefined, DisputeStatus>
    owner: string | null
    slaDueOn: string
    openedVia: CollectionSource
    openedAt: Date
    openedBy: string
    resolutionNote: string | null
    rootCause: string | null
    creditNoteId: string | null
    closedAt: Date | null
    closedBy: string | null
    version: Generated<number>
  }
  disputeLine: {
    tenantId: string
    disputeId: string
    /** The invoice line by its key (invoice, line number): 0026. */
    invoiceId: string
    lineNumber: number
    disputedMinor: Int8
    /** numeric(18,6) as a string. */
    quantity: string | null
  }
  /** 0026: the last dispute number given per tenant and year. */
  disputeNumberCounter: {
    tenantId: string
    year: number
    lastNumber: number
  }
  disputeAttachment: {
    tenantId: string
    id: string
    disputeId: string
    fileName: string
    contentType: string
    sizeBytes: number
    sha256: string
    content: Buffer
    addedAt: Date
    addedBy: string
  }
  collectionActivity: {
    tenantId: string
    id: string
    customerId: string
    kind: ActivityKind
    outcome: string | null
    note: string | null
    taskStatus: 'open' | 'done' | 'cancelled' | null
    dueOn: string | null
    assignedTo: string | null
    messageId: string | null
    invoiceId: string | null
    occurredAt: Date
    recordedBy: string
  }
  sepaMandate: {
    tenantId: string
    id: string
    customerId: string
    mandateReference: string
    scheme: ColumnType<'CORE' | 'B2B', 'CORE' | 'B2B' | undefined, 'CORE' | 'B2B'>
    iban: string
    bic: string | null
    debtorName: string
    signedOn: string
    firstCollectedOn: string | null
    status: ColumnType<'active' | 'revoked', 'active' | 'revoked' | undefined, 'active' | 'revoked'>
    createdAt: Date
    version: Generated<number>
  }
  directDebitBatch: {
    tenantId: string
    id: string
    messageId: string
    collectionDate: string
    creditorId: string
    itemCount: number
    totalMinor: Int8
    currency: Generated<string>
    pain008: string
    createdAt: Date
    createdBy: string
  }
  directDebitItem: {
    tenantId: string
    batchId: string
    invoiceId: string
    mandateId: string
    endToEndId: string
    amountMinor: Int8
    sequenceType: 'FRST' | 'RCUR'
    status: ColumnType<
      'submitted' | 'collected' | 'returned',
      'submitted' | 'collected' | 'returned' | undefined,
      'submitted' | 'collected' | 'returned'
    >
    returnReason: string | null
  }
}
