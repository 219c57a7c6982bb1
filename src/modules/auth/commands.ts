import type { Command } from 'commander'
import { printResult, table } from '../../cli/output.js'
import { cliActorName, inCliTenant } from '../../cli/tenant-scope.js'
import type { CliContext } from '../../platform.js'
import { roles } from './permissions.js'
import {
  createApiKey,
  createTenant,
  createUser,
  findUserByEmail,
  listApiKeys,
  listUsers,
  revokeApiKey,
} from './service.js'

export function authCommands(program: Command, cli: CliContext): void {
  const tenants = program.command('tenants').description('Client companies served by this o2c')
  tenants
    .command('create <slug>')
    .description('Create a tenant')
    .option('--name <name>', 'legal name shown on documents')
    .option('--time-zone <zone>', 'IANA time zone for business dates', 'Europe/Amsterdam')
    .option('--json', 'print JSON')
    .action(async (slug: string, options) => {
      const platform = await cli.platform('tenants create')
      const tenant = await createTenant(
        platform.store,
        { slug, name: options.name, timeZone: options.timeZone },
        cliActorName(),
        platform.clock,
      )
      printResult(options, tenant, `Created tenant ${tenant.slug} (${tenant.tenantId})`)
    })
  tenants
    .command('list')
    .description('List tenants')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const platform = await cli.platform('tenants list')
      const rows = await platform.store.db
        .selectFrom('tenant')
        .select(['tenantId', 'slug', 'name', 'timeZone', 'createdAt'])
        .orderBy('slug')
        .execute()
      printResult(
        options,
        rows,
        table(
          ['SLUG', 'NAME', 'ID'],
          rows.map((t) => [t.slug, t.name, t.tenantId]),
        ),
      )
    })

  const users = program.command('users').description("A tenant's users and their roles")
  users
    .command('create <email>')
    .description('Add a user to a tenant with a role')
    .requiredOption('--role <role>', `one of: ${roles.join(', ')}`)
    .option('--name <name>', 'full name')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (email: string, options) => {
      const platform = await cli.platform('users create')
      const user = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        createUser(ctx, { email, role: options.role, name: options.name }),
      )
      printResult(options, user, `Created user ${user.email} (${user.role})`)
    })
  users
    .command('list')
    .description("List a tenant's users")
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const platform = await cli.platform('users list')
      const rows = await inCliTenant(platform, cli.tenantSlug(options), listUsers)
      printResult(
        options,
        rows,
        table(
          ['EMAIL', 'ROLE', 'STATUS'],
          rows.map((u) => [u.email, u.role, u.status]),
        ),
      )
    })

  const keys = program.command('keys').description('API keys')
  keys
    .command('create')
    .description('Make an API key for a user and print it (shown this once)')
    .requiredOption('--user <email>', 'the user the key acts as')
    .option('--name <name>', 'what the key is for')
    .option('--expires <date>', 'expiry date or instant (ISO 8601)')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const platform = await cli.platform('keys create')
      const expiresAt = options.expires ? new Date(options.expires) : null
      if (expiresAt && Number.isNaN(expiresAt.getTime())) {
        throw new Error(`--expires ${options.expires} is not a date`)
      }
      const created = await inCliTenant(platform, cli.tenantSlug(options), async (ctx) => {
        const user = await findUserByEmail(ctx, options.user)
        return createApiKey(ctx, { userId: user.id, name: options.name, expiresAt })
      })
      printResult(options, { ...created.apiKey, key: created.key }, created.key)
    })
  keys
    .command('list')
    .description("List a tenant's API keys (never their secrets)")
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const platform = await cli.platform('keys list')
      const rows = await inCliTenant(platform, cli.tenantSlug(options), (ctx) => listApiKeys(ctx))
      printResult(
        options,
        rows,
        table(
          ['ID', 'NAME', 'EXPIRES', 'REVOKED'],
          rows.map((k) => [
            k.id,
            k.name,
            k.expiresAt?.toISOString() ?? '',
            k.revokedAt?.toISOString() ?? '',
          ]),
        ),
      )
    })
  keys
    .command('revoke <id>')
    .description('Revoke an API key at once')
    .option('--tenant <slug>', 'tenant (or O2C_TENANT)')
    .option('--json', 'print JSON')
    .action(async (id: string, options) => {
      const platform = await cli.platform('keys revoke')
      const key = await inCliTenant(platform, cli.tenantSlug(options), (ctx) =>
        revokeApiKey(ctx, id),
      )
      printResult(options, key, `Revoked key ${key.id}`)
    })
}
