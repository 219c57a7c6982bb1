import { createReadStream } from 'node:fs'
import pino from 'pino'
import { tenantScope } from '../src/cli/tenant-scope.js'
import { inTenant, systemClock } from '../src/db/context.js'
import { openStore, type StoreOptions } from '../src/db/store.js'
import { importOpenItems } from '../src/modules/invoicing/index.js'
import '../src/modules.js'

// One open-items import in a process of its own, so that its peak memory is its own.
// Prints one JSON line: the summary's counts, the seconds it took and the peak RSS.

type Job = { options: StoreOptions; tenant: string; file: string }

const job = JSON.parse(process.argv[2]) as Job
const store = await openStore({ ...job.options, command: 'bench open items import' })
const platform = { store, clock: systemClock, log: pino({ level: 'silent' }) }
try {
  const scope = await tenantScope(platform, job.tenant)
  const started = process.hrtime.bigint()
  const summary = await inTenant(store, scope, (ctx) =>
    importOpenItems(ctx, () => createReadStream(job.file)),
  )
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  process.stdout.write(
    `${JSON.stringify({
      rows: summary.rows,
      imported: summary.imported,
      rejectedRows: summary.rejectedRows,
      journalEntries: summary.journalEntries,
      problems: summary.problems.slice(0, 3),
      seconds,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  )
} finally {
  await store.close()
}
