import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { DomainError } from '../../core/errors.js'
import { handleProviderWebhook, startCheckout } from './checkout.js'
import { readPayToken } from './pay-link.js'
import { payPagePdf, visitPayPage } from './pay-page.js'
import { notFoundHtml, payPageHtml, unavailableHtml } from './pay-page-html.js'

// The public side of payments, outside /v1 and without an API key:
//   GET  /pay/<token>                 the pay page (records 'opened' on the timeline)
//   GET  /pay/<token>/invoice.pdf     the invoice as a PDF
//   POST /pay/<token>/checkout        "pay now": on to the provider's checkout
//   POST /webhooks/mollie/<tenant>    Mollie's webhook (form body id=tr_…), tenant id or slug
// A bad or tampered token is a 404 page and records nothing.

export async function paymentPublicRoutes(app: FastifyInstance): Promise<void> {
  // Form bodies only here: the webhook's id=tr_… and the pay page's button.
  await app.register(formbody, { bodyLimit: 4096 })

  app.get<{ Params: { token: string } }>(
    '/pay/:token',
    { schema: { hide: true } },
    async (request, reply) => {
      const token = readPayToken(request.params.token)
      const page = token ? await visitPayPage(request.server.platform, token) : undefined
      if (!page) return sendHtml(reply, 404, notFoundHtml())
      return sendHtml(reply, 200, payPageHtml(page, `/pay/${request.params.token}`))
    },
  )

  app.get<{ Params: { token: string } }>(
    '/pay/:token/invoice.pdf',
    { schema: { hide: true } },
    async (request, reply) => {
      const token = readPayToken(request.params.token)
      const file = token ? await payPagePdf(request.server.platform, token) : undefined
      if (!file) return sendHtml(reply, 404, notFoundHtml())
      return reply
        .status(200)
        .type('application/pdf')
        .header(
          'content-disposition',
          `inline; filename="${file.number.replace(/[^\w.-]/g, '_')}.pdf"`,
        )
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .send(Buffer.from(file.pdf))
    },
  )

  app.post<{ Params: { token: string } }>(
    '/pay/:token/checkout',
    { schema: { hide: true } },
    async (request, reply) => {
      const token = readPayToken(request.params.token)
      try {
        const next = token ? await startCheckout(request.server.platform, token) : undefined
        if (!next) return sendHtml(reply, 404, notFoundHtml())
        return reply.header('cache-control', 'no-store').redirect(next.redirectTo, 303)
      } catch (error) {
        // The customer sees a page, not a problem document: no provider, or it failed us.
        if (error instanceof DomainError && error.code.startsWith('payments.provider_')) {
          request.log.warn({ err: error }, 'pay now failed')
          return sendHtml(
            reply,
            error.status,
            unavailableHtml('nl', `/pay/${request.params.token}`),
          )
        }
        throw error
      }
    },
  )

  app.post<{ Params: { tenant: string }; Body: unknown }>(
    '/webhooks/mollie/:tenant',
    { schema: { hide: true } },
    async (request, reply) => {
      const id = (request.body as { id?: unknown } | undefined)?.id
      // Mollie wants 200 for ids it sent and for ids we do not know alike, so the webhook
      // tells a prober nothing; only our own failures answer otherwise (and Mollie retries).
      if (typeof id !== 'string' || !/^[\w-]{1,64}$/.test(id)) {
        return reply.status(200).send('')
      }
      const outcome = await handleProviderWebhook(
        request.server.platform,
        'mollie',
        request.params.tenant,
        id,
      )
      request.log.info({ providerPaymentId: id, outcome }, 'payment provider webhook')
      return reply.status(200).send('')
    },
  )
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
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'",
      )
      .send(html)
  )
}
