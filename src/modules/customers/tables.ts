// The customers module's tables, as Kysely sees them (camelCase).
export type CustomerTables = {}
