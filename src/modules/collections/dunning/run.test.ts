import { sql } from 'kysely'
import { beforeAll, describe, expect, test } from 'vitest'
import { manualClock, type TestTenant, testPlatform, testTenant } from '../../../../test/support.js'
import { newId } from '../../../core/ids.js'
import type { Ctx } from '../../../db/context.js'
import type { Platform } from '../../../platform.js'
import { listSchedules } from '../../outbox/index.js'
import { letterTerm } from '../law/fourteen-day-letter.js'
import { dunningJobs } from './jobs.js'
import { createPolicy, getPolicy } from './policies.js'
import { runDunning } from './run.js'
import { writeDueSteps } from './selection.js'
import { arrangeCollection, arrangeDunningCustomer, arrangeInvoice } from './test-helpers.js'

// The dunning run on a real store: invoices issued on 1 March are due on 31 March; the
// default consumer policy nudges on 28 March, reminds on 3 April, texts on 10 April.

const clock = manualClock('2026-03-01T09:00:00Z')
let platform: Platform
let tenant: TestTenant

beforeAll(async () => {
  platform = await testPlatform(clock)
  tenant = await testTenant(platform)
})

const run = (runDate: string, dryRun = false) =>
  runDunning(platform, {
    tenant: {
      tenantId: tenant.tenantId,
      timeZone: tenant.timeZone,
      actor: { type: 'system', id: null, name: 'test' },
    },
    runDate,
    dryRun,
  })

async function messagesOf(ctx: Ctx, runId: string) {
  return ctx.db
    .selectFrom('dunningMessage')
    .select(['customerId', 'templateKey', 'channel', 'action', 'itemCount', 'openMinor', 'status'])
    .where('runId', '=', runId)
    .orderBy('customerId')
    .execute()
}

async function settle(ctx: Ctx, invoiceId: string, amountMinor: bigint) {
  await sql`insert into invoice_settlement (tenant_id, id, invoice_id, kind, amount_minor, currency,
      settled_on, source_type, source_id, created_at, created_by)
    values (${ctx.tenantId}::uuid, ${newId()}::uuid, ${invoiceId}::uuid, 'payment', ${amountMinor},
      'EUR', '2026-03-20', 'test', ${newId()}, now(), 'test')`.execute(ctx.db)
}

describe('a day of dunning', () => {
  test('sends one message per customer listing all its items at that step, once per day', async () => {
    clock.set('2026-03-01T09:00:00Z')
    const { anna, bert } = await tenant.run(async (ctx) => {
      const anna = await arrangeDunningCustomer(ctx, { segment: 'consumer' })
      const bert = await arrangeDunningCustomer(ctx, { segment: 'consumer' })
      await arrangeInvoice(ctx, anna.id)
      await arrangeInvoice(ctx, anna.id, 200_00n)
      await arrangeInvoice(ctx, bert.id)
      return { anna, bert }
    })
    clock.set('2026-03-28T06:00:00Z')
    const nudge = await run('2026-03-28')
    expect(nudge.status).toBe('completed')
    const sent = await tenant.run((ctx) => messagesOf(ctx, nudge.id))
    const byCustomer = new Map(sent.map((m) => [m.customerId, m]))
    expect(byCustomer.get(anna.id)).toMatchObject({
      templateKey: 'pre_due_nudge',
      channel: 'email',
      itemCount: 2,
      openMinor: 363_00n,
      status: 'queued',
    })
    expect(byCustomer.get(bert.id)).toMatchObject({ itemCount: 1, openMinor: 121_00n })

    const again = await run('2026-03-28')
    expect(again.id).toBe(nudge.id)
    const count = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('dunningMessage')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow(),
    )
    expect(Number(count.n)).toBe(2)

    // The next day nothing is due; on 3 April the friendly reminder (the nudge is done).
    expect((await run('2026-03-29')).report.items).toBe(0)
    const friendly = await run('2026-04-03')
    const reminders = await tenant.run((ctx) => messagesOf(ctx, friendly.id))
    expect(reminders.map((m) => m.templateKey)).toEqual(['friendly_reminder', 'friendly_reminder'])
    const jobs = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('job')
        .select('payload')
        .where('kind', '=', 'collections.send_message')
        .execute(),
    )
    expect(jobs).toHaveLength(4)
  })

  test('skips the pre-due nudge for an item that is already due, and holds what must be held', async () => {
    clock.set('2026-03-01T09:00:00Z')
    const arranged = await tenant.run(async (ctx) => {
      const make = async () => {
        const customer = await arrangeDunningCustomer(ctx, { segment: 'consumer' })
        return { customer: customer.id, invoice: await arrangeInvoice(ctx, customer.id) }
      }
      const plain = await make()
      const doNotDun = await make()
      await arrangeCollection(ctx, doNotDun.customer, { doNotDun: true })
      const disputedWhole = await make()
      const disputedPart = await make()
      for (const [item, minor] of [
        [disputedWhole, 121_00n],
        [disputedPart, 21_00n],
      ] as const) {
        await sql`insert into dispute (tenant_id, id, number, invoice_id, customer_id, category,
            disputed_minor, currency, description, status, sla_due_on, opened_via, opened_at, opened_by)
          values (${ctx.tenantId}::uuid, ${newId()}::uuid, ${`D-${newId().slice(-12)}`},
            ${item.invoice}::uuid, ${item.customer}::uuid, 'price', ${minor}, 'EUR', 'too dear',
            'open', '2026-04-10', 'collector', now(), 'test')`.execute(ctx.db)
      }
      const promised = await make()
      const promiseId = newId()
      await sql`insert into promise_to_pay (tenant_id, id, customer_id, amount_minor, currency,
          promised_on, channel, made_at, made_by)
        values (${ctx.tenantId}::uuid, ${promiseId}::uuid, ${promised.customer}::uuid, 12100, 'EUR',
          '2026-04-20', 'phone', now(), 'test')`.execute(ctx.db)
      await sql`insert into promise_to_pay_item (tenant_id, promise_id, invoice_id, amount_minor)
        values (${ctx.tenantId}::uuid, ${promiseId}::uuid, ${promised.invoice}::uuid, 12100)`.execute(
        ctx.db,
      )
      const mandated = await make()
      await sql`insert into sepa_mandate (tenant_id, id, customer_id, mandate_reference, iban,
          debtor_name, signed_on, created_at)
        values (${ctx.tenantId}::uuid, ${newId()}::uuid, ${mandated.customer}::uuid,
          ${`M-${newId().slice(-12)}`}, 'NL91ABNA0417164300', 'Debtor', '2026-01-01', now())`.execute(
        ctx.db,
      )
      const paid = await make()
      await settle(ctx, paid.invoice, 121_00n)
      const halfPaid = await make()
      await settle(ctx, halfPaid.invoice, 100_00n)
      return { plain, disputedPart, halfPaid }
    })
    clock.set('2026-04-05T06:00:00Z')
    const result = await run('2026-04-05')
    expect(result.report.held).toMatchObject({
      do_not_dun: 1,
      dispute: 1,
      promise: 1,
      direct_debit: 1,
    })
    const sent = await tenant.run((ctx) => messagesOf(ctx, result.id))
    const mine = new Map(sent.map((m) => [m.customerId, m]))
    expect(mine.get(arranged.plain.customer)?.templateKey).toBe('friendly_reminder')
    expect(mine.get(arranged.disputedPart.customer)?.openMinor).toBe(100_00n)
    expect(mine.get(arranged.halfPaid.customer)?.openMinor).toBe(21_00n)
  })
})

describe('choosing the policy', () => {
  test('by attributes, flags and the collector’s choice', async () => {
    clock.set('2026-03-01T09:00:00Z')
    const ids = await tenant.run(async (ctx) => {
      const student = await arrangeDunningCustomer(ctx, {
        segment: 'consumer',
        attributes: { age_band: 'student' },
      })
      const keyAccount = await arrangeDunningCustomer(ctx, { segment: 'enterprise' })
      await arrangeCollection(ctx, keyAccount.id, { flags: ['key_account'] })
      const chosen = await arrangeDunningCustomer(ctx, { segment: 'consumer' })
      const publicSector = await getPolicy(ctx, 'public-sector')
      await arrangeCollection(ctx, chosen.id, { dunningPolicyId: publicSector.id })
      for (const c of [student, keyAccount, chosen]) await arrangeInvoice(ctx, c.id)
      return { student: student.id, keyAccount: keyAccount.id, chosen: chosen.id }
    })
    clock.set('2026-04-08T06:00:00Z')
    const result = await run('2026-04-08')
    const items = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('dunningItem')
        .innerJoin('dunningPolicy', 'dunningPolicy.id', 'dunningItem.policyId')
        .select(['dunningItem.customerId', 'dunningPolicy.name'])
        .where('dunningItem.customerId', 'in', Object.values(ids))
        .execute(),
    )
    const policyOf = new Map(items.map((i) => [i.customerId, i.name]))
    expect(policyOf.get(ids.student)).toBe('consumer-student')
    expect(policyOf.get(ids.keyAccount)).toBe('enterprise-key-account')
    expect(policyOf.get(ids.chosen)).toBe('public-sector')
    const sent = await tenant.run((ctx) => messagesOf(ctx, result.id))
    expect(sent.find((m) => m.customerId === ids.student)?.channel).toBe('whatsapp')
  })
})

describe('the actions of steps', () => {
  test('a 14-day letter sets when costs may be charged, a credit block holds orders, recovery ends dunning', async () => {
    clock.set('2026-03-01T09:00:00Z')
    const { customer, invoice } = await tenant.run(async (ctx) => {
      const fast = await createPolicy(ctx, {
        name: 'fast-test',
        priority: 99_000,
        active: true,
        rule: { segments: ['consumer'], flags: ['never_matches_anyone'] },
        steps: [
          {
            anchor: 'due_date',
            days: 1,
            channel: 'email',
            template_key: 'friendly_reminder',
            action: 'friendly_reminder',
          },
          {
            anchor: 'previous_step',
            days: 1,
            channel: 'letter',
            template_key: 'fourteen_day_letter',
            action: 'fourteen_day_letter',
          },
          {
            anchor: 'previous_step',
            days: 1,
            channel: 'email',
            template_key: 'credit_block_notice',
            action: 'credit_block',
          },
          {
            anchor: 'previous_step',
            days: 1,
            channel: 'letter',
            template_key: 'recovery_notice',
            action: 'recovery_handover',
          },
        ],
      })
      const customer = await arrangeDunningCustomer(ctx, { segment: 'consumer' })
      await arrangeCollection(ctx, customer.id, { dunningPolicyId: fast.id })
      return { customer: customer.id, invoice: await arrangeInvoice(ctx, customer.id) }
    })
    for (const day of ['2026-04-10', '2026-04-11', '2026-04-12', '2026-04-13', '2026-04-14']) {
      clock.set(`${day}T06:00:00Z`)
      await run(day)
    }
    const item = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('dunningItem')
        .selectAll()
        .where('invoiceId', '=', invoice)
        .executeTakeFirstOrThrow(),
    )
    // The letter went out on Saturday 11 April; the law says from when costs may be charged.
    const term = letterTerm({ dueDate: '2026-03-31', sentOn: '2026-04-11' })
    expect(item).toMatchObject({
      level: 4,
      costsChargeableFrom: term.costsChargeableFrom,
      recoverySince: '2026-04-13',
    })
    const profile = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('creditProfile')
        .select('creditStatus')
        .where('customerId', '=', customer)
        .executeTakeFirstOrThrow(),
    )
    expect(profile.creditStatus).toBe('hold')
    const steps = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('dunningItemStep')
        .select('stepPosition')
        .where('invoiceId', '=', invoice)
        .execute(),
    )
    expect(steps.map((s) => s.stepPosition).sort()).toEqual([1, 2, 3, 4])
  })
})

describe('a dry run', () => {
  test('reports what would be sent and writes nothing else', async () => {
    clock.set('2026-03-01T09:00:00Z')
    const customer = await tenant.run(async (ctx) => {
      const c = await arrangeDunningCustomer(ctx, { segment: 'small_business' })
      await arrangeInvoice(ctx, c.id)
      return c.id
    })
    clock.set('2026-06-01T06:00:00Z')
    const counts = () =>
      tenant.run(async (ctx) => {
        const q = (table: 'dunningMessage' | 'dunningItemStep' | 'dunningItem' | 'job') =>
          ctx.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        return Promise.all([q('dunningMessage'), q('dunningItemStep'), q('dunningItem'), q('job')])
      })
    const before = await counts()
    const dry = await run('2026-06-01', true)
    expect(dry.dry_run).toBe(true)
    expect(dry.report.would_send?.find((w) => w.customer_id === customer)).toMatchObject({
      step: 2,
      action: 'friendly_reminder',
      items: 1,
    })
    expect(await counts()).toEqual(before)
  })
})

describe('the statement that carries the run', () => {
  test('is pinned, so a change to it shows as a SQL diff in review', () => {
    const at = new Date('2026-04-03T06:00:00Z')
    const statement = writeDueSteps(
      {
        tenantId: '00000000-0000-7000-8000-000000000001',
        runId: '00000000-0000-7000-8000-000000000002',
        runDate: '2026-04-03',
        now: at,
        sendAfter: { email: at, sms: at, whatsapp: at, letter: at, phone: at },
        costsChargeableFrom: '2026-04-22',
        jobKind: 'collections.send_message',
      },
      { after: '00000000-0000-7000-8000-000000000003', upTo: null },
    ).compile(platform.store.db)
    expect(statement.sql.replace(/\s+/g, ' ')).toMatchSnapshot()
  })
})

describe('the daily schedule', () => {
  test('every tenant has it, and its job runs the day it was due', async () => {
    const schedules = await tenant.run((ctx) => listSchedules(ctx))
    expect(schedules.find((s) => s.name === 'collections.dunning')).toMatchObject({
      jobKind: 'collections.dunning_run',
      cadence: 'daily',
      timeOfDay: '07:00',
    })
    clock.set('2026-07-01T05:00:00Z')
    await dunningJobs['collections.dunning_run'](platform, {
      id: newId(),
      tenantId: tenant.tenantId,
      kind: 'collections.dunning_run',
      payload: { scheduledDate: '2026-07-01' },
      attempts: 1,
      attemptsMax: 10,
    })
    const run = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('dunningRun')
        .select(['status', 'report'])
        .where('runDate', '=', '2026-07-01')
        .executeTakeFirstOrThrow(),
    )
    expect(run.status).toBe('completed')
    expect(run.report).toMatchObject({ trigger: 'schedule' })
  })
})
