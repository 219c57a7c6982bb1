import { isValidBIC, isValidIBAN } from 'ibantools'
import { sql } from 'kysely'
import { type CalendarDate, calendarDateAt, isCalendarDate } from '../../../core/dates.js'
import { domainError, type FieldIssue, invalid, notFound } from '../../../core/errors.js'
import { newId } from '../../../core/ids.js'
import type { Ctx } from '../../../db/context.js'
import { recordAudit } from '../../audit/index.js'
import { emitEvent } from '../../outbox/index.js'
import './errors.js'

// SEPA direct-debit mandates: the customer's authorisation to collect from its account. An
// active mandate makes the customer's due invoices go into a pain.008 batch (batch.ts) instead
// of being dunned; revoked, it no longer does. A mandate is never deleted (the bank may ask
// for it up to 14 months after the last collection).

export type Mandate = {
  id: string
  customerId: string
  mandateReference: string
  scheme: 'CORE' | 'B2B'
  iban: string
  bic: string | null
  debtorName: string
  signedOn: CalendarDate
  firstCollectedOn: CalendarDate | null
  status: 'active' | 'revoked'
  createdAt: Date
  version: number
}

export type MandateInput = {
  customerId: string
  mandateReference: string
  scheme?: 'CORE' | 'B2B'
  iban: string
  bic?: string | null
  debtorName: string
  signedOn: CalendarDate
}

// EPC: a mandate reference is at most 35 characters of the SEPA character set.
const referencePattern = /^[A-Za-z0-9+?/:().,' -]{1,35}$/

export async function addMandate(ctx: Ctx, input: MandateInput): Promise<Mandate> {
  const iban = input.iban.replace(/\s/g, '').toUpperCase()
  const bic = input.bic ? input.bic.replace(/\s/g, '').toUpperCase() : null
  const issues: FieldIssue[] = []
  if (!referencePattern.test(input.mandateReference)) {
    issues.push({
      field: 'mandate_reference',
      message: "1 to 35 of A-Z a-z 0-9 + ? / : ( ) . , ' - and space",
    })
  }
  if (!isValidIBAN(iban))
    issues.push({ field: 'iban', message: `"${input.iban}" is not a valid IBAN` })
  if (bic && !isValidBIC(bic))
    issues.push({ field: 'bic', message: `"${input.bic}" is not a valid BIC` })
  if (!input.debtorName.trim() || input.debtorName.length > 140) {
    issues.push({ field: 'debtor_name', message: 'the account holder, 1 to 140 characters' })
  }
  const today = calendarDateAt(ctx.now, ctx.timeZone)
  if (!isCalendarDate(input.signedOn) || input.signedOn > today) {
    issues.push({ field: 'signed_on', message: 'the date the mandate was signed, not after today' })
  }
  if (issues.length > 0) throw invalid(issues)
  const customer = await ctx.db
    .selectFrom('customer')
    .select('id')
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', input.customerId)
    .executeTakeFirst()
  if (!customer) throw notFound('customer', input.customerId)
  const taken = await ctx.db
    .selectFrom('sepaMandate')
    .select('id')
    .where('tenantId', '=', ctx.tenantId)
    .where('mandateReference', '=', input.mandateReference)
    .executeTakeFirst()
  if (taken) {
    throw domainError(
      'collections.mandate_reference_taken',
      `Mandate reference ${input.mandateReference} is used by mandate ${taken.id}`,
      { field: 'mandate_reference', mandate_id: taken.id },
    )
  }
  const id = newId()
  await ctx.db
    .insertInto('sepaMandate')
    .values({
      tenantId: ctx.tenantId,
      id,
      customerId: input.customerId,
      mandateReference: input.mandateReference,
      scheme: input.scheme ?? 'CORE',
      iban,
      bic,
      debtorName: input.debtorName.trim(),
      signedOn: input.signedOn,
      firstCollectedOn: null,
      createdAt: ctx.now,
    })
    .execute()
  const mandate = await getMandate(ctx, id)
  await recordAudit(ctx, {
    entityType: 'sepa_mandate',
    entityId: id,
    action: 'added',
    after: {
      customer_id: mandate.customerId,
      mandate_reference: mandate.mandateReference,
      scheme: mandate.scheme,
      iban: mandate.iban,
      bic: mandate.bic,
      signed_on: mandate.signedOn,
    },
  })
  await emitEvent(ctx, {
    type: 'collections.mandate_added',
    entityType: 'sepa_mandate',
    entityId: id,
    payload: { mandate_id: id, customer_id: mandate.customerId, scheme: mandate.scheme },
  })
  return mandate
}

export async function getMandate(ctx: Ctx, id: string): Promise<Mandate> {
  const row = await ctx.db
    .selectFrom('sepaMandate')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', id)
    .executeTakeFirst()
  if (!row) throw notFound('sepa_mandate', id)
  const { tenantId: _t, ...mandate } = row
  return mandate as Mandate
}

const listLimitMax = 500

export async function listMandates(
  ctx: Ctx,
  filter: { customerId?: string; status?: 'active' | 'revoked'; limit?: number } = {},
): Promise<Mandate[]> {
  let query = ctx.db
    .selectFrom('sepaMandate')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .orderBy('createdAt', 'desc')
    .orderBy('id')
    .limit(Math.min(filter.limit ?? 100, listLimitMax))
  if (filter.customerId) query = query.where('customerId', '=', filter.customerId)
  if (filter.status) query = query.where('status', '=', filter.status)
  return (await query.execute()).map(({ tenantId: _t, ...m }) => m as Mandate)
}

/** The customer withdrew the mandate: nothing more is collected with it. */
export async function revokeMandate(ctx: Ctx, id: string): Promise<Mandate> {
  const { rows } = await sql<{ status: string }>`
    select status from sepa_mandate where tenant_id = ${ctx.tenantId} and id = ${id}
    for update`.execute(ctx.db)
  if (!rows[0]) throw notFound('sepa_mandate', id)
  if (rows[0].status !== 'active') {
    throw domainError('collections.mandate_not_active', `Mandate ${id} is revoked already`, {
      mandate_id: id,
    })
  }
  await ctx.db
    .updateTable('sepaMandate')
    .set((eb) => ({ status: 'revoked', version: eb('version', '+', 1) }))
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', id)
    .execute()
  const mandate = await getMandate(ctx, id)
  await recordAudit(ctx, {
    entityType: 'sepa_mandate',
    entityId: id,
    action: 'revoked',
    before: { status: 'active' },
    after: { status: 'revoked' },
  })
  await emitEvent(ctx, {
    type: 'collections.mandate_revoked',
    entityType: 'sepa_mandate',
    entityId: id,
    payload: { mandate_id: id, customer_id: mandate.customerId },
  })
  return mandate
}
