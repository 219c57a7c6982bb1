import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  call,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import { formatAmount, parseAmount } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import type { Platform } from '../../platform.js'
import { verifyAuditTrail } from '../audit/index.js'
import type { BankEntry } from './bank-files/model.js'
import { importAndApplyStatements } from './import-and-apply.js'
import {
  arrangeCashappCustomer,
  arrangeOpenInvoice,
  bankEntry,
  eventStream,
  openOf,
  receivableAndOpenItems,
  statementEvents,
} from './test-helpers.js'
import { rejectSuggestion, rematchTransactions } from './worklist.js'

// The worklist as a cash application specialist uses it, through the API: list and filter
// what waits, accept a suggestion, reject one (and a re-match does not bring it back), match
// again once a new invoice is there, apply by hand (partial, over-payment, write-off), and
// un-apply (invoices open again, ledger reversed) — each act audited, the books balanced
// after each, a read-only user refused, and bad input refused naming the field.

let platform: Platform
let app: FastifyInstance

beforeAll(async () => {
  platform = await testPlatform()
  app = await testServer(platform)
}, 60_000)

let statementCounter = 0

async function importEntries(tenant: TestTenant, entries: BankEntry[]) {
  return tenant.run((ctx) =>
    importAndApplyStatements(
      ctx,
      eventStream(statementEvents({ id: `WL-${++statementCounter}`, entries })),
      { fileName: 'statement.xml' },
    ),
  )
}

/** The o2c id of the one bank transaction of the entry with this bank reference. */
async function transactionId(tenant: TestTenant, bankReference: string): Promise<string> {
  return tenant.run(async (ctx) => {
    const row = await ctx.db
      .selectFrom('bankTransaction as t')
      .innerJoin('bankEntry as e', (join) =>
        join.onRef('e.tenantId', '=', 't.tenantId').onRef('e.id', '=', 't.bankEntryId'),
      )
      .select('t.id')
      .where('e.bankReference', '=', bankReference)
      .executeTakeFirstOrThrow()
    return row.id
  })
}

const open = (tenant: TestTenant, invoiceId: string) => tenant.run((ctx) => openOf(ctx, invoiceId))

/** The receivable control account equals the open items (DESIGN.md invariant 3). */
async function expectReceivableEqualsOpenItems(ctx: Ctx): Promise<void> {
  const { receivable, openItems } = await receivableAndOpenItems(ctx)
  expect(receivable).toBe(openItems)
}

/** Debit − credit of one account purpose (EUR), the whole journal. */
async function balanceOf(ctx: Ctx, purpose: string): Promise<string> {
  const { rows } = await sql<{ balance: bigint }>`
    select coalesce(sum(l.debit_minor - l.credit_minor), 0)::bigint as balance
    from journal_line l join account a on a.tenant_id = l.tenant_id and a.code = l.account_code
    where a.purpose = ${purpose} and l.currency = 'EUR'`.execute(ctx.db)
  return formatAmount(BigInt(rows[0].balance), 'EUR')
}

/** The audit actions recorded on one entity, oldest first. */
async function auditActions(tenant: TestTenant, entityType: string, entityId?: string) {
  return tenant.run(async (ctx) => {
    let query = ctx.db
      .selectFrom('auditEvent')
      .select(['action', 'actorName', 'after'])
      .where('entityType', '=', entityType)
      .orderBy('seq')
    if (entityId) query = query.where('entityId', '=', entityId)
    return query.execute()
  })
}

/** Two customers who each owe 363.00, and a payment of 363.00 that names neither. */
async function arrangeAmbiguous(tenant: TestTenant, reference: string, iban: string) {
  const [a, b] = await tenant.run(async (ctx) => {
    const a = await arrangeCashappCustomer(ctx, { legalName: `Bakkerij ${reference} B.V.` })
    const b = await arrangeCashappCustomer(ctx, { legalName: `Drukkerij ${reference} B.V.` })
    return [
      { customer: a, invoice: await arrangeOpenInvoice(ctx, a.id, 300_00n) },
      { customer: b, invoice: await arrangeOpenInvoice(ctx, b.id, 300_00n) },
    ]
  })
  await importEntries(tenant, [
    bankEntry({
      amount: '363.00',
      bankReference: reference,
      counterparty: { name: 'J. de Groot', iban, bic: null },
      remittance: { unstructured: 'betaling', structuredReference: null },
    }),
  ])
  return { a, b, id: await transactionId(tenant, reference) }
}

/** A payment nobody can be found for: a person applies it. */
async function arrangeUnknownPayment(tenant: TestTenant, reference: string, amount: string) {
  await importEntries(tenant, [
    bankEntry({
      amount,
      bankReference: reference,
      counterparty: { name: 'Onbekend', iban: null, bic: null },
      remittance: { unstructured: 'x', structuredReference: null },
    }),
  ])
  return transactionId(tenant, reference)
}

describe('GET /v1/bank-transactions: the worklist', () => {
  let tenant: TestTenant
  let key: string
  let auto: string
  let ambiguous: Awaited<ReturnType<typeof arrangeAmbiguous>>
  let unknown: string
  beforeAll(async () => {
    tenant = await testTenant(platform)
    key = await tenant.key('read_only')
    const invoice = await tenant.run(async (ctx) =>
      arrangeOpenInvoice(ctx, (await arrangeCashappCustomer(ctx)).id, 100_00n),
    )
    await importEntries(tenant, [
      bankEntry({
        amount: '121.00',
        bankReference: 'LIST-AUTO',
        remittance: { unstructured: null, structuredReference: invoice.paymentReference },
      }),
    ])
    auto = await transactionId(tenant, 'LIST-AUTO')
    ambiguous = await arrangeAmbiguous(tenant, 'LIST-SUGGESTED', 'NL44RABO0123456789')
    unknown = await arrangeUnknownPayment(tenant, 'LIST-UNMATCHED', '999.99')
  }, 60_000)

  test('lists each transaction with its entry fields and ranked, named candidates', async () => {
    const list = await call(app, key, 'GET', '/v1/bank-transactions?status=suggested')
    expect(list.status, list.text).toBe(200)
    expect(list.body.data.map((t: any) => t.id)).toEqual([ambiguous.id])
    const [t] = list.body.data
    expect(t).toMatchObject({
      entry_ref: 'LIST-SUGGESTED',
      booking_date: '2026-03-02',
      amount: '363.00',
      currency: 'EUR',
      sign: 'C',
      counterparty: { name: 'J. de Groot', iban: 'NL44RABO0123456789' },
      remittance: { unstructured: 'betaling', structured_reference: null },
      decision: 'suggested',
      status: 'suggested',
      application: null,
      rejections: [],
    })
    expect(t.candidates.length).toBeGreaterThanOrEqual(2)
    const numbers = [ambiguous.a.invoice.number, ambiguous.b.invoice.number]
    for (const [index, c] of t.candidates.slice(0, 2).entries()) {
      expect(c.rank).toBe(index + 1)
      expect([ambiguous.a.customer.number, ambiguous.b.customer.number]).toContain(
        c.customer.number,
      )
      expect(c.customer.name).toMatch(/LIST-SUGGESTED/)
      expect(c.allocations).toEqual([
        expect.objectContaining({ amount: '363.00', open_amount: '363.00' }),
      ])
      expect(numbers).toContain(c.allocations[0].invoice_number)
      expect(c).toMatchObject({ payment: '363.00', unapplied: '0.00', rejected: null })
      expect(c.confidence).toBeGreaterThan(0)
      expect(c.reasons.length).toBeGreaterThan(0)
    }
  })

  test('filters by status (auto: applied by the matching), statement and customer', async () => {
    const ids = async (query: string) => {
      const list = await call(app, key, 'GET', `/v1/bank-transactions?${query}`)
      expect(list.status, list.text).toBe(200)
      return list.body.data.map((t: any) => t.id)
    }
    expect(await ids('status=auto')).toEqual([auto])
    expect(await ids('status=applied')).toEqual([auto])
    expect(await ids('status=unmatched')).toEqual([unknown])
    expect(await ids('status=suggested,unmatched')).toEqual([ambiguous.id, unknown])
    expect(await ids('status=auto,unmatched')).toEqual([auto, unknown])
    expect(await ids('')).toEqual([auto, ambiguous.id, unknown])
    expect(await ids(`customer_id=${ambiguous.b.customer.id}`)).toEqual([ambiguous.id])
    const statement = await tenant.run(async (ctx) => {
      const row = await ctx.db
        .selectFrom('bankStatementEntry as se')
        .innerJoin('bankEntry as e', (join) =>
          join.onRef('e.tenantId', '=', 'se.tenantId').onRef('e.id', '=', 'se.bankEntryId'),
        )
        .select('se.bankStatementId')
        .where('e.bankReference', '=', 'LIST-UNMATCHED')
        .executeTakeFirstOrThrow()
      return row.bankStatementId
    })
    expect(await ids(`statement_id=${statement}`)).toEqual([unknown])
  })

  test('pages with a cursor, oldest first', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: any = await call(
        app,
        key,
        'GET',
        `/v1/bank-transactions?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      )
      expect(page.status).toBe(200)
      expect(page.body.data.length).toBeLessThanOrEqual(1)
      seen.push(...page.body.data.map((t: any) => t.id))
      cursor = page.body.next_cursor
    } while (cursor)
    expect(seen).toEqual([auto, ambiguous.id, unknown])
  })

  test('refuses an unknown status naming the field; reads one transaction with its ETag', async () => {
    const bad = await call(app, key, 'GET', '/v1/bank-transactions?status=maybe')
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.body)).toContain('status')
    const one = await call(app, key, 'GET', `/v1/bank-transactions/${auto}`)
    expect(one.status).toBe(200)
    expect(one.headers.etag).toBe(`"${one.body.version}"`)
    expect(one.body.application).toMatchObject({ applied_by: 'matching', unapplied: '0.00' })
    const missing = await call(app, key, 'GET', `/v1/bank-transactions/${tenant.tenantId}`)
    expect(missing.status).toBe(404)
  })

  test('another tenant sees none of it', async () => {
    const other = await testTenant(platform)
    const otherKey = await other.key('admin')
    const list = await call(app, otherKey, 'GET', '/v1/bank-transactions')
    expect(list.body.data).toEqual([])
    const one = await call(app, otherKey, 'GET', `/v1/bank-transactions/${auto}`)
    expect(one.status).toBe(404)
    const accept = await call(
      app,
      otherKey,
      'POST',
      `/v1/bank-transactions/${ambiguous.id}/accept`,
      {},
    )
    expect(accept.status).toBe(404)
  })
}, 120_000)

describe('acting on the worklist', () => {
  let tenant: TestTenant
  let key: string
  beforeAll(async () => {
    tenant = await testTenant(platform)
    key = await tenant.key('cash_application_specialist')
  })

  test('a read-only user may read but not act (403 naming the permission)', async () => {
    const { id } = await arrangeAmbiguous(tenant, 'READONLY-1', 'NL02ABNA0123456789')
    const readOnly = await tenant.key('read_only')
    expect((await call(app, readOnly, 'GET', `/v1/bank-transactions/${id}`)).status).toBe(200)
    for (const [act, body] of [
      ['accept', {}],
      ['reject', { reason: 'no' }],
      ['rematch', undefined],
      ['unapply', { reason: 'no' }],
    ] as const) {
      const refused = await call(app, readOnly, 'POST', `/v1/bank-transactions/${id}/${act}`, body)
      expect(refused.status).toBe(403)
      expect(refused.body.permission).toBe('cashapp.apply')
    }
  })

  test('accepting applies the candidate and teaches the payer; accepting again is 409', async () => {
    const { id } = await arrangeAmbiguous(tenant, 'ACCEPT-1', 'NL69INGB0123456789')
    const before = await call(app, key, 'GET', `/v1/bank-transactions/${id}`)
    const chosen = before.body.candidates[1]
    const accepted = await call(
      app,
      key,
      'POST',
      `/v1/bank-transactions/${id}/accept`,
      { rank: 2 },
      {
        'if-match': before.headers.etag as string,
        'idempotency-key': 'accept-1',
      },
    )
    expect(accepted.status, accepted.text).toBe(200)
    expect(accepted.body).toMatchObject({
      status: 'applied',
      application: {
        applied_by: 'person',
        customer: { id: chosen.customer.id },
        lines: [{ kind: 'payment', invoice_number: chosen.allocations[0].invoice_number }],
      },
    })
    expect(accepted.headers.etag).toBe(`"${accepted.body.version}"`)
    expect(await open(tenant, chosen.allocations[0].invoice_id)).toBe('0.00')

    // The same request again is its first answer, not a second application.
    const replay = await call(
      app,
      key,
      'POST',
      `/v1/bank-transactions/${id}/accept`,
      { rank: 2 },
      {
        'if-match': before.headers.etag as string,
        'idempotency-key': 'accept-1',
      },
    )
    expect(replay.status).toBe(200)
    expect(replay.headers['idempotent-replayed']).toBe('true')
    const again = await call(app, key, 'POST', `/v1/bank-transactions/${id}/accept`, {})
    expect(again.status).toBe(409)
    expect(again.body.type).toBe('/problems/cashapp.transaction_not_open')
    expect(again.body.detail).toContain('applied')

    expect((await auditActions(tenant, 'bank_transaction', id)).map((e) => e.action)).toEqual([
      'accepted',
    ])
    expect(await auditActions(tenant, 'bank_payer_link', 'iban:NL69INGB0123456789')).toEqual([
      expect.objectContaining({
        action: 'taught',
        actorName: `cash_application_specialist@${tenant.slug}.test`,
      }),
    ])
    await tenant.run(async (ctx) => {
      await expectReceivableEqualsOpenItems(ctx)
      expect((await verifyAuditTrail(ctx)).problems).toEqual([])
    })
  })

  test('two people accepting at once: one applies it, the other gets 409', async () => {
    const { id } = await arrangeAmbiguous(tenant, 'RACE-1', 'NL39RABO0123456789')
    const answers = await Promise.all(
      [1, 2].map((rank) => call(app, key, 'POST', `/v1/bank-transactions/${id}/accept`, { rank })),
    )
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409])
    await tenant.run(async (ctx) => {
      const live = await ctx.db
        .selectFrom('cashApplication')
        .select('id')
        .where('bankTransactionId', '=', id)
        .where('reversedAt', 'is', null)
        .execute()
      expect(live).toHaveLength(1)
      await expectReceivableEqualsOpenItems(ctx)
    })
  })

  test('a stale If-Match is 412 and changes nothing', async () => {
    const { id } = await arrangeAmbiguous(tenant, 'STALE-1', 'NL30RABO0123456789')
    const read = await call(app, key, 'GET', `/v1/bank-transactions/${id}`)
    await tenant.run((ctx) => rematchTransactions(ctx, [id]))
    const stale = await call(
      app,
      key,
      'POST',
      `/v1/bank-transactions/${id}/accept`,
      {},
      {
        'if-match': read.headers.etag as string,
      },
    )
    expect(stale.status).toBe(412)
    expect(stale.body.version).toBeGreaterThan(read.body.version)
    expect((await call(app, key, 'GET', `/v1/bank-transactions/${id}`)).body.status).toBe(
      'suggested',
    )
  })

  test('a rejected suggestion waits as unmatched, marked, and a re-match does not offer it again', async () => {
    // A tenant of its own: exactly two customers owe the amount.
    const tenant = await testTenant(platform)
    const key = await tenant.key('cash_application_specialist')
    const { id } = await arrangeAmbiguous(tenant, 'REJECT-1', 'NL55ABNA0123456789')
    expect(
      (await call(app, key, 'GET', `/v1/bank-transactions/${id}`)).body.candidates,
    ).toHaveLength(2)
    const first = await call(app, key, 'POST', `/v1/bank-transactions/${id}/reject`, {
      reason: 'not ours',
      rank: 1,
    })
    expect(first.status, first.text).toBe(200)
    expect(first.body.status).toBe('suggested')
    expect(first.body.candidates[0].rejected).toMatchObject({ reason: 'not ours' })
    expect(first.body.candidates[1].rejected).toBeNull()
    const acceptRejected = await call(app, key, 'POST', `/v1/bank-transactions/${id}/accept`, {
      rank: 1,
    })
    expect(acceptRejected.status).toBe(409)
    expect(acceptRejected.body).toMatchObject({
      type: '/problems/cashapp.candidate_rejected',
      field: 'rank',
    })

    const all = await call(app, key, 'POST', `/v1/bank-transactions/${id}/reject`, {
      reason: 'a private person, not a customer',
    })
    expect(all.status).toBe(200)
    expect(all.body.status).toBe('unmatched')
    expect(all.body.candidates.every((c: any) => c.rejected !== null)).toBe(true)
    expect(all.body.rejections.map((r: any) => r.reason)).toEqual(
      expect.arrayContaining(['not ours', 'a private person, not a customer']),
    )
    const nothing = await call(app, key, 'POST', `/v1/bank-transactions/${id}/reject`, {
      reason: 'again',
    })
    expect(nothing.status).toBe(409)
    expect(nothing.body.type).toBe('/problems/cashapp.nothing_to_reject')
    const noReason = await call(app, key, 'POST', `/v1/bank-transactions/${id}/reject`, {
      reason: ' ',
    })
    expect(noReason.status).toBe(400)
    expect(JSON.stringify(noReason.body)).toContain('reason')

    const rematched = await call(app, key, 'POST', `/v1/bank-transactions/${id}/rematch`)
    expect(rematched.status, rematched.text).toBe(200)
    expect(rematched.body).toMatchObject({ status: 'unmatched' })
    expect(rematched.body.candidates.filter((c: any) => c.rejected === null)).toEqual([])
    expect(rematched.body.rejections).toHaveLength(all.body.candidates.length)
    expect((await auditActions(tenant, 'bank_transaction', id)).map((e) => e.action)).toEqual([
      'rejected',
      'rejected',
      'rematched',
    ])
  })

  test('re-matching after a new invoice appears applies the payment to it', async () => {
    const customer = await tenant.run((ctx) =>
      arrangeCashappCustomer(ctx, { iban: 'NL18RABO0123459876' }),
    )
    await importEntries(tenant, [
      bankEntry({
        amount: '242.00',
        bankReference: 'REMATCH-1',
        counterparty: { name: 'Iemand', iban: 'NL18RABO0123459876', bic: null },
        remittance: { unstructured: 'bestelling', structuredReference: null },
      }),
    ])
    const id = await transactionId(tenant, 'REMATCH-1')
    const before = await call(app, key, 'GET', `/v1/bank-transactions/${id}`)
    expect(before.body.status).not.toBe('applied')
    const invoice = await tenant.run((ctx) => arrangeOpenInvoice(ctx, customer.id, 200_00n))
    const all = await call(app, key, 'POST', '/v1/bank-transactions/rematch', { ids: [id] })
    expect(all.status, all.text).toBe(200)
    expect(all.body).toMatchObject({ transactions: 1, applied: 1 })
    const after = await call(app, key, 'GET', `/v1/bank-transactions/${id}`)
    expect(after.body).toMatchObject({
      status: 'applied',
      decision: 'auto',
      application: { applied_by: 'matching', lines: [{ invoice_number: invoice.number }] },
    })
    expect(await open(tenant, invoice.id)).toBe('0.00')
    const applied = await call(app, key, 'POST', `/v1/bank-transactions/${id}/rematch`)
    expect(applied.status).toBe(409)
    expect(applied.body.type).toBe('/problems/cashapp.transaction_not_open')
  })

  test('manual apply: an over-payment leaves the rest unapplied on the customer', async () => {
    const { customer, invoice } = await tenant.run(async (ctx) => {
      const customer = await arrangeCashappCustomer(ctx)
      return { customer, invoice: await arrangeOpenInvoice(ctx, customer.id, 100_00n) }
    })
    const id = await arrangeUnknownPayment(tenant, 'MANUAL-OVER', '500.00')
    const applied = await call(app, key, 'POST', `/v1/bank-transactions/${id}/apply`, {
      customer_number: customer.number,
      allocations: [{ invoice_number: invoice.number, amount: '121.00' }],
    })
    expect(applied.status, applied.text).toBe(200)
    expect(applied.body.application).toMatchObject({
      customer: { number: customer.number },
      payment: '500.00',
      unapplied: '379.00',
      applied_by: 'person',
      lines: [{ kind: 'payment', invoice_number: invoice.number, amount: '121.00' }],
    })
    expect(await open(tenant, invoice.id)).toBe('0.00')
    await tenant.run(expectReceivableEqualsOpenItems)
  })

  test('manual apply: a partial payment, and a bank fee written off', async () => {
    const { customer, partly, fee } = await tenant.run(async (ctx) => {
      const customer = await arrangeCashappCustomer(ctx)
      return {
        customer,
        partly: await arrangeOpenInvoice(ctx, customer.id, 100_00n),
        fee: await arrangeOpenInvoice(ctx, customer.id, 100_00n),
      }
    })
    const id = await arrangeUnknownPayment(tenant, 'MANUAL-PARTIAL', '169.00')
    const feesBefore = await tenant.run((ctx) => balanceOf(ctx, 'bank_fees'))
    const applied = await call(app, key, 'POST', `/v1/bank-transactions/${id}/apply`, {
      customer_id: customer.id,
      allocations: [
        { invoice_id: partly.id, amount: '50.00' },
        { invoice_number: fee.number, amount: '119.00' },
      ],
      write_offs: [{ kind: 'bank_fee', invoice_number: fee.number, amount: '2.00' }],
    })
    expect(applied.status, applied.text).toBe(200)
    expect(applied.body.application.unapplied).toBe('0.00')
    expect(applied.body.application.lines).toEqual([
      expect.objectContaining({ kind: 'payment', amount: '50.00' }),
      expect.objectContaining({ kind: 'payment', amount: '119.00' }),
      expect.objectContaining({ kind: 'bank_fee', amount: '2.00' }),
    ])
    expect(await open(tenant, partly.id)).toBe('71.00')
    expect(await open(tenant, fee.id)).toBe('0.00')
    await tenant.run(async (ctx) => {
      expect(
        (parseAmount(await balanceOf(ctx, 'bank_fees'), 'EUR') as bigint) -
          (parseAmount(feesBefore, 'EUR') as bigint),
      ).toBe(2_00n)
      await expectReceivableEqualsOpenItems(ctx)
    })
    expect((await auditActions(tenant, 'bank_transaction', id)).map((e) => e.action)).toEqual([
      'applied',
    ])
  })

  test('manual apply refuses bad input naming the field, and writes nothing', async () => {
    const { customer, invoice, other } = await tenant.run(async (ctx) => {
      const customer = await arrangeCashappCustomer(ctx)
      const stranger = await arrangeCashappCustomer(ctx)
      return {
        customer,
        invoice: await arrangeOpenInvoice(ctx, customer.id, 100_00n),
        other: await arrangeOpenInvoice(ctx, stranger.id, 100_00n),
      }
    })
    const id = await arrangeUnknownPayment(tenant, 'MANUAL-BAD', '100.00')
    const apply = (body: unknown) =>
      call(app, key, 'POST', `/v1/bank-transactions/${id}/apply`, body)
    const cases: [unknown, number, string, string][] = [
      [
        {
          customer_number: customer.number,
          allocations: [{ invoice_number: 'NOPE-1', amount: '10.00' }],
        },
        422,
        'cashapp.invoice_unknown',
        'allocations[0].invoice_number',
      ],
      [
        {
          customer_number: customer.number,
          allocations: [{ invoice_id: invoice.id, amount: '121.01' }],
        },
        422,
        'cashapp.allocation_exceeds_open_amount',
        'allocations[0].amount',
      ],
      [
        {
          customer_number: customer.number,
          allocations: [
            { invoice_id: invoice.id, amount: '80.00' },
            { invoice_id: invoice.id, amount: '80.00' },
          ],
        },
        422,
        'cashapp.allocation_exceeds_open_amount',
        'allocations[1].amount',
      ],
      [
        {
          customer_number: customer.number,
          allocations: [{ invoice_id: other.id, amount: '10.00' }],
        },
        422,
        'cashapp.invoice_not_customers',
        'allocations[0].invoice_id',
      ],
      [
        { customer_number: 'NO-SUCH', allocations: [] },
        422,
        'cashapp.customer_unknown',
        'customer_number',
      ],
      [
        { customer_id: customer.id, allocations: [{ invoice_id: invoice.id, amount: '12.345' }] },
        400,
        'request.invalid',
        'allocations[0].amount',
      ],
      [{ allocations: [] }, 400, 'request.invalid', 'customer_id'],
    ]
    for (const [body, status, code, field] of cases) {
      const refused = await apply(body)
      expect(refused.status, refused.text).toBe(status)
      expect(refused.body.type).toBe(`/problems/${code}`)
      expect(JSON.stringify(refused.body), code).toContain(field)
    }
    // Above the payment: 121.00 allocated from 100.00 received.
    const above = await apply({
      customer_number: customer.number,
      allocations: [{ invoice_number: invoice.number, amount: '121.00' }],
    })
    expect(above.status).toBe(422)
    expect(above.body).toMatchObject({
      type: '/problems/cashapp.allocation_exceeds_payment',
      field: 'allocations',
    })
    expect((await call(app, key, 'GET', `/v1/bank-transactions/${id}`)).body).toMatchObject({
      status: expect.stringMatching(/^(suggested|unmatched)$/),
      application: null,
    })
    expect(await open(tenant, invoice.id)).toBe('121.00')
    expect(await auditActions(tenant, 'bank_transaction', id)).toEqual([])
  })

  test('un-apply opens the invoices again and reverses the ledger; the learned link stays', async () => {
    const { customer, invoice } = await tenant.run(async (ctx) => {
      const customer = await arrangeCashappCustomer(ctx)
      return { customer, invoice: await arrangeOpenInvoice(ctx, customer.id, 100_00n) }
    })
    await importEntries(tenant, [
      bankEntry({
        amount: '150.00',
        bankReference: 'UNAPPLY-1',
        counterparty: { name: 'Privé Rekening', iban: 'NL86INGB0002445588', bic: null },
        remittance: { unstructured: 'x', structuredReference: null },
      }),
    ])
    const id = await transactionId(tenant, 'UNAPPLY-1')
    const [bankBefore, unappliedBefore] = await tenant.run(async (ctx) => [
      await balanceOf(ctx, 'bank'),
      await balanceOf(ctx, 'unapplied_cash'),
    ])
    const applied = await call(app, key, 'POST', `/v1/bank-transactions/${id}/apply`, {
      customer_number: customer.number,
      allocations: [{ invoice_number: invoice.number, amount: '121.00' }],
    })
    expect(applied.status, applied.text).toBe(200)
    expect(await open(tenant, invoice.id)).toBe('0.00')

    const noReason = await call(app, key, 'POST', `/v1/bank-transactions/${id}/unapply`, {})
    expect(noReason.status).toBe(400)
    expect(JSON.stringify(noReason.body)).toContain('reason')

    const undone = await call(app, key, 'POST', `/v1/bank-transactions/${id}/unapply`, {
      reason: 'paid by the customer’s sister company',
    })
    expect(undone.status, undone.text).toBe(200)
    expect(undone.body).toMatchObject({ application: null })
    expect(['suggested', 'unmatched']).toContain(undone.body.status)
    expect(await open(tenant, invoice.id)).toBe('121.00')
    await tenant.run(async (ctx) => {
      expect(await balanceOf(ctx, 'bank')).toBe(bankBefore)
      expect(await balanceOf(ctx, 'unapplied_cash')).toBe(unappliedBefore)
      await expectReceivableEqualsOpenItems(ctx)
      const link = await ctx.db
        .selectFrom('bankPayerLink')
        .select('customerId')
        .where('key', '=', 'NL86INGB0002445588')
        .executeTakeFirst()
      expect(link?.customerId).toBe(customer.id)
      expect((await verifyAuditTrail(ctx)).problems).toEqual([])
    })
    const again = await call(app, key, 'POST', `/v1/bank-transactions/${id}/unapply`, {
      reason: 'again',
    })
    expect(again.status).toBe(409)
    expect(again.body.type).toBe('/problems/cashapp.nothing_applied')
    expect((await auditActions(tenant, 'bank_transaction', id)).map((e) => e.action)).toEqual([
      'applied',
      'unapplied',
    ])
    const unapplied = await auditActions(tenant, 'cash_application')
    expect(unapplied.filter((e) => e.action === 'unapplied').at(-1)?.after).toMatchObject({
      reason: 'paid by the customer’s sister company',
    })
  })
}, 180_000)

describe('learning: a person teaches the IBAN, the next payment from it applies itself', () => {
  test('first suggested, a person applies it, the next statement from that IBAN is auto', async () => {
    const tenant = await testTenant(platform)
    const key = await tenant.key('cash_application_specialist')
    const payer = 'NL71ABNA0123454321'
    const { a, b, id } = await arrangeAmbiguous(tenant, 'LEARN-1', payer)
    const first = await call(app, key, 'GET', `/v1/bank-transactions/${id}`)
    expect(first.body.status).toBe('suggested')
    const applied = await call(app, key, 'POST', `/v1/bank-transactions/${id}/apply`, {
      customer_number: b.customer.number,
      allocations: [{ invoice_number: b.invoice.number, amount: '363.00' }],
    })
    expect(applied.status, applied.text).toBe(200)
    expect(await open(tenant, a.invoice.id)).toBe('363.00')

    // Next month: B owes 60.50 and the payer pays it, naming nothing.
    const next = await tenant.run((ctx) => arrangeOpenInvoice(ctx, b.customer.id, 50_00n))
    const summary = await importEntries(tenant, [
      bankEntry({
        amount: '60.50',
        bankReference: 'LEARN-2',
        counterparty: { name: 'J. de Groot', iban: payer, bic: null },
        remittance: { unstructured: 'betaling', structuredReference: null },
      }),
    ])
    expect(summary.matching).toMatchObject({ applied: 1, suggested: 0 })
    const second = await call(
      app,
      key,
      'GET',
      `/v1/bank-transactions/${await transactionId(tenant, 'LEARN-2')}`,
    )
    expect(second.body).toMatchObject({
      status: 'applied',
      decision: 'auto',
      application: { applied_by: 'matching', customer: { id: b.customer.id } },
    })
    expect(await open(tenant, next.id)).toBe('0.00')
  })

  test('a rejection through the service is kept with who rejected it', async () => {
    const tenant = await testTenant(platform)
    const { id } = await arrangeAmbiguous(tenant, 'SERVICE-REJECT', 'NL25RABO0123450000')
    const { transaction } = await tenant.run((ctx) => rejectSuggestion(ctx, id, 'not them'))
    expect(transaction.status).toBe('unmatched')
    expect(transaction.rejections.every((r) => r.rejectedBy === 'test')).toBe(true)
    expect(transaction.candidates.every((c) => c.rejection?.reason === 'not them')).toBe(true)
  })
}, 120_000)
