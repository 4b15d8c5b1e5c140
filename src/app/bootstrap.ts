// Start-up: configuration → database → migrations → keyring → context. Every entry point
// (start, serve, worker, the CLI commands, the tests) builds its context here.
import { processEnvironment, type Config } from '../config/config.ts';
import { openDatabase, type DatabaseHandle } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { closeSharedConnectors } from '../domains/fulfillment/connections.ts';
import { engineFulfillment } from '../domains/fulfillment/engine.provider.ts';
import { createVault } from '../domains/vault/vault.service.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import { openKeyring } from '../lib/keyring.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import type { AppContext } from './context.ts';

export interface BootOptions {
  clock?: Clock;
  logger?: Logger;
  /** Run migrations before returning (default true). */
  migrate?: boolean;
  /** Use this database instead of opening the configured one (tests). */
  database?: DatabaseHandle;
  poolSize?: number;
  /** The environment `config` was loaded from (connection secrets); the process environment when absent. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface Booted {
  ctx: AppContext;
  keyFileCreated: boolean;
  close(): Promise<void>;
}

export async function bootstrap(config: Config, options: BootOptions = {}): Promise<Booted> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const handle =
    options.database ??
    (await openDatabase(config.database, options.poolSize === undefined ? {} : { poolSize: options.poolSize }));
  try {
    if (options.migrate !== false) {
      const { applied } = await migrateToLatest(handle.db as never);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }
    const { keyring, created } = openKeyring(config);
    if (created) {
      logger.warn(
        { keyFile: keyring.source.kind === 'file' ? keyring.source.path : undefined },
        'generated a new master key in the data directory: back it up; without it the encrypted data cannot be read',
      );
    }
    const ctx: AppContext = {
      config,
      db: handle.db,
      dbKind: handle.kind,
      clock: options.clock ?? systemClock,
      logger,
      vault: createVault(keyring),
      // Always the engine: it answers from the data map's connected systems and hands the
      // request to the manual desk when none of them is connected (docs/fulfillment-engine.md).
      fulfillment: engineFulfillment,
      env: { ...(options.env ?? processEnvironment()) },
    };
    return {
      ctx,
      keyFileCreated: created,
      // Connectors engine runs kept open would otherwise hold the process alive.
      close: async () => {
        await closeSharedConnectors(handle.db);
        await handle.close();
      },
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}
