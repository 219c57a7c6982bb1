import type { Selectable } from 'kysely'
import type { z } from 'zod'
import { invalid, notFound } from '../../core/errors.js'
import { isUuid } from '../../core/ids.js'
import { decodeCursor, encodeCursor, pageSizeDefault } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { type CsvMapping, csvMappingSchema } from './bank-files/csv.js'
import type { CashappTables } from './tables.js'

// The tenant's own bank accounts (found or created by the statements that name them) and the
// column mapping saved on one for its CSV exports: CSV has no standard, so the mapping says
// which column holds what (bank-files/csv.ts). The API and CLI speak the mapping in
// snake_case (`date_format`, `columns.booking_date`); it is stored as the reader takes it.

export type BankAccountOut = {
  id: string
  iban: string | null
  number: string | null
  currency: string | null
  name: string | null
  csv_mapping: Record<string, unknown> | null
  created_at: string
}

type AccountRow = Selectable<CashappTables['bankAccount']>

function accountOut(row: AccountRow): BankAccountOut {
  const mapping = row.csvMapping as CsvMapping | null
  return {
    id: row.id,
    iban: row.iban,
    number: row.number,
    currency: row.currency,
    name: row.name,
    csv_mapping: mapping && (snakeKeys(mapping) as Record<string, unknown>),
    created_at: row.createdAt.toISOString(),
  }
}

/** The accounts, oldest first, a page at a time (cursor: the last id). */
export async function listBankAccounts(
  ctx: Ctx,
  filter: { cursor?: string; limit?: number } = {},
): Promise<{ data: BankAccountOut[]; next_cursor: string | null }> {
  const limit = filter.limit ?? pageSizeDefault
  const after = decodeCursor(filter.cursor)
  let query = ctx.db
    .selectFrom('bankAccount')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .orderBy('id')
    .limit(limit + 1)
  if (after) query = query.where('id', '>', after)
  const rows = await query.execute()
  const more = rows.length > limit
  const data = (more ? rows.slice(0, limit) : rows).map(accountOut)
  return { data, next_cursor: more ? encodeCursor(data[data.length - 1].id) : null }
}

/**
 * The account a person names: by o2c's id, or by IBAN (else account number) when the tenant
 * has one account of that name (an IBAN held in two currencies needs the id).
 */
export async function findBankAccount(ctx: Ctx, name: string): Promise<BankAccountOut> {
  const key = name.replace(/\s+/g, '')
  const rows = await ctx.db
    .selectFrom('bankAccount')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .where((eb) =>
      isUuid(name)
        ? eb('id', '=', name)
        : eb(eb.fn('upper', ['accountKey']), '=', key.toUpperCase()),
    )
    .orderBy('id')
    .execute()
  if (rows.length === 0) throw notFound('bank_account', name)
  if (rows.length > 1) {
    throw invalid([
      {
        field: 'account',
        message:
          `${name} names ${rows.length} accounts (one per currency); give the id of one: ` +
          rows.map((r) => `${r.id} (${r.currency ?? 'no currency'})`).join(', '),
      },
    ])
  }
  return accountOut(rows[0])
}

/**
 * Saves the CSV column mapping of an account, given as the API has it (snake_case), and
 * records the change. Without `account`, the mapping is the account's own; with it, it must
 * name this account. A field that is missing or wrong is refused by its path
 * (`columns.booking_date`), and nothing is saved.
 */
export async function saveCsvMapping(
  ctx: Ctx,
  accountId: string,
  given: unknown,
): Promise<BankAccountOut> {
  if (!isUuid(accountId)) throw notFound('bank_account', accountId)
  const account = await ctx.db
    .selectFrom('bankAccount')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', accountId)
    .forUpdate()
    .executeTakeFirst()
  if (!account) throw notFound('bank_account', accountId)
  const mapping = parseCsvMapping(given, account)
  const updated = await ctx.db
    .updateTable('bankAccount')
    .set({ csvMapping: JSON.stringify(mapping) })
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', accountId)
    .returningAll()
    .executeTakeFirstOrThrow()
  const out = accountOut(updated)
  await recordAudit(ctx, {
    entityType: 'bank_account',
    entityId: accountId,
    action: 'csv_mapping_saved',
    before: { csv_mapping: accountOut(account).csv_mapping },
    after: { csv_mapping: out.csv_mapping },
  })
  return out
}

function parseCsvMapping(given: unknown, account: AccountRow): CsvMapping {
  if (!given || typeof given !== 'object' || Array.isArray(given)) {
    throw invalid([{ field: 'csv_mapping', message: 'must be a JSON object' }])
  }
  const own = { iban: account.iban, number: account.number, currency: account.currency }
  const camel = camelKeys(given) as Record<string, unknown>
  const parsed = csvMappingSchema.safeParse({ ...camel, account: camel.account ?? own })
  if (!parsed.success) throw invalid(parsed.error.issues.map(issueOf))
  const named = parsed.data.account
  const wrong = (['iban', 'number', 'currency'] as const).filter(
    (field) => own[field] !== null && (named[field] ?? null) !== own[field],
  )
  if (wrong.length > 0) {
    throw invalid(
      wrong.map((field) => ({
        field: `account.${field}`,
        message: `is ${named[field] ?? 'null'}, but this account's ${field} is ${own[field]}`,
      })),
    )
  }
  return parsed.data
}

function issueOf(issue: z.core.$ZodIssue) {
  const field = issue.path.map((part) => (typeof part === 'string' ? snake(part) : part))
  return { field: field.join('.') || 'csv_mapping', message: issue.message }
}

const snake = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
const camel = (key: string) => key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())

function snakeKeys(value: unknown): unknown {
  return mapKeys(value, snake)
}

function camelKeys(value: unknown): unknown {
  return mapKeys(value, camel)
}

// Keys only: the values are the bank's column names and words, kept as they are.
function mapKeys(value: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => mapKeys(item, rename))
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [rename(key), mapKeys(inner, rename)]),
    )
  }
  return value
}
