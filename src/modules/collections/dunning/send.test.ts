import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { manualClock, type TestTenant, testPlatform, testTenant } from '../../../../test/support.js'
import type { TenantScope } from '../../../db/context.js'
import type { Platform } from '../../../platform.js'
import { smtpServer } from '../../delivery/test-helpers.js'
import { queueCustomerNotice } from '../notices.js'
import { sendDueMessages } from './jobs.js'
import { fileMessagingProvider } from './messaging.js'
import { createPolicy } from './policies.js'
import { sendAfter } from './quiet-hours.js'
import { runDunning } from './run.js'
import { type DunningChannels, sendCustomerNotice } from './send.js'
import { arrangeCollection, arrangeDunningCustomer, arrangeInvoice } from './test-helpers.js'

// Sending: text messages through the file transport exactly once, phone steps as collector
// tasks, missing contact data as a failure with a task, quiet hours.

const clock = manualClock('2026-03-01T09:00:00Z')
let platform: Platform
let tenant: TestTenant
let scope: TenantScope
const outDir = mkdtempSync(join(tmpdir(), 'o2c-messaging-'))
const channels: DunningChannels = { mail: null, messaging: fileMessagingProvider(outDir) }
afterAll(() => rmSync(outDir, { recursive: true, force: true }))

beforeAll(async () => {
  platform = await testPlatform(clock)
  tenant = await testTenant(platform)
  scope = {
    tenantId: tenant.tenantId,
    timeZone: tenant.timeZone,
    actor: { type: 'system', id: null, name: 'test' },
  }
})

const step = (channel: string, position: number) => ({
  anchor: position === 1 ? 'due_date' : 'previous_step',
  days: 1,
  channel,
  template_key: 'friendly_reminder',
  action: 'friendly_reminder',
})

describe('sending a run’s messages', () => {
  test('a text goes out once, a call becomes a task, a text without a number fails with a task', async () => {
    const { texted, unreachable } = await tenant.run(async (ctx) => {
      const textThenCall = await createPolicy(ctx, {
        name: 'text-then-call',
        priority: 5,
        rule: { segments: ['enterprise'], flags: ['test_only'] },
        steps: [step('sms', 1), step('phone', 2)],
      })
      const texted = await arrangeDunningCustomer(ctx, {
        segment: 'enterprise',
        phone: '+31612345678',
      })
      const unreachable = await arrangeDunningCustomer(ctx, { segment: 'enterprise', phone: null })
      for (const c of [texted, unreachable]) {
        await arrangeCollection(ctx, c.id, { dunningPolicyId: textThenCall.id })
        await arrangeInvoice(ctx, c.id)
      }
      return { texted: texted.id, unreachable: unreachable.id }
    })
    clock.set('2026-04-02T10:00:00Z')
    const first = await runDunning(platform, { tenant: scope, runDate: '2026-04-02' })
    const summary = await sendDueMessages(platform, scope, first.id, { channels })
    expect(summary).toMatchObject({ sent: 1, failed: 1 })
    // Sending again (a job after the CLI sent it) sends nothing.
    expect(await sendDueMessages(platform, scope, first.id, { channels })).toMatchObject({
      sent: 0,
    })
    const files = readdirSync(outDir).filter((f) => f.endsWith('.json'))
    expect(files).toHaveLength(1)
    const written = JSON.parse(readFileSync(join(outDir, files[0]), 'utf8'))
    expect(written).toMatchObject({ to: '+31612345678', channel: 'sms' })

    const messages = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('dunningMessage')
        .select(['customerId', 'status', 'recipient', 'providerMessageId', 'failure'])
        .where('runId', '=', first.id)
        .execute(),
    )
    const of = new Map(messages.map((m) => [m.customerId, m]))
    expect(of.get(texted)).toMatchObject({ status: 'sent', recipient: '+31612345678' })
    expect(of.get(texted)?.providerMessageId).toBe(`file:${files[0].replace('.json', '')}`)
    expect(of.get(unreachable)?.status).toBe('failed')
    expect(of.get(unreachable)?.failure).toContain('no phone number')

    clock.set('2026-04-03T10:00:00Z')
    const second = await runDunning(platform, { tenant: scope, runDate: '2026-04-03' })
    expect(await sendDueMessages(platform, scope, second.id, { channels })).toMatchObject({
      tasks: 2,
    })
    const tasks = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('collectionActivity')
        .select(['customerId', 'taskStatus', 'messageId'])
        .where('kind', '=', 'task')
        .execute(),
    )
    // One for the failed text, one call each.
    expect(tasks.filter((t) => t.customerId === unreachable)).toHaveLength(2)
    expect(tasks.filter((t) => t.customerId === texted)).toHaveLength(1)
    expect(tasks.every((t) => t.taskStatus === 'open' && t.messageId !== null)).toBe(true)
  })

  test('a message made in the quiet hours of its channel waits for their end', async () => {
    await tenant.run((ctx) =>
      ctx.db
        .insertInto('collectionSettings')
        .values({
          tenantId: ctx.tenantId,
          quietHours: JSON.stringify({ sms: { from: '21:00', to: '08:00' } }),
          updatedAt: ctx.now,
        })
        .execute(),
    )
    clock.set('2026-03-01T09:00:00Z')
    await tenant.run(async (ctx) => {
      const late = await createPolicy(ctx, {
        name: 'late-text',
        priority: 6,
        rule: { segments: ['enterprise'], flags: ['late_text'] },
        steps: [step('sms', 1)],
      })
      const c = await arrangeDunningCustomer(ctx, { segment: 'enterprise', phone: '+31687654321' })
      await arrangeCollection(ctx, c.id, { dunningPolicyId: late.id })
      await arrangeInvoice(ctx, c.id)
    })
    // 23:30 in Amsterdam (summer time): the text waits until 08:00 the next morning.
    clock.set('2026-04-10T21:30:00Z')
    const run = await runDunning(platform, { tenant: scope, runDate: '2026-04-10' })
    const waiting = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('dunningMessage')
        .select(['sendAfter', 'id'])
        .where('runId', '=', run.id)
        .where('channel', '=', 'sms')
        .executeTakeFirstOrThrow(),
    )
    expect(waiting.sendAfter.toISOString()).toBe('2026-04-11T06:00:00.000Z')
    const job = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('job')
        .select('runAt')
        .where('kind', '=', 'collections.send_message')
        .where(sql<boolean>`payload ->> 'messageId' = ${waiting.id}`)
        .executeTakeFirstOrThrow(),
    )
    expect(job.runAt.toISOString()).toBe('2026-04-11T06:00:00.000Z')
    expect(await sendDueMessages(platform, scope, run.id, { channels })).toMatchObject({ sent: 0 })
  })
})

describe('e-mail', () => {
  test('goes to the billing contact over SMTP; a refused address fails with a task', async () => {
    const smtp = await smtpServer((to) =>
      to.startsWith('gone') ? { code: 550, text: '5.1.1 no such user' } : null,
    )
    const mailChannels: DunningChannels = {
      mail: { smtpUrl: smtp.url, from: 'debiteuren@korenschoof.example' },
      messaging: null,
    }
    clock.set('2026-03-01T09:00:00Z')
    const { reached, gone } = await tenant.run(async (ctx) => {
      const byMail = await createPolicy(ctx, {
        name: 'by-mail',
        priority: 7,
        rule: { segments: ['enterprise'], flags: ['by_mail'] },
        steps: [step('email', 1)],
      })
      const reached = await arrangeDunningCustomer(ctx, {
        segment: 'enterprise',
        email: 'ap@reached.example',
      })
      const gone = await arrangeDunningCustomer(ctx, {
        segment: 'enterprise',
        email: 'gone@nowhere.example',
      })
      for (const c of [reached, gone]) {
        await arrangeCollection(ctx, c.id, { dunningPolicyId: byMail.id })
        await arrangeInvoice(ctx, c.id)
      }
      return { reached: reached.id, gone: gone.id }
    })
    clock.set('2026-04-20T10:00:00Z')
    const run = await runDunning(platform, { tenant: scope, runDate: '2026-04-20' })
    const summary = await sendDueMessages(platform, scope, run.id, { channels: mailChannels })
    expect(summary).toMatchObject({ sent: 1, failed: 1 })
    expect(smtp.received.map((m) => m.to)).toEqual([['ap@reached.example']])
    const messages = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('dunningMessage')
        .select(['customerId', 'status', 'recipient', 'failure'])
        .where('runId', '=', run.id)
        .where('customerId', 'in', [reached, gone])
        .execute(),
    )
    const of = new Map(messages.map((m) => [m.customerId, m]))
    expect(of.get(reached)).toMatchObject({ status: 'sent', recipient: 'ap@reached.example' })
    expect(of.get(gone)?.status).toBe('failed')
    expect(of.get(gone)?.failure).toContain('no such user')
  })
})

describe('quiet hours', () => {
  test.each`
    now                       | window                            | expected
    ${'2026-01-10T12:00:00Z'} | ${{ from: '21:00', to: '08:00' }} | ${'2026-01-10T12:00:00.000Z'}
    ${'2026-01-10T22:30:00Z'} | ${{ from: '21:00', to: '08:00' }} | ${'2026-01-11T07:00:00.000Z'}
    ${'2026-01-10T05:00:00Z'} | ${{ from: '21:00', to: '08:00' }} | ${'2026-01-10T07:00:00.000Z'}
    ${'2026-01-10T12:30:00Z'} | ${{ from: '13:00', to: '14:00' }} | ${'2026-01-10T13:00:00.000Z'}
    ${'2026-03-28T23:30:00Z'} | ${{ from: '21:00', to: '08:00' }} | ${'2026-03-29T06:00:00.000Z'}
  `('at $now with $window (Amsterdam) → $expected', ({ now, window, expected }) => {
    const at = sendAfter(new Date(now), 'sms', { sms: window }, 'Europe/Amsterdam')
    expect(at.toISOString()).toBe(expected)
  })
})

describe('notices', () => {
  test('a notice goes out on the customer’s channel once', async () => {
    const { customerId, activityId } = await tenant.run(async (ctx) => {
      const c = await arrangeDunningCustomer(ctx, {
        segment: 'consumer',
        preferredChannel: 'whatsapp',
        phone: '+31611112222',
      })
      const activityId = await queueCustomerNotice(ctx, {
        customerId: c.id,
        kind: 'promise_confirmed',
        subject: 'Your promise',
        text: 'We noted your promise to pay on 20 April.',
      })
      return { customerId: c.id, activityId }
    })
    const notice = {
      activityId,
      customerId,
      kind: 'promise_confirmed',
      subject: 'Your promise',
      text: 'We noted your promise to pay on 20 April.',
    }
    const first = await tenant.run((ctx) => sendCustomerNotice(ctx, notice, { channels }))
    expect(first).toMatchObject({ kind: 'sent', recipient: '+31611112222' })
    const again = await tenant.run((ctx) => sendCustomerNotice(ctx, notice, { channels }))
    expect(again.kind).toBe('nothing_to_do')
    const written = JSON.parse(readFileSync(join(outDir, `${activityId}.json`), 'utf8'))
    expect(written).toMatchObject({ channel: 'whatsapp', body: notice.text })
  })
})
