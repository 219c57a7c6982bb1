import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { csvImportRequest, idParam, pageOf, pageQuery, problemReplies } from '../../http/schemas.js'
import { expectedVersion, read, withEtag, write } from '../../http/unit-of-work.js'
import { importCustomers } from './import-customers.js'
import {
  customerOut,
  customerPatchIn,
  customerSummaryOut,
  fromApi,
  importSummaryOut,
  importSummaryToApi,
  newCustomerIn,
  segments,
  toApi,
} from './schemas.js'
import { createCustomer, getCustomer, listCustomers, updateCustomer } from './service.js'

export async function customerRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.get(
    '/customers',
    {
      config: { permission: 'customers.read' },
      schema: {
        summary: 'Find customers',
        tags: ['customers'],
        querystring: z.object({
          search: z.string().max(100).optional().describe('part of number, legal or trading name'),
          segment: z.enum(segments).optional(),
          parent_id: z.uuid().optional(),
          attribute: z
            .string()
            .regex(/^[^=]+=.*$/)
            .optional()
            .describe('key=value of a free attribute, e.g. age_band=18-25'),
          ...pageQuery,
        }),
        response: { 200: pageOf(customerSummaryOut), ...problemReplies },
      },
    },
    async (request) => {
      const q = request.query
      const [key, ...rest] = q.attribute?.split('=') ?? []
      const page = await read(request, (ctx) =>
        listCustomers(ctx, {
          search: q.search,
          segment: q.segment,
          parentId: q.parent_id,
          attribute: key ? { key, value: rest.join('=') } : undefined,
          cursor: q.cursor,
          limit: q.limit,
        }),
      )
      return {
        data: page.data.map((c) => ({
          id: c.id,
          number: c.number,
          legal_name: c.legalName,
          segment: c.segment,
          country: c.country,
          currency: c.currency,
          parent_id: c.parentId,
          version: c.version,
        })),
        next_cursor: page.nextCursor,
      }
    },
  )

  r.post(
    '/customers',
    {
      config: { permission: 'customers.write' },
      schema: {
        summary: 'Add a customer',
        tags: ['customers'],
        body: newCustomerIn,
        response: { 201: customerOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 201, async (ctx) =>
        toApi(
          await createCustomer(ctx, {
            ...fromApi(request.body),
            number: request.body.number,
            legalName: request.body.legal_name,
          }),
        ),
      ),
  )

  r.get(
    '/customers/:id',
    {
      config: { permission: 'customers.read' },
      schema: {
        summary: 'A customer with addresses, contacts and IBANs',
        tags: ['customers'],
        params: idParam,
        response: { 200: customerOut, ...problemReplies },
      },
    },
    async (request, reply) =>
      withEtag(reply, toApi(await read(request, (ctx) => getCustomer(ctx, request.params.id)))),
  )

  r.patch(
    '/customers/:id',
    {
      config: { permission: 'customers.write' },
      schema: {
        summary: 'Change master data (send If-Match with the ETag you read)',
        tags: ['customers'],
        params: idParam,
        body: customerPatchIn,
        response: { 200: customerOut, ...problemReplies },
      },
    },
    (request, reply) => {
      const version = expectedVersion(request)
      return write(request, reply, 200, async (ctx) =>
        toApi(await updateCustomer(ctx, request.params.id, version, fromApi(request.body))),
      )
    },
  )

  r.post(
    '/customers/import',
    {
      config: { permission: 'customers.write' },
      schema: {
        summary: 'Import customers from a CSV file (by customer number: adds new, updates known)',
        description:
          'Send the file as the body with `Content-Type: text/csv`. The header line names the ' +
          'columns: customer_number and name are required; country, vat_id, coc_number, iban, ' +
          'email, phone, language, segment, currency, payment_terms_days, preferred_channel, ' +
          'credit_limit and parent_customer_number are optional. Separated by "," or ";". ' +
          'The whole file is refused (422, every problem listed by line and column) unless ' +
          'every row is valid, or `skip_invalid=true` imports the valid rows.',
        tags: ['customers'],
        ...csvImportRequest,
        response: { 200: importSummaryOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        importSummaryToApi(
          await importCustomers(ctx, () => [request.body], {
            skipInvalid: request.query.skip_invalid,
          }),
        ),
      ),
  )
}
