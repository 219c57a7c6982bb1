import { type Argument, Command } from 'commander'
import { migrate } from '../db/migrate.js'
import { modules } from '../modules.js'
import type { CliContext } from '../platform.js'

// The `o2c` program: the platform's own commands (serve, migrate) and every module's. Built
// apart from src/cli.ts, which runs it, so tests can walk the commands without running any.

export type ProgramActions = {
  /** Starts the API and the worker and resolves when the server has stopped. */
  serve(): Promise<void>
}

export function buildProgram(cli: CliContext, actions: ProgramActions): Command {
  const program = new Command('o2c')
    .description('o2c — order-to-cash: customers, credit, orders, invoicing, cash, collections')
    .showHelpAfterError()
    .exitOverride()

  program
    .command('serve')
    .description('Start the API and the worker (PORT, default 3000)')
    .action(() => actions.serve())

  program
    .command('migrate')
    .description('Apply the database migrations that are not yet applied')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const platform = await cli.platform('migrate')
      const applied = await migrate(platform.store) // openPlatform has applied them already
      const message =
        applied.length === 0 ? 'The schema is up to date.' : `Applied ${applied.join(', ')}`
      if (options.json) {
        process.stdout.write(
          `${JSON.stringify({ ok: true, store: platform.store.kind, applied })}\n`,
        )
      } else {
        process.stdout.write(`${message} (${platform.store.kind}: ${platform.store.location})\n`)
      }
    })

  for (const module of modules) module.commands?.(program, cli)

  // A tenant command without a tenant is refused before the store is opened (which takes a
  // few seconds on PGlite), so the user hears at once how to name one.
  program.hook('preAction', (_program, command) => {
    if (command.options.some((option) => option.long === '--tenant')) {
      cli.tenantSlug(command.opts())
    }
  })

  // `o2c --help` lists every command a user can run ("tenants create <slug>"), not only the
  // groups: one screen shows all there is. `o2c tenants --help` shows one group as usual.
  program.configureHelp({
    visibleCommands: (cmd) => [...leafCommands(cmd), ...helpCommandOf(cmd)],
    subcommandTerm: (cmd) => commandPath(cmd),
    // A terminal gets its own width; piped into a file or a pager, one command per line.
    ...(process.stdout.isTTY ? {} : { helpWidth: 120 }),
  })
  program.addHelpText(
    'after',
    '\nRun `o2c <command> --help` for its options. Tenant commands take --tenant <slug> or ' +
      'O2C_TENANT;\ncommands that print a result take --json.',
  )
  return program
}

/**
 * The commands that run something, depth first, in the order they were added. A command with
 * subcommands that also runs by itself (`cashapp remittance <files...>` beside
 * `cashapp remittance list`) is listed before them.
 */
export function leafCommands(cmd: Command): Command[] {
  return cmd.commands
    .filter((sub) => !(sub as Command & { _hidden?: boolean })._hidden)
    .flatMap((sub) =>
      sub.commands.length > 0 ? [...(runs(sub) ? [sub] : []), ...leafCommands(sub)] : [sub],
    )
}

function runs(cmd: Command): boolean {
  return (cmd as Command & { _actionHandler: unknown })._actionHandler != null
}

/** "tenants create <slug>": the words to type after `o2c`, then its arguments. */
export function commandPath(cmd: Command): string {
  const names: string[] = []
  for (let at: Command | null = cmd; at?.parent; at = at.parent) names.unshift(at.name())
  if (names.length === 0) names.push(cmd.name()) // the implicit help command has no parent
  const args = cmd.registeredArguments.map((arg) => humanReadableArgName(arg))
  return [...names, ...args].join(' ')
}

function humanReadableArgName(arg: Argument): string {
  const name = `${arg.name()}${arg.variadic ? '...' : ''}`
  return arg.required ? `<${name}>` : `[${name}]`
}

function helpCommandOf(cmd: Command): Command[] {
  const help = (cmd as Command & { _getHelpCommand(): Command | null })._getHelpCommand()
  return help ? [help] : []
}
