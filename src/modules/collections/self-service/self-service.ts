import { createHmac, timingSafeEqual } from 'node:crypto'
import { type CalendarDate, calendarDateAt } from '../../../core/dates.js'
import { DomainError, domainError, invalid } from '../../../core/errors.js'
import { formatAmount, parseAmount } from '../../../core/money.js'
import { type Ctx, inTenant } from '../../../db/context.js'
import type { Platform } from '../../../platform.js'
import { getInvoice, openAmount } from '../../invoicing/index.js'
import {
  isGenuinePayToken,
  type PayToken,
  publicScope,
  readPayToken,
} from '../../payments/index.js'
import { addDisputeAttachment, type NewAttachment } from '../disputes/attachments.js'
import { activeDisputedMinor, openDispute } from '../disputes/disputes.js'
import { createPaymentPlan, type InstalmentInput, planOffers } from '../plans/plans.js'
import { makePromise } from '../promises/promises.js'
import type { DisputeCategory } from '../tables.js'
import './errors.js'

// Self-service on the invoice's pay page (issue 7): the customer opens a dispute, promises
// to pay by a date, or chooses a payment plan the tenant's policy offers. Each lands in the
// same records as when a collector does it (opened_via / channel / source 'pay_page') through
// the same service functions, and the customer gets a confirmation (page and notice).
//
// Who may act: whoever holds the pay-page link. The link's token is checked exactly as the pay
// page checks it (payments' readPayToken, publicScope, isGenuinePayToken); an unknown or
// forged token gets the same not-found page and nothing is read or written.
//
// CSRF: there is no cookie, session or other ambient credential here — the only authority is
// the signed token in the path, which a third-party site cannot know, so it cannot make a
// customer's browser submit one of these forms (SameSite does not come into it). Each form
// also carries a form token: an HMAC, keyed by the link's own MAC, of the form's purpose and
// the moment it was served, refused after formTokenAgeMaxMs or for another form. It binds a
// submission to a form we served for this link (a replayed or hand-made POST from a stale
// page is refused and the page is served again). Pages are sent with frame-ancestors 'none'
// (no clickjacking), form-action 'self' and no-referrer, so the token does not leak.

export type SelfServiceKind = 'dispute' | 'promise' | 'plan'

export type SelfServiceInvoice = {
  language: 'nl' | 'en'
  invoiceId: string
  customerId: string
  number: string
  currency: string
  dueDate: string | null
  openMinor: bigint
  /** Open less what open disputes hold already: what a new dispute may dispute. */
  disputableMinor: bigint
  today: CalendarDate
  promiseMaxDays: number
  sellerName: string
}

// A form served more than a day ago is served again rather than taken.
const formTokenAgeMaxMs = 24 * 60 * 60 * 1000

export function formToken(token: PayToken, kind: SelfServiceKind, now: Date): string {
  const at = String(now.getTime())
  return `${at}.${formMac(token, kind, at).toString('base64url')}`
}

export function isFormTokenValid(
  token: PayToken,
  kind: SelfServiceKind,
  text: unknown,
  now: Date,
): boolean {
  if (typeof text !== 'string') return false
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(text)
  if (!match) return false
  const age = now.getTime() - Number(match[1])
  if (age < 0 || age > formTokenAgeMaxMs) return false
  return timingSafeEqual(Buffer.from(match[2], 'base64url'), formMac(token, kind, match[1]))
}

function formMac(token: PayToken, kind: SelfServiceKind, at: string): Buffer {
  return createHmac('sha256', token.mac).update(`o2c self-service|${kind}|${at}`).digest()
}

/**
 * Runs work for a genuine pay-page token, in the token's tenant, with the invoice's facts;
 * undefined for anything that is not a genuine token of an issued invoice (the caller shows
 * the not-found page). The work's transaction is the tenant's; a throw rolls it back.
 */
export async function withPayLink<T>(
  platform: Platform,
  tokenText: string,
  work: (ctx: Ctx, invoice: SelfServiceInvoice, token: PayToken) => Promise<T>,
): Promise<T | undefined> {
  const token = readPayToken(tokenText)
  if (!token) return undefined
  const scope = await publicScope(platform, token.tenantId, 'pay page')
  if (!scope) return undefined
  return inTenant(
    platform.store,
    scope,
    async (ctx) => {
      if (!(await isGenuinePayToken(ctx, token))) return undefined
      const invoice = await invoiceFacts(ctx, token.invoiceId)
      if (!invoice) return undefined
      return work(ctx, invoice, token)
    },
    platform.clock,
  )
}

async function invoiceFacts(ctx: Ctx, invoiceId: string): Promise<SelfServiceInvoice | undefined> {
  const open = await openAmount(ctx, invoiceId).catch((error) => {
    if (error instanceof DomainError && error.code === 'request.not_found') return undefined
    throw error
  })
  if (!open) return undefined
  const invoice = await getInvoice(ctx, invoiceId)
  const settings = await ctx.db
    .selectFrom('collectionSettings')
    .select('promiseMaxDays')
    .where('tenantId', '=', ctx.tenantId)
    .executeTakeFirst()
  return {
    language: invoice.language === 'en' ? 'en' : 'nl',
    invoiceId,
    customerId: open.customerId,
    number: open.number,
    currency: open.currency,
    dueDate: invoice.dueDate,
    openMinor: open.openMinor,
    disputableMinor: open.openMinor - (await activeDisputedMinor(ctx, invoiceId)),
    today: calendarDateAt(ctx.now, ctx.timeZone),
    // 0022's default when the tenant never saved settings.
    promiseMaxDays: settings?.promiseMaxDays ?? 14,
    sellerName: invoice.seller?.tradingName ?? invoice.seller?.name ?? '',
  }
}

export type DisputeForm = {
  category: DisputeCategory
  amount: string
  description: string
  file?: NewAttachment
}

/** The customer's dispute: opened as a collector would, plus their file if they sent one. */
export async function disputeFromPayPage(
  ctx: Ctx,
  invoice: SelfServiceInvoice,
  form: DisputeForm,
): Promise<{ id: string; number: string; slaDueOn: string; amount: string }> {
  const dispute = await openDispute(ctx, {
    invoiceId: invoice.invoiceId,
    category: form.category,
    amount: normalisedAmount(form.amount),
    description: form.description,
    openedVia: 'pay_page',
  })
  if (form.file && form.file.content.length > 0) {
    await addDisputeAttachment(ctx, dispute.id, form.file)
  }
  return {
    id: dispute.id,
    number: dispute.number,
    slaDueOn: dispute.slaDueOn,
    amount: formatAmount(dispute.disputedMinor, dispute.currency),
  }
}

/** "12,50" as a Dutch customer types it → "12.50"; anything else is left for the parser. */
export function normalisedAmount(text: string): string {
  const trimmed = text.trim().replace(/^€\s*/, '')
  if (/^\d{1,3}(\.\d{3})+,\d{1,2}$/.test(trimmed))
    return trimmed.replaceAll('.', '').replace(',', '.')
  if (/^\d+,\d{1,2}$/.test(trimmed)) return trimmed.replace(',', '.')
  return trimmed
}

/**
 * A promise by a date within the tenant's limit (promise_max_days), for at most what is open;
 * makePromise records it and queues the customer's confirmation.
 */
export async function promiseFromPayPage(
  ctx: Ctx,
  invoice: SelfServiceInvoice,
  form: { amount: string; promisedOn: string },
): Promise<{ id: string; amount: string; promisedOn: string }> {
  const amountMinor = parseAmount(normalisedAmount(form.amount), invoice.currency)
  if (amountMinor === undefined || amountMinor <= 0n) {
    throw invalid([{ field: 'amount', message: 'must be an amount more than zero' }])
  }
  // Not in the past, not above what is open, not beyond promise_max_days on the pay page:
  // makePromise checks these for every channel (collections.promise_too_far and its kin).
  const made = await makePromise(ctx, {
    customerId: invoice.customerId,
    invoiceIds: [invoice.invoiceId],
    amountMinor,
    promisedOn: form.promisedOn,
    channel: 'pay_page',
  })
  return {
    id: made.id,
    amount: formatAmount(amountMinor, invoice.currency),
    promisedOn: form.promisedOn,
  }
}

/** The offers the tenant's policy makes for this invoice today (none: the link is not offered). */
export async function offersFor(
  ctx: Ctx,
  invoice: SelfServiceInvoice,
): Promise<{ instalments: InstalmentInput[] }[]> {
  if (invoice.openMinor <= 0n) return []
  return planOffers(ctx, invoice.customerId, [invoice.invoiceId], invoice.today)
}

/** The plan the customer chose, by its number of instalments, as offered right now. */
export async function planFromPayPage(
  ctx: Ctx,
  invoice: SelfServiceInvoice,
  instalmentCount: number,
): Promise<{ id: string; instalments: InstalmentInput[] }> {
  const offers = await offersFor(ctx, invoice)
  const chosen = offers.find((o) => o.instalments.length === instalmentCount)
  if (!chosen) {
    throw domainError(
      'collections.plan_not_offered',
      `instalments: no plan of ${instalmentCount} instalments is offered for ${invoice.number}`,
      { field: 'instalments', offered: offers.map((o) => o.instalments.length) },
    )
  }
  const plan = await createPaymentPlan(ctx, {
    customerId: invoice.customerId,
    invoiceIds: [invoice.invoiceId],
    instalments: chosen.instalments,
    source: 'pay_page',
  })
  return { id: plan.id, instalments: chosen.instalments }
}
