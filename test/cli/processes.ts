import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import pg from 'pg'
import { afterAll } from 'vitest'
import { databaseUrl, testPostgresUrl, testStoreKind } from '../stores.js'

// Helpers for tests that run the real `o2c` command (node bin/o2c.js) in child processes on
// a data folder of their own. PGlite takes ~3 s to create a folder and ~1 s to open one, so
// these tests get generous timeouts.

export const repoRoot = resolve(import.meta.dirname, '../..')
const bin = join(repoRoot, 'bin/o2c.js')

/** A fresh, empty data folder, removed after the file. */
export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'o2c-cli-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'data')
}

let databaseCounter = 0

/**
 * Where a CLI test keeps its data: a fresh data folder on PGlite, and in the PostgreSQL run a
 * fresh, empty database too (given to the children as DATABASE_URL; o2c migrates it). Tests
 * of the data folder itself (lock, npm start) use tempDataDir() alone.
 */
export async function cliStore(): Promise<{ dataDir: string; env: Record<string, string> }> {
  const dataDir = tempDataDir()
  if (testStoreKind !== 'postgres') return { dataDir, env: {} }
  const name = `o2c_cli_${process.pid}_${Date.now()}_${++databaseCounter}`
  const admin = new pg.Client({ connectionString: testPostgresUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  afterAll(async () => {
    const cleanup = new pg.Client({ connectionString: testPostgresUrl })
    await cleanup.connect()
    await cleanup.query(`drop database if exists ${name} with (force)`)
    await cleanup.end()
  })
  return { dataDir, env: { DATABASE_URL: databaseUrl(name) } }
}

/** The environment of a child: this one minus anything that would point it elsewhere. */
export function childEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const name of ['DATABASE_URL', 'O2C_TENANT', 'PORT', 'O2C_TEST_STORE', 'NODE_OPTIONS']) {
    delete env[name]
  }
  return { ...env, O2C_DATA_DIR: dataDir, LOG_LEVEL: 'info', ...extra }
}

export type Finished = {
  code: number | null
  signal: string | null
  stdout: string
  stderr: string
}

/** Runs `o2c …args` to the end (no stdin, as in CI). */
export function o2c(
  args: string[],
  dataDir: string,
  extraEnv: Record<string, string> = {},
): Promise<Finished> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { cwd: repoRoot, env: childEnv(dataDir, extraEnv), timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0
        done({ code, signal: child.signalCode, stdout, stderr })
      },
    )
    child.stdin?.end()
  })
}

export type Server = {
  child: ChildProcess
  pid: number
  url: string
  /** Everything the process wrote to stdout so far. */
  stdout(): string
  stderr(): string
  /** Resolves with the exit code (or the signal) when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * Starts a server and waits until it says it is up. `command` is the argv after node
 * (default `bin/o2c.js serve`); `npm start` is started through npm itself.
 */
export async function startServer(
  dataDir: string,
  options: { npmStart?: boolean; env?: Record<string, string> } = {},
): Promise<Server> {
  const env = childEnv(dataDir, { PORT: '0', ...options.env })
  // detached: its own process group, so a signal reaches npm and the node under it alike.
  const child = options.npmStart
    ? spawn('npm', ['start', '--silent'], {
        cwd: repoRoot,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(process.execPath, [bin, 'serve'], {
        cwd: repoRoot,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk) => {
    stdout += chunk
  })
  child.stderr?.on('data', (chunk) => {
    stderr += chunk
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  )
  // Whatever the test did, nothing of the group may outlive the file: npm may have exited
  // while the node under it still runs, so the whole group is killed, not only the child.
  afterAll(() => killGroup(child, 'SIGKILL'))
  const deadline = Date.now() + 60_000
  for (;;) {
    const up = stdout
      .split('\n')
      .map(parseLogLine)
      .find((line) => line?.msg === 'o2c is up')
    if (up) {
      await waitForOutputToSettle()
      return {
        child,
        pid: up.pid as number,
        url: up.url as string,
        stdout: () => stdout,
        stderr: () => stderr,
        exited,
      }
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`the server did not come up (exit ${child.exitCode}):\n${stdout}\n${stderr}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Sends a signal to the server's whole process group (npm, its shell and node). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-(child.pid as number), signal)
  } catch {
    // already gone
  }
}

function parseLogLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined
  try {
    return JSON.parse(line)
  } catch {
    return undefined
  }
}

const waitForOutputToSettle = () => new Promise((r) => setTimeout(r, 100))
