import { sql } from 'kysely'
import { addDays, type CalendarDate, isCalendarDate } from '../../core/dates.js'
import { domainError, invalid, notFound } from '../../core/errors.js'
import { isUuid, newId } from '../../core/ids.js'
import { formatAmount } from '../../core/money.js'
import { decodeCursor, type Page, pageSizeDefault, toPage } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { emitEvent, isoDayOfWeek } from '../outbox/index.js'
import {
  type BilledInvoice,
  type BillingFailure,
  type BillingProgress,
  billSelection,
  type TenantTransactions,
} from './billing.js'
import {
  type BillableGroup,
  type BillingScope,
  billableGroupKeys,
  billableGroups,
} from './billing-selection.js'
import type {
  BillingRunStatus,
  BillingRunTrigger,
  ConsolidatedFrequency,
} from './billing-tables.js'
import './errors.js'
import { computeTotals } from './totals.js'

// The consolidated billing run: for weekly and monthly customers, one invoice per customer and
// currency for everything shipped up to the end of the period and not yet invoiced. The run
// has a row of its own (billing_run) with what it billed and its totals per currency. Invoices
// commit in batches (invoicesPerTransaction), each with its link to the run and the run's
// counts, so a run that stopped halfway (a crash, a deploy) is resumed by running it again: the lines it
// billed are marked invoiced and drop out of the selection, and a second run for the same
// period bills only what is left. A run of the same frequency and period that is running (its
// heartbeat, updated_at, is fresh) is not started twice; one that died is taken over.

export type BillingRunTotal = {
  currency: string
  invoicesCount: number
  netMinor: bigint
  vatMinor: bigint
  totalMinor: bigint
}

export type BillingRun = {
  id: string
  frequency: ConsolidatedFrequency | null
  periodEnd: CalendarDate
  status: BillingRunStatus
  trigger: BillingRunTrigger
  scheduleId: string | null
  invoicesCount: number
  ordersCount: number
  linesCount: number
  failedCount: number
  failures: { customer_id: string; currency: string; code: string; detail: string }[]
  error: string | null
  totals: BillingRunTotal[]
  startedAt: Date
  startedBy: string
  finishedAt: Date | null
  version: number
}

export type PlannedInvoice = {
  customerId: string
  currency: string
  frequency: string
  period: { start: CalendarDate; end: CalendarDate }
  orderNumbers: number[]
  linesCount: number
  netMinor: bigint
  vatMinor: bigint
  totalMinor: bigint
}

/** What a dry run shows: the invoices a run would make now, and their totals. */
export type BillingPlan = {
  frequency: ConsolidatedFrequency | null
  periodEnd: CalendarDate
  invoicesCount: number
  totals: BillingRunTotal[]
  /** The first plannedShownMax invoices; the counts and totals cover all of them. */
  invoices: PlannedInvoice[]
}

export type ConsolidatedBillingRequest = {
  periodEnd: CalendarDate
  /** weekly or monthly customers; both when not given. */
  frequency?: ConsolidatedFrequency
  trigger?: BillingRunTrigger
  scheduleId?: string
  /** Default: today in the tenant's time zone. */
  issueDate?: CalendarDate
  onProgress?: BillingProgress
  /** Invoices committed per transaction (default invoicesPerTransaction). */
  batchSize?: number
}

// A run whose heartbeat is older than this is taken to have died; its period may be run again.
// Each batch beats it, and one batch takes far less than this.
const heartbeatStaleMs = 5 * 60_000
// Invoices per transaction: each transaction costs a commit (a disk flush) and the settings,
// chart and currency reads, so a batch makes the run several times faster. The tenant's
// invoice number series stays locked while a batch is at work, so other issuers wait for at
// most one batch (well under a second); a batch that fails is redone one invoice at a time.
const invoicesPerTransaction = 50
// A dry run lists at most this many invoices (the counts and totals cover every one).
const plannedShownMax = 1_000
// Failures kept on the run's row; the count covers all of them.
const failuresKeptMax = 200

/**
 * Runs the consolidated billing for a period: makes and issues an invoice per customer and
 * currency, for weekly and/or monthly customers, from what they had shipped up to periodEnd.
 *
 *   const run = await runConsolidatedBilling(tenant.run, { periodEnd: '2026-03-31', frequency: 'monthly' })
 */
export async function runConsolidatedBilling(
  inTransaction: TenantTransactions,
  request: ConsolidatedBillingRequest,
): Promise<BillingRun> {
  const scope = consolidatedScope(request)
  const runId = await inTransaction((ctx) => startBillingRun(ctx, request))
  try {
    await billSelection(inTransaction, scope, {
      origin: 'consolidated',
      issueDate: request.issueDate,
      period: (group) => periodOf(group, scope.periodEnd),
      onBatch: (ctx, invoices) => countInvoices(ctx, runId, invoices),
      onFailure: (failure) => inTransaction((ctx) => countFailure(ctx, runId, failure)),
      onProgress: request.onProgress,
      batchSize: request.batchSize ?? invoicesPerTransaction,
    })
  } catch (error) {
    await inTransaction((ctx) =>
      finishBillingRun(
        ctx,
        runId,
        'failed',
        error instanceof Error ? error.message : String(error),
      ),
    )
    throw error
  }
  return inTransaction((ctx) => finishBillingRun(ctx, runId, 'completed', null))
}

/** What a run for the period would bill now, without writing anything. */
export async function planConsolidatedBilling(
  inTransaction: TenantTransactions,
  request: Pick<ConsolidatedBillingRequest, 'periodEnd' | 'frequency'>,
): Promise<BillingPlan> {
  const scope = consolidatedScope(request)
  const plan: BillingPlan = {
    frequency: request.frequency ?? null,
    periodEnd: scope.periodEnd,
    invoicesCount: 0,
    totals: [],
    invoices: [],
  }
  const totals = new Map<string, BillingRunTotal>()
  const keys = await inTransaction((ctx) => billableGroupKeys(ctx, scope))
  for (let page = 0; page < keys.length; page += 1_000) {
    const pageKeys = keys.slice(page, page + 1_000)
    const groups = await inTransaction((ctx) => billableGroups(ctx, scope, pageKeys))
    for (const group of groups) {
      const planned = plannedInvoice(group, scope.periodEnd)
      plan.invoicesCount++
      if (plan.invoices.length < plannedShownMax) plan.invoices.push(planned)
      addToTotals(totals, planned)
    }
  }
  plan.totals = [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency))
  return plan
}

function consolidatedScope(
  request: Pick<ConsolidatedBillingRequest, 'periodEnd' | 'frequency'>,
): Extract<BillingScope, { kind: 'consolidated' }> {
  if (!isCalendarDate(request.periodEnd)) {
    throw invalid([{ field: 'period_end', message: 'must be a date YYYY-MM-DD' }])
  }
  if (request.frequency && !['weekly', 'monthly'].includes(request.frequency)) {
    throw invalid([{ field: 'frequency', message: 'must be weekly or monthly' }])
  }
  return {
    kind: 'consolidated',
    frequencies: request.frequency ? [request.frequency] : ['weekly', 'monthly'],
    periodEnd: request.periodEnd,
  }
}

/**
 * The invoice period (BG-14): the week or month that ends on periodEnd, reaching back to the
 * first shipment on the invoice when something older was still unbilled.
 */
function periodOf(group: BillableGroup, periodEnd: CalendarDate) {
  const nominal =
    group.frequency === 'weekly' ? addDays(periodEnd, -6) : `${periodEnd.slice(0, 8)}01`
  const earliest = [nominal, ...group.lines.map((line) => line.shippedOn)].sort()[0] as CalendarDate
  return { start: earliest, end: periodEnd }
}

function plannedInvoice(group: BillableGroup, periodEnd: CalendarDate): PlannedInvoice {
  const { totals } = computeTotals({
    lines: group.lines,
    allowancesCharges: [],
    prepaidMinor: 0n,
    language: 'en',
  })
  return {
    customerId: group.customerId,
    currency: group.currency,
    frequency: group.frequency,
    period: periodOf(group, periodEnd),
    orderNumbers: [...new Set(group.lines.map((line) => line.orderNumber))],
    linesCount: group.lines.length,
    netMinor: totals.taxExclusiveMinor,
    vatMinor: totals.vatMinor,
    totalMinor: totals.taxInclusiveMinor,
  }
}

function addToTotals(
  totals: Map<string, BillingRunTotal>,
  invoice: Pick<PlannedInvoice, 'currency' | 'netMinor' | 'vatMinor' | 'totalMinor'>,
) {
  const total = totals.get(invoice.currency) ?? {
    currency: invoice.currency,
    invoicesCount: 0,
    netMinor: 0n,
    vatMinor: 0n,
    totalMinor: 0n,
  }
  total.invoicesCount++
  total.netMinor += invoice.netMinor
  total.vatMinor += invoice.vatMinor
  total.totalMinor += invoice.totalMinor
  totals.set(invoice.currency, total)
}

/** Starts a run (or takes over one of the same period that died) and returns its id. */
async function startBillingRun(ctx: Ctx, request: ConsolidatedBillingRequest): Promise<string> {
  const frequency = request.frequency ?? null
  // Runs of one frequency and period take turns to start: the second sees the first's row.
  await sql`select pg_advisory_xact_lock(hashtextextended(${`invoicing.billing_run/${frequency ?? 'all'}/${request.periodEnd}`}, 0))`.execute(
    ctx.db,
  )
  const unfinished = await ctx.db
    .selectFrom('billingRun')
    .selectAll()
    .where('periodEnd', '=', request.periodEnd)
    .where(sql<boolean>`frequency is not distinct from ${frequency}`)
    .where('status', 'in', ['running', 'failed'])
    .orderBy('startedAt', 'desc')
    .limit(1)
    .forUpdate()
    .executeTakeFirst()
  if (unfinished?.status === 'running') {
    const idleMs = ctx.now.getTime() - unfinished.updatedAt.getTime()
    if (idleMs < heartbeatStaleMs) {
      throw domainError(
        'invoicing.billing_run_in_progress',
        `A ${frequency ?? 'weekly and monthly'} billing run for the period ending ${request.periodEnd} is running (started ${unfinished.startedAt.toISOString()})`,
        { billing_run_id: unfinished.id, period_end: request.periodEnd },
      )
    }
  }
  if (unfinished) {
    await ctx.db
      .updateTable('billingRun')
      .set({
        status: 'running',
        error: null,
        finishedAt: null,
        updatedAt: ctx.now,
        version: unfinished.version + 1,
      })
      .where('id', '=', unfinished.id)
      .execute()
    await recordRunChange(ctx, unfinished.id, 'resumed', {
      period_end: request.periodEnd,
      frequency,
      previous_status: unfinished.status,
    })
    return unfinished.id
  }
  const id = newId()
  await ctx.db
    .insertInto('billingRun')
    .values({
      tenantId: ctx.tenantId,
      id,
      frequency,
      periodEnd: request.periodEnd,
      trigger: request.trigger ?? 'api',
      scheduleId: request.scheduleId ?? null,
      failures: '[]',
      startedAt: ctx.now,
      startedBy: ctx.actor.name,
      updatedAt: ctx.now,
    })
    .execute()
  await recordRunChange(ctx, id, 'started', {
    period_end: request.periodEnd,
    frequency,
    trigger: request.trigger ?? 'api',
  })
  return id
}

/** In the batch's transaction: link its invoices to the run and add them to the run's counts. */
async function countInvoices(ctx: Ctx, runId: string, invoices: BilledInvoice[]): Promise<void> {
  if (invoices.length === 0) return
  await ctx.db
    .insertInto('billingRunInvoice')
    .values(
      invoices.map((invoice) => ({
        tenantId: ctx.tenantId,
        billingRunId: runId,
        invoiceId: invoice.invoiceId,
      })),
    )
    .execute()
  const ordersCount = invoices.reduce((sum, invoice) => sum + invoice.orderIds.length, 0)
  const linesCount = invoices.reduce((sum, invoice) => sum + invoice.linesCount, 0)
  await sql`
    update billing_run set invoices_count = invoices_count + ${invoices.length},
      orders_count = orders_count + ${ordersCount},
      lines_count = lines_count + ${linesCount}, updated_at = ${ctx.now}
    where id = ${runId}`.execute(ctx.db)
  const totals = new Map<string, BillingRunTotal>()
  for (const invoice of invoices) addToTotals(totals, invoice)
  for (const total of totals.values()) {
    await sql`
      insert into billing_run_total (tenant_id, billing_run_id, currency, invoices_count,
        net_minor, vat_minor, total_minor)
      values (${ctx.tenantId}, ${runId}, ${total.currency}, ${total.invoicesCount},
        ${total.netMinor}, ${total.vatMinor}, ${total.totalMinor})
      on conflict (tenant_id, billing_run_id, currency) do update set
        invoices_count = billing_run_total.invoices_count + excluded.invoices_count,
        net_minor = billing_run_total.net_minor + excluded.net_minor,
        vat_minor = billing_run_total.vat_minor + excluded.vat_minor,
        total_minor = billing_run_total.total_minor + excluded.total_minor`.execute(ctx.db)
  }
}

async function countFailure(ctx: Ctx, runId: string, failure: BillingFailure): Promise<void> {
  const entry = {
    customer_id: failure.customerId,
    currency: failure.currency,
    code: failure.code,
    detail: failure.detail.slice(0, 500),
  }
  await sql`
    update billing_run set failed_count = failed_count + 1, updated_at = ${ctx.now},
      failures = case when jsonb_array_length(failures) < ${failuresKeptMax}
        then failures || ${JSON.stringify([entry])}::jsonb else failures end
    where id = ${runId}`.execute(ctx.db)
}

async function finishBillingRun(
  ctx: Ctx,
  runId: string,
  status: 'completed' | 'failed',
  error: string | null,
): Promise<BillingRun> {
  await ctx.db
    .updateTable('billingRun')
    .set((eb) => ({
      status,
      error: error?.slice(0, 2_000) ?? null,
      finishedAt: ctx.now,
      updatedAt: ctx.now,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', runId)
    .execute()
  const run = await getBillingRun(ctx, runId)
  await recordRunChange(ctx, runId, status, runSummary(run))
  return run
}

async function recordRunChange(
  ctx: Ctx,
  runId: string,
  action: 'started' | 'resumed' | 'completed' | 'failed',
  facts: Record<string, unknown>,
): Promise<void> {
  await recordAudit(ctx, { entityType: 'billing_run', entityId: runId, action, after: facts })
  await emitEvent(ctx, {
    type: `billing_run.${action}`,
    entityType: 'billing_run',
    entityId: runId,
    payload: { billing_run_id: runId, ...facts },
  })
}

function runSummary(run: BillingRun) {
  return {
    period_end: run.periodEnd,
    frequency: run.frequency,
    status: run.status,
    invoices_count: run.invoicesCount,
    orders_count: run.ordersCount,
    lines_count: run.linesCount,
    failed_count: run.failedCount,
    totals: run.totals.map((t) => ({
      currency: t.currency,
      invoices_count: t.invoicesCount,
      total: formatAmount(t.totalMinor, t.currency),
    })),
  }
}

export async function getBillingRun(ctx: Ctx, id: string): Promise<BillingRun> {
  if (!isUuid(id)) throw notFound('billing_run', id)
  const row = await ctx.db
    .selectFrom('billingRun')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst()
  if (!row) throw notFound('billing_run', id)
  const totals = await ctx.db
    .selectFrom('billingRunTotal')
    .select(['currency', 'invoicesCount', 'netMinor', 'vatMinor', 'totalMinor'])
    .where('billingRunId', '=', id)
    .orderBy('currency')
    .execute()
  return runFromRow(row, totals)
}

/** Billing runs, newest first. */
export async function listBillingRuns(
  ctx: Ctx,
  filter: { status?: BillingRunStatus; cursor?: string; limit?: number } = {},
): Promise<Page<BillingRun>> {
  const limit = filter.limit ?? pageSizeDefault
  const before = decodeCursor(filter.cursor)
  let query = ctx.db
    .selectFrom('billingRun')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(limit + 1)
  if (before) query = query.where('id', '<', before)
  if (filter.status) query = query.where('status', '=', filter.status)
  const page = toPage(await query.execute(), limit)
  const ids = page.data.map((row) => row.id)
  const totals =
    ids.length === 0
      ? []
      : await ctx.db
          .selectFrom('billingRunTotal')
          .select([
            'billingRunId',
            'currency',
            'invoicesCount',
            'netMinor',
            'vatMinor',
            'totalMinor',
          ])
          .where('billingRunId', 'in', ids)
          .orderBy('currency')
          .execute()
  return {
    nextCursor: page.nextCursor,
    data: page.data.map((row) =>
      runFromRow(
        row,
        totals.filter((t) => t.billingRunId === row.id),
      ),
    ),
  }
}

/** The invoices a run made, by id. */
export async function billingRunInvoiceIds(ctx: Ctx, runId: string): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('billingRunInvoice')
    .select('invoiceId')
    .where('billingRunId', '=', runId)
    .orderBy('invoiceId')
    .execute()
  return rows.map((row) => row.invoiceId)
}

type RunRow = {
  id: string
  frequency: ConsolidatedFrequency | null
  periodEnd: string
  status: BillingRunStatus
  trigger: BillingRunTrigger
  scheduleId: string | null
  invoicesCount: number
  ordersCount: number
  linesCount: number
  failedCount: number
  failures: unknown
  error: string | null
  startedAt: Date
  startedBy: string
  finishedAt: Date | null
  version: number
}

function runFromRow(row: RunRow, totals: BillingRunTotal[]): BillingRun {
  return {
    id: row.id,
    frequency: row.frequency,
    periodEnd: row.periodEnd,
    status: row.status,
    trigger: row.trigger,
    scheduleId: row.scheduleId,
    invoicesCount: row.invoicesCount,
    ordersCount: row.ordersCount,
    linesCount: row.linesCount,
    failedCount: row.failedCount,
    failures: row.failures as BillingRun['failures'],
    error: row.error,
    totals: totals.map((t) => ({
      currency: t.currency,
      invoicesCount: t.invoicesCount,
      netMinor: t.netMinor,
      vatMinor: t.vatMinor,
      totalMinor: t.totalMinor,
    })),
    startedAt: row.startedAt,
    startedBy: row.startedBy,
    finishedAt: row.finishedAt,
    version: row.version,
  }
}

/**
 * The period a scheduled run bills, from the date it runs on: a monthly run bills the month
 * before (it runs on the first business day, which may be the 2nd or the 4th), a weekly run
 * the week that ended on the Sunday before.
 */
export function periodEndForScheduledRun(
  frequency: ConsolidatedFrequency,
  runDate: CalendarDate,
): CalendarDate {
  if (frequency === 'monthly') return addDays(`${runDate.slice(0, 8)}01`, -1)
  return addDays(runDate, -isoDayOfWeek(runDate))
}
