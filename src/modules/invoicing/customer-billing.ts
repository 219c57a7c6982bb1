import { domainError, type FieldIssue, invalid } from '../../core/errors.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { getCustomerHeader } from '../customers/index.js'
import { emitEvent } from '../outbox/index.js'
import './errors.js'
import {
  type BillingFrequency,
  billingFrequencies,
  type InvoiceChannel,
  invoiceChannels,
} from './tables.js'

// How one customer is billed and where its documents go. A customer without a row is billed
// per shipment by email (to its billing contact); the defaults below say so in one place.

export type CustomerBilling = {
  customerId: string
  billingFrequency: BillingFrequency
  invoiceChannel: InvoiceChannel
  invoiceEmail: string | null
  peppol: { scheme: string; id: string } | null
  buyerReference: string | null
  /** 0: the defaults, never saved. */
  version: number
}

export type CustomerBillingInput = Omit<CustomerBilling, 'customerId' | 'version'>

export async function getCustomerBilling(ctx: Ctx, customerId: string): Promise<CustomerBilling> {
  const row = await ctx.db
    .selectFrom('customerBilling')
    .selectAll()
    .where('customerId', '=', customerId)
    .executeTakeFirst()
  if (!row) {
    await getCustomerHeader(ctx, customerId) // not found for an unknown customer
    return {
      customerId,
      billingFrequency: 'per_shipment',
      invoiceChannel: 'email',
      invoiceEmail: null,
      peppol: null,
      buyerReference: null,
      version: 0,
    }
  }
  return {
    customerId,
    billingFrequency: row.billingFrequency,
    invoiceChannel: row.invoiceChannel,
    invoiceEmail: row.invoiceEmail,
    peppol:
      row.peppolScheme && row.peppolId ? { scheme: row.peppolScheme, id: row.peppolId } : null,
    buyerReference: row.buyerReference,
    version: row.version,
  }
}

/** Replaces a customer's billing profile; expectedVersion 0 when none was saved yet. */
export async function putCustomerBilling(
  ctx: Ctx,
  customerId: string,
  input: CustomerBillingInput,
  expectedVersion: number,
): Promise<CustomerBilling> {
  await getCustomerHeader(ctx, customerId)
  const issues = checkBilling(input)
  if (issues.length > 0) throw invalid(issues)
  const before = await ctx.db
    .selectFrom('customerBilling')
    .selectAll()
    .where('customerId', '=', customerId)
    .forUpdate()
    .executeTakeFirst()
  const version = before?.version ?? 0
  if (expectedVersion !== version) {
    throw domainError(
      'request.stale_etag',
      `The billing profile is at version ${version}, not ${expectedVersion}`,
      { field: 'If-Match', version },
    )
  }
  const columns = {
    billingFrequency: input.billingFrequency,
    invoiceChannel: input.invoiceChannel,
    invoiceEmail: input.invoiceEmail,
    peppolScheme: input.peppol?.scheme ?? null,
    peppolId: input.peppol?.id ?? null,
    buyerReference: input.buyerReference,
    updatedAt: ctx.now,
  }
  if (before) {
    await ctx.db
      .updateTable('customerBilling')
      .set((eb) => ({ ...columns, version: eb('version', '+', 1) }))
      .where('customerId', '=', customerId)
      .execute()
  } else {
    await ctx.db
      .insertInto('customerBilling')
      .values({ tenantId: ctx.tenantId, customerId, ...columns })
      .execute()
  }
  const after = await getCustomerBilling(ctx, customerId)
  await recordAudit(ctx, {
    entityType: 'customer_billing',
    entityId: customerId,
    action: before ? 'updated' : 'created',
    before: before ?? undefined,
    after,
  })
  await emitEvent(ctx, {
    type: 'customer_billing.updated',
    entityType: 'customer',
    entityId: customerId,
    payload: {
      customer_id: customerId,
      billing_frequency: after.billingFrequency,
      invoice_channel: after.invoiceChannel,
      version: after.version,
    },
  })
  return after
}

function checkBilling(input: CustomerBillingInput): FieldIssue[] {
  const issues: FieldIssue[] = []
  if (!billingFrequencies.includes(input.billingFrequency)) {
    issues.push({ field: 'billing_frequency', message: `must be ${billingFrequencies.join(', ')}` })
  }
  if (!invoiceChannels.includes(input.invoiceChannel)) {
    issues.push({ field: 'invoice_channel', message: `must be ${invoiceChannels.join(', ')}` })
  }
  if (input.invoiceEmail !== null && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.invoiceEmail)) {
    issues.push({ field: 'invoice_email', message: `"${input.invoiceEmail}" is not an email` })
  }
  if (input.peppol) {
    if (!/^[0-9]{4}$/.test(input.peppol.scheme)) {
      issues.push({ field: 'peppol_scheme', message: 'must be a four-digit EAS code (0106, 9944)' })
    }
    if (!input.peppol.id || input.peppol.id.length > 100) {
      issues.push({ field: 'peppol_id', message: 'must be 1 to 100 characters' })
    }
  }
  if (input.invoiceChannel === 'peppol' && !input.peppol) {
    issues.push({ field: 'peppol_id', message: 'is required when the channel is peppol' })
  }
  if (input.buyerReference !== null && input.buyerReference.length > 100) {
    issues.push({ field: 'buyer_reference', message: 'must be at most 100 characters' })
  }
  return issues
}
