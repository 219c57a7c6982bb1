import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Store } from './store.js'

// Forward-only SQL migrations: src/db/migrations/NNNN_what_it_does.sql, applied in order,
// each in its own transaction together with its row in schema_migration. A session advisory
// lock keeps two processes that start at once on PostgreSQL from applying the same file twice.

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'migrations')
const migrationLockKey = 742_017_001

export type Migration = { version: number; name: string; sql: string }

export function migrationFiles(): Migration[] {
  return readdirSync(migrationsDir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: readFileSync(join(migrationsDir, file), 'utf8'),
    }))
}

/** Applies the migrations not yet applied; returns the names of those it applied. */
export async function migrate(store: Store): Promise<string[]> {
  return store.withScriptConnection(async (run) => {
    await run(`select pg_advisory_lock(${migrationLockKey})`)
    try {
      await run(`create table if not exists schema_migration (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now())`)
      const rows = await run('select version from schema_migration')
      const applied = new Set(rows.map((row) => Number(row.version)))
      const done: string[] = []
      for (const migration of migrationFiles()) {
        if (applied.has(migration.version)) continue
        try {
          await run(
            `begin;\n${migration.sql}\n;insert into schema_migration (version, name) ` +
              `values (${migration.version}, '${migration.name}');\ncommit;`,
          )
        } catch (error) {
          await run('rollback')
          throw new Error(`Migration ${migration.version}_${migration.name} failed: ${error}`)
        }
        done.push(`${migration.version}_${migration.name}`)
      }
      return done
    } finally {
      await run(`select pg_advisory_unlock(${migrationLockKey})`)
    }
  })
}
