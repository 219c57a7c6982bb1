import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyInstance } from 'fastify'
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod'
import { domainError } from './core/errors.js'
import { newId } from './core/ids.js'
import { handleError } from './http/problem.js'
import { roleMay } from './modules/auth/permissions.js'
import { authenticate } from './modules/auth/service.js'
import { modules } from './modules.js'
import type { Platform } from './platform.js'

// The HTTP app, assembled from each module's routes. Everything under /v1 needs an API key
// and the permission the route names; /health, /ready, /openapi.json and /docs are open.

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
  app.decorate('platform', platform)
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
        if (!permission) {
          if (request.is404) return // the 404 handler answers
          throw new Error(`Route ${request.routeOptions.url} names no permission`)
        }
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
  return app as unknown as FastifyInstance
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null
  return match?.[1]
}
