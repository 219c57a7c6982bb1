import type { FastifyInstance } from 'fastify'
import { expect } from 'vitest'
import {
  call,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import type { Platform } from '../../platform.js'
import { createApiKey, createUser } from '../auth/index.js'

// Shared arrangement for the four-eyes tests: one tenant, two credit analysts, and a credit
// policy whose four-eyes threshold is 5,000.00 EUR.

export type FourEyesSetup = {
  platform: Platform
  app: FastifyInstance
  acme: TestTenant
  analyst: string
  otherAnalyst: string
}

/** A tenant with two credit analysts (API keys) and four eyes above 5,000.00 EUR. */
export async function fourEyesSetup(): Promise<FourEyesSetup> {
  const platform = await testPlatform()
  const app = await testServer(platform)
  const acme = await testTenant(platform)
  const analyst = await acme.key('credit_analyst')
  const otherAnalyst = await acme.run(async (ctx) => {
    const user = await createUser(ctx, { email: 'second@acme.test', role: 'credit_analyst' })
    return (await createApiKey(ctx, { userId: user.id })).key
  })
  const policy = await call(
    app,
    analyst,
    'PUT',
    '/v1/credit-policy',
    {
      four_eyes_threshold: '5000.00',
      currency: 'EUR',
      overdue_days_max: 30,
      review_interval_days: 365,
    },
    { 'if-match': '"0"' },
  )
  expect(policy.status).toBe(200)
  return { platform, app, acme, analyst, otherAnalyst }
}
