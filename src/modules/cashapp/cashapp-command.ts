import type { Command } from 'commander'

// The `o2c cashapp` command group. Several parts of cash application add their commands to it
// (`o2c cashapp remittance`, `o2c cashapp export`), each from its own file, so the group is
// found on the program if one of them made it already, and made otherwise.

export function cashappCommand(program: Command): Command {
  return (
    program.commands.find((command) => command.name() === 'cashapp') ??
    program.command('cashapp').description('Cash application: remittance advices, matching')
  )
}
