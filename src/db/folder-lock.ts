import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { hostname } from 'node:os'
import { resolve } from 'node:path'
import { domainError } from '../core/errors.js'

// PGlite takes no lock of its own, and two processes that open one data folder leave it
// unopenable. o2c therefore holds an exclusive lock file in the folder for as long as the
// store is open. The file names the holder (pid, host, and the process's start time), so a
// lock left behind by a process that died (kill -9, power cut) is recognised as stale and
// taken over instead of blocking forever.
//
// Three races are closed here:
// - The lock file appears with its whole content at once (written aside, then hard-linked
//   into place), so nobody ever reads a half-written lock and mistakes it for a stale one.
// - Taking over a stale lock is itself guarded by a second file, so two processes that find
//   the same stale lock cannot both remove it and both believe they hold the folder.
// - A pid can be reused: in a container o2c often gets the same pid after a restart, and on a
//   host another program may get it. A holder counts as alive only if a process with that
//   pid exists and, where /proc tells us, it started when the holder did.

export type FolderLock = { release(): void }

export type LockHolder = {
  pid: number
  command: string
  url?: string
  since: string
  host?: string
  /** Linux: the boot the holder ran in, and its start time in clock ticks since boot. */
  bootId?: string
  startTicks?: string
}

const lockFileName = 'o2c.lock'
// A takeover guard older than this was left by a process that died in the middle of one.
const takeoverGuardStaleMs = 10_000
const lockAttemptsMax = 100
const lockRetryMs = 20

// Folders this process holds, by absolute lock path: the same pid in a lock file is ours only
// if we took it in this life of the process.
const heldHere = new Set<string>()

export function lockDataFolder(dataDir: string, command: string): FolderLock {
  mkdirSync(dataDir, { recursive: true })
  const path = resolve(dataDir, lockFileName)
  if (heldHere.has(path)) {
    throw domainError(
      'store.locked',
      `The data folder ${dataDir} is already open in this process (pid ${process.pid})`,
      { dataDir, pid: process.pid },
    )
  }
  for (let attempt = 0; attempt < lockAttemptsMax; attempt++) {
    if (tryCreateLock(path, command)) {
      heldHere.add(path)
      return { release: () => releaseIfOurs(path) }
    }
    const raw = readRaw(path)
    if (raw === undefined) continue // released in between: try again at once
    const holder = parseHolder(raw)
    if (holder && isAlive(holder, path)) throw lockedError(dataDir, holder)
    if (!takeOverStale(path, raw)) sleepSync(lockRetryMs)
  }
  throw domainError('store.locked', `Could not lock the data folder ${dataDir}`, { dataDir })
}

/** Who holds the data folder now, if anyone alive does. */
export function dataFolderHolder(dataDir: string): LockHolder | undefined {
  const path = resolve(dataDir, lockFileName)
  const raw = readRaw(path)
  const holder = raw === undefined ? undefined : parseHolder(raw)
  return holder && isAlive(holder, path) ? holder : undefined
}

/** Lets the server note its URL in the lock, so other commands can point the user at it. */
export function recordServerUrl(dataDir: string, url: string): void {
  const path = resolve(dataDir, lockFileName)
  const raw = readRaw(path)
  const holder = raw === undefined ? undefined : parseHolder(raw)
  if (!holder || !isOurs(holder, path)) return
  const aside = `${path}.${process.pid}.url`
  writeFileSync(aside, JSON.stringify({ ...holder, url }))
  renameSync(aside, path) // atomic replace: readers see the old or the new lock, whole
}

function tryCreateLock(path: string, command: string): boolean {
  const holder: LockHolder = {
    pid: process.pid,
    command,
    since: new Date().toISOString(),
    host: hostname(),
    ...processIdentity(process.pid),
  }
  const aside = `${path}.${process.pid}.new`
  writeFileSync(aside, JSON.stringify(holder))
  try {
    linkSync(aside, path) // fails with EEXIST if anyone holds the lock
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    rmSync(aside, { force: true })
  }
}

/** Removes the stale lock `raw` unless someone else is taking it over; true if we did. */
function takeOverStale(path: string, raw: string): boolean {
  const guard = `${path}.takeover`
  let fd: number
  try {
    fd = openSync(guard, 'wx')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    if (ageMs(guard) > takeoverGuardStaleMs) rmSync(guard, { force: true })
    return false
  }
  try {
    // Only a takeover removes a lock that is not its own, and we hold the guard: if the file
    // still reads the same, it is still the stale one.
    if (readRaw(path) === raw) rmSync(path, { force: true })
    return true
  } finally {
    closeSync(fd)
    rmSync(guard, { force: true })
  }
}

function releaseIfOurs(path: string): void {
  const raw = readRaw(path)
  const holder = raw === undefined ? undefined : parseHolder(raw)
  if (holder && isOurs(holder, path)) rmSync(path, { force: true })
  heldHere.delete(path)
}

function isOurs(holder: LockHolder, path: string): boolean {
  return holder.pid === process.pid && heldHere.has(path)
}

function readRaw(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

function parseHolder(raw: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(raw) as LockHolder
    return typeof holder?.pid === 'number' ? holder : undefined
  } catch {
    return undefined // a lock file someone edited by hand: treat it as stale
  }
}

function isAlive(holder: LockHolder, path: string): boolean {
  // Another machine sharing the folder: we cannot look at its processes, so we assume it lives.
  if (holder.host && holder.host !== hostname()) return true
  // Our own pid: ours if we took it in this life of the process, else left by an earlier
  // process that had the same pid.
  if (holder.pid === process.pid) return heldHere.has(path)
  try {
    process.kill(holder.pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  if (holder.bootId && holder.startTicks) {
    const now = processIdentity(holder.pid)
    if (now.bootId && now.bootId !== holder.bootId) return false
    if (now.startTicks && now.startTicks !== holder.startTicks) return false
  }
  return true
}

/** Linux only: which boot this is and when the process started; {} elsewhere. */
function processIdentity(pid: number): { bootId?: string; startTicks?: string } {
  try {
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses; fields after it are plain.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { bootId, startTicks: fields[19] } // field 22 of the whole line
  } catch {
    return {}
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs
  } catch {
    return 0
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

function lockedError(dataDir: string, holder: LockHolder) {
  const where = holder.url ? ` It serves the API at ${holder.url}; use that instead.` : ''
  const host = holder.host && holder.host !== hostname() ? ` on ${holder.host}` : ''
  return domainError(
    'store.locked',
    `The data folder ${dataDir} is in use by o2c ${holder.command} (pid ${holder.pid}${host}) ` +
      `since ${holder.since}.${where} Stop it first to run this command on the folder directly.`,
    { dataDir, pid: holder.pid, url: holder.url },
  )
}
