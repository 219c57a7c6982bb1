import { createHash } from 'node:crypto'
import { canonicalJson } from '../../../core/canonical-json.js'
import { type CalendarDate, calendarDateAt } from '../../../core/dates.js'
import { DomainError, domainError, notFound } from '../../../core/errors.js'
import { isUuid, newId } from '../../../core/ids.js'
import { formatAmount } from '../../../core/money.js'
import { decodeCursor, encodeCursor, pageSizeDefault } from '../../../core/pagination.js'
import type { Ctx } from '../../../db/context.js'
import { recordAudit } from '../../audit/index.js'
import { emitEvent } from '../../outbox/index.js'
import '../errors.js'
import type { RemittanceAdvice } from '../matching/model.js'
import type { AdviceStatus } from '../tables.js'
import { type AdviceFallback, completeAdvice } from './advice.js'
import {
  type AdviceDocument,
  contentHash,
  documentKind,
  parseAdviceDocument,
  readAdviceMail,
} from './documents.js'
import type { AdviceDraft, AdviceGiven, AdviceSource, ParsedAdvice } from './model.js'

// Remittance advices received and kept: from a file (`o2c cashapp remittance FILE`, an
// upload), a mail (the inbound SMTP listener, an .eml file) or the API's JSON. Each advice is
// read whole before anything is written, then stored with its lines, audited and announced
// (`remittance_advice.received`) in the caller's transaction. The same file again — the
// same bytes, by SHA-256 — is recognised and answered with the advice stored the first time.
//
// The matching reads the advices not yet used (openRemittanceAdvices) into its book; the
// application layer marks the ones it applied (markAdvicesUsed).

export type RemittanceAdviceOut = {
  id: string
  source: AdviceSource
  status: AdviceStatus
  payer_name: string | null
  payer_iban: string | null
  currency: string
  amount: string
  total_stated: boolean
  date: string
  file_name: string
  sender: string | null
  bank_entry_id: string | null
  created_at: string
  created_by: string
  lines: { invoice_number: string; amount: string; line: number }[]
}

export type AdviceReceipt = {
  advice: RemittanceAdviceOut
  /** The same file was received before: nothing was stored, `advice` is the earlier one. */
  alreadyReceived: boolean
}

/**
 * Receives one advice file (CSV, text, PDF; a mail file is opened into its parts).
 *
 *   await receiveRemittanceFile(ctx, { fileName: 'advies.csv', bytes }, { payerName: 'Jansen' })
 */
export async function receiveRemittanceFile(
  ctx: Ctx,
  document: AdviceDocument,
  given: AdviceGiven = {},
): Promise<AdviceReceipt[]> {
  if (documentKind(document) === 'mail') {
    return receiveRemittanceMail(ctx, document.bytes, { fileName: document.fileName, given })
  }
  const parsed = await parseAdviceDocument(document)
  const draft = completeAdvice(parsed, given, await fallbackOf(ctx), document.fileName)
  return [await storeAdvice(ctx, draft, fileFacts(document))]
}

/**
 * Receives a mail: its body and its CSV, text and PDF attachments, each an advice. With an
 * attachment, the body ("see the attachment") counts only when it reads as an advice; without
 * one, the body is the advice and a body that is none refuses the mail. The sender's display
 * name is the payer when the advice states none, and the mail's date its date.
 */
export async function receiveRemittanceMail(
  ctx: Ctx,
  raw: Uint8Array,
  options: { fileName?: string; given?: AdviceGiven } = {},
): Promise<AdviceReceipt[]> {
  const mail = await readAdviceMail(raw, options.fileName)
  const base = await fallbackOf(ctx)
  const fallback: AdviceFallback = {
    currency: base.currency,
    date: mail.date ?? base.date,
    payerName: mail.fromName ?? undefined,
  }
  const [body, ...attachments] = mail.documents
  if (!body) {
    throw domainError(
      'cashapp.remittance_empty',
      `The mail${mail.subject ? ` "${mail.subject}"` : ''} has no text and no CSV or PDF ` +
        'attachment; nothing was imported',
      { file: options.fileName ?? 'mail' },
    )
  }
  // Every part is read before anything is stored: a mail is received whole or not at all.
  const drafts: { draft: AdviceDraft; document: AdviceDocument }[] = []
  for (const document of mail.documents) {
    try {
      const parsed = await parseAdviceDocument(document)
      const draft = completeAdvice(parsed, options.given ?? {}, fallback, document.fileName)
      drafts.push({ draft, document })
    } catch (error) {
      const bodyBesideAttachments = document === body && attachments.length > 0
      if (bodyBesideAttachments && error instanceof DomainError) continue
      throw error
    }
  }
  const receipts: AdviceReceipt[] = []
  for (const { draft, document } of drafts) {
    const facts = { ...fileFacts(document), sender: mail.fromAddress }
    receipts.push(await storeAdvice(ctx, draft, facts))
  }
  return receipts
}

/** An advice given as data (the API's JSON form): amounts as decimal strings. */
export type AdviceInput = AdviceGiven & {
  currency: string
  /** The stated total; the sum of the lines when absent. */
  total?: string
  lines: { invoiceNumber: string; amount: string }[]
}

export async function receiveRemittanceAdvice(
  ctx: Ctx,
  input: AdviceInput,
): Promise<AdviceReceipt> {
  const parsed: ParsedAdvice = {
    source: 'api',
    lines: input.lines.map((line, index) => ({
      invoiceNumber: line.invoiceNumber,
      amount: line.amount,
      place: { line: index + 1, column: `lines[${index}].amount` },
    })),
    total:
      input.total === undefined
        ? undefined
        : { amount: input.total, place: { line: input.lines.length + 1, column: 'total' } },
  }
  const fileName = 'API request'
  const draft = completeAdvice(parsed, input, await fallbackOf(ctx), fileName)
  const hash = createHash('sha256').update(canonicalJson(input)).digest('hex')
  return storeAdvice(ctx, draft, { fileName, contentHash: hash, sender: null })
}

type StoredFacts = { fileName: string; contentHash: string; sender: string | null }

function fileFacts(document: AdviceDocument): StoredFacts {
  return {
    fileName: document.fileName.slice(0, 255) || 'unnamed',
    contentHash: contentHash(document.bytes),
    sender: null,
  }
}

/** What an advice that states neither currency nor date has: the tenant's, and today. */
async function fallbackOf(ctx: Ctx): Promise<AdviceFallback> {
  const tenant = await ctx.db
    .selectFrom('tenant')
    .select('baseCurrency')
    .where('tenantId', '=', ctx.tenantId)
    .executeTakeFirstOrThrow()
  return { currency: tenant.baseCurrency, date: calendarDateAt(ctx.now, ctx.timeZone) }
}

async function storeAdvice(
  ctx: Ctx,
  draft: AdviceDraft,
  facts: StoredFacts,
): Promise<AdviceReceipt> {
  const id = newId()
  // On conflict: the same file, received before (or by a request racing this one).
  const inserted = await ctx.db
    .insertInto('remittanceAdvice')
    .values({
      tenantId: ctx.tenantId,
      id,
      source: draft.source,
      payerName: draft.payerName,
      payerIban: draft.payerIban,
      currency: draft.currency,
      amountMinor: draft.amountMinor,
      totalStated: draft.totalStated,
      adviceDate: draft.date,
      fileName: facts.fileName,
      contentHash: facts.contentHash,
      sender: facts.sender?.slice(0, 320) ?? null,
      createdAt: ctx.now,
      createdBy: ctx.actor.name,
    })
    .onConflict((oc) => oc.columns(['tenantId', 'contentHash']).doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!inserted) {
    const earlier = await ctx.db
      .selectFrom('remittanceAdvice')
      .select('id')
      .where('tenantId', '=', ctx.tenantId)
      .where('contentHash', '=', facts.contentHash)
      .executeTakeFirstOrThrow()
    return { advice: await getRemittanceAdvice(ctx, earlier.id), alreadyReceived: true }
  }
  await ctx.db
    .insertInto('remittanceAdviceLine')
    .values(
      draft.lines.map((line, position) => ({
        tenantId: ctx.tenantId,
        remittanceAdviceId: id,
        position,
        invoiceNumber: line.invoiceNumber,
        amountMinor: line.amountMinor,
        line: line.line,
      })),
    )
    .execute()
  const advice = await getRemittanceAdvice(ctx, id)
  await recordAudit(ctx, {
    entityType: 'remittance_advice',
    entityId: id,
    action: 'received',
    after: advice,
  })
  await emitEvent(ctx, {
    type: 'remittance_advice.received',
    entityType: 'remittance_advice',
    entityId: id,
    payload: {
      id,
      source: advice.source,
      payer_name: advice.payer_name,
      payer_iban: advice.payer_iban,
      currency: advice.currency,
      amount: advice.amount,
      date: advice.date,
      invoice_numbers: advice.lines.map((l) => l.invoice_number),
    },
  })
  return { advice, alreadyReceived: false }
}

export async function getRemittanceAdvice(ctx: Ctx, id: string): Promise<RemittanceAdviceOut> {
  if (!isUuid(id)) throw notFound('remittance_advice', id)
  const [advice] = await advicesWithLines(ctx, [id])
  if (!advice) throw notFound('remittance_advice', id)
  return advice
}

export type AdviceFilter = { status?: AdviceStatus; cursor?: string; limit?: number }

/** Received advices, oldest first, a page at a time. */
export async function listRemittanceAdvices(
  ctx: Ctx,
  filter: AdviceFilter = {},
): Promise<{ data: RemittanceAdviceOut[]; next_cursor: string | null }> {
  const limit = filter.limit ?? pageSizeDefault
  const after = decodeCursor(filter.cursor)
  let query = ctx.db
    .selectFrom('remittanceAdvice')
    .select('id')
    .where('tenantId', '=', ctx.tenantId)
    .orderBy('id')
    .limit(limit + 1)
  if (after) query = query.where('id', '>', after)
  if (filter.status) query = query.where('status', '=', filter.status)
  const ids = (await query.execute()).map((r) => r.id)
  const more = ids.length > limit
  const data = await advicesWithLines(ctx, more ? ids.slice(0, limit) : ids)
  return { data, next_cursor: more ? encodeCursor(data[data.length - 1].id) : null }
}

/** Advices with their lines, in the order of `ids`: two statements whatever their number. */
async function advicesWithLines(ctx: Ctx, ids: string[]): Promise<RemittanceAdviceOut[]> {
  if (ids.length === 0) return []
  const rows = await ctx.db
    .selectFrom('remittanceAdvice')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .where('id', 'in', ids)
    .execute()
  const lines = await ctx.db
    .selectFrom('remittanceAdviceLine')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .where('remittanceAdviceId', 'in', ids)
    .orderBy('remittanceAdviceId')
    .orderBy('position')
    .execute()
  const byId = new Map(rows.map((row) => [row.id, row]))
  return ids.flatMap((id) => {
    const row = byId.get(id)
    if (!row) return []
    return [
      {
        id: row.id,
        source: row.source,
        status: row.status,
        payer_name: row.payerName,
        payer_iban: row.payerIban,
        currency: row.currency,
        amount: formatAmount(row.amountMinor, row.currency),
        total_stated: row.totalStated,
        date: row.adviceDate,
        file_name: row.fileName,
        sender: row.sender,
        bank_entry_id: row.bankEntryId,
        created_at: row.createdAt.toISOString(),
        created_by: row.createdBy,
        lines: lines
          .filter((line) => line.remittanceAdviceId === id)
          .map((line) => ({
            invoice_number: line.invoiceNumber,
            amount: formatAmount(line.amountMinor, row.currency),
            line: line.line,
          })),
      },
    ]
  })
}

/**
 * The advice dates a matching run can use: the dates of its bank entries widened by
 * MatchSettings.adviceDaysMax on each side. Without it, every advice not yet used is loaded.
 */
export type AdviceWindow = { dateFrom?: CalendarDate; dateTo?: CalendarDate }

/**
 * The advices not yet used, in the matching model's shape, for the book the matching builds
 * once per run:
 *
 *   const book = buildMatchBook({ openItems, customers, advices: await openRemittanceAdvices(ctx) })
 *
 * Linked advices are included: linked is a suggestion that a person has not yet applied.
 */
export async function openRemittanceAdvices(
  ctx: Ctx,
  window: AdviceWindow = {},
): Promise<RemittanceAdvice[]> {
  let query = ctx.db
    .selectFrom('remittanceAdvice as a')
    .innerJoin('remittanceAdviceLine as l', (join) =>
      join.onRef('l.tenantId', '=', 'a.tenantId').onRef('l.remittanceAdviceId', '=', 'a.id'),
    )
    .select([
      'a.id',
      'a.payerName',
      'a.payerIban',
      'a.amountMinor',
      'a.currency',
      'a.adviceDate',
      'l.invoiceNumber',
      'l.amountMinor as lineAmountMinor',
    ])
    .where('a.tenantId', '=', ctx.tenantId)
    .where('a.status', '<>', 'used')
    .orderBy('a.id')
    .orderBy('l.position')
  if (window.dateFrom) query = query.where('a.adviceDate', '>=', window.dateFrom)
  if (window.dateTo) query = query.where('a.adviceDate', '<=', window.dateTo)
  const rows = await query.execute()
  const advices: RemittanceAdvice[] = []
  for (const row of rows) {
    let advice = advices[advices.length - 1]
    if (advice?.adviceId !== row.id) {
      advice = {
        adviceId: row.id,
        ...(row.payerName ? { payerName: row.payerName } : {}),
        ...(row.payerIban ? { payerIban: row.payerIban } : {}),
        amountMinor: row.amountMinor,
        currency: row.currency,
        date: row.adviceDate,
        lines: [],
      }
      advices.push(advice)
    }
    advice.lines.push({ invoiceNumber: row.invoiceNumber, amountMinor: row.lineAmountMinor })
  }
  return advices
}

/**
 * The matching tied these advices to a bank entry that awaits a person: they stay offered to
 * the matching, and a clerk sees which entry they belong to.
 */
export function linkRemittanceAdvices(
  ctx: Ctx,
  adviceIds: readonly string[],
  bankEntryId: string,
): Promise<void> {
  return moveAdvices(ctx, adviceIds, bankEntryId, 'linked')
}

/**
 * A payment was applied with these advices (by the application layer, in its transaction):
 * they belong to that bank entry and are no longer offered to the matching. Marking them for
 * the same entry again changes nothing; for another entry is refused.
 */
export function markAdvicesUsed(
  ctx: Ctx,
  adviceIds: readonly string[],
  bankEntryId: string,
): Promise<void> {
  return moveAdvices(ctx, adviceIds, bankEntryId, 'used')
}

async function moveAdvices(
  ctx: Ctx,
  adviceIds: readonly string[],
  bankEntryId: string,
  status: 'linked' | 'used',
): Promise<void> {
  const ids = [...new Set(adviceIds)]
  if (ids.length === 0) return
  const unknown = ids.find((id) => !isUuid(id))
  if (unknown) throw notFound('remittance_advice', unknown)
  const rows = await ctx.db
    .selectFrom('remittanceAdvice')
    .select(['id', 'status', 'bankEntryId'])
    .where('tenantId', '=', ctx.tenantId)
    .where('id', 'in', ids)
    .forUpdate()
    .execute()
  const missing = ids.find((id) => !rows.some((row) => row.id === id))
  if (missing) throw notFound('remittance_advice', missing)
  const entry = isUuid(bankEntryId)
    ? await ctx.db
        .selectFrom('bankEntry')
        .select('id')
        .where('tenantId', '=', ctx.tenantId)
        .where('id', '=', bankEntryId)
        .executeTakeFirst()
    : undefined
  if (!entry) throw notFound('bank_entry', bankEntryId)
  const elsewhere = rows.find((row) => row.status === 'used' && row.bankEntryId !== bankEntryId)
  if (elsewhere) {
    throw domainError(
      'cashapp.remittance_advice_used',
      `Remittance advice ${elsewhere.id} was used for bank entry ${elsewhere.bankEntryId}`,
      { remittance_advice_id: elsewhere.id, bank_entry_id: elsewhere.bankEntryId },
    )
  }
  // Used stays used (a later link does not undo it); the same state again changes nothing.
  const moving = rows.filter(
    (row) => row.status !== 'used' && !(row.status === status && row.bankEntryId === bankEntryId),
  )
  if (moving.length === 0) return
  await ctx.db
    .updateTable('remittanceAdvice')
    .set({ status, bankEntryId, statusChangedAt: ctx.now, statusChangedBy: ctx.actor.name })
    .where('tenantId', '=', ctx.tenantId)
    .where(
      'id',
      'in',
      moving.map((row) => row.id),
    )
    .execute()
  for (const row of moving) {
    await recordAudit(ctx, {
      entityType: 'remittance_advice',
      entityId: row.id,
      action: status,
      before: { status: row.status, bank_entry_id: row.bankEntryId },
      after: { status, bank_entry_id: bankEntryId },
    })
  }
}
