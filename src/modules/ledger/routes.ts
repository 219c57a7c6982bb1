import { PassThrough } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { idParam, pageOf, pageQuery, problemReplies } from '../../http/schemas.js'
import { read, write } from '../../http/unit-of-work.js'
import { chartOfAccounts, createAccount, getAccount, updateAccount } from './accounts.js'
import type { AccountPurpose } from './chart.js'
import { checkJournalFilter, exportJournalCsv, type JournalFilter, listJournal } from './journal.js'
import {
  accountOut,
  accountPatchIn,
  accountToApi,
  journalEntryOut,
  journalEntryToApi,
  journalQuery,
  newAccountIn,
  trialBalanceOut,
  trialBalanceQuery,
  trialBalanceToApi,
} from './schemas.js'
import { trialBalance } from './service.js'

export async function ledgerRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.get(
    '/ledger/trial-balance',
    {
      config: { permission: 'ledger.read' },
      schema: {
        summary: 'Debit, credit and balance per account and currency, with totals',
        tags: ['ledger'],
        querystring: trialBalanceQuery,
        response: { 200: trialBalanceOut, ...problemReplies },
      },
    },
    async (request) =>
      trialBalanceToApi(
        await read(request, (ctx) =>
          trialBalance(ctx, { asOf: request.query.as_of, currency: request.query.currency }),
        ),
      ),
  )

  r.get(
    '/ledger/journal',
    {
      config: { permission: 'ledger.read' },
      schema: {
        summary: 'Journal entries with their lines, in the order they were posted',
        description:
          'Filters select entries; each entry comes with all its lines. `account` selects ' +
          'the entries with at least one line on that account.',
        tags: ['ledger'],
        querystring: journalQuery.extend(pageQuery),
        response: { 200: pageOf(journalEntryOut), ...problemReplies },
      },
    },
    async (request) => {
      const q = request.query
      const page = await read(request, (ctx) =>
        listJournal(ctx, { ...filterOf(q), cursor: q.cursor, limit: q.limit }),
      )
      return { data: page.data.map(journalEntryToApi), next_cursor: page.nextCursor }
    },
  )

  r.get(
    '/ledger/journal.csv',
    {
      config: { permission: 'ledger.read' },
      schema: {
        summary: 'The journal as CSV, one row per line, streamed',
        description:
          'Columns: entry_id, posted_on, description, source_type, source_id, line_no, ' +
          'account_code, account_name, debit, credit, currency, customer_number. Entries by ' +
          'posting date; the same filters as GET /v1/ledger/journal. Amounts are decimals ' +
          'with a dot; the side without an amount is empty.',
        tags: ['ledger'],
        produces: ['text/csv'],
        querystring: journalQuery,
        response: { 200: z.string().describe('the CSV'), ...problemReplies },
      },
    },
    async (request, reply) => {
      const filter = filterOf(request.query)
      // Checked before the first byte goes out: after that, an error can only cut the body.
      checkJournalFilter(filter)
      const body = new PassThrough()
      const exported = read(request, (ctx) =>
        exportJournalCsv(ctx, filter, (text) => writeWithBackpressure(body, text)),
      )
      exported.then(
        () => body.end(),
        (error: Error) => {
          request.log.error({ err: error }, 'journal export failed after it started')
          body.destroy(error)
        },
      )
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="journal.csv"')
        .send(body as unknown as string)
    },
  )

  r.get(
    '/ledger/accounts',
    {
      config: { permission: 'ledger.read' },
      schema: {
        summary: 'The chart of accounts',
        tags: ['ledger'],
        response: { 200: z.object({ data: z.array(accountOut) }), ...problemReplies },
      },
    },
    async (request) => ({
      data: (await read(request, (ctx) => chartOfAccounts(ctx))).map(accountToApi),
    }),
  )

  r.post(
    '/ledger/accounts',
    {
      config: { permission: 'ledger.write' },
      schema: {
        summary: 'Add an account to the chart',
        tags: ['ledger'],
        body: newAccountIn,
        response: { 201: accountOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 201, async (ctx) =>
        accountToApi(
          await createAccount(ctx, {
            ...request.body,
            purpose: request.body.purpose as AccountPurpose | null | undefined,
          }),
        ),
      ),
  )

  r.get(
    '/ledger/accounts/:id',
    {
      config: { permission: 'ledger.read' },
      schema: {
        summary: 'One account of the chart',
        tags: ['ledger'],
        params: idParam,
        response: { 200: accountOut, ...problemReplies },
      },
    },
    async (request) =>
      accountToApi(await read(request, (ctx) => getAccount(ctx, request.params.id))),
  )

  r.patch(
    '/ledger/accounts/:id',
    {
      config: { permission: 'ledger.write' },
      schema: {
        summary: 'Rename, renumber, (de)activate an account or give it a purpose',
        description:
          'An account with journal lines keeps its code and its purpose (lines name the ' +
          'account by code). An account with a purpose cannot be deactivated: postings look ' +
          'it up. A code or purpose another account has is refused (409).',
        tags: ['ledger'],
        params: idParam,
        body: accountPatchIn,
        response: { 200: accountOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        accountToApi(
          await updateAccount(ctx, request.params.id, {
            ...request.body,
            purpose: request.body.purpose as AccountPurpose | null | undefined,
          }),
        ),
      ),
  )
}

function filterOf(q: z.infer<typeof journalQuery>): JournalFilter {
  return {
    from: q.from,
    to: q.to,
    sourceType: q.source_type,
    sourceId: q.source_id,
    accountCode: q.account,
  }
}

/** Waits when the client reads slower than the journal is read; fails when it went away. */
async function writeWithBackpressure(stream: PassThrough, text: string): Promise<void> {
  if (stream.destroyed) throw new Error('the client closed the connection')
  if (stream.write(text)) return
  await new Promise<void>((resolve, reject) => {
    const done = () => {
      stream.off('drain', done)
      stream.off('close', closed)
      resolve()
    }
    const closed = () => {
      stream.off('drain', done)
      reject(new Error('the client closed the connection'))
    }
    stream.once('drain', done)
    stream.once('close', closed)
  })
}
