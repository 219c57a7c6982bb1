import pino, { type Logger } from 'pino'
import type { Config } from './config.js'
import { systemClock } from './db/context.js'
import { migrate } from './db/migrate.js'
import { openStore } from './db/store.js'
import type { Platform } from './platform.js'

/** Opens the store named by the configuration, brings its schema up to date, and logs. */
export async function openPlatform(
  config: Config,
  command: string,
  log: Logger = pino({ level: config.LOG_LEVEL }),
): Promise<Platform> {
  const store = await openStore({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.O2C_DATA_DIR,
    command,
    poolSize: config.O2C_POOL_SIZE,
  })
  try {
    const applied = await migrate(store)
    if (applied.length > 0) log.info({ migrations: applied }, 'applied migrations')
  } catch (error) {
    await store.close()
    throw error
  }
  return { store, clock: systemClock, log }
}
