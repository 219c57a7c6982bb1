import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { formatAmount } from '../../core/money.js'
import { decimalString, idParam, pageOf, pageQuery, problemReplies } from '../../http/schemas.js'
import { expectedVersion, read, withEtag, write } from '../../http/unit-of-work.js'
import type { WriteOffKind } from './matching/model.js'
import { bankTransactionStatuses } from './tables.js'
import {
  acceptSuggestion,
  applyManually,
  getWorklistTransaction,
  listWorklist,
  type ManualApplyInput,
  rejectSuggestion,
  rematchTransactions,
  unapplyTransaction,
  type WorklistNames,
  type WorklistTransaction,
} from './worklist.js'

// The worklist over HTTP: /v1/bank-transactions, read with bank.read, acted on with
// cashapp.apply. Routes parse, call worklist.ts, and shape the reply (snake_case, money as
// decimal strings with the currency). Every act takes an Idempotency-Key (a repeat returns
// the first answer) and an optional If-Match with the row's ETag (its version): stale is 412.

const writeOffKinds = [
  'discount',
  'bank_fee',
  'small_difference',
] as const satisfies readonly WriteOffKind[]

export const worklistStatuses = [...bankTransactionStatuses, 'auto'] as const

// Allocations a person types in one request: more is an import, not a hand.
export const manualLinesMax = 200

const customerOut = z.object({
  id: z.uuid(),
  number: z.string().nullable(),
  name: z.string().nullable(),
})
const invoiceAmountOut = z.object({
  invoice_id: z.uuid(),
  invoice_number: z.string().nullable(),
  amount: z.string(),
  open_amount: z.string().nullable().describe('what is open on the invoice now'),
})
const writeOffOut = invoiceAmountOut.extend({ kind: z.enum(writeOffKinds) })
const rejectedOut = z.object({
  reason: z.string(),
  rejected_at: z.string(),
  rejected_by: z.string(),
})

const transactionOut = z.object({
  id: z.uuid().describe("o2c's id of the bank transaction"),
  bank_entry_id: z.uuid(),
  transaction_index: z.number().describe("0, or the part's position in a batch entry"),
  entry_ref: z.string().nullable().describe("the bank's reference of the entry"),
  booking_date: z.string().nullable(),
  amount: z.string(),
  currency: z.string(),
  sign: z.enum(['C', 'D']),
  counterparty: z.object({ name: z.string().nullable(), iban: z.string().nullable() }),
  remittance: z.object({
    unstructured: z.string().nullable(),
    structured_reference: z.string().nullable(),
  }),
  end_to_end_id: z.string().nullable(),
  decision: z.enum(['auto', 'suggested', 'unmatched']).describe('what the matching said last'),
  status: z.enum(bankTransactionStatuses).describe('where the transaction stands'),
  notes: z.array(z.string()),
  version: z.number().describe('the ETag; send it as If-Match on an act'),
  reverses_transaction_id: z.uuid().nullable(),
  candidates: z.array(
    z.object({
      rank: z.number(),
      customer: customerOut,
      currency: z.string(),
      payment: z.string().describe("the payment in the invoices' currency"),
      unapplied: z.string().describe("the rest, unapplied cash on the customer's account"),
      confidence: z.number(),
      reasons: z.array(z.string()),
      allocations: z.array(invoiceAmountOut),
      write_offs: z.array(writeOffOut),
      rejected: rejectedOut.nullable().describe('set when a person rejected this candidate'),
    }),
  ),
  rejections: z.array(
    rejectedOut.extend({
      customer: customerOut,
      invoices: z.array(z.object({ invoice_id: z.uuid(), invoice_number: z.string().nullable() })),
    }),
  ),
  application: z
    .object({
      id: z.uuid(),
      customer: customerOut,
      payment_id: z.uuid(),
      journal_entry_id: z.uuid(),
      currency: z.string(),
      payment: z.string(),
      unapplied: z.string(),
      applied_by: z.enum(['matching', 'person']),
      confidence: z.number().nullable(),
      reasons: z.array(z.string()),
      lines: z.array(
        z.object({
          kind: z.enum(['payment', 'discount', 'bank_fee', 'small_difference']),
          invoice_id: z.uuid(),
          invoice_number: z.string(),
          amount: z.string(),
        }),
      ),
      created_at: z.string(),
      created_by: z.string(),
    })
    .nullable()
    .describe('what is applied now'),
})

export type TransactionOut = z.infer<typeof transactionOut>

export function transactionToApi(t: WorklistTransaction, names: WorklistNames): TransactionOut {
  const customer = (id: string) => {
    const known = names.customers.get(id)
    return { id, number: known?.number ?? null, name: known?.legalName ?? null }
  }
  const invoice = (id: string, currency: string, amountMinor: bigint) => {
    const known = names.invoices.get(id)
    return {
      invoice_id: id,
      invoice_number: known?.number ?? null,
      amount: formatAmount(amountMinor, currency),
      open_amount: known ? formatAmount(known.openMinor, known.currency) : null,
    }
  }
  const rejected = (r: { reason: string; rejectedAt: Date; rejectedBy: string }) => ({
    reason: r.reason,
    rejected_at: r.rejectedAt.toISOString(),
    rejected_by: r.rejectedBy,
  })
  const a = t.application
  return {
    id: t.id,
    bank_entry_id: t.bankEntryId,
    transaction_index: t.transactionIndex,
    entry_ref: t.entryRef,
    booking_date: t.bookedOn,
    amount: formatAmount(t.amountMinor, t.currency),
    currency: t.currency,
    sign: t.sign,
    counterparty: { name: t.counterpartyName, iban: t.counterpartyIban },
    remittance: {
      unstructured: t.remittance.unstructured,
      structured_reference: t.remittance.structuredReference,
    },
    end_to_end_id: t.endToEndId,
    decision: t.decision,
    status: t.status,
    notes: t.notes,
    version: t.version,
    reverses_transaction_id: t.reversesTransactionId,
    candidates: t.candidates.map((c) => ({
      rank: c.rank,
      customer: customer(c.customerId),
      currency: c.currency,
      payment: formatAmount(c.paymentMinor, c.currency),
      unapplied: formatAmount(c.unappliedMinor, c.currency),
      confidence: c.confidence,
      reasons: c.reasons,
      allocations: c.allocations.map((x) => invoice(x.invoiceId, c.currency, x.amountMinor)),
      write_offs: c.writeOffs.map((w) => ({
        kind: w.kind,
        ...invoice(w.invoiceId, c.currency, w.amountMinor),
      })),
      rejected: c.rejection ? rejected(c.rejection) : null,
    })),
    rejections: t.rejections.map((r) => ({
      ...rejected(r),
      customer: customer(r.customerId),
      invoices: r.invoiceKey
        .split(',')
        .filter(Boolean)
        .map((id) => ({ invoice_id: id, invoice_number: names.invoices.get(id)?.number ?? null })),
    })),
    application: a && {
      id: a.id,
      customer: customer(a.customerId),
      payment_id: a.paymentId,
      journal_entry_id: a.journalEntryId,
      currency: a.currency,
      payment: formatAmount(a.paymentMinor, a.currency),
      unapplied: formatAmount(a.unappliedMinor, a.currency),
      applied_by: a.appliedBy,
      confidence: a.confidence,
      reasons: a.reasons,
      lines: a.lines.map((l) => ({
        kind: l.kind,
        invoice_id: l.invoiceId,
        invoice_number: l.invoiceNumber,
        amount: formatAmount(l.amountMinor, a.currency),
      })),
      created_at: a.createdAt.toISOString(),
      created_by: a.createdBy,
    },
  }
}

export const statusQuery = z
  .string()
  .optional()
  .describe(
    `one or more of ${worklistStatuses.join(', ')}, comma-separated (auto: applied by the matching)`,
  )
  .transform((text, context) => {
    if (text === undefined || text.trim() === '') return undefined
    const statuses = text.split(',').map((s) => s.trim())
    for (const s of statuses) {
      if (!(worklistStatuses as readonly string[]).includes(s)) {
        context.addIssue({
          code: 'custom',
          message: `'${s}' is not one of ${worklistStatuses.join(', ')}`,
        })
        return z.NEVER
      }
    }
    return statuses as (typeof worklistStatuses)[number][]
  })

/** One of an id or a number, as the manual apply takes customers and invoices. */
function idOrNumber<K extends string>(name: K) {
  return {
    [`${name}_id`]: z.uuid().optional(),
    [`${name}_number`]: z.string().min(1).max(40).optional(),
  } as Record<`${K}_id`, z.ZodOptional<z.ZodUUID>> &
    Record<`${K}_number`, z.ZodOptional<z.ZodString>>
}

function exactlyOne(name: string) {
  return (value: Record<string, unknown>, context: z.RefinementCtx) => {
    const given = [`${name}_id`, `${name}_number`].filter((k) => value[k] !== undefined)
    if (given.length !== 1) {
      context.addIssue({
        code: 'custom',
        path: [`${name}_id`],
        message: `give ${name}_id or ${name}_number (one of them)`,
      })
    }
  }
}

const allocationIn = z
  .object({ ...idOrNumber('invoice'), amount: decimalString })
  .superRefine(exactlyOne('invoice'))
const writeOffIn = z
  .object({ kind: z.enum(writeOffKinds), ...idOrNumber('invoice'), amount: decimalString })
  .superRefine(exactlyOne('invoice'))

const manualIn = z
  .object({
    ...idOrNumber('customer'),
    allocations: z
      .array(allocationIn)
      .max(manualLinesMax)
      .describe('what each invoice gets; the rest of the payment stays unapplied on the customer'),
    write_offs: z.array(writeOffIn).max(manualLinesMax).default([]),
  })
  .superRefine(exactlyOne('customer'))

const reasonIn = z.string().trim().min(1).max(500)

function ref(id: string | undefined, number: string | undefined) {
  return id !== undefined ? { id } : { number: number as string }
}

export function manualToInput(body: z.infer<typeof manualIn>): ManualApplyInput {
  return {
    customer: ref(body.customer_id, body.customer_number),
    allocations: body.allocations.map((a) => ({
      invoice: ref(a.invoice_id, a.invoice_number),
      amount: a.amount,
    })),
    writeOffs: body.write_offs.map((w) => ({
      kind: w.kind,
      invoice: ref(w.invoice_id, w.invoice_number),
      amount: w.amount,
    })),
  }
}

/** If-Match is optional on the worklist's acts; when sent, it must be current. */
function ifMatch(request: FastifyRequest): { expectedVersion?: number } {
  return request.headers['if-match'] ? { expectedVersion: expectedVersion(request) } : {}
}

const countsOut = z.object({
  transactions: z.number(),
  applied: z.number(),
  suggested: z.number(),
  unmatched: z.number(),
  reversed: z.number(),
})

const actDescription =
  'Send `If-Match` with the ETag of the row you read to act only on what you saw (412 when ' +
  'it changed since); `Idempotency-Key` makes a retry harmless.'

export async function worklistRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.get(
    '/bank-transactions',
    {
      config: { permission: 'bank.read' },
      schema: {
        summary: 'The cash-application worklist: bank transactions with their ranked candidates',
        description:
          'Each bank transaction (a batch entry counts per part) with the entry’s fields, ' +
          'what the matching decided, its ranked candidates (customer, invoices, write-offs, ' +
          'unapplied rest, confidence, reasons; rejected ones marked) and what is applied. ' +
          'Oldest first.',
        tags: ['cash application'],
        querystring: z.object({
          status: statusQuery,
          statement_id: z
            .uuid()
            .optional()
            .describe("the transactions of this statement (o2c's id)"),
          customer_id: z
            .uuid()
            .optional()
            .describe('transactions this customer is a candidate of, or applied to it'),
          ...pageQuery,
        }),
        response: { 200: pageOf(transactionOut), ...problemReplies },
      },
    },
    async (request) => {
      const q = request.query
      const page = await read(request, (ctx) =>
        listWorklist(ctx, {
          status: q.status,
          statementId: q.statement_id,
          customerId: q.customer_id,
          cursor: q.cursor,
          limit: q.limit,
        }),
      )
      return {
        data: page.data.map((t) => transactionToApi(t, page.names)),
        next_cursor: page.nextCursor,
      }
    },
  )

  r.get(
    '/bank-transactions/:id',
    {
      config: { permission: 'bank.read' },
      schema: {
        summary: 'One bank transaction of the worklist',
        tags: ['cash application'],
        params: idParam,
        response: { 200: transactionOut, ...problemReplies },
      },
    },
    async (request, reply) => {
      const found = await read(request, (ctx) => getWorklistTransaction(ctx, request.params.id))
      return withEtag(reply, transactionToApi(found.transaction, found.names))
    },
  )

  r.post(
    '/bank-transactions/:id/accept',
    {
      config: { permission: 'cashapp.apply' },
      schema: {
        summary: 'Accept a suggested candidate (rank 1 unless told): apply it',
        description:
          'Applies the candidate as offered, checked against what is open now, and teaches the ' +
          'payer’s IBAN and name. A transaction that is applied already is 409 ' +
          '`cashapp.transaction_not_open`; a rejected candidate 409 `cashapp.candidate_rejected`. ' +
          actDescription,
        tags: ['cash application'],
        params: idParam,
        body: z.object({ rank: z.number().int().min(1).max(20).default(1) }).default({ rank: 1 }),
        response: { 200: transactionOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) => {
        const found = await acceptSuggestion(ctx, request.params.id, {
          rank: request.body.rank,
          ...ifMatch(request),
        })
        return transactionToApi(found.transaction, found.names)
      }),
  )

  r.post(
    '/bank-transactions/:id/reject',
    {
      config: { permission: 'cashapp.apply' },
      schema: {
        summary: 'Reject a suggestion (one candidate by rank, or all of them)',
        description:
          'The rejected candidate stays on the transaction, marked, and a re-match does not ' +
          'offer it again; with no candidate left the transaction waits as unmatched. ' +
          actDescription,
        tags: ['cash application'],
        params: idParam,
        body: z.object({
          reason: reasonIn,
          rank: z
            .number()
            .int()
            .min(1)
            .max(20)
            .optional()
            .describe('only this candidate; without, every candidate not yet rejected'),
        }),
        response: { 200: transactionOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) => {
        const found = await rejectSuggestion(ctx, request.params.id, request.body.reason, {
          rank: request.body.rank,
          ...ifMatch(request),
        })
        return transactionToApi(found.transaction, found.names)
      }),
  )

  r.post(
    '/bank-transactions/:id/rematch',
    {
      config: { permission: 'cashapp.apply' },
      schema: {
        summary: 'Match the transaction again with the current book, and apply it if certain now',
        tags: ['cash application'],
        params: idParam,
        response: { 200: transactionOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) => {
        await rematchTransactions(ctx, [request.params.id])
        const found = await getWorklistTransaction(ctx, request.params.id)
        return transactionToApi(found.transaction, found.names)
      }),
  )

  r.post(
    '/bank-transactions/rematch',
    {
      config: { permission: 'cashapp.apply' },
      schema: {
        summary: 'Match again every transaction that waits (or those named); apply what is certain',
        tags: ['cash application'],
        body: z.object({ ids: z.array(z.uuid()).min(1).max(5_000).optional() }).default({}),
        response: { 200: countsOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, (ctx) => rematchTransactions(ctx, request.body.ids)),
  )

  r.post(
    '/bank-transactions/:id/apply',
    {
      config: { permission: 'cashapp.apply' },
      schema: {
        summary: 'Apply a transaction by hand: a customer, invoices and amounts, write-offs',
        description:
          'Invoices by `invoice_id` or `invoice_number`, amounts in the invoice’s currency; ' +
          'the rest of the payment stays unapplied cash on the customer. Unknown invoices or ' +
          'customers, an amount above what is open, or allocations above the payment are 422 ' +
          'naming the field. Teaches the payer’s IBAN and name. ' +
          actDescription,
        tags: ['cash application'],
        params: idParam,
        body: manualIn,
        response: { 200: transactionOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) => {
        const found = await applyManually(
          ctx,
          request.params.id,
          manualToInput(request.body),
          ifMatch(request),
        )
        return transactionToApi(found.transaction, found.names)
      }),
  )

  r.post(
    '/bank-transactions/:id/unapply',
    {
      config: { permission: 'cashapp.apply' },
      schema: {
        summary: 'Un-apply: invoices open again, payment and ledger reversed, audited',
        tags: ['cash application'],
        params: idParam,
        body: z.object({ reason: reasonIn }),
        response: { 200: transactionOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) => {
        const found = await unapplyTransaction(
          ctx,
          request.params.id,
          request.body.reason,
          ifMatch(request),
        )
        return transactionToApi(found.transaction, found.names)
      }),
  )
}
