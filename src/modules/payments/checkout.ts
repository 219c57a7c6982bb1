import { calendarDateAt } from '../../core/dates.js'
import { domainError, invalid } from '../../core/errors.js'
import { isUuid, newId } from '../../core/ids.js'
import { formatAmount } from '../../core/money.js'
import { type Ctx, inTenant, type TenantScope } from '../../db/context.js'
import type { Platform } from '../../platform.js'
import { recordAudit } from '../audit/index.js'
import { findTenant } from '../auth/index.js'
import { openAmount } from '../invoicing/index.js'
import { emitEvent } from '../outbox/index.js'
import { paymentsConfig } from './config.js'
import { mollieProvider } from './mollie.js'
import {
  ensurePaymentSettings,
  isGenuinePayToken,
  type PayToken,
  payPageUrlOfToken,
} from './pay-link.js'
import type { PaymentProvider, ProviderPayment } from './provider.js'
import { allocatePayment, findProviderPayment, recordPayment } from './service.js'
import type { CheckoutStatus, ProviderName } from './tables.js'

// "Pay now" on the pay page, and what the provider tells us afterwards. The provider is
// called outside any database transaction (a slow provider must not hold locks); what we
// learn is then written in one transaction.
//
// The webhook is public and carries only a payment id, so it is treated as a hint, never as
// a fact: the payment must be one of our checkouts, its status is fetched back from the
// provider with the tenant's key, and a paid payment is recorded at most once (the checkout
// row is locked, its payment_id is checked, and payment has a unique key on the provider's
// id). Replayed, forged or unknown webhooks therefore change nothing.

export type Checkout = {
  id: string
  invoiceId: string
  provider: string
  providerPaymentId: string
  amountMinor: bigint
  currency: string
  status: CheckoutStatus
  checkoutUrl: string
  paymentId: string | null
}

export type ProviderSettings = { provider: ProviderName | null; configuredAt: Date | null }

// A checkout the customer started and left open is offered again for this long, so a double
// click or a reload does not start a second payment at the provider.
const checkoutReuseMs = 15 * 60_000

/** Sets the tenant's provider and API key; the key is kept and never shown again. */
export async function configurePaymentProvider(
  ctx: Ctx,
  input: { provider: ProviderName; apiKey: string },
): Promise<ProviderSettings> {
  const apiKey = input.apiKey.trim()
  if (apiKey.length < 8 || apiKey.length > 200 || /\s/.test(apiKey)) {
    throw invalid([{ field: 'api_key', message: 'must be 8 to 200 characters without spaces' }])
  }
  await ensurePaymentSettings(ctx) // the row is made with the pay-link secret
  await ctx.db
    .updateTable('paymentSettings')
    .set((eb) => ({
      provider: input.provider,
      providerApiKey: apiKey,
      providerConfiguredAt: ctx.now,
      updatedAt: ctx.now,
      version: eb('version', '+', 1),
    }))
    .execute()
  const settings = { provider: input.provider, configuredAt: ctx.now }
  // The key itself stays out of the audit trail and the events.
  const after = { provider: input.provider, configured_at: ctx.now.toISOString() }
  await recordAudit(ctx, {
    entityType: 'payment_settings',
    entityId: ctx.tenantId,
    action: 'provider_configured',
    after,
  })
  await emitEvent(ctx, {
    type: 'payment_provider.configured',
    entityType: 'payment_settings',
    entityId: ctx.tenantId,
    payload: after,
  })
  return settings
}

export async function paymentProviderSettings(ctx: Ctx): Promise<ProviderSettings> {
  const row = await ctx.db
    .selectFrom('paymentSettings')
    .select(['provider', 'providerConfiguredAt'])
    .executeTakeFirst()
  return { provider: row?.provider ?? null, configuredAt: row?.providerConfiguredAt ?? null }
}

/** The tenant's provider, or undefined when none is configured. */
export async function paymentProviderOf(ctx: Ctx): Promise<PaymentProvider | undefined> {
  const row = await ctx.db
    .selectFrom('paymentSettings')
    .select(['provider', 'providerApiKey'])
    .executeTakeFirst()
  if (!row?.provider || !row.providerApiKey) return undefined
  return mollieProvider({ apiKey: row.providerApiKey, baseUrl: paymentsConfig().mollieApiUrl })
}

/**
 * Starts a payment of what is open on the token's invoice at the tenant's provider; returns
 * where to send the customer: the provider's checkout, or back to the pay page when nothing
 * is open. Undefined when the token is not genuine.
 */
export async function startCheckout(
  platform: Platform,
  token: PayToken,
): Promise<{ redirectTo: string } | undefined> {
  const scope = await publicScope(platform, token.tenantId, 'pay page')
  if (!scope) return undefined
  const plan = await inTenant(
    platform.store,
    scope,
    async (ctx) => {
      if (!(await isGenuinePayToken(ctx, token))) return undefined
      const open = await openAmount(ctx, token.invoiceId)
      const pageUrl = payPageUrlOfToken(token)
      if (open.openMinor <= 0n) return { redirectTo: pageUrl }
      const reusable = await ctx.db
        .selectFrom('checkout')
        .select('checkoutUrl')
        .where('invoiceId', '=', token.invoiceId)
        .where('status', '=', 'open')
        .where('amountMinor', '=', open.openMinor)
        .where('createdAt', '>', new Date(ctx.now.getTime() - checkoutReuseMs))
        .orderBy('createdAt', 'desc')
        .executeTakeFirst()
      if (reusable) return { redirectTo: reusable.checkoutUrl }
      const provider = await paymentProviderOf(ctx)
      if (!provider) {
        throw domainError(
          'payments.provider_not_configured',
          'This invoice cannot be paid online; use the bank-transfer details',
        )
      }
      return { provider, open, pageUrl }
    },
    platform.clock,
  )
  if (!plan) return undefined
  if (plan.redirectTo !== undefined) return { redirectTo: plan.redirectTo }

  const checkoutId = newId()
  const { open, provider, pageUrl } = plan
  const created = await provider.createPayment({
    amount: { minor: open.openMinor, currency: open.currency },
    description: `Invoice ${open.number}`,
    redirectUrl: pageUrl,
    webhookUrl: `${paymentsConfig().publicUrl}/webhooks/${provider.name}/${token.tenantId}`,
    metadata: { tenant_id: token.tenantId, invoice_id: open.invoiceId, checkout_id: checkoutId },
  })
  await inTenant(
    platform.store,
    scope,
    async (ctx) => {
      await ctx.db
        .insertInto('checkout')
        .values({
          tenantId: ctx.tenantId,
          id: checkoutId,
          invoiceId: open.invoiceId,
          provider: provider.name,
          providerPaymentId: created.id,
          amountMinor: open.openMinor,
          currency: open.currency,
          status: created.status,
          checkoutUrl: created.checkoutUrl,
          paymentId: null,
          createdAt: ctx.now,
          updatedAt: ctx.now,
        })
        .execute()
      const after = {
        invoice_id: open.invoiceId,
        provider: provider.name,
        provider_payment_id: created.id,
        amount: formatAmount(open.openMinor, open.currency),
        currency: open.currency,
        status: created.status,
      }
      await recordAudit(ctx, {
        entityType: 'checkout',
        entityId: checkoutId,
        action: 'started',
        after,
      })
      await emitEvent(ctx, {
        type: 'checkout.started',
        entityType: 'checkout',
        entityId: checkoutId,
        payload: { id: checkoutId, ...after },
      })
    },
    platform.clock,
  )
  return { redirectTo: created.checkoutUrl }
}

export type WebhookOutcome =
  | 'unknown_tenant'
  | 'unknown_payment'
  | 'unchanged'
  | 'status_updated'
  | 'payment_recorded'

/**
 * Handles the provider's webhook for one payment id: fetches the payment back and brings our
 * checkout (and, once paid, the payment and its allocation) up to date. Safe to repeat.
 */
export async function handleProviderWebhook(
  platform: Platform,
  providerName: string,
  tenantRef: string,
  providerPaymentId: string,
): Promise<WebhookOutcome> {
  const tenantId = isUuid(tenantRef)
    ? tenantRef
    : (await findTenant(platform.store, tenantRef))?.tenantId
  const scope = tenantId
    ? await publicScope(platform, tenantId, `${providerName} webhook`)
    : undefined
  if (!scope) return 'unknown_tenant'
  const known = await inTenant(
    platform.store,
    scope,
    async (ctx) => {
      const checkout = await findCheckout(ctx, providerName, providerPaymentId)
      return checkout ? await paymentProviderOf(ctx) : undefined
    },
    platform.clock,
  )
  if (!known || known.name !== providerName) return 'unknown_payment'
  const fetched = await known.getPayment(providerPaymentId)
  if (!fetched) return 'unknown_payment'
  return inTenant(
    platform.store,
    scope,
    (ctx) => applyProviderPayment(ctx, fetched, providerName),
    platform.clock,
  )
}

/** In one transaction: the checkout's status, and once paid the payment and its allocation. */
async function applyProviderPayment(
  ctx: Ctx,
  fetched: ProviderPayment,
  providerName: string,
): Promise<WebhookOutcome> {
  const checkout = await findCheckout(ctx, providerName, fetched.id, { forUpdate: true })
  if (!checkout) return 'unknown_payment'
  const recordNow = fetched.status === 'paid' && checkout.paymentId === null
  if (!recordNow && fetched.status === checkout.status) return 'unchanged'
  // A checkout once paid stays paid: Mollie may later report a refund or chargeback on the
  // same payment, which is cash application's business (a reversing allocation), not ours.
  if (checkout.paymentId !== null) return 'unchanged'

  let paymentId: string | null = null
  if (recordNow) {
    const provider = { name: providerName, paymentId: fetched.id }
    if (await findProviderPayment(ctx, provider)) return 'unchanged'
    const open = await openAmount(ctx, checkout.invoiceId)
    const payment = await recordPayment(ctx, {
      customerId: open.customerId,
      amountMinor: fetched.amount.minor,
      currency: fetched.amount.currency,
      receivedOn: calendarDateAt(fetched.paidAt ?? ctx.now, ctx.timeZone),
      method: fetched.method ?? 'other',
      source: 'pay_page',
      provider,
      payerName: fetched.payer?.name?.slice(0, 200),
      payerIban: validIban(fetched.payer?.iban),
      reference: `Invoice ${open.number}`,
    })
    paymentId = payment.id
    // The invoice may have been paid (partly) another way since the checkout started: allocate
    // what is still open, the rest stays unapplied cash on the customer.
    let allocatable = open.currency === payment.currency ? open.openMinor : 0n
    if (fetched.amount.minor < allocatable) allocatable = fetched.amount.minor
    if (allocatable > 0n) {
      await allocatePayment(ctx, payment.id, [
        { invoiceId: checkout.invoiceId, amountMinor: allocatable },
      ])
    }
  }
  await ctx.db
    .updateTable('checkout')
    .set({ status: fetched.status, paymentId, updatedAt: ctx.now })
    .where('id', '=', checkout.id)
    .execute()
  const after = { status: fetched.status, payment_id: paymentId }
  await recordAudit(ctx, {
    entityType: 'checkout',
    entityId: checkout.id,
    action: 'status_changed',
    before: { status: checkout.status },
    after,
  })
  await emitEvent(ctx, {
    type: `checkout.${fetched.status}`,
    entityType: 'checkout',
    entityId: checkout.id,
    payload: { id: checkout.id, invoice_id: checkout.invoiceId, ...after },
  })
  return recordNow ? 'payment_recorded' : 'status_updated'
}

const checkoutColumns = [
  'id',
  'invoiceId',
  'provider',
  'providerPaymentId',
  'amountMinor',
  'currency',
  'status',
  'checkoutUrl',
  'paymentId',
] as const

async function findCheckout(
  ctx: Ctx,
  provider: string,
  providerPaymentId: string,
  options: { forUpdate?: boolean } = {},
): Promise<Checkout | undefined> {
  let query = ctx.db
    .selectFrom('checkout')
    .select(checkoutColumns)
    .where('provider', '=', provider)
    .where('providerPaymentId', '=', providerPaymentId)
  if (options.forUpdate) query = query.forUpdate()
  return query.executeTakeFirst()
}

/** The checkouts started for an invoice, newest first. */
export async function checkoutsOfInvoice(ctx: Ctx, invoiceId: string): Promise<Checkout[]> {
  return ctx.db
    .selectFrom('checkout')
    .select(checkoutColumns)
    .where('invoiceId', '=', invoiceId)
    .orderBy('createdAt', 'desc')
    .execute()
}

/**
 * The tenant scope of a public request (pay page, webhook), or undefined for no such tenant.
 * The tenant row is read inside the tenant's own context, so row-level security answers.
 */
export async function publicScope(
  platform: Platform,
  tenantId: string,
  actorName: string,
): Promise<TenantScope | undefined> {
  const actor = { type: 'system' as const, id: null, name: actorName }
  const timeZone = await inTenant(
    platform.store,
    { tenantId, timeZone: 'UTC', actor },
    async (ctx) =>
      (await ctx.db.selectFrom('tenant').select('timeZone').executeTakeFirst())?.timeZone,
    platform.clock,
  )
  return timeZone ? { tenantId, timeZone, actor } : undefined
}

function validIban(iban: string | undefined): string | undefined {
  const text = iban?.replace(/\s/g, '').toUpperCase()
  return text && /^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$/.test(text) ? text : undefined
}
