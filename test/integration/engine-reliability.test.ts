// What keeps the engine safe on real servers: a query that runs too long is cancelled by the
// server (PostgreSQL and MariaDB) and fails only its collection; credentials that can only read
// are found before an erasure changes anything; a person with thousands of rows arrives in
// pages; Redis keys are found with SCAN whether the lookup field is in the key or in the value.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPostgresConnector } from '../../src/connectors/postgres.connector.ts';
import { createMysqlConnector } from '../../src/connectors/mysql.connector.ts';
import { createRedisConnector } from '../../src/connectors/redis.connector.ts';
import type { Connector, Row } from '../../src/connectors/connector.ts';
import { ConnectorPool } from '../../src/domains/fulfillment/connections.ts';
import { applyErasure, memoryProgress, planErasure, runAccess } from '../../src/domains/fulfillment/executor.ts';
import { buildPlan } from '../../src/domains/fulfillment/planner.ts';
import { assembleDataMap } from '../../src/domains/inventory/datamap-assemble.ts';
import { Redis } from 'ioredis';
import {
  MARIADB_SERVER,
  REDIS_SERVER,
  createMariaDatabase,
  createPgDatabase,
  mariaExec,
  pgExec,
  uniqueName,
  type ScratchDatabase,
} from '../fixtures/engine/fides-databases.ts';

const MAP = (kind: string) => `
madoguchi_datamap: 1
systems:
  - name: app
    kind: ${kind}
    connection: app
    datasets:
      - name: app
        collections:
          - name: people
            fields:
              - { name: id, primary_key: true, data_categories: [user.unique_id] }
              - { name: email, identity: email, data_categories: [user.contact.email] }
              - { name: nickname, data_categories: [user.name] }
          - name: events
            fields:
              - { name: id, primary_key: true, data_categories: [system.operations] }
              - name: person_id
                data_categories: [user.unique_id]
                references: [{ dataset: app, field: people.id, direction: from }]
              - { name: what, data_categories: [user.behavior] }
          - name: slow
            fields:
              - { name: id, primary_key: true, data_categories: [system.operations] }
              - { name: email, identity: email, data_categories: [user.contact.email] }
              - { name: pause, data_categories: [system.operations] }
`;

function planOf(kind: string) {
  const assembled = assembleDataMap([{ file: 'app.yml', text: MAP(kind) }], null);
  assert.equal(assembled.ok, true, JSON.stringify(assembled.errors));
  return buildPlan(assembled.map, ['email']);
}

const ME = [{ id: 'subject', identities: { email: ['me@example.com'] } }];
const NO_RETRY = { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } };

async function drain(connector: Connector, request: Parameters<Connector['query']>[0]): Promise<Row[][]> {
  const pages: Row[][] = [];
  for await (const page of connector.query(request)) pages.push(page);
  return pages;
}

describe('PostgreSQL: timeouts, read-only credentials, pages', () => {
  let db: ScratchDatabase;
  const role = uniqueName('mdg_fx_ro');
  before(async () => {
    db = await createPgDatabase();
    await pgExec(
      db.url,
      `create table people (id integer primary key, email text, nickname text);
       create table events (id integer primary key, person_id integer, what text);
       create index on events (person_id);
       create table slow_base (id integer primary key, email text);
       create view slow as select id, email, (select pg_sleep(2))::text as pause from slow_base;
       insert into people values (1, 'me@example.com', 'me'), (2, 'other@example.com', 'other');
       insert into events select g, 1, 'clicked ' || g from generate_series(1, 2500) g;
       insert into events values (9001, 2, 'theirs');
       insert into slow_base values (1, 'me@example.com');
       create role ${role} login;
       grant select on all tables in schema public to ${role};`,
    );
  });
  after(async () => {
    await db?.drop();
    await pgExec(db.url.replace(/\/[^/]+$/, '/postgres'), `drop role if exists ${role}`).catch(() => {});
  });

  test('a query running past the statement timeout is cancelled and fails only its collection', async () => {
    const plan = planOf('postgresql');
    const pool = new ConnectorPool(new Map([['app', { name: 'app', kind: 'postgresql' as const, url: db.url, options: { statementTimeoutMs: 300 } }]]));
    try {
      const started = Date.now();
      const result = await runAccess({ plan, subjects: ME, source: pool, options: NO_RETRY });
      assert.ok(Date.now() - started < 1900, 'the two-second query did not run to its end');
      const slow = result.collections.find((c) => c.collection === 'slow');
      assert.equal(slow?.status, 'failed');
      assert.equal(slow?.error?.code, 'timeout');
      assert.match(slow?.error?.message ?? '', /app:app\.slow: the query ran longer than 300 ms and was cancelled/);
      assert.equal(result.collections.find((c) => c.collection === 'events')?.rowCount, 2500);
    } finally {
      await pool.closeAll();
    }
  });

  test('thousands of rows arrive in pages through a cursor', async () => {
    const connector = createPostgresConnector({ name: 'app', url: db.url });
    try {
      const pages = await drain(connector, { dataset: 'app', collection: 'events', keyFields: ['id'], fields: ['id', 'what'], match: [{ field: 'person_id', values: [1] }], pageSize: 1000 });
      assert.deepEqual(pages.map((p) => p.length), [1000, 1000, 500]);
      assert.equal(new Set(pages.flat().map((r) => r.id)).size, 2500);
      const few = await drain(connector, { dataset: 'app', collection: 'events', keyFields: ['id'], fields: ['id'], match: [{ field: 'person_id', values: [2] }], pageSize: 1000 });
      assert.deepEqual(few, [[{ id: 9001 }]]);
      assert.deepEqual(await connector.keyFields({ dataset: 'app', collection: 'events' }, []), ['id']);
    } finally {
      await connector.close();
    }
  });

  test('read-only credentials are found before an erasure changes anything', async () => {
    const url = new URL(db.url);
    url.username = role;
    const plan = planOf('postgresql');
    const nodes = new Map(plan.nodes.map((n) => [n.id, n]));
    const readOnly = new ConnectorPool(new Map([['app', { name: 'app', kind: 'postgresql' as const, url: url.toString(), options: { statementTimeoutMs: 300 } }]]));
    try {
      const check = await createPostgresConnector({ name: 'app', url: url.toString() }).test([{ dataset: 'app', collection: 'people', fields: ['id'] }]);
      assert.deepEqual([check.reachable, check.canWrite], [true, false]);
      assert.match(check.detail, /cannot write: app\.people \(permission_denied\)/);
      const erasure = await planErasure({ plan, subjects: ME, source: readOnly, categories: ['user'], options: NO_RETRY });
      assert.ok(erasure.collections.find((c) => c.collection === 'people')?.changes.length === 1);
      const outcome = await applyErasure(erasure, nodes, readOnly, memoryProgress(), NO_RETRY);
      const people = outcome.collections.find((c) => c.id === 'app:app.people');
      assert.equal(people?.status, 'failed');
      assert.equal(people?.error?.code, 'read_only');
      assert.match(people?.error?.message ?? '', /nothing was changed in this system/);
      assert.deepEqual(await pgExec(db.url, 'select email, nickname from people where id = 1'), [{ email: 'me@example.com', nickname: 'me' }]);
      assert.equal((await pgExec(db.url, "select count(*)::int as n from events where what like 'clicked%'"))[0]?.n, 2500);
    } finally {
      await readOnly.closeAll();
    }
  });
});

describe('MariaDB: timeouts, read-only credentials, streamed pages', () => {
  let db: ScratchDatabase;
  const user = uniqueName('mdg_fx_ro');
  before(async () => {
    db = await createMariaDatabase();
    await mariaExec(
      db.url,
      `CREATE TABLE people (id INT PRIMARY KEY, email VARCHAR(200), nickname VARCHAR(100));
       CREATE TABLE events (id INT PRIMARY KEY, person_id INT, what VARCHAR(100), KEY (person_id));
       CREATE TABLE slow_base (id INT PRIMARY KEY, email VARCHAR(200));
       CREATE VIEW slow AS SELECT id, email, SLEEP(2) AS pause FROM slow_base;
       INSERT INTO people VALUES (1, 'me@example.com', 'me'), (2, 'other@example.com', 'other');
       INSERT INTO slow_base VALUES (1, 'me@example.com');
       CREATE USER '${user}'@'%';
       GRANT SELECT ON \`${db.name}\`.* TO '${user}'@'%';`,
    );
    const values = Array.from({ length: 2500 }, (_, i) => `(${i + 1}, 1, 'clicked ${i + 1}')`).join(',');
    await mariaExec(db.url, `INSERT INTO events VALUES ${values}`);
  });
  after(async () => {
    await mariaExec(MARIADB_SERVER, `DROP USER IF EXISTS '${user}'@'%'`).catch(() => {});
    await db?.drop();
  });

  test('a query running past max_statement_time is cancelled and fails only its collection', async () => {
    const plan = planOf('mariadb');
    const pool = new ConnectorPool(new Map([['app', { name: 'app', kind: 'mysql' as const, url: db.url, options: { statementTimeoutMs: 300 } }]]));
    try {
      const started = Date.now();
      const result = await runAccess({ plan, subjects: ME, source: pool, options: NO_RETRY });
      assert.ok(Date.now() - started < 1900, 'the two-second query did not run to its end');
      const slow = result.collections.find((c) => c.collection === 'slow');
      assert.equal(slow?.status, 'failed');
      assert.equal(slow?.error?.code, 'timeout');
      assert.equal(result.collections.find((c) => c.collection === 'events')?.rowCount, 2500);
      assert.equal(result.collections.find((c) => c.collection === 'people')?.rows[0]?.nickname, 'me');
    } finally {
      await pool.closeAll();
    }
  });

  test('rows stream in pages, and keys are found in the table when the map names none', async () => {
    const connector = createMysqlConnector({ name: 'app', url: db.url });
    try {
      const pages = await drain(connector, { dataset: 'app', collection: 'events', keyFields: [], fields: ['id', 'what'], match: [{ field: 'person_id', values: [1, 7] }], pageSize: 1000 });
      assert.deepEqual(pages.map((p) => p.length), [1000, 1000, 500]);
      assert.deepEqual(await connector.keyFields({ dataset: 'app', collection: 'events' }, []), ['id']);
      // Stopping early gives the connection up cleanly; the next query still works.
      for await (const page of connector.query({ dataset: 'app', collection: 'events', keyFields: [], fields: ['id'], match: [{ field: 'person_id', values: [1] }], pageSize: 100 })) {
        assert.equal(page.length, 100);
        break;
      }
      assert.equal((await connector.fetch({ dataset: 'app', collection: 'people', keyFields: ['id'], fields: ['email'], keys: [{ id: 2 }] }))[0]?.email, 'other@example.com');
    } finally {
      await connector.close();
    }
  });

  test('read-only credentials are found before an erasure changes anything', async () => {
    const url = new URL(db.url);
    url.username = user;
    const connector = createMysqlConnector({ name: 'app', url: url.toString() });
    try {
      const check = await connector.test([{ dataset: 'app', collection: 'people', fields: ['id'] }]);
      assert.deepEqual([check.reachable, check.canWrite], [true, false]);
      const general = await connector.test();
      assert.equal(general.canWrite, false);
    } finally {
      await connector.close();
    }
    const plan = planOf('mariadb');
    const nodes = new Map(plan.nodes.map((n) => [n.id, n]));
    const pool = new ConnectorPool(new Map([['app', { name: 'app', kind: 'mysql' as const, url: url.toString(), options: { statementTimeoutMs: 300 } }]]));
    try {
      const erasure = await planErasure({ plan, subjects: ME, source: pool, categories: ['user'], options: NO_RETRY });
      const outcome = await applyErasure(erasure, nodes, pool, memoryProgress(), NO_RETRY);
      assert.equal(outcome.collections.find((c) => c.id === 'app:app.people')?.error?.code, 'read_only');
      assert.deepEqual(await mariaExec(db.url, 'SELECT email FROM people WHERE id = 1', []), [{ email: 'me@example.com' }]);
    } finally {
      await pool.closeAll();
    }
  });
});

describe('Redis: SCAN by key template or by value, all value types', () => {
  const prefix = uniqueName('mdgtest');
  const redis = new Redis(REDIS_SERVER);
  before(async () => {
    await redis.hset(`${prefix}:session:C1:s1`, { ip: '203.0.113.1' });
    await redis.hset(`${prefix}:session:C2:s2`, { ip: '203.0.113.2' });
    await redis.set(`${prefix}:profile:C1`, JSON.stringify({ customer: 'C1', nickname: 'taro', theme: 'dark' }));
    await redis.set(`${prefix}:token:C1`, 'tok-1');
    await redis.sadd(`${prefix}:tags:C1`, 'vip', 'gift');
    await redis.rpush(`${prefix}:recent:C1`, 'P-1', 'P-2');
    for (let i = 0; i < 300; i++) await redis.hset(`${prefix}:cart:${i}`, { owner: i === 150 ? 'C1' : `X${i}`, items: String(i) });
  });
  after(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  });

  test('reads each type, writes in one MULTI/EXEC, deletes keys', async () => {
    const t = (collection: string, keyTemplate: string) => ({ [`d.${collection}`]: { keyTemplate } });
    const connector = createRedisConnector({
      name: 'kv',
      url: REDIS_SERVER,
      options: {
        collections: {
          ...t('session', `${prefix}:session:{customer}:{sid}`),
          ...t('profile', `${prefix}:profile:{customer}`),
          ...t('token', `${prefix}:token:{customer}`),
          ...t('tags', `${prefix}:tags:{customer}`),
          ...t('recent', `${prefix}:recent:{customer}`),
          ...t('cart', `${prefix}:cart:{cart_id}`),
        },
      },
    });
    const q = (collection: string, fields: string[], match: { field: string; values: string[] }) =>
      drain(connector, { dataset: 'd', collection, keyFields: [], fields, match: [match] }).then((pages) => pages.flat());
    try {
      assert.deepEqual(await q('session', ['sid', 'customer', 'ip'], { field: 'customer', values: ['C1'] }), [{ sid: 's1', customer: 'C1', ip: '203.0.113.1' }]);
      assert.deepEqual(await q('profile', ['customer', 'nickname'], { field: 'customer', values: ['C1'] }), [{ customer: 'C1', nickname: 'taro' }]);
      assert.deepEqual(await q('token', ['customer', 'value'], { field: 'customer', values: ['C1'] }), [{ customer: 'C1', value: 'tok-1' }]);
      assert.deepEqual((await q('tags', ['customer', 'tags'], { field: 'customer', values: ['C1'] }))[0]?.tags?.toString().split(',').sort(), ['gift', 'vip']);
      assert.deepEqual(await q('recent', ['customer', 'items'], { field: 'customer', values: ['C1'] }), [{ customer: 'C1', items: ['P-1', 'P-2'] }]);
      // The owner is inside the hash: the key space is scanned and filtered.
      assert.deepEqual(await q('cart', ['cart_id', 'owner', 'items'], { field: 'owner', values: ['C1'] }), [{ cart_id: '150', owner: 'C1', items: '150' }]);
      assert.deepEqual(await connector.keyFields({ dataset: 'd', collection: 'session' }, ['sid']), ['customer', 'sid']);

      const results = await connector.write(
        [
          { dataset: 'd', collection: 'profile', keyFields: ['customer'], rows: [{ key: { customer: 'C1' }, set: { nickname: null } }] },
          { dataset: 'd', collection: 'session', keyFields: ['customer', 'sid'], rows: [{ key: { customer: 'C1', sid: 's1' }, delete: true }] },
          { dataset: 'd', collection: 'token', keyFields: ['customer'], rows: [{ key: { customer: 'C1' }, set: { value: 'erased' } }] },
        ],
        { reference: 'test', purpose: 'erase' },
      );
      assert.deepEqual(results.map((r) => r.changed), [1, 1, 1]);
      assert.deepEqual(JSON.parse((await redis.get(`${prefix}:profile:C1`)) ?? '{}'), { customer: 'C1', nickname: null, theme: 'dark' });
      assert.equal(await redis.exists(`${prefix}:session:C1:s1`), 0);
      assert.equal(await redis.exists(`${prefix}:session:C2:s2`), 1);
      assert.equal(await redis.get(`${prefix}:token:C1`), 'erased');
      const again = await connector.write([{ dataset: 'd', collection: 'token', keyFields: ['customer'], rows: [{ key: { customer: 'C1' }, set: { value: 'erased' } }] }], { reference: 'test', purpose: 'erase' });
      assert.equal(again[0]?.changed, 0, 'writing what is there already changes nothing');
      const check = await connector.test();
      assert.deepEqual([check.reachable, check.canWrite], [true, true]);
    } finally {
      await connector.close();
    }
  });
});
