import { createHash } from 'node:crypto'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  call,
  manualClock,
  rowCount,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../../test/support.js'
import type { Platform } from '../../../platform.js'
import { arrangeOpenInvoice } from '../../cashapp/test-helpers.js'
import {
  createInvoiceDraft,
  invoiceTimeline,
  issueInvoice,
  openAmount,
} from '../../invoicing/index.js'
import { arrangeCustomer, line, manualDraft } from '../../invoicing/test-helpers.js'
import { activeDisputedMinor, openDispute } from './disputes.js'

// Disputes as a dispute manager and a collector use them over the API: opened on an invoice
// or its lines, refused above what is open, worked through their statuses with If-Match,
// resolved by a credit note the dispute creates, rejected with a message to the customer,
// with evidence attached; the overdue list and the root-cause report.

const clock = manualClock('2026-03-10T09:00:00Z')
let platform: Platform
let app: FastifyInstance
let tenant: TestTenant
let admin: string

beforeAll(async () => {
  platform = await testPlatform(clock)
  app = await testServer(platform)
  tenant = await testTenant(platform)
  admin = await tenant.key('admin')
})

/** An issued invoice: BREAD 2 × 50.00 and FLOUR 4 × 12.50 at 21% (181.50 open). */
async function arrangeInvoice(language: 'nl' | 'en' = 'nl') {
  return tenant.run(async (ctx) => {
    const settings = await ctx.db.selectFrom('billingSettings').select('version').executeTakeFirst()
    if (!settings) await arrangeOpenInvoice(ctx, (await arrangeCustomer(ctx)).id, 100n)
    const customer = await arrangeCustomer(ctx, { language })
    const draft = await createInvoiceDraft(
      ctx,
      manualDraft(
        customer.id,
        [line('BREAD', '2', 50_00n, 'S', '21'), line('FLOUR', '4', 12_50n, 'S', '21')],
        { language },
      ),
    )
    const invoice = await issueInvoice(ctx, draft.id)
    return { id: invoice.id, number: invoice.number as string, customerId: customer.id }
  })
}

const open = (body: Record<string, unknown>, key = admin) =>
  call(app, key, 'POST', '/v1/disputes', body)

describe('opening a dispute', () => {
  test('on the whole invoice: numbered, SLA by category, on the timeline, announced, confirmed', async () => {
    const invoice = await arrangeInvoice()
    const res = await open({
      invoice_id: invoice.id,
      category: 'price',
      amount: '50.00',
      description: 'Bread was quoted at 40.00',
    })
    expect(res.status, res.text).toBe(201)
    expect(res.body).toMatchObject({
      number: expect.stringMatching(/^D-2026-\d{5}$/),
      invoice_number: invoice.number,
      amount: '50.00',
      currency: 'EUR',
      status: 'open',
      sla_due_on: '2026-03-20', // price: 10 days (0022's default)
      sla_overdue: false,
      opened_via: 'collector',
      version: 1,
    })
    expect(res.headers.etag).toBe('"1"')
    await tenant.run(async (ctx) => {
      const steps = await invoiceTimeline(ctx, invoice.id)
      expect(steps.map((s) => s.step)).toContain('disputed')
      const events = await ctx.db
        .selectFrom('outboxEvent')
        .select(['type', 'payload'])
        .where('entityId', '=', res.body.id)
        .execute()
      expect(events.map((e) => e.type)).toEqual(['collections.dispute_opened'])
      const notice = await ctx.db
        .selectFrom('collectionActivity')
        .select(['kind', 'outcome', 'note'])
        .where('customerId', '=', invoice.customerId)
        .executeTakeFirstOrThrow()
      expect(notice).toMatchObject({ kind: 'confirmation', outcome: 'dispute_opened' })
      expect(notice.note).toContain(res.body.number)
    })
  })

  test('on lines: the amount is their sum; the lines are named with item and quantity', async () => {
    const invoice = await arrangeInvoice()
    const res = await open({
      invoice_id: invoice.id,
      category: 'quantity',
      lines: [
        { line_number: 2, amount: '15.13', quantity: '1' },
        { line_number: 1, amount: '10.00' },
      ],
      description: 'One bag of flour missing, bread short',
    })
    expect(res.status, res.text).toBe(201)
    expect(res.body.amount).toBe('25.13')
    expect(res.body.lines).toEqual([
      { line_number: 1, item_code: 'BREAD', description: '', amount: '10.00', quantity: null },
      { line_number: 2, item_code: 'FLOUR', description: '', amount: '15.13', quantity: '1' },
    ])
  })

  test.each`
    case                             | body                                                               | status | code
    ${'amount above open'}           | ${{ amount: '181.51' }}                                            | ${422} | ${'collections.dispute_exceeds_open'}
    ${'lines above open'} | ${{ lines: [{ line_number: 1, amount: '100' }, { line_number: 2, amount: '81.51' }] }} | ${422} | ${'collections.dispute_exceeds_open'}
    ${'an unknown line'}             | ${{ lines: [{ line_number: 3, amount: '1.00' }] }}                 | ${422} | ${'collections.dispute_line_unknown'}
    ${'more quantity than invoiced'} | ${{ lines: [{ line_number: 2, amount: '1.00', quantity: '5' }] }}  | ${400} | ${'request.invalid'}
    ${'amount and lines'}            | ${{ amount: '1.00', lines: [{ line_number: 1, amount: '1.00' }] }} | ${400} | ${'request.invalid'}
    ${'neither amount nor lines'}    | ${{}}                                                              | ${400} | ${'request.invalid'}
    ${'a zero amount'}               | ${{ amount: '0.00' }}                                              | ${400} | ${'request.invalid'}
    ${'three decimals'}              | ${{ amount: '1.005' }}                                             | ${400} | ${'request.invalid'}
    ${'an owner who is no user'}     | ${{ amount: '1.00', owner: 'nobody@example.com' }}                 | ${422} | ${'collections.dispute_owner_unknown'}
  `('refuses $case and writes nothing', async ({ body, status, code }) => {
    const invoice = await arrangeInvoice()
    const before = await tenant.run((ctx) => rowCount(ctx, 'dispute'))
    const res = await open({ invoice_id: invoice.id, category: 'other', description: 'x', ...body })
    expect(res.status, res.text).toBe(status)
    expect(res.body.type).toBe(`/problems/${code}`)
    expect(await tenant.run((ctx) => rowCount(ctx, 'dispute'))).toBe(before)
    expect(await tenant.run((ctx) => rowCount(ctx, 'disputeLine'))).toBeGreaterThanOrEqual(0)
  })

  test('counts other open disputes: the second may dispute only what is left', async () => {
    const invoice = await arrangeInvoice()
    expect(
      (
        await open({
          invoice_id: invoice.id,
          category: 'price',
          amount: '100.00',
          description: 'a',
        })
      ).status,
    ).toBe(201)
    const refused = await open({
      invoice_id: invoice.id,
      category: 'quality',
      amount: '81.51',
      description: 'b',
    })
    expect(refused.status).toBe(422)
    expect(refused.body).toMatchObject({
      openAmount: '181.50',
      disputedAlready: '100.00',
      requestedAmount: '81.51',
    })
    const rest = await open({
      invoice_id: invoice.id,
      category: 'quality',
      amount: '81.50',
      description: 'b',
    })
    expect(rest.status, rest.text).toBe(201)
  })

  test('refuses a draft, a credit note or another tenant’s invoice as not open', async () => {
    const other = await testTenant(platform)
    const foreign = await other.run(async (ctx) =>
      arrangeOpenInvoice(ctx, (await arrangeCustomer(ctx)).id, 100n),
    )
    const res = await open({
      invoice_id: foreign.id,
      category: 'other',
      amount: '1.00',
      description: 'x',
    })
    expect(res.status).toBe(422)
    expect(res.body.type).toBe('/problems/collections.dispute_invoice_not_open')
  })

  test('property: whatever amounts are asked, open disputes never hold more than is open', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 120_00 }), { minLength: 1, maxLength: 4 }),
        async (amounts) => {
          const invoice = await arrangeInvoice()
          for (const minor of amounts) {
            await tenant
              .run((ctx) =>
                openDispute(ctx, {
                  invoiceId: invoice.id,
                  category: 'other',
                  description: 'p',
                  amount: (minor / 100).toFixed(2),
                  openedVia: 'api',
                }),
              )
              .catch((error) => {
                if (error.code !== 'collections.dispute_exceeds_open') throw error
              })
          }
          await tenant.run(async (ctx) => {
            const held = await activeDisputedMinor(ctx, invoice.id)
            const { openMinor } = await openAmount(ctx, invoice.id)
            expect(held).toBeLessThanOrEqual(openMinor)
          })
        },
      ),
      { numRuns: 6 },
    )
  })
})

describe('working a dispute', () => {
  async function opened(amount = '50.00', language: 'nl' | 'en' = 'nl') {
    const invoice = await arrangeInvoice(language)
    const res = await open({
      invoice_id: invoice.id,
      category: 'price',
      amount,
      description: 'Too dear',
    })
    expect(res.status, res.text).toBe(201)
    return { invoice, dispute: res.body }
  }
  const act = (id: string, verb: string, body: unknown, version?: number, key = admin) =>
    call(
      app,
      key,
      'POST',
      `/v1/disputes/${id}/${verb}`,
      body,
      version ? { 'if-match': `"${version}"` } : {},
    )

  test('needs If-Match, refuses a stale one, then moves open → investigating', async () => {
    const { dispute } = await opened()
    expect((await act(dispute.id, 'investigate', {})).status).toBe(428)
    expect((await act(dispute.id, 'investigate', {}, 7)).status).toBe(412)
    const res = await act(dispute.id, 'investigate', { note: 'asked sales' }, 1)
    expect(res.status, res.text).toBe(200)
    expect(res.body).toMatchObject({ status: 'investigating', version: 2 })
    const again = await act(dispute.id, 'investigate', {}, 2)
    expect(again.status).toBe(409)
    expect(again.body.type).toBe('/problems/collections.dispute_transition_not_allowed')
  })

  test('assigns an owner who is a user of the tenant', async () => {
    const { dispute } = await opened()
    await tenant.key('dispute_manager')
    const email = `dispute_manager@${tenant.slug}.test`
    const res = await call(
      app,
      admin,
      'PATCH',
      `/v1/disputes/${dispute.id}`,
      { owner: email },
      { 'if-match': '"1"' },
    )
    expect(res.status, res.text).toBe(200)
    expect(res.body.owner).toBe(email)
    const list = await call(app, admin, 'GET', `/v1/disputes?owner=${encodeURIComponent(email)}`)
    expect(list.body.data.map((d: { id: string }) => d.id)).toEqual([dispute.id])
  })

  test('resolves with a credit note of the disputed amount, made by the dispute and linked', async () => {
    const { invoice, dispute } = await opened('50.00')
    const res = await act(
      dispute.id,
      'resolve',
      {
        root_cause: 'old price list',
        resolution_note: 'We credit the difference.',
        credit: { kind: 'disputed' },
      },
      1,
    )
    expect(res.status, res.text).toBe(200)
    expect(res.body).toMatchObject({ status: 'resolved', root_cause: 'old price list' })
    expect(res.body.credit_note_id).toEqual(expect.any(String))
    expect(res.body.credit_note_number).toEqual(expect.any(String))
    await tenant.run(async (ctx) => {
      expect((await openAmount(ctx, invoice.id)).openMinor).toBe(131_50n)
      const notice = await ctx.db
        .selectFrom('collectionActivity')
        .select(['outcome', 'note'])
        .where('customerId', '=', invoice.customerId)
        .where('outcome', '=', 'dispute_resolved')
        .executeTakeFirstOrThrow()
      expect(notice.note).toContain('afgehandeld')
    })
  })

  test('a partial credit; a credit above the disputed amount is refused and nothing is written', async () => {
    const { invoice, dispute } = await opened('20.00')
    const tooMuch = await act(
      dispute.id,
      'resolve',
      { root_cause: 'x', resolution_note: 'y', credit: { kind: 'amount', amount: '20.01' } },
      1,
    )
    expect(tooMuch.status).toBe(422)
    expect(tooMuch.body.type).toBe('/problems/collections.dispute_credit_exceeds_disputed')
    await tenant.run(async (ctx) => {
      expect((await openAmount(ctx, invoice.id)).openMinor).toBe(181_50n)
      const credits = await ctx.db
        .selectFrom('invoice')
        .select('id')
        .where('correctsInvoiceId', '=', invoice.id)
        .execute()
      expect(credits).toEqual([])
    })
    const part = await act(
      dispute.id,
      'resolve',
      {
        root_cause: 'goodwill',
        resolution_note: 'Half of it.',
        credit: { kind: 'amount', amount: '10.00' },
      },
      1,
    )
    expect(part.status, part.text).toBe(200)
    await tenant.run(async (ctx) =>
      expect((await openAmount(ctx, invoice.id)).openMinor).toBe(171_50n),
    )
  })

  test('resolved without a credit note, by lines credit, and a collector may not resolve', async () => {
    const { dispute } = await opened('10.00')
    const collector = await tenant.key('collector')
    expect(
      (await act(dispute.id, 'resolve', { root_cause: 'x', resolution_note: 'y' }, 1, collector))
        .status,
    ).toBe(403)
    const res = await act(
      dispute.id,
      'resolve',
      { root_cause: 'misunderstanding', resolution_note: 'Explained the surcharge.' },
      1,
    )
    expect(res.status, res.text).toBe(200)
    expect(res.body).toMatchObject({ status: 'resolved', credit_note_id: null })
  })

  test('rejects: the customer is told why in their language, and the dispute holds nothing any more', async () => {
    const { invoice, dispute } = await opened('30.00', 'en')
    const res = await act(
      dispute.id,
      'reject',
      { resolution_note: 'The price matches your order of 2 March.' },
      1,
    )
    expect(res.status, res.text).toBe(200)
    expect(res.body.status).toBe('rejected')
    await tenant.run(async (ctx) => {
      const notices = await ctx.db
        .selectFrom('collectionActivity')
        .select(['outcome', 'note'])
        .where('customerId', '=', invoice.customerId)
        .orderBy('occurredAt')
        .execute()
      expect(notices.map((n) => n.outcome)).toEqual(['dispute_opened', 'dispute_rejected'])
      expect(notices[1].note).toBe(`Your dispute ${dispute.number} was rejected`)
      const events = await ctx.db
        .selectFrom('outboxEvent')
        .select('payload')
        .where('type', '=', 'collections.notice_requested')
        .where('entityId', '=', invoice.customerId)
        .execute()
      const rejection = events
        .map((e) => e.payload as { kind: string; text: string })
        .find((p) => p.kind === 'dispute_rejected')
      expect(rejection?.text).toContain('The price matches your order of 2 March.')
      expect(await activeDisputedMinor(ctx, invoice.id)).toBe(0n)
    })
    expect((await act(dispute.id, 'withdraw', {}, 2)).status).toBe(409)
  })

  test('withdrawn by the customer', async () => {
    const { dispute } = await opened()
    const res = await act(dispute.id, 'withdraw', { note: 'Customer found the delivery' }, 1)
    expect(res.status, res.text).toBe(200)
    expect(res.body).toMatchObject({
      status: 'withdrawn',
      resolution_note: 'Customer found the delivery',
    })
    expect(res.body.closed_at).toEqual(expect.any(String))
  })
})

describe('attachments', () => {
  const boundary = 'o2c-dispute-boundary'
  const multipartOf = (name: string, type: string, content: Buffer) =>
    Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
          `Content-Type: ${type}\r\n\r\n`,
      ),
      content,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ])

  test('multipart and base64 uploads are stored with hash and size and download as they were', async () => {
    const invoice = await arrangeInvoice()
    const dispute = (
      await open({
        invoice_id: invoice.id,
        category: 'quality',
        amount: '5.00',
        description: 'Mouldy',
      })
    ).body
    const photo = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4, 5])
    const up = await app.inject({
      method: 'POST',
      url: `/v1/disputes/${dispute.id}/attachments`,
      headers: {
        authorization: `Bearer ${admin}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      payload: multipartOf('bread.png', 'image/png', photo),
    })
    expect(up.statusCode, up.body).toBe(201)
    const stored = JSON.parse(up.body)
    expect(stored).toMatchObject({
      file_name: 'bread.png',
      content_type: 'image/png',
      size_bytes: photo.length,
      sha256: createHash('sha256').update(photo).digest('hex'),
    })
    const text = 'From: customer@example.com\r\nSubject: mouldy bread\r\n\r\nSee photo.'
    const json = await call(app, admin, 'POST', `/v1/disputes/${dispute.id}/attachments`, {
      file_name: 'mail.eml',
      content_type: 'message/rfc822',
      content_base64: Buffer.from(text).toString('base64'),
    })
    expect(json.status, json.text).toBe(201)
    const list = await call(app, admin, 'GET', `/v1/disputes/${dispute.id}/attachments`)
    expect(list.body.data.map((a: { file_name: string }) => a.file_name)).toEqual([
      'bread.png',
      'mail.eml',
    ])
    const down = await app.inject({
      method: 'GET',
      url: `/v1/disputes/${dispute.id}/attachments/${stored.id}`,
      headers: { authorization: `Bearer ${admin}` },
    })
    expect(down.statusCode).toBe(200)
    expect(down.headers['content-type']).toBe('image/png')
    expect(down.headers['content-disposition']).toContain('attachment')
    expect(Buffer.compare(down.rawPayload, photo)).toBe(0)
    const shown = await call(app, admin, 'GET', `/v1/disputes/${dispute.id}`)
    expect(shown.body.attachments).toHaveLength(2)
  })

  test('refuses a type disputes do not take, and a file above 10 MB', async () => {
    const invoice = await arrangeInvoice()
    const dispute = (
      await open({ invoice_id: invoice.id, category: 'quality', amount: '5.00', description: 'x' })
    ).body
    const exe = await call(app, admin, 'POST', `/v1/disputes/${dispute.id}/attachments`, {
      file_name: 'run.exe',
      content_type: 'application/x-msdownload',
      content_base64: 'TVo=',
    })
    expect(exe.status).toBe(415)
    expect(exe.body.type).toBe('/problems/collections.attachment_type_not_allowed')
    const big = await app.inject({
      method: 'POST',
      url: `/v1/disputes/${dispute.id}/attachments`,
      headers: {
        authorization: `Bearer ${admin}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      payload: multipartOf('scan.pdf', 'application/pdf', Buffer.alloc(10 * 1024 * 1024 + 1, 1)),
    })
    expect(big.statusCode, big.body).toBe(413)
    expect(await tenant.run((ctx) => rowCount(ctx, 'disputeAttachment'))).toBeGreaterThanOrEqual(0)
    const list = await call(app, admin, 'GET', `/v1/disputes/${dispute.id}/attachments`)
    expect(list.body.data).toEqual([])
  })
})

describe('the dispute manager’s list and the root-cause report', () => {
  test('sla_overdue lists open disputes past their deadline, longest overdue first', async () => {
    const t = await testTenant(platform)
    const key = await t.key('admin')
    const arrange = () =>
      t.run(async (ctx) => {
        const c = await arrangeCustomer(ctx)
        return arrangeOpenInvoice(ctx, c.id, 100_00n)
      })
    clock.set('2026-04-01T09:00:00Z')
    const a = await arrange()
    const b = await arrange()
    const c = await arrange()
    const post = (invoiceId: string, category: string) =>
      call(app, key, 'POST', '/v1/disputes', {
        invoice_id: invoiceId,
        category,
        amount: '1.00',
        description: 'x',
      })
    const quality = (await post(a.id, 'quality')).body // due 04-16
    const late = (await post(b.id, 'not_delivered')).body // due 04-06
    const closed = (await post(c.id, 'duplicate')).body // due 04-06, withdrawn
    await call(app, key, 'POST', `/v1/disputes/${closed.id}/withdraw`, {}, { 'if-match': '"1"' })
    clock.set('2026-04-20T09:00:00Z')
    const list = await call(app, key, 'GET', '/v1/disputes?sla_overdue=true&limit=1')
    expect(list.status, list.text).toBe(200)
    expect(list.body.data.map((d: { number: string }) => d.number)).toEqual([late.number])
    expect(list.body.data[0].sla_overdue).toBe(true)
    const next = await call(
      app,
      key,
      'GET',
      `/v1/disputes?sla_overdue=true&limit=1&cursor=${list.body.next_cursor}`,
    )
    expect(next.body.data.map((d: { number: string }) => d.number)).toEqual([quality.number])
    expect(next.body.next_cursor).toBeNull()
    clock.set('2026-03-10T09:00:00Z')
  })

  test('groups by category, product and customer with counts, amounts, credits, days and rate', async () => {
    const t = await testTenant(platform)
    const key = await t.key('admin')
    clock.set('2026-05-04T09:00:00Z')
    const invoices = await t.run(async (ctx) => {
      const customer = await arrangeCustomer(ctx)
      await arrangeOpenInvoice(ctx, customer.id, 1_00n) // settings on first use
      const made = []
      for (let i = 0; i < 3; i++) {
        const draft = await createInvoiceDraft(
          ctx,
          manualDraft(customer.id, [
            line('BREAD', '2', 50_00n, 'S', '21'),
            line('FLOUR', '4', 12_50n, 'S', '21'),
          ]),
        )
        made.push(await issueInvoice(ctx, draft.id))
      }
      return made
    })
    const post = (body: Record<string, unknown>) => call(app, key, 'POST', '/v1/disputes', body)
    const d1 = (
      await post({
        invoice_id: invoices[0].id,
        category: 'price',
        lines: [{ line_number: 1, amount: '20.00' }],
        description: 'a',
      })
    ).body
    await post({ invoice_id: invoices[1].id, category: 'price', amount: '10.00', description: 'b' })
    await post({
      invoice_id: invoices[1].id,
      category: 'quality',
      lines: [{ line_number: 2, amount: '5.00' }],
      description: 'c',
    })
    clock.set('2026-05-06T21:00:00Z')
    const resolved = await call(
      app,
      key,
      'POST',
      `/v1/disputes/${d1.id}/resolve`,
      { root_cause: 'old price list', resolution_note: 'credited', credit: { kind: 'disputed' } },
      { 'if-match': '"1"' },
    )
    expect(resolved.status, resolved.text).toBe(200)
    const report = await call(
      app,
      key,
      'GET',
      '/v1/reports/dispute-root-causes?from=2026-05-01&to=2026-05-31',
    )
    expect(report.status, report.text).toBe(200)
    expect(report.body).toMatchObject({
      invoices_issued: 4,
      disputed_invoices: 2,
      dispute_rate: 0.5,
    })
    const price = report.body.by_category.find((c: { category: string }) => c.category === 'price')
    expect(price).toMatchObject({
      disputes: 2,
      disputed: '30.00',
      credited: '20.00',
      resolved: 1,
      average_days_to_resolve: 2.5,
      disputed_invoices: 2,
      dispute_rate: 0.5,
    })
    const bread = report.body.by_product.find(
      (p: { item_code: string | null }) => p.item_code === 'BREAD',
    )
    expect(bread).toMatchObject({ disputes: 1, disputed: '20.00', credited: '20.00' })
    const whole = report.body.by_product.find(
      (p: { item_code: string | null }) => p.item_code === null,
    )
    expect(whole).toMatchObject({ disputes: 1, disputed: '10.00', credited: '0.00' })
    expect(report.body.by_customer).toHaveLength(1)
    expect(report.body.by_customer[0]).toMatchObject({
      disputes: 3,
      invoices_issued: 4,
      dispute_rate: 0.5,
    })
    expect(report.body.by_root_cause).toEqual([{ root_cause: 'old price list', disputes: 1 }])
    clock.set('2026-03-10T09:00:00Z')
  })
})

test('another tenant’s dispute is not found', async () => {
  const invoice = await arrangeInvoice()
  const dispute = (
    await open({ invoice_id: invoice.id, category: 'other', amount: '1.00', description: 'x' })
  ).body
  const other = await testTenant(platform)
  const res = await call(app, await other.key('admin'), 'GET', `/v1/disputes/${dispute.id}`)
  expect(res.status).toBe(404)
})
