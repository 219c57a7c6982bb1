export type AuditTables = {
  auditChain: { tenantId: string; lastSeq: bigint; lastHash: string }
  auditEvent: {
    tenantId: string
    seq: bigint
    id: string
    occurredAt: Date
    actorType: string
    actorId: string | null
    actorName: string
    entityType: string
    entityId: string
    action: string
    before: unknown
    after: unknown
    requestId: string | null
    prevHash: string
    hash: string
  }
}
