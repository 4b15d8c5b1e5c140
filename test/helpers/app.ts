// A whole Madoguchi for one test: its own database (PGlite or PostgreSQL), a random master
// key, silent logs and a clock the test can move. Nothing is mocked.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { bootstrap } from '../../src/app/bootstrap.ts';
import type { AppContext } from '../../src/app/context.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { buildServer } from '../../src/http/server.ts';
import { AdjustableClock } from '../../src/lib/clock.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { freshDatabase, type Engine, type TestDatabase } from './databases.ts';

export interface TestApp {
  engine: Engine;
  ctx: AppContext;
  app: FastifyInstance;
  clock: AdjustableClock;
  config: Config;
  database: TestDatabase;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
}

export function testEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    MADOGUCHI_DATA_DIR: dataDir,
    MADOGUCHI_MASTER_KEY: randomBytes(32).toString('base64'),
    MADOGUCHI_LOG_LEVEL: 'silent',
    MADOGUCHI_BASE_URL: 'http://madoguchi.test',
    ...extra,
  };
}

export async function startTestApp(engine: Engine, options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mdg-test-'));
  const config = loadConfig(testEnv(dataDir, options.env));
  const database = await freshDatabase(engine);
  const clock = new AdjustableClock();
  const booted = await bootstrap(config, { database, clock, logger: createLogger('silent'), migrate: false });
  const app = await buildServer(booted.ctx);
  await app.ready();
  return {
    engine,
    ctx: booted.ctx,
    app,
    clock,
    config,
    database,
    close: async () => {
      await app.close();
      await booted.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
