import { sql } from 'kysely'
import { readConfig } from '../../../config.js'
import { calendarDateAt } from '../../../core/dates.js'
import { newId } from '../../../core/ids.js'
import type { Ctx } from '../../../db/context.js'
import { type MailOutcome, type MailSettings, sendMail } from '../../delivery/index.js'
import { emitEvent } from '../../outbox/index.js'
import type { RenderedMessage } from '../contracts.js'
import { renderDunningMessage } from '../messages/render.js'
import type { DunningChannel } from '../tables.js'
import { fileMessagingProvider, type MessagingProvider, MessagingRejected } from './messaging.js'

// Sending one dunning message (or one notice) through its channel: e-mail over SMTP as
// invoices go, text and WhatsApp through the messaging provider, a phone step as a task on a
// collector's list. The message row is locked for the whole hand-over, so two senders (the
// worker's job and `o2c dunning run` sending in-process) never both send it: the second one
// finds it sent. A text message is also idempotent at the provider (its key is the message
// id), so a crash between the hand-over and the commit never sends it twice; an e-mail that
// the SMTP server took just before such a crash is sent again on retry (SMTP has no key).

export type DunningChannels = {
  mail: MailSettings | null
  messaging: MessagingProvider | null
}

/** The channels as the configuration has them (O2C_SMTP_URL, O2C_MAIL_FROM, O2C_MESSAGING_DIR). */
export function dunningChannelsFromConfig(): DunningChannels {
  const config = readConfig()
  return {
    mail:
      config.O2C_SMTP_URL && config.O2C_MAIL_FROM
        ? { smtpUrl: config.O2C_SMTP_URL, from: config.O2C_MAIL_FROM }
        : null,
    messaging: config.O2C_MESSAGING_DIR ? fileMessagingProvider(config.O2C_MESSAGING_DIR) : null,
  }
}

let channelsInUse: DunningChannels | undefined

/** Tests (and a deployment with a real provider) set the channels once at start-up. */
export function useDunningChannels(channels: DunningChannels | undefined): void {
  channelsInUse = channels
}

export function dunningChannels(): DunningChannels {
  return channelsInUse ?? dunningChannelsFromConfig()
}

/** What happened to a send: done (sent, task, failed for good) or try again later. */
export type SendResult =
  | { kind: 'sent'; providerMessageId: string; recipient: string }
  | { kind: 'task_created' }
  | { kind: 'failed'; reason: string }
  | { kind: 'retry'; reason: string }
  | { kind: 'nothing_to_do' }

type Recipients = { email: string | null; phone: string | null }

/**
 * The customer's address for collections: a contact with the role 'dunning', else 'billing',
 * else the first contact; for e-mail the invoice address of its billing settings last.
 */
async function recipientsOf(ctx: Ctx, customerId: string): Promise<Recipients> {
  const rows = await sql<Recipients>`
    select
      (select cc.email from customer_contact cc
       where cc.tenant_id = ${ctx.tenantId}::uuid and cc.customer_id = ${customerId}::uuid
         and cc.email is not null
       order by case when 'dunning' = any(cc.roles) then 0
                     when 'billing' = any(cc.roles) then 1 else 2 end, cc.position
       limit 1) as email,
      (select cc.phone from customer_contact cc
       where cc.tenant_id = ${ctx.tenantId}::uuid and cc.customer_id = ${customerId}::uuid
         and cc.phone is not null and cc.phone <> ''
       order by case when 'dunning' = any(cc.roles) then 0
                     when 'billing' = any(cc.roles) then 1 else 2 end, cc.position
       limit 1) as phone,
      (select cb.invoice_email from customer_billing cb
       where cb.tenant_id = ${ctx.tenantId}::uuid and cb.customer_id = ${customerId}::uuid)
        as billing_email`.execute(ctx.db)
  const row = rows.rows[0] as Recipients & { billingEmail: string | null }
  return { email: row?.email ?? row?.billingEmail ?? null, phone: row?.phone ?? null }
}

type Handover =
  | { kind: 'sent'; providerMessageId: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'retry'; reason: string }

async function handOver(
  channels: DunningChannels,
  channel: 'email' | 'sms' | 'whatsapp',
  to: string,
  key: string,
  rendered: RenderedMessage,
): Promise<Handover> {
  if (channel === 'email') {
    if (!channels.mail)
      return { kind: 'retry', reason: 'O2C_SMTP_URL and O2C_MAIL_FROM are not set' }
    const outcome: MailOutcome = await sendMail(channels.mail, {
      to,
      subject: rendered.subject,
      text: rendered.text,
      attachments: rendered.pdf
        ? [{ filename: 'reminder.pdf', contentType: 'application/pdf', content: rendered.pdf }]
        : undefined,
    })
    if (outcome.kind === 'accepted') return { kind: 'sent', providerMessageId: outcome.messageId }
    if (outcome.kind === 'rejected') {
      return { kind: 'failed', reason: `the mail server refused it: ${outcome.reply}` }
    }
    return { kind: 'retry', reason: `the mail server did not take it: ${outcome.reply}` }
  }
  if (!channels.messaging)
    return { kind: 'retry', reason: 'O2C_MESSAGING_DIR is not set (no messaging provider)' }
  try {
    const sent = await channels.messaging.send({
      idempotencyKey: key,
      to,
      body: rendered.text,
      channel,
    })
    return { kind: 'sent', providerMessageId: sent.providerMessageId }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    if (error instanceof MessagingRejected)
      return { kind: 'failed', reason: `the provider refused it: ${reason}` }
    return { kind: 'retry', reason: `the provider did not take it: ${reason}` }
  }
}

async function collectorTask(
  ctx: Ctx,
  customerId: string,
  note: string,
  messageId: string | null,
): Promise<string> {
  const id = newId()
  await ctx.db
    .insertInto('collectionActivity')
    .values({
      tenantId: ctx.tenantId,
      id,
      customerId,
      kind: 'task',
      outcome: null,
      note: note.slice(0, 5000),
      taskStatus: 'open',
      dueOn: calendarDateAt(ctx.now, ctx.timeZone),
      assignedTo: null,
      messageId,
      invoiceId: null,
      occurredAt: ctx.now,
      recordedBy: ctx.actor.name,
    })
    .execute()
  return id
}

/**
 * Sends one dunning message, in the caller's transaction (which it locks the message in).
 * `finalAttempt`: a temporary failure becomes a failure for good (and a collector task).
 */
export async function sendDunningMessage(
  ctx: Ctx,
  messageId: string,
  options: { channels?: DunningChannels; finalAttempt?: boolean } = {},
): Promise<SendResult> {
  const message = await ctx.db
    .selectFrom('dunningMessage')
    .select(['id', 'customerId', 'channel', 'status', 'templateKey', 'runId'])
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', messageId)
    .forUpdate()
    .executeTakeFirst()
  if (!message || (message.status !== 'queued' && message.status !== 'pending')) {
    return { kind: 'nothing_to_do' }
  }
  // Letters go out in the run's print batch (messages/), not one by one.
  if (message.channel === 'letter') return { kind: 'nothing_to_do' }
  const rendered = await renderDunningMessage(ctx, messageId)
  if (message.channel === 'phone') {
    await collectorTask(
      ctx,
      message.customerId,
      `Call: ${rendered.subject}\n\n${rendered.text}`,
      messageId,
    )
    await ctx.db
      .updateTable('dunningMessage')
      .set({ status: 'task_created', sentAt: ctx.now })
      .where('tenantId', '=', ctx.tenantId)
      .where('id', '=', messageId)
      .execute()
    return { kind: 'task_created' }
  }
  const recipients = await recipientsOf(ctx, message.customerId)
  const to = message.channel === 'email' ? recipients.email : recipients.phone
  if (!to) {
    const reason =
      message.channel === 'email'
        ? 'the customer has no e-mail address (a contact with one, or the invoice e-mail)'
        : `the customer has no phone number for ${message.channel} (a contact with one)`
    return failMessage(ctx, message, reason)
  }
  const outcome = await handOver(
    options.channels ?? dunningChannels(),
    message.channel,
    to,
    messageId,
    rendered,
  )
  if (outcome.kind === 'retry' && !options.finalAttempt) return outcome
  if (outcome.kind !== 'sent') return failMessage(ctx, message, outcome.reason, to)
  await ctx.db
    .updateTable('dunningMessage')
    .set({
      status: 'sent',
      sentAt: ctx.now,
      recipient: to,
      providerMessageId: outcome.providerMessageId,
      failure: null,
    })
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', messageId)
    .execute()
  await emitEvent(ctx, {
    type: 'collections.dunning_message_sent',
    entityType: 'customer',
    entityId: message.customerId,
    payload: {
      message_id: messageId,
      run_id: message.runId,
      customer_id: message.customerId,
      channel: message.channel,
      template_key: message.templateKey,
    },
  })
  return { kind: 'sent', providerMessageId: outcome.providerMessageId, recipient: to }
}

async function failMessage(
  ctx: Ctx,
  message: { id: string; customerId: string; channel: DunningChannel },
  reason: string,
  recipient: string | null = null,
): Promise<SendResult> {
  await ctx.db
    .updateTable('dunningMessage')
    .set({ status: 'failed', failure: reason.slice(0, 2000), recipient })
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', message.id)
    .execute()
  await collectorTask(
    ctx,
    message.customerId,
    `A ${message.channel} reminder could not be sent: ${reason}. Reach the customer another way and fix the contact data.`,
    message.id,
  )
  return { kind: 'failed', reason }
}

export type NoticePayload = {
  activityId: string
  customerId: string
  kind: string
  invoiceId?: string
  subject: string
  text: string
}

/**
 * Sends a notice (contracts.ts CustomerNotice) on the customer's preferred channel, once:
 * customer_notice_delivery records how it went. A letter is not printed one by one: such a
 * notice goes by e-mail when the customer has an address, else to a collector as a task.
 */
export async function sendCustomerNotice(
  ctx: Ctx,
  notice: NoticePayload,
  options: { channels?: DunningChannels; finalAttempt?: boolean } = {},
): Promise<SendResult> {
  const done = await sql`
    select 1 from customer_notice_delivery
    where tenant_id = ${ctx.tenantId}::uuid and activity_id = ${notice.activityId}::uuid
    for update`.execute(ctx.db)
  if (done.rows.length > 0) return { kind: 'nothing_to_do' }
  const customer = await ctx.db
    .selectFrom('customer')
    .select(['preferredChannel'])
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', notice.customerId)
    .executeTakeFirstOrThrow()
  const recipients = await recipientsOf(ctx, notice.customerId)
  let channel: DunningChannel = customer.preferredChannel
  if (channel === 'letter') channel = recipients.email ? 'email' : 'phone'
  const record = (
    status: 'sent' | 'failed' | 'task_created',
    detail: {
      recipient?: string | null
      providerMessageId?: string | null
      failure?: string | null
    },
  ) =>
    sql`
    insert into customer_notice_delivery (tenant_id, activity_id, customer_id, channel, status,
      recipient, provider_message_id, failure, sent_at)
    values (${ctx.tenantId}::uuid, ${notice.activityId}::uuid, ${notice.customerId}::uuid,
      ${channel}, ${status}, ${detail.recipient ?? null}, ${detail.providerMessageId ?? null},
      ${detail.failure?.slice(0, 2000) ?? null}, ${ctx.now.toISOString()}::timestamptz)
    on conflict do nothing`.execute(ctx.db)
  if (channel === 'phone') {
    await collectorTask(
      ctx,
      notice.customerId,
      `Tell the customer: ${notice.subject}\n\n${notice.text}`,
      null,
    )
    await record('task_created', {})
    return { kind: 'task_created' }
  }
  const to = channel === 'email' ? recipients.email : recipients.phone
  const outcome: Handover = to
    ? await handOver(options.channels ?? dunningChannels(), channel, to, notice.activityId, {
        subject: notice.subject,
        text: notice.text,
      })
    : {
        kind: 'failed',
        reason: `the customer has no ${channel === 'email' ? 'e-mail address' : 'phone number'}`,
      }
  if (outcome.kind === 'retry' && !options.finalAttempt) return outcome
  if (outcome.kind !== 'sent') {
    await record('failed', { recipient: to, failure: outcome.reason })
    await collectorTask(
      ctx,
      notice.customerId,
      `A notice (${notice.kind}) could not be sent: ${outcome.reason}. Tell the customer: ${notice.subject}`,
      null,
    )
    return { kind: 'failed', reason: outcome.reason }
  }
  await record('sent', { recipient: to, providerMessageId: outcome.providerMessageId })
  return { kind: 'sent', providerMessageId: outcome.providerMessageId, recipient: to as string }
}
