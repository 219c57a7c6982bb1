import nodemailer from 'nodemailer'

// Mail goes out over SMTP with nodemailer, to the server in O2C_SMTP_URL (the company's relay
// or mail provider, e.g. smtp://user:pass@smtp.example.com:587). One connection per message:
// a delivery job sends one mail, and the worker runs jobs one after the other.

export type MailAttachment = { filename: string; contentType: string; content: Uint8Array }

export type Mail = {
  to: string
  subject: string
  text: string
  attachments?: MailAttachment[]
}

/**
 * What the SMTP server said. `accepted`: it took the message (250 after DATA) — which tells us
 * the message left o2c, not that it reached the mailbox; `rejected`: a 5xx reply, it will not
 * take the message however often we try; `deferred`: a 4xx reply or no answer, try again.
 */
export type MailOutcome =
  | { kind: 'accepted'; messageId: string; reply: string }
  | { kind: 'rejected'; reply: string; code: number }
  | { kind: 'deferred'; reply: string; code: number | null }

export type MailSettings = { smtpUrl: string; from: string }

// A server that says nothing for this long is treated as a temporary failure; the job retries.
const smtpTimeoutMs = 30_000

export async function sendMail(settings: MailSettings, mail: Mail): Promise<MailOutcome> {
  const transport = nodemailer.createTransport({
    url: settings.smtpUrl,
    connectionTimeout: smtpTimeoutMs,
    greetingTimeout: smtpTimeoutMs,
    socketTimeout: smtpTimeoutMs,
  })
  try {
    const info = await transport.sendMail({
      from: settings.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      attachments: mail.attachments?.map((a) => ({
        filename: a.filename,
        contentType: a.contentType,
        content: Buffer.from(a.content),
      })),
    })
    return { kind: 'accepted', messageId: info.messageId, reply: String(info.response ?? '') }
  } catch (error) {
    return failure(error)
  } finally {
    transport.close()
  }
}

// nodemailer puts the server's reply code and text on the error (responseCode, response);
// a refused connection or a timeout has neither and is worth another try.
function failure(error: unknown): MailOutcome {
  const { responseCode, response, message } = error as {
    responseCode?: number
    response?: string
    message?: string
  }
  const reply = (response ?? message ?? String(error)).slice(0, 1000)
  if (typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600) {
    return { kind: 'rejected', reply, code: responseCode }
  }
  return { kind: 'deferred', reply, code: typeof responseCode === 'number' ? responseCode : null }
}
