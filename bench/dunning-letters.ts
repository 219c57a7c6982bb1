import { performance } from 'node:perf_hooks'
import { type Ctx, inTenant, type TenantScope } from '../src/db/context.js'
import { migrate } from '../src/db/migrate.js'
import { openStore, type Store } from '../src/db/store.js'
import { createTenant } from '../src/modules/auth/index.js'
import { buildPrintBatch, renderDunningMessage } from '../src/modules/collections/index.js'
import {
  arrangeCustomerWithInvoices,
  arrangeDunningMessage,
} from '../src/modules/collections/messages/test-helpers.js'
import type { Benchmark, BenchStore, Figure } from './harness.js'

// `npm run bench -- dunning-letters`: dunning messages rendered per second (an e-mail: text
// and HTML; a letter: text and its A4 PDF with the letterhead), each with its template
// resolved, its items and the customer read, and the pay link made; and the print batch of a
// run of BENCH_LETTERS (default 1,000) letters: every letter rendered and merged into one PDF,
// stored with its hash. One core, in this process.

const letters = Number(process.env.BENCH_LETTERS ?? 1_000)
const rendersTimed = Math.min(200, letters)

export const dunningLetters: Benchmark = {
  name: 'dunning-letters',
  async run(bench: BenchStore): Promise<Figure[]> {
    const store = await openStore(bench.options)
    try {
      await migrate(store)
      return await measure(store)
    } finally {
      await store.close()
    }
  },
}

async function measure(store: Store): Promise<Figure[]> {
  const tenant = await createTenant(store, { slug: 'dunning' }, 'bench')
  const scope: TenantScope = {
    tenantId: tenant.tenantId,
    timeZone: tenant.timeZone,
    actor: { type: 'system', id: null, name: 'bench' },
  }
  const run = <T>(work: (ctx: Ctx) => Promise<T>) => inTenant(store, scope, work)

  // A letter for every customer in one run; an e-mail for some in another.
  const letterIds: string[] = []
  const emailIds: string[] = []
  let letterRunId = ''
  for (let start = 0; start < letters; start += 100) {
    await run(async (ctx) => {
      for (let n = start; n < Math.min(start + 100, letters); n++) {
        const { customer, invoices } = await arrangeCustomerWithInvoices(
          ctx,
          n % 2 === 0 ? { segment: 'consumer', vatId: null } : { segment: 'small_business' },
          [
            { netMinor: BigInt(100_00 + n), issueDate: '2026-01-05' },
            { netMinor: BigInt(250_00 + n), issueDate: '2026-01-05', netDays: 20 },
          ],
        )
        const letter = await arrangeDunningMessage(ctx, {
          customer,
          invoices,
          runDate: '2026-03-02',
          channel: 'letter',
          templateKey: n % 3 === 0 ? 'fourteen_day_letter' : 'formal_reminder',
        })
        letterIds.push(letter.messageId)
        letterRunId = letter.runId
        if (n < rendersTimed) {
          const email = await arrangeDunningMessage(ctx, {
            customer,
            invoices,
            runDate: '2026-03-03',
            channel: 'email',
            templateKey: 'friendly_reminder',
            stepPosition: 2,
          })
          emailIds.push(email.messageId)
        }
      }
    })
  }

  const rate = async (ids: string[]) => {
    await run(async (ctx) => {
      for (const id of ids.slice(0, 10)) await renderDunningMessage(ctx, id)
    })
    const started = performance.now()
    await run(async (ctx) => {
      for (const id of ids) await renderDunningMessage(ctx, id)
    })
    return ids.length / ((performance.now() - started) / 1000)
  }
  const emailsPerSecond = await rate(emailIds)
  const lettersPerSecond = await rate(letterIds.slice(0, rendersTimed))

  const started = performance.now()
  const batch = await run((ctx) => buildPrintBatch(ctx, letterRunId))
  const batchSeconds = (performance.now() - started) / 1000
  const size = await run((ctx) =>
    ctx.db
      .selectFrom('dunningPrintBatch')
      .select((eb) => eb.fn<number>('octet_length', ['pdf']).as('bytes'))
      .executeTakeFirstOrThrow(),
  )
  return [
    { measure: 'e-mail messages rendered (text + HTML)', value: emailsPerSecond, unit: 'msg/s' },
    { measure: 'letters rendered (text + PDF)', value: lettersPerSecond, unit: 'msg/s' },
    {
      measure: `print batch of ${batch?.letterCount ?? 0} letters`,
      value: batchSeconds,
      unit: 's',
    },
    { measure: 'print batch size', value: Number(size.bytes) / 1024 / 1024, unit: 'MB' },
  ]
}
