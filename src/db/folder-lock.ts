import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { domainError } from '../core/errors.js'

// PGlite takes no lock of its own, and two processes that open one data folder leave it
// unopenable. o2c therefore holds an exclusive lock file in the folder for as long as the
// store is open. The file names the holder's pid, so a lock left behind by a process that
// died (kill -9) is recognised as stale and taken over instead of blocking forever.

export type FolderLock = { release(): void }

export type LockHolder = { pid: number; command: string; url?: string; since: string }

const lockFileName = 'o2c.lock'

export function lockDataFolder(dataDir: string, command: string): FolderLock {
  mkdirSync(dataDir, { recursive: true })
  const path = join(dataDir, lockFileName)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx')
      const holder: LockHolder = { pid: process.pid, command, since: new Date().toISOString() }
      writeSync(fd, JSON.stringify(holder))
      closeSync(fd)
      return { release: () => releaseIfOurs(path) }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = readHolder(path)
      if (holder && isAlive(holder.pid)) throw lockedError(dataDir, holder)
      rmSync(path, { force: true }) // stale: its process is gone
    }
  }
  throw domainError('store.locked', `Could not lock the data folder ${dataDir}`, { dataDir })
}

/** Who holds the data folder now, if anyone alive does. */
export function dataFolderHolder(dataDir: string): LockHolder | undefined {
  const path = join(dataDir, lockFileName)
  if (!existsSync(path)) return undefined
  const holder = readHolder(path)
  return holder && isAlive(holder.pid) ? holder : undefined
}

/** Lets the server note its URL in the lock, so other commands can point the user at it. */
export function recordServerUrl(dataDir: string, url: string): void {
  const path = join(dataDir, lockFileName)
  const holder = readHolder(path)
  if (holder?.pid !== process.pid) return
  const fd = openSync(path, 'w')
  writeSync(fd, JSON.stringify({ ...holder, url }))
  closeSync(fd)
}

function releaseIfOurs(path: string): void {
  const holder = readHolder(path)
  if (holder?.pid === process.pid) rmSync(path, { force: true })
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function lockedError(dataDir: string, holder: LockHolder) {
  const where = holder.url ? ` It serves the API at ${holder.url}; use that instead.` : ''
  return domainError(
    'store.locked',
    `The data folder ${dataDir} is in use by o2c ${holder.command} (pid ${holder.pid}) since ` +
      `${holder.since}.${where} Stop it first to run this command on the folder directly.`,
    { dataDir, pid: holder.pid, url: holder.url },
  )
}
