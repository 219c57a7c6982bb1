import { DomainError, domainError, invalid, notFound } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import { decodeCursor, type Page, pageSizeDefault, toPage } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { getCustomer } from '../customers/index.js'
import { recordInvoiceStep } from '../invoicing/index.js'
import { emitEvent } from '../outbox/index.js'
import './errors.js'
import type { PeppolReceipt } from './peppol.js'
import type { DeliveryChannel, DeliveryStatus, DeliverySubject } from './tables.js'
import { type BillingChannel, deliveryWiring, type InvoiceHead } from './wiring.js'

// The deliveries of documents and notices, and the steps they put on the invoice's timeline.
// A delivery is queued in one transaction (its row, the 'queued' step, the invoice.queued
// event that makes the send job); the job sends with no transaction open and settles the
// delivery in a second one (sent, bounced) — see jobs.ts. Later news about a delivery (a
// bounce webhook, a Peppol receipt) settles it further: delivered or bounced.

export type Delivery = {
  id: string
  subject: DeliverySubject
  invoiceId: string | null
  shipmentId: string | null
  channel: DeliveryChannel
  recipient: string | null
  status: DeliveryStatus
  messageId: string | null
  attempts: number
  lastError: string | null
  createdAt: Date
  sentAt: Date | null
  settledAt: Date | null
}

const deliveryColumns = [
  'id',
  'subject',
  'invoiceId',
  'shipmentId',
  'channel',
  'recipient',
  'status',
  'messageId',
  'attempts',
  'lastError',
  'createdAt',
  'sentAt',
  'settledAt',
] as const

export type SendRequest = {
  /** Another channel than the customer's (email, peppol, portal). */
  channel?: DeliveryChannel
  /** Another email address than the customer's (email and portal only). */
  to?: string
  /** The event that asked for it; a second run for the same event finds the first delivery. */
  sourceEventId?: string
}

/**
 * Queues an issued invoice or credit note for delivery on the customer's channel (or the one
 * asked for) and records 'queued' on its timeline; the worker sends it. Used on issue (the
 * invoice.issued consumer) and by "send again" (POST /v1/invoices/{id}/send).
 *
 *   await queueInvoiceDelivery(ctx, invoiceId, { to: 'ap@customer.example' })
 */
export async function queueInvoiceDelivery(
  ctx: Ctx,
  invoiceId: string,
  request: SendRequest = {},
): Promise<Delivery> {
  checkRecipientEmail(request.to)
  const invoice = await issuedInvoice(ctx, invoiceId)
  if (request.sourceEventId) {
    const earlier = await deliveryBySource(ctx, request.sourceEventId)
    if (earlier) return earlier
  }
  const billing = await deliveryWiring().customerBilling(ctx, invoice.customerId)
  // A credit note has no pay page, so no portal page either: a portal customer gets it by
  // email, with its PDF and UBL, like an email customer.
  const preferred =
    billing.invoiceChannel === 'portal' && invoice.documentType === 'credit_note'
      ? 'email'
      : billing.invoiceChannel
  const channel = request.channel ?? preferred
  if (request.to !== undefined && channel === 'peppol') {
    throw domainError(
      'delivery.recipient_not_for_channel',
      'A Peppol delivery goes to the participant id of the customer; "to" is an email address',
      { field: 'to', channel },
    )
  }
  const recipient = request.to ?? (await invoiceRecipient(ctx, invoice, billing, channel))
  if (!recipient) {
    throw domainError(
      'delivery.no_recipient',
      channel === 'peppol'
        ? `Customer ${invoice.customerId} has no Peppol participant id in its billing profile`
        : `Customer ${invoice.customerId} has no invoice email address and no contact with an email`,
      { field: channel === 'peppol' ? 'peppol_id' : 'invoice_email', channel },
    )
  }
  const delivery = await insertDelivery(ctx, {
    subject: 'invoice',
    invoiceId,
    channel,
    recipient,
    sourceEventId: request.sourceEventId,
  })
  await recordInvoiceStep(ctx, invoiceId, 'queued', {
    channel,
    detail: { delivery_id: delivery.id, recipient },
  })
  return delivery
}

/**
 * What happens on issue: the document is queued on the customer's channel. A customer with
 * no address to send to is a delivery that failed before it began, and the billing
 * specialist must see it: the attempt is kept as bounced and the timeline says why.
 */
export async function deliverIssuedInvoice(
  ctx: Ctx,
  invoiceId: string,
  sourceEventId: string,
): Promise<Delivery> {
  try {
    return await queueInvoiceDelivery(ctx, invoiceId, { sourceEventId })
  } catch (error) {
    if (!(error instanceof DomainError && error.code === 'delivery.no_recipient')) throw error
    const channel = error.details.channel as DeliveryChannel
    const delivery = await insertDelivery(ctx, {
      subject: 'invoice',
      invoiceId,
      channel,
      recipient: null,
      sourceEventId,
      status: 'bounced',
      lastError: error.message,
    })
    await recordInvoiceStep(ctx, invoiceId, 'bounced', {
      channel,
      detail: { delivery_id: delivery.id, reason: error.message },
    })
    return delivery
  }
}

async function issuedInvoice(ctx: Ctx, invoiceId: string): Promise<InvoiceHead> {
  const invoice = await deliveryWiring().findInvoice(ctx, invoiceId)
  if (!invoice) throw notFound('invoice', invoiceId)
  if (!invoice.issued) {
    throw domainError(
      'delivery.invoice_not_issued',
      `Invoice ${invoiceId} is a draft; issue it before sending it`,
      { invoice: invoiceId },
    )
  }
  return invoice
}

// Contacts whose roles say they receive invoices, in the words customers' data uses.
const invoiceContactRoles = ['billing', 'invoices', 'accounts_payable', 'finance']

async function invoiceRecipient(
  ctx: Ctx,
  invoice: InvoiceHead,
  billing: BillingChannel,
  channel: DeliveryChannel,
): Promise<string | null> {
  if (channel === 'peppol') {
    return billing.peppol ? `${billing.peppol.scheme}:${billing.peppol.id}` : null
  }
  if (billing.invoiceEmail) return billing.invoiceEmail
  return contactEmail(ctx, invoice.customerId, invoiceContactRoles)
}

/** The email of the first contact with one of `roles`, else of the first contact with one. */
export async function contactEmail(
  ctx: Ctx,
  customerId: string,
  roles: readonly string[],
): Promise<string | null> {
  const customer = await getCustomer(ctx, customerId)
  const withEmail = customer.contacts.filter((c) => c.email)
  const byRole = withEmail.find((c) => c.roles.some((role) => roles.includes(role)))
  return (byRole ?? withEmail[0])?.email ?? null
}

export async function insertDelivery(
  ctx: Ctx,
  row: {
    subject: DeliverySubject
    invoiceId?: string
    shipmentId?: string
    channel: DeliveryChannel
    recipient: string | null
    sourceEventId?: string
    status?: DeliveryStatus
    lastError?: string
  },
): Promise<Delivery> {
  const values = {
    tenantId: ctx.tenantId,
    id: newId(),
    subject: row.subject,
    invoiceId: row.invoiceId ?? null,
    shipmentId: row.shipmentId ?? null,
    channel: row.channel,
    recipient: row.recipient,
    status: row.status ?? 'queued',
    lastError: row.lastError ?? null,
    sourceEventId: row.sourceEventId ?? null,
    createdAt: ctx.now,
    settledAt: row.status === 'bounced' ? ctx.now : null,
    updatedAt: ctx.now,
  }
  const delivery = await ctx.db
    .insertInto('delivery')
    .values(values)
    .returning(deliveryColumns)
    .executeTakeFirstOrThrow()
  await recordAudit(ctx, {
    entityType: 'delivery',
    entityId: delivery.id,
    action: delivery.status,
    before: null,
    after: auditView(delivery),
  })
  return delivery
}

export async function findDelivery(ctx: Ctx, id: string): Promise<Delivery | undefined> {
  return ctx.db
    .selectFrom('delivery')
    .select(deliveryColumns)
    .where('id', '=', id)
    .executeTakeFirst()
}

export async function deliveryBySource(
  ctx: Ctx,
  sourceEventId: string,
): Promise<Delivery | undefined> {
  return ctx.db
    .selectFrom('delivery')
    .select(deliveryColumns)
    .where('sourceEventId', '=', sourceEventId)
    .executeTakeFirst()
}

/** Every delivery of an invoice or credit note, oldest first. */
export async function listInvoiceDeliveries(
  ctx: Ctx,
  invoiceId: string,
  page: { cursor?: string; limit?: number } = {},
): Promise<Page<Delivery>> {
  const invoice = await deliveryWiring().findInvoice(ctx, invoiceId)
  if (!invoice) throw notFound('invoice', invoiceId)
  const limit = page.limit ?? pageSizeDefault
  const after = decodeCursor(page.cursor)
  let query = ctx.db
    .selectFrom('delivery')
    .select(deliveryColumns)
    .where('invoiceId', '=', invoiceId)
    .orderBy('id')
    .limit(limit + 1)
  if (after) query = query.where('id', '>', after)
  return toPage(await query.execute(), limit)
}

export type Settlement = {
  status: 'sent' | 'delivered' | 'bounced'
  messageId?: string
  error?: string
  /** Counts a try on the channel (the send job does; a webhook's news does not). */
  attempted?: boolean
  /** Copied onto the timeline step. */
  detail?: Record<string, unknown>
  occurredAt?: Date
}

/**
 * Moves a delivery to sent, delivered or bounced, with the step on the invoice's timeline
 * (invoice.<status>) or, for a shipment notice, the event shipment.notice_<status>. Only a
 * delivery still in `from` moves, so a job that runs twice records its step once; returns
 * null when it had moved on already.
 */
export async function settleDelivery(
  ctx: Ctx,
  delivery: Delivery,
  from: readonly DeliveryStatus[],
  settlement: Settlement,
): Promise<Delivery | null> {
  const updated = await ctx.db
    .updateTable('delivery')
    .set((eb) => ({
      status: settlement.status,
      ...(settlement.messageId !== undefined && { messageId: settlement.messageId }),
      ...(settlement.error !== undefined && { lastError: settlement.error.slice(0, 2000) }),
      ...(settlement.attempted && { attempts: eb('attempts', '+', 1) }),
      ...(settlement.status === 'sent'
        ? { sentAt: ctx.now }
        : { settledAt: settlement.occurredAt ?? ctx.now }),
      updatedAt: ctx.now,
    }))
    .where('id', '=', delivery.id)
    .where('status', 'in', [...from])
    .returning(deliveryColumns)
    .executeTakeFirst()
  if (!updated) return null
  await recordAudit(ctx, {
    entityType: 'delivery',
    entityId: delivery.id,
    action: settlement.status,
    before: auditView(delivery),
    after: auditView(updated),
  })
  const detail = {
    delivery_id: delivery.id,
    recipient: delivery.recipient,
    ...(updated.messageId && { message_id: updated.messageId }),
    ...(settlement.error && { reason: settlement.error }),
    ...settlement.detail,
  }
  if (delivery.invoiceId) {
    await recordInvoiceStep(ctx, delivery.invoiceId, settlement.status, {
      channel: delivery.channel,
      detail,
      occurredAt: settlement.occurredAt,
    })
  } else {
    await emitShipmentNoticeEvent(ctx, updated, settlement.status, detail)
  }
  return updated
}

/** A try that failed for now: counted and kept (and audited), the delivery stays queued for the retry. */
export async function recordDeferredAttempt(ctx: Ctx, delivery: Delivery, error: string) {
  const updated = await ctx.db
    .updateTable('delivery')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      lastError: error.slice(0, 2000),
      updatedAt: ctx.now,
    }))
    .where('id', '=', delivery.id)
    .where('status', '=', 'queued')
    .returning(deliveryColumns)
    .executeTakeFirst()
  if (!updated) return
  await recordAudit(ctx, {
    entityType: 'delivery',
    entityId: delivery.id,
    action: 'deferred',
    after: { ...auditView(updated), lastError: updated.lastError },
  })
}

export async function emitShipmentNoticeEvent(
  ctx: Ctx,
  delivery: Delivery,
  status: DeliveryStatus,
  detail: Record<string, unknown>,
) {
  await emitEvent(ctx, {
    type: `shipment.notice_${status}`,
    entityType: 'shipment',
    entityId: delivery.shipmentId!,
    payload: { shipment_id: delivery.shipmentId, channel: delivery.channel, ...detail },
  })
}

export type DeliveryNews = {
  step: 'delivered' | 'bounced'
  channel: DeliveryChannel
  detail: Record<string, unknown>
}

/**
 * News from outside about a delivery: a mail provider's bounce or delivery webhook, an
 * access point's callback. It settles the invoice's delivery on that channel — the one whose
 * message id the detail names (`message_id`), else the latest — and records the step. The
 * same news twice records it once (providers repeat their webhooks).
 */
export async function recordDeliveryNews(
  ctx: Ctx,
  invoiceId: string,
  news: DeliveryNews,
): Promise<Delivery> {
  const invoice = await deliveryWiring().findInvoice(ctx, invoiceId)
  if (!invoice) throw notFound('invoice', invoiceId)
  const messageId = typeof news.detail.message_id === 'string' ? news.detail.message_id : null
  let query = ctx.db
    .selectFrom('delivery')
    .select(deliveryColumns)
    .where('invoiceId', '=', invoiceId)
    .where('channel', '=', news.channel)
    .orderBy('id', 'desc')
    .limit(1)
    .forUpdate()
  if (messageId) query = query.where('messageId', '=', messageId)
  const delivery = await query.executeTakeFirst()
  if (!delivery) {
    throw domainError(
      'delivery.no_delivery',
      messageId
        ? `Invoice ${invoiceId} has no ${news.channel} delivery with message id ${messageId}`
        : `Invoice ${invoiceId} was not sent by ${news.channel}`,
      { field: messageId ? 'detail.message_id' : 'channel', channel: news.channel },
    )
  }
  if (delivery.status === news.step) return delivery
  if (delivery.status === 'bounced') {
    throw domainError(
      'delivery.already_bounced',
      `The ${news.channel} delivery ${delivery.id} bounced already`,
      { delivery: delivery.id },
    )
  }
  const reason = typeof news.detail.reason === 'string' ? news.detail.reason : undefined
  const settled = await settleDelivery(ctx, delivery, ['queued', 'sent', 'delivered'], {
    status: news.step,
    ...(news.step === 'bounced' && { error: reason ?? 'reported bounced' }),
    detail: news.detail,
  })
  return settled ?? delivery
}

/**
 * Records what a Peppol access point's receipt says: delivered, or failed (bounced). Returns
 * 'unknown' for a message id this tenant never sent (it may be another tenant's).
 */
export async function recordPeppolReceipt(
  ctx: Ctx,
  receipt: PeppolReceipt,
): Promise<'recorded' | 'already' | 'unknown'> {
  const delivery = await ctx.db
    .selectFrom('delivery')
    .select(deliveryColumns)
    .where('channel', '=', 'peppol')
    .where('messageId', '=', receipt.messageId)
    .forUpdate()
    .executeTakeFirst()
  if (!delivery) return 'unknown'
  const status = receipt.status === 'delivered' ? 'delivered' : 'bounced'
  const settled = await settleDelivery(ctx, delivery, ['sent'], {
    status,
    ...(status === 'bounced' && { error: receipt.detail ?? 'the access point reported failed' }),
    detail: { receipt: receipt.status, ...(receipt.detail && { receipt_detail: receipt.detail }) },
    occurredAt: receipt.occurredAt ?? undefined,
  })
  return settled ? 'recorded' : 'already'
}

function auditView(delivery: Delivery) {
  return {
    subject: delivery.subject,
    invoiceId: delivery.invoiceId,
    shipmentId: delivery.shipmentId,
    channel: delivery.channel,
    recipient: delivery.recipient,
    status: delivery.status,
    messageId: delivery.messageId,
    attempts: delivery.attempts,
  }
}

// The same rule as customer_billing.invoice_email: something@somewhere; the SMTP server is
// the judge of the rest.
function checkRecipientEmail(to: string | undefined): void {
  if (to !== undefined && !/^[^@\s]+@[^@\s]+$/.test(to)) {
    throw invalid([{ field: 'to', message: 'is not an email address' }])
  }
}
