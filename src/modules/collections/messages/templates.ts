import { domainError, invalid } from '../../../core/errors.js'
import type { Ctx } from '../../../db/context.js'
import { recordAudit } from '../../audit/index.js'
import { emitEvent } from '../../outbox/index.js'
import {
  type DunningChannel,
  dunningChannels,
  type TemplateAudience,
  templateAudiences,
} from '../tables.js'
import {
  defaultTemplate,
  type TemplateLanguage,
  type TemplateText,
  templateKeys,
  templateLanguages,
} from './default-templates.js'
import './errors.js'
import { parseTemplate } from './template-text.js'

// The templates a tenant's messages are written with: o2c's defaults (default-templates.ts)
// and the tenant's overrides in dunning_template. An override is checked whole before it is
// saved (every placeholder known, the text within bounds), so a run never meets a template
// it cannot fill.

export type TemplateId = {
  key: string
  language: TemplateLanguage
  audience: TemplateAudience
  channel: DunningChannel
}

export type DunningTemplate = TemplateId &
  TemplateText & {
    /** default: shipped with o2c; override: the tenant's own wording. */
    source: 'default' | 'override'
    /** An override's version (its ETag); null for a default. */
    version: number | null
    /** Whether o2c ships a default under this id (deleting the override brings it back). */
    hasDefault: boolean
    updatedAt: Date | null
    updatedBy: string | null
  }

export const templateKeyPattern = /^[a-z0-9_.-]{1,64}$/
export const subjectLengthMax = 300
export const bodyLengthMax = 20_000
/** An SMS or WhatsApp message, filled in: two SMS parts of 160 characters. */
export const shortMessageLengthMax = 320

/** Every template: the defaults, with the tenant's overrides in their place, and its own keys. */
export async function listTemplates(ctx: Ctx): Promise<DunningTemplate[]> {
  const overrides = await ctx.db
    .selectFrom('dunningTemplate')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .execute()
  const byId = new Map(overrides.map((o) => [idText(toId(o)), o]))
  const out: DunningTemplate[] = []
  for (const key of templateKeys) {
    for (const language of templateLanguages) {
      for (const audience of templateAudiences) {
        for (const channel of dunningChannels) {
          const id = { key, language, audience, channel }
          const override = byId.get(idText(id))
          byId.delete(idText(id))
          out.push(
            override
              ? fromOverride(override, true)
              : fromDefault(id, defaultTemplate(key, language, audience, channel) as TemplateText),
          )
        }
      }
    }
  }
  for (const own of byId.values()) out.push(fromOverride(own, false))
  return out
}

/** The template a message of this id is written with: the override, else the default. */
export async function resolveTemplate(ctx: Ctx, id: TemplateId): Promise<DunningTemplate> {
  const override = await ctx.db
    .selectFrom('dunningTemplate')
    .selectAll()
    .where((eb) => eb.and(overrideKey(ctx, id)))
    .executeTakeFirst()
  const shipped = defaultTemplate(id.key, id.language, id.audience, id.channel)
  if (override) return fromOverride(override, shipped !== undefined)
  if (shipped) return fromDefault(id, shipped)
  throw domainError(
    'collections.template_unknown',
    `No template ${idText(id)}: o2c ships ${templateKeys.join(', ')}; add your own with PUT /v1/dunning-templates/${id.key}/${id.language}/${id.audience}/${id.channel}`,
    { template: idText(id) },
  )
}

/** Checks an id given as text (a route's path, a CLI argument). */
export function checkTemplateId(id: {
  key: string
  language: string
  audience: string
  channel: string
}): TemplateId {
  const issues = []
  if (!templateKeyPattern.test(id.key)) {
    issues.push({ field: 'key', message: 'must be 1 to 64 of a-z, 0-9, _ . -' })
  }
  if (!(templateLanguages as readonly string[]).includes(id.language)) {
    issues.push({ field: 'language', message: `must be one of ${templateLanguages.join(', ')}` })
  }
  if (!(templateAudiences as readonly string[]).includes(id.audience)) {
    issues.push({ field: 'audience', message: `must be one of ${templateAudiences.join(', ')}` })
  }
  if (!(dunningChannels as readonly string[]).includes(id.channel)) {
    issues.push({ field: 'channel', message: `must be one of ${dunningChannels.join(', ')}` })
  }
  if (issues.length > 0) throw invalid(issues)
  return id as TemplateId
}

/**
 * Checks a template's text: every placeholder known, braces balanced, lengths within bounds;
 * for SMS and WhatsApp the fixed text alone must leave room in 320 characters.
 */
export function checkTemplateText(channel: DunningChannel, text: TemplateText): void {
  if (text.subject.length > subjectLengthMax) {
    throw domainError(
      'collections.template_invalid',
      `subject: at most ${subjectLengthMax} characters`,
      {
        field: 'subject',
      },
    )
  }
  if (text.body.trim() === '' || text.body.length > bodyLengthMax) {
    throw domainError(
      'collections.template_invalid',
      `body: must be 1 to ${bodyLengthMax} characters`,
      {
        field: 'body',
      },
    )
  }
  parseTemplate(text.subject, 'subject')
  const body = parseTemplate(text.body, 'body')
  if (channel === 'sms' || channel === 'whatsapp') {
    const fixed = body.reduce((n, t) => n + ('literal' in t ? t.literal.length : 0), 0)
    if (fixed > shortMessageLengthMax) {
      throw domainError(
        'collections.template_too_long',
        `body: the fixed text alone is ${fixed} characters; an ${channel} message is at most ${shortMessageLengthMax} filled in`,
        { field: 'body', length: fixed, max: shortMessageLengthMax },
      )
    }
  }
}

/**
 * Saves the tenant's wording of a template. Changing an existing override needs the version
 * last read (If-Match); a first override needs none.
 */
export async function putTemplate(
  ctx: Ctx,
  id: TemplateId,
  text: TemplateText,
  expectedVersion: number | undefined,
): Promise<DunningTemplate> {
  checkTemplateText(id.channel, text)
  const before = await ctx.db
    .selectFrom('dunningTemplate')
    .selectAll()
    .where((eb) => eb.and(overrideKey(ctx, id)))
    .forUpdate()
    .executeTakeFirst()
  if (before) checkVersion(before.version, expectedVersion)
  const row = before
    ? await ctx.db
        .updateTable('dunningTemplate')
        .set({
          subject: text.subject,
          body: text.body,
          updatedAt: ctx.now,
          updatedBy: ctx.actor.name,
          version: before.version + 1,
        })
        .where((eb) => eb.and(overrideKey(ctx, id)))
        .returningAll()
        .executeTakeFirstOrThrow()
    : await ctx.db
        .insertInto('dunningTemplate')
        .values({
          tenantId: ctx.tenantId,
          templateKey: id.key,
          language: id.language,
          audience: id.audience,
          channel: id.channel,
          subject: text.subject,
          body: text.body,
          updatedAt: ctx.now,
          updatedBy: ctx.actor.name,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
  await recordAudit(ctx, {
    entityType: 'dunning_template',
    entityId: idText(id),
    action: before ? 'updated' : 'created',
    before: before && { subject: before.subject, body: before.body, version: before.version },
    after: { subject: row.subject, body: row.body, version: row.version },
  })
  await emitEvent(ctx, {
    type: 'dunning_template.changed',
    entityType: 'dunning_template',
    entityId: idText(id),
    payload: { ...idPayload(id), version: row.version },
  })
  return fromOverride(
    row,
    defaultTemplate(id.key, id.language, id.audience, id.channel) !== undefined,
  )
}

/** Removes the tenant's override: the default applies again (or, for an own key, none). */
export async function deleteTemplate(
  ctx: Ctx,
  id: TemplateId,
  expectedVersion: number | undefined,
): Promise<void> {
  const before = await ctx.db
    .selectFrom('dunningTemplate')
    .selectAll()
    .where((eb) => eb.and(overrideKey(ctx, id)))
    .forUpdate()
    .executeTakeFirst()
  if (!before) {
    throw domainError('collections.template_unknown', `No override ${idText(id)} to delete`, {
      template: idText(id),
    })
  }
  checkVersion(before.version, expectedVersion)
  await ctx.db
    .deleteFrom('dunningTemplate')
    .where((eb) => eb.and(overrideKey(ctx, id)))
    .execute()
  await recordAudit(ctx, {
    entityType: 'dunning_template',
    entityId: idText(id),
    action: 'deleted',
    before: { subject: before.subject, body: before.body, version: before.version },
  })
  await emitEvent(ctx, {
    type: 'dunning_template.changed',
    entityType: 'dunning_template',
    entityId: idText(id),
    payload: { ...idPayload(id), version: null },
  })
}

function checkVersion(current: number, expected: number | undefined): void {
  if (expected === undefined) {
    throw domainError(
      'request.precondition_required',
      'The template has an override: send If-Match with its ETag (GET it first)',
      { field: 'If-Match', version: current },
    )
  }
  if (expected !== current) {
    throw domainError(
      'request.stale_etag',
      `The template is at version ${current}; you sent ${expected}`,
      { field: 'If-Match', version: current },
    )
  }
}

export function idText(id: TemplateId): string {
  return `${id.key}/${id.language}/${id.audience}/${id.channel}`
}

/** The row of the tenant's override of this template: its key, by column. */
function overrideKey(ctx: Ctx, id: TemplateId) {
  return {
    tenantId: ctx.tenantId,
    templateKey: id.key,
    language: id.language,
    audience: id.audience,
    channel: id.channel,
  }
}

function idPayload(id: TemplateId) {
  return { key: id.key, language: id.language, audience: id.audience, channel: id.channel }
}

type OverrideRow = {
  templateKey: string
  language: TemplateLanguage
  audience: TemplateAudience
  channel: DunningChannel
  subject: string
  body: string
  version: number
  updatedAt: Date
  updatedBy: string
}

function toId(row: OverrideRow): TemplateId {
  return {
    key: row.templateKey,
    language: row.language,
    audience: row.audience,
    channel: row.channel,
  }
}

function fromOverride(row: OverrideRow, hasDefault: boolean): DunningTemplate {
  return {
    ...toId(row),
    subject: row.subject,
    body: row.body,
    source: 'override',
    version: row.version,
    hasDefault,
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
  }
}

function fromDefault(id: TemplateId, text: TemplateText): DunningTemplate {
  return {
    ...id,
    ...text,
    source: 'default',
    version: null,
    hasDefault: true,
    updatedAt: null,
    updatedBy: null,
  }
}
