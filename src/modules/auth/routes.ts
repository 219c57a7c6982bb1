import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { idParam, problemReplies } from '../../http/schemas.js'
import { principalOf, read, write } from '../../http/unit-of-work.js'
import { rolePermissions, roles } from './permissions.js'
import {
  type ApiKey,
  createApiKey,
  createUser,
  listApiKeys,
  listUsers,
  revokeApiKey,
  type User,
} from './service.js'

const userOut = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(roles),
  status: z.enum(['active', 'disabled']),
  created_at: z.string(),
})

const apiKeyOut = z.object({
  id: z.string(),
  user_id: z.string(),
  name: z.string(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
})

const presentUser = (u: User) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  status: u.status,
  created_at: u.createdAt.toISOString(),
})

const presentKey = (k: ApiKey) => ({
  id: k.id,
  user_id: k.userId,
  name: k.name,
  created_at: k.createdAt.toISOString(),
  expires_at: k.expiresAt?.toISOString() ?? null,
  revoked_at: k.revokedAt?.toISOString() ?? null,
})

export async function authRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.get(
    '/me',
    {
      config: { permission: 'customers.read' },
      schema: {
        summary: 'Who this API key belongs to and what it may do',
        tags: ['users'],
        response: {
          200: z.object({
            tenant: z.string(),
            user_id: z.string(),
            email: z.string(),
            role: z.string(),
            permissions: z.array(z.string()),
          }),
          ...problemReplies,
        },
      },
    },
    async (request) => {
      const p = principalOf(request)
      return {
        tenant: p.tenantSlug,
        user_id: p.userId,
        email: p.email,
        role: p.role,
        permissions: [...rolePermissions(p.role)].sort(),
      }
    },
  )

  r.get(
    '/users',
    {
      config: { permission: 'users.manage' },
      schema: {
        summary: "The tenant's users",
        tags: ['users'],
        response: { 200: z.object({ data: z.array(userOut) }), ...problemReplies },
      },
    },
    async (request) => ({ data: (await read(request, listUsers)).map(presentUser) }),
  )

  r.post(
    '/users',
    {
      config: { permission: 'users.manage' },
      schema: {
        summary: 'Add a user with a role',
        tags: ['users'],
        body: z.object({
          email: z.string(),
          role: z.enum(roles),
          name: z.string().max(200).optional(),
        }),
        response: { 201: userOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 201, async (ctx) => presentUser(await createUser(ctx, request.body))),
  )

  r.get(
    '/api-keys',
    {
      config: { permission: 'users.manage' },
      schema: {
        summary: "The tenant's API keys (never their secrets)",
        tags: ['users'],
        querystring: z.object({ user_id: z.uuid().optional() }),
        response: { 200: z.object({ data: z.array(apiKeyOut) }), ...problemReplies },
      },
    },
    async (request) => ({
      data: (await read(request, (ctx) => listApiKeys(ctx, request.query.user_id))).map(presentKey),
    }),
  )

  r.post(
    '/api-keys',
    {
      config: { permission: 'users.manage' },
      schema: {
        summary: 'Make an API key for a user; the key is shown in this reply only',
        tags: ['users'],
        body: z.object({
          user_id: z.uuid(),
          name: z.string().max(200).optional(),
          expires_at: z.iso.datetime({ offset: true }).optional(),
        }),
        response: { 201: apiKeyOut.extend({ key: z.string() }), ...problemReplies },
      },
    },
    (request, reply) =>
      write(
        request,
        reply,
        201,
        async (ctx) => {
          const { key, apiKey } = await createApiKey(ctx, {
            userId: request.body.user_id,
            name: request.body.name,
            expiresAt: request.body.expires_at ? new Date(request.body.expires_at) : null,
          })
          return { ...presentKey(apiKey), key }
        },
        { redact: (body) => ({ ...(body as object), key: '(shown once, when it was made)' }) },
      ),
  )

  r.post(
    '/api-keys/:id/revoke',
    {
      config: { permission: 'users.manage' },
      schema: {
        summary: 'Revoke an API key at once',
        tags: ['users'],
        params: idParam,
        response: { 200: apiKeyOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        presentKey(await revokeApiKey(ctx, request.params.id)),
      ),
  )
}
