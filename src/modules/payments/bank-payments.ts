import { sql } from 'kysely'
import type { CalendarDate } from '../../core/dates.js'
import { domainError, notFound } from '../../core/errors.js'
import { isUuid, newId } from '../../core/ids.js'
import { formatAmount } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { reverseSettlement } from '../invoicing/index.js'
import { reverseJournalEntry } from '../ledger/index.js'
import { type DomainEvent, emitEvents } from '../outbox/index.js'
import './errors.js'

// Payments that cash application records from bank statements, thousands at a time, and
// their undoing. The rules are recordPayment's and allocatePayment's; only the writing is in
// bulk. Cash application settles the invoices first (invoicing's settleInvoicesInBulk), posts
// one journal entry per payment (bank debit; receivable, unapplied cash and write-offs
// credit), and records one audit event per application naming all of it, so these
// functions write the payment rows and announce them, and audit nothing row by row.

export type BankPaymentInput = {
  id: string
  customerId: string
  /** Above zero, in minor units of `currency` (the invoices' currency). */
  amountMinor: bigint
  currency: string
  receivedOn: CalendarDate
  payerName: string | null
  payerIban: string | null
  reference: string | null
  /** Each with the settlement it made on the invoice; together at most amountMinor. */
  allocations: { id: string; invoiceId: string; amountMinor: bigint; settlementId: string }[]
}

// Rows per statement: a few megabytes of JSON per round trip.
const rowsPerStatement = 10_000
const ibanPattern = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$/

/** Records payments received on the bank and their allocations, in a few statements. */
export async function recordBankPaymentsInBulk(
  ctx: Ctx,
  inputs: readonly BankPaymentInput[],
): Promise<void> {
  for (const input of inputs) {
    const allocatedMinor = input.allocations.reduce((sum, a) => sum + a.amountMinor, 0n)
    // Programmer mistakes, not user input: cash application plans within these bounds.
    if (input.amountMinor <= 0n || allocatedMinor > input.amountMinor) {
      throw new Error(`payment ${input.id}: ${allocatedMinor} allocated of ${input.amountMinor}`)
    }
  }
  for (let start = 0; start < inputs.length; start += rowsPerStatement) {
    const part = inputs.slice(start, start + rowsPerStatement)
    const rows = part.map((p) => {
      const iban = p.payerIban?.replace(/\s/g, '').toUpperCase() ?? null
      return {
        id: p.id,
        customer_id: p.customerId,
        amount_minor: p.amountMinor.toString(),
        currency: p.currency,
        received_on: p.receivedOn,
        payer_name: p.payerName?.slice(0, 200) ?? null,
        payer_iban: iban && ibanPattern.test(iban) ? iban : null,
        reference: p.reference?.slice(0, 140) ?? null,
      }
    })
    await sql`
      insert into payment (tenant_id, id, customer_id, amount_minor, currency, received_on,
        method, source, payer_name, payer_iban, reference, created_at, created_by)
      select ${ctx.tenantId}::uuid, r.id, r.customer_id, r.amount_minor::bigint, r.currency,
        r.received_on, 'bank_transfer', 'bank', r.payer_name, r.payer_iban, r.reference,
        ${ctx.now}::timestamptz, ${ctx.actor.name}
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, customer_id uuid,
        amount_minor text, currency text, received_on date, payer_name text, payer_iban text,
        reference text)`.execute(ctx.db)
  }
  const allocations = inputs.flatMap((p) =>
    p.allocations.map((a) => ({
      id: a.id,
      payment_id: p.id,
      invoice_id: a.invoiceId,
      amount_minor: a.amountMinor.toString(),
      currency: p.currency,
      settlement_id: a.settlementId,
    })),
  )
  for (let start = 0; start < allocations.length; start += rowsPerStatement) {
    const rows = allocations.slice(start, start + rowsPerStatement)
    await sql`
      insert into payment_allocation (tenant_id, id, payment_id, invoice_id, amount_minor,
        currency, settlement_id, created_at, created_by)
      select ${ctx.tenantId}::uuid, r.id, r.payment_id, r.invoice_id, r.amount_minor::bigint,
        r.currency, r.settlement_id, ${ctx.now}::timestamptz, ${ctx.actor.name}
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, payment_id uuid,
        invoice_id uuid, amount_minor text, currency text, settlement_id uuid)`.execute(ctx.db)
  }
  const events: DomainEvent[] = inputs.map((p) => ({
    type: 'payment.recorded',
    entityType: 'payment',
    entityId: p.id,
    payload: {
      id: p.id,
      customer_id: p.customerId,
      amount: formatAmount(p.amountMinor, p.currency),
      currency: p.currency,
      received_on: p.receivedOn,
      method: 'bank_transfer',
      source: 'bank',
      provider: null,
      provider_payment_id: null,
      reference: p.reference,
      allocations: p.allocations.map((a) => ({
        allocation_id: a.id,
        invoice_id: a.invoiceId,
        amount: formatAmount(a.amountMinor, p.currency),
        settlement_id: a.settlementId,
      })),
    },
  }))
  for (let start = 0; start < events.length; start += rowsPerStatement) {
    await emitEvents(ctx, events.slice(start, start + rowsPerStatement))
  }
}

export type PaymentReversed = {
  paymentId: string
  /** The reversing allocations made (one per allocation that was live). */
  allocationsReversed: number
  /** The reversing journal entries posted. */
  journalEntryIds: string[]
}

/**
 * Undoes a payment whose money turned out not to be the customer's (a wrong match undone, a
 * returned direct debit): every live allocation gets one of the opposite amount with its
 * settlement reversed (the invoices are open again), every journal entry of the payment is
 * reversed, and a payment_reversal row says none of it is the customer's unapplied cash.
 */
export async function reversePayment(
  ctx: Ctx,
  paymentId: string,
  reason: string,
): Promise<PaymentReversed> {
  if (!isUuid(paymentId)) throw notFound('payment', paymentId)
  await sql`select pg_advisory_xact_lock(hashtextextended(${`payment:${paymentId}`}, 0))`.execute(
    ctx.db,
  )
  const payment = await ctx.db
    .selectFrom('payment')
    .select(['id', 'currency'])
    .where('id', '=', paymentId)
    .executeTakeFirst()
  if (!payment) throw notFound('payment', paymentId)
  const reversed = await ctx.db
    .selectFrom('paymentReversal')
    .select('createdAt')
    .where('paymentId', '=', paymentId)
    .executeTakeFirst()
  if (reversed) {
    throw domainError('payments.payment_reversed', `Payment ${paymentId} was reversed already`, {
      payment_id: paymentId,
    })
  }
  const live = await ctx.db
    .selectFrom('paymentAllocation as a')
    .select(['a.id', 'a.invoiceId', 'a.amountMinor', 'a.settlementId'])
    .where('a.paymentId', '=', paymentId)
    .where('a.amountMinor', '>', 0n)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('paymentAllocation as r')
            .select('r.id')
            .whereRef('r.reversesAllocationId', '=', 'a.id'),
        ),
      ),
    )
    .orderBy('a.id')
    .execute()
  for (const allocation of live) {
    const id = newId()
    const settlement = await reverseSettlement(ctx, allocation.settlementId, {
      type: 'payment_allocation',
      id,
    })
    await ctx.db
      .insertInto('paymentAllocation')
      .values({
        tenantId: ctx.tenantId,
        id,
        paymentId,
        invoiceId: allocation.invoiceId,
        amountMinor: -allocation.amountMinor,
        currency: payment.currency,
        settlementId: settlement.id,
        reversesAllocationId: allocation.id,
        createdAt: ctx.now,
        createdBy: ctx.actor.name,
      })
      .execute()
  }
  const entries = await ctx.db
    .selectFrom('journalEntry as e')
    .select('e.id')
    .where('e.sourceType', '=', 'payment')
    .where('e.sourceId', '=', paymentId)
    .where('e.reversesEntryId', 'is', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('journalEntry as r').select('r.id').whereRef('r.reversesEntryId', '=', 'e.id'),
        ),
      ),
    )
    .orderBy('e.id')
    .execute()
  const journalEntryIds: string[] = []
  for (const entry of entries) {
    journalEntryIds.push((await reverseJournalEntry(ctx, entry.id, reason)).id)
  }
  await ctx.db
    .insertInto('paymentReversal')
    .values({
      tenantId: ctx.tenantId,
      paymentId,
      reason: reason.slice(0, 500),
      journalEntryId: journalEntryIds[0] ?? null,
      createdAt: ctx.now,
      createdBy: ctx.actor.name,
    })
    .execute()
  await emitEvents(ctx, [
    {
      type: 'payment.reversed',
      entityType: 'payment',
      entityId: paymentId,
      payload: { payment_id: paymentId, reason, allocations_reversed: live.length },
    },
  ])
  return { paymentId, allocationsReversed: live.length, journalEntryIds }
}
