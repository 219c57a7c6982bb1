// The credit module's tables, as Kysely sees them (camelCase).
export type CreditTables = {}
