import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import type { SMTPServerAddress, SMTPServerSession } from 'smtp-server'
import { DomainError } from '../../../core/errors.js'
import { inTenant } from '../../../db/context.js'
import type { Platform } from '../../../platform.js'
import { findTenant } from '../../auth/index.js'
import { receiveRemittanceMail } from './advices.js'
import { adviceBytesMax } from './documents.js'

// Remittance advices by mail: an SMTP listener that takes mail for each tenant's inbound
// address, remittance+SLUG@DOMAIN (SLUG the tenant's slug, DOMAIN O2C_INBOUND_MAIL_DOMAIN),
// and receives the body and the CSV, text and PDF attachments as advices (see
// receiveRemittanceMail). Customers, or the company's own mail server forwarding what arrives
// at a remittance address, send to it.
//
// A recipient that is no tenant's address is refused at RCPT TO (550), so a stranger's mail
// is never accepted and then bounced. A mail that is no advice is refused after DATA with the
// reason (550), so the sender hears what was wrong; a failure of ours is a temporary 451, and
// the sending server tries again (the same mail again is recognised by its content).
//
// The listener speaks plain SMTP without TLS or authentication: run it on the loopback
// address behind the company's mail server (Postfix, Exchange), which does TLS, spam and
// virus filtering and relays the remittance addresses to it; or where the network in between
// is trusted. An advice only suggests what a payment covers; the matching links it by amount,
// date and payer before it is used.

export type InboundMailSettings = {
  port: number
  host: string
  /** The domain of the inbound addresses: remittance+SLUG@domain. */
  domain: string
}

export type InboundMailServer = {
  /** The port it listens on (the one given, or the one the system chose for port 0). */
  port: number
  close(): Promise<void>
}

const localPart = 'remittance'
// A mail to more tenants than this is no customer's advice.
const recipientsMax = 10

/** Starts the listener; resolves once it accepts connections. */
export async function startInboundMail(
  platform: Platform,
  settings: InboundMailSettings,
): Promise<InboundMailServer> {
  const domain = settings.domain.toLowerCase()
  const log = platform.log.child({ component: 'inbound-mail' })
  // Loaded only where the listener runs: the other o2c commands do without it.
  const { SMTPServer } = await import('smtp-server')
  const server = new SMTPServer({
    name: domain,
    banner: 'o2c remittance advices',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: adviceBytesMax,
    maxClients: 20,
    logger: false,
    async onRcptTo(address, session, callback) {
      try {
        if (session.envelope.rcptTo.length >= recipientsMax) {
          return callback(smtpError(452, `4.5.3 at most ${recipientsMax} recipients`))
        }
        const slug = slugOf(address.address, domain)
        if (!slug || !(await findTenant(platform.store, slug))) {
          return callback(smtpError(550, `5.1.1 <${address.address}>: no such mailbox`))
        }
        callback()
      } catch (error) {
        log.error({ err: error }, 'looking up an inbound recipient failed')
        callback(smtpError(451, '4.3.0 try again later'))
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        if ((stream as typeof stream & { sizeExceeded?: boolean }).sizeExceeded) {
          return callback(smtpError(552, `5.3.4 a mail is at most ${adviceBytesMax} bytes`))
        }
        receive(platform, session, Buffer.concat(chunks), domain).then(
          (reply) => callback(null, reply),
          (error) => {
            if (error instanceof DomainError) {
              log.info({ code: error.code, detail: error.message }, 'inbound mail refused')
              return callback(smtpError(550, `5.6.0 ${oneLine(error.message)}`))
            }
            log.error({ err: error }, 'receiving an inbound mail failed')
            callback(smtpError(451, '4.3.0 try again later'))
          },
        )
      })
    },
  })
  server.on('error', (error) => log.warn({ err: error }, 'inbound mail connection error'))
  server.listen(settings.port, settings.host)
  await Promise.race([
    once(server.server, 'listening'),
    once(server.server, 'error').then(([error]) => {
      throw error
    }),
  ])
  const port = (server.server.address() as AddressInfo).port
  log.info(
    { host: settings.host, port, address: `${localPart}+SLUG@${domain}` },
    'inbound mail is up',
  )
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** The tenant slug of remittance+SLUG@domain, else undefined. */
export function slugOf(address: string, domain: string): string | undefined {
  const match = /^([^@+]+)\+([^@]+)@(.+)$/.exec(address.trim().toLowerCase())
  if (!match || match[1] !== localPart || match[3] !== domain) return undefined
  return match[2]
}

async function receive(
  platform: Platform,
  session: SMTPServerSession,
  raw: Buffer,
  domain: string,
): Promise<string> {
  const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : ''
  const slugs = new Set(
    session.envelope.rcptTo
      .map((r: SMTPServerAddress) => slugOf(r.address, domain))
      .filter((s): s is string => s !== undefined),
  )
  const stored: string[] = []
  for (const slug of slugs) {
    const tenant = await findTenant(platform.store, slug)
    if (!tenant) continue
    const scope = {
      tenantId: tenant.tenantId,
      timeZone: tenant.timeZone,
      actor: {
        type: 'system' as const,
        id: null,
        name: `inbound mail from ${sender || 'unknown'}`,
      },
    }
    const receipts = await inTenant(
      platform.store,
      scope,
      (ctx) => receiveRemittanceMail(ctx, raw, { fileName: 'mail' }),
      platform.clock,
    )
    platform.log.info(
      { tenant: slug, sender, advices: receipts.map((r) => r.advice.id) },
      'remittance advices received by mail',
    )
    stored.push(...receipts.map((r) => r.advice.id))
  }
  return `2.0.0 ${stored.length} remittance advice(s) received`
}

function smtpError(responseCode: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode })
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').slice(0, 400)
}
