// The fulfilment engine against the Fides example databases, loaded as Fides ships them into a
// real PostgreSQL and a real MariaDB, with the Fides dataset files as they are: access for each
// customer, erasure planned (a dry run changes nothing), run (exactly the planned fields change)
// and run again (nothing left to do), shared addresses held back, and the same through the
// `madoguchi dsr` command run as a separate process.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { ConnectorPool } from '../../src/domains/fulfillment/connections.ts';
import { applyErasure, memoryProgress, planErasure, runAccess, type ErasurePlan } from '../../src/domains/fulfillment/executor.ts';
import { buildPlan, type Plan } from '../../src/domains/fulfillment/planner.ts';
import { assembleDataMap } from '../../src/domains/inventory/datamap-assemble.ts';
import {
  FIDES_MARIADB_DATASET,
  FIDES_PG_DATASET,
  ROOT,
  loadFidesMariadb,
  loadFidesPostgres,
  mariaSnapshot,
  pgSnapshot,
  type ScratchDatabase,
} from '../fixtures/engine/fides-databases.ts';

const run = promisify(execFile);
const BIN = path.join(ROOT, 'bin', 'madoguchi.js');
const PG_KEY = 'postgres_example_test_dataset';
const MARIA_KEY = 'mariadb_example_test_dataset';
const TABLES = ['customer', 'address', 'employee', 'login', 'orders', 'order_item', 'payment_card', 'product', 'report', 'service_request', 'visit'];
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MADOGUCHI_') && k !== 'DATABASE_URL'));

function planFor(file: string, identities: string[]): Plan {
  const assembled = assembleDataMap([{ file, text: readFileSync(file, 'utf8') }], null);
  assert.equal(assembled.ok, true, JSON.stringify(assembled.errors));
  return buildPlan(assembled.map, identities);
}

function poolFor(name: string, kind: 'postgresql' | 'mysql', url: string): ConnectorPool {
  return new ConnectorPool(new Map([[name, { name, kind, url, options: {} }]]));
}

const subject = (email: string) => [{ id: 'subject', identities: { email: [email] } }];

/** table#id#field for every field whose value differs between two snapshots (tables keyed by id). */
function changedCells(before: Record<string, Array<Record<string, unknown>>>, after: Record<string, Array<Record<string, unknown>>>): Set<string> {
  const out = new Set<string>();
  for (const [table, rows] of Object.entries(before)) {
    if (rows.length > 0 && !rows.every((r) => 'id' in r)) {
      // No id: whole rows must match as a set.
      const text = (list: Array<Record<string, unknown>>) => list.map((r) => JSON.stringify(r)).sort();
      if (JSON.stringify(text(rows)) !== JSON.stringify(text(after[table] ?? []))) out.add(`${table}#?#(changed)`);
      continue;
    }
    const later = new Map((after[table] ?? []).map((r) => [String(r.id), r]));
    for (const r of rows) {
      const other = later.get(String(r.id));
      if (!other) {
        out.add(`${table}#${String(r.id)}#(deleted)`);
        continue;
      }
      for (const k of Object.keys(r)) if (JSON.stringify(r[k]) !== JSON.stringify(other[k])) out.add(`${table}#${String(r.id)}#${k}`);
    }
  }
  return out;
}

function plannedCells(plan: ErasurePlan): Set<string> {
  const out = new Set<string>();
  for (const c of plan.collections) {
    for (const ch of c.changes) {
      for (const f of ch.fields) out.add(`${c.collection}#${String(ch.key.id)}#${ch.action === 'delete' ? '(deleted)' : f.field}`);
    }
  }
  return out;
}

describe('fulfilment engine on the Fides PostgreSQL example', () => {
  let db: ScratchDatabase;
  before(async () => {
    db = await loadFidesPostgres();
  });
  after(async () => {
    await db?.drop();
  });

  test('access answers each customer with their rows in every collection of the dataset', async () => {
    const plan = planFor(FIDES_PG_DATASET, ['email']);
    const pool = poolFor(PG_KEY, 'postgresql', db.url);
    try {
      const one = await runAccess({ plan, subjects: subject('customer-1@example.com'), source: pool });
      const by = new Map(one.collections.map((c) => [c.collection, c]));
      assert.deepEqual([...by.keys()].sort(), [...TABLES].sort(), 'every collection is answered');
      assert.ok(one.collections.every((c) => c.status === 'done' || c.status === 'no_input'), JSON.stringify(one.collections.map((c) => [c.id, c.status, c.error])));
      assert.deepEqual(by.get('customer')?.rows, [{ email: 'customer-1@example.com', id: 1, name: 'John Customer' }]);
      assert.equal(by.get('login')?.rows.length, 6);
      assert.equal(by.get('orders')?.rowCount, 3);
      assert.deepEqual(by.get('payment_card')?.rows, [{ ccn: '123456789', code: 321, customer_id: 1, name: 'Example Card 1', preferred: true }]);
      assert.deepEqual(by.get('service_request')?.rows, [{ alt_email: 'customer-1-alt@example.com', employee_id: 1 }]);
      assert.deepEqual(
        by.get('address')?.rows.map((r) => r.street).sort(),
        ['Example Lane', 'Example Street'],
        'the home address and the shipping address of the first order',
      );
      assert.equal(by.get('employee')?.rows.length, 0);
      // Internal operations data (system.*) is not disclosed; the field list says what is.
      assert.ok(by.get('customer')?.fields.every((f) => !f.categories.every((c) => c.startsWith('system'))));
      assert.ok(by.get('customer')?.rows.every((r) => !('created' in r) && !('address_id' in r)));

      const jane = await runAccess({ plan, subjects: subject('jane@example.com'), source: pool });
      const janeBy = new Map(jane.collections.map((c) => [c.collection, c]));
      assert.equal(janeBy.get('customer')?.rows[0]?.name, 'Jane Customer');
      assert.deepEqual(janeBy.get('address')?.rows.map((r) => r.city), ['Example Mountain']);
      assert.equal(janeBy.get('login')?.rows.length, 1);

      const nobody = await runAccess({ plan, subjects: subject('nobody@example.com'), source: pool });
      assert.ok(nobody.collections.every((c) => c.rows.length === 0));
    } finally {
      await pool.closeAll();
    }
  });

  test('an erasure dry run changes nothing and holds back addresses other customers point at', async () => {
    const plan = planFor(FIDES_PG_DATASET, ['email']);
    const pool = poolFor(PG_KEY, 'postgresql', db.url);
    try {
      const before = await pgSnapshot(db.url, TABLES);
      const erasure = await planErasure({ plan, subjects: subject('customer-1@example.com'), source: pool, categories: ['user'] });
      assert.deepEqual(await pgSnapshot(db.url, TABLES), before, 'planning writes nothing');
      const address = erasure.collections.find((c) => c.collection === 'address');
      assert.deepEqual(address?.changes, []);
      assert.deepEqual(address?.shared.map((s) => s.key.id).sort(), [1, 2]);
      assert.ok(address?.shared.every((s) => s.reasons.some((r) => /another row of .*(orders|customer|payment_card)/.test(r))));
      const customer = erasure.collections.find((c) => c.collection === 'customer');
      assert.deepEqual(customer?.changes.map((c) => [c.key, c.fields.map((f) => f.field).sort()]), [[{ id: 1 }, ['email', 'name']]]);
      assert.deepEqual(customer?.skippedFields, [{ field: 'id', reason: 'key_field' }]);
      const employee = erasure.collections.find((c) => c.collection === 'employee');
      assert.equal(employee?.rowsFound, 0);

      // Two people in one run: what both reach is theirs together, and listed as such.
      const both = await planErasure({
        plan,
        subjects: [
          { id: 'john', identities: { email: ['customer-1@example.com'] } },
          { id: 'jill', identities: { email: ['customer-2@example.com'] } },
        ],
        source: pool,
        categories: ['user'],
      });
      const home = both.collections.find((c) => c.collection === 'address')?.shared.find((s) => s.key.id === 1);
      assert.ok(home?.reasons.includes('reached from the identities of 2 subjects (jill, john)'), JSON.stringify(home?.reasons));
      assert.equal(both.collections.find((c) => c.collection === 'customer')?.changes.length, 2, 'each person’s own row is theirs alone');
      assert.deepEqual(await pgSnapshot(db.url, TABLES), before);
    } finally {
      await pool.closeAll();
    }
  });

  test('an erasure changes exactly the planned fields, and a second run has nothing to do', async () => {
    const plan = planFor(FIDES_PG_DATASET, ['email']);
    const pool = poolFor(PG_KEY, 'postgresql', db.url);
    const nodes = new Map(plan.nodes.map((n) => [n.id, n]));
    try {
      const before = await pgSnapshot(db.url, TABLES);
      const erasure = await planErasure({ plan, subjects: subject('jane@example.com'), source: pool, categories: ['user'] });
      const planned = plannedCells(erasure);
      assert.ok(planned.has('customer#3#email') && planned.has('address#4#street') && planned.has('payment_card#pay_ccc-ccc#ccn'), [...planned].join(' '));
      const outcome = await applyErasure(erasure, nodes, pool, memoryProgress());
      assert.ok(outcome.collections.every((c) => c.status !== 'failed'), JSON.stringify(outcome.collections));
      const afterRun = await pgSnapshot(db.url, TABLES);
      assert.deepEqual(changedCells(before, afterRun), planned, 'the database changed exactly where the plan said');
      const customer = afterRun.customer?.find((r) => r.id === 3);
      assert.equal(customer?.email, null);
      assert.equal(customer?.created, before.customer?.find((r) => r.id === 3)?.created, 'system fields stay');
      assert.equal(afterRun.customer?.find((r) => r.id === 1)?.email, 'customer-1@example.com', 'other customers stay');

      const again = await planErasure({ plan, subjects: subject('jane@example.com'), source: pool, categories: ['user'] });
      assert.equal(again.collections.reduce((n, c) => n + c.changes.length, 0), 0);
      const second = await applyErasure(again, nodes, pool, memoryProgress());
      assert.ok(second.collections.every((c) => c.changed === 0));
      assert.deepEqual(await pgSnapshot(db.url, TABLES), afterRun);
    } finally {
      await pool.closeAll();
    }
  });

  test('madoguchi dsr access, erase --dry-run and erase, each a separate process', async () => {
    const before = await pgSnapshot(db.url, TABLES);
    const args = ['--datamap', FIDES_PG_DATASET, '--connection', `${PG_KEY}=${db.url}`, '--identity', 'email=customer-2@example.com'];
    const access = await run(process.execPath, [BIN, 'dsr', 'access', ...args, '--format', 'json'], { env: cleanEnv, cwd: ROOT });
    const out = JSON.parse(access.stdout) as Record<string, Array<Record<string, unknown>>>;
    assert.deepEqual(Object.keys(out).sort(), TABLES.map((t) => `${PG_KEY}:${t}`).sort());
    assert.deepEqual(out[`${PG_KEY}:customer`], [{ email: 'customer-2@example.com', id: 2, name: 'Jill Customer' }]);
    assert.deepEqual(out[`${PG_KEY}:employee`], []);
    assert.equal(out[`${PG_KEY}:login`]?.length, 1);
    assert.equal(out[`${PG_KEY}:visit`]?.length, 1);

    const dry = await run(process.execPath, [BIN, 'dsr', 'erase', ...args, '--categories', 'user.contact,user.name', '--dry-run'], { env: cleanEnv, cwd: ROOT });
    const plan = JSON.parse(dry.stdout) as Record<string, { wouldChange: number; rows: Array<{ key: Record<string, unknown>; fields: Array<{ field: string }> }> }>;
    assert.equal(plan[`${PG_KEY}:customer`]?.wouldChange, 1);
    assert.deepEqual(plan[`${PG_KEY}:customer`]?.rows[0]?.fields.map((f) => f.field).sort(), ['email', 'name']);
    assert.deepEqual(await pgSnapshot(db.url, TABLES), before, 'the dry run changed nothing');

    const erase = await run(process.execPath, [BIN, 'dsr', 'erase', ...args, '--categories', 'user.contact,user.name'], { env: cleanEnv, cwd: ROOT });
    const done = JSON.parse(erase.stdout) as Record<string, { status: string; changed: number }>;
    assert.deepEqual([done[`${PG_KEY}:customer`]?.status, done[`${PG_KEY}:customer`]?.changed], ['changed', 1]);
    const afterErase = await pgSnapshot(db.url, TABLES);
    assert.deepEqual(afterErase.customer?.find((r) => r.id === 2), { ...before.customer?.find((r) => r.id === 2), email: null, name: null });
    assert.deepEqual(afterErase.login, before.login, 'categories not asked for stay');

    const bad = await run(process.execPath, [BIN, 'dsr', 'access', '--datamap', FIDES_PG_DATASET, '--connection', `${PG_KEY}=postgres://postgres@127.0.0.1:1/none`, '--identity', 'email=customer-2@example.com'], { env: cleanEnv, cwd: ROOT }).then(
      () => null,
      (err: { code?: number; stderr?: string; stdout?: string }) => err,
    );
    assert.equal(bad?.code, 1, 'an unreachable database fails the command');
    assert.match(bad?.stderr ?? '', /cannot connect to the database/);
    assert.doesNotMatch(bad?.stderr ?? '', /postgres:\/\/|at .*\.ts:\d+/, 'no URL and no stack trace');
    assert.deepEqual(Object.keys(JSON.parse(bad?.stdout ?? '{}') as object).length, TABLES.length, 'every collection is still printed');
  });
});

describe('fulfilment engine on the Fides MariaDB example', () => {
  let db: ScratchDatabase;
  before(async () => {
    db = await loadFidesMariadb();
  });
  after(async () => {
    await db?.drop();
  });

  test('access and erasure with the Fides MariaDB dataset, including tables the dataset gives no key', async () => {
    const plan = planFor(FIDES_MARIADB_DATASET, ['email']);
    const pool = poolFor(MARIA_KEY, 'mysql', db.url);
    const nodes = new Map(plan.nodes.map((n) => [n.id, n]));
    try {
      const access = await runAccess({ plan, subjects: subject('customer-2@example.com'), source: pool });
      const by = new Map(access.collections.map((c) => [c.collection, c]));
      assert.ok(access.collections.every((c) => c.status === 'done' || c.status === 'no_input'), JSON.stringify(access.collections.map((c) => [c.id, c.status, c.error])));
      assert.deepEqual(by.get('customer')?.rows, [{ email: 'customer-2@example.com', id: 2, name: 'Jill Customer' }]);
      assert.deepEqual(by.get('login')?.rows, [{ customer_id: 2, time: '2021-01-06 01:00:00' }]);
      assert.deepEqual(by.get('visit')?.rows, [{ email: 'customer-2@example.com' }]);
      assert.equal(by.get('orders')?.rowCount, 1);

      const before = await mariaSnapshot(db.url, TABLES);
      const erasure = await planErasure({ plan, subjects: subject('customer-2@example.com'), source: pool, categories: ['user'] });
      assert.deepEqual(await mariaSnapshot(db.url, TABLES), before, 'planning writes nothing');
      // login has no primary key in the dataset: the table's own key addresses it.
      assert.deepEqual(erasure.collections.find((c) => c.collection === 'login')?.keyFields, ['id']);
      // visit has no key anywhere: its rows are addressed by all their values.
      assert.equal(erasure.collections.find((c) => c.collection === 'visit')?.keyFields, null);
      const shared = erasure.collections.find((c) => c.collection === 'address')?.shared.map((s) => s.key.id);
      assert.deepEqual(shared?.sort(), ['1', '2'], 'address 2 is also on customer 1’s order; address 1 is customer 1’s');

      const outcome = await applyErasure(erasure, nodes, pool, memoryProgress());
      assert.ok(outcome.collections.every((c) => c.status !== 'failed'), JSON.stringify(outcome.collections));
      const afterRun = await mariaSnapshot(db.url, TABLES);
      assert.deepEqual(afterRun.customer?.find((r) => r.id === 2), { id: 2, email: null, name: null, created: '2020-04-01 11:47:42', address_id: 2 });
      assert.deepEqual(afterRun.visit?.map((v) => v.email).sort(), [null, 'customer-1@example.com'].sort());
      assert.deepEqual(afterRun.login?.find((r) => r.id === 7), { id: 7, customer_id: null, time: null });
      assert.deepEqual(afterRun.customer?.find((r) => r.id === 1), before.customer?.find((r) => r.id === 1));
      assert.deepEqual(afterRun.address, before.address, 'shared addresses are not erased');

      const again = await planErasure({ plan, subjects: subject('customer-2@example.com'), source: pool, categories: ['user'] });
      assert.equal(again.collections.reduce((n, c) => n + c.changes.length, 0), 0, 'nothing left to erase');
    } finally {
      await pool.closeAll();
    }
  });
});
