import { createHash } from 'node:crypto'
import { calendarDateAt } from '../../../core/dates.js'
import { DomainError, domainError, notFound } from '../../../core/errors.js'
import { isUuid, newId } from '../../../core/ids.js'
import type { Ctx } from '../../../db/context.js'
import { recordAudit } from '../../audit/index.js'
import { customersByNumber, getCustomer } from '../../customers/index.js'
import { documentLook } from '../../invoicing/index.js'
import { emitEvent } from '../../outbox/index.js'
import type { RenderedMessage } from '../contracts.js'
import { checkFourteenDayLetter } from '../law/index.js'
import type { DunningChannel, TemplateAudience } from '../tables.js'
import type { TemplateLanguage, TemplateText } from './default-templates.js'
import './errors.js'
import { type Letter, type LetterPart, renderLetterPdf, renderLettersPdf } from './letter-pdf.js'
import {
  audienceOf,
  costsToName,
  customerOpenItems,
  deadlineOf,
  languageOf,
  type MessageData,
  messageData,
  messageItems,
  placeholderValues,
} from './message-data.js'
import {
  fillHtml,
  fillText,
  type Placeholder,
  parseTemplate,
  placeholdersUsed,
  type TemplateToken,
} from './template-text.js'
import { resolveTemplate, shortMessageLengthMax } from './templates.js'

// Rendering a dunning message: its template (the tenant's override or o2c's default) filled
// with the message's items as they stand now, as text, HTML (e-mail) and PDF (letter). A
// consumer's 14-day letter is checked against the law before it is rendered, so a letter
// that would make no costs due is never sent. And the print batch: a run's letters in one PDF.

/** Renders a stored dunning message (dunning_message row) with its template and items. */
export async function renderDunningMessage(ctx: Ctx, messageId: string): Promise<RenderedMessage> {
  const { data, key, template } = await loadMessage(ctx, messageId)
  return renderWith(ctx, data, key, template)
}

/** A stored message's data (items as they stand now) and its template. */
async function loadMessage(ctx: Ctx, messageId: string) {
  if (!isUuid(messageId)) throw notFound('dunning_message', messageId)
  const message = await ctx.db
    .selectFrom('dunningMessage as m')
    .innerJoin('dunningRun as r', (join) =>
      join.onRef('r.tenantId', '=', 'm.tenantId').onRef('r.id', '=', 'm.runId'),
    )
    .select([
      'm.customerId',
      'm.channel',
      'm.templateKey',
      'm.language',
      'm.audience',
      'm.currency',
      'r.runDate',
    ])
    .where('m.tenantId', '=', ctx.tenantId)
    .where('m.id', '=', messageId)
    .executeTakeFirst()
  if (!message) throw notFound('dunning_message', messageId)
  const items = await messageItems(ctx, messageId)
  const data = await messageData(ctx, {
    customerId: message.customerId,
    language: message.language,
    audience: message.audience,
    channel: message.channel,
    currency: message.currency,
    date: message.runDate,
    items,
  })
  const template = await resolveTemplate(ctx, {
    key: message.templateKey,
    language: message.language,
    audience: message.audience,
    channel: message.channel,
  })
  return { data, key: message.templateKey, template }
}

export type TemplatePreview = {
  customerId: string
  /** A template by its id, or a text (subject and body) to try before saving it. */
  key?: string
  text?: TemplateText
  channel: DunningChannel
  /** Default: the customer's language and audience (its segment). */
  language?: TemplateLanguage
  audience?: TemplateAudience
}

/**
 * A template filled with a customer's real open items (the overdue ones when there are any),
 * totals and pay link, as of today. A text with an unknown placeholder is refused like a save.
 */
export async function previewTemplate(ctx: Ctx, preview: TemplatePreview) {
  const customer = await getCustomer(ctx, await customerIdOf(ctx, preview.customerId))
  const language = preview.language ?? languageOf(customer.language)
  const audience = preview.audience ?? audienceOf(customer.segment)
  const date = calendarDateAt(ctx.now, ctx.timeZone)
  const items = await customerOpenItems(ctx, customer.id, customer.currency, date)
  const data = await messageData(ctx, {
    customerId: customer.id,
    language,
    audience,
    channel: preview.channel,
    currency: customer.currency,
    date,
    items,
  })
  const key = preview.key ?? 'preview'
  const text =
    preview.text ??
    (await resolveTemplate(ctx, { key, language, audience, channel: preview.channel }))
  const rendered = await renderWith(ctx, data, key, text)
  return {
    ...rendered,
    language,
    audience,
    currency: customer.currency,
    itemCount: items.length,
    totalMinor: data.totalMinor,
  }
}

async function customerIdOf(ctx: Ctx, idOrNumber: string): Promise<string> {
  if (isUuid(idOrNumber)) return idOrNumber
  const found = (await customersByNumber(ctx, [idOrNumber])).get(idOrNumber)
  if (!found) throw notFound('customer', idOrNumber)
  return found.id
}

async function renderWith(
  ctx: Ctx,
  data: MessageData,
  key: string,
  template: TemplateText,
): Promise<RenderedMessage> {
  const filled = fillMessage(data, key, template)
  if (data.channel === 'email') {
    return { subject: filled.subject, text: filled.text, html: filled.html() }
  }
  if (data.channel === 'letter') {
    const pdf = await renderLetterPdf(filled.letter(), await documentLook(ctx))
    return { subject: filled.subject, text: filled.text, pdf }
  }
  return { subject: filled.subject, text: filled.text }
}

/** The template filled with the data: subject and text, and on demand the HTML or letter. */
function fillMessage(data: MessageData, key: string, template: TemplateText) {
  const subjectTokens = parseTemplate(template.subject, 'subject')
  const bodyTokens = parseTemplate(template.body, 'body')
  const used = new Set([...placeholdersUsed(subjectTokens), ...placeholdersUsed(bodyTokens)])
  if (key === 'fourteen_day_letter' && data.audience === 'consumer') {
    if (data.channel === 'letter' || data.channel === 'email') checkLetter(data, used)
  }
  const values = placeholderValues(data, used)
  const subject = fillText(subjectTokens, values.text).replace(/\s+/g, ' ').trim()
  const text = fillText(bodyTokens, values.text)
  if (
    (data.channel === 'sms' || data.channel === 'whatsapp') &&
    text.length > shortMessageLengthMax
  ) {
    throw domainError(
      'collections.template_too_long',
      `The ${data.channel} message to ${data.customer.number} is ${text.length} characters filled in; at most ${shortMessageLengthMax}`,
      { field: 'body', length: text.length, max: shortMessageLengthMax },
    )
  }
  return {
    subject,
    text,
    html: () => fillHtml(bodyTokens, values.html),
    letter: (): Letter => ({ data, subject, body: letterParts(bodyTokens, values.text) }),
  }
}

/** The body split at {{items}}, so the PDF draws the items as a table there. */
function letterParts(
  tokens: readonly TemplateToken[],
  values: Record<Placeholder, string>,
): LetterPart[] {
  const parts: LetterPart[] = []
  let run: TemplateToken[] = []
  for (const token of tokens) {
    if ('placeholder' in token && token.placeholder === 'items') {
      parts.push({ text: fillText(run, values) }, { items: true })
      run = []
    } else {
      run.push(token)
    }
  }
  parts.push({ text: fillText(run, values) })
  return parts
}

/**
 * A consumer's 14-day letter must name the costs amount, give 14 days from the day after
 * receipt and state the consequences (art. 6:96 lid 6 BW): the template does so through
 * {{costs}} or {{consequences}}, {{deadline}} and {{consequences}}.
 */
function checkLetter(data: MessageData, used: ReadonlySet<Placeholder>): void {
  const lastDue =
    data.items
      .map((i) => i.dueDate)
      .sort()
      .at(-1) ?? data.date
  const check = checkFourteenDayLetter({
    dueDate: lastDue,
    sentOn: data.date,
    paymentTerm: used.has('deadline') ? { payBy: deadlineOf(data) } : { daysAfterReceipt: 0 },
    principalMinor: data.totalMinor,
    collectionCostsNamedMinor:
      used.has('costs') || used.has('consequences') ? costsToName(data) : undefined,
    statesConsequences: used.has('consequences'),
    costsChargedMinor: 0n,
  })
  if (!check.acceptable) {
    throw domainError(
      'collections.fourteen_day_letter_invalid',
      `The 14-day letter to ${data.customer.number} is not acceptable: ${check.problems.map((p) => p.message).join('; ')}`,
      { customer: data.customer.number, problems: check.problems },
    )
  }
}

/**
 * Renders the letters of a run into one PDF for the printer (dunning_print_batch) and points
 * each letter message at it. Undefined when the run has no letters. A second call returns
 * the batch made the first time.
 */
export async function buildPrintBatch(
  ctx: Ctx,
  runId: string,
): Promise<{ batchId: string; letterCount: number } | undefined> {
  if (!isUuid(runId)) throw notFound('dunning_run', runId)
  const run = await ctx.db
    .selectFrom('dunningRun')
    .select(['id'])
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', runId)
    .forUpdate()
    .executeTakeFirst()
  if (!run) throw notFound('dunning_run', runId)
  const existing = await ctx.db
    .selectFrom('dunningPrintBatch')
    .select(['id', 'letterCount'])
    .where('tenantId', '=', ctx.tenantId)
    .where('runId', '=', runId)
    .executeTakeFirst()
  if (existing) return { batchId: existing.id, letterCount: existing.letterCount }
  const letters = await ctx.db
    .selectFrom('dunningMessage as m')
    .innerJoin('customer as c', (join) =>
      join.onRef('c.tenantId', '=', 'm.tenantId').onRef('c.id', '=', 'm.customerId'),
    )
    .select('m.id')
    .where('m.tenantId', '=', ctx.tenantId)
    .where('m.runId', '=', runId)
    .where('m.channel', '=', 'letter')
    .orderBy('c.number')
    .orderBy('m.stepPosition')
    .orderBy('m.id')
    .execute()
  if (letters.length === 0) return undefined

  // A letter that cannot be printed (a 14-day letter the law's check refuses) fails on its
  // own, with the reason, and is left out: it must not hold back the other customers' letters.
  const prepared: Letter[] = []
  for (const letter of letters) {
    try {
      const { data, key, template } = await loadMessage(ctx, letter.id)
      prepared.push(fillMessage(data, key, template).letter())
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      await ctx.db
        .updateTable('dunningMessage')
        .set({ status: 'failed', failure: `${error.code}: ${error.message}`.slice(0, 2000) })
        .where('tenantId', '=', ctx.tenantId)
        .where('id', '=', letter.id)
        .execute()
    }
  }
  if (prepared.length === 0) return undefined
  const pdf = Buffer.from(
    await renderLettersPdf(prepared, await documentLook(ctx), `Dunning letters, run ${runId}`),
  )
  const sha256 = createHash('sha256').update(pdf).digest('hex')
  const batchId = newId()
  await ctx.db
    .insertInto('dunningPrintBatch')
    .values({
      tenantId: ctx.tenantId,
      id: batchId,
      runId,
      letterCount: prepared.length,
      pdf,
      sha256,
      createdAt: ctx.now,
    })
    .execute()
  await ctx.db
    .updateTable('dunningMessage')
    .set({ printBatchId: batchId })
    .where('tenantId', '=', ctx.tenantId)
    .where('runId', '=', runId)
    .where('channel', '=', 'letter')
    .where('status', '<>', 'failed')
    .execute()
  const after = { run_id: runId, letter_count: prepared.length, sha256, bytes: pdf.length }
  await recordAudit(ctx, {
    entityType: 'dunning_print_batch',
    entityId: batchId,
    action: 'created',
    after,
  })
  await emitEvent(ctx, {
    type: 'dunning_print_batch.created',
    entityType: 'dunning_print_batch',
    entityId: batchId,
    payload: { id: batchId, ...after },
  })
  return { batchId, letterCount: prepared.length }
}

/** The print batch's PDF and what it holds, or not found when the run has none (yet). */
export async function printBatchPdf(ctx: Ctx, runId: string) {
  if (!isUuid(runId)) throw notFound('dunning_run', runId)
  const batch = await ctx.db
    .selectFrom('dunningPrintBatch')
    .select(['id', 'letterCount', 'pdf', 'sha256', 'createdAt'])
    .where('tenantId', '=', ctx.tenantId)
    .where('runId', '=', runId)
    .executeTakeFirst()
  if (!batch?.pdf) throw notFound('dunning_print_batch', runId)
  return { ...batch, pdf: new Uint8Array(batch.pdf) }
}
