import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { calendarDate, idParam, pageOf, pageQuery, problemReplies } from '../../http/schemas.js'
import { expectedVersion, read, withEtag, write } from '../../http/unit-of-work.js'
import { getCreditAssessment } from './assessment.js'
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
  readReportFile,
  reportColumns,
  reportRecordsOf,
  reportRowsPerFileMax,
} from './report-file.js'
import { importCreditReports, listCreditReports, reportToApi } from './reports.js'
import { completeReview, listDueReviews } from './reviews.js'
import {
  amountIn,
  assessmentOut,
  assessmentToApi,
  creditPolicyIn,
  creditPolicyOut,
  creditProfileOut,
  creditProfilePatchIn,
  decisionToApi,
  dueReviewOut,
  dueReviewToApi,
  limitDecisionIn,
  limitDecisionOut,
  limitsIn,
  policyToApi,
  profileToApi,
  reportImportOut,
  reportImportToApi,
  reportOut,
  reviewIn,
  reviewOut,
  reviewToApi,
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

  r.post(
    '/credit-reports',
    {
      config: { permission: 'credit.write' },
      schema: {
        summary:
          'Import bureau credit reports: a JSON array or a CSV body (Content-Type: text/csv). ' +
          'All or nothing unless skip_invalid=true; rejected rows are named by row and line',
        tags: ['credit'],
        querystring: z.object({
          skip_invalid: z
            .enum(['true', 'false'])
            .default('false')
            .describe('keep the valid reports when some are not'),
          file_name: z.string().max(255).optional().describe('kept with each report'),
        }),
        body: z
          .union([z.array(z.unknown()).max(reportRowsPerFileMax), z.string()])
          .describe(`fields: ${reportColumns.join(', ')}; amounts in the customer's currency`),
        response: { 201: reportImportOut, ...problemReplies },
      },
    },
    (request, reply) => {
      const body = request.body
      const records = typeof body === 'string' ? readReportFile(body) : reportRecordsOf(body)
      return write(request, reply, 201, async (ctx) =>
        reportImportToApi(
          await importCreditReports(ctx, records, {
            source: 'api',
            fileName: request.query.file_name,
            skipInvalid: request.query.skip_invalid === 'true',
          }),
        ),
      )
    },
  )

  r.get(
    '/customers/:id/credit-reports',
    {
      config: { permission: 'credit.read' },
      schema: {
        summary: "A customer's bureau credit reports, newest first",
        tags: ['credit'],
        params: idParam,
        querystring: z.object(pageQuery),
        response: { 200: pageOf(reportOut), ...problemReplies },
      },
    },
    async (request) => {
      const page = await read(request, (ctx) =>
        listCreditReports(ctx, request.params.id, request.query),
      )
      return { data: page.data.map(reportToApi), next_cursor: page.nextCursor }
    },
  )

  r.get(
    '/customers/:id/credit-assessment',
    {
      config: { permission: 'credit.read' },
      schema: {
        summary:
          'Internal score, suggested risk class and limit from payment behaviour and the ' +
          'newest bureau report, with the reasons',
        tags: ['credit'],
        params: idParam,
        response: { 200: assessmentOut, ...problemReplies },
      },
    },
    async (request) =>
      assessmentToApi(await read(request, (ctx) => getCreditAssessment(ctx, request.params.id))),
  )

  r.get(
    '/credit-reviews',
    {
      config: { permission: 'credit.read' },
      schema: {
        summary:
          "The credit analyst's list: profiles due for review, blocked/on hold first, then " +
          'by risk class and exposure',
        tags: ['credit'],
        querystring: z.object({
          due_before: calendarDate.optional().describe('due on or before this date; default today'),
          ...pageQuery,
        }),
        response: { 200: pageOf(dueReviewOut), ...problemReplies },
      },
    },
    async (request) => {
      const q = request.query
      const page = await read(request, (ctx) =>
        listDueReviews(ctx, { dueBefore: q.due_before, cursor: q.cursor, limit: q.limit }),
      )
      return { data: page.data.map(dueReviewToApi), next_cursor: page.nextCursor }
    },
  )

  r.post(
    '/customers/:id/credit-reviews',
    {
      config: { permission: 'credit.write' },
      schema: {
        summary:
          'Complete a credit review (If-Match: the profile version reviewed): records it, sets ' +
          'class, status and next review date, and proposes a limit change if one is named',
        tags: ['credit'],
        params: idParam,
        body: reviewIn,
        response: { 201: reviewOut, ...problemReplies },
      },
    },
    (request, reply) => {
      const version = expectedVersion(request)
      const body = request.body
      return write(request, reply, 201, async (ctx) => {
        const changesLimit = body.limit !== undefined || body.group_limit !== undefined
        const limits = changesLimit ? await limitsIn(ctx, request.params.id, body) : undefined
        return reviewToApi(
          await completeReview(ctx, request.params.id, version, {
            note: body.note,
            seen: body.seen,
            riskClass: body.risk_class,
            creditStatus: body.credit_status,
            nextReviewDate: body.next_review_date,
            limit: limits && { ...limits, reason: body.limit_reason },
          }),
        )
      })
    },
  )
}
