import { sql } from 'kysely'
import { calendarDateAt } from '../../../core/dates.js'
import { domainError, invalid, notFound } from '../../../core/errors.js'
import { isUuid, newId } from '../../../core/ids.js'
import { formatAmount } from '../../../core/money.js'
import type { Ctx } from '../../../db/context.js'
import { recordAudit } from '../../audit/index.js'
import { reverseJournalEntry } from '../../ledger/index.js'
import { emitEvent } from '../../outbox/index.js'
import './errors.js'

// Taking back a collection charge: a collector agrees the costs were not due, or the customer
// paid them (cash application does not settle charges yet: decision 0008). The charge stays;
// a row with the opposite amount points at it, its journal entry is reversed, and the
// statement shows both from the day of the reversal. A charge is reversed once.

export type ChargeReversal = {
  id: string
  reversesChargeId: string
  invoiceId: string
  kind: 'collection_costs' | 'interest'
  amountMinor: bigint
  currency: string
  chargedOn: string
  journalEntryId: string
}

const reasonLengthMax = 500

export async function reverseCollectionCharge(
  ctx: Ctx,
  chargeId: string,
  reason: string,
): Promise<ChargeReversal> {
  const why = reason.trim()
  if (why === '' || why.length > reasonLengthMax) {
    throw invalid([{ field: 'reason', message: `must be 1 to ${reasonLengthMax} characters` }])
  }
  if (!isUuid(chargeId)) throw notFound('collection_charge', chargeId)
  // collection_charge is append-only for o2c_app (no select … for update): a transaction lock
  // on the charge's id serialises reversals of it; unique (tenant_id, reverses_charge_id)
  // backs it up.
  await sql`select pg_advisory_xact_lock(hashtextextended(${`collection_charge:${chargeId}`}, 0))`.execute(
    ctx.db,
  )
  const charge = await ctx.db
    .selectFrom('collectionCharge')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', chargeId)
    .executeTakeFirst()
  if (!charge) throw notFound('collection_charge', chargeId)
  if (charge.reversesChargeId !== null) {
    throw domainError(
      'collections.charge_not_reversible',
      `Charge ${chargeId} is itself a reversal (of ${charge.reversesChargeId})`,
      { charge: chargeId },
    )
  }
  const earlier = await ctx.db
    .selectFrom('collectionCharge')
    .select('id')
    .where('tenantId', '=', ctx.tenantId)
    .where('reversesChargeId', '=', chargeId)
    .executeTakeFirst()
  if (earlier) {
    throw domainError(
      'collections.charge_not_reversible',
      `Charge ${chargeId} was reversed already (by ${earlier.id})`,
      { charge: chargeId, reversal: earlier.id },
    )
  }

  const entry = await reverseJournalEntry(ctx, charge.journalEntryId, why)
  const reversal: ChargeReversal = {
    id: newId(),
    reversesChargeId: chargeId,
    invoiceId: charge.invoiceId,
    kind: charge.kind,
    amountMinor: -BigInt(charge.amountMinor),
    currency: charge.currency,
    chargedOn: calendarDateAt(ctx.now, ctx.timeZone),
    journalEntryId: entry.id,
  }
  await ctx.db
    .insertInto('collectionCharge')
    .values({
      tenantId: ctx.tenantId,
      id: reversal.id,
      customerId: charge.customerId,
      invoiceId: charge.invoiceId,
      kind: charge.kind,
      amountMinor: reversal.amountMinor,
      currency: charge.currency,
      chargedOn: reversal.chargedOn,
      periodFrom: charge.periodFrom,
      periodTo: charge.periodTo,
      basis: JSON.stringify({ reason: why }),
      journalEntryId: entry.id,
      reversesChargeId: chargeId,
      createdAt: ctx.now,
      createdBy: ctx.actor.name,
    })
    .execute()
  const after = {
    reverses_charge_id: chargeId,
    kind: charge.kind,
    amount: formatAmount(reversal.amountMinor, charge.currency),
    currency: charge.currency,
    charged_on: reversal.chargedOn,
    journal_entry_id: entry.id,
    reason: why,
  }
  await recordAudit(ctx, {
    entityType: 'collection_charge',
    entityId: chargeId,
    action: 'reversed',
    after: { reversal_id: reversal.id, ...after },
  })
  await emitEvent(ctx, {
    type: 'collection_charge.reversed',
    entityType: 'collection_charge',
    entityId: chargeId,
    payload: { id: reversal.id, invoice_id: charge.invoiceId, ...after },
  })
  return reversal
}
