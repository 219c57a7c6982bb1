import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { idParam, pageOf, pageQuery, problemReplies } from '../../http/schemas.js'
import { expectedVersion, read, withEtag, write } from '../../http/unit-of-work.js'
import {
  approveLimitDecision,
  getLimitDecision,
  listLimitDecisions,
  proposeLimitChange,
  rejectLimitDecision,
} from './decisions.js'
import { getCreditPolicy, putCreditPolicy } from './policy.js'
import { getCreditProfile, updateCreditProfile } from './profile.js'
import {
  amountIn,
  creditPolicyIn,
  creditPolicyOut,
  creditProfileOut,
  creditProfilePatchIn,
  decisionToApi,
  limitDecisionIn,
  limitDecisionOut,
  limitsIn,
  policyToApi,
  profileToApi,
} from './schemas.js'

export async function creditRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.get(
    '/customers/:id/credit-profile',
    {
      config: { permission: 'credit.read' },
      schema: {
        summary: "A customer's credit profile: limits, risk class, status, review date",
        tags: ['credit'],
        params: idParam,
        response: { 200: creditProfileOut, ...problemReplies },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        profileToApi(await read(request, (ctx) => getCreditProfile(ctx, request.params.id))),
      ),
  )

  r.patch(
    '/customers/:id/credit-profile',
    {
      config: { permission: 'credit.write' },
      schema: {
        summary:
          'Change credit status, risk class, review date or prepayment (If-Match; limits ' +
          'change through limit decisions)',
        tags: ['credit'],
        params: idParam,
        body: creditProfilePatchIn,
        response: { 200: creditProfileOut, ...problemReplies },
      },
    },
    (request, reply) => {
      const version = expectedVersion(request)
      const body = request.body
      return write(request, reply, 200, async (ctx) =>
        profileToApi(
          await updateCreditProfile(ctx, request.params.id, version, {
            creditStatus: body.credit_status,
            riskClass: body.risk_class,
            nextReviewDate: body.next_review_date,
            requiresPrepayment: body.requires_prepayment,
          }),
        ),
      )
    },
  )

  r.get(
    '/credit-policy',
    {
      config: { permission: 'credit.read' },
      schema: {
        summary: "The tenant's credit policy: four-eyes threshold, allowed overdue days",
        tags: ['credit'],
        response: { 200: creditPolicyOut, ...problemReplies },
      },
    },
    async (request, reply) => withEtag(reply, policyToApi(await read(request, getCreditPolicy))),
  )

  r.put(
    '/credit-policy',
    {
      config: { permission: 'credit.decide' },
      schema: {
        summary: 'Save the credit policy (If-Match; "0" while the defaults apply)',
        tags: ['credit'],
        body: creditPolicyIn,
        response: { 200: creditPolicyOut, ...problemReplies },
      },
    },
    (request, reply) => {
      const version = expectedVersion(request)
      const body = request.body
      const currency = body.currency.toUpperCase()
      return write(request, reply, 200, async (ctx) =>
        policyToApi(
          await putCreditPolicy(ctx, version, {
            fourEyesThresholdMinor: amountIn(
              body.four_eyes_threshold,
              currency,
              'four_eyes_threshold',
            ),
            currency,
            overdueDaysMax: body.overdue_days_max,
            reviewIntervalDays: body.review_interval_days,
          }),
        ),
      )
    },
  )

  r.post(
    '/customers/:id/credit-limit-decisions',
    {
      config: { permission: 'credit.write' },
      schema: {
        summary:
          'Propose a new limit (and/or group limit): applied at once below the four-eyes ' +
          'threshold, otherwise pending until another person approves',
        tags: ['credit'],
        params: idParam,
        body: limitDecisionIn,
        response: { 201: limitDecisionOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 201, async (ctx) => {
        const limits = await limitsIn(ctx, request.params.id, request.body)
        return decisionToApi(
          await proposeLimitChange(ctx, request.params.id, {
            ...limits,
            reason: request.body.reason,
            seen: request.body.seen,
          }),
        )
      }),
  )

  r.get(
    '/credit-limit-decisions',
    {
      config: { permission: 'credit.read' },
      schema: {
        summary: 'Limit decisions, oldest first (status=pending: the approver’s worklist)',
        tags: ['credit'],
        querystring: z.object({
          status: z.enum(['pending', 'approved', 'rejected']).optional(),
          customer_id: z.uuid().optional(),
          ...pageQuery,
        }),
        response: { 200: pageOf(limitDecisionOut), ...problemReplies },
      },
    },
    async (request) => {
      const q = request.query
      const page = await read(request, (ctx) =>
        listLimitDecisions(ctx, {
          status: q.status,
          customerId: q.customer_id,
          cursor: q.cursor,
          limit: q.limit,
        }),
      )
      return { data: page.data.map(decisionToApi), next_cursor: page.nextCursor }
    },
  )

  r.get(
    '/credit-limit-decisions/:id',
    {
      config: { permission: 'credit.read' },
      schema: {
        summary: 'One limit decision: who proposed and decided it, why, and what they saw',
        tags: ['credit'],
        params: idParam,
        response: { 200: limitDecisionOut, ...problemReplies },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        decisionToApi(await read(request, (ctx) => getLimitDecision(ctx, request.params.id))),
      ),
  )

  r.post(
    '/credit-limit-decisions/:id/approve',
    {
      config: { permission: 'credit.decide' },
      schema: {
        summary: 'Approve a pending limit decision (not your own) and apply its limits',
        tags: ['credit'],
        params: idParam,
        body: z
          .object({ note: z.string().max(2000).optional() })
          .nullish()
          .describe('optional; a note for the record'),
        response: { 200: limitDecisionOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        decisionToApi(await approveLimitDecision(ctx, request.params.id, request.body?.note)),
      ),
  )

  r.post(
    '/credit-limit-decisions/:id/reject',
    {
      config: { permission: 'credit.decide' },
      schema: {
        summary: 'Reject a pending limit decision, saying why; the limits stay as they are',
        tags: ['credit'],
        params: idParam,
        body: z.object({ note: z.string().min(1).max(2000) }),
        response: { 200: limitDecisionOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        decisionToApi(await rejectLimitDecision(ctx, request.params.id, request.body.note)),
      ),
  )
}
