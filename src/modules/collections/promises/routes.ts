import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { calendarDateAt } from '../../../core/dates.js'
import { invalid } from '../../../core/errors.js'
import { formatAmount, parseAmount } from '../../../core/money.js'
import type { Ctx } from '../../../db/context.js'
import { calendarDate, decimalString, idParam, problemReplies } from '../../../http/schemas.js'
import { expectedVersion, read, withEtag, write } from '../../../http/unit-of-work.js'
import {
  cancelPaymentPlan,
  createPaymentPlan,
  getPaymentPlan,
  listPaymentPlans,
  type PlanView,
  planOffers,
} from '../plans/plans.js'
import {
  collectionSources,
  payIntents,
  planStatuses,
  promiseChannels,
  promiseStatuses,
} from '../tables.js'
import {
  type CustomerCollection,
  getCustomerCollection,
  payIntentReport,
  putCustomerCollection,
  requireCustomer,
  setPayIntent,
} from './customer-collection.js'
import {
  cancelPromise,
  getPromise,
  listPromises,
  makePromise,
  type PromiseView,
} from './promises.js'

// Promises to pay, payment plans, plan offers, the customer's collection flags and the
// can't-pay / won't-pay report over HTTP. Thin: parse, call the service, shape the reply.
// Amounts are decimal strings in the items' currency.

const tags = ['collections: promises and plans']

const promiseOut = z.object({
  id: z.uuid(),
  customer_id: z.uuid(),
  amount: z.string(),
  paid: z.string(),
  currency: z.string(),
  promised_on: z.string(),
  channel: z.enum(promiseChannels),
  status: z.enum(promiseStatuses),
  note: z.string().nullable(),
  made_at: z.string(),
  made_by: z.string(),
  closed_at: z.string().nullable(),
  version: z.number(),
  items: z.array(
    z.object({ invoice_id: z.uuid(), invoice_number: z.string(), amount: z.string() }),
  ),
})

export function promiseToApi(p: PromiseView): z.infer<typeof promiseOut> {
  return {
    id: p.id,
    customer_id: p.customerId,
    amount: formatAmount(p.amountMinor, p.currency),
    paid: formatAmount(p.paidMinor, p.currency),
    currency: p.currency,
    promised_on: p.promisedOn,
    channel: p.channel,
    status: p.status,
    note: p.note,
    made_at: p.madeAt.toISOString(),
    made_by: p.madeBy,
    closed_at: p.closedAt?.toISOString() ?? null,
    version: p.version,
    items: p.items.map((i) => ({
      invoice_id: i.invoiceId,
      invoice_number: i.number,
      amount: formatAmount(i.amountMinor, p.currency),
    })),
  }
}

const planOut = z.object({
  id: z.uuid(),
  customer_id: z.uuid(),
  total: z.string(),
  paid: z.string(),
  open: z.string(),
  currency: z.string(),
  status: z.enum(planStatuses),
  grace_days: z.number(),
  source: z.enum(collectionSources),
  note: z.string().nullable(),
  created_at: z.string(),
  created_by: z.string(),
  closed_at: z.string().nullable(),
  closed_reason: z.string().nullable(),
  version: z.number(),
  items: z.array(
    z.object({ invoice_id: z.uuid(), invoice_number: z.string(), amount: z.string() }),
  ),
  instalments: z.array(
    z.object({
      position: z.number(),
      due_on: z.string(),
      amount: z.string(),
      paid: z.string(),
      open: z.string(),
    }),
  ),
})

export function planToApi(p: PlanView): z.infer<typeof planOut> {
  const f = (minor: bigint) => formatAmount(minor, p.currency)
  return {
    id: p.id,
    customer_id: p.customerId,
    total: f(p.totalMinor),
    paid: f(p.paidMinor),
    open: f(p.totalMinor - p.paidMinor),
    currency: p.currency,
    status: p.status,
    grace_days: p.graceDays,
    source: p.source,
    note: p.note,
    created_at: p.createdAt.toISOString(),
    created_by: p.createdBy,
    closed_at: p.closedAt?.toISOString() ?? null,
    closed_reason: p.closedReason,
    version: p.version,
    items: p.items.map((i) => ({
      invoice_id: i.invoiceId,
      invoice_number: i.number,
      amount: f(i.amountMinor),
    })),
    instalments: p.instalments.map((i) => ({
      position: i.position,
      due_on: i.dueOn,
      amount: f(i.amountMinor),
      paid: f(i.paidMinor),
      open: f(i.openMinor),
    })),
  }
}

const collectionOut = z.object({
  customer_id: z.uuid(),
  do_not_dun: z.boolean(),
  do_not_dun_reason: z.string().nullable(),
  flags: z.array(z.string()),
  dunning_policy_id: z.uuid().nullable(),
  pay_intent: z.enum(payIntents).nullable(),
  pay_intent_note: z.string().nullable(),
  pay_intent_at: z.string().nullable(),
  pay_intent_by: z.string().nullable(),
  broken_promises: z.number(),
  last_broken_promise_on: z.string().nullable(),
  version: z.number(),
})

export function collectionToApi(c: CustomerCollection): z.infer<typeof collectionOut> {
  return {
    customer_id: c.customerId,
    do_not_dun: c.doNotDun,
    do_not_dun_reason: c.doNotDunReason,
    flags: c.flags,
    dunning_policy_id: c.dunningPolicyId,
    pay_intent: c.payIntent,
    pay_intent_note: c.payIntentNote,
    pay_intent_at: c.payIntentAt?.toISOString() ?? null,
    pay_intent_by: c.payIntentBy,
    broken_promises: c.brokenPromises,
    last_broken_promise_on: c.lastBrokenPromiseOn,
    version: c.version,
  }
}

/** An API amount in minor units of the items' currency (the first item's, unless given). */
function amountIn(text: string, field: string, currency: string): bigint {
  const minor = parseAmount(text, currency)
  if (minor === undefined) {
    throw invalid([{ field, message: `"${text}" is not an amount in ${currency}` }])
  }
  return minor
}

const promiseIn = z.object({
  customer_id: z.uuid(),
  invoice_ids: z.array(z.uuid()).min(1).max(500),
  amount: decimalString,
  currency: z.string().length(3).optional(),
  promised_on: calendarDate,
  channel: z.enum(promiseChannels),
  note: z.string().max(2000).optional(),
})

const planIn = z.object({
  customer_id: z.uuid(),
  invoice_ids: z.array(z.uuid()).min(1).max(500),
  currency: z.string().length(3).optional(),
  instalments: z
    .array(z.object({ due_on: calendarDate, amount: decimalString }))
    .min(1)
    .max(120),
  source: z.enum(collectionSources).default('collector'),
  grace_days: z.number().int().min(0).max(90).optional(),
  note: z.string().max(2000).optional(),
})

const cancelIn = z.object({ reason: z.string().max(500).optional() }).default({})

export async function promiseAndPlanRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.post(
    '/promises-to-pay',
    {
      config: { permission: 'collections.write' },
      schema: {
        summary: 'Record a promise to pay: an amount by a date, for open invoices of a customer',
        description:
          'The amount is spread over the invoices oldest due first; while the promise is ' +
          'active those invoices are not dunned. Refused (nothing written): a date before ' +
          "today (`collections.promise_in_past`), for channel `pay_page` beyond the tenant's " +
          '`promise_max_days` (`collections.promise_too_far`), more than is open ' +
          '(`collections.promise_exceeds_open`), an invoice under an active promise or plan ' +
          '(`collections.item_already_held`). The customer gets a confirmation in its language.',
        tags,
        body: promiseIn,
        response: { 201: promiseOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 201, async (ctx) => {
        const b = request.body
        const currency = b.currency ?? (await currencyOfInvoice(ctx, b.invoice_ids[0]))
        const { id } = await makePromise(ctx, {
          customerId: b.customer_id,
          invoiceIds: b.invoice_ids,
          amountMinor: amountIn(b.amount, 'amount', currency),
          promisedOn: b.promised_on,
          channel: b.channel,
          ...(b.note !== undefined ? { note: b.note } : {}),
        })
        return promiseToApi(await getPromise(ctx, id))
      }),
  )

  r.get(
    '/promises-to-pay',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: 'Promises to pay, newest first',
        tags,
        querystring: z.object({
          customer: z.uuid().optional(),
          status: z.enum(promiseStatuses).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ data: z.array(promiseOut) }), ...problemReplies },
      },
    },
    (request) =>
      read(request, async (ctx) => ({
        data: (
          await listPromises(ctx, {
            ...(request.query.customer ? { customerId: request.query.customer } : {}),
            ...(request.query.status ? { status: request.query.status } : {}),
            limit: request.query.limit,
          })
        ).map(promiseToApi),
      })),
  )

  r.get(
    '/promises-to-pay/:id',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: 'One promise to pay, with its invoices and what was paid on it',
        tags,
        params: idParam,
        response: { 200: promiseOut, ...problemReplies },
      },
    },
    (request) =>
      read(request, async (ctx) => promiseToApi(await getPromise(ctx, request.params.id))),
  )

  r.post(
    '/promises-to-pay/:id/cancel',
    {
      config: { permission: 'collections.write' },
      schema: {
        summary: 'Cancel an active promise: its invoices are dunned again',
        tags,
        params: idParam,
        body: cancelIn,
        response: { 200: promiseOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        promiseToApi(
          await cancelPromise(ctx, request.params.id, {
            ...(request.body.reason ? { reason: request.body.reason } : {}),
          }),
        ),
      ),
  )

  r.post(
    '/payment-plans',
    {
      config: { permission: 'collections.write' },
      schema: {
        summary: 'Create a payment plan: instalments that add up to what is open on the invoices',
        description:
          'Instalments must add up to the invoices’ open total to the cent ' +
          '(`collections.plan_instalments_mismatch` names both sums), on ascending dates not ' +
          'before today (`collections.plan_dates_invalid`). `grace_days` defaults to the ' +
          "tenant's `plan_grace_days`. With source `pay_page` the tenant's limits apply " +
          '(`plan_max_instalments`, `plan_min_instalment_minor`). Cash on the invoices fills ' +
          'the instalments oldest first; an instalment short beyond its date plus grace ' +
          'breaches the plan.',
        tags,
        body: planIn,
        response: { 201: planOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 201, async (ctx) => {
        const b = request.body
        const currency = b.currency ?? (await currencyOfInvoice(ctx, b.invoice_ids[0]))
        const { id } = await createPaymentPlan(ctx, {
          customerId: b.customer_id,
          invoiceIds: b.invoice_ids,
          instalments: b.instalments.map((i, k) => ({
            dueOn: i.due_on,
            amountMinor: amountIn(i.amount, `instalments[${k}].amount`, currency),
          })),
          source: b.source,
          ...(b.grace_days !== undefined ? { graceDays: b.grace_days } : {}),
          ...(b.note !== undefined ? { note: b.note } : {}),
        })
        return planToApi(await getPaymentPlan(ctx, id))
      }),
  )

  r.get(
    '/payment-plans',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: 'Payment plans, newest first, with their instalments paid and open',
        tags,
        querystring: z.object({
          customer: z.uuid().optional(),
          status: z.enum(planStatuses).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ data: z.array(planOut) }), ...problemReplies },
      },
    },
    (request) =>
      read(request, async (ctx) => ({
        data: (
          await listPaymentPlans(ctx, {
            ...(request.query.customer ? { customerId: request.query.customer } : {}),
            ...(request.query.status ? { status: request.query.status } : {}),
            limit: request.query.limit,
          })
        ).map(planToApi),
      })),
  )

  r.get(
    '/payment-plans/:id',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: 'One payment plan, with its invoices and instalments paid and open',
        tags,
        params: idParam,
        response: { 200: planOut, ...problemReplies },
      },
    },
    (request) =>
      read(request, async (ctx) => planToApi(await getPaymentPlan(ctx, request.params.id))),
  )

  r.post(
    '/payment-plans/:id/cancel',
    {
      config: { permission: 'collections.write' },
      schema: {
        summary: 'Cancel an active plan: its invoices are dunned again',
        tags,
        params: idParam,
        body: cancelIn,
        response: { 200: planOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        planToApi(
          await cancelPaymentPlan(ctx, request.params.id, {
            ...(request.body.reason ? { reason: request.body.reason } : {}),
          }),
        ),
      ),
  )

  r.get(
    '/customers/:id/plan-offers',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: "The payment plans the tenant's policy offers for these open invoices",
        description:
          'For 2 up to `plan_max_instalments` monthly instalments whose smallest is at least ' +
          '`plan_min_instalment_minor`; the first instalment 14 days from today, the first ' +
          'instalments carry the cents of the remainder. Empty when none is allowed or an ' +
          'invoice is already under a promise or plan. `invoice_ids` is comma-separated.',
        tags,
        params: idParam,
        querystring: z.object({ invoice_ids: z.string().min(1) }),
        response: {
          200: z.object({
            data: z.array(
              z.object({
                instalment_count: z.number(),
                instalments: z.array(z.object({ due_on: z.string(), amount: z.string() })),
              }),
            ),
          }),
          ...problemReplies,
        },
      },
    },
    (request) =>
      read(request, async (ctx) => {
        await requireCustomer(ctx, request.params.id)
        const ids = request.query.invoice_ids.split(',').map((s) => s.trim())
        const bad = ids.findIndex((id) => !z.uuid().safeParse(id).success)
        if (bad >= 0)
          throw invalid([{ field: 'invoice_ids', message: `"${ids[bad]}" is not an id` }])
        const today = calendarDateAt(ctx.now, ctx.timeZone)
        const offers = await planOffers(ctx, request.params.id, ids, today)
        const currency = await currencyOfInvoice(ctx, ids[0])
        return {
          data: offers.map((o) => ({
            instalment_count: o.instalments.length,
            instalments: o.instalments.map((i) => ({
              due_on: i.dueOn,
              amount: formatAmount(i.amountMinor, currency),
            })),
          })),
        }
      }),
  )

  r.get(
    '/customers/:id/collection',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: "The customer's collection settings: do-not-dun, flags, policy, pay intent",
        description: 'Version 0 (ETag "0") means nothing was recorded yet.',
        tags,
        params: idParam,
        response: { 200: collectionOut, ...problemReplies },
      },
    },
    (request, reply) =>
      read(request, async (ctx) =>
        withEtag(reply, collectionToApi(await getCustomerCollection(ctx, request.params.id))),
      ),
  )

  r.put(
    '/customers/:id/collection',
    {
      config: { permission: 'collections.write' },
      schema: {
        summary: 'Set do-not-dun (with a reason), flags and a chosen dunning policy (If-Match)',
        tags,
        params: idParam,
        body: z.object({
          do_not_dun: z.boolean(),
          do_not_dun_reason: z.string().max(500).nullable().optional(),
          flags: z.array(z.string()).max(50).default([]),
          dunning_policy_id: z.uuid().nullable().optional(),
        }),
        response: { 200: collectionOut, ...problemReplies },
      },
    },
    (request, reply) => {
      const version = expectedVersion(request)
      return write(request, reply, 200, async (ctx) =>
        collectionToApi(
          await putCustomerCollection(ctx, request.params.id, version, {
            doNotDun: request.body.do_not_dun,
            doNotDunReason: request.body.do_not_dun_reason ?? null,
            flags: request.body.flags,
            dunningPolicyId: request.body.dunning_policy_id ?? null,
          }),
        ),
      )
    },
  )

  r.put(
    '/customers/:id/pay-intent',
    {
      config: { permission: 'collections.write' },
      schema: {
        summary:
          "Classify the customer as can't pay (a plan) or won't pay (escalation), or clear it",
        tags,
        params: idParam,
        body: z.object({
          pay_intent: z.enum(payIntents).nullable(),
          note: z.string().max(2000).nullable().optional(),
        }),
        response: { 200: collectionOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        collectionToApi(
          await setPayIntent(ctx, request.params.id, {
            payIntent: request.body.pay_intent,
            note: request.body.note ?? null,
          }),
        ),
      ),
  )

  r.get(
    '/reports/pay-intent',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary:
          "Can't pay / won't pay: customers and open amounts per classification; plans per status",
        description:
          '`unclassified` counts the other customers with an overdue invoice. Amounts per currency.',
        tags,
        response: {
          200: z.object({
            classifications: z.array(
              z.object({
                pay_intent: z.string(),
                customers: z.number(),
                open: z.array(z.object({ currency: z.string(), amount: z.string() })),
              }),
            ),
            plans: z.array(
              z.object({
                status: z.string(),
                plans: z.number(),
                totals: z.array(z.object({ currency: z.string(), amount: z.string() })),
              }),
            ),
          }),
          ...problemReplies,
        },
      },
    },
    (request) =>
      read(request, async (ctx) => {
        const report = await payIntentReport(ctx)
        return {
          classifications: report.classifications.map((c) => ({
            pay_intent: c.payIntent,
            customers: c.customers,
            open: c.open.map((o) => ({
              currency: o.currency,
              amount: formatAmount(o.openMinor, o.currency),
            })),
          })),
          plans: report.plans.map((p) => ({
            status: p.status,
            plans: p.plans,
            totals: p.totals.map((t) => ({
              currency: t.currency,
              amount: formatAmount(t.totalMinor, t.currency),
            })),
          })),
        }
      }),
  )
}

async function currencyOfInvoice(ctx: Ctx, invoiceId: string): Promise<string> {
  const row = await ctx.db
    .selectFrom('invoice')
    .select('currency')
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', invoiceId)
    .executeTakeFirst()
  return row?.currency ?? 'EUR'
}
