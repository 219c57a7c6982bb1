import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  manualClock,
  rowCount,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../../test/support.js'
import type { Platform } from '../../../platform.js'
import { arrangeOpenInvoice } from '../../cashapp/test-helpers.js'
import { invoiceTimeline } from '../../invoicing/index.js'
import { arrangeCustomer } from '../../invoicing/test-helpers.js'
import { payPageToken } from '../../payments/index.js'

// The customer on the invoice's pay page: opens a dispute (with a photo), promises to pay by
// a date, or chooses a payment plan — with nothing but the link from their invoice. Each
// lands where a collector's would, the customer sees a confirmation and gets a notice; a
// forged link or a stale form gets nothing done.

const clock = manualClock('2026-03-01T09:00:00Z')
let platform: Platform
let app: FastifyInstance
let tenant: TestTenant

beforeAll(async () => {
  platform = await testPlatform(clock)
  app = await testServer(platform)
  tenant = await testTenant(platform)
})

/** An issued invoice of 121.00 and its pay-page path. */
async function payLink(language: 'nl' | 'en' = 'nl') {
  return tenant.run(async (ctx) => {
    const customer = await arrangeCustomer(ctx, { language })
    const invoice = await arrangeOpenInvoice(ctx, customer.id, 100_00n)
    return {
      invoice,
      customerId: customer.id,
      path: `/pay/${await payPageToken(ctx, invoice.id)}`,
    }
  })
}

const get = (url: string) => app.inject({ method: 'GET', url })
const postForm = (url: string, fields: Record<string, string>) =>
  app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  })
const formTokenOf = (html: string) => /name="form_token" value="([^"]+)"/.exec(html)?.[1] ?? ''

test('the pay page links to the three self-service forms', async () => {
  const { path } = await payLink('en')
  const page = await get(path)
  expect(page.statusCode).toBe(200)
  for (const kind of ['dispute', 'promise', 'plan']) {
    expect(page.body).toContain(`href="${path}/${kind}"`)
  }
  expect(page.body).toContain('I disagree with this invoice')
})

describe('a dispute from the pay page', () => {
  test('is opened as a collector would, confirmed on a page and by a notice', async () => {
    const { invoice, customerId, path } = await payLink('nl')
    const form = await get(`${path}/dispute`)
    expect(form.statusCode).toBe(200)
    expect(form.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(form.body).toContain('Bezwaar maken')
    const posted = await postForm(`${path}/dispute`, {
      form_token: formTokenOf(form.body),
      category: 'quality',
      amount: '60,50',
      description: 'Het brood was beschimmeld',
    })
    expect(posted.statusCode, posted.body).toBe(303)
    expect(posted.headers.location).toMatch(new RegExp(`^${path}/dispute/[0-9a-f-]{36}$`))
    const done = await get(posted.headers.location as string)
    expect(done.statusCode).toBe(200)
    expect(done.body).toMatch(/Uw bezwaar is ontvangen \(kenmerk D-2026-\d{5}\)/)
    await tenant.run(async (ctx) => {
      const dispute = await ctx.db
        .selectFrom('dispute')
        .selectAll()
        .where('invoiceId', '=', invoice.id)
        .executeTakeFirstOrThrow()
      expect(dispute).toMatchObject({
        category: 'quality',
        disputedMinor: 60_50n,
        openedVia: 'pay_page',
        openedBy: 'pay page',
        status: 'open',
      })
      const steps = await invoiceTimeline(ctx, invoice.id)
      expect(steps.find((s) => s.step === 'disputed')?.channel).toBe('pay_page')
      const notice = await ctx.db
        .selectFrom('collectionActivity')
        .select(['outcome', 'note'])
        .where('customerId', '=', customerId)
        .executeTakeFirstOrThrow()
      expect(notice.outcome).toBe('dispute_opened')
      expect(notice.note).toContain('is ontvangen')
    })
  })

  test('takes a photo sent with the form (multipart)', async () => {
    const { invoice, path } = await payLink('en')
    const form = await get(`${path}/dispute`)
    const boundary = 'o2c-pay-page'
    const field = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
    const payload = Buffer.concat([
      Buffer.from(
        field('form_token', formTokenOf(form.body)) +
          field('category', 'not_delivered') +
          field('amount', '121.00') +
          field('description', 'Never arrived') +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="note.txt"\r\n` +
          'Content-Type: text/plain\r\n\r\n',
      ),
      Buffer.from('Delivery note: not signed'),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ])
    const posted = await app.inject({
      method: 'POST',
      url: `${path}/dispute`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    })
    expect(posted.statusCode, posted.body).toBe(303)
    await tenant.run(async (ctx) => {
      const files = await ctx.db
        .selectFrom('disputeAttachment as a')
        .innerJoin('dispute as d', 'd.id', 'a.disputeId')
        .select(['a.fileName', 'a.sizeBytes'])
        .where('d.invoiceId', '=', invoice.id)
        .execute()
      expect(files).toEqual([{ fileName: 'note.txt', sizeBytes: 25 }])
    })
  })

  test('an amount above what is open is the form again with the reason; nothing written', async () => {
    const { path } = await payLink('en')
    const before = await tenant.run((ctx) => rowCount(ctx, 'dispute'))
    const form = await get(`${path}/dispute`)
    const posted = await postForm(`${path}/dispute`, {
      form_token: formTokenOf(form.body),
      category: 'price',
      amount: '500.00',
      description: 'Too much',
    })
    expect(posted.statusCode).toBe(422)
    expect(posted.body).toContain('Please check what you entered')
    expect(posted.body).toContain('Too much') // what they typed is kept
    expect(await tenant.run((ctx) => rowCount(ctx, 'dispute'))).toBe(before)
  })

  test('a form token of another form, or none, is refused and the form served again', async () => {
    const { path } = await payLink('en')
    const promiseForm = await get(`${path}/promise`)
    const before = await tenant.run((ctx) => rowCount(ctx, 'dispute'))
    for (const token of [formTokenOf(promiseForm.body), '', '1.abc']) {
      const posted = await postForm(`${path}/dispute`, {
        form_token: token,
        category: 'price',
        amount: '1.00',
        description: 'x',
      })
      expect(posted.statusCode).toBe(409)
      expect(posted.body).toContain('This form has expired')
    }
    expect(await tenant.run((ctx) => rowCount(ctx, 'dispute'))).toBe(before)
  })

  test('a forged or unknown link is the not-found page, and nothing is written', async () => {
    const { path } = await payLink('nl')
    const token = path.slice('/pay/'.length)
    const forged = `/pay/${token.slice(0, 60)}${token[60] === 'A' ? 'B' : 'A'}${token.slice(61)}`
    const before = await tenant.run((ctx) => rowCount(ctx, 'dispute'))
    for (const url of [`${forged}/dispute`, '/pay/nonsense/dispute', `${forged}/promise`]) {
      const res = await get(url)
      expect(res.statusCode).toBe(404)
      expect(res.body).toContain('Pagina niet gevonden')
    }
    const posted = await postForm(`${forged}/dispute`, {
      form_token: '1.x',
      category: 'price',
      amount: '1.00',
      description: 'x',
    })
    expect(posted.statusCode).toBe(404)
    expect(await tenant.run((ctx) => rowCount(ctx, 'dispute'))).toBe(before)
  })

  test('a confirmation of another invoice’s dispute is not shown', async () => {
    const a = await payLink('en')
    const b = await payLink('en')
    const form = await get(`${a.path}/dispute`)
    const posted = await postForm(`${a.path}/dispute`, {
      form_token: formTokenOf(form.body),
      category: 'other',
      amount: '1.00',
      description: 'x',
    })
    const id = (posted.headers.location as string).split('/').pop()
    expect((await get(`${b.path}/dispute/${id}`)).statusCode).toBe(404)
  })
})

describe('a promise to pay from the pay page', () => {
  test('the form offers dates up to the tenant’s limit', async () => {
    const { path } = await payLink('en')
    const form = await get(`${path}/promise`)
    expect(form.statusCode).toBe(200)
    expect(form.body).toContain('min="2026-03-01" max="2026-03-15"') // promise_max_days 14
  })

  test('a date beyond the limit is refused with the reason', async () => {
    const { path } = await payLink('en')
    const form = await get(`${path}/promise`)
    const posted = await postForm(`${path}/promise`, {
      form_token: formTokenOf(form.body),
      promised_on: '2026-03-16',
      amount: '121.00',
    })
    expect(posted.statusCode).toBe(422)
    expect(posted.body).toContain('up to 14 days ahead (2026-03-15)')
    expect(await tenant.run((ctx) => rowCount(ctx, 'promiseToPay'))).toBe(0)
  })

  test('is recorded through makePromise (channel pay_page) and confirmed', async () => {
    const { customerId, path } = await payLink('nl')
    const form = await get(`${path}/promise`)
    expect(form.statusCode).toBe(200)
    const posted = await postForm(`${path}/promise`, {
      form_token: formTokenOf(form.body),
      promised_on: '2026-03-10',
      amount: '121,00',
    })
    expect(posted.statusCode, posted.body).toBe(303)
    const done = await get(posted.headers.location as string)
    expect(done.statusCode).toBe(200)
    expect(done.body).toContain('uw betaalbelofte is vastgelegd')
    await tenant.run(async (ctx) => {
      const promise = await ctx.db
        .selectFrom('promiseToPay')
        .selectAll()
        .where('customerId', '=', customerId)
        .executeTakeFirstOrThrow()
      expect(promise).toMatchObject({
        channel: 'pay_page',
        amountMinor: 121_00n,
        promisedOn: '2026-03-10',
      })
      const notices = await ctx.db
        .selectFrom('collectionActivity')
        .select('outcome')
        .where('customerId', '=', customerId)
        .where('outcome', '=', 'promise_confirmed')
        .execute()
      expect(notices).toHaveLength(1)
    })
  })
})

describe('a payment plan from the pay page', () => {
  test('the offers are shown and the chosen one is created (source pay_page) and confirmed', async () => {
    const { customerId, path } = await payLink('en')
    const page = await get(`${path}/plan`)
    expect(page.statusCode).toBe(200)
    const counts = [...page.body.matchAll(/name="instalments" value="(\d+)"/g)].map((m) =>
      Number(m[1]),
    )
    expect(counts.length).toBeGreaterThan(0)
    const posted = await postForm(`${path}/plan`, {
      form_token: formTokenOf(page.body),
      instalments: String(counts[0]),
    })
    expect(posted.statusCode, posted.body).toBe(303)
    const done = await get(posted.headers.location as string)
    expect(done.body).toContain('Your payment plan is recorded')
    await tenant.run(async (ctx) => {
      const plan = await ctx.db
        .selectFrom('paymentPlan')
        .selectAll()
        .where('customerId', '=', customerId)
        .executeTakeFirstOrThrow()
      expect(plan.source).toBe('pay_page')
      expect(plan.totalMinor).toBe(121_00n)
    })
    const refused = await postForm(`${path}/plan`, {
      form_token: formTokenOf(page.body),
      instalments: '99',
    })
    expect(refused.statusCode).toBe(422)
  })
})
