import { createReadStream } from 'node:fs'
import pino from 'pino'
import { tenantScope } from '../src/cli/tenant-scope.js'
import { inTenant, systemClock } from '../src/db/context.js'
import { openStore, type StoreOptions } from '../src/db/store.js'
import { importCustomers } from '../src/modules/customers/index.js'
// Every module, as `o2c customers import` loads them: the credit module takes the file's
// credit limits (limit decisions, four eyes), so they are part of the measured import.
import '../src/modules.js'

// One import in a process of its own, so that its peak memory is its own. Prints one JSON
// line: the summary, the seconds the import took, and the process's resident memory.

type Job = { options: StoreOptions; tenant: string; file: string }

const job = JSON.parse(process.argv[2]) as Job
const store = await openStore({ ...job.options, command: 'bench customers import' })
const platform = { store, clock: systemClock, log: pino({ level: 'silent' }) }
try {
  const rssAtRestMb = process.memoryUsage().rss / 2 ** 20
  const scope = await tenantScope(platform, job.tenant)
  const started = process.hrtime.bigint()
  const summary = await inTenant(store, scope, (ctx) =>
    importCustomers(ctx, () => createReadStream(job.file)),
  )
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  process.stdout.write(
    `${JSON.stringify({
      rows: summary.rows,
      created: summary.created,
      updated: summary.updated,
      unchanged: summary.unchanged,
      rejectedRows: summary.rejectedRows,
      creditLimits: summary.creditLimits,
      creditLimitsApplied: summary.creditLimitsApplied,
      creditLimitsAwaitingApproval: summary.creditLimitsAwaitingApproval,
      creditLimitsUnchanged: summary.creditLimitsUnchanged,
      creditLimitsSkipped: summary.creditLimitsSkipped.length,
      seconds,
      rssAtRestMb,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  )
} finally {
  await store.close()
}
