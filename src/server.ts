import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod'
import { domainError } from './core/errors.js'
import { newId } from './core/ids.js'
import { handleError, sendProblem } from './http/problem.js'
import { roleMay } from './modules/auth/permissions.js'
import { authenticate } from './modules/auth/service.js'
import { modules } from './modules.js'
import type { Platform } from './platform.js'

// The HTTP app, assembled from each module's routes. Everything under /v1 needs an API key
// and the permission the route names; /health, /ready, /openapi.json and /docs are open, and
// so are the modules' public routes (publicRoutes: a pay page, a provider's webhook).

export async function buildServer(platform: Platform): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: platform.log,
    genReqId: () => newId(),
    requestIdHeader: 'x-request-id',
    // Bank files and CSV imports arrive as bodies; 64 MB is a large customer file.
    bodyLimit: 64 * 1024 * 1024,
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.setErrorHandler(handleError)
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      domainError('request.not_found', `No route ${request.method} ${request.url}`),
    ),
  )
  app.decorate('platform', platform)
  waitForRequestsInFlightOnClose(app as unknown as FastifyInstance)
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  )

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'o2c API',
        version: '1',
        description:
          'Order-to-cash: customers, credit control, orders and shipments. Authenticate with ' +
          '`Authorization: Bearer <api key>`. Money is a decimal string with its currency. ' +
          'Errors are RFC 9457 problem+json.',
      },
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }))
  app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await platform.store.db
        .selectFrom('schemaMigration' as never)
        .select([])
        .limit(1)
        .execute()
      return { status: 'ready' }
    } catch {
      return reply.status(503).send({ status: 'not ready' })
    }
  })

  await app.register(
    async (v1) => {
      // A route without a permission is a programmer's mistake: refuse it at start-up,
      // not on the first request.
      v1.addHook('onRoute', (route) => {
        if (!route.config?.permission) {
          throw new Error(`Route ${route.method} ${route.url} names no permission in its config`)
        }
      })
      v1.addHook('onRequest', async (request) => {
        const presented = bearerToken(request.headers.authorization) ?? request.headers['x-api-key']
        if (typeof presented !== 'string' || presented === '') {
          throw domainError(
            'request.unauthenticated',
            'Send your API key as "Authorization: Bearer <key>"',
          )
        }
        request.principal = await authenticate(platform.store, presented, platform.clock.now())
        const permission = request.routeOptions.config.permission
        if (!permission) return // no route here: the 404 handler answers
        if (!roleMay(request.principal.role, permission)) {
          throw domainError(
            'request.forbidden',
            `The role ${request.principal.role} may not do this (needs ${permission})`,
            { permission },
          )
        }
      })
      for (const module of modules) {
        if (module.routes) await v1.register(module.routes)
      }
    },
    { prefix: '/v1' },
  )
  for (const module of modules) {
    if (module.publicRoutes) await app.register(module.publicRoutes)
  }
  return app as unknown as FastifyInstance
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null
  return match?.[1]
}

// How long close() waits for requests in flight before it gives up on them.
const closeGraceMs = 30_000

/**
 * app.close() stops the listener and waits for the HTTP requests in flight, but not for
 * requests made with inject() (tests, and any in-process caller). Counting them here makes
 * close() wait for every request, so the store is never closed under a running one. And
 * it makes close() end keep-alive connections as soon as their request is answered.
 */
function waitForRequestsInFlightOnClose(app: FastifyInstance): void {
  const inFlight = new Set<FastifyRequest>()
  let drained: (() => void) | undefined
  const done = async (request: FastifyRequest) => {
    inFlight.delete(request)
    if (inFlight.size === 0) drained?.()
  }
  app.addHook('onRequest', async (request) => {
    inFlight.add(request)
  })
  app.addHook('onResponse', done)
  app.addHook('onRequestAbort', done)
  // A keep-alive connection would hold close() open until its idle timeout (72 s in Fastify)
  // once its last request is answered: answers sent while closing end their connection.
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close')
  })
  app.addHook('onClose', async () => {
    if (inFlight.size === 0) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, closeGraceMs)
      drained = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  })
}
