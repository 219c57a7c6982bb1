import { sql } from 'kysely'
import { domainError, type FieldIssue, invalid, notFound } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import { decodeCursor, type Page, pageSizeDefault, toPage } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { emitEvent } from '../outbox/index.js'
import {
  checkBic,
  checkCocNumber,
  checkCountry,
  checkCurrency,
  checkEmail,
  checkIban,
  checkLanguage,
  checkPhone,
  checkVatId,
  normaliseIban,
  normalisePhone,
  normaliseVatId,
} from './master-data.js'
import type { Channel, Segment } from './tables.js'

export type Address = {
  kind: 'billing' | 'shipping' | 'visiting'
  lines: string[]
  postalCode: string
  city: string
  country: string
}

export type Contact = {
  name: string
  email: string | null
  phone: string | null
  language: string
  preferredChannel: Channel
  roles: string[]
}

export type BankAccount = { iban: string; bic: string | null; accountHolder: string | null }

export type AttributeValue = string | number | boolean

export type CustomerFields = {
  legalName: string
  tradingNames: string[]
  country: string | null
  vatId: string | null
  cocNumber: string | null
  segment: Segment
  attributes: Record<string, AttributeValue>
  language: string
  preferredChannel: Channel
  currency: string
  paymentTermsDays: number
  parentId: string | null
  addresses: Address[]
  contacts: Contact[]
  ibans: BankAccount[]
}

export type Customer = CustomerFields & {
  id: string
  number: string
  createdAt: Date
  updatedAt: Date
  version: number
}

export type NewCustomer = { number: string; legalName: string } & Partial<CustomerFields>

const defaults: Omit<CustomerFields, 'legalName'> = {
  tradingNames: [],
  country: null,
  vatId: null,
  cocNumber: null,
  segment: 'small_business',
  attributes: {},
  language: 'nl',
  preferredChannel: 'email',
  currency: 'EUR',
  paymentTermsDays: 30,
  parentId: null,
  addresses: [],
  contacts: [],
  ibans: [],
}

/** Puts master data in the one form o2c stores: upper-case VAT ids and IBANs, E.164 phones. */
export function normaliseCustomer<T extends Partial<CustomerFields>>(fields: T): T {
  return {
    ...fields,
    ...(fields.vatId ? { vatId: normaliseVatId(fields.vatId) } : {}),
    ...(fields.country ? { country: fields.country.toUpperCase() } : {}),
    ...(fields.currency ? { currency: fields.currency.toUpperCase() } : {}),
    ...(fields.ibans
      ? {
          ibans: fields.ibans.map((b) => ({
            ...b,
            iban: normaliseIban(b.iban),
            bic: b.bic ? b.bic.toUpperCase() : null,
          })),
        }
      : {}),
    ...(fields.contacts
      ? {
          contacts: fields.contacts.map((c) => ({
            ...c,
            email: c.email ? c.email.trim().toLowerCase() : null,
            phone: c.phone ? normalisePhone(c.phone) : null,
          })),
        }
      : {}),
  }
}

/** Every problem with a customer's master data, each naming its field. */
export function checkCustomer(fields: Partial<CustomerFields> & { number?: string }): FieldIssue[] {
  const issues: FieldIssue[] = []
  if (fields.number !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$/.test(fields.number)) {
    issues.push({
      field: 'number',
      message: 'must be 1–64 letters, digits, dots, dashes, slashes or underscores',
    })
  }
  if (fields.legalName !== undefined && fields.legalName.trim() === '') {
    issues.push({ field: 'legal_name', message: 'is required' })
  }
  if (fields.country) issues.push(...checkCountry('country', fields.country))
  if (fields.vatId) issues.push(...checkVatId('vat_id', fields.vatId))
  if (fields.cocNumber)
    issues.push(...checkCocNumber('coc_number', fields.cocNumber, fields.country ?? null))
  if (fields.currency) issues.push(...checkCurrency('currency', fields.currency))
  if (fields.language) issues.push(...checkLanguage('language', fields.language))
  if (
    fields.paymentTermsDays !== undefined &&
    !(fields.paymentTermsDays >= 0 && fields.paymentTermsDays <= 365)
  ) {
    issues.push({ field: 'payment_terms_days', message: 'must be between 0 and 365' })
  }
  fields.addresses?.forEach((a, i) => {
    if (a.lines.length === 0 || a.lines.every((l) => l.trim() === '')) {
      issues.push({ field: `addresses[${i}].lines`, message: 'needs at least one line' })
    }
    issues.push(...checkCountry(`addresses[${i}].country`, a.country))
  })
  fields.contacts?.forEach((c, i) => {
    if (c.email) issues.push(...checkEmail(`contacts[${i}].email`, c.email))
    if (c.phone) issues.push(...checkPhone(`contacts[${i}].phone`, c.phone))
    issues.push(...checkLanguage(`contacts[${i}].language`, c.language))
    if ((c.preferredChannel === 'sms' || c.preferredChannel === 'whatsapp') && !c.phone) {
      issues.push({ field: `contacts[${i}].phone`, message: `is needed for ${c.preferredChannel}` })
    }
    if (c.preferredChannel === 'email' && !c.email && !c.phone) {
      issues.push({ field: `contacts[${i}].email`, message: 'is needed for email' })
    }
  })
  fields.ibans?.forEach((b, i) => {
    issues.push(...checkIban(`ibans[${i}].iban`, b.iban))
    if (b.bic) issues.push(...checkBic(`ibans[${i}].bic`, b.bic))
  })
  return issues
}

export async function createCustomer(ctx: Ctx, input: NewCustomer): Promise<Customer> {
  const fields = normaliseCustomer({ ...defaults, ...input })
  const issues = checkCustomer(fields)
  if (issues.length > 0) throw invalid(issues)
  const taken = await ctx.db
    .selectFrom('customer')
    .select('id')
    .where('number', '=', input.number)
    .executeTakeFirst()
  if (taken) {
    throw domainError('customers.number_taken', `Customer number ${input.number} is taken`, {
      field: 'number',
      customer: taken.id,
    })
  }
  const id = newId()
  if (fields.parentId) await assertParent(ctx, id, fields.parentId)
  forgetCustomerGroups(ctx)
  await ctx.db
    .insertInto('customer')
    .values({
      tenantId: ctx.tenantId,
      id,
      number: input.number,
      ...customerColumns(fields),
      updatedAt: ctx.now,
    })
    .execute()
  await replaceChildren(ctx, id, fields)
  const customer = await getCustomer(ctx, id)
  await recordAudit(ctx, {
    entityType: 'customer',
    entityId: id,
    action: 'created',
    after: customer,
  })
  await emitEvent(ctx, {
    type: 'customer.created',
    entityType: 'customer',
    entityId: id,
    payload: { id, number: customer.number, legal_name: customer.legalName },
  })
  return customer
}

/**
 * Changes a customer's master data. `expectedVersion` is the version the clerk last read
 * (If-Match); if someone else saved in between, nothing is changed and the clerk is told.
 * Lists (addresses, contacts, IBANs) are replaced as a whole when given.
 */
export async function updateCustomer(
  ctx: Ctx,
  id: string,
  expectedVersion: number,
  patch: Partial<CustomerFields>,
): Promise<Customer> {
  const before = await getCustomer(ctx, id, { forUpdate: true })
  if (before.version !== expectedVersion) throw staleCustomer(before)
  const fields = normaliseCustomer({ ...before, ...patch })
  const issues = checkCustomer(normaliseCustomer(patch)).concat(
    patch.cocNumber || patch.country
      ? checkCustomer({ cocNumber: fields.cocNumber, country: fields.country })
      : [],
  )
  if (issues.length > 0) throw invalid(dedupe(issues))
  if (patch.parentId) await assertParent(ctx, id, patch.parentId)
  if (patch.parentId !== undefined) forgetCustomerGroups(ctx)
  await ctx.db
    .updateTable('customer')
    .set({ ...customerColumns(fields), updatedAt: ctx.now, version: before.version + 1 })
    .where('id', '=', id)
    .execute()
  if (patch.addresses || patch.contacts || patch.ibans) await replaceChildren(ctx, id, patch)
  const after = await getCustomer(ctx, id)
  await recordAudit(ctx, { entityType: 'customer', entityId: id, action: 'updated', before, after })
  await emitEvent(ctx, {
    type: 'customer.updated',
    entityType: 'customer',
    entityId: id,
    payload: { id, number: after.number, changed: changedFields(before, after) },
  })
  return after
}

function dedupe(issues: FieldIssue[]): FieldIssue[] {
  const seen = new Set<string>()
  return issues.filter((i) => {
    const key = `${i.field}\u0000${i.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

function staleCustomer(current: Customer) {
  return domainError(
    'request.stale_etag',
    `Customer ${current.number} was changed by someone else (now version ${current.version}); reload it and apply your change again`,
    { entity: 'customer', id: current.id, currentVersion: current.version },
  )
}

function changedFields(before: Customer, after: Customer): string[] {
  const keys = Object.keys(after) as (keyof Customer)[]
  return keys.filter(
    (k) =>
      !['version', 'updatedAt'].includes(k) &&
      JSON.stringify(before[k]) !== JSON.stringify(after[k]),
  )
}

export function customerColumns(fields: CustomerFields) {
  return {
    legalName: fields.legalName.trim(),
    tradingNames: fields.tradingNames,
    country: fields.country,
    vatId: fields.vatId,
    cocNumber: fields.cocNumber,
    segment: fields.segment,
    attributes: JSON.stringify(fields.attributes),
    language: fields.language,
    preferredChannel: fields.preferredChannel,
    currency: fields.currency,
    paymentTermsDays: fields.paymentTermsDays,
    parentId: fields.parentId,
  }
}

async function replaceChildren(ctx: Ctx, customerId: string, fields: Partial<CustomerFields>) {
  const base = { tenantId: ctx.tenantId, customerId }
  if (fields.addresses) {
    await ctx.db.deleteFrom('customerAddress').where('customerId', '=', customerId).execute()
    if (fields.addresses.length > 0) {
      await ctx.db
        .insertInto('customerAddress')
        .values(fields.addresses.map((a, position) => ({ ...base, id: newId(), ...a, position })))
        .execute()
    }
  }
  if (fields.contacts) {
    await ctx.db.deleteFrom('customerContact').where('customerId', '=', customerId).execute()
    if (fields.contacts.length > 0) {
      await ctx.db
        .insertInto('customerContact')
        .values(fields.contacts.map((c, position) => ({ ...base, id: newId(), ...c, position })))
        .execute()
    }
  }
  if (fields.ibans) {
    // IBANs learned by cash application stay; master-data IBANs are replaced by the new list.
    await ctx.db
      .deleteFrom('customerIban')
      .where('customerId', '=', customerId)
      .where('source', '=', 'master_data')
      .execute()
    const unique = [...new Map(fields.ibans.map((b) => [b.iban, b])).values()]
    if (unique.length > 0) {
      await ctx.db
        .insertInto('customerIban')
        .values(
          unique.map((b, position) => ({
            ...base,
            id: newId(),
            ...b,
            source: 'master_data' as const,
            position,
          })),
        )
        .onConflict((oc) => oc.columns(['tenantId', 'customerId', 'iban']).doNothing())
        .execute()
    }
  }
}

/** A parent must exist in this tenant and must not be the customer or one of its subsidiaries. */
async function assertParent(ctx: Ctx, customerId: string, parentId: string): Promise<void> {
  const ancestors = await sql<{ id: string }>`
    with recursive chain (id, parent_id, depth) as (
      select id, parent_id, 0 from customer where id = ${parentId}
      union all
      select c.id, c.parent_id, chain.depth + 1 from customer c
      join chain on c.id = chain.parent_id
      where chain.depth < 100
    )
    select id from chain`.execute(ctx.db)
  if (ancestors.rows.length === 0) {
    throw domainError(
      'customers.parent_unknown',
      `No customer with id ${parentId} to be the parent`,
      {
        field: 'parent_id',
      },
    )
  }
  if (ancestors.rows.some((row) => row.id === customerId)) {
    throw domainError('customers.parent_cycle', 'The parent would make the group a circle', {
      field: 'parent_id',
    })
  }
}

export async function getCustomer(
  ctx: Ctx,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Customer> {
  let query = ctx.db.selectFrom('customer').selectAll().where('id', '=', id)
  if (options.forUpdate) query = query.forUpdate()
  const row = await query.executeTakeFirst()
  if (!row) throw notFound('customer', id)
  const [addresses, contacts, ibans] = await Promise.all([
    ctx.db
      .selectFrom('customerAddress')
      .selectAll()
      .where('customerId', '=', id)
      .orderBy('position')
      .execute(),
    ctx.db
      .selectFrom('customerContact')
      .selectAll()
      .where('customerId', '=', id)
      .orderBy('position')
      .execute(),
    ctx.db
      .selectFrom('customerIban')
      .selectAll()
      .where('customerId', '=', id)
      .orderBy('position')
      .execute(),
  ])
  return {
    id: row.id,
    number: row.number,
    legalName: row.legalName,
    tradingNames: row.tradingNames,
    country: row.country,
    vatId: row.vatId,
    cocNumber: row.cocNumber,
    segment: row.segment,
    attributes: row.attributes as Record<string, AttributeValue>,
    language: row.language,
    preferredChannel: row.preferredChannel,
    currency: row.currency,
    paymentTermsDays: row.paymentTermsDays,
    parentId: row.parentId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    version: row.version,
    addresses: addresses.map(({ kind, lines, postalCode, city, country }) => ({
      kind,
      lines,
      postalCode,
      city,
      country,
    })),
    contacts: contacts.map(({ name, email, phone, language, preferredChannel, roles }) => ({
      name,
      email,
      phone,
      language,
      preferredChannel,
      roles,
    })),
    ibans: ibans.map(({ iban, bic, accountHolder }) => ({ iban, bic, accountHolder })),
  }
}

export type CustomerHeader = Omit<Customer, 'addresses' | 'contacts' | 'ibans'>

/** A customer without addresses, contacts and IBANs: one read, for hot paths (orders). */
export async function getCustomerHeader(ctx: Ctx, id: string): Promise<CustomerHeader> {
  const row = await ctx.db
    .selectFrom('customer')
    .select([
      'id',
      'number',
      'legalName',
      'tradingNames',
      'country',
      'vatId',
      'cocNumber',
      'segment',
      'attributes',
      'language',
      'preferredChannel',
      'currency',
      'paymentTermsDays',
      'parentId',
      'createdAt',
      'updatedAt',
      'version',
    ])
    .where('id', '=', id)
    .executeTakeFirst()
  if (!row) throw notFound('customer', id)
  return { ...row, attributes: row.attributes as Record<string, AttributeValue> }
}

export async function findCustomerByNumber(
  ctx: Ctx,
  number: string,
): Promise<Customer | undefined> {
  const row = await ctx.db
    .selectFrom('customer')
    .select('id')
    .where('number', '=', number)
    .executeTakeFirst()
  return row ? getCustomer(ctx, row.id) : undefined
}

export type CustomerSummary = {
  id: string
  number: string
  legalName: string
  segment: Segment
  country: string | null
  currency: string
  parentId: string | null
  version: number
}

export type CustomerFilter = {
  segment?: Segment
  /** Part of the number, legal name or a trading name. */
  search?: string
  parentId?: string
  attribute?: { key: string; value: string }
  cursor?: string
  limit?: number
}

export async function listCustomers(
  ctx: Ctx,
  filter: CustomerFilter,
): Promise<Page<CustomerSummary>> {
  const limit = filter.limit ?? pageSizeDefault
  const after = decodeCursor(filter.cursor)
  let query = ctx.db
    .selectFrom('customer')
    .select(['id', 'number', 'legalName', 'segment', 'country', 'currency', 'parentId', 'version'])
    .orderBy('id')
    .limit(limit + 1)
  if (after) query = query.where('id', '>', after)
  if (filter.segment) query = query.where('segment', '=', filter.segment)
  if (filter.parentId) query = query.where('parentId', '=', filter.parentId)
  if (filter.attribute) {
    const { key, value } = filter.attribute
    query = query.where(sql<boolean>`attributes ->> ${key} = ${value}`)
  }
  if (filter.search) {
    const pattern = `%${filter.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    query = query.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['number']), 'like', pattern),
        eb(eb.fn('lower', ['legalName']), 'like', pattern),
        eb(sql`lower(array_to_string(trading_names, ' '))`, 'like', pattern),
      ]),
    )
  }
  return toPage(await query.execute(), limit)
}

export type CustomerGroup = { rootId: string; memberIds: string[] }

/**
 * The company group a customer belongs to: its top parent and every company under it.
 * Credit exposure and limits can be set on the group.
 */
export async function customerGroup(ctx: Ctx, customerId: string): Promise<CustomerGroup> {
  const known = groupsOfTransaction.get(ctx)?.get(customerId)
  if (known) return known
  const result = await sql<{ rootId: string; memberId: string }>`
    with recursive up (id, parent_id, depth) as (
      select id, parent_id, 0 from customer where id = ${customerId}
      union all
      select c.id, c.parent_id, up.depth + 1 from customer c join up on c.id = up.parent_id
      where up.depth < 100
    ), root as (
      select id from up where parent_id is null limit 1
    ), down (id, depth) as (
      select id, 0 from root
      union all
      select c.id, down.depth + 1 from customer c join down on c.parent_id = down.id
      where down.depth < 100
    )
    select (select id from root) as root_id, id as member_id from down`.execute(ctx.db)
  if (result.rows.length === 0) throw notFound('customer', customerId)
  const group = { rootId: result.rows[0].rootId, memberIds: result.rows.map((r) => r.memberId) }
  const groups = groupsOfTransaction.get(ctx) ?? new Map<string, CustomerGroup>()
  for (const memberId of group.memberIds) groups.set(memberId, group)
  groupsOfTransaction.set(ctx, groups)
  return group
}

// A confirmation asks for the same group several times (locking, exposure, the credit check);
// within one transaction the answer is kept, and forgotten when a parent may have changed.
const groupsOfTransaction = new WeakMap<Ctx, Map<string, CustomerGroup>>()

export function forgetCustomerGroups(ctx: Ctx): void {
  groupsOfTransaction.delete(ctx)
}
