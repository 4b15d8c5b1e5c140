// Shared plumbing for CLI commands: parse the configuration once, open the database, run the
// command, close everything, and turn configuration errors into a readable message and exit
// code 2 instead of a stack trace.
import type { Booted } from '../app/bootstrap.ts';
import type { AppContext } from '../app/context.ts';
import { ConfigError, loadConfig, processEnvironment, type Config, type ConfigOverrides } from '../config/config.ts';

export interface CliEnvironment {
  env: Record<string, string | undefined>;
  cwd: string;
  out: (line: string) => void;
  err: (line: string) => void;
}

export function defaultCliEnvironment(): CliEnvironment {
  return {
    env: processEnvironment(),
    cwd: process.cwd(),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
}

export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export function readConfig(cli: CliEnvironment, overrides: ConfigOverrides = {}): Config {
  try {
    return loadConfig(cli.env, overrides, cli.cwd);
  } catch (err) {
    if (err instanceof ConfigError) {
      cli.err(err.message);
      throw new CliExit(2);
    }
    throw err;
  }
}

/** Boots a context for a one-shot command, with logs kept to warnings. */
export async function withContext<T>(
  cli: CliEnvironment,
  overrides: ConfigOverrides,
  fn: (ctx: AppContext, booted: Booted) => Promise<T>,
): Promise<T> {
  const config = readConfig(cli, overrides);
  const level = config.logLevel === 'info' ? 'warn' : config.logLevel;
  const [{ bootstrap }, { createLogger }] = await Promise.all([import('../app/bootstrap.ts'), import('../lib/logger.ts')]);
  const booted = await bootstrap(config, { logger: createLogger(level), env: cli.env });
  try {
    return await fn(booted.ctx, booted);
  } finally {
    await booted.close();
  }
}
