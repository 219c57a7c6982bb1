import { z } from 'zod'
import type { ImportSummary } from './import-customers.js'
import type { ImportProblem } from './import-plan.js'
import type { Customer, CustomerFields } from './service.js'

// The customer as the API speaks it (snake_case), shared by routes and the CSV import.

export const segments = ['consumer', 'small_business', 'enterprise', 'public_sector'] as const
export const channels = ['email', 'sms', 'whatsapp', 'letter', 'phone'] as const

const address = z.object({
  kind: z.enum(['billing', 'shipping', 'visiting']).default('billing'),
  lines: z.array(z.string().max(200)).min(1).max(5),
  postal_code: z.string().max(20).default(''),
  city: z.string().max(100).default(''),
  country: z.string().length(2),
})

const contact = z.object({
  name: z.string().max(200).default(''),
  email: z.string().max(254).nullable().default(null),
  phone: z.string().max(32).nullable().default(null),
  language: z.string().default('nl'),
  preferred_channel: z.enum(channels).default('email'),
  roles: z.array(z.string().max(50)).max(10).default([]),
})

const bankAccount = z.object({
  iban: z.string().max(42),
  bic: z.string().max(11).nullable().default(null),
  account_holder: z.string().max(140).nullable().default(null),
})

const attributes = z
  .record(z.string().max(64), z.union([z.string().max(200), z.number(), z.boolean()]))
  .describe('free attributes for segmentation, e.g. {"age_band": "18-25", "housing": "rent"}')

export const customerFieldsIn = z.object({
  legal_name: z.string().min(1).max(200),
  trading_names: z.array(z.string().max(200)).max(20),
  country: z.string().length(2).nullable(),
  vat_id: z.string().max(20).nullable(),
  coc_number: z.string().max(32).nullable(),
  segment: z.enum(segments),
  attributes,
  language: z.string().length(2),
  preferred_channel: z.enum(channels),
  currency: z.string().length(3),
  payment_terms_days: z.number().int().min(0).max(365),
  parent_id: z.uuid().nullable(),
  addresses: z.array(address).max(20),
  contacts: z.array(contact).max(50),
  ibans: z.array(bankAccount).max(20),
})

export const newCustomerIn = customerFieldsIn.partial().extend({
  number: z.string().min(1).max(64),
  legal_name: z.string().min(1).max(200),
})

export const customerPatchIn = customerFieldsIn.partial()

export type CustomerFieldsIn = z.infer<typeof customerPatchIn>

/** API fields → service fields; only what was sent, so a PATCH changes only those. */
export function fromApi(body: CustomerFieldsIn): Partial<CustomerFields> {
  const out: Partial<CustomerFields> = {}
  if (body.legal_name !== undefined) out.legalName = body.legal_name
  if (body.trading_names !== undefined) out.tradingNames = body.trading_names
  if (body.country !== undefined) out.country = body.country
  if (body.vat_id !== undefined) out.vatId = body.vat_id
  if (body.coc_number !== undefined) out.cocNumber = body.coc_number
  if (body.segment !== undefined) out.segment = body.segment
  if (body.attributes !== undefined) out.attributes = body.attributes
  if (body.language !== undefined) out.language = body.language
  if (body.preferred_channel !== undefined) out.preferredChannel = body.preferred_channel
  if (body.currency !== undefined) out.currency = body.currency
  if (body.payment_terms_days !== undefined) out.paymentTermsDays = body.payment_terms_days
  if (body.parent_id !== undefined) out.parentId = body.parent_id
  if (body.addresses !== undefined) {
    out.addresses = body.addresses.map((a) => ({
      kind: a.kind,
      lines: a.lines,
      postalCode: a.postal_code,
      city: a.city,
      country: a.country,
    }))
  }
  if (body.contacts !== undefined) {
    out.contacts = body.contacts.map((c) => ({
      name: c.name,
      email: c.email,
      phone: c.phone,
      language: c.language,
      preferredChannel: c.preferred_channel,
      roles: c.roles,
    }))
  }
  if (body.ibans !== undefined) {
    out.ibans = body.ibans.map((b) => ({
      iban: b.iban,
      bic: b.bic,
      accountHolder: b.account_holder,
    }))
  }
  return out
}

export const customerOut = customerFieldsIn.extend({
  id: z.string(),
  number: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  version: z.number(),
})

export function toApi(c: Customer): z.infer<typeof customerOut> {
  return {
    id: c.id,
    number: c.number,
    legal_name: c.legalName,
    trading_names: c.tradingNames,
    country: c.country,
    vat_id: c.vatId,
    coc_number: c.cocNumber,
    segment: c.segment,
    attributes: c.attributes,
    language: c.language,
    preferred_channel: c.preferredChannel,
    currency: c.currency,
    payment_terms_days: c.paymentTermsDays,
    parent_id: c.parentId,
    addresses: c.addresses.map((a) => ({
      kind: a.kind,
      lines: a.lines,
      postal_code: a.postalCode,
      city: a.city,
      country: a.country,
    })),
    contacts: c.contacts.map((k) => ({
      name: k.name,
      email: k.email,
      phone: k.phone,
      language: k.language,
      preferred_channel: k.preferredChannel,
      roles: k.roles,
    })),
    ibans: c.ibans.map((b) => ({ iban: b.iban, bic: b.bic, account_holder: b.accountHolder })),
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
    version: c.version,
  }
}

export const customerSummaryOut = z.object({
  id: z.string(),
  number: z.string(),
  legal_name: z.string(),
  segment: z.enum(segments),
  country: z.string().nullable(),
  currency: z.string(),
  parent_id: z.string().nullable(),
  version: z.number(),
})

export const importProblemOut = z.object({
  line: z.number().describe('line of the file, the header being line 1'),
  customer_number: z.string().nullable(),
  column: z.string().nullable().describe('the column at fault; null when the whole line is'),
  message: z.string(),
})

export const importSummaryOut = z.object({
  rows: z.number().describe('data rows in the file'),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  rejected_rows: z.number(),
  skipped_invalid: z.boolean(),
  credit_limits: z.number().describe('rows that carried a credit limit'),
  credit_limits_applied: z
    .number()
    .describe('limits changed at once (decrease, or within the four-eyes threshold)'),
  credit_limits_awaiting_approval: z
    .number()
    .describe('limits above the four-eyes threshold, now pending decisions for another user'),
  credit_limits_unchanged: z.number().describe('limits equal to the current one'),
  credit_limits_skipped: z
    .array(importProblemOut)
    .describe('limits not taken, with the reason (e.g. a decision already pending)'),
  credit_limits_skipped_truncated: z.boolean(),
  rejected: z.array(importProblemOut).describe('each problem of each refused row'),
  rejected_truncated: z.boolean().describe('true when more problems were found than listed'),
})

export function problemOut(problem: ImportProblem): z.infer<typeof importProblemOut> {
  return {
    line: problem.line,
    customer_number: problem.customerNumber,
    column: problem.column,
    message: problem.message,
  }
}

export function importSummaryToApi(s: ImportSummary): z.infer<typeof importSummaryOut> {
  return {
    rows: s.rows,
    created: s.created,
    updated: s.updated,
    unchanged: s.unchanged,
    rejected_rows: s.rejectedRows,
    skipped_invalid: s.skippedInvalid,
    credit_limits: s.creditLimits,
    credit_limits_applied: s.creditLimitsApplied,
    credit_limits_awaiting_approval: s.creditLimitsAwaitingApproval,
    credit_limits_unchanged: s.creditLimitsUnchanged,
    credit_limits_skipped: s.creditLimitsSkipped.map(problemOut),
    credit_limits_skipped_truncated: s.creditLimitsSkippedTruncated,
    rejected: s.problems.map(problemOut),
    rejected_truncated: s.problemsTruncated,
  }
}
