import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { canonicalJson } from '../core/canonical-json.js'
import { domainError } from '../core/errors.js'
import { type Ctx, inTenant } from '../db/context.js'
import type { Permission } from '../modules/auth/permissions.js'
import type { Principal } from '../modules/auth/service.js'
import type { Platform } from '../platform.js'

// Routes stay thin: parse, call the service inside one of these, shape the reply.
// read() runs the service in a tenant transaction; write() does the same and makes the
// request idempotent: with an Idempotency-Key, the key and the response are stored in the
// transaction of the change, so a repeat returns the first response and changes nothing.

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal
  }
  interface FastifyContextConfig {
    /** The permission a route needs; routes under /v1 without one are refused. */
    permission?: Permission
  }
  interface FastifyInstance {
    platform: Platform
  }
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw domainError('request.unauthenticated', 'Send an API key')
  return request.principal
}

function scopeOf(request: FastifyRequest) {
  const principal = principalOf(request)
  return {
    tenantId: principal.tenantId,
    timeZone: principal.timeZone,
    actor: { type: 'user' as const, id: principal.userId, name: principal.email },
    requestId: request.id,
  }
}

export async function read<T>(request: FastifyRequest, work: (ctx: Ctx) => Promise<T>): Promise<T> {
  const { store, clock } = request.server.platform
  return inTenant(store, scopeOf(request), work, clock)
}

// Keys are the client's; bound their size so a key cannot be used to store a novel.
const idempotencyKeyLengthMax = 255

export type WriteOptions = {
  /** What of the reply may be kept for replays: a secret shown once is not stored. */
  redact?: (body: unknown) => unknown
}

/**
 * Runs a change and sends its result with `status`. The body the work returns is what the
 * client gets; if it has a numeric `version`, it goes out as the ETag too.
 */
export async function write(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  work: (ctx: Ctx) => Promise<unknown>,
  options: WriteOptions = {},
): Promise<void> {
  const { store, clock } = request.server.platform
  const key = request.headers['idempotency-key']
  if (typeof key === 'string' && key.length > idempotencyKeyLengthMax) {
    throw domainError(
      'request.invalid',
      `Idempotency-Key is longer than ${idempotencyKeyLengthMax} characters`,
      {
        field: 'Idempotency-Key',
      },
    )
  }
  const outcome = await inTenant(
    store,
    scopeOf(request),
    async (ctx) => {
      if (typeof key !== 'string' || key === '') return { status, body: await work(ctx) }
      const requestHash = createHash('sha256')
        .update(`${request.method} ${request.url}\n${canonicalJson(request.body ?? null)}`)
        .digest('hex')
      // A concurrent request with the same key waits here until the first one commits.
      const claimed = await ctx.db
        .insertInto('idempotencyKey')
        .values({
          tenantId: ctx.tenantId,
          key,
          requestHash,
          method: request.method,
          path: request.url,
          statusCode: null,
          responseBody: null,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('key')
        .executeTakeFirst()
      if (!claimed) {
        const earlier = await ctx.db
          .selectFrom('idempotencyKey')
          .select(['requestHash', 'statusCode', 'responseBody', 'method', 'path'])
          .where('key', '=', key)
          .executeTakeFirstOrThrow()
        if (earlier.requestHash !== requestHash) {
          throw domainError(
            'request.idempotency_key_reused',
            `Idempotency-Key "${key}" was first used for ${earlier.method} ${earlier.path} with another body`,
            { field: 'Idempotency-Key' },
          )
        }
        return { status: earlier.statusCode ?? status, body: earlier.responseBody, replayed: true }
      }
      const body = await work(ctx)
      await ctx.db
        .updateTable('idempotencyKey')
        .set({
          statusCode: status,
          responseBody: JSON.stringify((options.redact ? options.redact(body) : body) ?? null),
        })
        .where('key', '=', key)
        .execute()
      return { status, body }
    },
    clock,
  )
  if ('replayed' in outcome) reply.header('idempotent-replayed', 'true')
  const version = (outcome.body as { version?: unknown } | null)?.version
  if (typeof version === 'number') reply.header('etag', etag(version))
  await reply.status(outcome.status).send(outcome.body)
}

export function etag(version: number): string {
  return `"${version}"`
}

/**
 * The version the client last read, from If-Match. Updates require it, so that two clerks
 * editing one record cannot silently overwrite each other.
 */
export function expectedVersion(request: FastifyRequest): number {
  const header = request.headers['if-match']
  if (!header) {
    throw domainError(
      'request.precondition_required',
      'Send If-Match with the ETag of the version you are changing (GET it first)',
      { field: 'If-Match' },
    )
  }
  const match = /^(?:W\/)?"(\d+)"$/.exec(header.trim())
  if (!match) {
    throw domainError('request.invalid', `If-Match ${header} is not an ETag this API handed out`, {
      field: 'If-Match',
    })
  }
  return Number(match[1])
}

/** Sends a resource with its ETag. */
export function withEtag<T extends { version: number }>(reply: FastifyReply, body: T): T {
  reply.header('etag', etag(body.version))
  return body
}
