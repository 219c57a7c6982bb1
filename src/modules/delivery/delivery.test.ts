import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encode as base64, wrap as wrapBase64 } from 'nodemailer/lib/base64/index.js'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { call, manualClock, testPlatform, testServer, testTenant } from '../../../test/support.js'
import { creditNote, twoRates } from '../einvoice/fixtures.js'
import { renderUbl } from '../einvoice/render.js'
import { invoiceTimeline } from '../invoicing/index.js'
import { startWorker } from '../outbox/index.js'
import { payPageUrl } from '../payments/index.js'
import { deliveryJobs } from './jobs.js'
import { documentMail } from './messages.js'
import { documentTypeIds } from './peppol.js'
import { customer, issue, renderedPdf, smtpServer, wireForTests } from './test-helpers.js'

// Delivery as a billing specialist sees it: an invoice is issued, the customer gets it on
// their channel, and the timeline says what happened. Mail goes to a real SMTP server in this
// process; Peppol messages to a real folder.

const clock = manualClock('2026-03-02T09:00:00Z')
const platform = await testPlatform(clock)
const tenant = await testTenant(platform)
const app = await testServer(platform)
const dropDir = mkdtempSync(join(tmpdir(), 'o2c-peppol-'))
afterAll(() => rmSync(dropDir, { recursive: true, force: true }))

// Recipients the server refuses: for good, or for now (a greylisting server's 451).
let temporarilyRefused = new Set<string>()
const smtp = await smtpServer((to) => {
  if (to.startsWith('nobody@')) return { code: 550, text: '5.1.1 <nobody@> mailbox unavailable' }
  if (temporarilyRefused.has(to)) return { code: 451, text: '4.7.1 greylisted, try again later' }
  return null
})

beforeAll(() => {
  process.env.O2C_SMTP_URL = smtp.url
  process.env.O2C_MAIL_FROM = 'facturen@devrieskaas.nl'
  process.env.O2C_PEPPOL_DROP_DIR = dropDir
  process.env.O2C_PUBLIC_URL = 'https://o2c.devrieskaas.nl'
  wireForTests()
})

const worker = startWorker(platform, deliveryJobs, { background: false })
afterAll(() => worker.stop())

const steps = async (invoiceId: string) =>
  (await tenant.run((ctx) => invoiceTimeline(ctx, invoiceId))).map((s) => s.step)

function mailTo(address: string) {
  const found = smtp.received.filter((m) => m.to.includes(address))
  expect(found).toHaveLength(1)
  return found[0]
}

/** A top-level header of a raw message, unfolded. */
function header(raw: string, name: string): string | undefined {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ')
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
  return line?.slice(name.length + 1).trim()
}

/**
 * The message with quoted-printable soft line breaks ("=" at a line's end, RFC 2045 6.7 rule
 * 5) taken out, so a long line of the text (the pay link) reads whole again. The lines checked
 * have no other character quoted-printable escapes.
 */
function withoutSoftLineBreaks(raw: string): string {
  return raw.replaceAll('=\r\n', '')
}

/** Whether the message carries these bytes as a base64 body, as nodemailer encodes them. */
function carriesBytes(raw: string, bytes: Uint8Array): boolean {
  return raw.includes(wrapBase64(base64(Buffer.from(bytes)), 76))
}

describe('an invoice by email', () => {
  test('the customer gets the invoice with its PDF and UBL and the pay link; the timeline follows', async () => {
    const { invoice, document } = await tenant.run(async (ctx) => {
      const buyer = await customer(ctx, {
        contacts: [
          contact('Inkoop', 'inkoop@bakkerijjansen.nl', ['purchasing']),
          contact('Crediteuren', 'crediteuren@bakkerijjansen.nl', ['billing']),
        ],
      })
      const issued = await issue(ctx, buyer.id, twoRates)
      return { invoice: issued, document: issued.document }
    })

    await worker.drain()

    const mail = mailTo('crediteuren@bakkerijjansen.nl')
    expect(mail.from).toBe('facturen@devrieskaas.nl')
    expect(header(mail.raw, 'subject')).toBe(`Factuur ${document.number} - De Vries Kaas`)
    // The attachments are the documents exactly as rendered, under their file names.
    expect(mail.raw).toContain(`filename=${document.number}.pdf`)
    expect(mail.raw).toContain(`filename=${document.number}.ubl.xml`)
    const pdf = renderedPdf(document.number)
    expect(Buffer.from(pdf).subarray(0, 5).toString()).toBe('%PDF-')
    expect(carriesBytes(mail.raw, pdf)).toBe(true)
    expect(carriesBytes(mail.raw, Buffer.from(await renderUbl(document), 'utf8'))).toBe(true)
    // The text as the customer reads it: amount due, due date, reference and the pay link.
    const payLink = await tenant.run((ctx) => payPageUrl(ctx, invoice.id))
    const text = documentMail(document, payLink).text
    expect(text).toContain(payLink)
    expect(text).toContain(`Te betalen: EUR ${dutchAmount(document.totals.payableMinor)}`)
    expect(text).toContain(`Betalingskenmerk: ${document.paymentReference}`)
    const body = withoutSoftLineBreaks(mail.raw)
    expect(body).toContain(payLink)
    expect(body).toContain(`Te betalen: EUR ${dutchAmount(document.totals.payableMinor)}`)
    expect(body).toContain('Vervaldatum: 1 april 2026')
    expect(body).toContain(`Betalingskenmerk: ${document.paymentReference}`)

    expect(await steps(invoice.id)).toEqual(['issued', 'queued', 'sent'])
    const deliveries = await call(
      app,
      await tenant.key('billing_specialist'),
      'GET',
      `/v1/invoices/${invoice.id}/deliveries`,
    )
    expect(deliveries.body.data).toMatchObject([
      {
        channel: 'email',
        recipient: 'crediteuren@bakkerijjansen.nl',
        status: 'sent',
        attempts: 1,
        message_id: header(mail.raw, 'message-id'),
      },
    ])

    // The mail provider's webhook says it reached the mailbox; a repeat changes nothing.
    const key = await tenant.key('billing_specialist')
    const news = {
      step: 'delivered',
      channel: 'email',
      detail: { message_id: header(mail.raw, 'message-id'), provider: 'postmark' },
    }
    const reported = await call(
      app,
      key,
      'POST',
      `/v1/invoices/${invoice.id}/delivery-events`,
      news,
    )
    expect(reported.status, JSON.stringify(reported.body)).toBe(200)
    expect(reported.body.status).toBe('delivered')
    await call(app, key, 'POST', `/v1/invoices/${invoice.id}/delivery-events`, news)
    expect(await steps(invoice.id)).toEqual(['issued', 'queued', 'sent', 'delivered'])
  })

  test('sent again to another address, on request', async () => {
    const invoice = await tenant.run(async (ctx) => {
      const buyer = await customer(ctx, { contacts: [contact('AP', 'ap@jansen.nl', [])] })
      return issue(ctx, buyer.id, twoRates)
    })
    await worker.drain()
    const key = await tenant.key('billing_specialist')
    const resent = await call(app, key, 'POST', `/v1/invoices/${invoice.id}/send`, {
      to: 'boekhouding@jansen.nl',
    })
    expect(resent.status, JSON.stringify(resent.body)).toBe(202)
    expect(resent.body).toMatchObject({ status: 'queued', recipient: 'boekhouding@jansen.nl' })
    await worker.drain()
    mailTo('ap@jansen.nl')
    mailTo('boekhouding@jansen.nl')
    expect(await steps(invoice.id)).toEqual(['issued', 'queued', 'sent', 'queued', 'sent'])
  })

  test('a permanent refusal (550) bounces the invoice with the server reply', async () => {
    const invoice = await tenant.run(async (ctx) => {
      const buyer = await customer(ctx, { contacts: [contact('Nobody', 'nobody@jansen.nl', [])] })
      return issue(ctx, buyer.id, twoRates)
    })
    await worker.drain()
    const timeline = await tenant.run((ctx) => invoiceTimeline(ctx, invoice.id))
    expect(timeline.map((s) => s.step)).toEqual(['issued', 'queued', 'bounced'])
    expect(String(timeline[2].detail.reason)).toContain('550')
    expect(String(timeline[2].detail.reason)).toContain('mailbox unavailable')
  })

  test('a temporary refusal (451) is retried on the backoff and then sent', async () => {
    temporarilyRefused = new Set(['greylist@jansen.nl'])
    const invoice = await tenant.run(async (ctx) => {
      const buyer = await customer(ctx, { contacts: [contact('G', 'greylist@jansen.nl', [])] })
      return issue(ctx, buyer.id, twoRates)
    })
    await worker.drain()
    expect(await steps(invoice.id)).toEqual(['issued', 'queued'])
    const [waiting] = await deliveriesOf(invoice.id)
    expect(waiting).toMatchObject({ status: 'queued', attempts: 1 })
    expect(waiting.last_error).toContain('451')

    temporarilyRefused = new Set()
    clock.advance(31_000) // the worker's first retry comes after 30 s
    await worker.drain()
    expect(await steps(invoice.id)).toEqual(['issued', 'queued', 'sent'])
    expect((await deliveriesOf(invoice.id))[0]).toMatchObject({ status: 'sent', attempts: 2 })
  })

  test('a temporary refusal that lasts past the last retry bounces', async () => {
    temporarilyRefused = new Set(['forever@jansen.nl'])
    const invoice = await tenant.run(async (ctx) => {
      const buyer = await customer(ctx, { contacts: [contact('F', 'forever@jansen.nl', [])] })
      return issue(ctx, buyer.id, twoRates)
    })
    for (let day = 0; day < 12; day++) {
      await worker.drain()
      clock.advance(25 * 3600 * 1000)
    }
    temporarilyRefused = new Set()
    const timeline = await tenant.run((ctx) => invoiceTimeline(ctx, invoice.id))
    expect(timeline.map((s) => s.step)).toEqual(['issued', 'queued', 'bounced'])
    expect(String(timeline[2].detail.reason)).toMatch(/gave up after \d+ attempts: .*451/)
  })

  test('a credit note goes without a pay link', async () => {
    const { note } = await tenant.run(async (ctx) => {
      const buyer = await customer(ctx, {
        language: 'en',
        contacts: [contact('AP', 'credit@jansen.nl', [])],
      })
      const invoice = await issue(ctx, buyer.id, twoRates)
      const note = await issue(ctx, buyer.id, creditNote, { correctsInvoiceId: invoice.id })
      return { note }
    })
    await worker.drain()
    const mail = smtp.received.filter((m) => m.to.includes('credit@jansen.nl'))
    expect(mail).toHaveLength(2)
    const subjects = mail.map((m) => header(m.raw, 'subject'))
    expect(subjects).toContain(`Creditnota ${note.document.number} - De Vries Kaas`)
    const noteMail = mail.find((m) => header(m.raw, 'subject')?.includes(note.document.number))!
    expect(noteMail.raw).toContain(`filename=${note.document.number}.pdf`)
    expect(withoutSoftLineBreaks(noteMail.raw)).not.toContain('/pay/')
    expect(await steps(note.id)).toEqual(['issued', 'queued', 'sent'])
  })

  test('a consumer, whom Peppol cannot address, gets the PDF without a UBL', async () => {
    const consumerDocument = {
      ...twoRates,
      buyer: {
        ...twoRates.buyer,
        vatId: undefined,
        legalId: undefined,
        electronicAddress: undefined,
      },
    }
    const { invoice } = await tenant.run(async (ctx) => {
      const buyer = await customer(ctx, { contacts: [contact('M. Jansen', 'm@jansen.nl', [])] })
      return { invoice: await issue(ctx, buyer.id, consumerDocument) }
    })
    await worker.drain()
    const mail = mailTo('m@jansen.nl')
    expect(mail.raw).toContain(`filename=${invoice.document.number}.pdf`)
    expect(mail.raw).not.toContain('.ubl.xml')
    expect(await steps(invoice.id)).toEqual(['issued', 'queued', 'sent'])
  })
})

describe('an invoice by Peppol', () => {
  test('the UBL and its envelope are dropped for the access point; its receipt makes it delivered', async () => {
    const { invoice, document } = await tenant.run(async (ctx) => {
      const buyer = await customer(ctx)
      await billingProfile(ctx, buyer.id, { channel: 'peppol', peppol: ['0106', '87654321'] })
      const issued = await issue(ctx, buyer.id, twoRates)
      return { invoice: issued, document: issued.document }
    })
    await worker.drain()
    expect(await steps(invoice.id)).toEqual(['issued', 'queued', 'sent'])
    const [sent] = await deliveriesOf(invoice.id)
    expect(sent).toMatchObject({ channel: 'peppol', recipient: '0106:87654321', status: 'sent' })

    const folder = join(dropDir, sent.message_id)
    expect(readFileSync(join(folder, 'document.xml'), 'utf8')).toBe(await renderUbl(document))
    expect(JSON.parse(readFileSync(join(folder, 'envelope.json'), 'utf8'))).toEqual({
      message_id: sent.message_id,
      sender: { scheme: 'iso6523-actorid-upis', value: '0106:12345678' },
      receiver: { scheme: 'iso6523-actorid-upis', value: '0106:87654321' },
      document_type: { scheme: 'busdox-docid-qns', value: documentTypeIds.invoice },
      process: {
        scheme: 'cenbii-procid-ubl',
        value: 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0',
      },
      document_file: 'document.xml',
    })

    // The receipt job looks, finds nothing yet, and looks again on the worker's schedule.
    clock.advance(31_000)
    await worker.drain()
    expect(await steps(invoice.id)).toEqual(['issued', 'queued', 'sent'])
    const receipt = join(dropDir, `${sent.message_id}.receipt.json`)
    writeFileSync(receipt, JSON.stringify({ status: 'delivered', detail: 'AS4 receipt' }))
    clock.advance(121_000)
    await worker.drain()
    expect(await steps(invoice.id)).toEqual(['issued', 'queued', 'sent', 'delivered'])
    expect(existsSync(receipt)).toBe(false)
    expect(existsSync(join(dropDir, 'processed', `${sent.message_id}.receipt.json`))).toBe(true)
  })
})

describe('a shipment notification', () => {
  test('the customer gets the carrier, tracking number and link in their language', async () => {
    const admin = await tenant.key('admin')
    const buyer = await tenant.run((ctx) =>
      customer(ctx, {
        language: 'en',
        contacts: [
          contact('AP', 'ap@bakery.example', ['billing']),
          contact('Goods in', 'goodsin@bakery.example', ['shipping']),
        ],
      }),
    )
    const order = await call(app, admin, 'POST', '/v1/orders', {
      customer_id: buyer.id,
      requires_prepayment: true,
      confirm: true,
      lines: [
        {
          item_code: 'GOUDA',
          quantity: '2',
          unit_price: '10.00',
          vat_category: 'S',
          vat_rate: '9',
        },
      ],
    })
    expect(order.status, JSON.stringify(order.body)).toBe(201)
    await call(app, admin, 'POST', `/v1/orders/${order.body.id}/prepayment-received`, {
      reference: 'bank-1',
      amount: order.body.prepayment.open,
      currency: 'EUR',
    })
    const shipment = await call(app, admin, 'POST', '/v1/shipments', {
      order_id: order.body.id,
      carrier: 'PostNL',
      tracking_number: '3SABCD1234567',
      lines: [{ order_line_id: order.body.lines[0].id, quantity: '2' }],
    })
    expect(shipment.status, JSON.stringify(shipment.body)).toBe(201)
    await worker.drain()

    const mail = mailTo('goodsin@bakery.example')
    expect(header(mail.raw, 'subject')).toBe(`Your order ${order.body.number} has been shipped`)
    const trackingUrl = 'https://jouw.postnl.nl/track-and-trace/3SABCD1234567'
    expect(withoutSoftLineBreaks(mail.raw)).toContain(trackingUrl)
    expect(mail.raw).toContain('Carrier: PostNL')
    expect(mail.raw).toContain('Tracking number: 3SABCD1234567')
    const kept = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('delivery')
        .selectAll()
        .where('shipmentId', '=', shipment.body.id)
        .execute(),
    )
    expect(kept).toMatchObject([
      { channel: 'email', recipient: 'goodsin@bakery.example', status: 'sent' },
    ])
  })
})

describe('refusals', () => {
  test('a draft cannot be sent; an unknown invoice is not found; a report needs a delivery', async () => {
    const key = await tenant.key('billing_specialist')
    const unknown = crypto.randomUUID()
    expect((await call(app, key, 'POST', `/v1/invoices/${unknown}/send`, {})).status).toBe(404)
    const invoice = await tenant.run(async (ctx) => {
      const buyer = await customer(ctx)
      return issue(ctx, buyer.id, twoRates)
    })
    const report = await call(app, key, 'POST', `/v1/invoices/${invoice.id}/delivery-events`, {
      step: 'delivered',
      channel: 'peppol',
      detail: {},
    })
    expect(report.status).toBe(409)
    expect(report.body.type).toBe('/problems/delivery.no_delivery')
    const nowhere = await call(app, key, 'POST', `/v1/invoices/${invoice.id}/send`, {})
    expect(nowhere.status).toBe(422)
    expect(nowhere.body.type).toBe('/problems/delivery.no_recipient')
  })
})

function contact(name: string, email: string, roles: string[]) {
  return { name, email, phone: null, language: 'nl', preferredChannel: 'email' as const, roles }
}

async function deliveriesOf(invoiceId: string) {
  const key = await tenant.key('billing_specialist')
  const page = await call(app, key, 'GET', `/v1/invoices/${invoiceId}/deliveries`)
  return page.body.data
}

async function billingProfile(
  ctx: import('../../db/context.js').Ctx,
  customerId: string,
  profile: { channel: 'email' | 'peppol' | 'portal'; peppol?: [string, string]; email?: string },
) {
  // invoicing's putCustomerBilling is on feat/invoice-core; until then the row is put here.
  await ctx.db
    .insertInto('customerBilling')
    .values({
      tenantId: ctx.tenantId,
      customerId,
      invoiceChannel: profile.channel,
      invoiceEmail: profile.email ?? null,
      peppolScheme: profile.peppol?.[0] ?? null,
      peppolId: profile.peppol?.[1] ?? null,
      updatedAt: ctx.now,
    })
    .execute()
}

/** As a Dutch reader writes it, the way the PDF does: 1234567n → '12.345,67'. */
function dutchAmount(minor: bigint): string {
  const text = minor.toString().padStart(3, '0')
  const whole = text.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, '.')
  return `${whole},${text.slice(-2)}`
}
