import type { FastifyInstance } from 'fastify'
import type { Config } from './config.js'
import { inTenant } from './db/context.js'
import { recordServerUrl } from './db/folder-lock.js'
import { countTenants, createApiKey, createTenant, createUser } from './modules/auth/index.js'
import { type InboundMailServer, startInboundMail } from './modules/cashapp/index.js'
import { startWorker, type Worker } from './modules/outbox/index.js'
import { jobHandlers } from './modules.js'
import type { Platform } from './platform.js'
import { buildServer } from './server.js'

export type Running = {
  app: FastifyInstance
  worker?: Worker
  /** The SMTP listener for remittance advices, when O2C_INBOUND_SMTP_PORT is set. */
  inboundMail?: InboundMailServer
  url: string
  stop(): Promise<void>
}

/** Starts the API and the worker in this process, on the platform given. */
export async function serve(platform: Platform, config: Config): Promise<Running> {
  const app = await buildServer(platform)
  // Listen before making the first key: if the port is taken, nothing was made whose key
  // the user would never see.
  await app.listen({ port: config.PORT, host: config.HOST })
  const url = urlOf(app, config)
  let welcome: Welcome | undefined
  let inboundMail: InboundMailServer | undefined
  try {
    welcome = await bootstrapEmptyStore(platform)
    if (config.O2C_INBOUND_SMTP_PORT !== undefined && config.O2C_INBOUND_MAIL_DOMAIN) {
      inboundMail = await startInboundMail(platform, {
        port: config.O2C_INBOUND_SMTP_PORT,
        host: config.O2C_INBOUND_SMTP_HOST,
        domain: config.O2C_INBOUND_MAIL_DOMAIN,
      })
    }
  } catch (error) {
    await app.close()
    throw error
  }
  // Other o2c commands on this data folder will point the user at the running server.
  const { store } = platform
  if (store.kind === 'pglite' && !store.location.startsWith('memory://')) {
    recordServerUrl(store.location, url)
  }
  const worker = config.O2C_WORKER === 'on' ? startWorker(platform, jobHandlers()) : undefined
  platform.log.info({ url, store: store.kind, location: store.location }, 'o2c is up')
  if (welcome) printWelcome(welcome, url)

  let stopping: Promise<void> | undefined
  return {
    app,
    worker,
    inboundMail,
    url,
    // Graceful: stop accepting, let requests in flight finish (app.close() waits for them,
    // see buildServer), let running jobs finish, then close the store, which waits for any
    // transaction still open. Nothing is left half-written: each unit of work is one
    // transaction.
    stop() {
      stopping ??= (async () => {
        await inboundMail?.close()
        await app.close()
        await worker?.stop()
        await platform.store.close()
      })()
      return stopping
    },
  }
}

function urlOf(app: FastifyInstance, config: Config): string {
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.PORT
  const anyAddress = config.HOST === '0.0.0.0' || config.HOST === '::'
  const host = anyAddress
    ? 'localhost'
    : config.HOST.includes(':')
      ? `[${config.HOST}]`
      : config.HOST
  return `http://${host}:${port}`
}

type Welcome = { tenant: string; email: string; key: string }

/**
 * On an empty store, makes a first tenant with an admin user and key, so that a new user
 * can call the API at once. The key is printed this once and never stored in clear.
 */
async function bootstrapEmptyStore(platform: Platform): Promise<Welcome | undefined> {
  if ((await countTenants(platform.store)) > 0) return undefined
  const actor = 'o2c first start'
  const tenant = await createTenant(platform.store, { slug: 'default', name: 'My company' }, actor)
  const email = 'admin@example.com'
  const scope = {
    tenantId: tenant.tenantId,
    timeZone: tenant.timeZone,
    actor: { type: 'system' as const, id: null, name: actor },
  }
  const key = await inTenant(platform.store, scope, async (ctx) => {
    const user = await createUser(ctx, { email, role: 'admin', name: 'Administrator' })
    return (await createApiKey(ctx, { userId: user.id, name: 'first start' })).key
  })
  return { tenant: tenant.slug, email, key }
}

function printWelcome(welcome: Welcome, url: string): void {
  process.stdout.write(
    [
      '',
      `  o2c made a first tenant "${welcome.tenant}" with an admin user ${welcome.email}.`,
      '  Its API key is shown this once; keep it somewhere safe:',
      '',
      `    ${welcome.key}`,
      '',
      '  Try it:',
      `    curl -H "Authorization: Bearer ${welcome.key}" ${url}/v1/me`,
      '',
      `  API docs: ${url}/docs`,
      '',
    ].join('\n'),
  )
}
