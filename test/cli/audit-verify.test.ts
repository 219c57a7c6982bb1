import { sql } from 'kysely'
import { expect, test } from 'vitest'
import { openStore } from '../../src/db/store.js'
import { testStoreKind } from '../stores.js'
import { o2c, tempDataDir } from './processes.js'

// `o2c audit verify` is what an auditor runs: it must name the event someone changed behind
// o2c's back, and exit non-zero so a scheduled check fails loudly.

// The data folder is PGlite's: the suite's PostgreSQL run skips this file (it would repeat it).
const pgliteRun = testStoreKind === 'pglite'

test.runIf(pgliteRun)(
  'o2c audit verify names an edited and a deleted event and exits 1',
  async () => {
    const dataDir = tempDataDir()
    expect((await o2c(['tenants', 'create', 'acme'], dataDir)).code).toBe(0)
    const user = await o2c(['users', 'create', 'ann@acme.nl', '--role', 'collector'], dataDir, {
      O2C_TENANT: 'acme',
    })
    expect(user.code, user.stderr).toBe(0)
    const key = await o2c(['keys', 'create', '--user', 'ann@acme.nl'], dataDir, {
      O2C_TENANT: 'acme',
    })
    expect(key.code, key.stderr).toBe(0)
    const intact = await o2c(['audit', 'verify', '--tenant', 'acme'], dataDir)
    expect(intact.code).toBe(0)
    expect(intact.stdout).toContain('Audit trail intact: 3 events verified.')

    // Behind o2c's back, as the data folder's owner: change event 2, remove event 3 (the last).
    const store = await openStore({ dataDir })
    const edited = await store.db
      .selectFrom('auditEvent')
      .select('id')
      .where('seq', '=', 2n)
      .executeTakeFirstOrThrow()
    await sql`update audit_event set after = jsonb_set(after, '{role}', '"admin"') where seq = 2`.execute(
      store.db,
    )
    await sql`delete from audit_event where seq = 3`.execute(store.db)
    await store.close()

    const broken = await o2c(['audit', 'verify', '--tenant', 'acme'], dataDir)
    expect(broken.code).toBe(1)
    expect(broken.stdout).toContain('Audit trail BROKEN: 2 problem(s)')
    expect(broken.stdout).toContain(`EDITED: event 2 (${edited.id}`)
    expect(broken.stdout).toMatch(/DELETED: events 3\.\.3 were written but are missing/)

    const json = await o2c(['audit', 'verify', '--tenant', 'acme', '--json'], dataDir)
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      problems: [
        { problem: 'edited', seq: '2', id: edited.id },
        { problem: 'deleted', seq: '3' },
      ],
    })
  },
  180_000,
)
