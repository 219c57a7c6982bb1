import { sql } from 'kysely'
import { addDays, calendarDateAt } from '../../../core/dates.js'
import { domainError, type FieldIssue, invalid, notFound } from '../../../core/errors.js'
import { isUuid, newId } from '../../../core/ids.js'
import {
  compareDecimal,
  type Decimal,
  formatAmount,
  formatDecimal,
  parseAmount,
  parseDecimal,
} from '../../../core/money.js'
import { decodeCursor, encodeCursor, type Page } from '../../../core/pagination.js'
import type { Ctx } from '../../../db/context.js'
import { recordAudit } from '../../audit/index.js'
import {
  type CreditRequest,
  creditInvoice,
  getInvoice,
  type Invoice,
  lockOpenAmounts,
  recordInvoiceStep,
} from '../../invoicing/index.js'
import { emitEvent } from '../../outbox/index.js'
import { queueCustomerNotice } from '../notices.js'
import type { CollectionSource, DisputeCategory, DisputeStatus } from '../tables.js'
import './errors.js'
import {
  type DisputeNoticeFacts,
  disputeOpenedNotice,
  disputeRejectedNotice,
  disputeResolvedNotice,
  disputeWithdrawnNotice,
} from './wording.js'

// Disputes (issue 7): a customer contests an issued invoice, or lines of it. While a dispute
// is open or investigating its amount is held from dunning (the run reads the dispute table);
// it ends resolved (with or without a credit note that the dispute itself creates and links),
// rejected (dunning resumes and the customer is told why) or withdrawn.
//
// Every change follows the same rhythm: lock the dispute (and, on opening, the invoice, so two
// disputes opened at once cannot together dispute more than is open), check, write, audit,
// tell (outbox event, the invoice's timeline, a notice to the customer) in one transaction.

/** Days to resolve per category when the tenant has no collection_settings row (0022). */
export const disputeSlaDaysDefault: Record<DisputeCategory, number> = {
  price: 10,
  quantity: 10,
  quality: 15,
  not_delivered: 5,
  duplicate: 5,
  other: 15,
}

// A dispute names the lines it contests; an invoice has at most 2,000 lines (invoicing).
export const disputeLinesMax = 2_000
const descriptionLengthMax = 5_000
const noteLengthMax = 5_000
const rootCauseLengthMax = 200

/** Amounts are decimal strings in the invoice's currency ("121.00"), as the API speaks. */
export type DisputeLineInput = {
  lineNumber: number
  amount: string
  /** How much of the line's quantity is contested (a quantity dispute), when it is. */
  quantity?: string
}

export type OpenDisputeInput = {
  invoiceId: string
  category: DisputeCategory
  description: string
  /** The amount for the whole invoice; or give lines, and the amount is their sum. */
  amount?: string
  lines?: readonly DisputeLineInput[]
  /** A user of the tenant (their e-mail) who handles the dispute. */
  owner?: string | null
  openedVia: CollectionSource
}

export type DisputeLine = {
  lineNumber: number
  itemCode: string
  description: string
  disputedMinor: bigint
  quantity: string | null
}

export type DisputeAttachmentSummary = {
  id: string
  fileName: string
  contentType: string
  sizeBytes: number
  sha256: string
  addedAt: Date
  addedBy: string
}

export type Dispute = {
  id: string
  number: string
  invoiceId: string
  invoiceNumber: string
  customerId: string
  category: DisputeCategory
  disputedMinor: bigint
  currency: string
  description: string
  status: DisputeStatus
  owner: string | null
  slaDueOn: string
  slaOverdue: boolean
  openedVia: CollectionSource
  openedAt: Date
  openedBy: string
  resolutionNote: string | null
  rootCause: string | null
  creditNoteId: string | null
  creditNoteNumber: string | null
  closedAt: Date | null
  closedBy: string | null
  version: number
  lines: DisputeLine[]
  attachments: DisputeAttachmentSummary[]
}

/** The statuses in which a dispute holds its amount from dunning. */
export const activeDisputeStatuses = ['open', 'investigating'] as const

/** Opens a dispute on an issued invoice; nothing is written when a check fails. */
export async function openDispute(ctx: Ctx, input: OpenDisputeInput): Promise<Dispute> {
  const issues = openIssues(input)
  if (issues.length > 0) throw invalid(issues)
  if (!isUuid(input.invoiceId)) throw invoiceNotOpen(input.invoiceId)
  const open = (await lockOpenAmounts(ctx, [input.invoiceId])).get(input.invoiceId)
  if (!open) throw invoiceNotOpen(input.invoiceId)
  const invoice = await getInvoice(ctx, input.invoiceId)
  const lines = input.lines ? disputedLines(invoice, input.lines) : []
  const disputedMinor = input.lines
    ? lines.reduce((sum, l) => sum + l.disputedMinor, 0n)
    : amountIn(input.amount as string, invoice.currency, 'amount')
  const alreadyMinor = await activeDisputedMinor(ctx, input.invoiceId)
  const disputableMinor = open.openMinor - alreadyMinor
  if (disputedMinor > disputableMinor) {
    const f = (m: bigint) => formatAmount(m, open.currency)
    throw domainError(
      'collections.dispute_exceeds_open',
      `${open.number} has ${f(open.openMinor)} ${open.currency} open, of which ` +
        `${f(alreadyMinor)} is disputed already; ${f(disputedMinor)} cannot be disputed`,
      {
        field: input.lines ? 'lines' : 'amount',
        invoice: open.number,
        openAmount: f(open.openMinor),
        disputedAlready: f(alreadyMinor),
        requestedAmount: f(disputedMinor),
      },
    )
  }
  const owner = input.owner ? await checkOwner(ctx, input.owner) : null
  const openedOn = calendarDateAt(ctx.now, ctx.timeZone)
  const slaDueOn = addDays(openedOn, await slaDays(ctx, input.category))
  const number = await nextDisputeNumber(ctx, Number(openedOn.slice(0, 4)))

  const id = newId()
  await ctx.db
    .insertInto('dispute')
    .values({
      tenantId: ctx.tenantId,
      id,
      number,
      invoiceId: invoice.id,
      customerId: invoice.customerId,
      category: input.category,
      disputedMinor,
      currency: invoice.currency,
      description: input.description.trim(),
      owner,
      slaDueOn,
      openedVia: input.openedVia,
      openedAt: ctx.now,
      openedBy: ctx.actor.name,
    })
    .execute()
  if (lines.length > 0) {
    await ctx.db
      .insertInto('disputeLine')
      .values(
        lines.map((l) => ({
          tenantId: ctx.tenantId,
          disputeId: id,
          invoiceId: invoice.id,
          lineNumber: l.lineNumber,
          disputedMinor: l.disputedMinor,
          quantity: l.quantity,
        })),
      )
      .execute()
  }
  const amount = formatAmount(disputedMinor, invoice.currency)
  await recordInvoiceStep(ctx, invoice.id, 'disputed', {
    ...(input.openedVia === 'pay_page' ? { channel: 'pay_page' as const } : {}),
    detail: { dispute_id: id, dispute_number: number, category: input.category, amount },
  })
  await recordAudit(ctx, {
    entityType: 'dispute',
    entityId: id,
    action: 'opened',
    after: {
      number,
      invoice_id: invoice.id,
      category: input.category,
      amount,
      currency: invoice.currency,
      lines: lines.map((l) => ({
        line_number: l.lineNumber,
        amount: formatAmount(l.disputedMinor, invoice.currency),
        quantity: l.quantity,
      })),
      owner,
      sla_due_on: slaDueOn,
      opened_via: input.openedVia,
    },
  })
  await emitEvent(ctx, {
    type: 'collections.dispute_opened',
    entityType: 'dispute',
    entityId: id,
    payload: {
      dispute_id: id,
      number,
      invoice_id: invoice.id,
      customer_id: invoice.customerId,
      category: input.category,
      amount,
      currency: invoice.currency,
      sla_due_on: slaDueOn,
      opened_via: input.openedVia,
    },
  })
  const facts = noticeFacts(invoice, { number, disputedMinor, slaDueOn })
  await queueCustomerNotice(ctx, {
    customerId: invoice.customerId,
    kind: 'dispute_opened',
    invoiceId: invoice.id,
    ...disputeOpenedNotice(facts),
  })
  return getDispute(ctx, id)
}

/** The checks that need no database: which fields are wrong, all at once. */
function openIssues(input: OpenDisputeInput): FieldIssue[] {
  const issues: FieldIssue[] = []
  const hasAmount = input.amount !== undefined
  const hasLines = input.lines !== undefined
  if (hasAmount === hasLines) {
    issues.push({ field: 'amount', message: 'give amount (the whole invoice) or lines, not both' })
  }
  if (input.lines) {
    if (input.lines.length === 0) issues.push({ field: 'lines', message: 'name at least one line' })
    if (input.lines.length > disputeLinesMax) {
      issues.push({ field: 'lines', message: `at most ${disputeLinesMax} lines` })
    }
    const seen = new Set<number>()
    input.lines.forEach((l, i) => {
      if (seen.has(l.lineNumber)) {
        issues.push({ field: `lines[${i}].line_number`, message: 'is named twice' })
      }
      seen.add(l.lineNumber)
      const quantity = l.quantity === undefined ? undefined : parseDecimal(l.quantity, 6)
      if (l.quantity !== undefined && (!quantity || quantity.units <= 0n)) {
        issues.push({
          field: `lines[${i}].quantity`,
          message: 'must be a decimal more than zero, at most 6 decimals',
        })
      }
    })
  }
  const description = input.description.trim()
  if (description === '') issues.push({ field: 'description', message: 'say what is wrong' })
  if (description.length > descriptionLengthMax) {
    issues.push({ field: 'description', message: `at most ${descriptionLengthMax} characters` })
  }
  return issues
}

function disputedLines(invoice: Invoice, given: readonly DisputeLineInput[]) {
  return given.map((g, i) => {
    const line = invoice.lines.find((l) => l.lineNumber === g.lineNumber)
    if (!line) {
      throw domainError(
        'collections.dispute_line_unknown',
        `lines[${i}].line_number: invoice ${invoice.number} has no line ${g.lineNumber}`,
        { field: `lines[${i}].line_number`, invoice: invoice.number, lineNumber: g.lineNumber },
      )
    }
    const quantity = g.quantity === undefined ? undefined : (parseDecimal(g.quantity, 6) as Decimal)
    if (quantity && compareDecimal(quantity, line.quantity) > 0) {
      throw invalid([
        {
          field: `lines[${i}].quantity`,
          message: `is more than the ${formatDecimal(line.quantity)} invoiced on line ${g.lineNumber}`,
        },
      ])
    }
    return {
      lineNumber: g.lineNumber,
      disputedMinor: amountIn(g.amount, invoice.currency, `lines[${i}].amount`),
      quantity: quantity ? formatDecimal(quantity) : null,
    }
  })
}

/** A decimal string in the currency, more than zero; else a 400 naming the field. */
function amountIn(text: string, currency: string, field: string): bigint {
  const minor = parseAmount(text, currency)
  if (minor === undefined || minor <= 0n) {
    throw invalid([
      { field, message: `must be an amount in ${currency} more than zero, such as "121.00"` },
    ])
  }
  return minor
}

function invoiceNotOpen(invoiceId: string) {
  return domainError(
    'collections.dispute_invoice_not_open',
    `invoice_id: ${invoiceId} is not an issued invoice of this tenant`,
    { field: 'invoice_id', invoiceId },
  )
}

/** What open and investigating disputes hold of an invoice already. */
async function activeDisputedMinor(ctx: Ctx, invoiceId: string, exceptId?: string) {
  let query = ctx.db
    .selectFrom('dispute')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<bigint>('disputedMinor'), sql<bigint>`0`).as('sum'))
    .where('tenantId', '=', ctx.tenantId)
    .where('invoiceId', '=', invoiceId)
    .where('status', 'in', activeDisputeStatuses)
  if (exceptId) query = query.where('id', '<>', exceptId)
  const row = await query.executeTakeFirstOrThrow()
  return BigInt(row.sum)
}

async function checkOwner(ctx: Ctx, owner: string): Promise<string> {
  const email = owner.trim().toLowerCase()
  const user = await ctx.db
    .selectFrom('appUser')
    .select('email')
    .where('tenantId', '=', ctx.tenantId)
    .where(sql<string>`lower(email)`, '=', email)
    .where('status', '=', 'active')
    .executeTakeFirst()
  if (!user) {
    throw domainError(
      'collections.dispute_owner_unknown',
      `owner: ${owner} is not an active user of this tenant`,
      { field: 'owner', owner },
    )
  }
  return user.email
}

async function slaDays(ctx: Ctx, category: DisputeCategory): Promise<number> {
  const settings = await ctx.db
    .selectFrom('collectionSettings')
    .select('disputeSlaDays')
    .where('tenantId', '=', ctx.tenantId)
    .executeTakeFirst()
  const days = settings?.disputeSlaDays?.[category]
  return typeof days === 'number' && Number.isInteger(days) && days >= 0
    ? days
    : disputeSlaDaysDefault[category]
}

/** D-YYYY-NNNNN: the next number of the year for this tenant (unique; gaps allowed). */
async function nextDisputeNumber(ctx: Ctx, year: number): Promise<string> {
  const row = await ctx.db
    .insertInto('disputeNumberCounter')
    .values({ tenantId: ctx.tenantId, year, lastNumber: 1 })
    .onConflict((oc) =>
      oc
        .columns(['tenantId', 'year'])
        .doUpdateSet((eb) => ({ lastNumber: eb('disputeNumberCounter.lastNumber', '+', 1) })),
    )
    .returning('lastNumber')
    .executeTakeFirstOrThrow()
  return `D-${year}-${String(row.lastNumber).padStart(5, '0')}`
}

function noticeFacts(
  invoice: Invoice,
  dispute: { number: string; disputedMinor: bigint; slaDueOn: string },
  extra: Partial<DisputeNoticeFacts> = {},
): DisputeNoticeFacts {
  return {
    language: invoice.language === 'en' ? 'en' : 'nl',
    disputeNumber: dispute.number,
    invoiceNumber: invoice.number ?? '',
    currency: invoice.currency,
    disputedMinor: dispute.disputedMinor,
    slaDueOn: dispute.slaDueOn,
    ...extra,
  }
}

// ── Reading ──────────────────────────────────────────────────────────────────────────────

export async function getDispute(ctx: Ctx, id: string): Promise<Dispute> {
  if (!isUuid(id)) throw notFound('dispute', id)
  const [dispute] = await disputesWhere(ctx, { ids: [id], limit: 1 })
  if (!dispute) throw notFound('dispute', id)
  const lines = await ctx.db
    .selectFrom('disputeLine as dl')
    .innerJoin('invoiceLine as il', (join) =>
      join
        .onRef('il.tenantId', '=', 'dl.tenantId')
        .onRef('il.invoiceId', '=', 'dl.invoiceId')
        .onRef('il.lineNumber', '=', 'dl.lineNumber'),
    )
    .select(['dl.lineNumber', 'il.itemCode', 'il.description', 'dl.disputedMinor', 'dl.quantity'])
    .where('dl.tenantId', '=', ctx.tenantId)
    .where('dl.disputeId', '=', id)
    .orderBy('dl.lineNumber')
    .execute()
  const attachments = await ctx.db
    .selectFrom('disputeAttachment')
    .select(['id', 'fileName', 'contentType', 'sizeBytes', 'sha256', 'addedAt', 'addedBy'])
    .where('tenantId', '=', ctx.tenantId)
    .where('disputeId', '=', id)
    .orderBy('id')
    .execute()
  return {
    ...dispute,
    lines: lines.map((l) => ({
      ...l,
      disputedMinor: BigInt(l.disputedMinor),
      quantity: l.quantity === null ? null : formatDecimal(parseDecimal(l.quantity, 6) as Decimal),
    })),
    attachments,
  }
}

export type DisputeFilter = {
  status?: readonly DisputeStatus[]
  owner?: string
  category?: DisputeCategory
  customerId?: string
  invoiceId?: string
  /** Open or investigating, past their SLA deadline; the list is then ordered by deadline. */
  slaOverdue?: boolean
  cursor?: string
  limit: number
}

/**
 * Disputes, newest first; with slaOverdue the dispute manager's list: those past their SLA
 * deadline, the longest overdue first.
 */
export async function listDisputes(ctx: Ctx, filter: DisputeFilter): Promise<Page<Dispute>> {
  const cursor = decodeCursor(filter.cursor)
  const rows = await disputesWhere(ctx, { ...filter, cursor, limit: filter.limit + 1 })
  const more = rows.length > filter.limit
  const data = more ? rows.slice(0, filter.limit) : rows
  const last = data[data.length - 1]
  const nextCursor = more
    ? encodeCursor(filter.slaOverdue ? `${last.slaDueOn}|${last.id}` : last.id)
    : null
  return { data, nextCursor }
}

async function disputesWhere(
  ctx: Ctx,
  filter: Omit<DisputeFilter, 'cursor' | 'limit'> & {
    ids?: string[]
    cursor?: string
    limit: number
  },
): Promise<Dispute[]> {
  const today = calendarDateAt(ctx.now, ctx.timeZone)
  let query = ctx.db
    .selectFrom('dispute as d')
    .innerJoin('invoice as i', (join) =>
      join.onRef('i.tenantId', '=', 'd.tenantId').onRef('i.id', '=', 'd.invoiceId'),
    )
    .leftJoin('invoice as cn', (join) =>
      join.onRef('cn.tenantId', '=', 'd.tenantId').onRef('cn.id', '=', 'd.creditNoteId'),
    )
    .selectAll('d')
    .select(['i.number as invoiceNumber', 'cn.number as creditNoteNumber'])
    .where('d.tenantId', '=', ctx.tenantId)
  if (filter.ids) query = query.where('d.id', 'in', filter.ids)
  if (filter.status && filter.status.length > 0)
    query = query.where('d.status', 'in', filter.status)
  if (filter.owner)
    query = query.where(sql<string>`lower(d.owner)`, '=', filter.owner.toLowerCase())
  if (filter.category) query = query.where('d.category', '=', filter.category)
  if (filter.customerId) query = query.where('d.customerId', '=', filter.customerId)
  if (filter.invoiceId) query = query.where('d.invoiceId', '=', filter.invoiceId)
  if (filter.slaOverdue) {
    query = query.where('d.status', 'in', activeDisputeStatuses).where('d.slaDueOn', '<', today)
    if (filter.cursor) {
      const [due, id] = filter.cursor.split('|')
      if (!due || !id || !isUuid(id)) {
        throw invalid([{ field: 'cursor', message: 'is not a cursor this API handed out' }])
      }
      query = query.where(sql<boolean>`(d.sla_due_on, d.id) > (${due}::date, ${id}::uuid)`)
    }
    query = query.orderBy('d.slaDueOn').orderBy('d.id')
  } else {
    if (filter.cursor) {
      if (!isUuid(filter.cursor)) {
        throw invalid([{ field: 'cursor', message: 'is not a cursor this API handed out' }])
      }
      query = query.where('d.id', '<', filter.cursor)
    }
    query = query.orderBy('d.id', 'desc')
  }
  const rows = await query.limit(filter.limit).execute()
  return rows.map((r) => ({
    id: r.id,
    number: r.number,
    invoiceId: r.invoiceId,
    invoiceNumber: r.invoiceNumber ?? '',
    customerId: r.customerId,
    category: r.category,
    disputedMinor: BigInt(r.disputedMinor),
    currency: r.currency,
    description: r.description,
    status: r.status,
    owner: r.owner,
    slaDueOn: r.slaDueOn,
    slaOverdue:
      (activeDisputeStatuses as readonly string[]).includes(r.status) && r.slaDueOn < today,
    openedVia: r.openedVia,
    openedAt: r.openedAt,
    openedBy: r.openedBy,
    resolutionNote: r.resolutionNote,
    rootCause: r.rootCause,
    creditNoteId: r.creditNoteId,
    creditNoteNumber: r.creditNoteNumber ?? null,
    closedAt: r.closedAt,
    closedBy: r.closedBy,
    version: r.version,
    lines: [],
    attachments: [],
  }))
}

// ── Changing ─────────────────────────────────────────────────────────────────────────────

/** Where a dispute may go from each status. */
const transitions: Record<DisputeStatus, readonly DisputeStatus[]> = {
  open: ['investigating', 'resolved', 'rejected', 'withdrawn'],
  investigating: ['resolved', 'rejected', 'withdrawn'],
  resolved: [],
  rejected: [],
  withdrawn: [],
}

type LockedDispute = {
  id: string
  number: string
  invoiceId: string
  customerId: string
  status: DisputeStatus
  owner: string | null
  disputedMinor: bigint
  currency: string
  slaDueOn: string
  version: number
}

/** Locks the dispute and checks the version the caller read (If-Match) and the move. */
async function lockDispute(
  ctx: Ctx,
  id: string,
  expectedVersion: number,
  to: DisputeStatus | 'assigned',
): Promise<LockedDispute> {
  if (!isUuid(id)) throw notFound('dispute', id)
  const row = await ctx.db
    .selectFrom('dispute')
    .select([
      'id',
      'number',
      'invoiceId',
      'customerId',
      'status',
      'owner',
      'disputedMinor',
      'currency',
      'slaDueOn',
      'version',
    ])
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst()
  if (!row) throw notFound('dispute', id)
  if (row.version !== expectedVersion) {
    throw domainError(
      'request.stale_etag',
      `Dispute ${row.number} is at version ${row.version}, not ${expectedVersion}: it changed ` +
        'since you read it; read it again',
      { field: 'If-Match', version: row.version },
    )
  }
  const allowed =
    to === 'assigned'
      ? (activeDisputeStatuses as readonly string[]).includes(row.status)
      : transitions[row.status].includes(to)
  if (!allowed) {
    throw domainError(
      'collections.dispute_transition_not_allowed',
      `Dispute ${row.number} is ${row.status}; it cannot be ${to} ` +
        `(from ${row.status}: ${transitions[row.status].join(', ') || 'nothing, it is closed'})`,
      { dispute: row.number, status: row.status, to },
    )
  }
  return { ...row, disputedMinor: BigInt(row.disputedMinor) }
}

async function saveChange(
  ctx: Ctx,
  locked: LockedDispute,
  action: string,
  change: {
    status?: DisputeStatus
    owner?: string | null
    resolutionNote?: string | null
    rootCause?: string | null
    creditNoteId?: string | null
    closes?: boolean
  },
): Promise<void> {
  await ctx.db
    .updateTable('dispute')
    .set((eb) => ({
      ...(change.status ? { status: change.status } : {}),
      ...(change.owner !== undefined ? { owner: change.owner } : {}),
      ...(change.resolutionNote !== undefined ? { resolutionNote: change.resolutionNote } : {}),
      ...(change.rootCause !== undefined ? { rootCause: change.rootCause } : {}),
      ...(change.creditNoteId !== undefined ? { creditNoteId: change.creditNoteId } : {}),
      ...(change.closes ? { closedAt: ctx.now, closedBy: ctx.actor.name } : {}),
      version: eb('version', '+', 1),
    }))
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', locked.id)
    .execute()
  const { closes: _closes, ...after } = change
  await recordAudit(ctx, {
    entityType: 'dispute',
    entityId: locked.id,
    action,
    before: { status: locked.status, owner: locked.owner, version: locked.version },
    after: {
      ...Object.fromEntries(
        Object.entries(after).map(([k, v]) => [
          k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
          v,
        ]),
      ),
      version: locked.version + 1,
    },
  })
}

/** open → investigating: someone is looking into it. */
export async function investigateDispute(
  ctx: Ctx,
  id: string,
  expectedVersion: number,
  options: { note?: string } = {},
): Promise<Dispute> {
  const locked = await lockDispute(ctx, id, expectedVersion, 'investigating')
  await saveChange(ctx, locked, 'investigating', { status: 'investigating' })
  if (options.note) await recordAudit(ctx, disputeNote(locked.id, options.note))
  await announce(ctx, locked, 'collections.dispute_investigating')
  return getDispute(ctx, id)
}

/** Gives the dispute an owner (a user of the tenant), or none. */
export async function assignDispute(
  ctx: Ctx,
  id: string,
  expectedVersion: number,
  owner: string | null,
): Promise<Dispute> {
  const locked = await lockDispute(ctx, id, expectedVersion, 'assigned')
  const email = owner ? await checkOwner(ctx, owner) : null
  await saveChange(ctx, locked, 'assigned', { owner: email })
  return getDispute(ctx, id)
}

/** How a dispute is resolved: with a credit note of the disputed amount, part of it, or none. */
export type DisputeCredit =
  | { kind: 'disputed' }
  | { kind: 'amount'; amount: string }
  | { kind: 'lines'; lines: { lineNumber: number; quantity: string }[] }

export type ResolveDisputeInput = {
  rootCause: string
  resolutionNote: string
  /** Without: resolved without a credit note (the explanation was accepted). */
  credit?: DisputeCredit
}

/**
 * Resolves a dispute. With a credit, the dispute creates and issues the credit note through
 * invoicing (creditInvoice) and links it; a credit note larger than the disputed amount is
 * refused and nothing is written.
 *
 *   await resolveDispute(ctx, id, 3, { rootCause: 'wrong price list', resolutionNote: '…',
 *     credit: { kind: 'disputed' } })
 */
export async function resolveDispute(
  ctx: Ctx,
  id: string,
  expectedVersion: number,
  input: ResolveDisputeInput,
): Promise<Dispute> {
  const rootCause = input.rootCause.trim()
  const resolutionNote = input.resolutionNote.trim()
  const issues: FieldIssue[] = []
  if (rootCause === '' || rootCause.length > rootCauseLengthMax) {
    issues.push({ field: 'root_cause', message: `1 to ${rootCauseLengthMax} characters` })
  }
  if (resolutionNote === '' || resolutionNote.length > noteLengthMax) {
    issues.push({ field: 'resolution_note', message: `1 to ${noteLengthMax} characters` })
  }
  if (issues.length > 0) throw invalid(issues)
  const locked = await lockDispute(ctx, id, expectedVersion, 'resolved')

  let creditNote: Invoice | undefined
  if (input.credit) {
    const request: CreditRequest = {
      ...creditRequestOf(input.credit, locked),
      reason: `Dispute ${locked.number}: ${resolutionNote}`.slice(0, 2_000),
      customerId: locked.customerId,
    }
    creditNote = await creditInvoice(ctx, locked.invoiceId, request)
    const creditedMinor = creditNote.totals.payableMinor
    if (creditedMinor > locked.disputedMinor) {
      // Thrown inside the transaction: the credit note just made is rolled back with it.
      const f = (m: bigint) => formatAmount(m, locked.currency)
      throw domainError(
        'collections.dispute_credit_exceeds_disputed',
        `credit: the credit note would be ${f(creditedMinor)} ${locked.currency}; dispute ` +
          `${locked.number} disputes ${f(locked.disputedMinor)}`,
        {
          field: 'credit',
          creditAmount: f(creditedMinor),
          disputedAmount: f(locked.disputedMinor),
        },
      )
    }
  }
  await saveChange(ctx, locked, 'resolved', {
    status: 'resolved',
    rootCause,
    resolutionNote,
    creditNoteId: creditNote?.id ?? null,
    closes: true,
  })
  const invoice = await getInvoice(ctx, locked.invoiceId)
  await queueCustomerNotice(ctx, {
    customerId: locked.customerId,
    kind: 'dispute_resolved',
    invoiceId: locked.invoiceId,
    ...disputeResolvedNotice(
      noticeFacts(invoice, locked, {
        note: resolutionNote,
        ...(creditNote
          ? {
              creditNote: {
                number: creditNote.number ?? '',
                amountMinor: creditNote.totals.payableMinor,
              },
            }
          : {}),
      }),
    ),
  })
  await announce(ctx, locked, 'collections.dispute_resolved', {
    root_cause: rootCause,
    credit_note_id: creditNote?.id ?? null,
    credited_amount: creditNote
      ? formatAmount(creditNote.totals.payableMinor, locked.currency)
      : null,
  })
  return getDispute(ctx, id)
}

type CreditShape =
  | { kind: 'amount'; amountMinor: bigint }
  | { kind: 'lines'; lines: { lineNumber: number; quantity: Decimal }[] }

function creditRequestOf(credit: DisputeCredit, locked: LockedDispute): CreditShape {
  switch (credit.kind) {
    case 'disputed':
      return { kind: 'amount', amountMinor: locked.disputedMinor }
    case 'amount':
      return {
        kind: 'amount',
        amountMinor: amountIn(credit.amount, locked.currency, 'credit.amount'),
      }
    case 'lines':
      return {
        kind: 'lines',
        lines: credit.lines.map((l, i) => {
          const quantity = parseDecimal(l.quantity, 6)
          if (!quantity || quantity.units <= 0n) {
            throw invalid([
              { field: `credit.lines[${i}].quantity`, message: 'must be a decimal more than zero' },
            ])
          }
          return { lineNumber: l.lineNumber, quantity }
        }),
      }
  }
}

/** Rejects a dispute: dunning resumes, and the customer is told why in their language. */
export async function rejectDispute(
  ctx: Ctx,
  id: string,
  expectedVersion: number,
  input: { resolutionNote: string; rootCause?: string },
): Promise<Dispute> {
  const resolutionNote = input.resolutionNote.trim()
  const rootCause = input.rootCause?.trim() || null
  const issues: FieldIssue[] = []
  if (resolutionNote === '' || resolutionNote.length > noteLengthMax) {
    issues.push({
      field: 'resolution_note',
      message: `explain to the customer why (1 to ${noteLengthMax} characters)`,
    })
  }
  if (rootCause && rootCause.length > rootCauseLengthMax) {
    issues.push({ field: 'root_cause', message: `at most ${rootCauseLengthMax} characters` })
  }
  if (issues.length > 0) throw invalid(issues)
  const locked = await lockDispute(ctx, id, expectedVersion, 'rejected')
  await saveChange(ctx, locked, 'rejected', {
    status: 'rejected',
    resolutionNote,
    rootCause,
    closes: true,
  })
  const invoice = await getInvoice(ctx, locked.invoiceId)
  await queueCustomerNotice(ctx, {
    customerId: locked.customerId,
    kind: 'dispute_rejected',
    invoiceId: locked.invoiceId,
    ...disputeRejectedNotice(noticeFacts(invoice, locked, { note: resolutionNote })),
  })
  await announce(ctx, locked, 'collections.dispute_rejected')
  return getDispute(ctx, id)
}

/** The customer (or the collector for them) withdraws the dispute; dunning resumes. */
export async function withdrawDispute(
  ctx: Ctx,
  id: string,
  expectedVersion: number,
  input: { note?: string } = {},
): Promise<Dispute> {
  const note = input.note?.trim() || null
  if (note && note.length > noteLengthMax) {
    throw invalid([{ field: 'note', message: `at most ${noteLengthMax} characters` }])
  }
  const locked = await lockDispute(ctx, id, expectedVersion, 'withdrawn')
  await saveChange(ctx, locked, 'withdrawn', {
    status: 'withdrawn',
    resolutionNote: note,
    closes: true,
  })
  const invoice = await getInvoice(ctx, locked.invoiceId)
  await queueCustomerNotice(ctx, {
    customerId: locked.customerId,
    kind: 'dispute_withdrawn',
    invoiceId: locked.invoiceId,
    ...disputeWithdrawnNotice(noticeFacts(invoice, locked)),
  })
  await announce(ctx, locked, 'collections.dispute_withdrawn')
  return getDispute(ctx, id)
}

function disputeNote(id: string, note: string) {
  return {
    entityType: 'dispute',
    entityId: id,
    action: 'noted',
    after: { note: note.slice(0, 2_000) },
  }
}

async function announce(
  ctx: Ctx,
  locked: LockedDispute,
  type: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await emitEvent(ctx, {
    type,
    entityType: 'dispute',
    entityId: locked.id,
    payload: {
      dispute_id: locked.id,
      number: locked.number,
      invoice_id: locked.invoiceId,
      customer_id: locked.customerId,
      ...extra,
    },
  })
}

export { activeDisputedMinor }

/** A dispute's id from its id or its number (D-2026-00001); not found otherwise. */
export async function disputeIdOf(ctx: Ctx, ref: string): Promise<string> {
  if (isUuid(ref)) return ref
  const row = await ctx.db
    .selectFrom('dispute')
    .select('id')
    .where('tenantId', '=', ctx.tenantId)
    .where('number', '=', ref)
    .executeTakeFirst()
  if (!row) throw notFound('dispute', ref)
  return row.id
}
