import { z } from 'zod'
import { pageSizeDefault, pageSizeMax } from '../core/pagination.js'

// Shapes every module's routes share.

export const idParam = z.object({ id: z.uuid() })

export const pageQuery = {
  cursor: z.string().optional().describe('next_cursor from the previous page'),
  limit: z.coerce.number().int().min(1).max(pageSizeMax).default(pageSizeDefault),
}

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable() })
}

export const problem = z
  .object({
    type: z.string(),
    status: z.number(),
    title: z.string(),
    detail: z.string().optional(),
  })
  .loose()

/** The query and body of a CSV import route (`Content-Type: text/csv`). */
export const csvImportRequest = {
  consumes: ['text/csv'],
  querystring: z.object({
    skip_invalid: z
      .stringbool()
      .default(false)
      .describe('import the valid rows and report the others'),
  }),
  body: z.string().describe('the CSV file'),
}

/** The error replies every route may give, for the OpenAPI document. */
export const problemReplies = {
  400: problem,
  401: problem,
  403: problem,
  404: problem,
  409: problem,
  412: problem,
  422: problem,
  428: problem,
}

export const decimalString = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string such as "121.00"')

export const calendarDate = z.iso.date()
