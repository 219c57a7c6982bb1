import { domainError, invalid, notFound } from '../../core/errors.js'
import { isUuid, newId } from '../../core/ids.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { emitEvent } from '../outbox/index.js'
import { type AccountPurpose, accountPurposes } from './chart.js'
import './errors.js'
import { type Account, ensureChartOfAccounts, listAccounts } from './service.js'
import { type AccountKind, accountKinds } from './tables.js'

// The tenant's chart of accounts, as its bookkeeper configures it. Postings find an account
// by purpose, so codes and names are the tenant's to choose. Two rules keep the books
// readable: journal lines name their account by code, so an account with lines keeps its
// code; and its purpose, because the lines were posted for that purpose (moving the
// receivable purpose to an empty account would leave the control account's history behind).

export type AccountWithUse = Account & {
  /** Whether journal lines name the account; then it keeps its code and purpose. */
  hasLines: boolean
}

export type NewAccount = {
  code: string
  name: string
  kind: AccountKind
  purpose?: AccountPurpose | null
}

export type AccountChange = {
  code?: string
  name?: string
  /** null clears the purpose. */
  purpose?: AccountPurpose | null
  active?: boolean
}

const codePattern = /^[A-Za-z0-9][A-Za-z0-9.-]{0,31}$/
const nameLengthMax = 200

/** The chart, by code, with how many journal lines each account has. */
export async function chartOfAccounts(ctx: Ctx): Promise<AccountWithUse[]> {
  return ctx.db
    .selectFrom('account as a')
    .select((eb) => [
      'a.id',
      'a.code',
      'a.name',
      'a.kind',
      'a.purpose',
      'a.active',
      eb
        .exists(
          eb
            .selectFrom('journalLine as l')
            .select('l.lineNo')
            .whereRef('l.accountCode', '=', 'a.code'),
        )
        .as('hasLines'),
    ])
    .orderBy('a.code')
    .execute()
    .then((rows) => rows.map((r) => ({ ...r, hasLines: Boolean(r.hasLines) })))
}

export async function getAccount(ctx: Ctx, id: string): Promise<AccountWithUse> {
  if (!isUuid(id)) throw notFound('account', id)
  const account = (await chartOfAccountsWhere(ctx, id))[0]
  if (!account) throw notFound('account', id)
  return account
}

/** Adds an account to the chart. */
export async function createAccount(ctx: Ctx, input: NewAccount): Promise<AccountWithUse> {
  const issues = checkFields(input)
  if (!accountKinds.includes(input.kind)) {
    issues.push({ field: 'kind', message: `must be one of ${accountKinds.join(', ')}` })
  }
  if (issues.length > 0) throw invalid(issues)
  await refuseTakenCode(ctx, input.code, null)
  if (input.purpose) await refuseTakenPurpose(ctx, input.purpose, null)

  const account: Account = {
    id: newId(),
    code: input.code,
    name: input.name.trim(),
    kind: input.kind,
    purpose: input.purpose ?? null,
    active: true,
  }
  await ctx.db
    .insertInto('account')
    .values({ tenantId: ctx.tenantId, ...account, createdAt: ctx.now })
    .execute()
  chartOfTransaction.delete(ctx)
  await recordAudit(ctx, {
    entityType: 'account',
    entityId: account.id,
    action: 'created',
    after: account,
  })
  await emitEvent(ctx, {
    type: 'ledger.account_created',
    entityType: 'account',
    entityId: account.id,
    payload: { id: account.id, code: account.code, name: account.name, purpose: account.purpose },
  })
  return { ...account, hasLines: false }
}

/**
 * Renames, renumbers, (de)activates an account or gives it a purpose. Refused: a new code
 * or a changed purpose for an account with journal lines, a code or purpose another
 * account has, and deactivating an account postings look up by its purpose.
 */
export async function updateAccount(
  ctx: Ctx,
  id: string,
  change: AccountChange,
): Promise<AccountWithUse> {
  if (!isUuid(id)) throw notFound('account', id)
  const issues = checkFields(change)
  if (issues.length > 0) throw invalid(issues)
  const before = await ctx.db
    .selectFrom('account')
    .select(['id', 'code', 'name', 'kind', 'purpose', 'active'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst()
  if (!before) throw notFound('account', id)

  const after: Account = {
    ...before,
    code: change.code ?? before.code,
    name: change.name?.trim() ?? before.name,
    purpose: change.purpose === undefined ? before.purpose : change.purpose,
    active: change.active ?? before.active,
  }
  const codeChanged = after.code !== before.code
  const purposeChanged = after.purpose !== before.purpose
  if (
    (codeChanged || (purposeChanged && before.purpose !== null)) &&
    (await hasLines(ctx, before.code))
  ) {
    const what = codeChanged ? `renumbered to ${after.code}` : 'given another purpose'
    throw domainError(
      'ledger.account_has_lines',
      `Account ${before.code} has journal lines, so it cannot be ${what}; ` +
        'open a new account and post a transfer to it instead',
      { field: codeChanged ? 'code' : 'purpose', account_code: before.code },
    )
  }
  if (codeChanged) await refuseTakenCode(ctx, after.code, id)
  if (purposeChanged && after.purpose) await refuseTakenPurpose(ctx, after.purpose, id)
  if (!after.active && after.purpose !== null) {
    throw domainError(
      'ledger.account_has_purpose',
      `Account ${after.code} is the ${after.purpose} account that postings look up; ` +
        'give that purpose to another account before deactivating it',
      { field: 'active', account_code: after.code, purpose: after.purpose },
    )
  }
  const changed = (['code', 'name', 'purpose', 'active'] as const).filter(
    (field) => after[field] !== before[field],
  )
  if (changed.length === 0) return getAccount(ctx, id)

  await ctx.db
    .updateTable('account')
    .set({ code: after.code, name: after.name, purpose: after.purpose, active: after.active })
    .where('id', '=', id)
    .execute()
  chartOfTransaction.delete(ctx)
  await recordAudit(ctx, { entityType: 'account', entityId: id, action: 'updated', before, after })
  await emitEvent(ctx, {
    type: 'ledger.account_updated',
    entityType: 'account',
    entityId: id,
    payload: { id, code: after.code, changed },
  })
  return getAccount(ctx, id)
}

// The chart as read in a transaction: a billing run's batch posts fifty entries in one.
// Changing an account here forgets it.
const chartOfTransaction = new WeakMap<Ctx, Account[]>()

/**
 * The code of the active account for each purpose. A tenant whose chart lacks one (made
 * before that purpose existed, or before its first posting) is given the default chart's
 * missing accounts first; a purpose that still has no active account is refused
 * (ledger.account_unknown).
 *
 *   const { receivable, revenue } = await accountCodesFor(ctx, ['receivable', 'revenue'])
 */
export async function accountCodesFor<P extends AccountPurpose>(
  ctx: Ctx,
  purposes: readonly P[],
): Promise<Record<P, string>> {
  const activeFor = (chart: Account[], purpose: P) =>
    chart.find((a) => a.purpose === purpose && a.active)
  let chart = chartOfTransaction.get(ctx) ?? (await listAccounts(ctx))
  if (purposes.some((purpose) => !activeFor(chart, purpose))) {
    chart = await ensureChartOfAccounts(ctx)
  }
  chartOfTransaction.set(ctx, chart)
  const codes = {} as Record<P, string>
  for (const purpose of purposes) {
    const account = activeFor(chart, purpose)
    if (!account) {
      throw domainError(
        'ledger.account_unknown',
        `The chart has no active account with purpose ${purpose}; add one (o2c ledger accounts)`,
        { purpose },
      )
    }
    codes[purpose] = account.code
  }
  return codes
}

/** The code of the active account with this purpose (accountCodesFor, for one). */
export async function accountCodeFor(ctx: Ctx, purpose: AccountPurpose): Promise<string> {
  return (await accountCodesFor(ctx, [purpose]))[purpose]
}

function checkFields(fields: {
  code?: string
  name?: string
  purpose?: string | null
}): Array<{ field: string; message: string }> {
  const issues: Array<{ field: string; message: string }> = []
  if (fields.code !== undefined && !codePattern.test(fields.code)) {
    issues.push({
      field: 'code',
      message: 'must be 1 to 32 letters, digits, dots or hyphens, starting with a letter or digit',
    })
  }
  if (fields.name !== undefined) {
    const name = fields.name.trim()
    if (name === '' || name.length > nameLengthMax) {
      issues.push({ field: 'name', message: `must be 1 to ${nameLengthMax} characters` })
    }
  }
  if (fields.purpose != null && !(accountPurposes as readonly string[]).includes(fields.purpose)) {
    issues.push({ field: 'purpose', message: `must be one of ${accountPurposes.join(', ')}` })
  }
  return issues
}

async function refuseTakenCode(ctx: Ctx, code: string, exceptId: string | null): Promise<void> {
  const holder = await ctx.db
    .selectFrom('account')
    .select(['id', 'name'])
    .where('code', '=', code)
    .executeTakeFirst()
  if (holder && holder.id !== exceptId) {
    throw domainError(
      'ledger.account_code_taken',
      `Account code ${code} is taken by "${holder.name}"`,
      { field: 'code', account_id: holder.id },
    )
  }
}

async function refuseTakenPurpose(
  ctx: Ctx,
  purpose: string,
  exceptId: string | null,
): Promise<void> {
  const holder = await ctx.db
    .selectFrom('account')
    .select(['id', 'code'])
    .where('purpose', '=', purpose)
    .executeTakeFirst()
  if (holder && holder.id !== exceptId) {
    throw domainError(
      'ledger.purpose_taken',
      `Account ${holder.code} has purpose ${purpose}; clear it there first`,
      { field: 'purpose', account_id: holder.id, account_code: holder.code },
    )
  }
}

async function hasLines(ctx: Ctx, code: string): Promise<boolean> {
  const line = await ctx.db
    .selectFrom('journalLine')
    .select('lineNo')
    .where('accountCode', '=', code)
    .limit(1)
    .executeTakeFirst()
  return line !== undefined
}

async function chartOfAccountsWhere(ctx: Ctx, id: string): Promise<AccountWithUse[]> {
  const account = await ctx.db
    .selectFrom('account')
    .select(['id', 'code', 'name', 'kind', 'purpose', 'active'])
    .where('id', '=', id)
    .executeTakeFirst()
  if (!account) return []
  return [{ ...account, hasLines: await hasLines(ctx, account.code) }]
}
