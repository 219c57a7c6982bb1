import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  call,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import type { Platform } from '../../platform.js'
import { importBankStatements } from './statement-import.js'
import { bankEntriesPageDefault, getBankStatement } from './statements.js'
import { bankEntry, eventStream, statementEvents } from './test-helpers.js'

// A statement read back a page of entries at a time: a payment provider's month of 275,000
// entries must not become one response of some 300 MB. Up to bankEntriesPageDefault entries
// a statement still comes whole, as before.

let platform: Platform
let app: FastifyInstance
let tenant: TestTenant
let statementId: string
const references = Array.from({ length: 7 }, (_, i) => `PAGE-${i + 1}`)

beforeAll(async () => {
  platform = await testPlatform()
  app = await testServer(platform)
  tenant = await testTenant(platform)
  const entries = references.map((bankReference) => bankEntry({ bankReference }))
  const summary = await tenant.run((ctx) =>
    importBankStatements(ctx, eventStream(statementEvents({ id: 'PAGES', entries })), {
      fileName: 'pages.xml',
    }),
  )
  statementId = summary.perStatement[0].statementId
})

describe('reading a statement back', () => {
  test('comes whole up to the default page size, with no next cursor', async () => {
    expect(bankEntriesPageDefault).toBeGreaterThanOrEqual(1_000)
    const whole = await tenant.run((ctx) => getBankStatement(ctx, statementId))
    expect(whole.entries.map((e) => e.bank_reference)).toEqual(references)
    expect(whole.entries_next_cursor).toBeNull()
    expect(whole.entry_count).toBe(7)
  })

  test('pages follow one another in file order, and together are the whole statement', async () => {
    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const page = await tenant.run((ctx) =>
        getBankStatement(ctx, statementId, { limit: 3, cursor }),
      )
      expect(page).toMatchObject({ id: 'PAGES', balance_check: 'ok', entry_count: 7 })
      seen.push(...page.entries.map((e) => e.bank_reference ?? ''))
      cursor = page.entries_next_cursor ?? undefined
      pages++
    } while (cursor)
    expect(pages).toBe(3)
    expect(seen).toEqual(references)
  })
})

describe('GET /v1/bank-statements/{id}', () => {
  test('takes entries_limit and entries_cursor', async () => {
    const key = await tenant.key('cash_application_specialist')
    const url = `/v1/bank-statements/${statementId}`
    const first = await call(app, key, 'GET', `${url}?entries_limit=5`)
    expect(first.status, first.text).toBe(200)
    expect(first.body.entries.map((e: any) => e.bank_reference)).toEqual(references.slice(0, 5))
    expect(first.body.entries_next_cursor).toEqual(expect.any(String))
    const second = await call(
      app,
      key,
      'GET',
      `${url}?entries_limit=5&entries_cursor=${first.body.entries_next_cursor}`,
    )
    expect(second.status).toBe(200)
    expect(second.body.entries.map((e: any) => e.bank_reference)).toEqual(references.slice(5))
    expect(second.body.entries_next_cursor).toBeNull()
    const whole = await call(app, key, 'GET', url)
    expect(whole.body.entries).toHaveLength(7)
    expect(whole.body.entries_next_cursor).toBeNull()
  })

  test('refuses a cursor it did not hand out and a page size out of bounds, naming the field', async () => {
    const key = await tenant.key('cash_application_specialist')
    const url = `/v1/bank-statements/${statementId}`
    const cursor = await call(app, key, 'GET', `${url}?entries_cursor=bogus`)
    expect(cursor.status).toBe(400)
    expect(JSON.stringify(cursor.body)).toContain('entries_cursor')
    const limit = await call(app, key, 'GET', `${url}?entries_limit=0`)
    expect(limit.status).toBe(400)
    expect(JSON.stringify(limit.body)).toContain('entries_limit')
  })
})
