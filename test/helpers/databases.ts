// Databases for tests. Every data test runs on PGlite and on the real PostgreSQL server.
// Migrations run once per test run into a template (a PGlite data-directory dump, and a
// PostgreSQL template database); each test then gets its own copy, so tests own their data
// and never depend on one another.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { Kysely } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.ts';
import { PGliteDialect } from '../../src/db/pglite-dialect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

export type Engine = 'pglite' | 'postgres';

export const ENGINES: Engine[] = (process.env.MADOGUCHI_TEST_ENGINES ?? 'pglite,postgres')
  .split(',')
  .filter((e): e is Engine => e === 'pglite' || e === 'postgres');

/** The maintenance connection of the test PostgreSQL server. */
export const PG_ADMIN_URL = process.env.MADOGUCHI_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RUN_ID = process.env.MADOGUCHI_TEST_RUN_ID ?? `solo${process.pid}`;
export const PG_DB_PREFIX = `mdg_t_${RUN_ID}`;
const PG_TEMPLATE = `${PG_DB_PREFIX}_tpl`;
const TMP_DIR = path.resolve(process.env.MADOGUCHI_TEST_TMP ?? '.test-tmp', RUN_ID);
const PGLITE_TEMPLATE = path.join(TMP_DIR, 'pglite-template.tar');

export function pgUrlFor(database: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates both templates; the test runner calls this once before the test files start. */
export async function prepareTemplates(engines: Engine[] = ENGINES): Promise<void> {
  mkdirSync(TMP_DIR, { recursive: true });
  if (engines.includes('pglite') && !existsSync(PGLITE_TEMPLATE)) {
    const migrated = await PGlite.create();
    const db = new Kysely<unknown>({ dialect: new PGliteDialect(migrated) });
    await migrateToLatest(db);
    const blob = await migrated.dumpDataDir('none');
    const tmp = `${PGLITE_TEMPLATE}.${process.pid}`;
    writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()));
    renameSync(tmp, PGLITE_TEMPLATE);
    await db.destroy();
    await migrated.close();
  }
  if (engines.includes('postgres')) {
    const exists = await withAdmin(async (c) => (await c.query('select 1 from pg_database where datname = $1', [PG_TEMPLATE])).rowCount);
    if (!exists) {
      await withAdmin((c) => c.query(`create database "${PG_TEMPLATE}"`));
      const h = await openDatabase({ kind: 'postgres', url: pgUrlFor(PG_TEMPLATE) });
      await migrateToLatest(h.db as never);
      await h.close();
    }
  }
}

export interface TestDatabase extends DatabaseHandle {
  engine: Engine;
  /** PostgreSQL only: the URL of this test's own database (for child processes). */
  url?: string;
}

/** A freshly migrated database of its own for one test (or one suite). */
export async function freshDatabase(engine: Engine, options: { poolSize?: number } = {}): Promise<TestDatabase> {
  await prepareTemplates([engine]);
  if (engine === 'pglite') {
    const bytes = readFileSync(PGLITE_TEMPLATE);
    const handle = await openDatabase({ kind: 'pglite-memory', loadDataDir: new Blob([bytes]) });
    return { ...handle, engine };
  }
  const name = `${PG_DB_PREFIX}_${randomBytes(5).toString('hex')}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await withAdmin((c) => c.query(`create database "${name}" template "${PG_TEMPLATE}"`));
      break;
    } catch (err) {
      // Two copies started at the same moment can collide on the template; try again.
      if (attempt >= 10) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  const url = pgUrlFor(name);
  const handle = await openDatabase({ kind: 'postgres', url }, options);
  return {
    ...handle,
    engine,
    url,
    close: async () => {
      await handle.close();
      await withAdmin((c) => c.query(`drop database if exists "${name}" with (force)`)).catch(() => {});
    },
  };
}

/** Drops every database this run created (the runner calls it at the end). */
export async function dropRunDatabases(): Promise<number> {
  return withAdmin(async (c) => {
    const { rows } = await c.query<{ datname: string }>('select datname from pg_database where datname like $1', [
      `${PG_DB_PREFIX}\\_%`,
    ]);
    for (const r of rows) await c.query(`drop database if exists "${r.datname}" with (force)`);
    return rows.length;
  });
}
