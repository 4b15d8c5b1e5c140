// The `madoguchi` command line: one sub-command per file in src/cli/, registered here.
import { Command, CommanderError } from 'commander';
import { registerAdminCommands } from './admin.command.ts';
import { registerAuditCommands } from './audit.command.ts';
import { registerConnectionCommands } from './connection.command.ts';
import { registerDatamapCommands } from './datamap.command.ts';
import { registerDsrCommands } from './dsr.command.ts';
import { registerRequestCommands } from './request.command.ts';
import { registerRetentionCommands } from './retention.command.ts';
import { registerServerCommands } from './server.command.ts';
import { CliExit, defaultCliEnvironment, type CliEnvironment } from './context.ts';

export function buildProgram(cli: CliEnvironment): Command {
  const program = new Command('madoguchi')
    .description(
      'Madoguchi (窓口): the privacy centre, request desk, data map and records that keep a Japanese company’s personal-information promises.',
    )
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => cli.out(s.trimEnd()), writeErr: (s) => cli.err(s.trimEnd()) });
  registerServerCommands(program, cli);
  registerAdminCommands(program, cli);
  registerAuditCommands(program, cli);
  registerDatamapCommands(program, cli);
  registerDsrCommands(program, cli);
  registerConnectionCommands(program, cli);
  registerRequestCommands(program, cli);
  registerRetentionCommands(program, cli);
  return program;
}

export async function main(argv: string[], cli: CliEnvironment = defaultCliEnvironment()): Promise<void> {
  const program = buildProgram(cli);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof CliExit) {
      process.exitCode = err.exitCode;
      return;
    }
    cli.err(`madoguchi: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
