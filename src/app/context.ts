// The application context: what every service and route needs, built once at start-up from
// the configuration and passed explicitly (no module-level singletons).
import type { Config } from '../config/config.ts';
import type { Db } from '../db/database.ts';
import type { FulfillmentProvider } from '../domains/fulfillment/fulfillment.port.ts';
import type { Vault } from '../domains/vault/vault.service.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';

export interface AppContext {
  config: Config;
  db: Db;
  dbKind: 'pglite' | 'postgres';
  clock: Clock;
  logger: Logger;
  vault: Vault;
  /** Who answers a request entering work; the manual desk when absent (the engine plugs in here). */
  fulfillment?: FulfillmentProvider;
  /**
   * The environment the configuration was loaded from, kept so that a job can read the
   * connection secrets a stored fulfilment connection names by variable (readConnectionSecret).
   * Nothing else reads it.
   */
  env: Readonly<Record<string, string | undefined>>;
}
