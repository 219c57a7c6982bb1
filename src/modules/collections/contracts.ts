import type { CalendarDate } from '../../core/dates.js'

// What the parts of collections promise each other (issue 7). Each part owns the files that
// implement these; the others import them and rely on exactly these names and shapes.
//
//   dunning/   the run, policies and their rules, sending through channels, quiet hours
//   messages/  templates, rendering, preview, letters' print batch
//   charges/   collection costs and interest: computed with law/, booked, on the statement
//   promises/, plans/, worklist/, direct-debit/   the collector's side
//   disputes/, self-service/                      disputes and the pay page's offers

/** The job that sends one dunning message (payload { messageId }); dunning/ handles it. */
export const sendDunningMessageJob = 'collections.send_message'

/** The event (and job) that sends a notice to a customer (payload CustomerNotice). */
export const customerNoticeEvent = 'collections.notice_requested'
export const sendCustomerNoticeJob = 'collections.send_notice'

/**
 * A message to a customer that is not a dunning step: the confirmation of a promise, a plan
 * or a dispute made on the pay page or by a collector, the explanation of a rejected dispute.
 * It goes out on the customer's preferred channel (dunning/ sends it).
 */
export type CustomerNotice = {
  customerId: string
  kind:
    | 'promise_confirmed'
    | 'promise_broken'
    | 'plan_confirmed'
    | 'plan_breached'
    | 'dispute_opened'
    | 'dispute_resolved'
    | 'dispute_rejected'
    | 'dispute_withdrawn'
  invoiceId?: string
  /** Already in the customer's language. */
  subject: string
  text: string
}

/** What a run did with the promises and plans before it chose the items to dun. */
export type PromiseAndPlanReview = {
  promisesKept: number
  promisesBroken: number
  plansCompleted: number
  plansBreached: number
}

/** The amounts a run charged for its messages whose step charges costs and interest. */
export type ChargeSummary = {
  costsMinor: bigint
  interestMinor: bigint
  charges: number
  /** Items where nothing could be charged, and why (no 14-day letter, law not supported, …). */
  refused: { invoiceId: string; reason: string }[]
}

/** A rendered dunning message or notice. A letter also has its PDF. */
export type RenderedMessage = {
  subject: string
  text: string
  html?: string
  pdf?: Uint8Array
}

export type AsOf = CalendarDate
