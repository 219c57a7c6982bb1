import { sql } from 'kysely'
import { type CalendarDate, calendarDateAt, isCalendarDate } from '../../core/dates.js'
import { domainError, invalid, notFound } from '../../core/errors.js'
import { isUuid, newId } from '../../core/ids.js'
import { formatAmount, isCurrency } from '../../core/money.js'
import { decodeCursor, type Page, pageSizeDefault, toPage } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { getCustomerHeader } from '../customers/index.js'
import { openAmount, settleInvoice } from '../invoicing/index.js'
import { type AccountPurpose, accountCodesFor, postJournalEntry } from '../ledger/index.js'
import { emitEvent } from '../outbox/index.js'
import './errors.js'
import type { PaymentSource } from './tables.js'

// Money received and where it went. Recording a payment books it as unapplied cash on the
// customer (bank, or the provider's clearing account, debit; unapplied cash credit);
// allocating moves part of it to invoices: each allocation settles the invoice (invoicing's
// settleInvoice) and moves the amount from unapplied cash to the receivable. What a payment
// brings beyond the invoices it pays stays unapplied cash on the customer (DESIGN.md
// invariant 4): never a negative open amount. Cash application (the next stage) builds on
// recordPayment and allocatePayment; the rules here are the strict minimum it keeps.

export type NewPayment = {
  customerId: string
  /** Above zero, in minor units of `currency`. */
  amountMinor: bigint
  currency: string
  /** Defaults to today in the tenant's time zone. */
  receivedOn?: CalendarDate
  /** ideal, card, bank_transfer, … */
  method: string
  source: PaymentSource
  /** The provider's payment that brought the money ({ name: 'mollie', paymentId: 'tr_…' }). */
  provider?: { name: string; paymentId: string }
  payerName?: string
  payerIban?: string
  reference?: string
}

export type Allocation = {
  id: string
  invoiceId: string
  amountMinor: bigint
  currency: string
  settlementId: string
  createdAt: Date
  createdBy: string
}

export type Payment = {
  id: string
  customerId: string
  amountMinor: bigint
  currency: string
  receivedOn: CalendarDate
  method: string
  source: PaymentSource
  provider: string | null
  providerPaymentId: string | null
  payerName: string | null
  payerIban: string | null
  reference: string | null
  createdAt: Date
  createdBy: string
  allocatedMinor: bigint
  /** amount − allocations: the customer's unapplied cash from this payment. */
  unallocatedMinor: bigint
  allocations: Allocation[]
}

export type AllocationRequest = { invoiceId: string; amountMinor: bigint }

export type PaymentFilter = {
  customerId?: string
  /** Only payments with something left to allocate. */
  unallocatedOnly?: boolean
  cursor?: string
  limit?: number
}

export type PaymentSummary = Omit<Payment, 'allocations'>

const methodPattern = /^[a-z0-9_]{1,40}$/
// One request allocates a payment to at most this many invoices; a bigger remittance is
// work for cash application's batch matching, not for one API call.
export const allocationsPerRequestMax = 200

/** Records money received from a customer as unapplied cash on that customer. */
export async function recordPayment(ctx: Ctx, input: NewPayment): Promise<Payment> {
  const receivedOn = input.receivedOn ?? calendarDateAt(ctx.now, ctx.timeZone)
  checkNewPayment(input, receivedOn)
  await getCustomerHeader(ctx, input.customerId)
  if (input.provider) await refuseRecordedProviderPayment(ctx, input.provider)

  const payment = {
    tenantId: ctx.tenantId,
    id: newId(),
    customerId: input.customerId,
    amountMinor: input.amountMinor,
    currency: input.currency,
    receivedOn,
    method: input.method,
    source: input.source,
    provider: input.provider?.name ?? null,
    providerPaymentId: input.provider?.paymentId ?? null,
    payerName: input.payerName ?? null,
    payerIban: input.payerIban?.replace(/\s/g, '').toUpperCase() ?? null,
    reference: input.reference ?? null,
    createdAt: ctx.now,
    createdBy: ctx.actor.name,
  }
  await ctx.db.insertInto('payment').values(payment).execute()

  // Money at a provider is not on the bank yet: it waits in the clearing account until the
  // provider's payout, which cash application books against the bank.
  const debitPurpose: AccountPurpose = input.provider ? 'payment_clearing' : 'bank'
  const accounts = await accountCodesFor(ctx, [debitPurpose, 'unapplied_cash'])
  await postJournalEntry(ctx, {
    postedOn: receivedOn,
    description: `Payment received (${input.method})${input.reference ? `: ${input.reference}` : ''}`,
    source: { type: 'payment', id: payment.id },
    lines: [
      {
        accountCode: accounts[debitPurpose],
        debitMinor: input.amountMinor,
        currency: input.currency,
        customerId: input.customerId,
      },
      {
        accountCode: accounts.unapplied_cash,
        creditMinor: input.amountMinor,
        currency: input.currency,
        customerId: input.customerId,
      },
    ],
  })
  const after = paymentToRecord(payment)
  await recordAudit(ctx, { entityType: 'payment', entityId: payment.id, action: 'recorded', after })
  await emitEvent(ctx, {
    type: 'payment.recorded',
    entityType: 'payment',
    entityId: payment.id,
    payload: after,
  })
  return { ...payment, allocatedMinor: 0n, unallocatedMinor: payment.amountMinor, allocations: [] }
}

/**
 * Allocates (part of) a payment to invoices of its customer, all or nothing:
 *
 *   await allocatePayment(ctx, payment.id, [{ invoiceId, amountMinor: 12_100n }])
 *
 * Never more than the payment's unallocated amount in total, never more than an invoice's
 * open amount; what is left stays unapplied cash on the customer.
 */
export async function allocatePayment(
  ctx: Ctx,
  paymentId: string,
  requests: AllocationRequest[],
): Promise<Payment> {
  if (requests.length === 0 || requests.length > allocationsPerRequestMax) {
    throw invalid([
      { field: 'allocations', message: `needs 1 to ${allocationsPerRequestMax} allocations` },
    ])
  }
  requests.forEach((r, index) => {
    if (r.amountMinor <= 0n) {
      throw invalid([{ field: `allocations[${index}].amount`, message: 'must be above 0' }])
    }
  })
  // Payments are append-only for o2c_app (no select … for update): a transaction lock on the
  // payment's id serialises allocations of one payment.
  await lockPayment(ctx, paymentId)
  const payment = await getPayment(ctx, paymentId)
  const requestedMinor = requests.reduce((sum, r) => sum + r.amountMinor, 0n)
  if (requestedMinor > payment.unallocatedMinor) {
    throw domainError(
      'payments.allocation_exceeds_unallocated',
      `${formatAmount(requestedMinor, payment.currency)} ${payment.currency} is more than the ${formatAmount(payment.unallocatedMinor, payment.currency)} left on the payment`,
      {
        field: 'allocations',
        unallocated: formatAmount(payment.unallocatedMinor, payment.currency),
        requested: formatAmount(requestedMinor, payment.currency),
      },
    )
  }
  const invoices = await checkInvoices(ctx, payment, requests)

  const made: Allocation[] = []
  for (const request of requests) {
    const id = newId()
    const settlement = await settleInvoice(ctx, {
      invoiceId: request.invoiceId,
      kind: 'payment',
      amountMinor: request.amountMinor,
      currency: payment.currency,
      source: { type: 'payment_allocation', id },
    })
    const allocation: Allocation = {
      id,
      invoiceId: request.invoiceId,
      amountMinor: request.amountMinor,
      currency: payment.currency,
      settlementId: settlement.id,
      createdAt: ctx.now,
      createdBy: ctx.actor.name,
    }
    await ctx.db
      .insertInto('paymentAllocation')
      .values({ tenantId: ctx.tenantId, paymentId, ...allocation })
      .execute()
    made.push(allocation)
  }

  const accounts = await accountCodesFor(ctx, ['unapplied_cash', 'receivable'])
  const numbers = made.map((a) => invoices.get(a.invoiceId)?.number ?? a.invoiceId)
  await postJournalEntry(ctx, {
    postedOn: calendarDateAt(ctx.now, ctx.timeZone),
    description: `Payment allocated to ${numbers.join(', ')}`.slice(0, 500),
    source: { type: 'payment', id: paymentId },
    lines: [
      {
        accountCode: accounts.unapplied_cash,
        debitMinor: requestedMinor,
        currency: payment.currency,
        customerId: payment.customerId,
      },
      ...made.map((a) => ({
        accountCode: accounts.receivable,
        creditMinor: a.amountMinor,
        currency: payment.currency,
        customerId: payment.customerId,
      })),
    ],
  })
  for (const [index, allocation] of made.entries()) {
    const after = {
      payment_id: paymentId,
      invoice_id: allocation.invoiceId,
      invoice_number: numbers[index],
      amount: formatAmount(allocation.amountMinor, allocation.currency),
      currency: allocation.currency,
      settlement_id: allocation.settlementId,
    }
    await recordAudit(ctx, {
      entityType: 'payment_allocation',
      entityId: allocation.id,
      action: 'allocated',
      after,
    })
    await emitEvent(ctx, {
      type: 'payment.allocated',
      entityType: 'payment',
      entityId: paymentId,
      payload: { allocation_id: allocation.id, ...after },
    })
  }
  return getPayment(ctx, paymentId)
}

export async function getPayment(ctx: Ctx, paymentId: string): Promise<Payment> {
  if (!isUuid(paymentId)) throw notFound('payment', paymentId)
  const row = await ctx.db
    .selectFrom('payment')
    .selectAll()
    .where('id', '=', paymentId)
    .executeTakeFirst()
  if (!row) throw notFound('payment', paymentId)
  const allocations = await ctx.db
    .selectFrom('paymentAllocation')
    .select([
      'id',
      'invoiceId',
      'amountMinor',
      'currency',
      'settlementId',
      'createdAt',
      'createdBy',
    ])
    .where('paymentId', '=', paymentId)
    .orderBy('id')
    .execute()
  const allocatedMinor = allocations.reduce((sum, a) => sum + a.amountMinor, 0n)
  // A reversed payment (0018: a wrong bank match undone, a returned debit) is no longer the
  // customer's money: nothing of it is left to allocate.
  const reversal = await ctx.db
    .selectFrom('paymentReversal')
    .select('createdAt')
    .where('paymentId', '=', paymentId)
    .executeTakeFirst()
  const { tenantId: _, ...payment } = row
  return {
    ...payment,
    allocatedMinor,
    unallocatedMinor: reversal ? 0n : row.amountMinor - allocatedMinor,
    allocations,
  }
}

/** Payments, newest last; each with what is allocated and what is left. */
export async function listPayments(
  ctx: Ctx,
  filter: PaymentFilter = {},
): Promise<Page<PaymentSummary>> {
  const limit = filter.limit ?? pageSizeDefault
  const after = decodeCursor(filter.cursor)
  const allocated = sql<bigint>`coalesce((select sum(a.amount_minor) from payment_allocation a
    where a.tenant_id = p.tenant_id and a.payment_id = p.id), 0)::bigint`
  let query = ctx.db
    .selectFrom('payment as p')
    .select([
      'p.id',
      'p.customerId',
      'p.amountMinor',
      'p.currency',
      'p.receivedOn',
      'p.method',
      'p.source',
      'p.provider',
      'p.providerPaymentId',
      'p.payerName',
      'p.payerIban',
      'p.reference',
      'p.createdAt',
      'p.createdBy',
      allocated.as('allocatedMinor'),
    ])
    .orderBy('p.id')
    .limit(limit + 1)
  if (after) query = query.where('p.id', '>', after)
  if (filter.customerId) query = query.where('p.customerId', '=', filter.customerId)
  if (filter.unallocatedOnly) {
    query = query.where(sql<boolean>`${allocated} < p.amount_minor and not exists (select 1
      from payment_reversal r where r.tenant_id = p.tenant_id and r.payment_id = p.id)`)
  }
  const rows = await query.execute()
  return toPage(
    rows.map((r) => ({ ...r, unallocatedMinor: r.amountMinor - r.allocatedMinor })),
    limit,
  )
}

/** The payment recorded for a provider's payment, if any. */
export async function findProviderPayment(
  ctx: Ctx,
  provider: { name: string; paymentId: string },
): Promise<string | undefined> {
  const row = await ctx.db
    .selectFrom('payment')
    .select('id')
    .where('provider', '=', provider.name)
    .where('providerPaymentId', '=', provider.paymentId)
    .executeTakeFirst()
  return row?.id
}

function checkNewPayment(input: NewPayment, receivedOn: string): void {
  if (!isCurrency(input.currency)) {
    throw invalid([{ field: 'currency', message: 'is not a known currency' }])
  }
  if (input.amountMinor <= 0n) throw invalid([{ field: 'amount', message: 'must be above 0' }])
  if (!isCalendarDate(receivedOn)) {
    throw invalid([{ field: 'received_on', message: 'must be a date YYYY-MM-DD' }])
  }
  if (!methodPattern.test(input.method)) {
    throw invalid([{ field: 'method', message: 'is 1 to 40 of a-z, 0-9 and _ (ideal, card, …)' }])
  }
}

async function refuseRecordedProviderPayment(
  ctx: Ctx,
  provider: { name: string; paymentId: string },
): Promise<void> {
  const recorded = await findProviderPayment(ctx, provider)
  if (recorded) {
    throw domainError(
      'payments.provider_payment_recorded',
      `${provider.name} payment ${provider.paymentId} was recorded as payment ${recorded}`,
      { payment_id: recorded },
    )
  }
}

async function lockPayment(ctx: Ctx, paymentId: string): Promise<void> {
  if (!isUuid(paymentId)) throw notFound('payment', paymentId)
  await sql`select pg_advisory_xact_lock(hashtextextended(${`payment:${paymentId}`}, 0))`.execute(
    ctx.db,
  )
}

/** Every requested invoice is open, the payment's customer's and currency, and open enough. */
async function checkInvoices(ctx: Ctx, payment: Payment, requests: AllocationRequest[]) {
  const invoices = new Map<string, Awaited<ReturnType<typeof openAmount>>>()
  const requestedPerInvoice = new Map<string, bigint>()
  for (const [index, request] of requests.entries()) {
    const field = `allocations[${index}]`
    if (!isUuid(request.invoiceId)) {
      throw invalid([{ field: `${field}.invoice_id`, message: 'is not a uuid' }])
    }
    const invoice = invoices.get(request.invoiceId) ?? (await openAmount(ctx, request.invoiceId))
    invoices.set(request.invoiceId, invoice)
    if (invoice.customerId !== payment.customerId) {
      throw domainError(
        'payments.customer_mismatch',
        `Invoice ${invoice.number} is another customer's than the payment's`,
        { field: `${field}.invoice_id`, invoice_number: invoice.number },
      )
    }
    if (invoice.currency !== payment.currency) {
      throw domainError(
        'payments.currency_mismatch',
        `Invoice ${invoice.number} is in ${invoice.currency}, the payment in ${payment.currency}`,
        { field: `${field}.invoice_id`, invoice_currency: invoice.currency },
      )
    }
    const requested = (requestedPerInvoice.get(request.invoiceId) ?? 0n) + request.amountMinor
    requestedPerInvoice.set(request.invoiceId, requested)
    if (requested > invoice.openMinor) {
      throw domainError(
        'payments.allocation_exceeds_open',
        `${formatAmount(requested, invoice.currency)} is more than the ${formatAmount(invoice.openMinor, invoice.currency)} ${invoice.currency} open on invoice ${invoice.number}`,
        {
          field: `${field}.amount`,
          invoice_number: invoice.number,
          open: formatAmount(invoice.openMinor, invoice.currency),
        },
      )
    }
  }
  return invoices
}

function paymentToRecord(p: {
  id: string
  customerId: string
  amountMinor: bigint
  currency: string
  receivedOn: string
  method: string
  source: string
  provider: string | null
  providerPaymentId: string | null
  reference: string | null
}) {
  return {
    id: p.id,
    customer_id: p.customerId,
    amount: formatAmount(p.amountMinor, p.currency),
    currency: p.currency,
    received_on: p.receivedOn,
    method: p.method,
    source: p.source,
    provider: p.provider,
    provider_payment_id: p.providerPaymentId,
    reference: p.reference,
  }
}
