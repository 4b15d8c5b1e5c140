// `madoguchi connection add | list | test` as an operator runs them: a separate process on the
// configured database, the URL in an environment variable or piped in on standard input, and a
// test that tells reachable-and-writable (exit 0) from read-only (exit 1).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { testEnv } from '../helpers/app.ts';
import { ENGINES, freshDatabase, type TestDatabase } from '../helpers/databases.ts';
import { ROOT, createPgDatabase, pgExec, uniqueName, type ScratchDatabase } from '../fixtures/engine/fides-databases.ts';

const BIN = path.join(ROOT, 'bin', 'madoguchi.js');
const SHOP_MAP = path.join(ROOT, 'examples', 'datamap', 'shop-db.yml');
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MADOGUCHI_') && k !== 'DATABASE_URL'));

for (const engine of ENGINES) {
  describe(`madoguchi connection [${engine}]`, () => {
    let dir: string;
    let env: Record<string, string>;
    let database: TestDatabase | undefined;
    let shop: ScratchDatabase;
    const role = uniqueName('mdg_fx_ro');

    const madoguchi = (args: string[], extra: Record<string, string> = {}, input?: string) => {
      const res = spawnSync(process.execPath, [BIN, ...args], { env: { ...cleanEnv, ...env, ...extra }, cwd: ROOT, encoding: 'utf8', ...(input === undefined ? {} : { input }) });
      return { code: res.status, out: res.stdout, err: res.stderr };
    };

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'mdg-connection-cli-'));
      env = testEnv(dir, { MADOGUCHI_LOG_LEVEL: 'error' });
      if (engine === 'postgres') {
        database = await freshDatabase('postgres', { poolSize: 1 });
        env.DATABASE_URL = String(database.url);
      }
      shop = await createPgDatabase();
      await pgExec(shop.url, `create table customers (customer_number text primary key, email text); create table addresses (address_id int primary key);
        create table orders (order_number text primary key); create table order_items (order_number text); create table payment_tokens (token_id text primary key);
        create role ${role} login; grant select on all tables in schema public to ${role};`);
    });
    after(async () => {
      await database?.close();
      await shop?.drop();
      await pgExec(shop.url.replace(/\/[^/]+$/, '/postgres'), `drop role if exists ${role}`).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    });

    test('add, test and list connections', () => {
      const added = madoguchi(['connection', 'add', 'shop_db_readwrite', '--kind', 'postgresql', '--env', 'SHOP_URL']);
      assert.equal(added.code, 0, added.err);
      assert.match(added.out, /Created connection shop_db_readwrite \(postgresql, secret from \$SHOP_URL\)/);

      const ok = madoguchi(['connection', 'test', 'shop_db_readwrite', '--datamap', SHOP_MAP], { SHOP_URL: shop.url });
      assert.equal(ok.code, 0, ok.err);
      assert.match(ok.out, /shop_db_readwrite: reachable, can write \(PostgreSQL [\d.]+; can update and delete in 5 table\(s\)/);

      const ro = new URL(shop.url);
      ro.username = role;
      const readOnly = madoguchi(['connection', 'test', 'shop_db_readwrite', '--datamap', SHOP_MAP], { SHOP_URL: ro.toString() });
      assert.equal(readOnly.code, 1);
      assert.match(readOnly.out, /reachable, cannot write .*shop\.customers \(permission_denied\)/);

      const unset = madoguchi(['connection', 'test', 'shop_db_readwrite']);
      assert.equal(unset.code, 2);
      assert.match(unset.err, /the environment variable SHOP_URL is not set/);

      const piped = madoguchi(['connection', 'add', 'archive', '--url-stdin'], {}, `${shop.url}\n`);
      assert.equal(piped.code, 0, piped.err);
      assert.match(piped.out, /Created connection archive \(postgresql, secret from vault\)/);
      const viaVault = madoguchi(['connection', 'test', 'archive']);
      assert.equal(viaVault.code, 0, viaVault.err);
      assert.match(viaVault.out, /archive: reachable, can write/);

      const list = madoguchi(['connection', 'list']);
      assert.equal(list.code, 0, list.err);
      assert.match(list.out, /archive\s+postgresql\s+vault\s+last tested .*: reachable/);
      assert.match(list.out, /shop_db_readwrite\s+postgresql\s+\$SHOP_URL\s+last tested/);
      assert.ok(!list.out.includes(shop.name) && !list.err.includes(shop.name), 'no URL is printed');

      const missing = madoguchi(['connection', 'test', 'nope']);
      assert.equal(missing.code, 1);
      const removed = madoguchi(['connection', 'remove', 'archive']);
      assert.equal(removed.code, 0, removed.err);
      assert.doesNotMatch(madoguchi(['connection', 'list']).out, /archive/);
    });
  });
}
