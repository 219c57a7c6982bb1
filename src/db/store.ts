import { PGlite } from '@electric-sql/pglite'
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { type FolderLock, lockDataFolder } from './folder-lock.js'
import { pgliteAsPool } from './pglite-pool.js'
import type { Database } from './schema.js'

// The store is PGlite in a data folder by default, PostgreSQL when DATABASE_URL is set.
// Both speak the same SQL and return the same JavaScript types: bigint for int8 (money),
// 'YYYY-MM-DD' strings for dates (no time zone may shift a due date), Date for timestamptz.

export type StoreKind = 'pglite' | 'postgres'

export type Store = {
  readonly kind: StoreKind
  readonly db: Kysely<Database>
  /** Where the data lives, for messages: the folder or the database URL without password. */
  readonly location: string
  /**
   * Runs multi-statement SQL scripts (migrations) on one connection of its own, outside
   * Kysely. Returns the rows of each script's last statement.
   */
  withScriptConnection<T>(work: (run: ScriptRunner) => Promise<T>): Promise<T>
  close(): Promise<void>
}

export type ScriptRunner = (script: string) => Promise<Record<string, unknown>[]>

export type StoreOptions = {
  databaseUrl?: string
  dataDir?: string
  /** Names the process in the folder lock ("serve", "customers import"). */
  command?: string
  /** PostgreSQL pool size; PGlite always has one connection. */
  poolSize?: number
  /** A PGlite data dump to start from (tests load a migrated template this way). */
  loadDataDir?: Blob
}

const int8 = 20
const date = 1082
const numeric = 1700

export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10)
  return openPglite(options.dataDir ?? './.o2c', options.command ?? 'o2c', options.loadDataDir)
}

async function openPostgres(databaseUrl: string, poolSize: number): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolSize,
    types: {
      getTypeParser: ((oid: number, format?: string) => {
        if (oid === int8) return (value: string) => BigInt(value)
        if (oid === date) return (value: string) => value
        if (oid === numeric) return (value: string) => value
        return pg.types.getTypeParser(oid, format as 'text')
      }) as typeof pg.types.getTypeParser,
    },
  })
  // An idle connection the server closed (restart, failover) is dropped by the pool and
  // replaced on next use; without a listener the error would end the process.
  pool.on('error', () => {})
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
  })
  return {
    kind: 'postgres',
    db,
    location: databaseUrl.replace(/:[^:@/]*@/, ':***@'),
    async withScriptConnection(work) {
      const client = await pool.connect()
      try {
        return await work(async (script) => {
          const result = (await client.query(script)) as pg.QueryResult | pg.QueryResult[]
          return (Array.isArray(result) ? result[result.length - 1] : result).rows
        })
      } finally {
        client.release()
      }
    },
    async close() {
      // Kysely ends the pool only if it ever ran a query; a store that only migrated
      // (withScriptConnection) would keep its connection open and the process alive.
      await db.destroy()
      if (!pool.ending) await pool.end()
    },
  }
}

async function openPglite(dataDir: string, command: string, loadDataDir?: Blob): Promise<Store> {
  const inMemory = dataDir.startsWith('memory://')
  const lock: FolderLock | undefined = inMemory ? undefined : lockDataFolder(dataDir, command)
  let database: PGlite
  try {
    database = await PGlite.create(inMemory ? undefined : dataDir, {
      loadDataDir,
      parsers: {
        [int8]: (value: string) => BigInt(value),
        [date]: (value: string) => value,
        [numeric]: (value: string) => value,
      },
    })
  } catch (error) {
    lock?.release()
    throw error
  }
  const pool = pgliteAsPool(database)
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: pool as unknown as pg.Pool }),
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
  })
  let closed = false
  return {
    kind: 'pglite',
    db,
    location: inMemory ? 'memory://' : dataDir,
    async withScriptConnection(work) {
      const connection = await pool.connect() // waits its turn like any transaction
      try {
        return await work(async (script) => {
          const results = await database.exec(script)
          return (results[results.length - 1]?.rows ?? []) as Record<string, unknown>[]
        })
      } finally {
        connection.release()
      }
    },
    async close() {
      if (closed) return
      closed = true
      await pool.end() // lets the transaction in flight and those queued finish first
      await db.destroy()
      await database.close()
      lock?.release()
    },
    // Tests make a template dump through this handle.
    ...{ pglite: database },
  }
}

/** The PGlite instance behind a store, for dumping a template in tests. */
export function pgliteOf(store: Store): PGlite | undefined {
  return (store as Store & { pglite?: PGlite }).pglite
}
