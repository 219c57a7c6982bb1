import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  call,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import { DomainError } from '../../core/errors.js'
import type { Platform } from '../../platform.js'
import { auditTrail } from '../audit/index.js'
import { csvMappingSchema, readBankFileWhole } from './bank-files/index.js'
import { importBankFile, importBankStatements } from './statement-import.js'
import { bankEntry, eventStream, statementEvents } from './test-helpers.js'

// A cash application specialist saves how the bank writes its CSV export on the account, once,
// through the API (the CLI's `o2c bank mapping set` is the same service): a mapping with a
// missing or wrong field is refused naming the field, a saved one is audited and reads the
// bank's file.

const iban = 'NL69INGB0123456789'

// ING's export as the bank writes it (see bank-files/csv.test.ts).
const ingCsv = [
  '"Datum";"Naam / Omschrijving";"Rekening";"Tegenrekening";"Code";"Af Bij";"Bedrag (EUR)";"Mutatiesoort";"Mededelingen"',
  '"20240301";"Groothandel Jansen BV";"NL69INGB0123456789";"NL44RABO0123456789";"OV";"Bij";"605,00";"Overschrijving";"INV-2024-0042"',
  '',
].join('\n')

const ingMapping = {
  delimiter: ';',
  date_format: 'YYYYMMDD',
  decimal_separator: ',',
  columns: {
    booking_date: 'Datum',
    amount: 'Bedrag (EUR)',
    counterparty_name: 'Naam / Omschrijving',
    counterparty_iban: 'Tegenrekening',
    remittance: ['Mededelingen'],
  },
  sign: { kind: 'column', column: 'Af Bij', credit: 'Bij', debit: 'Af' },
}

let platform: Platform
let app: FastifyInstance
let tenant: TestTenant
let accountId: string

beforeAll(async () => {
  platform = await testPlatform()
  app = await testServer(platform)
  tenant = await testTenant(platform)
  // Accounts come from the statements that name them.
  await tenant.run((ctx) =>
    importBankStatements(ctx, eventStream(statementEvents({ iban, entries: [bankEntry()] })), {
      fileName: 'first.sta',
    }),
  )
  const key = await tenant.key('cash_application_specialist')
  const accounts = await call(app, key, 'GET', '/v1/bank-accounts')
  accountId = accounts.body.data[0].id
})

const mappingUrl = () => `/v1/bank-accounts/${accountId}/csv-mapping`

describe('GET /v1/bank-accounts', () => {
  test('lists the accounts the statements named, without a mapping until one is saved', async () => {
    const key = await tenant.key('collector')
    const accounts = await call(app, key, 'GET', '/v1/bank-accounts')
    expect(accounts.status, accounts.text).toBe(200)
    expect(accounts.body).toMatchObject({
      data: [{ id: accountId, iban, currency: 'EUR' }],
      next_cursor: null,
    })
  })
})

describe('PUT /v1/bank-accounts/{id}/csv-mapping', () => {
  test('saves the mapping, audited, and the saved mapping reads the bank’s export', async () => {
    const key = await tenant.key('cash_application_specialist')
    const saved = await call(app, key, 'PUT', mappingUrl(), ingMapping)
    expect(saved.status, saved.text).toBe(200)
    expect(saved.body.csv_mapping).toMatchObject({
      ...ingMapping,
      account: { iban, number: null, currency: 'EUR' },
    })
    const listed = await call(app, key, 'GET', '/v1/bank-accounts')
    expect(listed.body.data[0].csv_mapping).toEqual(saved.body.csv_mapping)

    const trail = await tenant.run((ctx) => auditTrail(ctx, { entityId: accountId }))
    expect(trail.data.map((e) => [e.entityType, e.action])).toEqual([
      ['bank_account', 'csv_mapping_saved'],
    ])

    const stored = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('bankAccount')
        .select('csvMapping')
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow(),
    )
    const read = await readBankFileWhole(Readable.from([ingCsv]), {
      csvMapping: csvMappingSchema.parse(stored.csvMapping),
      fileName: 'ing.csv',
    })
    expect(read.statements[0].entries).toMatchObject([
      { amount: '605.00', sign: 'C', counterparty: { name: 'Groothandel Jansen BV' } },
    ])
  })

  test.each`
    change                                                             | field                     | message
    ${{ columns: { ...ingMapping.columns, booking_date: undefined } }} | ${'columns.booking_date'} | ${''}
    ${{ date_format: 'MM/DD/YYYY' }}                                   | ${'date_format'}          | ${''}
    ${{ decimal_separator: ';' }}                                      | ${'decimal_separator'}    | ${''}
    ${{ sign: { kind: 'column', column: 'Af Bij' } }}                  | ${'sign.credit'}          | ${''}
    ${{ account: { iban: 'NL44RABO0123456789', currency: 'EUR' } }}    | ${'account.iban'}         | ${'this account'}
    ${{ account: { iban, currency: 'USD' } }}                          | ${'account.currency'}     | ${'this account'}
  `(
    'refuses a mapping with a bad $field, naming it, and keeps what was saved',
    async ({ change, field, message }) => {
      const key = await tenant.key('cash_application_specialist')
      const before = await call(app, key, 'GET', '/v1/bank-accounts')
      const refused = await call(app, key, 'PUT', mappingUrl(), { ...ingMapping, ...change })
      expect(refused.status, refused.text).toBe(400)
      expect(refused.body.type).toBe('/problems/request.invalid')
      expect(refused.body.errors.map((e: { field: string }) => e.field)).toContain(field)
      expect(refused.body.detail).toContain(field)
      expect(refused.body.detail).toContain(message)
      const after = await call(app, key, 'GET', '/v1/bank-accounts')
      expect(after.body.data[0].csv_mapping).toEqual(before.body.data[0].csv_mapping)
    },
  )

  test('a collector may not save one; another tenant’s account is not found', async () => {
    const collector = await tenant.key('collector')
    expect((await call(app, collector, 'PUT', mappingUrl(), ingMapping)).status).toBe(403)
    const other = await testTenant(platform)
    const stranger = await other.key('cash_application_specialist')
    expect((await call(app, stranger, 'PUT', mappingUrl(), ingMapping)).status).toBe(404)
    expect((await call(app, stranger, 'GET', '/v1/bank-accounts')).body.data).toEqual([])
  })
})

describe('importing a CSV export with the saved mapping', () => {
  test('reads the file with the account’s mapping; an account without one refuses it', async () => {
    const key = await tenant.key('cash_application_specialist')
    expect((await call(app, key, 'PUT', mappingUrl(), ingMapping)).status).toBe(200)
    const summary = await tenant.run((ctx) =>
      importBankFile(ctx, Readable.from([ingCsv]), {
        fileName: 'ing.csv',
        bankAccountId: accountId,
      }),
    )
    expect(summary).toMatchObject({ format: 'csv', entries: 1, entriesNew: 1 })

    const other = await testTenant(platform)
    await other.run((ctx) =>
      importBankStatements(ctx, eventStream(statementEvents({ iban, entries: [bankEntry()] })), {
        fileName: 'first.sta',
      }),
    )
    const bare = await other.run((ctx) =>
      ctx.db.selectFrom('bankAccount').select('id').executeTakeFirstOrThrow(),
    )
    const refusal = await other
      .run((ctx) =>
        importBankFile(ctx, Readable.from([ingCsv]), {
          fileName: 'ing.csv',
          bankAccountId: bare.id,
        }),
      )
      .catch((error: unknown) => error)
    expect(refusal).toBeInstanceOf(DomainError)
    expect((refusal as DomainError).code).toBe('cashapp.csv_mapping_missing')
  })
})
