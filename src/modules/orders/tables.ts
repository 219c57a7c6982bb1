// The orders module's tables, as Kysely sees them (camelCase).
export type OrderTables = {}
