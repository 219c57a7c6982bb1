import type { FastifyInstance } from 'fastify'
import { addDays, calendarDateAt } from '../src/core/dates.js'
import { importAndApplyStatements } from '../src/modules/cashapp/import-and-apply.js'
import { importBankStatements, receiveRemittanceAdvice } from '../src/modules/cashapp/index.js'
import { bankEntry, eventStream, statementEvents } from '../src/modules/cashapp/test-helpers.js'
import { createDirectDebitBatch } from '../src/modules/collections/direct-debit/batch.js'
import { addMandate } from '../src/modules/collections/direct-debit/mandates.js'
import { buildPrintBatch, chargeCostsAndInterest } from '../src/modules/collections/index.js'
import {
  arrangeCustomerWithInvoices,
  arrangeDunningMessage,
} from '../src/modules/collections/messages/test-helpers.js'
import { createPaymentPlan } from '../src/modules/collections/plans/plans.js'
import { makePromise } from '../src/modules/collections/promises/promises.js'
import { createInvoiceDraft, issueInvoice } from '../src/modules/invoicing/index.js'
import {
  arrangeBillingSettings,
  arrangeCustomer,
  line,
  manualDraft,
} from '../src/modules/invoicing/test-helpers.js'
import type { Platform } from '../src/platform.js'
import { call, type TestTenant } from './support.js'

// Fixtures for the tenant walk (test/guards/tenant-walk.test.ts).
//
// The walk reads /openapi.json and calls every route that has a path parameter with tenant
// A's admin key and tenant B's ids, with GET, POST, PATCH, PUT and DELETE. Each call must
// answer 404, exactly as it answers for an id that exists nowhere: never B's data, never a
// 2xx, never a 500. To have B's ids, the walk asks this registry.
//
// MODULE AUTHORS: when you add a route with a path parameter, add a fixture here. The walk
// FAILS for any parameterized route of the OpenAPI document without one.
//
// - The key is a path prefix as the OpenAPI document writes it, parameters in braces:
//   '/v1/customers/{id}'. The longest key that is a prefix of a route's path serves it, so
//   '/v1/customers/{id}' covers '/v1/customers/{id}', '/v1/customers/{id}/contacts', and so on.
// - The value is a function that creates the resource in tenant B (through the API with B's
//   admin key, `b.api(...)`, or through your module's service in `b.tenant.run(ctx => …)`)
//   and returns its id. A route with several parameters ('/v1/orders/{id}/lines/{lineId}')
//   needs a fixture that returns each of them by name: { id: '…', lineId: '…' }.
// - The walk makes a body for POST, PATCH and PUT from the route's schema. Where that body
//   would be refused before the id is looked up (400), give one: { create, bodies: { PATCH:
//   {...} } }. It always sends If-Match: "1" and a fresh Idempotency-Key.
// - Each fixture runs once per route path; make a fresh resource each time.

export type TenantB = {
  platform: Platform
  app: FastifyInstance
  tenant: TestTenant
  /** Tenant B's admin key. */
  key: string
  /** Calls the API as B's admin; throws unless the answer is 2xx; returns the body. */
  api(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
  ): Promise<any>
}

export type WriteMethod = 'POST' | 'PATCH' | 'PUT' | 'DELETE'

export type WalkFixture = {
  create(b: TenantB): Promise<string | Record<string, string>>
  /** Bodies that pass the route's schema, where the generated one would not. */
  bodies?: Partial<Record<WriteMethod, unknown>>
}

export const tenantWalkFixtures: Record<string, WalkFixture | WalkFixture['create']> = {
  // auth: a second API key of B's admin.
  '/v1/api-keys/{id}': async (b) => {
    const me = await b.api('GET', '/v1/me')
    const made = await b.api('POST', '/v1/api-keys', { user_id: me.user_id, name: 'walk' })
    return made.id
  },

  // customers
  '/v1/customers/{id}': async (b) => (await newCustomer(b)).id,

  // outbox: endpoints, the deliveries a customer.created event makes, and the event itself.
  '/v1/webhooks/{id}': {
    create: async (b) => (await newWebhook(b)).id,
    bodies: { PATCH: { description: 'walk' } },
  },
  '/v1/webhook-deliveries/{id}': async (b) => (await deliveredEvent(b)).deliveryId,
  '/v1/events/{id}': async (b) => (await deliveredEvent(b)).eventId,

  // credit: a limit decision on a customer ('/v1/customers/{id}/…' is served above).
  '/v1/credit-limit-decisions/{id}': async (b) => {
    const customer = await newCustomer(b)
    const decision = await b.api('POST', `/v1/customers/${customer.id}/credit-limit-decisions`, {
      limit: '5000.00',
      reason: 'tenant walk',
      seen: {},
    })
    return decision.id
  },

  // orders: a draft order; shipments: one parcel of a paid prepayment order.
  '/v1/orders/{id}': async (b) => (await newOrder(b)).id,
  '/v1/shipments/{id}': async (b) => {
    const order = await newOrder(b, { requires_prepayment: true, confirm: true })
    await b.api('POST', `/v1/orders/${order.id}/prepayment-received`, {
      reference: `walk-${crypto.randomUUID()}`,
      amount: order.prepayment.open,
      currency: order.currency,
    })
    const shipment = await b.api('POST', '/v1/shipments', {
      order_id: order.id,
      lines: [{ order_line_id: order.lines[0].id, quantity: '1' }],
    })
    return shipment.id
  },

  // invoicing: a billing run (with nothing to bill, it completes at once).
  '/v1/billing-runs/{id}': async (b) =>
    (await b.api('POST', '/v1/billing-runs', { period_end: '2026-01-31' })).id,

  // ledger: an account added to B's chart.
  '/v1/ledger/accounts/{id}': async (b) => {
    const account = await b.api('POST', '/v1/ledger/accounts', {
      code: `W${++accountCounter}`,
      name: 'Walk account',
      kind: 'expense',
    })
    return account.id
  },

  // invoicing: a manual draft invoice (covers /issue and /timeline too); the customer's
  // billing profile is served by '/v1/customers/{id}' above.
  '/v1/invoices/{id}': {
    create: async (b) => {
      const customer = await newCustomer(b)
      const draft = await b.api('POST', '/v1/invoices', {
        customer_id: customer.id,
        lines: [
          {
            item_code: 'WALK',
            quantity: '1',
            unit_price: '10.00',
            vat_category: 'S',
            vat_rate: '21',
          },
        ],
      })
      return draft.id
    },
    bodies: { PATCH: { note: 'walk' }, POST: {} },
  },

  // payments: a payment of B's, recorded through the API.
  '/v1/payments/{id}': {
    create: async (b) => {
      const customer = await newCustomer(b)
      const payment = await b.api('POST', '/v1/payments', {
        customer_id: customer.id,
        amount: '10.00',
        currency: 'EUR',
        method: 'bank_transfer',
        source: 'bank',
      })
      return payment.id
    },
    // More than the payment holds: B gets a 422 (the payment exists), A must get a 404.
    bodies: {
      POST: {
        allocations: [{ invoice_id: '00000000-0000-7000-8000-000000000000', amount: '1000.00' }],
      },
    },
  },

  // cashapp: a bank statement of B, imported from events as a parser would yield them.
  '/v1/bank-statements/{id}': async (b) => {
    const summary = await b.tenant.run((ctx) =>
      importBankStatements(
        ctx,
        eventStream(statementEvents({ entries: [bankEntry(), bankEntry({ sign: 'D' })] })),
        { fileName: 'walk.xml' },
      ),
    )
    return summary.perStatement[0].statementId
  },

  // cashapp: a remittance advice of B, received as data (a fresh one: same content is one advice).
  '/v1/remittance-advices/{id}': async (b) => {
    const receipt = await b.tenant.run((ctx) =>
      receiveRemittanceAdvice(ctx, {
        currency: 'EUR',
        lines: [{ invoiceNumber: `WALK-${crypto.randomUUID()}`, amount: '1.00' }],
      }),
    )
    return receipt.advice.id
  },

  // cashapp, the worklist: a bank transaction of B, imported and matched (unmatched: B has no
  // invoices). One body passes every act's schema (zod drops what an act does not take).
  '/v1/bank-transactions/{id}': {
    create: async (b) => {
      await b.tenant.run((ctx) =>
        importAndApplyStatements(ctx, eventStream(statementEvents({ entries: [bankEntry()] })), {
          fileName: 'walk.xml',
        }),
      )
      const [transaction] = (await b.api('GET', '/v1/bank-transactions')).data
      return transaction.id
    },
    bodies: {
      POST: {
        reason: 'tenant walk',
        rank: 1,
        customer_id: '00000000-0000-7000-8000-000000000000',
        allocations: [],
      },
    },
  },

  // collections, dunning: a fresh policy of B, and a dry run of B (a dry run writes only its
  // row, so each call may make one).
  '/v1/dunning-policies/{id}': {
    create: async (b) =>
      (
        await b.api('POST', '/v1/dunning-policies', {
          name: `walk-${crypto.randomUUID().slice(-12)}`,
          priority: 500,
          rule: { segments: ['enterprise'] },
          steps: [
            {
              anchor: 'due_date',
              days: 5,
              channel: 'email',
              template_key: 'friendly_reminder',
              action: 'friendly_reminder',
            },
          ],
        })
      ).id,
  },
  '/v1/dunning-runs/{id}': {
    create: async (b) =>
      (await b.api('POST', '/v1/dunning-runs', { run_date: '2026-01-05', dry_run: true })).id,
  },

  // cashapp: a bank account of B (accounts come from the statements that name them), with a
  // mapping body that is valid, so that only the id can refuse it.
  '/v1/bank-accounts/{id}': {
    create: async (b) => {
      const summary = await b.tenant.run((ctx) =>
        importBankStatements(ctx, eventStream(statementEvents({ entries: [bankEntry()] })), {
          fileName: 'walk.xml',
        }),
      )
      const account = await b.tenant.run((ctx) =>
        ctx.db
          .selectFrom('bankStatement')
          .select('bankAccountId')
          .where('id', '=', summary.perStatement[0].statementId)
          .executeTakeFirstOrThrow(),
      )
      return account.bankAccountId
    },
    bodies: {
      PUT: {
        delimiter: ';',
        date_format: 'YYYYMMDD',
        decimal_separator: ',',
        columns: { booking_date: 'Datum', amount: 'Bedrag' },
        sign: { kind: 'minus' },
      },
    },
  },

  // invoicing, credit notes: an issued invoice of B to credit (or list the credit notes of).
  '/v1/invoices/{id}/credit-notes': {
    create: async (b) => (await issuedInvoice(b)).id,
    bodies: { POST: { amount: '1.00', reason: 'tenant walk' } },
  },

  // delivery: an issued invoice of B (issued as delivery's tests issue one until invoicing's
  // issueInvoice is merged; then '/v1/invoices/{id}' of invoicing serves these as well).
  '/v1/invoices/{id}/send': async (b) => (await issuedInvoice(b)).id,
  '/v1/invoices/{id}/document': async (b) => (await issuedInvoice(b)).id,
  '/v1/invoices/{id}/deliveries': async (b) => (await issuedInvoice(b)).id,
  '/v1/invoices/{id}/delivery-events': {
    create: async (b) => (await issuedInvoice(b)).id,
    bodies: { POST: { step: 'delivered', channel: 'email', detail: {} } },
  },

  // collections, disputes: an open dispute of B on an issued invoice of B (its investigate,
  // resolve, reject, withdraw, assign and attachments routes are served by the same key).
  '/v1/disputes/{id}': {
    create: async (b) => (await openedDispute(b)).id,
    bodies: {
      POST: {
        note: 'walk',
        owner: null,
        root_cause: 'walk',
        resolution_note: 'walk',
        file_name: 'walk.txt',
        content_type: 'text/plain',
        content_base64: 'd2Fsaw==',
      },
      PATCH: { owner: null },
    },
  },
  '/v1/disputes/{id}/attachments/{attachmentId}': async (b) => {
    const dispute = await openedDispute(b)
    const file = await b.api('POST', `/v1/disputes/${dispute.id}/attachments`, {
      file_name: 'walk.txt',
      content_type: 'text/plain',
      content_base64: 'd2Fsaw==',
    })
    return { id: dispute.id, attachmentId: file.id }
  },
  // collections, worklist: an open collector task of B ('/v1/customers/{id}/timeline' and
  // '/activities' are served by '/v1/customers/{id}').
  '/v1/collection-tasks/{id}': async (b) => {
    const customer = await newCustomer(b)
    const id = crypto.randomUUID()
    await b.tenant.run((ctx) =>
      ctx.db
        .insertInto('collectionActivity')
        .values({
          tenantId: ctx.tenantId,
          id,
          customerId: customer.id,
          kind: 'task',
          outcome: null,
          note: 'walk',
          taskStatus: 'open',
          dueOn: null,
          assignedTo: null,
          messageId: null,
          invoiceId: null,
          occurredAt: ctx.now,
          recordedBy: 'walk',
        })
        .execute(),
    )
    return id
  },
  // collections (promises, plans, direct debit): a promise, a plan, a mandate and a batch of B,
  // each on a fresh issued invoice of B.
  '/v1/promises-to-pay/{id}': async (b) => {
    const invoice = await issuedInvoice(b)
    return b.tenant.run(async (ctx) => {
      const { id } = await makePromise(ctx, {
        customerId: invoice.customerId,
        invoiceIds: [invoice.id],
        amountMinor: 100n,
        promisedOn: calendarDateAt(ctx.now, ctx.timeZone),
        channel: 'phone',
      })
      return id
    })
  },
  '/v1/payment-plans/{id}': async (b) => {
    const invoice = await issuedInvoice(b)
    return b.tenant.run(async (ctx) => {
      const { id } = await createPaymentPlan(ctx, {
        customerId: invoice.customerId,
        invoiceIds: [invoice.id],
        instalments: [{ dueOn: calendarDateAt(ctx.now, ctx.timeZone), amountMinor: 1210n }],
        source: 'collector',
      })
      return id
    })
  },
  '/v1/sepa-mandates/{id}': async (b) => (await mandatedInvoice(b)).mandateId,
  '/v1/direct-debit-batches/{id}': async (b) => {
    await mandatedInvoice(b)
    return b.tenant.run(async (ctx) => {
      const batch = await createDirectDebitBatch(ctx, {
        collectionDate: addDays(calendarDateAt(ctx.now, ctx.timeZone), 60),
        creditorId: 'NL69ZZZ123456780000',
      })
      return batch.id
    })
  },
  // collections, messages/: a template of B's own (a key o2c does not ship, so A has none of
  // it), and a dunning run of B with a letter and its print batch.
  '/v1/dunning-templates/{id}': {
    create: async (b) => {
      const id = `walk_b_${crypto.randomUUID().slice(0, 8)}.nl.business.sms`
      await b.api('PUT', `/v1/dunning-templates/${id}`, { body: 'walk {{total}}' })
      return id
    },
    bodies: { PUT: { subject: '', body: 'walk' } },
  },
  '/v1/collection-charges/{id}': {
    create: collectionCharge,
    bodies: { POST: { reason: 'walk' } },
  },
  '/v1/dunning-runs/{id}/print-batch': async (b) =>
    b.tenant.run(async (ctx) => {
      const runDate = `2026-0${4 + (++dunningRunCounter % 5)}-1${dunningRunCounter % 10}`
      const { customer, invoices } = await arrangeCustomerWithInvoices(ctx, {}, [
        { netMinor: 100_00n, issueDate: '2026-01-05' },
      ])
      const message = await arrangeDunningMessage(ctx, {
        customer,
        invoices,
        runDate,
        channel: 'letter',
        templateKey: 'friendly_reminder',
      })
      await buildPrintBatch(ctx, message.runId)
      return message.runId
    }),
}

/** An open dispute of B on a new issued invoice of B. */
async function openedDispute(b: TenantB): Promise<{ id: string }> {
  const invoice = await issuedInvoice(b)
  return b.api('POST', '/v1/disputes', {
    invoice_id: invoice.id,
    category: 'other',
    amount: '1.00',
    description: 'tenant walk',
  })
}

let mandateCounter = 0

/** An issued invoice of B whose customer has an active SEPA mandate. */
async function mandatedInvoice(b: TenantB): Promise<{ id: string; mandateId: string }> {
  const invoice = await issuedInvoice(b)
  return b.tenant.run(async (ctx) => {
    const mandate = await addMandate(ctx, {
      customerId: invoice.customerId,
      mandateReference: `WALK-${++mandateCounter}-${crypto.randomUUID().slice(0, 8)}`,
      iban: 'NL91ABNA0417164300',
      debtorName: 'Walk BV',
      signedOn: calendarDateAt(ctx.now, ctx.timeZone),
    })
    return { id: invoice.id, mandateId: mandate.id }
  })
}

let dunningRunCounter = 0

async function collectionCharge(b: TenantB): Promise<string> {
  return b.tenant.run(async (ctx) => {
    const { customer, invoices } = await arrangeCustomerWithInvoices(ctx, {}, [
      { netMinor: 100_00n, issueDate: '2026-01-05' },
    ])
    // After the due date (invoices of other fixtures may have moved the issue date to today).
    const runDate = addDays(invoices[0]?.dueDate as string, 10 + ++dunningRunCounter)
    const message = await arrangeDunningMessage(ctx, {
      customer,
      invoices,
      runDate,
      channel: 'email',
      templateKey: 'final_notice',
      action: 'charge_costs_and_interest',
    })
    await chargeCostsAndInterest(ctx, runDate, [message.messageId])
    const charge = await ctx.db
      .selectFrom('collectionCharge')
      .select('id')
      .where('messageId', '=', message.messageId)
      .executeTakeFirstOrThrow()
    return charge.id
  })
}

let customerCounter = 0
let accountCounter = 0

/** An issued invoice of 12.10 in B, made through invoicing's services. */
async function issuedInvoice(b: TenantB): Promise<{ id: string; customerId: string }> {
  return b.tenant.run(async (ctx) => {
    await arrangeBillingSettings(ctx)
    const customer = await arrangeCustomer(ctx)
    const draft = await createInvoiceDraft(
      ctx,
      manualDraft(customer.id, [line('WALK', '1', 1000n, 'S', '21')]),
    )
    return issueInvoice(ctx, draft.id)
  })
}

async function newCustomer(b: TenantB): Promise<{ id: string }> {
  return b.api('POST', '/v1/customers', {
    number: `WALK-${++customerCounter}-${crypto.randomUUID().slice(0, 8)}`,
    legal_name: 'Walk BV',
  })
}

async function newOrder(b: TenantB, extra: Record<string, unknown> = {}): Promise<any> {
  const customer = await newCustomer(b)
  return b.api('POST', '/v1/orders', {
    customer_id: customer.id,
    lines: [
      { item_code: 'WALK', quantity: '2', unit_price: '10.00', vat_category: 'S', vat_rate: '21' },
    ],
    ...extra,
  })
}

async function newWebhook(b: TenantB): Promise<{ id: string }> {
  return b.api('POST', '/v1/webhooks', {
    url: 'https://example.com/o2c-walk',
    event_types: ['*'],
  })
}

/** A webhook for every event, then a customer: one event and one delivery of it. */
async function deliveredEvent(b: TenantB): Promise<{ eventId: string; deliveryId: string }> {
  const webhook = await newWebhook(b)
  await newCustomer(b)
  const deliveries = await b.api('GET', `/v1/webhooks/${webhook.id}/deliveries`)
  const [delivery] = deliveries.data
  if (!delivery) throw new Error('fixture: the new customer made no webhook delivery')
  return { eventId: delivery.event_id, deliveryId: delivery.id }
}

/** Builds the helper a fixture gets for tenant B. */
export function tenantB(
  platform: Platform,
  app: FastifyInstance,
  tenant: TestTenant,
  key: string,
): TenantB {
  return {
    platform,
    app,
    tenant,
    key,
    async api(method, url, body) {
      const response = await call(app, key, method, url, body, {
        'idempotency-key': crypto.randomUUID(),
      })
      if (response.status >= 300) {
        throw new Error(`fixture: ${method} ${url} answered ${response.status}: ${response.text}`)
      }
      return response.body
    },
  }
}
