import type { StoreKind } from '../src/db/store.js'

// Which store the suite runs on, and where PostgreSQL is. CI runs the suite once for each.
export const testStoreKind: StoreKind =
  process.env.O2C_TEST_STORE === 'postgres' ? 'postgres' : 'pglite'

export const testPostgresUrl =
  process.env.O2C_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export function databaseUrl(database: string): string {
  const url = new URL(testPostgresUrl)
  url.pathname = `/${database}`
  return url.toString()
}
