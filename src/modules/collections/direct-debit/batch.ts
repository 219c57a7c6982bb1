import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { type CalendarDate, calendarDateAt } from '../../../core/dates.js'
import { domainError, notFound } from '../../../core/errors.js'
import { newId } from '../../../core/ids.js'
import { formatAmount } from '../../../core/money.js'
import type { Ctx } from '../../../db/context.js'
import { recordAudit } from '../../audit/index.js'
import { getBillingSettings } from '../../invoicing/index.js'
import { emitEvent } from '../../outbox/index.js'
import './errors.js'
import { isValidCreditorId, type Pain008Transaction, pain008Xml, sepaText } from './pain008.js'

// A direct-debit batch: the issued, open EUR invoices due by the collection date of customers
// with an active mandate, not in a submitted or collected direct debit already and not held
// (under an active promise or plan, or in an open dispute), collected with one pain.008 file. Each item is `submitted` until cash application applies its payment
// (`collected`) or a return comes back by its end-to-end id (`returned`: the invoice is open
// and dunned again, and a later batch may collect it anew with a new end-to-end id).

// Banks take files of tens of thousands of transactions, but not unbounded: more due items
// than this wait for the next batch (oldest due first).
export const itemsPerBatchMax = 20_000

export type DirectDebitBatch = {
  id: string
  messageId: string
  collectionDate: CalendarDate
  creditorId: string
  itemCount: number
  totalMinor: bigint
  currency: string
  createdAt: Date
  createdBy: string
  items: {
    invoiceId: string
    invoiceNumber: string
    mandateId: string
    endToEndId: string
    amountMinor: bigint
    sequenceType: 'FRST' | 'RCUR'
    status: 'submitted' | 'collected' | 'returned'
    returnReason: string | null
  }[]
}

type Due = {
  invoiceId: string
  number: string
  paymentReference: string | null
  openMinor: string
  attempts: string
  mandateId: string
  mandateReference: string
  scheme: 'CORE' | 'B2B'
  iban: string
  bic: string | null
  debtorName: string
  signedOn: string
  mandateUsed: boolean
}

/**
 * Writes a pain.008 batch for a collection date. The creditor is the seller of the billing
 * settings (payee IBAN, BIC, name); the SEPA creditor identifier is `creditorId`, or the one
 * of the tenant's last batch.
 *
 *   const batch = await createDirectDebitBatch(ctx, { collectionDate: '2026-03-10',
 *     creditorId: 'NL69ZZZ123456780000' })
 */
export async function createDirectDebitBatch(
  ctx: Ctx,
  input: { collectionDate: CalendarDate; creditorId?: string },
): Promise<DirectDebitBatch> {
  const today = calendarDateAt(ctx.now, ctx.timeZone)
  if (input.collectionDate < today) {
    throw domainError(
      'collections.collection_date_invalid',
      `The collection date ${input.collectionDate} is before today (${today})`,
      { field: 'collection_date', today },
    )
  }
  const creditorId =
    input.creditorId?.replace(/\s/g, '').toUpperCase() ?? (await lastCreditorId(ctx))
  if (!creditorId) {
    throw domainError(
      'collections.creditor_id_missing',
      'Give the SEPA creditor identifier of the tenant (creditor_id); later batches reuse it',
      { field: 'creditor_id' },
    )
  }
  if (!isValidCreditorId(creditorId)) {
    throw domainError(
      'collections.creditor_id_invalid',
      `${creditorId} is not a SEPA creditor identifier (country, check digits, business code, national id)`,
      { field: 'creditor_id' },
    )
  }
  const settings = await getBillingSettings(ctx)
  const account = settings?.seller.payeeAccount
  if (!settings || !account?.iban) {
    throw domainError(
      'collections.creditor_account_missing',
      'Save billing settings with the seller’s payee account (IBAN) first',
      { field: 'seller.payee_account.iban' },
    )
  }

  // Lock the tenant's direct debits for the batch: two batches at once must not both take an
  // invoice (the selection below reads the items of earlier batches).
  await sql`select pg_advisory_xact_lock(hashtext('direct_debit_batch'), hashtext(${ctx.tenantId}))`.execute(
    ctx.db,
  )
  const due = await dueItems(ctx, input.collectionDate)
  if (due.length === 0) {
    throw domainError(
      'collections.nothing_to_collect',
      `No open EUR invoice of a customer with an active mandate is due by ${input.collectionDate}`,
      { collection_date: input.collectionDate },
    )
  }

  const id = newId()
  const messageId = `O2C-DD-${input.collectionDate.replaceAll('-', '')}-${randomBytes(6).toString('hex').toUpperCase()}`
  const transactions: (Pain008Transaction & { invoiceId: string; mandateId: string })[] = due.map(
    (d) => ({
      invoiceId: d.invoiceId,
      mandateId: d.mandateId,
      // The invoice number and the attempt: unique per tenant, and a re-collection after a
      // return gets a new one (EPC: an end-to-end id is never reused).
      endToEndId: `${sepaText(d.number, 30).replaceAll(' ', '')}/${Number(d.attempts) + 1}`,
      amountMinor: BigInt(d.openMinor),
      mandateReference: d.mandateReference,
      mandateSignedOn: d.signedOn,
      debtorName: d.debtorName,
      debtorIban: d.iban,
      debtorBic: d.bic,
      remittance: d.paymentReference ?? d.number,
      // FRST until a first collection went through (or is on its way) with the mandate.
      sequenceType: d.mandateUsed ? 'RCUR' : 'FRST',
      scheme: d.scheme,
    }),
  )
  const totalMinor = transactions.reduce((sum, t) => sum + t.amountMinor, 0n)
  const xml = pain008Xml({
    messageId,
    createdAt: ctx.now,
    collectionDate: input.collectionDate,
    creditor: {
      name: account.name ?? settings.seller.name,
      iban: account.iban,
      bic: account.bic ?? null,
      creditorId,
    },
    transactions,
  })
  await ctx.db
    .insertInto('directDebitBatch')
    .values({
      tenantId: ctx.tenantId,
      id,
      messageId,
      collectionDate: input.collectionDate,
      creditorId,
      itemCount: transactions.length,
      totalMinor,
      pain008: xml,
      createdAt: ctx.now,
      createdBy: ctx.actor.name,
    })
    .execute()
  const rows = transactions.map((t) => ({
    invoice_id: t.invoiceId,
    mandate_id: t.mandateId,
    end_to_end_id: t.endToEndId,
    amount_minor: t.amountMinor.toString(),
    sequence_type: t.sequenceType,
  }))
  await sql`
    insert into direct_debit_item (tenant_id, batch_id, invoice_id, mandate_id, end_to_end_id,
      amount_minor, sequence_type)
    select ${ctx.tenantId}::uuid, ${id}::uuid, r.invoice_id, r.mandate_id, r.end_to_end_id,
      r.amount_minor::bigint, r.sequence_type
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as r(invoice_id uuid, mandate_id uuid, end_to_end_id text, amount_minor text,
        sequence_type text)`.execute(ctx.db)
  const after = {
    message_id: messageId,
    collection_date: input.collectionDate,
    creditor_id: creditorId,
    item_count: transactions.length,
    total: formatAmount(totalMinor, 'EUR'),
  }
  await recordAudit(ctx, {
    entityType: 'direct_debit_batch',
    entityId: id,
    action: 'created',
    after,
  })
  await emitEvent(ctx, {
    type: 'collections.direct_debit_batch_created',
    entityType: 'direct_debit_batch',
    entityId: id,
    payload: { batch_id: id, ...after },
  })
  return getDirectDebitBatch(ctx, id)
}

/** The due items in one statement: open, EUR, a mandate, not in a live direct debit. */
async function dueItems(ctx: Ctx, collectionDate: CalendarDate): Promise<Due[]> {
  const { rows } = await sql<Due>`
    with open_items as (
      select i.id, i.number, i.customer_id, i.due_date, i.payment_reference,
        i.payable_minor - coalesce(sum(st.amount_minor), 0) as open_minor
      from invoice i
      left join invoice_settlement st on st.tenant_id = i.tenant_id and st.invoice_id = i.id
      where i.tenant_id = ${ctx.tenantId} and i.status = 'issued'
        and i.document_type = 'invoice' and i.currency = 'EUR'
        and i.due_date <= ${collectionDate}::date
        and i.customer_id in (select m.customer_id from sepa_mandate m
          where m.tenant_id = ${ctx.tenantId} and m.status = 'active')
      group by i.tenant_id, i.id
      having i.payable_minor - coalesce(sum(st.amount_minor), 0) > 0
    )
    select o.id as invoice_id, o.number, o.payment_reference, o.open_minor::text,
      (select count(*) from direct_debit_item d
        where d.tenant_id = ${ctx.tenantId} and d.invoice_id = o.id)::text as attempts,
      m.id as mandate_id, m.mandate_reference, m.scheme, m.iban, m.bic, m.debtor_name,
      m.signed_on, (m.first_collected_on is not null or exists (
        select 1 from direct_debit_item u where u.tenant_id = m.tenant_id
          and u.mandate_id = m.id and u.status in ('submitted', 'collected'))) as mandate_used
    from open_items o
    cross join lateral (
      -- The customer's newest active mandate.
      select * from sepa_mandate m
      where m.tenant_id = ${ctx.tenantId} and m.customer_id = o.customer_id
        and m.status = 'active'
      order by m.signed_on desc, m.id
      limit 1
    ) m
    where not exists (select 1 from direct_debit_item d
      where d.tenant_id = ${ctx.tenantId} and d.invoice_id = o.id
        and d.status in ('submitted', 'collected'))
      -- Held: a plan or promise says how it is paid, and a disputed invoice is not debited.
      and not exists (select 1 from promise_to_pay_item pi
        join promise_to_pay p on p.tenant_id = pi.tenant_id and p.id = pi.promise_id
        where pi.tenant_id = ${ctx.tenantId} and pi.invoice_id = o.id and p.status = 'active')
      and not exists (select 1 from payment_plan_item li
        join payment_plan pl on pl.tenant_id = li.tenant_id and pl.id = li.plan_id
        where li.tenant_id = ${ctx.tenantId} and li.invoice_id = o.id and pl.status = 'active')
      and not exists (select 1 from dispute ds
        where ds.tenant_id = ${ctx.tenantId} and ds.invoice_id = o.id
          and ds.status in ('open', 'investigating'))
    order by o.due_date, o.number
    limit ${itemsPerBatchMax}`.execute(ctx.db)
  return rows
}

async function lastCreditorId(ctx: Ctx): Promise<string | undefined> {
  const row = await ctx.db
    .selectFrom('directDebitBatch')
    .select('creditorId')
    .where('tenantId', '=', ctx.tenantId)
    .orderBy('createdAt', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row?.creditorId
}

export async function getDirectDebitBatch(ctx: Ctx, id: string): Promise<DirectDebitBatch> {
  const batch = await ctx.db
    .selectFrom('directDebitBatch')
    .select([
      'id',
      'messageId',
      'collectionDate',
      'creditorId',
      'itemCount',
      'totalMinor',
      'currency',
      'createdAt',
      'createdBy',
    ])
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', id)
    .executeTakeFirst()
  if (!batch) throw notFound('direct_debit_batch', id)
  const items = await ctx.db
    .selectFrom('directDebitItem as d')
    .innerJoin('invoice as i', (j) =>
      j.onRef('i.tenantId', '=', 'd.tenantId').onRef('i.id', '=', 'd.invoiceId'),
    )
    .select([
      'd.invoiceId',
      'i.number',
      'd.mandateId',
      'd.endToEndId',
      'd.amountMinor',
      'd.sequenceType',
      'd.status',
      'd.returnReason',
    ])
    .where('d.tenantId', '=', ctx.tenantId)
    .where('d.batchId', '=', id)
    .orderBy('d.endToEndId')
    .execute()
  return {
    ...batch,
    items: items.map(({ number, ...item }) => ({ ...item, invoiceNumber: number ?? '' })),
  }
}

export async function listDirectDebitBatches(
  ctx: Ctx,
  filter: { limit?: number } = {},
): Promise<Omit<DirectDebitBatch, 'items'>[]> {
  return ctx.db
    .selectFrom('directDebitBatch')
    .select([
      'id',
      'messageId',
      'collectionDate',
      'creditorId',
      'itemCount',
      'totalMinor',
      'currency',
      'createdAt',
      'createdBy',
    ])
    .where('tenantId', '=', ctx.tenantId)
    .orderBy('createdAt', 'desc')
    .orderBy('id')
    .limit(Math.min(filter.limit ?? 100, 500))
    .execute()
}

/** The pain.008 file of a batch, as it was written. */
export async function directDebitFile(ctx: Ctx, id: string): Promise<string> {
  const row = await ctx.db
    .selectFrom('directDebitBatch')
    .select('pain008')
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', id)
    .executeTakeFirst()
  if (!row) throw notFound('direct_debit_batch', id)
  return row.pain008
}
