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

export type PglitePool = {
  connect(): Promise<PoolClient>
  /**
   * Waits until every holder and everyone queued has released the connection, then refuses
   * new work. Closing the store this way lets a request or job in flight commit first.
   */
  end(): Promise<void>
}

export function pgliteAsPool(database: PGlite): PglitePool {
  const waiting: Array<() => void> = []
  let busy = false
  let ending: Promise<void> | undefined

  const client: PoolClient = {
    async query(sql, parameters) {
      const result = await database.query(sql, parameters.map(toPostgres))
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

  async function take(): Promise<PoolClient> {
    // Code inside a transaction must use ctx.db: asking the store for a second connection
    // there would wait for itself forever.
    if (busy) await new Promise<void>((resolve) => waiting.push(resolve))
    busy = true
    return client
  }

  return {
    async connect() {
      if (ending) throw new Error('The store is closed')
      return take()
    },
    end() {
      // Queue behind everyone already waiting, and never give the connection back.
      ending ??= take().then(() => undefined)
      return ending
    },
  }
}

// A parameter that makes its own text when the query is written, as pg allows
// (cashapp's bank import hands its batch so, to keep a large string short-lived).
function toPostgres(parameter: unknown): unknown {
  const custom = parameter as { toPostgres?: () => unknown } | null
  return typeof custom?.toPostgres === 'function' ? custom.toPostgres() : parameter
}
