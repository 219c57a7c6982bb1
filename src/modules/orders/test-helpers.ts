import type { FastifyInstance } from 'fastify'
import { expect } from 'vitest'
import { call, type TestTenant } from '../../../test/support.js'

// Arranging credit for order tests through the credit module's own API, so these tests
// follow the credit rules as they are (no limit set: every order is held).

/** Lets limit decisions apply at once (no four eyes) and sets the allowed overdue days. */
export async function creditPolicy(
  app: FastifyInstance,
  tenant: TestTenant,
  policy: { overdueDaysMax?: number } = {},
): Promise<void> {
  const analyst = await tenant.key('credit_analyst')
  const current = await call(app, analyst, 'GET', '/v1/credit-policy')
  const saved = await call(
    app,
    analyst,
    'PUT',
    '/v1/credit-policy',
    {
      four_eyes_threshold: '100000000.00',
      currency: 'EUR',
      overdue_days_max: policy.overdueDaysMax ?? 30,
      review_interval_days: 365,
    },
    { 'if-match': current.headers.etag as string },
  )
  expect(saved.status, JSON.stringify(saved.body)).toBe(200)
}

/** Gives a customer a credit limit (and/or, on a group's top parent, a group limit). */
export async function creditLimit(
  app: FastifyInstance,
  tenant: TestTenant,
  customerId: string,
  limits: { limit?: string; groupLimit?: string },
): Promise<void> {
  const decided = await call(
    app,
    await tenant.key('credit_analyst'),
    'POST',
    `/v1/customers/${customerId}/credit-limit-decisions`,
    { limit: limits.limit, group_limit: limits.groupLimit, reason: 'test arrangement', seen: {} },
  )
  expect(decided.status, JSON.stringify(decided.body)).toBe(201)
  expect(decided.body.status).toBe('approved')
}
