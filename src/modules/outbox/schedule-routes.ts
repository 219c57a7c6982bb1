import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { problemReplies } from '../../http/schemas.js'
import { expectedVersion, read, write } from '../../http/unit-of-work.js'
import { cadences } from './cadence.js'
import { listSchedules, type Schedule, updateSchedule } from './schedules.js'

// The tenant's timetable: GET /v1/schedules lists its scheduled runs (the modules' defaults
// included), PUT /v1/schedules changes one of them by name. The billing runs are the only
// schedules so far, hence the invoices permissions; a later stage's schedules (the dunning
// run) would ask for a permission of their own.

const timeOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day HH:MM (24 hours)')

const scheduleOut = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  job_kind: z.string(),
  payload: z.record(z.string(), z.unknown()),
  cadence: z.enum(cadences),
  day_of_week: z.number().nullable().describe('weekly: 1 = Monday … 7 = Sunday'),
  day_of_month: z.number().nullable().describe('monthly: 1 … 28'),
  business_day: z
    .boolean()
    .describe('monthly: first business day on or after day_of_month; daily: business days only'),
  time_of_day: z.string().describe("HH:MM in the tenant's time zone"),
  active: z.boolean(),
  next_run_at: z.string(),
  last_run_at: z.string().nullable(),
  version: z.number(),
})

const presentSchedule = (s: Schedule) => ({
  id: s.id,
  name: s.name,
  description: s.description,
  job_kind: s.jobKind,
  payload: s.payload,
  cadence: s.cadence,
  day_of_week: s.dayOfWeek,
  day_of_month: s.dayOfMonth,
  business_day: s.businessDay,
  time_of_day: s.timeOfDay,
  active: s.active,
  next_run_at: s.nextRunAt.toISOString(),
  last_run_at: s.lastRunAt?.toISOString() ?? null,
  version: s.version,
})

export async function scheduleRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.get(
    '/schedules',
    {
      config: { permission: 'invoices.read' },
      schema: {
        summary: "The tenant's scheduled runs (billing runs by default) and when each runs next",
        tags: ['schedules'],
        response: { 200: z.object({ data: z.array(scheduleOut) }), ...problemReplies },
      },
    },
    async (request) => {
      const schedules = await read(request, (ctx) => listSchedules(ctx))
      return { data: schedules.map(presentSchedule) }
    },
  )

  r.put(
    '/schedules',
    {
      config: { permission: 'invoices.write' },
      schema: {
        summary: 'Change when a scheduled run runs, or switch it off (If-Match optional)',
        tags: ['schedules'],
        body: z.object({
          name: z.string().min(1).max(64),
          cadence: z.enum(cadences).optional(),
          day_of_week: z.number().int().min(1).max(7).nullable().optional(),
          day_of_month: z.number().int().min(1).max(28).nullable().optional(),
          business_day: z.boolean().optional(),
          time_of_day: timeOfDay.optional(),
          active: z.boolean().optional(),
        }),
        response: { 200: scheduleOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) => {
        const body = request.body
        const version = request.headers['if-match'] ? expectedVersion(request) : undefined
        const schedule = await updateSchedule(
          ctx,
          body.name,
          {
            cadence: body.cadence,
            dayOfWeek: body.day_of_week,
            dayOfMonth: body.day_of_month,
            businessDay: body.business_day,
            timeOfDay: body.time_of_day,
            active: body.active,
          },
          version,
        )
        return presentSchedule(schedule)
      }),
  )
}
