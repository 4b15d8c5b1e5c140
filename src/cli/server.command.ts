// `madoguchi start | serve | worker | migrate`: the ways to run Madoguchi.
// Heavy modules (Fastify, PGlite, argon2) are imported inside the actions, so `--help` and
// quick commands start fast.
import { Command, InvalidArgumentError } from 'commander';
import type { AppContext } from '../app/context.ts';
import type { RunOptions } from '../main.ts';
import { readConfig, type CliEnvironment } from './context.ts';

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('must be a port number (0–65535)');
  return n;
}

interface RunFlags {
  port?: number;
  dataDir?: string;
  sample?: boolean;
  adminEmail?: string;
  concurrency?: number;
}

async function runUntilSignal(cli: CliEnvironment, flags: RunFlags, mode: 'start' | 'serve' | 'worker'): Promise<void> {
  const config = readConfig(cli, {
    ...(flags.port === undefined ? {} : { port: flags.port }),
    ...(flags.dataDir === undefined ? {} : { dataDir: flags.dataDir }),
  });
  const started = performance.now();
  if (mode !== 'worker') {
    const { ensureWebBuild } = await import('../http/web-build.ts');
    await ensureWebBuild((line) => cli.out(line));
  }
  const [{ bootstrap }, { createLogger }, { run }, { seedSampleOrganization }, { ensureFirstAdministrator }] = await Promise.all([
    import('../app/bootstrap.ts'),
    import('../lib/logger.ts'),
    import('../main.ts'),
    import('../domains/organization/organization.service.ts'),
    import('../domains/staff/first-admin.ts'),
  ]);
  const booted = await bootstrap(config, { logger: createLogger(config.logLevel), env: cli.env });
  const { ctx } = booted;
  const options: RunOptions = {
    http: mode !== 'worker',
    worker: mode !== 'serve',
    scheduler: mode !== 'serve',
    ...(flags.concurrency === undefined ? {} : { concurrency: flags.concurrency }),
  };
  let firstAdmin: { email: string; setupLink: string } | null = null;
  if (mode === 'start') {
    if (flags.sample !== false) await seedSampleOrganization(ctx);
    firstAdmin = await ensureFirstAdministrator(ctx, flags.adminEmail);
  }
  const running = await run(ctx, options);
  printBanner(cli, ctx, mode, running.url, firstAdmin, performance.now() - started, booted.keyFileCreated);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  cli.out('Stopping…');
  await running.stop();
  await booted.close();
}

function printBanner(
  cli: CliEnvironment,
  ctx: AppContext,
  mode: string,
  url: string | null,
  firstAdmin: { email: string; setupLink: string } | null,
  ms: number,
  keyFileCreated: boolean,
): void {
  const db = ctx.config.database.kind === 'pglite' ? `PGlite in ${ctx.config.database.dataDir}` : 'PostgreSQL (DATABASE_URL)';
  const base = ctx.config.http.baseUrl;
  const lines = [
    '',
    `Madoguchi ${mode === 'start' ? 'is running' : `(${mode}) is running`} — ready in ${Math.round(ms)} ms`,
    `  database:       ${db}`,
  ];
  if (url) {
    lines.push(
      `  listening on:   ${url}`,
      `  privacy centre: ${base}/`,
      `  admin console:  ${base}/admin/`,
      `  API reference:  ${base}/api/docs  (OpenAPI: ${base}/api/openapi.json)`,
      `  health:         ${base}/healthz  ${base}/readyz  ${base}/metrics`,
    );
  }
  if (mode !== 'serve') lines.push('  jobs:           worker and scheduler running in this process');
  if (ctx.config.smtp === null && mode !== 'serve') {
    lines.push(`  email:          no SMTP configured: mail is kept in the development mailbox (${base}/admin/dev-mailbox)`);
  }
  if (keyFileCreated) {
    lines.push('', '  A new master key was written to the data directory (master-key.json). Back it up: without it', '  the encrypted documents and messages cannot be read.');
  }
  if (firstAdmin) {
    lines.push(
      '',
      '  First administrator:',
      `    email: ${firstAdmin.email}`,
      `    1. open this one-time link to choose a password (valid for 72 hours):`,
      `       ${firstAdmin.setupLink}`,
      `    2. sign in at ${base}/admin/ and set up the authenticator app it asks for (TOTP).`,
      '    Another link: `npx madoguchi staff create --email you@example.com --role admin`.',
    );
  }
  lines.push('', 'Press Ctrl+C to stop.', '');
  for (const l of lines) cli.out(l);
}

export function registerServerCommands(program: Command, cli: CliEnvironment): void {
  program
    .command('start')
    .description('Run everything in one process: HTTP server, job worker and scheduler (PGlite in ./data unless DATABASE_URL is set). Seeds the sample organisation on first start.')
    .option('-p, --port <port>', 'HTTP port (default MADOGUCHI_PORT or 3000)', parsePort)
    .option('--data-dir <dir>', 'data directory for PGlite and the key file (default MADOGUCHI_DATA_DIR or ./data)')
    .option('--no-sample', 'do not seed the fictional sample organisation')
    .option('--admin-email <email>', 'email of the first administrator created on first start', 'admin@example.com')
    .action((flags: RunFlags) => runUntilSignal(cli, flags, 'start'));

  program
    .command('serve')
    .description('Run only the HTTP server (for deployments with several processes on PostgreSQL).')
    .option('-p, --port <port>', 'HTTP port (default MADOGUCHI_PORT or 3000)', parsePort)
    .option('--data-dir <dir>', 'data directory (default MADOGUCHI_DATA_DIR or ./data)')
    .action((flags: RunFlags) => runUntilSignal(cli, flags, 'serve'));

  program
    .command('worker')
    .description('Run only the job worker and the scheduler (for deployments with several processes on PostgreSQL).')
    .option('--concurrency <n>', 'jobs run at the same time', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('must be a whole number from 1 to 64');
      return n;
    })
    .option('--data-dir <dir>', 'data directory (default MADOGUCHI_DATA_DIR or ./data)')
    .action((flags: RunFlags) => runUntilSignal(cli, flags, 'worker'));

  program
    .command('migrate')
    .description('Apply database migrations and exit (start, serve and worker also do this at start, under an advisory lock).')
    .option('--data-dir <dir>', 'data directory (default MADOGUCHI_DATA_DIR or ./data)')
    .action(async (flags: RunFlags) => {
      const config = readConfig(cli, flags.dataDir === undefined ? {} : { dataDir: flags.dataDir });
      const [{ openDatabase }, { migrateToLatest }] = await Promise.all([import('../db/database.ts'), import('../db/migrate.ts')]);
      const handle = await openDatabase(config.database);
      try {
        const { applied } = await migrateToLatest(handle.db as never);
        cli.out(applied.length === 0 ? 'The database is up to date.' : `Applied ${applied.length} migration(s):\n  ${applied.join('\n  ')}`);
      } finally {
        await handle.close();
      }
    });
}
