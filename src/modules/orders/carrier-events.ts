import { DomainError } from '../../core/errors.js'
import type { Ctx } from '../../db/context.js'
import { carrierCode } from './carriers.js'
import { type CsvShape, type RowIssue, readCsv, rejected } from './csv.js'
import { lockOrders } from './order-store.js'
import { deliverShipment, shipShipment } from './shipments.js'

// Carrier events from a CSV file: "shipped" (the carrier has the parcel) and "delivered",
// by tracking number. Every row is checked first (unknown tracking numbers are reported with
// their line numbers); only a file without problems is applied, in one transaction, so
// nothing is half-written. A carrier repeating an event changes nothing the second time.

export const carrierEventsShape: CsvShape = {
  what: 'carrier events file',
  columns: ['tracking_number', 'event', 'occurred_at', 'carrier'],
  required: ['tracking_number', 'event'],
  // A day of events of a large shipper; bigger files are split.
  rowsMax: 100_000,
  rejectedCode: 'shipments.carrier_events_rejected',
}

const carrierEvents = ['shipped', 'delivered'] as const
type CarrierEvent = (typeof carrierEvents)[number]

export type CarrierEventsReport = {
  rows: number
  shipped: number
  delivered: number
  /** Events the shipment had already seen (a repeated file or a repeated scan). */
  unchanged: number
}

type CheckedEvent = { line: number; shipmentId: string; event: CarrierEvent; at: Date }

// An ISO 8601 instant with its offset: a carrier's local time without one is ambiguous.
const instantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/

export async function importCarrierEvents(
  ctx: Ctx,
  csv: string,
  options: { onProgress?: (done: number, total: number) => void } = {},
): Promise<CarrierEventsReport> {
  const rows = readCsv(csv, carrierEventsShape)
  const numbers = [...new Set(rows.map((r) => r.values.tracking_number ?? '').filter(Boolean))]
  const shipments = await ctx.db
    .selectFrom('shipment')
    .select(['id', 'trackingNumber', 'carrier', 'orderId'])
    .where('trackingNumber', 'in', numbers.length > 0 ? numbers : [''])
    .execute()
  const byNumber = new Map(shipments.map((s) => [s.trackingNumber as string, s]))

  const issues: RowIssue[] = []
  const checked: CheckedEvent[] = []
  for (const { line, values } of rows) {
    const trackingNumber = values.tracking_number ?? ''
    const shipment = byNumber.get(trackingNumber)
    if (!shipment) {
      issues.push({
        line,
        field: 'tracking_number',
        message: trackingNumber
          ? `no shipment with tracking number ${trackingNumber}`
          : 'is required',
      })
    }
    const event = (values.event ?? '').toLowerCase()
    if (!(carrierEvents as readonly string[]).includes(event)) {
      issues.push({
        line,
        field: 'event',
        message: `must be ${carrierEvents.join(' or ')}, not "${values.event ?? ''}"`,
      })
    }
    const occurredAt = values.occurred_at ?? ''
    const at = occurredAt === '' ? ctx.now : new Date(occurredAt)
    if (occurredAt !== '' && (!instantPattern.test(occurredAt) || Number.isNaN(at.getTime()))) {
      issues.push({
        line,
        field: 'occurred_at',
        message: `must be an ISO 8601 instant with offset (2026-03-02T14:05:00+01:00), not "${occurredAt}"`,
      })
    }
    const carrier = values.carrier ?? ''
    if (
      shipment &&
      carrier !== '' &&
      shipment.carrier !== '' &&
      carrierCode(carrier) !== shipment.carrier
    ) {
      issues.push({
        line,
        field: 'carrier',
        message: `is ${carrier}, but tracking number ${trackingNumber} was shipped with ${shipment.carrier}`,
      })
    }
    if (shipment && issues.every((i) => i.line !== line)) {
      checked.push({ line, shipmentId: shipment.id, event: event as CarrierEvent, at })
    }
  }
  if (issues.length > 0) throw rejected(carrierEventsShape, issues)

  await lockOrders(
    ctx,
    shipments.map((s) => s.orderId),
  )
  const report: CarrierEventsReport = { rows: rows.length, shipped: 0, delivered: 0, unchanged: 0 }
  for (const [index, row] of checked.entries()) {
    await applyEvent(ctx, row, report)
    options.onProgress?.(index + 1, checked.length)
  }
  return report
}

async function applyEvent(ctx: Ctx, row: CheckedEvent, report: CarrierEventsReport) {
  const before = await ctx.db
    .selectFrom('shipment')
    .select('status')
    .where('id', '=', row.shipmentId)
    .executeTakeFirstOrThrow()
  try {
    if (row.event === 'shipped') {
      if (before.status !== 'registered') report.unchanged += 1
      else {
        await shipShipment(ctx, row.shipmentId, row.at)
        report.shipped += 1
      }
      return
    }
    if (before.status === 'delivered') report.unchanged += 1
    else {
      await deliverShipment(ctx, row.shipmentId, row.at, { repeatIsHarmless: true })
      report.delivered += 1
    }
  } catch (error) {
    // A rule that breaks while applying (the order can no longer ship) is reported at its
    // line like any other bad row; the transaction rolls back, so nothing was applied.
    if (!(error instanceof DomainError)) throw error
    throw rejected(carrierEventsShape, [{ line: row.line, field: 'event', message: error.message }])
  }
}
