import type { JobHandler } from '../../platform.js'
import {
  consumeEvent,
  defaultSchedule,
  findEvent,
  inJobTenant,
  type ScheduleDefault,
} from '../outbox/index.js'
import { markShipmentsOfOrderBilledWhole, releasePrepaidOrder } from './billing.js'
import { periodEndForScheduledRun, runConsolidatedBilling } from './billing-run.js'
import type { ConsolidatedFrequency } from './billing-tables.js'

// The billing module's work after the fact, run by the worker:
// - a prepayment invoice paid in full releases its order to ship (invoice.paid);
// - a shipment of an order billed whole counts as invoiced (shipment.shipped);
// - the consolidated billing run on its schedule (monthly on the first business day for
//   monthly customers, weekly on Monday for weekly ones; each tenant may change it).
// Every handler is safe to run twice: each checks whether its effect happened already.

export const releasePrepaidOrderJob = 'invoicing.release_prepaid_order'
export const shipmentOfOrderBilledWholeJob = 'invoicing.shipment_of_order_billed_whole'
export const consolidatedBillingJob = 'invoicing.consolidated_billing'

consumeEvent('invoice.paid', releasePrepaidOrderJob)
consumeEvent('shipment.shipped', shipmentOfOrderBilledWholeJob)

const billingSchedule = (
  frequency: ConsolidatedFrequency,
  cadence: Pick<ScheduleDefault, 'cadence' | 'dayOfWeek' | 'dayOfMonth' | 'businessDay'>,
): ScheduleDefault => ({
  name: `billing.consolidated.${frequency}`,
  description: `Consolidated invoices for ${frequency} customers, for the ${frequency === 'monthly' ? 'month' : 'week'} before`,
  jobKind: consolidatedBillingJob,
  payload: { frequency },
  timeOfDay: '06:00',
  ...cadence,
})

defaultSchedule(
  billingSchedule('monthly', {
    cadence: 'monthly',
    dayOfWeek: null,
    dayOfMonth: 1,
    businessDay: true,
  }),
)
defaultSchedule(
  billingSchedule('weekly', {
    cadence: 'weekly',
    dayOfWeek: 1,
    dayOfMonth: null,
    businessDay: false,
  }),
)

export const billingJobs: Record<string, JobHandler> = {
  [releasePrepaidOrderJob]: async (platform, job) => {
    await inJobTenant(platform, job, async (ctx) => {
      const event = await findEvent(ctx, String(job.payload.eventId))
      const invoiceId = (event.payload as { invoice_id?: string }).invoice_id
      if (invoiceId) await releasePrepaidOrder(ctx, invoiceId)
    })
  },
  [shipmentOfOrderBilledWholeJob]: async (platform, job) => {
    await inJobTenant(platform, job, async (ctx) => {
      const event = await findEvent(ctx, String(job.payload.eventId))
      const orderId = (event.payload as { order_id?: string }).order_id
      if (orderId) await markShipmentsOfOrderBilledWhole(ctx, orderId)
    })
  },
  [consolidatedBillingJob]: async (platform, job) => {
    const frequency = job.payload.frequency === 'weekly' ? 'weekly' : 'monthly'
    const runDate = String(job.payload.scheduledDate)
    await runConsolidatedBilling((work) => inJobTenant(platform, job, work), {
      periodEnd: periodEndForScheduledRun(frequency, runDate),
      frequency,
      trigger: 'schedule',
      scheduleId: typeof job.payload.scheduleId === 'string' ? job.payload.scheduleId : undefined,
    })
  },
}
