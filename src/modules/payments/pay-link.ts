import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { isUuid } from '../../core/ids.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { openAmount } from '../invoicing/index.js'
import { paymentsConfig } from './config.js'

// The public link of an invoice's pay page: ${O2C_PUBLIC_URL}/pay/<token>. The token names the
// tenant and the invoice and carries an HMAC-SHA256 of both under a secret of the tenant, so
// it cannot be guessed or altered: 16 bytes tenant id, 16 bytes invoice id, 32 bytes MAC,
// base64url (86 characters). The secret is made on first use and kept in payment_settings
// (tenant-protected); rotating it invalidates every link given out before.

const macContext = 'o2c pay page v1'
const tokenBytes = 64

export type PayToken = { tenantId: string; invoiceId: string; mac: Buffer }

/** The pay page's address for an issued invoice of this tenant. */
export async function payPageUrl(ctx: Ctx, invoiceId: string): Promise<string> {
  return `${paymentsConfig().publicUrl}/pay/${await payPageToken(ctx, invoiceId)}`
}

export async function payPageToken(ctx: Ctx, invoiceId: string): Promise<string> {
  await openAmount(ctx, invoiceId) // not found for drafts, credit notes, other tenants' ids
  const secret = await ensurePaymentSettings(ctx)
  const ids = Buffer.concat([uuidBytes(ctx.tenantId), uuidBytes(invoiceId)])
  return Buffer.concat([ids, mac(secret, ids)]).toString('base64url')
}

/** The pay page of a token already found genuine: its own address, with no database work. */
export function payPageUrlOfToken(token: PayToken): string {
  const bytes = Buffer.concat([uuidBytes(token.tenantId), uuidBytes(token.invoiceId), token.mac])
  return `${paymentsConfig().publicUrl}/pay/${bytes.toString('base64url')}`
}

/** Reads a token's parts, without checking it; undefined when it is not a token's shape. */
export function readPayToken(token: string): PayToken | undefined {
  if (!/^[A-Za-z0-9_-]{86}$/.test(token)) return undefined
  const bytes = Buffer.from(token, 'base64url')
  if (bytes.length !== tokenBytes) return undefined
  const tenantId = uuidText(bytes.subarray(0, 16))
  const invoiceId = uuidText(bytes.subarray(16, 32))
  if (!isUuid(tenantId) || !isUuid(invoiceId)) return undefined
  return { tenantId, invoiceId, mac: bytes.subarray(32) }
}

/** Whether the token was signed with this tenant's current secret (constant-time). */
export async function isGenuinePayToken(ctx: Ctx, token: PayToken): Promise<boolean> {
  if (token.tenantId !== ctx.tenantId) return false
  const row = await ctx.db.selectFrom('paymentSettings').select('payLinkSecret').executeTakeFirst()
  if (!row) return false
  const ids = Buffer.concat([uuidBytes(token.tenantId), uuidBytes(token.invoiceId)])
  return timingSafeEqual(mac(row.payLinkSecret, ids), token.mac)
}

/** A new secret: every pay-page link given out so far stops working. */
export async function rotatePayLinkSecret(ctx: Ctx): Promise<{ rotatedAt: Date }> {
  await ensurePaymentSettings(ctx)
  await ctx.db
    .updateTable('paymentSettings')
    .set((eb) => ({
      payLinkSecret: randomBytes(32),
      payLinkSecretCreatedAt: ctx.now,
      updatedAt: ctx.now,
      version: eb('version', '+', 1),
    }))
    .execute()
  await recordAudit(ctx, {
    entityType: 'payment_settings',
    entityId: ctx.tenantId,
    action: 'pay_link_secret_rotated',
    after: { rotated_at: ctx.now.toISOString() },
  })
  return { rotatedAt: ctx.now }
}

/** The tenant's payment settings row and pay-link secret, made (and kept) on first use. */
export async function ensurePaymentSettings(ctx: Ctx): Promise<Buffer> {
  const kept = await ctx.db.selectFrom('paymentSettings').select('payLinkSecret').executeTakeFirst()
  if (kept) return kept.payLinkSecret
  const made = await ctx.db
    .insertInto('paymentSettings')
    .values({
      tenantId: ctx.tenantId,
      payLinkSecret: randomBytes(32),
      payLinkSecretCreatedAt: ctx.now,
      provider: null,
      providerApiKey: null,
      providerConfiguredAt: null,
      updatedAt: ctx.now,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('payLinkSecret')
    .executeTakeFirst()
  if (made) {
    await recordAudit(ctx, {
      entityType: 'payment_settings',
      entityId: ctx.tenantId,
      action: 'pay_link_secret_created',
      after: { created_at: ctx.now.toISOString() },
    })
    return made.payLinkSecret
  }
  // A concurrent first use made the row meanwhile: theirs stands.
  const row = await ctx.db
    .selectFrom('paymentSettings')
    .select('payLinkSecret')
    .executeTakeFirstOrThrow()
  return row.payLinkSecret
}

function mac(secret: Buffer, ids: Buffer): Buffer {
  return createHmac('sha256', secret).update(macContext).update(ids).digest()
}

function uuidBytes(id: string): Buffer {
  return Buffer.from(id.replaceAll('-', ''), 'hex')
}

function uuidText(bytes: Buffer): string {
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
