import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { DomainError } from '../core/errors.js'
import { dataFolderHolder, lockDataFolder, recordServerUrl } from './folder-lock.js'

// The folder lock on its own, with lock files written by hand for the cases that are hard to
// stage with real processes. test/cli/serve-and-lock.test.ts proves it with real ones.

const folders: string[] = []
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'o2c-lock-'))
  folders.push(dir)
  return dir
}

const lockFile = (dir: string) => join(dir, 'o2c.lock')
const readLock = (dir: string) => JSON.parse(readFileSync(lockFile(dir), 'utf8'))

/** The pid of a process that has ended. */
function deadPid(): number {
  return Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']))
}

function lockedBy(dir: string, command: string): DomainError {
  try {
    lockDataFolder(dir, command)
  } catch (error) {
    if (error instanceof DomainError) return error
    throw error
  }
  throw new Error('the folder was locked a second time')
}

describe('the data folder lock', () => {
  test('names its holder, and is released only by it', () => {
    const dir = folder()
    const lock = lockDataFolder(dir, 'serve')
    expect(readLock(dir)).toMatchObject({ pid: process.pid, command: 'serve', host: hostname() })
    expect(dataFolderHolder(dir)?.pid).toBe(process.pid)
    recordServerUrl(dir, 'http://127.0.0.1:3000')
    expect(readLock(dir).url).toBe('http://127.0.0.1:3000')
    lock.release()
    expect(existsSync(lockFile(dir))).toBe(false)
    expect(dataFolderHolder(dir)).toBeUndefined()
  })

  test('refuses a second holder in this process', () => {
    const dir = folder()
    const lock = lockDataFolder(dir, 'serve')
    expect(lockedBy(dir, 'tenants list').code).toBe('store.locked')
    lock.release()
  })

  test('refuses while a live process holds it, naming its pid and URL', () => {
    const dir = folder()
    // Our parent (vitest) is alive; a lock in its name without a start time cannot be doubted.
    const holder = {
      pid: process.ppid,
      command: 'serve',
      since: '2026-03-01T09:00:00Z',
      url: 'http://127.0.0.1:3999',
    }
    writeFileSync(lockFile(dir), JSON.stringify(holder))
    const error = lockedBy(dir, 'tenants list')
    expect(error.message).toContain(`pid ${process.ppid}`)
    expect(error.message).toContain('http://127.0.0.1:3999')
    expect(readLock(dir)).toEqual(holder)
  })

  test.each`
    case                                                      | holder
    ${'its process has ended'}                                | ${() => ({ pid: deadPid() })}
    ${'it carries our pid but not from this process (reuse)'} | ${() => ({ pid: process.pid })}
    ${'its pid now belongs to a process started later'}       | ${() => ({ pid: process.ppid, bootId: bootId(), startTicks: '1' })}
    ${'it is from an earlier boot'}                           | ${() => ({ pid: process.ppid, bootId: 'another-boot', startTicks: '1' })}
  `('takes over a stale lock: $case', ({ holder }) => {
    if (holder().bootId !== undefined && !bootId()) return // no /proc here: nothing to compare
    const dir = folder()
    writeFileSync(
      lockFile(dir),
      JSON.stringify({
        command: 'serve',
        since: '2026-03-01T09:00:00Z',
        host: hostname(),
        ...holder(),
      }),
    )
    const lock = lockDataFolder(dir, 'tenants list')
    expect(readLock(dir)).toMatchObject({ pid: process.pid, command: 'tenants list' })
    lock.release()
  })

  test('takes over a lock file that is not a lock (edited by hand)', () => {
    const dir = folder()
    writeFileSync(lockFile(dir), 'not json')
    const lock = lockDataFolder(dir, 'migrate')
    expect(readLock(dir).pid).toBe(process.pid)
    lock.release()
  })

  test('leaves a lock alone that another host holds', () => {
    const dir = folder()
    writeFileSync(
      lockFile(dir),
      JSON.stringify({
        pid: deadPid(),
        command: 'serve',
        since: '2026-03-01T09:00:00Z',
        host: 'elsewhere',
      }),
    )
    expect(lockedBy(dir, 'tenants list').message).toContain('on elsewhere')
  })
})

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  } catch {
    return undefined
  }
}
