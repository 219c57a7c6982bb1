import { readConfig } from '../../config.js'
import type { Ctx } from '../../db/context.js'
import type { JobHandler, JobToRun, Platform } from '../../platform.js'
import { getCustomer } from '../customers/index.js'
import { carrierTemplates } from '../orders/index.js'
import { consumeEvent, findEvent, inJobTenant, isFinalAttempt } from '../outbox/index.js'
import { channelSettings, invoiceChannel, mailOrDefer, type SendOutcome } from './channels.js'
import { type ShipmentNotice, shipmentMail } from './messages.js'
import { archiveReceipt, readReceipt } from './peppol.js'
import {
  contactEmail,
  type Delivery,
  deliverIssuedInvoice,
  deliveryBySource,
  emitShipmentNoticeEvent,
  findDelivery,
  insertDelivery,
  recordDeferredAttempt,
  recordPeppolReceipt,
  settleDelivery,
} from './service.js'
import { deliveryWiring } from './wiring.js'

// The worker's side of delivery. Each job reads what it needs in one short transaction,
// talks to the outside world with no transaction open (on PGlite a transaction holds the
// connection the API needs), and records the outcome in a second one.
//
//   invoice.issued   → delivery.queue-invoice   the delivery row, 'queued' on the timeline
//   invoice.queued   → delivery.send-invoice    render, send; 'sent' or 'bounced'
//   invoice.sent     → delivery.peppol-receipt  waits (with the worker's backoff) for the
//                                               access point's receipt: 'delivered'/'bounced'
//   shipment.shipped → delivery.notify-shipment the track & trace mail
//
// A temporary failure (SMTP 4xx, no answer, the drop folder unwritable) throws, so the worker
// retries on its widening schedule; after the last attempt the delivery is bounced.

export const deliveryJobKinds = {
  queueInvoice: 'delivery.queue-invoice',
  sendInvoice: 'delivery.send-invoice',
  peppolReceipt: 'delivery.peppol-receipt',
  notifyShipment: 'delivery.notify-shipment',
} as const

consumeEvent('invoice.issued', deliveryJobKinds.queueInvoice)
consumeEvent('invoice.queued', deliveryJobKinds.sendInvoice)
consumeEvent('invoice.sent', deliveryJobKinds.peppolReceipt)
consumeEvent('shipment.shipped', deliveryJobKinds.notifyShipment)

function settings() {
  return channelSettings(readConfig())
}

const queueInvoice: JobHandler = async (platform, job) => {
  const eventId = String(job.payload.eventId)
  await inJobTenant(platform, job, async (ctx) => {
    const event = await findEvent(ctx, eventId)
    await deliverIssuedInvoice(ctx, event.entityId, eventId)
  })
}

const sendInvoice: JobHandler = async (platform, job) => {
  const eventId = String(job.payload.eventId)
  const wiring = deliveryWiring()
  const prepared = await inJobTenant(platform, job, async (ctx) => {
    const delivery = await deliveryOfEvent(ctx, eventId)
    if (delivery?.status !== 'queued' || !delivery.invoiceId) return null
    const { document, look } = await wiring.loadDocument(ctx, delivery.invoiceId)
    // The pay page is also the document's portal page; credit notes have none.
    const link =
      delivery.channel === 'peppol' || document.type === 'credit_note'
        ? null
        : await wiring.payPageUrl(ctx, delivery.invoiceId)
    // The PDF carries the link too, so a printed invoice still leads to the pay page.
    return { delivery, document: link ? { ...document, paymentLink: link } : document, look, link }
  })
  if (!prepared) return
  const { delivery, ...parcel } = prepared
  const outcome = await invoiceChannel(delivery.channel, settings()).send(
    { ...parcel, recipient: delivery.recipient! },
    wiring.renderer,
  )
  await recordOutcome(platform, job, delivery, outcome)
}

const peppolReceipt: JobHandler = async (platform, job) => {
  const eventId = String(job.payload.eventId)
  const delivery = await inJobTenant(platform, job, (ctx) => deliveryOfEvent(ctx, eventId))
  if (delivery?.channel !== 'peppol' || delivery.status !== 'sent') return
  const dropDir = readConfig().O2C_PEPPOL_DROP_DIR
  if (!dropDir) return
  const receipt = await readReceipt(dropDir, delivery.messageId!)
  // No receipt yet: fail, so the worker looks again on its schedule (30 s, 2 min, … a day).
  if (!receipt) throw new Error(`no receipt yet for Peppol message ${delivery.messageId}`)
  await inJobTenant(platform, job, (ctx) => recordPeppolReceipt(ctx, receipt))
  await archiveReceipt(receipt, dropDir)
}

// Contacts whose roles say they want to hear about shipments.
const shipmentContactRoles = ['shipping', 'delivery', 'orders', 'purchasing', 'logistics']

const notifyShipment: JobHandler = async (platform, job) => {
  const eventId = String(job.payload.eventId)
  const prepared = await inJobTenant(platform, job, async (ctx) => {
    const earlier = await deliveryBySource(ctx, eventId)
    if (earlier && earlier.status !== 'queued') return null
    const event = await findEvent(ctx, eventId)
    const shipped = event.payload as Record<string, unknown>
    const customerId = String(shipped.customer_id)
    const customer = await getCustomer(ctx, customerId)
    const tenant = await ctx.db.selectFrom('tenant').select('name').executeTakeFirstOrThrow()
    const notice: ShipmentNotice = {
      orderNumber: Number(shipped.order_number),
      carrier: carrierName(String(shipped.carrier ?? '')),
      trackingNumber: (shipped.tracking_number as string | null) ?? null,
      trackingUrl: (shipped.tracking_url as string | null) ?? null,
      customerReference: (shipped.customer_reference as string | null) ?? null,
      sellerName: tenant.name,
      language: customer.language,
    }
    if (earlier) return { delivery: earlier, notice }
    const recipient =
      (await contactEmail(ctx, customerId, shipmentContactRoles)) ??
      (await deliveryWiring().customerBilling(ctx, customerId)).invoiceEmail
    // Shipment notices go by email whatever the invoice channel: Peppol BIS Billing carries
    // invoices only, and a portal customer gets the same mail (its one link is the tracking).
    const delivery = await insertDelivery(ctx, {
      subject: 'shipment_notice',
      shipmentId: event.entityId,
      channel: 'email',
      recipient,
      sourceEventId: eventId,
      ...(!recipient && {
        status: 'bounced',
        lastError: 'the customer has no contact with an email',
      }),
    })
    await emitShipmentNoticeEvent(ctx, delivery, delivery.status, {
      delivery_id: delivery.id,
      recipient,
      ...(delivery.lastError && { reason: delivery.lastError }),
    })
    return recipient ? { delivery, notice } : null
  })
  if (!prepared) return
  const outcome = await mailOrDefer(settings(), {
    to: prepared.delivery.recipient!,
    ...shipmentMail(prepared.notice),
  })
  await recordOutcome(platform, job, prepared.delivery, outcome)
}

/** PostNL for the stored code postnl; a carrier without a template as it was given. */
function carrierName(code: string): string {
  return carrierTemplates[code]?.name ?? code
}

async function deliveryOfEvent(ctx: Ctx, eventId: string): Promise<Delivery | undefined> {
  const event = await findEvent(ctx, eventId)
  const deliveryId = (event.payload as { delivery_id?: unknown }).delivery_id
  return typeof deliveryId === 'string' ? findDelivery(ctx, deliveryId) : undefined
}

/**
 * Accepted → sent; refused for good (5xx) → bounced with the server's reply; refused for now
 * (4xx, no answer) → kept queued and thrown for the worker to retry, bounced after the last.
 */
async function recordOutcome(
  platform: Platform,
  job: JobToRun,
  delivery: Delivery,
  outcome: SendOutcome,
): Promise<void> {
  if (outcome.kind === 'deferred' && !isFinalAttempt(job)) {
    await inJobTenant(platform, job, (ctx) => recordDeferredAttempt(ctx, delivery, outcome.reply))
    throw new Error(`delivery ${delivery.id} to ${delivery.recipient}: ${outcome.reply}`)
  }
  await inJobTenant(platform, job, (ctx) =>
    settleDelivery(
      ctx,
      delivery,
      ['queued'],
      outcome.kind === 'accepted'
        ? {
            status: 'sent',
            messageId: outcome.messageId,
            attempted: true,
            detail: { reply: outcome.reply },
          }
        : {
            status: 'bounced',
            attempted: true,
            error:
              outcome.kind === 'rejected'
                ? outcome.reply
                : `gave up after ${job.attempts} attempts: ${outcome.reply}`,
          },
    ),
  )
}

export const deliveryJobs: Record<string, JobHandler> = {
  [deliveryJobKinds.queueInvoice]: queueInvoice,
  [deliveryJobKinds.sendInvoice]: sendInvoice,
  [deliveryJobKinds.peppolReceipt]: peppolReceipt,
  [deliveryJobKinds.notifyShipment]: notifyShipment,
}
