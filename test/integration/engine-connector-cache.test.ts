// The connectors engine runs keep open per application context, seen from the PostgreSQL server
// the way an operator would see them (pg_stat_activity): a second run uses the sessions the
// first one opened, saving the connection with another URL replaces them, and closing the
// application leaves no session behind.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { saveConnection } from '../../src/domains/fulfillment/connections.ts';
import { runEngineAccess, type EngineContext } from '../../src/domains/fulfillment/engine.service.ts';
import { buildPlan } from '../../src/domains/fulfillment/planner.ts';
import { assembleDataMap } from '../../src/domains/inventory/datamap-assemble.ts';
import type { DataMap } from '../../src/domains/inventory/datamap.types.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';
import { createEstate, EXAMPLES, type Estate } from '../fixtures/engine/estate.ts';
import { pgExec, PG_SERVER } from '../fixtures/engine/fides-databases.ts';

const TARO = [{ id: 'subject', identities: { email: ['taro@example.jp'] } }];
const STAFF = { type: 'staff' as const, id: 'stf_connector_cache_test' };
const FAST = { retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 } };

// Only the shop database: the one system whose sessions the server can show us.
function shopMap(): DataMap {
  const file = path.join(EXAMPLES, 'shop-db.yml');
  const assembled = assembleDataMap([{ file, text: readFileSync(file, 'utf8') }], null);
  if (!assembled.ok) throw new Error(`shop-db.yml does not validate: ${JSON.stringify(assembled.errors)}`);
  return assembled.map;
}

/** Backend pids of the connector's sessions on the scratch database. */
async function connectorPids(database: string): Promise<number[]> {
  const rows = await pgExec(
    PG_SERVER,
    "select pid from pg_stat_activity where datname = $1 and application_name = 'madoguchi' and pid <> pg_backend_pid() order by pid",
    [database],
  );
  return rows.map((r) => Number(r.pid));
}

// A closed client's backend leaves pg_stat_activity a moment after its socket closes.
async function pidsSettled(database: string, done: (pids: number[]) => boolean): Promise<number[]> {
  let pids = await connectorPids(database);
  for (let i = 0; i < 50 && !done(pids); i += 1) {
    await new Promise((r) => setTimeout(r, 100));
    pids = await connectorPids(database);
  }
  return pids;
}

for (const engine of ENGINES) {
  describe(`connectors kept open between engine runs [${engine}]`, () => {
    let t: TestApp;
    let estate: Estate;
    let appClosed = false;
    const e = (): EngineContext => ({ ctx: t.ctx, env: {}, actor: STAFF, options: FAST });
    const plan = buildPlan(shopMap(), ['email']);
    const runAccess = async () => {
      const run = await runEngineAccess(e(), { plan, subjects: TARO, saveTasks: false });
      assert.equal(run.result.collections.find((c) => c.collection === 'customers')?.rows[0]?.email, 'taro@example.jp');
    };
    let firstPids: number[] = [];

    before(async () => {
      t = await startTestApp(engine);
      estate = await createEstate();
      await saveConnection(t.ctx, STAFF, { name: 'shop_db_readwrite', url: estate.shop.url, options: estate.specs().get('shop_db_readwrite')?.options });
    });
    after(async () => {
      if (!appClosed) await t?.close();
      await estate?.close();
    });

    test('a second run on the same context uses the sessions the first one opened', async () => {
      assert.deepEqual(await connectorPids(estate.shop.name), [], 'nothing is connected before the first run');
      await runAccess();
      firstPids = await connectorPids(estate.shop.name);
      assert.ok(firstPids.length > 0, 'the connector stays connected after the run ended');
      await runAccess();
      const secondPids = await connectorPids(estate.shop.name);
      for (const pid of firstPids) assert.ok(secondPids.includes(pid), 'the first run’s sessions are still the ones in use');
      assert.equal(secondPids.length, firstPids.length, 'the second run opened no sessions of its own');
    });

    test('saving the connection with a new URL closes the old sessions and the next run opens fresh ones', async () => {
      assert.ok(firstPids.length > 0);
      // The same database under another spelling of the scheme: a different URL to the cache.
      const newUrl = estate.shop.url.replace(/^postgres:/, 'postgresql:');
      assert.notEqual(newUrl, estate.shop.url);
      await saveConnection(t.ctx, STAFF, { name: 'shop_db_readwrite', url: newUrl, options: estate.specs().get('shop_db_readwrite')?.options });
      const afterSave = await pidsSettled(estate.shop.name, (pids) => pids.length === 0);
      assert.deepEqual(afterSave, [], 'the old connector was closed when the connection was saved');
      await runAccess();
      const fresh = await connectorPids(estate.shop.name);
      assert.ok(fresh.length > 0);
      assert.ok(fresh.every((pid) => !firstPids.includes(pid)), 'the run used a new connector');
    });

    test('closing the application context closes its connectors', async () => {
      assert.ok((await connectorPids(estate.shop.name)).length > 0, 'a connector is open before the close');
      appClosed = true;
      await t.close();
      assert.deepEqual(await pidsSettled(estate.shop.name, (pids) => pids.length === 0), []);
    });
  });
}
