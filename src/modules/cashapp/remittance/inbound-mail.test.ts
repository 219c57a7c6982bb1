import nodemailer from 'nodemailer'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type TestTenant, testPlatform, testTenant } from '../../../../test/support.js'
import { readConfig } from '../../../config.js'
import type { Platform } from '../../../platform.js'
import { serve } from '../../../serve.js'
import { listRemittanceAdvices } from './advices.js'
import { type InboundMailServer, slugOf, startInboundMail } from './inbound-mail.js'

// Advices by mail: a real SMTP client (nodemailer) sends to the real listener, in process.
// Mail to a tenant's address lands as advices; mail to anyone else is refused at RCPT TO;
// a mail that is no advice is refused with the reason, and nothing of it is kept.

const domain = 'in.o2c.test'
let platform: Platform
let tenant: TestTenant
let inbound: InboundMailServer

beforeAll(async () => {
  platform = await testPlatform()
  tenant = await testTenant(platform)
  inbound = await startInboundMail(platform, { port: 0, host: '127.0.0.1', domain })
})
afterAll(() => inbound.close())

function sender(port: number) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    tls: { rejectUnauthorized: false },
  })
}

async function advicesOf(t: TestTenant) {
  return (await t.run((ctx) => listRemittanceAdvices(ctx, { limit: 500 }))).data
}

describe('remittance advices by mail', () => {
  test('a mail to the tenant address lands as advices: the body and a CSV attachment', async () => {
    const info = await sender(inbound.port).sendMail({
      from: '"Bakkerij Jansen B.V." <boekhouding@jansen.example>',
      to: `Remittance+${tenant.slug}@IN.O2C.TEST`,
      subject: 'Betaaladvies week 10',
      date: new Date('2026-03-06T09:00:00Z'),
      text: 'Wij betaalden vandaag:\n\nINV-2026-00041  121,00\nINV-2026-00043  80,00\n\nTotaal: € 201,00\n',
      attachments: [
        {
          filename: 'week10-usd.csv',
          content: 'Invoice,Amount,Currency\nINV-2026-00090,1500.00,USD\n',
          contentType: 'text/csv',
        },
      ],
    })
    expect(info.accepted).toHaveLength(1)
    expect(info.response).toMatch(/^250 .*2 remittance advice/)
    const advices = await advicesOf(tenant)
    expect(advices.map((a) => [a.source, a.amount, a.currency, a.payer_name, a.date])).toEqual([
      ['email', '201.00', 'EUR', 'Bakkerij Jansen B.V.', '2026-03-06'],
      ['csv', '1500.00', 'USD', 'Bakkerij Jansen B.V.', '2026-03-06'],
    ])
    expect(advices[0]).toMatchObject({
      sender: 'boekhouding@jansen.example',
      created_by: 'inbound mail from boekhouding@jansen.example',
      lines: [
        { invoice_number: 'INV-2026-00041', amount: '121.00' },
        { invoice_number: 'INV-2026-00043', amount: '80.00' },
      ],
    })
  })

  test('refuses unknown recipients at RCPT TO, and takes the known one of the same mail', async () => {
    const other = await testTenant(platform)
    const refused = sender(inbound.port).sendMail({
      from: 'someone@example.com',
      to: [
        `remittance+no-such-tenant@${domain}`,
        `invoices@${domain}`,
        `remittance+${other.slug}@elsewhere.test`,
      ],
      subject: 'x',
      text: 'INV-1 10,00',
    })
    await expect(refused).rejects.toMatchObject({ code: 'EENVELOPE', responseCode: 550 })

    const partly = await sender(inbound.port).sendMail({
      from: 'someone@example.com',
      to: [`remittance+no-such-tenant@${domain}`, `remittance+${other.slug}@${domain}`],
      subject: 'x',
      text: 'INV-7 10,00\nBetaler: Someone Ltd',
    })
    expect(partly.rejected).toEqual([`remittance+no-such-tenant@${domain}`])
    expect((await advicesOf(other)).map((a) => a.amount)).toEqual(['10.00'])
  })

  test('refuses a mail that is no advice with the reason, and keeps nothing of it', async () => {
    const own = await testTenant(platform)
    const send = sender(inbound.port).sendMail({
      from: 'someone@example.com',
      to: `remittance+${own.slug}@${domain}`,
      subject: 'Betaling',
      text: 'INV-1  10,00\nINV-2  5,00\nTotaal: 16,00\n',
    })
    await expect(send).rejects.toMatchObject({ responseCode: 550 })
    await expect(send).rejects.toThrow(/not the sum of the lines/)
    expect(await advicesOf(own)).toEqual([])
  })

  test.each`
    address                          | slug
    ${`remittance+acme@${domain}`}   | ${'acme'}
    ${`REMITTANCE+Acme@IN.O2C.TEST`} | ${'acme'}
    ${`remittance@${domain}`}        | ${undefined}
    ${`invoices+acme@${domain}`}     | ${undefined}
    ${'remittance+acme@other.test'}  | ${undefined}
  `('$address is the address of $slug', ({ address, slug }) => {
    expect(slugOf(address, domain)).toBe(slug)
  })
})

describe('o2c serve', () => {
  test('listens for advices by mail when O2C_INBOUND_SMTP_PORT is set', async () => {
    const own = await testPlatform()
    const t = await testTenant(own)
    const config = readConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      O2C_WORKER: 'off',
      LOG_LEVEL: 'silent',
      O2C_INBOUND_SMTP_PORT: '0',
      O2C_INBOUND_MAIL_DOMAIN: domain,
    })
    const running = await serve(own, config)
    try {
      const port = running.inboundMail?.port
      expect(port).toBeGreaterThan(0)
      await sender(port as number).sendMail({
        from: 'a@b.example',
        to: `remittance+${t.slug}@${domain}`,
        subject: 'advies',
        text: 'Payer: Bakkerij Jansen\nINV-2026-00041 121.00 EUR',
      })
      expect((await advicesOf(t)).map((a) => a.amount)).toEqual(['121.00'])
    } finally {
      await running.stop()
    }
  })

  test('is off by default, and refuses a port without a domain', () => {
    expect(readConfig({}).O2C_INBOUND_SMTP_PORT).toBeUndefined()
    expect(() => readConfig({ O2C_INBOUND_SMTP_PORT: '2525' })).toThrow(/O2C_INBOUND_MAIL_DOMAIN/)
  })
})
