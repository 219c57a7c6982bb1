import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll } from 'vitest'

// A local server that speaks Mollie's Payments API v2 as far as o2c uses it, for tests:
//   POST /v2/payments      (Bearer API key; JSON amount {currency, value "10.00"}, description,
//                           redirectUrl, webhookUrl, metadata, method) → 201 with _links.checkout
//   GET  /v2/payments/:id  → 200 the payment; 404 problem JSON for an id of another key or none
//   GET  /checkout/:id     the hosted checkout page the customer is sent to
// and, like Mollie, it calls the payment's webhookUrl with a form body id=tr_… whenever the
// test changes a payment's status (pay, fail, …). Nothing of the payment is in the webhook.

export type FakeMolliePayment = {
  id: string
  apiKey: string
  status: 'open' | 'pending' | 'paid' | 'failed' | 'canceled' | 'expired'
  amount: { currency: string; value: string }
  description: string
  redirectUrl: string
  webhookUrl?: string
  metadata: unknown
  method: string | null
  paidAt: string | null
  createdAt: string
  details?: { consumerName: string; consumerAccount: string; consumerBic: string }
}

export type FakeMollie = {
  /** The API's base URL, for O2C_MOLLIE_API_URL: http://127.0.0.1:<port>/v2/ */
  apiUrl: string
  /** The API keys the server accepts. */
  apiKeys: Set<string>
  payments: Map<string, FakeMolliePayment>
  /** Requests to the API, in order ("POST /v2/payments", …). */
  requests: string[]
  /** Sets the status (paid: with method and paidAt) and calls the webhook; its HTTP status. */
  setStatus(id: string, status: FakeMolliePayment['status'], method?: string): Promise<number>
  /** Calls a webhook URL with id=… as Mollie does (replays, forgeries); the HTTP status. */
  callWebhook(webhookUrl: string, id: string): Promise<number>
}

export async function fakeMollie(apiKeys: string[] = ['test_fakeMollieKey0123456789abcd']) {
  const payments = new Map<string, FakeMolliePayment>()
  const requests: string[] = []
  const keys = new Set(apiKeys)

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    try {
      if (url.pathname.startsWith('/checkout/')) return checkoutPage(url, response)
      requests.push(`${request.method} ${url.pathname}`)
      const apiKey = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1]
      if (!apiKey || !keys.has(apiKey)) {
        return problem(
          response,
          401,
          'Unauthorized Request',
          'Missing authentication, or failed to authenticate',
        )
      }
      if (request.method === 'POST' && url.pathname === '/v2/payments') {
        return createPayment(await jsonBody(request), apiKey, response)
      }
      const match = /^\/v2\/payments\/([^/]+)$/.exec(url.pathname)
      if (request.method === 'GET' && match) {
        const payment = payments.get(match[1])
        if (!payment || payment.apiKey !== apiKey) {
          return problem(response, 404, 'Not Found', `No payment exists with token ${match[1]}.`)
        }
        return send(response, 200, resource(payment))
      }
      return problem(response, 404, 'Not Found', 'The resource does not exist')
    } catch (error) {
      return problem(response, 422, 'Unprocessable Entity', (error as Error).message)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  function createPayment(body: any, apiKey: string, response: ServerResponse) {
    const value = body?.amount?.value
    if (typeof value !== 'string' || !/^\d+\.\d{2}$/.test(value) || value === '0.00') {
      return problem(response, 422, 'Unprocessable Entity', 'The amount is invalid', 'amount')
    }
    if (typeof body.description !== 'string' || body.description === '') {
      return problem(
        response,
        422,
        'Unprocessable Entity',
        'The description is invalid',
        'description',
      )
    }
    if (typeof body.redirectUrl !== 'string') {
      return problem(
        response,
        422,
        'Unprocessable Entity',
        'The redirect URL is invalid',
        'redirectUrl',
      )
    }
    const payment: FakeMolliePayment = {
      id: `tr_${randomBytes(7).toString('base64url').replace(/[-_]/g, 'x')}`,
      apiKey,
      status: 'open',
      amount: { currency: body.amount.currency, value },
      description: body.description,
      redirectUrl: body.redirectUrl,
      webhookUrl: body.webhookUrl,
      metadata: body.metadata ?? null,
      method: body.method ?? null,
      paidAt: null,
      createdAt: new Date().toISOString(),
    }
    payments.set(payment.id, payment)
    return send(response, 201, resource(payment))
  }

  function resource(p: FakeMolliePayment) {
    return {
      resource: 'payment',
      id: p.id,
      mode: p.apiKey.startsWith('live_') ? 'live' : 'test',
      createdAt: p.createdAt,
      amount: p.amount,
      description: p.description,
      method: p.method,
      metadata: p.metadata,
      status: p.status,
      ...(p.paidAt ? { paidAt: p.paidAt } : {}),
      ...(p.details ? { details: p.details } : {}),
      redirectUrl: p.redirectUrl,
      webhookUrl: p.webhookUrl,
      _links: {
        self: { href: `${base}/v2/payments/${p.id}`, type: 'application/hal+json' },
        ...(p.status === 'open'
          ? { checkout: { href: `${base}/checkout/${p.id}`, type: 'text/html' } }
          : {}),
      },
    }
  }

  function checkoutPage(url: URL, response: ServerResponse) {
    const payment = payments.get(url.pathname.slice('/checkout/'.length))
    if (!payment) return problem(response, 404, 'Not Found', 'No such checkout')
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end(
      `<!doctype html><title>Mollie test checkout</title><h1>${payment.description}</h1>` +
        `<p>${payment.amount.currency} ${payment.amount.value}</p><p>Status: ${payment.status}</p>`,
    )
  }

  const fake: FakeMollie = {
    apiUrl: `${base}/v2/`,
    apiKeys: keys,
    payments,
    requests,
    async setStatus(id, status, method = 'ideal') {
      const payment = payments.get(id)
      if (!payment) throw new Error(`fake Mollie: no payment ${id}`)
      payment.status = status
      if (status === 'paid') {
        payment.method = method
        payment.paidAt = new Date().toISOString()
        if (method === 'ideal') {
          payment.details = {
            consumerName: 'T. Tester',
            consumerAccount: 'NL91ABNA0417164300',
            consumerBic: 'ABNANL2A',
          }
        }
      }
      if (!payment.webhookUrl) return 0
      return fake.callWebhook(payment.webhookUrl, id)
    },
    async callWebhook(webhookUrl, id) {
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ id }).toString(),
      })
      await response.text()
      return response.status
    },
  }
  return fake
}

async function jsonBody(request: IncomingMessage): Promise<any> {
  let text = ''
  for await (const chunk of request) text += chunk
  return text ? JSON.parse(text) : {}
}

function send(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/hal+json' })
  response.end(JSON.stringify(body))
}

function problem(
  response: ServerResponse,
  status: number,
  title: string,
  detail: string,
  field?: string,
) {
  send(response, status, {
    status,
    title,
    detail,
    ...(field ? { field } : {}),
    _links: {
      documentation: {
        href: 'https://docs.mollie.com/overview/handling-errors',
        type: 'text/html',
      },
    },
  })
}
