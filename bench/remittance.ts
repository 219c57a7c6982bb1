import { inTenant } from '../src/db/context.js'
import { migrate } from '../src/db/migrate.js'
import { openStore } from '../src/db/store.js'
import { createTenant } from '../src/modules/auth/index.js'
import { openRemittanceAdvices, receiveRemittanceFile } from '../src/modules/cashapp/index.js'
import { completeAdvice } from '../src/modules/cashapp/remittance/advice.js'
import { parseAdviceCsv } from '../src/modules/cashapp/remittance/csv.js'
import type { Benchmark, Figure } from './harness.js'

// Remittance advices: how fast a file is received (parsed, stored with its lines, audited and
// announced, one transaction per file as `o2c cashapp remittance` does), how long the
// matching's loader takes for all open advices, and how fast one large export is read.

const advicesToReceive = Number(process.env.BENCH_ADVICES ?? 2_000)
const linesPerAdvice = 3
const largeAdviceLines = 10_000

export const remittance: Benchmark = {
  name: 'remittance advices',
  async run(store) {
    const db = await openStore(store.options)
    try {
      await migrate(db)
      const tenant = await createTenant(db, { slug: 'bench', name: 'Benchmark B.V.' }, 'bench')
      const scope = {
        tenantId: tenant.tenantId,
        timeZone: tenant.timeZone,
        actor: { type: 'system' as const, id: null, name: 'bench' },
      }
      const started = process.hrtime.bigint()
      for (let n = 0; n < advicesToReceive; n++) {
        const bytes = Buffer.from(adviceCsv(n))
        await inTenant(db, scope, (ctx) =>
          receiveRemittanceFile(ctx, { fileName: `advice-${n}.csv`, bytes }),
        )
      }
      const receiving = Number(process.hrtime.bigint() - started) / 1e9

      const loadStarted = process.hrtime.bigint()
      const open = await inTenant(db, scope, (ctx) => openRemittanceAdvices(ctx))
      const loading = Number(process.hrtime.bigint() - loadStarted) / 1e6
      if (open.length !== advicesToReceive) throw new Error(`loaded ${open.length} advices`)

      const large = largeCsv(largeAdviceLines)
      const parseStarted = process.hrtime.bigint()
      const draft = completeAdvice(
        parseAdviceCsv(large, 'large.csv'),
        {},
        { currency: 'EUR', date: '2026-03-01' },
        'large.csv',
      )
      const parsing = Number(process.hrtime.bigint() - parseStarted) / 1e6
      if (draft.lines.length !== largeAdviceLines) throw new Error('large advice misread')

      const figures: Figure[] = [
        {
          measure: `advices received (CSV, ${linesPerAdvice} lines, one transaction each)`,
          value: advicesToReceive / receiving,
          unit: 'advices/s',
        },
        {
          measure: `openRemittanceAdvices, ${advicesToReceive} open advices`,
          value: loading,
          unit: 'ms',
        },
        {
          measure: `one CSV advice of ${largeAdviceLines} lines parsed (${Math.round(large.length / 1024)} kB)`,
          value: parsing,
          unit: 'ms',
        },
      ]
      return figures
    } finally {
      await db.close()
    }
  },
}

function adviceCsv(n: number): string {
  const lines = Array.from(
    { length: linesPerAdvice },
    (_, i) =>
      `INV-2026-${String(n * linesPerAdvice + i).padStart(6, '0')};${100 + i},${String(n % 100).padStart(2, '0')}`,
  )
  return [`Betaler;Klant ${n} B.V.`, 'Factuurnummer;Bedrag', ...lines].join('\n')
}

function largeCsv(count: number): string {
  const rows = Array.from(
    { length: count },
    // Dutch notation with thousands: 1.000,00 … 10.999,99.
    (_, i) =>
      `INV-2026-${String(i).padStart(6, '0')};01-03-2026;` +
      `${1 + Math.floor(i / 1000)}.${String(i % 1000).padStart(3, '0')},${String(i % 100).padStart(2, '0')}`,
  )
  return ['Factuurnummer;Factuurdatum;Bedrag', ...rows].join('\n')
}
