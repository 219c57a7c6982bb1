import { newId } from '../../../core/ids.js'
import type { Ctx } from '../../../db/context.js'
import type { Customer, NewCustomer } from '../../customers/index.js'
import { createInvoiceDraft, issueInvoice } from '../../invoicing/index.js'
import {
  arrangeBillingSettings,
  arrangeCustomer,
  line,
  manualDraft,
} from '../../invoicing/test-helpers.js'
import type { DunningAction, DunningChannel, PolicyInterestKind } from '../tables.js'

// Arranging what the dunning run would have written, for the tests of messages/ and charges/:
// a customer with issued invoices, a policy with one step, a run, one message at that step
// and its dunning_item_step (and dunning_item) rows naming the items.

export type ArrangedInvoice = { id: string; number: string; dueDate: string; payableMinor: bigint }

/** A customer and issued invoices of these net amounts (0% VAT, so the amount is what is open). */
export async function arrangeCustomerWithInvoices(
  ctx: Ctx,
  fields: Partial<NewCustomer>,
  invoices: { netMinor: bigint; issueDate: string; netDays?: number }[],
): Promise<{ customer: Customer; invoices: ArrangedInvoice[] }> {
  const settings = await ctx.db.selectFrom('billingSettings').select('version').executeTakeFirst()
  if (!settings) await arrangeBillingSettings(ctx)
  const customer = await arrangeCustomer(ctx, fields)
  const issued: ArrangedInvoice[] = []
  for (const invoice of invoices) {
    const draft = await createInvoiceDraft(
      ctx,
      manualDraft(customer.id, [line('SERVICE', '1', invoice.netMinor, 'Z', '0')], {
        paymentTerms: { netDays: invoice.netDays ?? 14, discount: null },
      }),
    )
    // Numbers and issue dates run in the same order in a series: never issue before the last.
    const last = await ctx.db
      .selectFrom('invoice')
      .select((eb) => eb.fn.max('issueDate').as('lastIssueDate'))
      .executeTakeFirst()
    const lastIssueDate = (last?.lastIssueDate as string | null) ?? invoice.issueDate
    const issueDate = [lastIssueDate, invoice.issueDate].sort()[1] as string
    const done = await issueInvoice(ctx, draft.id, { issueDate })
    const row = await ctx.db
      .selectFrom('invoice')
      .select(['id', 'number', 'dueDate', 'payableMinor'])
      .where('id', '=', done.id)
      .executeTakeFirstOrThrow()
    issued.push({
      id: row.id,
      number: row.number as string,
      dueDate: row.dueDate as string,
      payableMinor: BigInt(row.payableMinor),
    })
  }
  return { customer, invoices: issued }
}

let policyCounter = 0

export type ArrangedMessage = { policyId: string; runId: string; messageId: string }

/**
 * A dunning message as a run writes it: a policy with one step (channel, template, action),
 * a run on runDate (one per day: an existing run of that date is reused), the message for the
 * customer listing the invoices, and their item rows.
 */
export async function arrangeDunningMessage(
  ctx: Ctx,
  input: {
    customer: Customer
    invoices: ArrangedInvoice[]
    runDate: string
    channel: DunningChannel
    templateKey: string
    action?: DunningAction
    interestKind?: PolicyInterestKind
    /** dunning_item.costs_chargeable_from, as a 14-day letter step would set it. */
    costsChargeableFrom?: string | null
    /** The step of the message (the policy gets steps 1 … this); default 1. */
    stepPosition?: number
  },
): Promise<ArrangedMessage> {
  const policyId = newId()
  await ctx.db
    .insertInto('dunningPolicy')
    .values({
      tenantId: ctx.tenantId,
      id: policyId,
      name: `test-policy-${process.pid}-${++policyCounter}`,
      priority: policyCounter,
      rule: JSON.stringify({}),
      interestKind: input.interestKind ?? 'none',
      createdAt: ctx.now,
      updatedAt: ctx.now,
    })
    .execute()
  const stepPosition = input.stepPosition ?? 1
  await ctx.db
    .insertInto('dunningStep')
    .values(
      Array.from({ length: stepPosition }, (_, i) => ({
        tenantId: ctx.tenantId,
        policyId,
        position: i + 1,
        anchor: 'due_date' as const,
        days: 7 * (i + 1),
        channel: input.channel,
        templateKey: input.templateKey,
        action: input.action ?? 'friendly_reminder',
      })),
    )
    .execute()
  const run =
    (await ctx.db
      .selectFrom('dunningRun')
      .select('id')
      .where('runDate', '=', input.runDate)
      .where('dryRun', '=', false)
      .executeTakeFirst()) ??
    (await ctx.db
      .insertInto('dunningRun')
      .values({
        tenantId: ctx.tenantId,
        id: newId(),
        runDate: input.runDate,
        dryRun: false,
        status: 'running',
        report: JSON.stringify({}),
        startedAt: ctx.now,
        startedBy: 'test',
      })
      .returning('id')
      .executeTakeFirstOrThrow())
  const messageId = newId()
  const openMinor = input.invoices.reduce((sum, i) => sum + i.payableMinor, 0n)
  await ctx.db
    .insertInto('dunningMessage')
    .values({
      tenantId: ctx.tenantId,
      id: messageId,
      runId: run.id,
      customerId: input.customer.id,
      policyId,
      stepPosition,
      channel: input.channel,
      action: input.action ?? 'friendly_reminder',
      templateKey: input.templateKey,
      language: input.customer.language === 'nl' ? 'nl' : 'en',
      audience: input.customer.segment === 'consumer' ? 'consumer' : 'business',
      currency: input.customer.currency,
      openMinor,
      itemCount: input.invoices.length,
      sendAfter: ctx.now,
      createdAt: ctx.now,
    })
    .execute()
  for (const invoice of input.invoices) {
    await ctx.db
      .insertInto('dunningItemStep')
      .values({
        tenantId: ctx.tenantId,
        invoiceId: invoice.id,
        stepPosition,
        messageId,
        openMinor: invoice.payableMinor,
        doneOn: input.runDate,
      })
      .onConflict((oc) => oc.doNothing())
      .execute()
    await ctx.db
      .insertInto('dunningItem')
      .values({
        tenantId: ctx.tenantId,
        invoiceId: invoice.id,
        customerId: input.customer.id,
        policyId,
        level: 1,
        lastStepOn: input.runDate,
        lastMessageId: messageId,
        costsChargeableFrom: input.costsChargeableFrom ?? null,
        updatedAt: ctx.now,
      })
      .onConflict((oc) =>
        oc.columns(['tenantId', 'invoiceId']).doUpdateSet({
          policyId,
          lastMessageId: messageId,
          costsChargeableFrom: input.costsChargeableFrom ?? null,
        }),
      )
      .execute()
  }
  return { policyId, runId: run.id, messageId }
}
