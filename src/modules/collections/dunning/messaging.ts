import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'

// Text and WhatsApp messages go out through a provider (MessageBird, Twilio, …) behind one
// interface. Every send carries an idempotency key (the dunning message's or the notice's
// id): a provider that honours it (both named do, as a reference or a header) never sends the
// same message twice, however often a crashed job is retried. The file transport is the one
// for development and tests: one JSON file per message, named by the key.

export type TextChannel = 'sms' | 'whatsapp'

export type TextMessage = {
  idempotencyKey: string
  /** A phone number as the customer's contact has it. */
  to: string
  body: string
  channel: TextChannel
}

export interface MessagingProvider {
  /**
   * Hands one message to the provider. Throws MessagingRejected when the provider refuses it
   * for good (a number that is not a number); any other error is worth another try.
   */
  send(message: TextMessage): Promise<{ providerMessageId: string }>
}

export class MessagingRejected extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'MessagingRejected'
  }
}

const keyPattern = /^[A-Za-z0-9_.-]{1,200}$/

/**
 * Writes each message to DIR/KEY.json, atomically: the file is written aside (synced) and linked into
 * place, and a link that exists already means the message was sent before — its provider id
 * is returned and nothing is written. So a retry never sends twice.
 */
export function fileMessagingProvider(dir: string): MessagingProvider {
  return {
    async send(message) {
      if (!keyPattern.test(message.idempotencyKey)) {
        throw new MessagingRejected(`idempotency key ${message.idempotencyKey} is not a file name`)
      }
      mkdirSync(dir, { recursive: true })
      const target = join(dir, `${message.idempotencyKey}.json`)
      const providerMessageId = `file:${message.idempotencyKey}`
      // One aside file per key: a send killed before it linked or cleaned up leaves it, and the
      // retry of that message (the only writer of the key, as the message row is locked)
      // overwrites and removes it.
      const aside = join(dir, `.${message.idempotencyKey}.tmp`)
      const body = `${JSON.stringify({ ...message, providerMessageId, sentAt: new Date().toISOString() }, null, 2)}\n`
      const fd = openSync(aside, 'w')
      try {
        writeSync(fd, body)
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      try {
        linkSync(aside, target)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        const earlier = JSON.parse(readFileSync(target, 'utf8')) as { providerMessageId: string }
        return { providerMessageId: earlier.providerMessageId }
      } finally {
        rmSync(aside, { force: true })
      }
      return { providerMessageId }
    },
  }
}
