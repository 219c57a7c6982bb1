import type { InvoiceDocument } from '../invoicing/index.js'
import { type Mail, type MailOutcome, type MailSettings, sendMail } from './mailer.js'
import { documentMail, portalMail } from './messages.js'
import { type AccessPoint, fileDropAccessPoint, peppolEnvelope } from './peppol.js'
import type { DeliveryChannel } from './tables.js'
import type { DocumentRenderer } from './wiring.js'

// The three ways a document reaches a customer, behind one interface: each takes the
// document and its recipient, renders what it carries, hands it over and says how that went.
// A channel does no database work: the send job reads before and records after.

export type Parcel = {
  document: InvoiceDocument
  /** The PDF's look, as the wiring loaded it with the document. */
  look: unknown
  /** An email address, or a Peppol participant id "scheme:id". */
  recipient: string
  /** The document's page (pay page, portal); null on Peppol. */
  link: string | null
}

/** How a hand-over went; the same three answers for every channel (see MailOutcome). */
export type SendOutcome = MailOutcome

export interface InvoiceChannel {
  send(parcel: Parcel, renderer: DocumentRenderer): Promise<SendOutcome>
}

/** Where channels hand over; from the configuration (O2C_SMTP_URL, …). */
export type ChannelSettings = {
  mail: MailSettings | null
  accessPoint: AccessPoint | null
}

export function channelSettings(env: {
  O2C_SMTP_URL?: string
  O2C_MAIL_FROM?: string
  O2C_PEPPOL_DROP_DIR?: string
}): ChannelSettings {
  return {
    mail:
      env.O2C_SMTP_URL && env.O2C_MAIL_FROM
        ? { smtpUrl: env.O2C_SMTP_URL, from: env.O2C_MAIL_FROM }
        : null,
    accessPoint: env.O2C_PEPPOL_DROP_DIR ? fileDropAccessPoint(env.O2C_PEPPOL_DROP_DIR) : null,
  }
}

// Not configured is a temporary failure, not a bounce: an operator who sets the variable
// before the retries run out gets the document delivered.
export async function mailOrDefer(settings: ChannelSettings, mail: Mail): Promise<MailOutcome> {
  if (!settings.mail) {
    return { kind: 'deferred', reply: 'O2C_SMTP_URL and O2C_MAIL_FROM are not set', code: null }
  }
  return sendMail(settings.mail, mail)
}

export function invoiceChannel(
  channel: DeliveryChannel,
  settings: ChannelSettings,
): InvoiceChannel {
  return { email: emailChannel, portal: portalChannel, peppol: peppolChannel }[channel](settings)
}

/** The document mail: PDF and UBL attached, the pay link in the text. */
function emailChannel(settings: ChannelSettings): InvoiceChannel {
  return {
    async send(parcel, renderer) {
      const [pdf, ubl] = await Promise.all([
        renderer.pdf(parcel.document, parcel.look),
        renderer.ubl(parcel.document),
      ])
      const text = documentMail(parcel.document, parcel.link)
      return mailOrDefer(settings, {
        to: parcel.recipient,
        ...text,
        attachments: [
          {
            filename: fileName(parcel.document, 'pdf'),
            contentType: 'application/pdf',
            content: pdf,
          },
          {
            filename: fileName(parcel.document, 'ubl'),
            contentType: 'application/xml',
            content: Buffer.from(ubl, 'utf8'),
          },
        ],
      })
    },
  }
}

/** The portal mail: no attachment, only the link to the document's page. */
function portalChannel(settings: ChannelSettings): InvoiceChannel {
  return {
    async send(parcel) {
      if (!parcel.link)
        return { kind: 'rejected', reply: 'the document has no portal page', code: 0 }
      return mailOrDefer(settings, {
        to: parcel.recipient,
        ...portalMail(parcel.document, parcel.link),
      })
    },
  }
}

/** The UBL with its envelope to the access point. */
function peppolChannel(settings: ChannelSettings): InvoiceChannel {
  return {
    async send(parcel, renderer) {
      if (!settings.accessPoint) {
        return { kind: 'deferred', reply: 'O2C_PEPPOL_DROP_DIR is not set', code: null }
      }
      const sender = parcel.document.seller.electronicAddress
      if (!sender) {
        return {
          kind: 'rejected',
          reply: 'the seller has no Peppol participant id (electronic address, BT-34)',
          code: 0,
        }
      }
      const separator = parcel.recipient.indexOf(':')
      const receiver = {
        scheme: parcel.recipient.slice(0, separator),
        id: parcel.recipient.slice(separator + 1),
      }
      const ubl = await renderer.ubl(parcel.document)
      const envelope = peppolEnvelope(parcel.document.type, sender, receiver)
      try {
        const receipt = await settings.accessPoint.send(envelope, Buffer.from(ubl, 'utf8'))
        return {
          kind: 'accepted',
          messageId: receipt.messageId,
          reply: 'handed to the access point',
        }
      } catch (error) {
        return { kind: 'deferred', reply: `access point: ${(error as Error).message}`, code: null }
      }
    },
  }
}

/** INV-2026-00042.pdf, INV-2026-00042.ubl.xml: the names einvoice gives its files. */
export function fileName(document: InvoiceDocument, kind: 'pdf' | 'ubl'): string {
  const base = document.number.replace(/[^A-Za-z0-9._-]/g, '_')
  return kind === 'pdf' ? `${base}.pdf` : `${base}.ubl.xml`
}
