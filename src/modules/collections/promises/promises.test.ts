import { beforeAll, describe, expect, test } from 'vitest'
import {
  manualClock,
  rowCount,
  type TestTenant,
  testPlatform,
  testTenant,
} from '../../../../test/support.js'
import type { DomainError } from '../../../core/errors.js'
import type { Platform } from '../../../platform.js'
import { auditTrail } from '../../audit/index.js'
import { arrangeCashappCustomer, arrangeOpenInvoice } from '../../cashapp/test-helpers.js'
import { arrangeCustomer } from '../../invoicing/test-helpers.js'
import { createPaymentPlan } from '../plans/plans.js'
import { cancelPromise, getPromise, listPromises, makePromise } from './promises.js'

// A collector (or the customer on the pay page) records a promise to pay: checked against
// what is open and the tenant's limits, spread over the items oldest first, confirmed to the
// customer in its language. Bad input writes nothing.

const clock = manualClock('2026-03-01T09:00:00Z')
let platform: Platform
let tenant: TestTenant

beforeAll(async () => {
  platform = await testPlatform(clock)
  tenant = await testTenant(platform)
})

/** A customer with two open invoices: 121.00 each (the first due first). */
async function arrangeTwoInvoices(language = 'nl') {
  return tenant.run(async (ctx) => {
    const customer =
      language === 'nl'
        ? await arrangeCashappCustomer(ctx)
        : await arrangeCustomer(ctx, { language: 'en' })
    const first = await arrangeOpenInvoice(ctx, customer.id, 100_00n)
    const second = await arrangeOpenInvoice(ctx, customer.id, 100_00n)
    return { customer, first, second }
  })
}

async function refusal(work: Promise<unknown>): Promise<DomainError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeDefined()
  return error as DomainError
}

describe('makePromise', () => {
  test('spreads the amount oldest first, audits, announces and confirms in Dutch', async () => {
    const { customer, first, second } = await arrangeTwoInvoices('nl')
    const { id } = await tenant.run((ctx) =>
      makePromise(ctx, {
        customerId: customer.id,
        invoiceIds: [second.id, first.id],
        amountMinor: 150_00n,
        promisedOn: '2026-03-10',
        channel: 'phone',
        note: 'belt terug',
      }),
    )
    const promise = await tenant.run((ctx) => getPromise(ctx, id))
    expect(promise).toMatchObject({
      status: 'active',
      amountMinor: 150_00n,
      currency: 'EUR',
      promisedOn: '2026-03-10',
      channel: 'phone',
    })
    // Same due date: the lower number is the older one.
    expect(promise.items.map((i) => [i.number, i.amountMinor])).toEqual([
      [first.number, 121_00n],
      [second.number, 29_00n],
    ])
    await tenant.run(async (ctx) => {
      const trail = await auditTrail(ctx, { entityType: 'promise_to_pay', entityId: id })
      expect(trail.data.map((e) => e.action)).toEqual(['made'])
      const notice = await ctx.db
        .selectFrom('collectionActivity')
        .select(['outcome', 'note'])
        .where('customerId', '=', customer.id)
        .executeTakeFirstOrThrow()
      expect(notice).toEqual({
        outcome: 'promise_confirmed',
        note: 'Bevestiging van uw betalingsbelofte',
      })
      const events = await ctx.db
        .selectFrom('outboxEvent')
        .select('type')
        .where('entityId', '=', id)
        .execute()
      expect(events.map((e) => e.type)).toEqual(['collections.promise_made'])
    })
  })

  test('confirms in English to an English-speaking customer; lists by customer and status', async () => {
    const { customer, first } = await arrangeTwoInvoices('en')
    const { id } = await tenant.run((ctx) =>
      makePromise(ctx, {
        customerId: customer.id,
        invoiceIds: [first.id],
        amountMinor: 121_00n,
        promisedOn: '2026-03-01',
        channel: 'pay_page',
      }),
    )
    await tenant.run(async (ctx) => {
      const note = await ctx.db
        .selectFrom('collectionActivity')
        .select('note')
        .where('customerId', '=', customer.id)
        .executeTakeFirstOrThrow()
      expect(note.note).toBe('Your promise to pay is confirmed')
      expect(
        (await listPromises(ctx, { customerId: customer.id, status: 'active' })).map((p) => p.id),
      ).toEqual([id])
      expect(await listPromises(ctx, { customerId: customer.id, status: 'kept' })).toEqual([])
    })
  })

  test.each`
    case                                | amount     | promisedOn      | channel       | code
    ${'a date in the past'}             | ${100_00n} | ${'2026-02-28'} | ${'phone'}    | ${'collections.promise_in_past'}
    ${'beyond the pay page limit (14)'} | ${100_00n} | ${'2026-03-16'} | ${'pay_page'} | ${'collections.promise_too_far'}
    ${'more than is open'}              | ${242_01n} | ${'2026-03-10'} | ${'phone'}    | ${'collections.promise_exceeds_open'}
    ${'a zero amount'}                  | ${0n}      | ${'2026-03-10'} | ${'phone'}    | ${'request.invalid'}
  `('refuses $case and writes nothing', async ({ amount, promisedOn, channel, code }) => {
    const { customer, first, second } = await arrangeTwoInvoices()
    const before = await tenant.run((ctx) => rowCount(ctx, 'promiseToPay'))
    const error = await refusal(
      tenant.run((ctx) =>
        makePromise(ctx, {
          customerId: customer.id,
          invoiceIds: [first.id, second.id],
          amountMinor: amount,
          promisedOn,
          channel,
        }),
      ),
    )
    expect(error.code).toBe(code)
    expect(await tenant.run((ctx) => rowCount(ctx, 'promiseToPay'))).toBe(before)
  })

  test('a collector may promise further ahead than the pay page', async () => {
    const { customer, first } = await arrangeTwoInvoices()
    await expect(
      tenant.run((ctx) =>
        makePromise(ctx, {
          customerId: customer.id,
          invoiceIds: [first.id],
          amountMinor: 10_00n,
          promisedOn: '2026-05-01',
          channel: 'phone',
        }),
      ),
    ).resolves.toHaveProperty('id')
  })

  test("refuses another customer's invoice and an item already under a promise or plan", async () => {
    const { customer, first, second } = await arrangeTwoInvoices()
    const other = await arrangeTwoInvoices()
    const foreign = await refusal(
      tenant.run((ctx) =>
        makePromise(ctx, {
          customerId: customer.id,
          invoiceIds: [other.first.id],
          amountMinor: 10_00n,
          promisedOn: '2026-03-05',
          channel: 'phone',
        }),
      ),
    )
    expect(foreign.code).toBe('collections.item_not_open')
    expect(foreign.details).toMatchObject({ invoice_number: other.first.number })

    await tenant.run((ctx) =>
      makePromise(ctx, {
        customerId: customer.id,
        invoiceIds: [first.id],
        amountMinor: 10_00n,
        promisedOn: '2026-03-05',
        channel: 'phone',
      }),
    )
    const twice = await refusal(
      tenant.run((ctx) =>
        makePromise(ctx, {
          customerId: customer.id,
          invoiceIds: [second.id, first.id],
          amountMinor: 10_00n,
          promisedOn: '2026-03-05',
          channel: 'phone',
        }),
      ),
    )
    expect(twice.code).toBe('collections.item_already_held')
    expect(twice.details).toMatchObject({ invoice_number: first.number, held_by: 'promise' })

    await tenant.run((ctx) =>
      createPaymentPlan(ctx, {
        customerId: customer.id,
        invoiceIds: [second.id],
        instalments: [
          { dueOn: '2026-03-15', amountMinor: 60_00n },
          { dueOn: '2026-04-15', amountMinor: 61_00n },
        ],
        source: 'collector',
      }),
    )
    const planned = await refusal(
      tenant.run((ctx) =>
        makePromise(ctx, {
          customerId: customer.id,
          invoiceIds: [second.id],
          amountMinor: 10_00n,
          promisedOn: '2026-03-05',
          channel: 'phone',
        }),
      ),
    )
    expect(planned.details).toMatchObject({ held_by: 'plan' })
  })

  test('a cancelled promise frees its items; cancelling twice is refused', async () => {
    const { customer, first } = await arrangeTwoInvoices()
    const input = {
      customerId: customer.id,
      invoiceIds: [first.id],
      amountMinor: 121_00n,
      promisedOn: '2026-03-05',
      channel: 'email' as const,
    }
    const { id } = await tenant.run((ctx) => makePromise(ctx, input))
    const cancelled = await tenant.run((ctx) => cancelPromise(ctx, id, { reason: 'changed mind' }))
    expect(cancelled.status).toBe('cancelled')
    expect(cancelled.closedAt).not.toBeNull()
    const again = await refusal(tenant.run((ctx) => cancelPromise(ctx, id)))
    expect(again.code).toBe('collections.promise_not_active')
    await expect(tenant.run((ctx) => makePromise(ctx, input))).resolves.toHaveProperty('id')
  })
})
