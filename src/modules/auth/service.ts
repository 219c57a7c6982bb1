import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { domainError, notFound } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import { type Clock, type Ctx, inTenant, systemClock, type TenantScope } from '../../db/context.js'
import type { Store } from '../../db/store.js'
import { recordAudit, startAuditChain } from '../audit/service.js'
import { isRole, type Role } from './permissions.js'

export type Tenant = { tenantId: string; slug: string; name: string; timeZone: string }

export type Principal = {
  tenantId: string
  tenantSlug: string
  timeZone: string
  userId: string
  email: string
  role: Role
  keyId: string
}

const slugPattern = /^[a-z0-9][a-z0-9-]{1,62}$/

/** Creates a tenant with its audit chain; the first audit event is the tenant itself. */
export async function createTenant(
  store: Store,
  input: { slug: string; name?: string; timeZone?: string },
  actorName: string,
  clock: Clock = systemClock,
): Promise<Tenant> {
  if (!slugPattern.test(input.slug)) {
    throw domainError(
      'auth.tenant_slug_invalid',
      `"${input.slug}" is not a tenant slug: use 2–63 lower-case letters, digits and dashes`,
      { field: 'slug' },
    )
  }
  if (await findTenant(store, input.slug)) {
    throw domainError('auth.tenant_slug_taken', `A tenant "${input.slug}" exists already`, {
      field: 'slug',
    })
  }
  const tenant: Tenant = {
    tenantId: newId(),
    slug: input.slug,
    name: input.name ?? input.slug,
    timeZone: input.timeZone ?? 'Europe/Amsterdam',
  }
  const scope: TenantScope = {
    tenantId: tenant.tenantId,
    timeZone: tenant.timeZone,
    actor: { type: 'system', id: null, name: actorName },
  }
  await inTenant(
    store,
    scope,
    async (ctx) => {
      await ctx.db.insertInto('tenant').values(tenant).execute()
      await startAuditChain(ctx)
      await recordAudit(ctx, {
        entityType: 'tenant',
        entityId: tenant.tenantId,
        action: 'created',
        after: tenant,
      })
    },
    clock,
  )
  return tenant
}

/** Finds a tenant by slug. Runs outside any tenant: this is how a command learns its tenant. */
export async function findTenant(store: Store, slug: string): Promise<Tenant | undefined> {
  return store.db
    .selectFrom('tenant')
    .select(['tenantId', 'slug', 'name', 'timeZone'])
    .where('slug', '=', slug)
    .executeTakeFirst()
}

export async function countTenants(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('tenant')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

export type User = {
  id: string
  email: string
  name: string
  role: Role
  status: 'active' | 'disabled'
  createdAt: Date
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export async function createUser(
  ctx: Ctx,
  input: { email: string; role: string; name?: string },
): Promise<User> {
  const email = input.email.trim().toLowerCase()
  if (!emailPattern.test(email)) {
    throw domainError('request.invalid', `"${input.email}" is not an email address`, {
      field: 'email',
    })
  }
  if (!isRole(input.role)) {
    throw domainError('auth.role_unknown', `"${input.role}" is not a role`, { field: 'role' })
  }
  const taken = await ctx.db
    .selectFrom('appUser')
    .select('id')
    .where('email', '=', email)
    .executeTakeFirst()
  if (taken) {
    throw domainError('auth.user_email_taken', `A user ${email} exists already`, {
      field: 'email',
    })
  }
  const user = await ctx.db
    .insertInto('appUser')
    .values({
      tenantId: ctx.tenantId,
      id: newId(),
      email,
      name: input.name ?? '',
      role: input.role,
    })
    .returning(['id', 'email', 'name', 'role', 'status', 'createdAt'])
    .executeTakeFirstOrThrow()
  await recordAudit(ctx, { entityType: 'user', entityId: user.id, action: 'created', after: user })
  return user as User
}

export async function listUsers(ctx: Ctx): Promise<User[]> {
  const rows = await ctx.db
    .selectFrom('appUser')
    .select(['id', 'email', 'name', 'role', 'status', 'createdAt'])
    .orderBy('email')
    .execute()
  return rows as User[]
}

export async function findUserByEmail(ctx: Ctx, email: string): Promise<User> {
  const user = await ctx.db
    .selectFrom('appUser')
    .select(['id', 'email', 'name', 'role', 'status', 'createdAt'])
    .where('email', '=', email.trim().toLowerCase())
    .executeTakeFirst()
  if (!user) {
    throw domainError('auth.user_unknown', `No user ${email} in this tenant`, { field: 'user' })
  }
  return user as User
}

export type ApiKey = {
  id: string
  userId: string
  name: string
  createdAt: Date
  expiresAt: Date | null
  revokedAt: Date | null
}

// A key reads o2c_<key id>_<secret>. The id finds the row; only a hash of the secret is
// stored, so the key is shown once, when it is made, and never again. The secret has 256
// random bits, so a plain SHA-256 is as strong as a slow password hash would be.
const keyPattern = /^o2c_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

function keyIdToUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export async function createApiKey(
  ctx: Ctx,
  input: { userId: string; name?: string; expiresAt?: Date | null },
): Promise<{ key: string; apiKey: ApiKey }> {
  const user = await ctx.db
    .selectFrom('appUser')
    .select('id')
    .where('id', '=', input.userId)
    .executeTakeFirst()
  if (!user) throw notFound('user', input.userId)
  const id = newId()
  const secret = randomBytes(32).toString('base64url')
  const apiKey = await ctx.db
    .insertInto('apiKey')
    .values({
      tenantId: ctx.tenantId,
      id,
      userId: input.userId,
      name: input.name ?? '',
      secretHash: hashSecret(secret),
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
      lastUsedAt: null,
    })
    .returning(['id', 'userId', 'name', 'createdAt', 'expiresAt', 'revokedAt'])
    .executeTakeFirstOrThrow()
  await recordAudit(ctx, { entityType: 'api_key', entityId: id, action: 'created', after: apiKey })
  return { key: `o2c_${id.replaceAll('-', '')}_${secret}`, apiKey }
}

export async function listApiKeys(ctx: Ctx, userId?: string): Promise<ApiKey[]> {
  let query = ctx.db
    .selectFrom('apiKey')
    .select(['id', 'userId', 'name', 'createdAt', 'expiresAt', 'revokedAt'])
    .orderBy('id')
  if (userId) query = query.where('userId', '=', userId)
  return query.execute()
}

export async function revokeApiKey(ctx: Ctx, keyId: string): Promise<ApiKey> {
  const before = await ctx.db
    .selectFrom('apiKey')
    .select(['id', 'userId', 'name', 'createdAt', 'expiresAt', 'revokedAt'])
    .where('id', '=', keyId)
    .forUpdate()
    .executeTakeFirst()
  if (!before) throw notFound('api_key', keyId)
  if (before.revokedAt) return before
  const after = await ctx.db
    .updateTable('apiKey')
    .set({ revokedAt: ctx.now })
    .where('id', '=', keyId)
    .returning(['id', 'userId', 'name', 'createdAt', 'expiresAt', 'revokedAt'])
    .executeTakeFirstOrThrow()
  await recordAudit(ctx, {
    entityType: 'api_key',
    entityId: keyId,
    action: 'revoked',
    before,
    after,
  })
  return after
}

/**
 * Resolves a presented API key to who is calling. Runs before the tenant is known, as one
 * indexed read outside any tenant context. Every failure is a 401 that says why.
 */
export async function authenticate(store: Store, presented: string, now: Date): Promise<Principal> {
  const match = keyPattern.exec(presented)
  if (!match) {
    throw domainError('auth.key_invalid', 'The API key is not in the form o2c_<id>_<secret>')
  }
  const row = await store.db
    .selectFrom('apiKey')
    .innerJoin('appUser', (join) =>
      join
        .onRef('appUser.tenantId', '=', 'apiKey.tenantId')
        .onRef('appUser.id', '=', 'apiKey.userId'),
    )
    .innerJoin('tenant', 'tenant.tenantId', 'apiKey.tenantId')
    .select([
      'apiKey.id as keyId',
      'apiKey.secretHash',
      'apiKey.expiresAt',
      'apiKey.revokedAt',
      'appUser.id as userId',
      'appUser.email',
      'appUser.role',
      'appUser.status',
      'tenant.tenantId',
      'tenant.slug',
      'tenant.timeZone',
    ])
    .where('apiKey.id', '=', keyIdToUuid(match[1]))
    .executeTakeFirst()
  const presentedHash = Buffer.from(hashSecret(match[2]), 'hex')
  if (!row || !timingSafeEqual(presentedHash, Buffer.from(row.secretHash, 'hex'))) {
    throw domainError('auth.key_invalid', 'No such API key')
  }
  if (row.revokedAt) {
    throw domainError(
      'auth.key_revoked',
      `This API key was revoked on ${row.revokedAt.toISOString()}`,
    )
  }
  if (row.expiresAt && row.expiresAt <= now) {
    throw domainError('auth.key_expired', `This API key expired on ${row.expiresAt.toISOString()}`)
  }
  if (row.status !== 'active') {
    throw domainError('auth.user_disabled', `The user ${row.email} is disabled`)
  }
  return {
    tenantId: row.tenantId,
    tenantSlug: row.slug,
    timeZone: row.timeZone,
    userId: row.userId,
    email: row.email,
    role: row.role as Role,
    keyId: row.keyId,
  }
}
