import type { Selectable } from 'kysely'
import { z } from 'zod'
import { domainError, type FieldIssue } from '../../../core/errors.js'
import { isUuid, newId } from '../../../core/ids.js'
import type { Ctx } from '../../../db/context.js'
import { recordAudit } from '../../audit/index.js'
import {
  type CollectionsTables,
  dunningActions,
  dunningChannels,
  policyInterestKinds,
  stepAnchors,
} from '../tables.js'
import { defaultPolicies } from './default-policies.js'

// Dunning policies: a sequence of steps, chosen for a customer by a rule. The API and the CLI
// speak them in snake_case with the steps given whole; a save replaces the steps. A step that
// messages were sent for cannot be taken away (the messages name it): deactivate the policy
// and make a new one instead.

const segments = ['consumer', 'small_business', 'enterprise', 'public_sector'] as const
const riskClasses = ['A', 'B', 'C', 'D', 'E'] as const
const minorText = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,17})$/, 'must be whole minor units, e.g. "5000"')

export const policyRuleSchema = z
  .object({
    segments: z.array(z.enum(segments)).min(1).optional(),
    risk_classes: z.array(z.enum(riskClasses)).min(1).optional(),
    min_open_minor: minorText.optional(),
    max_open_minor: minorText.optional(),
    attributes: z
      .record(
        z.string().regex(/^[a-z0-9_]{1,64}$/, 'attribute names are snake_case'),
        z.array(z.string().min(1).max(200)).min(1),
      )
      .optional(),
    flags: z
      .array(z.string().regex(/^[a-z0-9_]{1,64}$/, 'flags are snake_case'))
      .min(1)
      .optional(),
  })
  .strict()

export const policyStepSchema = z
  .object({
    position: z.number().int().min(1).max(50).optional(),
    anchor: z.enum(stepAnchors),
    days: z.number().int().min(-60).max(365),
    channel: z.enum(dunningChannels),
    template_key: z
      .string()
      .regex(/^[a-z0-9_.-]{1,64}$/, 'is 1 to 64 of a-z, 0-9, _ . - (a template key)'),
    action: z.enum(dunningActions),
  })
  .strict()

export const policyInputSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'is 1 to 64 of a-z, 0-9, _ . - starting a-z or 0-9'),
    description: z.string().max(500).optional(),
    priority: z.number().int().min(0).max(100_000),
    active: z.boolean().optional(),
    interest_kind: z.enum(policyInterestKinds).optional(),
    rule: policyRuleSchema.optional(),
    steps: z.array(policyStepSchema).min(1).max(50),
    version: z.number().int().optional(),
  })
  .strict()

export type PolicyRule = z.infer<typeof policyRuleSchema>
export type PolicyInput = z.infer<typeof policyInputSchema>
export type PolicyStep = Required<Omit<z.infer<typeof policyStepSchema>, 'position'>> & {
  position: number
}

export type DunningPolicy = {
  id: string
  name: string
  description: string
  priority: number
  active: boolean
  interest_kind: (typeof policyInterestKinds)[number]
  rule: PolicyRule
  steps: PolicyStep[]
  created_at: string
  updated_at: string
  version: number
}

/**
 * Checks a policy as given (API body, CLI file) and returns it with positions filled in; every
 * problem is named by its path (`steps[2].days`), all at once.
 */
export function checkPolicy(given: unknown): PolicyInput & { steps: PolicyStep[] } {
  const parsed = policyInputSchema.safeParse(given)
  if (!parsed.success) {
    throw policyInvalid(
      parsed.error.issues.map((issue) => ({
        field: issue.path.join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]') || 'policy',
        message: issue.message,
      })),
    )
  }
  const policy = parsed.data
  const issues: FieldIssue[] = []
  const steps = policy.steps.map((s, index) => ({ ...s, position: index + 1 }))
  policy.steps.forEach((s, index) => {
    if (s.position !== undefined && s.position !== index + 1) {
      issues.push({
        field: `steps[${index}].position`,
        message: `is ${s.position}, but the step is number ${index + 1} in the list: list the steps in order`,
      })
    }
  })
  let offset = Number.NEGATIVE_INFINITY
  steps.forEach((s, index) => {
    const at = `steps[${index}]`
    if (index === 0 && s.anchor !== 'due_date') {
      issues.push({ field: `${at}.anchor`, message: 'the first step counts from the due date' })
    }
    if (s.anchor === 'previous_step' && s.days < 1) {
      issues.push({
        field: `${at}.days`,
        message: 'a step after the previous one comes 1 day or more after it',
      })
    }
    if (s.action === 'pre_due_nudge') {
      if (index !== 0) {
        issues.push({
          field: `${at}.action`,
          message: 'a pre-due nudge can only be the first step',
        })
      }
      if (s.anchor !== 'due_date' || s.days >= 0) {
        issues.push({
          field: `${at}.days`,
          message: 'a pre-due nudge comes before the due date (days below 0)',
        })
      }
    } else if (s.anchor === 'due_date' && s.days < 1) {
      issues.push({
        field: `${at}.days`,
        message: `a ${s.action} comes after the due date (days 1 or more)`,
      })
    }
    // A nudge is skipped for an item that is already due, so the step after it must not
    // count from it.
    if (index === 1 && steps[0].action === 'pre_due_nudge' && s.anchor !== 'due_date') {
      issues.push({
        field: `${at}.anchor`,
        message:
          'the step after a pre-due nudge counts from the due date (the nudge is skipped for items already due)',
      })
    }
    const at_offset = s.anchor === 'due_date' ? s.days : offset + s.days
    if (index > 0 && s.anchor === 'due_date' && at_offset <= offset) {
      issues.push({
        field: `${at}.days`,
        message: `is ${s.days} days after the due date, not after step ${index} (${offset} days): list the steps in order`,
      })
    }
    offset = at_offset
  })
  const forConsumers = !policy.rule?.segments || policy.rule.segments.includes('consumer')
  if (forConsumers) {
    const letter = steps.findIndex((s) => s.action === 'fourteen_day_letter')
    const charge = steps.findIndex((s) => s.action === 'charge_costs_and_interest')
    if (charge >= 0 && (letter < 0 || letter > charge)) {
      issues.push({
        field: `steps[${charge}].action`,
        message:
          'a policy for consumers charges costs only after a 14-day letter step (art. 6:96 lid 6 BW): put a fourteen_day_letter step before it',
      })
    }
  }
  const rule = policy.rule ?? {}
  if (rule.min_open_minor !== undefined && rule.max_open_minor !== undefined) {
    if (BigInt(rule.min_open_minor) > BigInt(rule.max_open_minor)) {
      issues.push({ field: 'rule.min_open_minor', message: 'is above rule.max_open_minor' })
    }
  }
  if (issues.length > 0) throw policyInvalid(issues)
  return { ...policy, steps }
}

function policyInvalid(issues: FieldIssue[]) {
  const first = issues[0]
  return domainError('collections.policy_invalid', `${first.field}: ${first.message}`, {
    errors: issues,
  })
}

type PolicyRow = Selectable<CollectionsTables['dunningPolicy']>
type StepRow = Selectable<CollectionsTables['dunningStep']>

function policyOut(row: PolicyRow, steps: StepRow[]): DunningPolicy {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    priority: row.priority,
    active: row.active,
    interest_kind: row.interestKind,
    rule: row.rule as PolicyRule,
    steps: steps
      .filter((s) => s.policyId === row.id)
      .sort((a, b) => a.position - b.position)
      .map((s) => ({
        position: s.position,
        anchor: s.anchor,
        days: s.days,
        channel: s.channel,
        template_key: s.templateKey,
        action: s.action,
      })),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    version: row.version,
  }
}

/** The tenant's policies by priority (the defaults are seeded on first use). */
export async function listPolicies(ctx: Ctx): Promise<DunningPolicy[]> {
  await ensureDefaultPolicies(ctx)
  const rows = await ctx.db
    .selectFrom('dunningPolicy')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .orderBy('priority')
    .orderBy('name')
    .execute()
  const steps = await ctx.db
    .selectFrom('dunningStep')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .execute()
  return rows.map((row) => policyOut(row, steps))
}

/** One policy by id or name. */
export async function getPolicy(ctx: Ctx, idOrName: string): Promise<DunningPolicy> {
  await ensureDefaultPolicies(ctx)
  const row = await ctx.db
    .selectFrom('dunningPolicy')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .where(isUuid(idOrName) ? 'id' : 'name', '=', idOrName)
    .executeTakeFirst()
  if (!row) throw policyUnknown(idOrName)
  const steps = await ctx.db
    .selectFrom('dunningStep')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .where('policyId', '=', row.id)
    .execute()
  return policyOut(row, steps)
}

function policyUnknown(idOrName: string) {
  return domainError('collections.policy_unknown', `No dunning policy ${idOrName}`, {
    policy: idOrName,
  })
}

/** Makes a policy with its steps, audited. */
export async function createPolicy(ctx: Ctx, given: unknown): Promise<DunningPolicy> {
  const policy = checkPolicy(given)
  await ensureDefaultPolicies(ctx)
  const id = newId()
  const inserted = await ctx.db
    .insertInto('dunningPolicy')
    .values({
      tenantId: ctx.tenantId,
      id,
      name: policy.name,
      description: policy.description ?? '',
      priority: policy.priority,
      rule: JSON.stringify(policy.rule ?? {}),
      interestKind: policy.interest_kind ?? 'none',
      active: policy.active ?? true,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    })
    .onConflict((oc) => oc.columns(['tenantId', 'name']).doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!inserted) throw nameTaken(policy.name)
  await insertSteps(ctx, id, policy.steps)
  const after = await getPolicy(ctx, id)
  await recordAudit(ctx, {
    entityType: 'dunning_policy',
    entityId: id,
    action: 'created',
    after,
  })
  return after
}

function nameTaken(name: string) {
  return domainError('collections.policy_name_taken', `A dunning policy named ${name} exists`, {
    field: 'name',
    name,
  })
}

/**
 * Replaces a policy (steps given whole) if it is still at `expectedVersion` (If-Match).
 * Steps that messages were sent for may change their wording, not disappear.
 */
export async function updatePolicy(
  ctx: Ctx,
  idOrName: string,
  expectedVersion: number,
  given: unknown,
): Promise<DunningPolicy> {
  const before = await getPolicy(ctx, idOrName)
  const policy = checkPolicy(given)
  const locked = await ctx.db
    .selectFrom('dunningPolicy')
    .select('version')
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', before.id)
    .forUpdate()
    .executeTakeFirstOrThrow()
  if (locked.version !== expectedVersion) {
    throw domainError(
      'request.stale_etag',
      `Dunning policy ${before.name} is at version ${locked.version}; you changed version ${expectedVersion}`,
      { field: 'If-Match', current_version: locked.version },
    )
  }
  if (policy.name !== before.name) {
    const clash = await ctx.db
      .selectFrom('dunningPolicy')
      .select('id')
      .where('tenantId', '=', ctx.tenantId)
      .where('name', '=', policy.name)
      .executeTakeFirst()
    if (clash) throw nameTaken(policy.name)
  }
  const used = await ctx.db
    .selectFrom('dunningMessage')
    .select('stepPosition')
    .distinct()
    .where('tenantId', '=', ctx.tenantId)
    .where('policyId', '=', before.id)
    .where('stepPosition', '>', policy.steps.length)
    .execute()
  if (used.length > 0) {
    const position = Math.min(...used.map((u) => u.stepPosition))
    throw policyInvalid([
      {
        field: 'steps',
        message: `step ${position} was sent to customers and cannot be taken away; deactivate this policy and make a new one`,
      },
    ])
  }
  await ctx.db
    .updateTable('dunningPolicy')
    .set({
      name: policy.name,
      description: policy.description ?? '',
      priority: policy.priority,
      rule: JSON.stringify(policy.rule ?? {}),
      interestKind: policy.interest_kind ?? 'none',
      active: policy.active ?? true,
      updatedAt: ctx.now,
      version: locked.version + 1,
    })
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', before.id)
    .execute()
  await ctx.db
    .deleteFrom('dunningStep')
    .where('tenantId', '=', ctx.tenantId)
    .where('policyId', '=', before.id)
    .where('position', '>', policy.steps.length)
    .execute()
  await insertSteps(ctx, before.id, policy.steps)
  const after = await getPolicy(ctx, before.id)
  await recordAudit(ctx, {
    entityType: 'dunning_policy',
    entityId: before.id,
    action: 'updated',
    before,
    after,
  })
  return after
}

async function insertSteps(ctx: Ctx, policyId: string, steps: readonly PolicyStep[]) {
  await ctx.db
    .insertInto('dunningStep')
    .values(
      steps.map((s) => ({
        tenantId: ctx.tenantId,
        policyId,
        position: s.position,
        anchor: s.anchor,
        days: s.days,
        channel: s.channel,
        templateKey: s.template_key,
        action: s.action,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['tenantId', 'policyId', 'position']).doUpdateSet((eb) => ({
        anchor: eb.ref('excluded.anchor'),
        days: eb.ref('excluded.days'),
        channel: eb.ref('excluded.channel'),
        templateKey: eb.ref('excluded.templateKey'),
        action: eb.ref('excluded.action'),
      })),
    )
    .execute()
}

/**
 * Gives a tenant without any policy the default ones (default-policies.ts), audited. A tenant
 * that has policies keeps its own, even when it switched every one of them off.
 */
export async function ensureDefaultPolicies(ctx: Ctx): Promise<number> {
  const any = await ctx.db
    .selectFrom('dunningPolicy')
    .select('id')
    .where('tenantId', '=', ctx.tenantId)
    .limit(1)
    .executeTakeFirst()
  if (any) return 0
  let added = 0
  for (const given of defaultPolicies) {
    const policy = checkPolicy(given)
    const id = newId()
    // A concurrent first use may seed the same names meanwhile: theirs stands.
    const inserted = await ctx.db
      .insertInto('dunningPolicy')
      .values({
        tenantId: ctx.tenantId,
        id,
        name: policy.name,
        description: policy.description ?? '',
        priority: policy.priority,
        rule: JSON.stringify(policy.rule ?? {}),
        interestKind: policy.interest_kind ?? 'none',
        active: true,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .onConflict((oc) => oc.columns(['tenantId', 'name']).doNothing())
      .returning('id')
      .executeTakeFirst()
    if (!inserted) continue
    await insertSteps(ctx, id, policy.steps)
    await recordAudit(ctx, {
      entityType: 'dunning_policy',
      entityId: id,
      action: 'created',
      after: { ...policy, id, seeded: 'default' },
    })
    added++
  }
  return added
}
