import { createReadStream } from 'node:fs'
import { basename } from 'node:path'
import pino from 'pino'
import { tenantScope } from '../src/cli/tenant-scope.js'
import { inTenant, systemClock } from '../src/db/context.js'
import { openStore, type StoreOptions } from '../src/db/store.js'
import { importBankFile } from '../src/modules/cashapp/index.js'
import '../src/modules.js'

// One bank-file import in a process of its own, so that its memory is its own. Prints one
// JSON line: entries, seconds, the RSS at rest (store open, before the import) and the peak
// RSS during the import (sampled every 50 ms, and the process's own maximum).

type Job = { options: StoreOptions; tenant: string; file: string }

const job = JSON.parse(process.argv[2]) as Job
const store = await openStore({ ...job.options, command: 'bench bank import' })
const platform = { store, clock: systemClock, log: pino({ level: 'silent' }) }
const mb = (bytes: number) => bytes / 2 ** 20
try {
  const scope = await tenantScope(platform, job.tenant)
  globalThis.gc?.()
  const restRss = process.memoryUsage().rss
  let peakRss = restRss
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
  }, 50)
  const started = process.hrtime.bigint()
  try {
    const summary = await inTenant(store, scope, (ctx) =>
      importBankFile(ctx, createReadStream(job.file), { fileName: basename(job.file) }),
    )
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    clearInterval(sampler)
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
    process.stdout.write(
      `${JSON.stringify({
        entries: summary.entries,
        entriesNew: summary.entriesNew,
        seconds,
        restRssMb: mb(restRss),
        peakRssMb: mb(peakRss),
      })}\n`,
    )
  } catch (error) {
    clearInterval(sampler)
    process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`)
  }
} finally {
  await store.close()
}
