import type { PGlite } from '@electric-sql/pglite'

// Kysely's PostgresDialect talks to a `pg`-style pool. PGlite is one connection in this
// process, so this pool hands out that one connection to one holder at a time: a transaction
// keeps it until it commits, and everyone else queues. That is how API and worker share one
// PGlite connection without interleaving their transactions.

type QueryResult = { command: string; rowCount: number; rows: unknown[] }

type PoolClient = {
  query(sql: string, parameters: readonly unknown[]): Promise<QueryResult>
  release(): void
}

export function pgliteAsPool(database: PGlite) {
  const waiting: Array<() => void> = []
  let busy = false

  const client: PoolClient = {
    async query(sql, parameters) {
      const result = await database.query(sql, parameters as unknown[])
      const changed = result.affectedRows !== undefined && result.affectedRows > 0
      // Kysely reads numAffectedRows only when the command is a write.
      return {
        command: changed ? 'UPDATE' : 'SELECT',
        rowCount: result.affectedRows ?? result.rows.length,
        rows: result.rows,
      }
    },
    release() {
      const next = waiting.shift()
      if (next) next()
      else busy = false
    },
  }

  return {
    async connect(): Promise<PoolClient> {
      // Code inside a transaction must use ctx.db: asking the store for a second connection
      // there would wait for itself forever.
      if (busy) await new Promise<void>((resolve) => waiting.push(resolve))
      busy = true
      return client
    },
    async end(): Promise<void> {},
  }
}
