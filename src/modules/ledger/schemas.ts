import { z } from 'zod'
import { formatAmount } from '../../core/money.js'
import { calendarDate } from '../../http/schemas.js'
import type { AccountWithUse } from './accounts.js'
import { accountPurposes } from './chart.js'
import type { JournalEntryView } from './journal.js'
import type { TrialBalance } from './service.js'
import { accountKinds } from './tables.js'

// The ledger as the API speaks it: snake_case, amounts as decimal strings in their currency.

const purpose = z.enum(accountPurposes as [string, ...string[]])

export const accountOut = z.object({
  id: z.uuid(),
  code: z.string(),
  name: z.string(),
  kind: z.enum(accountKinds),
  purpose: z.string().nullable().describe('what postings use the account for'),
  active: z.boolean(),
  has_lines: z.boolean().describe('journal lines name it: its code and purpose are fixed'),
})

export const newAccountIn = z.object({
  code: z.string().describe('e.g. 1300; letters, digits, dots, hyphens'),
  name: z.string(),
  kind: z.enum(accountKinds),
  purpose: purpose.nullable().optional(),
})

export const accountPatchIn = z
  .object({
    code: z.string().optional().describe('renumber; refused when the account has lines'),
    name: z.string().optional(),
    purpose: purpose
      .nullable()
      .optional()
      .describe('null clears it; changing it is refused when the account has lines'),
    active: z.boolean().optional().describe('false deactivates: no new postings'),
  })
  .strict()

export function accountToApi(a: AccountWithUse): z.infer<typeof accountOut> {
  return {
    id: a.id,
    code: a.code,
    name: a.name,
    kind: a.kind,
    purpose: a.purpose,
    active: a.active,
    has_lines: a.hasLines,
  }
}

export const trialBalanceQuery = z.object({
  as_of: calendarDate.optional().describe('entries posted on or before this date; default all'),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional()
    .describe('only this currency'),
})

const amounts = {
  currency: z.string(),
  debit: z.string(),
  credit: z.string(),
}

export const trialBalanceOut = z.object({
  as_of: z.string().nullable(),
  rows: z.array(
    z.object({
      account_code: z.string(),
      account_name: z.string(),
      kind: z.enum(accountKinds),
      ...amounts,
      balance: z.string().describe('debit − credit'),
    }),
  ),
  totals: z.array(z.object(amounts)).describe('per currency; debits equal credits'),
})

export function trialBalanceToApi(t: TrialBalance): z.infer<typeof trialBalanceOut> {
  return {
    as_of: t.asOf,
    rows: t.rows.map((r) => ({
      account_code: r.accountCode,
      account_name: r.accountName,
      kind: r.kind,
      currency: r.currency,
      debit: formatAmount(r.debitMinor, r.currency),
      credit: formatAmount(r.creditMinor, r.currency),
      balance: formatAmount(r.balanceMinor, r.currency),
    })),
    totals: t.totals.map((total) => ({
      currency: total.currency,
      debit: formatAmount(total.debitMinor, total.currency),
      credit: formatAmount(total.creditMinor, total.currency),
    })),
  }
}

export const journalQuery = z.object({
  from: calendarDate.optional().describe('entries posted on or after this date'),
  to: calendarDate.optional().describe('entries posted on or before this date'),
  source_type: z.string().max(64).optional().describe('e.g. invoice, opening_balance_import'),
  source_id: z.string().max(200).optional(),
  account: z.string().max(32).optional().describe('entries with a line on this account code'),
})

export const journalEntryOut = z.object({
  id: z.uuid(),
  posted_on: z.string(),
  description: z.string(),
  source_type: z.string(),
  source_id: z.string(),
  reverses_entry_id: z.uuid().nullable(),
  reason: z.string().nullable(),
  created_at: z.string(),
  created_by: z.string(),
  lines: z.array(
    z.object({
      line_no: z.number(),
      account_code: z.string(),
      account_name: z.string(),
      debit: z.string(),
      credit: z.string(),
      currency: z.string(),
      customer_id: z.uuid().nullable(),
      customer_number: z.string().nullable(),
    }),
  ),
})

export function journalEntryToApi(e: JournalEntryView): z.infer<typeof journalEntryOut> {
  return {
    id: e.id,
    posted_on: e.postedOn,
    description: e.description,
    source_type: e.source.type,
    source_id: e.source.id,
    reverses_entry_id: e.reversesEntryId,
    reason: e.reason,
    created_at: e.createdAt.toISOString(),
    created_by: e.createdBy,
    lines: e.lines.map((l) => ({
      line_no: l.lineNo,
      account_code: l.accountCode,
      account_name: l.accountName,
      debit: formatAmount(l.debitMinor, l.currency),
      credit: formatAmount(l.creditMinor, l.currency),
      currency: l.currency,
      customer_id: l.customerId,
      customer_number: l.customerNumber,
    })),
  }
}
