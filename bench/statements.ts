import {
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  PostgresQueryCompiler,
} from 'kysely'
import { inTenant } from '../src/db/context.js'
import { migrate } from '../src/db/migrate.js'
import { openStore } from '../src/db/store.js'
import { createTenant } from '../src/modules/auth/index.js'
import { createInvoiceDraft, issueInvoice } from '../src/modules/invoicing/index.js'
import {
  arrangeBillingSettings,
  arrangeCustomer,
  dec,
  line,
} from '../src/modules/invoicing/test-helpers.js'

// Counts the statements of one draft + issue (the unit of bench/invoices-issue.ts), after a
// first one has warmed up: `npx tsx bench/statements.ts` (add -v to list them).

const compiler = new PostgresQueryCompiler()
let log: string[] | null = null
const counter: KyselyPlugin = {
  transformQuery(args: PluginTransformQueryArgs) {
    if (log) log.push(compiler.compileQuery(args.node, args.queryId).sql.replace(/\s+/g, ' '))
    return args.node
  },
  async transformResult(args: PluginTransformResultArgs) {
    return args.result
  },
}

const base = await openStore({ dataDir: 'memory://' })
const store = { ...base, db: base.db.withPlugin(counter) }
await migrate(base)
const tenant = await createTenant(base, { slug: 'stmts', name: 'Statements B.V.' }, 'bench')
const scope = {
  tenantId: tenant.tenantId,
  timeZone: tenant.timeZone,
  actor: { type: 'system' as const, id: null, name: 'bench' },
}
const customerId = await inTenant(store, scope, async (ctx) => {
  await arrangeBillingSettings(ctx)
  return (await arrangeCustomer(ctx)).id
})
const unit = () =>
  inTenant(store, scope, async (ctx) => {
    const draft = await createInvoiceDraft(ctx, {
      origin: 'manual',
      customerId,
      orderReference: 'PO-1',
      lines: [
        line('FLOUR-25', '4', 1895n, 'S', '9'),
        line('YEAST-1', '2.5', 340n, 'S', '9', { discountPercent: dec('5') }),
        line('DELIVERY', '1', 1250n, 'S', '21'),
      ],
    })
    await issueInvoice(ctx, draft.id)
  })
await unit()
log = []
await unit()
const counts = new Map<string, number>()
for (const s of log) counts.set(s.slice(0, 110), (counts.get(s.slice(0, 110)) ?? 0) + 1)
console.log(`statements per draft + issue (3 lines, 2 VAT rates): ${log.length}`)
if (process.argv.includes('-v')) for (const s of log) console.log(`  ${s.slice(0, 160)}`)
await base.close()
