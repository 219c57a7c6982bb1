import { PDFDocument } from 'pdf-lib'
import { beforeAll, describe, expect, test } from 'vitest'
import { pdfPages } from '../../../../test/pdf-text.js'
import {
  manualClock,
  rowCount,
  type TestTenant,
  testPlatform,
  testTenant,
} from '../../../../test/support.js'
import { DomainError } from '../../../core/errors.js'
import type { Platform } from '../../../platform.js'
import { dunningChannels, templateAudiences } from '../tables.js'
import { defaultTemplate, templateKeys, templateLanguages } from './default-templates.js'
import { buildPrintBatch, previewTemplate, renderDunningMessage } from './render.js'
import { fillText, type Placeholder, parseTemplate, placeholdersUsed } from './template-text.js'
import { deleteTemplate, listTemplates, putTemplate, resolveTemplate } from './templates.js'
import { arrangeCustomerWithInvoices, arrangeDunningMessage } from './test-helpers.js'

// Templates, rendering and the print batch as a collector meets them: the shipped wording in
// both languages for consumers and businesses, a tenant's own wording (refused whole when it
// names a placeholder o2c does not know), a message filled with its real items, a 14-day
// letter checked against the law, and a run's letters in one PDF.

let platform: Platform
let tenant: TestTenant

const consumer = {
  segment: 'consumer' as const,
  vatId: null,
  legalName: 'J. de Vries <b>',
}

beforeAll(async () => {
  platform = await testPlatform(manualClock('2026-03-20T09:00:00Z'))
  tenant = await testTenant(platform)
}, 60_000)

async function consumerMessage(channel: 'email' | 'letter' | 'sms', templateKey: string) {
  return tenant.run(async (ctx) => {
    const { customer, invoices } = await arrangeCustomerWithInvoices(ctx, consumer, [
      { netMinor: 600_00n, issueDate: '2026-02-01' },
      { netMinor: 400_00n, issueDate: '2026-02-01', netDays: 15 },
    ])
    const message = await arrangeDunningMessage(ctx, {
      customer,
      invoices,
      runDate: '2026-03-20',
      channel,
      templateKey,
    })
    return { customer, invoices, ...message }
  })
}

function refusal(error: unknown) {
  expect(error).toBeInstanceOf(DomainError)
  return error as DomainError
}

describe('the shipped templates', () => {
  test('exist for every key, language, audience and channel, and use known placeholders only', () => {
    let count = 0
    for (const key of templateKeys) {
      for (const language of templateLanguages) {
        for (const audience of templateAudiences) {
          for (const channel of dunningChannels) {
            const text = defaultTemplate(key, language, audience, channel)
            expect(text, `${key}/${language}/${audience}/${channel}`).toBeDefined()
            parseTemplate(text?.subject ?? '', 'subject')
            parseTemplate(text?.body ?? '', 'body')
            count++
          }
        }
      }
    }
    expect(count).toBe(7 * 2 * 2 * 5)
  })

  test('every shipped SMS fits 320 characters with a long seller name and pay link', () => {
    const long: Record<Placeholder, string> = {
      'customer.name': 'x'.repeat(60),
      'customer.number': 'C-123456789',
      'tenant.name': 'T'.repeat(50),
      date: '30 september 2026',
      items: '',
      item_count: '12',
      total: 'EUR 123.456,78',
      payment_link: `https://pay.example-company.com/pay/${'a'.repeat(86)}`,
      payment_reference: '1234 5678 9012 3456',
      iban: 'NL91 ABNA 0417 1643 00',
      costs: 'EUR 1.234,56',
      interest: 'EUR 1.234,56 (berekend t/m 30 september 2026)',
      deadline: '30 september 2026',
      consequences: '',
    }
    for (const key of templateKeys) {
      for (const language of templateLanguages) {
        for (const audience of templateAudiences) {
          for (const channel of ['sms', 'whatsapp'] as const) {
            const body = defaultTemplate(key, language, audience, channel)?.body ?? ''
            const used = placeholdersUsed(parseTemplate(body))
            expect(used.has('items'), `${key}/${language}/${audience}`).toBe(false)
            const filled = fillText(parseTemplate(body), long)
            expect(filled.length, `${key}/${language}/${audience}`).toBeLessThanOrEqual(320)
          }
        }
      }
    }
  })

  test('consumer and business wording differ; business mentions commercial interest and EUR 40', () => {
    const business = defaultTemplate('formal_reminder', 'nl', 'business', 'email')
    const private_ = defaultTemplate('formal_reminder', 'nl', 'consumer', 'email')
    expect(business?.body).not.toBe(private_?.body)
    expect(business?.body).toContain('6:119a')
    expect(business?.body).toContain('EUR 40')
    expect(defaultTemplate('fourteen_day_letter', 'en', 'business', 'letter')?.body).toContain(
      '{{consequences}}',
    )
  })
})

describe('tenant templates', () => {
  test('refuses an unknown placeholder, naming it, and saves nothing', async () => {
    const error = await tenant
      .run((ctx) =>
        putTemplate(
          ctx,
          { key: 'friendly_reminder', language: 'nl', audience: 'consumer', channel: 'email' },
          { subject: 'Herinnering', body: 'Beste {{customer.naam}}, betaal {{total}}.' },
          undefined,
        ),
      )
      .catch((e) => e)
    expect(refusal(error).code).toBe('collections.template_placeholder_unknown')
    expect(refusal(error).details.placeholder).toBe('customer.naam')
    expect(refusal(error).message).toContain('{{customer.naam}}')
    expect(await tenant.run((ctx) => rowCount(ctx, 'dunningTemplate'))).toBe(0)
  })

  test('refuses stray braces as an invalid template', async () => {
    const error = await tenant
      .run((ctx) =>
        putTemplate(
          ctx,
          { key: 'friendly_reminder', language: 'en', audience: 'consumer', channel: 'sms' },
          { subject: '', body: 'Pay {{total now' },
          undefined,
        ),
      )
      .catch((e) => e)
    expect(refusal(error).code).toBe('collections.template_invalid')
  })

  test('an override replaces the default, needs If-Match to change, and delete brings the default back', async () => {
    const id = {
      key: 'friendly_reminder',
      language: 'en',
      audience: 'business',
      channel: 'email',
    } as const
    const saved = await tenant.run((ctx) =>
      putTemplate(
        ctx,
        id,
        { subject: 'Overdue: {{total}}', body: 'Hello {{customer.name}}' },
        undefined,
      ),
    )
    expect(saved).toMatchObject({ source: 'override', version: 1, hasDefault: true })
    const listed = await tenant.run((ctx) => listTemplates(ctx))
    expect(listed).toHaveLength(140)
    expect(listed.filter((t) => t.source === 'override')).toHaveLength(1)

    const unconditional = await tenant
      .run((ctx) => putTemplate(ctx, id, { subject: 'x', body: 'y' }, undefined))
      .catch((e) => e)
    expect(refusal(unconditional).code).toBe('request.precondition_required')
    const stale = await tenant
      .run((ctx) => putTemplate(ctx, id, { subject: 'x', body: 'y' }, 7))
      .catch((e) => e)
    expect(refusal(stale).code).toBe('request.stale_etag')
    const changed = await tenant.run((ctx) =>
      putTemplate(ctx, id, { subject: 'Overdue', body: 'Dear {{customer.name}}' }, 1),
    )
    expect(changed.version).toBe(2)

    await tenant.run((ctx) => deleteTemplate(ctx, id, 2))
    const back = await tenant.run((ctx) => resolveTemplate(ctx, id))
    expect(back.source).toBe('default')
    expect(back.body).toBe(defaultTemplate(id.key, 'en', 'business', 'email')?.body)
  })

  test('a key o2c does not ship is unknown until the tenant writes it', async () => {
    const error = await tenant
      .run((ctx) =>
        resolveTemplate(ctx, {
          key: 'own_step',
          language: 'nl',
          audience: 'business',
          channel: 'sms',
        }),
      )
      .catch((e) => e)
    expect(refusal(error).code).toBe('collections.template_unknown')
  })
})

describe('rendering a message', () => {
  test('an e-mail lists the items, the total and the pay link; HTML escapes the customer name', async () => {
    const { messageId, invoices } = await consumerMessage('email', 'friendly_reminder')
    const rendered = await tenant.run((ctx) => renderDunningMessage(ctx, messageId))
    expect(rendered.subject).toBe('Betalingsherinnering van Bakkerij De Korenschoof B.V.')
    for (const invoice of invoices) expect(rendered.text).toContain(invoice.number)
    expect(rendered.text).toContain('Totaal openstaand: EUR 1.000,00')
    expect(rendered.text).toMatch(/\/pay\/[A-Za-z0-9_-]{86}/)
    expect(rendered.text).toContain('J. de Vries <b>')
    expect(rendered.html).toContain('J. de Vries &lt;b&gt;')
    expect(rendered.html).not.toContain('<b>')
    expect(rendered.html).toContain('<table')
    expect(rendered.pdf).toBeUndefined()
  })

  test('an SMS stays within 320 characters', async () => {
    const { messageId } = await consumerMessage('sms', 'fourteen_day_letter')
    const rendered = await tenant.run((ctx) => renderDunningMessage(ctx, messageId))
    expect(rendered.text.length).toBeLessThanOrEqual(320)
    expect(rendered.text).toContain('EUR 1.000,00')
  })

  test("a consumer's 14-day letter names the statutory costs, the term and the consequences", async () => {
    const { messageId } = await consumerMessage('letter', 'fourteen_day_letter')
    const rendered = await tenant.run((ctx) => renderDunningMessage(ctx, messageId))
    // WIK: 15% of EUR 1,000.00 = EUR 150.00.
    expect(rendered.text).toContain('incassokosten verschuldigd van EUR 150,00')
    expect(rendered.text).toContain('binnen 14 dagen')
    // Sent Friday 20 March: received Tuesday 24 March; the term ends Tuesday 7 April.
    expect(rendered.text).toContain('uiterlijk op 7 april 2026')
    const pdf = await PDFDocument.load(rendered.pdf as Uint8Array)
    expect(pdf.getPageCount()).toBeGreaterThanOrEqual(1)
  })

  test('refuses a 14-day letter whose wording leaves out the costs and consequences', async () => {
    const { messageId, runId } = await consumerMessage('letter', 'fourteen_day_letter')
    await tenant.run((ctx) =>
      putTemplate(
        ctx,
        { key: 'fourteen_day_letter', language: 'nl', audience: 'consumer', channel: 'letter' },
        {
          subject: 'Laatste herinnering',
          body: 'Betaal {{total}} uiterlijk {{deadline}}.\n\n{{items}}',
        },
        undefined,
      ),
    )
    try {
      const error = await tenant.run((ctx) => renderDunningMessage(ctx, messageId)).catch((e) => e)
      expect(refusal(error).code).toBe('collections.fourteen_day_letter_invalid')
      const problems = (refusal(error).details.problems as { code: string }[]).map((p) => p.code)
      expect(problems).toEqual(['costs_amount_missing', 'consequences_missing'])
      // In the run's print batch the letter fails on its own, with the reason, and is left out.
      expect(await tenant.run((ctx) => buildPrintBatch(ctx, runId))).toBeUndefined()
      const failed = await tenant.run((ctx) =>
        ctx.db
          .selectFrom('dunningMessage')
          .select(['status', 'failure', 'printBatchId'])
          .where('id', '=', messageId)
          .executeTakeFirstOrThrow(),
      )
      expect(failed).toMatchObject({ status: 'failed', printBatchId: null })
      expect(failed.failure).toMatch(/^collections\.fourteen_day_letter_invalid: /)
    } finally {
      await tenant.run(async (ctx) => {
        const id = {
          key: 'fourteen_day_letter',
          language: 'nl',
          audience: 'consumer',
          channel: 'letter',
        } as const
        await deleteTemplate(ctx, id, 1)
      })
    }
  })

  test('a business gets the commercial wording in its language', async () => {
    const messageId = await tenant.run(async (ctx) => {
      const { customer, invoices } = await arrangeCustomerWithInvoices(
        ctx,
        { language: 'en', segment: 'small_business' },
        [{ netMinor: 250_00n, issueDate: '2026-02-01' }],
      )
      return (
        await arrangeDunningMessage(ctx, {
          customer,
          invoices,
          runDate: '2026-03-20',
          channel: 'email',
          templateKey: 'fourteen_day_letter',
        })
      ).messageId
    })
    const rendered = await tenant.run((ctx) => renderDunningMessage(ctx, messageId))
    expect(rendered.subject).toMatch(/^Notice of default C-/)
    expect(rendered.text).toContain('statutory commercial interest')
    // WIK on EUR 250.00 is EUR 37.50: a business owes at least EUR 40.
    expect(rendered.text).toContain('collection costs of EUR 40.00 (at least EUR 40)')
  })

  test('names interest to the last day of the rate table when the date is past it', async () => {
    const messageId = await tenant.run(async (ctx) => {
      const { customer, invoices } = await arrangeCustomerWithInvoices(
        ctx,
        { language: 'en', segment: 'enterprise' },
        [{ netMinor: 1_000_00n, issueDate: '2026-02-01' }],
      )
      return (
        await arrangeDunningMessage(ctx, {
          customer,
          invoices,
          runDate: '2026-07-15',
          channel: 'email',
          templateKey: 'final_notice',
        })
      ).messageId
    })
    const rendered = await tenant.run((ctx) => renderDunningMessage(ctx, messageId))
    // Commercial interest 17 Feb – 30 Jun 2026 (134 days) at 10.15% on 1,000.00: 37.26.
    expect(rendered.text).toContain('statutory commercial interest of EUR 37.26 (to 30 June 2026)')
  })

  test('a preview fills a text with a customer’s real open items', async () => {
    const { customer } = await consumerMessage('email', 'friendly_reminder')
    const preview = await tenant.run((ctx) =>
      previewTemplate(ctx, {
        customerId: customer.number,
        channel: 'email',
        text: { subject: '{{item_count}} open', body: '{{customer.name}}: {{total}}, {{costs}}' },
      }),
    )
    expect(preview.subject).toBe('2 open')
    expect(preview.text).toBe('J. de Vries <b>: EUR 1.000,00, EUR 150,00')
    const unknown = await tenant
      .run((ctx) =>
        previewTemplate(ctx, {
          customerId: customer.id,
          channel: 'email',
          text: { subject: '', body: '{{bedrag}}' },
        }),
      )
      .catch((e) => e)
    expect(refusal(unknown).code).toBe('collections.template_placeholder_unknown')
  })
})

describe('the print batch', () => {
  test("puts a run's letters in one PDF, once", async () => {
    const other = await testTenant(platform)
    const { runId, letters } = await other.run(async (ctx) => {
      const made = []
      for (const channel of ['letter', 'letter', 'email'] as const) {
        const { customer, invoices } = await arrangeCustomerWithInvoices(ctx, consumer, [
          { netMinor: 100_00n, issueDate: '2026-02-01' },
        ])
        made.push(
          await arrangeDunningMessage(ctx, {
            customer,
            invoices,
            runDate: '2026-03-20',
            channel,
            templateKey: 'formal_reminder',
          }),
        )
      }
      return { runId: made[0]?.runId as string, letters: made.slice(0, 2).map((m) => m.messageId) }
    })
    const batch = await other.run((ctx) => buildPrintBatch(ctx, runId))
    expect(batch?.letterCount).toBe(2)
    const again = await other.run((ctx) => buildPrintBatch(ctx, runId))
    expect(again?.batchId).toBe(batch?.batchId)
    await other.run(async (ctx) => {
      const stored = await ctx.db
        .selectFrom('dunningPrintBatch')
        .selectAll()
        .executeTakeFirstOrThrow()
      // One page per letter here, each numbered on its own, in customer number order.
      const pages = pdfPages(new Uint8Array(stored.pdf as Buffer))
      expect(pages).toHaveLength(2)
      for (const page of pages) {
        expect(page[0]).toBe('Bakkerij De Korenschoof B.V.')
        expect(page.at(-1)).toBe('Pagina 1 van 1')
      }
      expect(stored.sha256).toMatch(/^[0-9a-f]{64}$/)
      const marked = await ctx.db
        .selectFrom('dunningMessage')
        .select(['id', 'printBatchId'])
        .where('printBatchId', 'is not', null)
        .execute()
      expect(marked.map((m) => m.id).sort()).toEqual([...letters].sort())
      expect(await rowCount(ctx, 'dunningPrintBatch')).toBe(1)
    })
  })
})
