import type { Command } from 'commander'
import { inCliTenant } from '../../cli/tenant-scope.js'
import { notFound } from '../../core/errors.js'
import { isUuid } from '../../core/ids.js'
import type { Ctx } from '../../db/context.js'
import type { CliContext } from '../../platform.js'

// What the command lines of the parts of collections share.

/** The `collections` command, made by whichever part of collections registers first. */
export function collectionsCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'collections') ??
    program
      .command('collections')
      .description('Collections: promises, plans, direct debit, the worklist and timelines')
  )
}

/** The `o2c dunning` group: policies and runs (dunning/), templates and letters (messages/). */
export function dunningCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'dunning') ??
    program.command('dunning').description('Dunning: runs, policies, templates, letters')
  )
}

/** A customer named on the command line by id or number. */
export async function customerIdOf(ctx: Ctx, text: string): Promise<string> {
  const row = await ctx.db
    .selectFrom('customer')
    .select('id')
    .where('tenantId', '=', ctx.tenantId)
    .where(isUuid(text) ? 'id' : 'number', '=', text)
    .executeTakeFirst()
  if (!row) throw notFound('customer', text)
  return row.id
}

/** Runs a command's work in the tenant of --tenant (or O2C_TENANT), the platform opened for it. */
export function cliTenantRunner(cli: CliContext) {
  return async <T>(name: string, options: { tenant?: string }, work: (ctx: Ctx) => Promise<T>) =>
    inCliTenant(await cli.platform(name), cli.tenantSlug(options), work)
}
