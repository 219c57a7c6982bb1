import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Ctx } from '../../db/context.js'
import { idParam, pageOf, pageQuery, problemReplies } from '../../http/schemas.js'
import { expectedVersion, read, withEtag, write } from '../../http/unit-of-work.js'
import { getCustomerHeader } from '../customers/index.js'
import {
  getBillingSettings,
  logoBytesMax,
  putBillingLogo,
  putBillingSettings,
} from './billing-settings.js'
import { creditNoteRoutes } from './credit-note-routes.js'
import { getCustomerBilling, putCustomerBilling } from './customer-billing.js'
import { createInvoiceDraft, deleteInvoiceDraft, updateInvoiceDraft } from './drafts.js'
import { listExchangeRates, putExchangeRate } from './exchange-rates.js'
import { issueInvoice } from './issue.js'
import { getInvoice, listInvoices, listOpenItems } from './queries.js'
import {
  billingSettingsFromApi,
  billingSettingsIn,
  billingSettingsOut,
  billingSettingsToApi,
  customerBillingFromApi,
  customerBillingIn,
  customerBillingOut,
  customerBillingToApi,
  draftFromApi,
  exchangeRateFromApi,
  exchangeRateIn,
  exchangeRateOut,
  exchangeRateToApi,
  invoiceOut,
  invoicePatchIn,
  invoiceSummaryOut,
  invoiceSummaryToApi,
  invoiceToApi,
  issueIn,
  newInvoiceIn,
  openItemOut,
  openItemToApi,
  timelineStepOut,
  timelineStepToApi,
  unsetBillingSettings,
} from './schemas.js'
import { statementRoutes } from './statement-routes.js'
import { invoiceTimeline } from './timeline.js'

// /v1/invoices (manual drafts, issuing, the track & trace), /v1/open-items, the tenant's
// /v1/billing-settings, each customer's /v1/customers/{id}/billing and /v1/exchange-rates.

export async function invoicingRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()
  // Logos arrive as the image bytes themselves (PUT /billing-settings/logo).
  app.addContentTypeParser(
    ['image/png', 'image/jpeg'],
    { parseAs: 'buffer', bodyLimit: logoBytesMax },
    (_request, body, done) => done(null, body),
  )
  await creditNoteRoutes(app) // credit-note-routes.ts
  await statementRoutes(app) // statement-routes.ts

  r.post(
    '/invoices',
    {
      config: { permission: 'invoices.write' },
      schema: {
        summary: 'Draft a manual invoice ("issue": true issues it at once)',
        tags: ['invoices'],
        body: newInvoiceIn,
        response: { 201: invoiceOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 201, async (ctx) => {
        const { issue, issue_date, ...fields } = request.body
        const currency =
          fields.currency?.toUpperCase() ??
          (await getCustomerHeader(ctx, fields.customer_id)).currency
        const draft = await createInvoiceDraft(ctx, {
          origin: 'manual',
          customerId: fields.customer_id,
          lines: [],
          ...draftFromApi(fields, currency),
        })
        return invoiceToApi(
          issue ? await issueInvoice(ctx, draft.id, { issueDate: issue_date }) : draft,
        )
      }),
  )

  r.get(
    '/invoices',
    {
      config: { permission: 'invoices.read' },
      schema: {
        summary: 'Find invoices and credit notes',
        tags: ['invoices'],
        querystring: z.object({
          customer_id: z.uuid().optional(),
          status: z.enum(['draft', 'issued']).optional(),
          document_type: z.enum(['invoice', 'credit_note']).optional(),
          overdue: z
            .enum(['true', 'false'])
            .optional()
            .describe('true: issued invoices past due with something open'),
          number: z.string().max(100).optional(),
          ...pageQuery,
        }),
        response: { 200: pageOf(invoiceSummaryOut), ...problemReplies },
      },
    },
    async (request) => {
      const q = request.query
      const page = await read(request, (ctx) =>
        listInvoices(ctx, {
          customerId: q.customer_id,
          status: q.status,
          documentType: q.document_type,
          overdue: q.overdue === 'true',
          number: q.number,
          cursor: q.cursor,
          limit: q.limit,
        }),
      )
      return { data: page.data.map(invoiceSummaryToApi), next_cursor: page.nextCursor }
    },
  )

  r.get(
    '/invoices/:id',
    {
      config: { permission: 'invoices.read' },
      schema: {
        summary: 'An invoice or credit note: lines, allowances, VAT, totals, open amount',
        tags: ['invoices'],
        params: idParam,
        response: { 200: invoiceOut, ...problemReplies },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        invoiceToApi(await read(request, (ctx) => getInvoice(ctx, request.params.id))),
      ),
  )

  r.patch(
    '/invoices/:id',
    {
      config: { permission: 'invoices.write' },
      schema: {
        summary: 'Change a draft (If-Match); lines or allowances, when sent, replace all',
        tags: ['invoices'],
        params: idParam,
        body: invoicePatchIn,
        response: { 200: invoiceOut, ...problemReplies },
      },
    },
    (request, reply) => {
      const version = expectedVersion(request)
      return write(request, reply, 200, async (ctx) => {
        const current = await getInvoice(ctx, request.params.id)
        const currency = request.body.currency?.toUpperCase() ?? current.currency
        return invoiceToApi(
          await updateInvoiceDraft(
            ctx,
            request.params.id,
            draftFromApi(request.body, currency),
            version,
          ),
        )
      })
    },
  )

  r.delete(
    '/invoices/:id',
    {
      config: { permission: 'invoices.write' },
      schema: {
        summary: 'Delete a draft (an issued document is never deleted)',
        tags: ['invoices'],
        params: idParam,
        response: { 204: z.null(), ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 204, async (ctx) => {
        await deleteInvoiceDraft(ctx, request.params.id)
        return null
      }),
  )

  r.post(
    '/invoices/:id/issue',
    {
      config: { permission: 'invoices.write' },
      schema: {
        summary: 'Issue a draft invoice or credit note: number, VAT, due date, ledger',
        tags: ['invoices'],
        params: idParam,
        body: issueIn,
        response: { 200: invoiceOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        invoiceToApi(
          await issueInvoice(ctx, request.params.id, { issueDate: request.body?.issue_date }),
        ),
      ),
  )

  r.get(
    '/invoices/:id/timeline',
    {
      config: { permission: 'invoices.read' },
      schema: {
        summary: "The invoice's track & trace: issued, sent, delivered, opened, paid, …",
        tags: ['invoices'],
        params: idParam,
        response: { 200: z.object({ data: z.array(timelineStepOut) }), ...problemReplies },
      },
    },
    async (request) => {
      const steps = await read(request, async (ctx) => {
        await getInvoice(ctx, request.params.id) // not found for another tenant's id
        return invoiceTimeline(ctx, request.params.id)
      })
      return { data: steps.map(timelineStepToApi) }
    },
  )

  r.get(
    '/open-items',
    {
      config: { permission: 'invoices.read' },
      schema: {
        summary: 'Issued invoices with something open, oldest due first',
        tags: ['invoices'],
        querystring: z.object({
          customer_id: z.uuid().optional(),
          currency: z.string().length(3).optional(),
        }),
        response: { 200: z.object({ data: z.array(openItemOut) }), ...problemReplies },
      },
    },
    async (request) => {
      const items = await read(request, (ctx) =>
        listOpenItems(ctx, {
          customerId: request.query.customer_id,
          currency: request.query.currency?.toUpperCase(),
        }),
      )
      return { data: items.map(openItemToApi) }
    },
  )

  r.get(
    '/billing-settings',
    {
      config: { permission: 'invoices.read' },
      schema: {
        summary: 'The seller on the invoices, payment references, series, calendar, look',
        tags: ['invoices'],
        response: { 200: billingSettingsOut, ...problemReplies },
      },
    },
    async (request, reply) => {
      const settings = await read(request, getBillingSettings)
      return withEtag(reply, settings ? billingSettingsToApi(settings) : unsetBillingSettings)
    },
  )

  r.put(
    '/billing-settings',
    {
      config: { permission: 'invoices.write' },
      schema: {
        summary: 'Set the billing settings (If-Match with the ETag read; "0" the first time)',
        tags: ['invoices'],
        body: billingSettingsIn,
        response: { 200: billingSettingsOut, ...problemReplies },
      },
    },
    (request, reply) => {
      const version = request.headers['if-match'] ? expectedVersion(request) : undefined
      return write(request, reply, 200, async (ctx) =>
        billingSettingsToApi(
          await putBillingSettings(ctx, billingSettingsFromApi(request.body), version),
        ),
      )
    },
  )

  r.put(
    '/billing-settings/logo',
    {
      config: { permission: 'invoices.write' },
      bodyLimit: logoBytesMax,
      schema: {
        summary: `Replace the logo on the PDFs: PNG or JPEG bytes, at most ${logoBytesMax / 1024} KiB`,
        tags: ['invoices'],
        consumes: ['image/png', 'image/jpeg'],
        response: { 200: billingSettingsOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        billingSettingsToApi(await putBillingLogo(ctx, request.body as Buffer)),
      ),
  )

  r.get(
    '/customers/:id/billing',
    {
      config: { permission: 'invoices.read' },
      schema: {
        summary: 'How a customer is billed: frequency, channel, e-mail, Peppol id',
        tags: ['invoices', 'customers'],
        params: idParam,
        response: { 200: customerBillingOut, ...problemReplies },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        customerBillingToApi(
          await read(request, (ctx) => getCustomerBilling(ctx, request.params.id)),
        ),
      ),
  )

  r.put(
    '/customers/:id/billing',
    {
      config: { permission: 'invoices.write' },
      schema: {
        summary: 'Set a customer\'s billing profile (If-Match; "0" for the first time)',
        tags: ['invoices', 'customers'],
        params: idParam,
        body: customerBillingIn,
        response: { 200: customerBillingOut, ...problemReplies },
      },
    },
    (request, reply) => {
      const version = expectedVersion(request)
      return write(request, reply, 200, async (ctx: Ctx) =>
        customerBillingToApi(
          await putCustomerBilling(
            ctx,
            request.params.id,
            customerBillingFromApi(request.body),
            version,
          ),
        ),
      )
    },
  )

  r.put(
    '/exchange-rates',
    {
      config: { permission: 'invoices.write' },
      schema: {
        summary: 'Set the rate of a currency to the accounting currency from a date on',
        tags: ['invoices'],
        body: exchangeRateIn,
        response: { 200: exchangeRateOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        exchangeRateToApi(await putExchangeRate(ctx, exchangeRateFromApi(request.body))),
      ),
  )

  r.get(
    '/exchange-rates',
    {
      config: { permission: 'invoices.read' },
      schema: {
        summary: 'Exchange rates to the accounting currency, newest first per currency',
        tags: ['invoices'],
        querystring: z.object({ currency: z.string().length(3).optional() }),
        response: { 200: z.object({ data: z.array(exchangeRateOut) }), ...problemReplies },
      },
    },
    async (request) => {
      const rates = await read(request, (ctx) =>
        listExchangeRates(ctx, { currency: request.query.currency?.toUpperCase() }),
      )
      return { data: rates.map(exchangeRateToApi) }
    },
  )
}
