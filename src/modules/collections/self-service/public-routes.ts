import formbody from '@fastify/formbody'
import multipart from '@fastify/multipart'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { addDays } from '../../../core/dates.js'
import { DomainError } from '../../../core/errors.js'
import { isUuid } from '../../../core/ids.js'
import { formatAmount } from '../../../core/money.js'
import type { Ctx } from '../../../db/context.js'
import { notFoundHtml } from '../../payments/index.js'
import { attachmentBytesMax, type NewAttachment } from '../disputes/attachments.js'
import { type DisputeCategory, disputeCategories } from '../tables.js'
import {
  disputeDoneHtml,
  disputeFormHtml,
  type FormState,
  planDoneHtml,
  planFormHtml,
  promiseDoneHtml,
  promiseFormHtml,
} from './pages.js'
import {
  disputeFromPayPage,
  formToken,
  isFormTokenValid,
  offersFor,
  planFromPayPage,
  promiseFromPayPage,
  type SelfServiceInvoice,
  type SelfServiceKind,
  withPayLink,
} from './self-service.js'

// Self-service on the pay page, outside /v1 and without an API key, under the pay page's own
// token path (payments/public-routes.ts serves /pay/<token>):
//   GET  /pay/<token>/dispute            the form          POST: open the dispute
//   GET  /pay/<token>/dispute/<id>       its confirmation (after a 303 from the POST)
//   GET  /pay/<token>/promise            the form          POST: make the promise
//   GET  /pay/<token>/promise/<id>       its confirmation
//   GET  /pay/<token>/plan               the offers        POST: choose one
//   GET  /pay/<token>/plan/<id>          its confirmation
// An unknown or forged token is the pay page's not-found page, and nothing is read or
// written. A refused form (bad amount, date too far ahead, file too large) is the form again
// with the reason in the customer's language (422). See self-service.ts for CSRF.

type Params = { token: string }

export async function selfServicePublicRoutes(app: FastifyInstance): Promise<void> {
  await app.register(async (pages) => {
    await pages.register(formbody, { bodyLimit: 64 * 1024 })
    await pages.register(multipart, {
      limits: { fileSize: attachmentBytesMax, files: 1, fields: 8, fieldSize: 16 * 1024 },
    })
    selfServicePages(pages)
  })
}

function selfServicePages(app: FastifyInstance): void {
  const payPath = (request: FastifyRequest<{ Params: Params }>) => `/pay/${request.params.token}`

  // The three forms: served for a genuine token only.
  const formPage =
    (kind: SelfServiceKind) =>
    async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
      const html = await renderForm(request, kind, {})
      if (html === undefined) return sendHtml(reply, 404, notFoundHtml())
      return sendHtml(reply, 200, html)
    }

  async function renderForm(
    request: FastifyRequest<{ Params: Params }>,
    kind: SelfServiceKind,
    state: FormState,
  ): Promise<string | undefined> {
    return withPayLink(request.server.platform, request.params.token, async (ctx, invoice, t) => {
      const token = formToken(t, kind, ctx.now)
      switch (kind) {
        case 'dispute':
          return disputeFormHtml(invoice, payPath(request), token, state)
        case 'promise':
          return promiseFormHtml(invoice, payPath(request), token, latestPromise(invoice), state)
        case 'plan':
          return planFormHtml(
            invoice,
            payPath(request),
            token,
            await offersFor(ctx, invoice),
            state,
          )
      }
    })
  }

  /** Runs a submission; the outcome is a redirect to its confirmation or the form again. */
  async function submit(
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
    kind: SelfServiceKind,
    fields: Record<string, string>,
    work: (
      ctx: Parameters<Parameters<typeof withPayLink>[2]>[0],
      invoice: SelfServiceInvoice,
    ) => Promise<string>,
  ) {
    let outcome: { id: string } | { expired: true } | undefined
    try {
      outcome = await withPayLink(
        request.server.platform,
        request.params.token,
        async (ctx, invoice, t) => {
          if (!isFormTokenValid(t, kind, fields.form_token, ctx.now)) return { expired: true }
          return { id: await work(ctx, invoice) }
        },
      )
    } catch (error) {
      if (!(error instanceof DomainError) || error.status >= 500) throw error
      request.log.info({ code: error.code, detail: error.message }, `pay page ${kind} refused`)
      const html = await renderForm(request, kind, {
        values: fields,
        errors: customerMessages(error),
      })
      if (html === undefined) return sendHtml(reply, 404, notFoundHtml())
      return sendHtml(reply, 422, html)
    }
    if (outcome === undefined) return sendHtml(reply, 404, notFoundHtml())
    if ('expired' in outcome) {
      const html = await renderForm(request, kind, { values: fields, expired: true })
      return sendHtml(reply, 409, html ?? notFoundHtml())
    }
    // Post/redirect/get: a reload of the confirmation does not submit again.
    return reply
      .header('cache-control', 'no-store')
      .redirect(`${payPath(request)}/${kind}/${outcome.id}`, 303)
  }

  app.get<{ Params: Params }>(
    '/pay/:token/dispute',
    { schema: { hide: true } },
    formPage('dispute'),
  )
  app.get<{ Params: Params }>(
    '/pay/:token/promise',
    { schema: { hide: true } },
    formPage('promise'),
  )
  app.get<{ Params: Params }>('/pay/:token/plan', { schema: { hide: true } }, formPage('plan'))

  app.post<{ Params: Params }>(
    '/pay/:token/dispute',
    { schema: { hide: true } },
    async (request, reply) => {
      let form: { fields: Record<string, string>; file?: NewAttachment }
      try {
        form = await formFields(request)
      } catch (error) {
        if (!(error instanceof DomainError)) throw error
        const html = await renderForm(request, 'dispute', { errors: customerMessages(error) })
        return sendHtml(reply, html === undefined ? 404 : 422, html ?? notFoundHtml())
      }
      const f = form.fields
      return submit(request, reply, 'dispute', f, async (ctx, invoice) => {
        const category = (disputeCategories as readonly string[]).includes(f.category)
          ? (f.category as DisputeCategory)
          : 'other'
        const made = await disputeFromPayPage(ctx, invoice, {
          category,
          amount: f.amount ?? '',
          description: f.description ?? '',
          file: form.file,
        })
        return made.id
      })
    },
  )

  app.post<{ Params: Params }>(
    '/pay/:token/promise',
    { schema: { hide: true } },
    async (request, reply) => {
      const f = plainFields(request.body)
      return submit(request, reply, 'promise', f, async (ctx, invoice) => {
        const made = await promiseFromPayPage(ctx, invoice, {
          amount: f.amount ?? '',
          promisedOn: f.promised_on ?? '',
        })
        return made.id
      })
    },
  )

  app.post<{ Params: Params }>(
    '/pay/:token/plan',
    { schema: { hide: true } },
    async (request, reply) => {
      const f = plainFields(request.body)
      return submit(request, reply, 'plan', f, async (ctx, invoice) => {
        const made = await planFromPayPage(ctx, invoice, Number(f.instalments))
        return made.id
      })
    },
  )

  // The confirmations: only of a record of this very invoice.
  confirmation(app, 'dispute', async (ctx, invoice, id, back) => {
    const d = await ctx.db
      .selectFrom('dispute')
      .select(['number', 'disputedMinor', 'currency', 'slaDueOn'])
      .where('tenantId', '=', ctx.tenantId)
      .where('id', '=', id)
      .where('invoiceId', '=', invoice.invoiceId)
      .executeTakeFirst()
    if (!d) return undefined
    return disputeDoneHtml(invoice, back, {
      number: d.number,
      amount: formatAmount(BigInt(d.disputedMinor), d.currency),
      slaDueOn: d.slaDueOn,
    })
  })
  confirmation(app, 'promise', async (ctx, invoice, id, back) => {
    const p = await ctx.db
      .selectFrom('promiseToPay as p')
      .innerJoin('promiseToPayItem as pi', (join) =>
        join.onRef('pi.tenantId', '=', 'p.tenantId').onRef('pi.promiseId', '=', 'p.id'),
      )
      .select(['p.amountMinor', 'p.currency', 'p.promisedOn'])
      .where('p.tenantId', '=', ctx.tenantId)
      .where('p.id', '=', id)
      .where('pi.invoiceId', '=', invoice.invoiceId)
      .executeTakeFirst()
    if (!p) return undefined
    return promiseDoneHtml(invoice, back, {
      amount: formatAmount(BigInt(p.amountMinor), p.currency),
      promisedOn: p.promisedOn,
    })
  })
  confirmation(app, 'plan', async (ctx, invoice, id, back) => {
    const covers = await ctx.db
      .selectFrom('paymentPlanItem')
      .select('planId')
      .where('tenantId', '=', ctx.tenantId)
      .where('planId', '=', id)
      .where('invoiceId', '=', invoice.invoiceId)
      .executeTakeFirst()
    if (!covers) return undefined
    const instalments = await ctx.db
      .selectFrom('paymentPlanInstalment')
      .select(['dueOn', 'amountMinor'])
      .where('tenantId', '=', ctx.tenantId)
      .where('planId', '=', id)
      .orderBy('position')
      .execute()
    return planDoneHtml(
      invoice,
      back,
      instalments.map((i) => ({ dueOn: i.dueOn, amountMinor: BigInt(i.amountMinor) })),
    )
  })
}

/**
 * GET /pay/{token}/{kind}/{id}: the confirmation page of what the customer just did (back: the pay page). Anything
 * that is not a record of this very invoice is answered as the pay page answers a stranger.
 */
function confirmation(
  app: FastifyInstance,
  kind: 'dispute' | 'promise' | 'plan',
  page: (
    ctx: Ctx,
    invoice: SelfServiceInvoice,
    id: string,
    back: string,
  ) => Promise<string | undefined>,
): void {
  app.get<{ Params: Params & { id: string } }>(
    `/pay/:token/${kind}/:id`,
    { schema: { hide: true } },
    async (request, reply) => {
      const { token, id } = request.params
      const html = await withPayLink(request.server.platform, token, async (ctx, invoice) =>
        isUuid(id) ? page(ctx, invoice, id, `/pay/${token}`) : undefined,
      )
      return sendHtml(reply, html ? 200 : 404, html ?? notFoundHtml())
    },
  )
}

function latestPromise(invoice: SelfServiceInvoice): string {
  return addDays(invoice.today, invoice.promiseMaxDays)
}

function plainFields(body: unknown): Record<string, string> {
  if (!body || typeof body !== 'object') return {}
  return Object.fromEntries(
    Object.entries(body as Record<string, unknown>)
      .filter(([, v]) => typeof v === 'string')
      .map(([k, v]) => [k, v as string]),
  )
}

/** The dispute form: multipart (with an optional file) or urlencoded. */
async function formFields(
  request: FastifyRequest,
): Promise<{ fields: Record<string, string>; file?: NewAttachment }> {
  if (!request.isMultipart()) return { fields: plainFields(request.body) }
  const fields: Record<string, string> = {}
  let file: NewAttachment | undefined
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const content = await part.toBuffer().catch((error: unknown) => {
        if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
          throw new DomainError('collections.attachment_too_large', 'file: more than 10 MB', {
            field: 'file',
          })
        }
        throw error
      })
      // A form sent without choosing a file has an empty, nameless part.
      if (content.length > 0 && part.filename) {
        file = { fileName: part.filename, contentType: part.mimetype, content }
      }
    } else if (typeof part.value === 'string') {
      fields[part.fieldname] = part.value
    }
  }
  return { fields, file }
}

/** The reasons a form was refused, as the customer reads them (nl and en alike: the detail). */
function customerMessages(error: DomainError): { field: string; message: string }[] {
  const issues = (error.details.errors as { field: string; message: string }[] | undefined) ?? []
  if (issues.length > 0)
    return issues.map((i) => ({ field: i.field, message: `${i.field}: ${i.message}` }))
  const known: Record<string, string> = {
    'collections.attachment_too_large': 'file: at most 10 MB',
    'collections.attachment_type_not_allowed': 'file: PDF, image, text or e-mail (.eml) only',
  }
  return [{ field: String(error.details.field ?? ''), message: known[error.code] ?? error.message }]
}

function sendHtml(reply: FastifyReply, status: number, html: string) {
  return (
    reply
      .status(status)
      .type('text/html; charset=utf-8')
      // The token is in the URL: keep it out of caches and Referer headers.
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-robots-tag', 'noindex')
      .header(
        'content-security-policy',
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
      )
      .send(html)
  )
}
