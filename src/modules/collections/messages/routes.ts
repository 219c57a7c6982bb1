import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { domainError } from '../../../core/errors.js'
import { formatAmount } from '../../../core/money.js'
import { idParam, problemReplies } from '../../../http/schemas.js'
import { expectedVersion, read, write } from '../../../http/unit-of-work.js'
import { dunningChannels, templateAudiences } from '../tables.js'
import { templateLanguages } from './default-templates.js'
import { buildPrintBatch, previewTemplate, printBatchPdf } from './render.js'
import { placeholders } from './template-text.js'
import {
  checkTemplateId,
  type DunningTemplate,
  deleteTemplate,
  listTemplates,
  putTemplate,
  resolveTemplate,
  type TemplateId,
} from './templates.js'

// Dunning templates and print batches over HTTP: /v1/dunning-templates (read with
// collections.read, changed with collections.write) and /v1/dunning-runs/{id}/print-batch.
// A template's id in the path is its key, language, audience and channel joined by dots,
// 'friendly_reminder.nl.consumer.email' (a key may hold dots: the last three parts are the
// others). One segment, so the id is one opaque value like every other id of the API; an id
// that names no template (a language o2c does not speak, say) is a 404 like any unknown id.

const templateOut = z.object({
  key: z.string(),
  language: z.enum(templateLanguages as ['nl', 'en']),
  audience: z.enum(templateAudiences),
  channel: z.enum(dunningChannels),
  subject: z.string(),
  body: z.string(),
  source: z.enum(['default', 'override']).describe("default: o2c's wording; override: yours"),
  id: z.string().describe('the path id: key.language.audience.channel'),
  version: z.number().nullable().describe("an override's version: its ETag"),
  has_default: z.boolean().describe('o2c ships a default for this id (DELETE brings it back)'),
  updated_at: z.string().nullable(),
  updated_by: z.string().nullable(),
})

function templateToApi(t: DunningTemplate): z.infer<typeof templateOut> {
  return {
    key: t.key,
    language: t.language,
    audience: t.audience,
    channel: t.channel,
    id: templatePathId(t),
    subject: t.subject,
    body: t.body,
    source: t.source,
    version: t.version,
    has_default: t.hasDefault,
    updated_at: t.updatedAt?.toISOString() ?? null,
    updated_by: t.updatedBy,
  }
}

const templatePath = z.object({
  id: z
    .string()
    .max(200)
    .describe('key.language.audience.channel, e.g. friendly_reminder.nl.consumer.email'),
})

/** The template of a path id; one that can name no template is not found, as an unknown one. */
function templateIdOf(id: string): TemplateId {
  const parts = id.split('.')
  const [language, audience, channel] = parts.slice(-3)
  const key = parts.slice(0, -3).join('.')
  try {
    return checkTemplateId({
      key,
      language: language ?? '',
      audience: audience ?? '',
      channel: channel ?? '',
    })
  } catch {
    throw templateNotFound(id)
  }
}

/** The path id of a template. */
export function templatePathId(id: TemplateId): string {
  return `${id.key}.${id.language}.${id.audience}.${id.channel}`
}

function templateNotFound(id: string) {
  return domainError('collections.template_unknown', `No template ${id}`, { template: id })
}

/** If-Match when sent, else undefined (a first override needs none). */
function ifMatch(request: FastifyRequest): number | undefined {
  return request.headers['if-match'] ? expectedVersion(request) : undefined
}

const placeholderList = Object.entries(placeholders)
  .map(([name, what]) => `{{${name}}}: ${what}`)
  .join('; ')

const templateIn = z.object({
  subject: z
    .string()
    .max(300)
    .default('')
    .describe('e-mail subject, letter heading or call script title; empty for SMS and WhatsApp'),
  body: z.string().min(1).max(20_000).describe(`text with placeholders: ${placeholderList}`),
})

const previewIn = z
  .object({
    customer_id: z.uuid().optional(),
    customer_number: z.string().min(1).max(40).optional(),
    channel: z.enum(dunningChannels),
    key: z.string().max(64).optional().describe('a template by key (with the customer’s language)'),
    language: z.enum(templateLanguages as ['nl', 'en']).optional(),
    audience: z.enum(templateAudiences).optional(),
    subject: z.string().max(300).optional(),
    body: z.string().min(1).max(20_000).optional().describe('a text to try before saving it'),
  })
  .superRefine((value, context) => {
    if ((value.customer_id === undefined) === (value.customer_number === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['customer_id'],
        message: 'give customer_id or customer_number (one of them)',
      })
    }
    if ((value.key === undefined) === (value.body === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['key'],
        message: 'give key (a template) or body (a text), one of them',
      })
    }
  })

const previewOut = z.object({
  subject: z.string(),
  text: z.string(),
  html: z.string().nullable().describe('for e-mail'),
  language: z.enum(['nl', 'en']),
  audience: z.enum(templateAudiences),
  item_count: z.number(),
  currency: z.string(),
  total: z.string(),
})

const printBatchOut = z.object({
  batch_id: z.uuid().nullable(),
  letter_count: z.number(),
})

export async function messageRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.get(
    '/dunning-templates',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: 'Every dunning template: the defaults and your overrides, marked',
        tags: ['collections'],
        querystring: z.object({
          key: z.string().max(64).optional(),
          language: z.string().max(2).optional(),
          channel: z.string().max(10).optional(),
        }),
        response: { 200: z.object({ data: z.array(templateOut) }), ...problemReplies },
      },
    },
    async (request) => {
      const q = request.query
      const all = await read(request, (ctx) => listTemplates(ctx))
      const data = all.filter(
        (t) =>
          (!q.key || t.key === q.key) &&
          (!q.language || t.language === q.language) &&
          (!q.channel || t.channel === q.channel),
      )
      return { data: data.map(templateToApi) }
    },
  )

  r.get(
    '/dunning-templates/:id',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: 'One dunning template: your override, else the default',
        tags: ['collections'],
        params: templatePath,
        response: { 200: templateOut, ...problemReplies },
      },
    },
    async (request, reply) => {
      const id = templateIdOf(request.params.id)
      const found = await read(request, (ctx) => resolveTemplate(ctx, id)).catch((error) => {
        throw error?.code === 'collections.template_unknown'
          ? templateNotFound(request.params.id)
          : error
      })
      if (found.version !== null) reply.header('etag', `"${found.version}"`)
      return templateToApi(found)
    },
  )

  r.put(
    '/dunning-templates/:id',
    {
      config: { permission: 'collections.write' },
      schema: {
        summary: 'Write your own wording of a template',
        description:
          'Without If-Match: a first override (where you have none yet). With If-Match: ' +
          'changes your override of that version (404 if you have none, 412 if it moved on). ' +
          'A placeholder o2c does not know is refused (422 ' +
          'collections.template_placeholder_unknown, naming it) and nothing is saved.',
        tags: ['collections'],
        params: templatePath,
        body: templateIn,
        response: { 200: templateOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) => {
        const id = templateIdOf(request.params.id)
        const version = ifMatch(request)
        if (version !== undefined) {
          const existing = await resolveTemplate(ctx, id).catch(() => undefined)
          if (existing?.source !== 'override') throw templateNotFound(request.params.id)
        }
        return templateToApi(await putTemplate(ctx, id, request.body, version))
      }),
  )

  r.delete(
    '/dunning-templates/:id',
    {
      config: { permission: 'collections.write' },
      schema: {
        summary: 'Remove your override: the default applies again',
        tags: ['collections'],
        params: templatePath,
        response: { 204: z.null(), ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 204, async (ctx) => {
        const id = templateIdOf(request.params.id)
        await deleteTemplate(ctx, id, ifMatch(request)).catch((error) => {
          throw error?.code === 'collections.template_unknown'
            ? templateNotFound(request.params.id)
            : error
        })
        return null
      }),
  )

  r.post(
    '/dunning-templates/preview',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: "A template filled with a customer's real open items, totals and pay link",
        description:
          'Give a template by key (your override or the default) or a text to try before ' +
          'saving it. The overdue items are used when the customer has any, else all open ' +
          'items. Writes nothing.',
        tags: ['collections'],
        body: previewIn,
        response: { 200: previewOut, ...problemReplies },
      },
    },
    async (request) => {
      const b = request.body
      const preview = await read(request, (ctx) =>
        previewTemplate(ctx, {
          customerId: (b.customer_id ?? b.customer_number) as string,
          channel: b.channel,
          key: b.key,
          text: b.body === undefined ? undefined : { subject: b.subject ?? '', body: b.body },
          language: b.language,
          audience: b.audience,
        }),
      )
      return {
        subject: preview.subject,
        text: preview.text,
        html: preview.html ?? null,
        language: preview.language,
        audience: preview.audience,
        item_count: preview.itemCount,
        currency: preview.currency,
        total: formatAmount(preview.totalMinor, preview.currency),
      }
    },
  )

  r.post(
    '/dunning-runs/:id/print-batch',
    {
      config: { permission: 'collections.write' },
      schema: {
        summary: "Render the run's letters into one PDF for the printer (once)",
        description: 'A second call returns the batch made the first time.',
        tags: ['collections'],
        params: idParam,
        response: { 200: printBatchOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) => {
        const batch = await buildPrintBatch(ctx, request.params.id)
        return { batch_id: batch?.batchId ?? null, letter_count: batch?.letterCount ?? 0 }
      }),
  )

  r.get(
    '/dunning-runs/:id/print-batch',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: "The run's print batch: its letters in one PDF (application/pdf)",
        tags: ['collections'],
        params: idParam,
        response: { ...problemReplies },
      },
    },
    async (request, reply) => {
      const batch = await read(request, (ctx) => printBatchPdf(ctx, request.params.id))
      return (reply as FastifyReply)
        .type('application/pdf')
        .header(
          'content-disposition',
          `inline; filename="dunning-letters-${request.params.id}.pdf"`,
        )
        .header('x-letter-count', String(batch.letterCount))
        .header('x-sha256', batch.sha256 ?? '')
        .send(Buffer.from(batch.pdf))
    },
  )
}
