// Pure parts of the engine: category selection and the disclosure filter, what each erasure
// strategy writes and how an erased value is recognised, Redis key templates, the HTTP
// signature, and the SQL the connectors send (identifiers quoted, values bound, guarded writes).
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { signRequest } from '../../src/connectors/http.connector.ts';
import { mysqlDialect } from '../../src/connectors/mysql.connector.ts';
import { pgDialect } from '../../src/connectors/postgres.connector.ts';
import { buildKey, keyParser, keyPattern, parseKeyTemplate } from '../../src/connectors/redis.connector.ts';
import { selectByKeys, selectMatching, writeStatements, jsonParam } from '../../src/connectors/sql-statements.ts';
import { readConnectionSecret } from '../../src/config/config.ts';
import { connectorKindOfUrl, parseConnectionArgument, redactUrl } from '../../src/domains/fulfillment/connections.ts';
import {
  categoryCovers,
  DEFAULT_ACCESS_FILTER,
  discloseRow,
  erasedValue,
  fieldsToErase,
  isAlreadyErased,
  isDisclosed,
  setPath,
} from '../../src/domains/fulfillment/erasure.rules.ts';
import type { PlanField } from '../../src/domains/fulfillment/planner.ts';

const KEY = Buffer.alloc(32, 7);

describe('categories', () => {
  test('a category covers itself and what is below it, nothing else', () => {
    assert.equal(categoryCovers('user.contact', 'user.contact.email'), true);
    assert.equal(categoryCovers('user.contact', 'user.contact'), true);
    assert.equal(categoryCovers('user.contact', 'user.contactless'), false);
    assert.equal(categoryCovers('user.contact.email', 'user.contact'), false);
  });

  test('a disclosure leaves out internal operations data unless told otherwise', () => {
    assert.equal(isDisclosed(['system.operations'], DEFAULT_ACCESS_FILTER), false);
    assert.equal(isDisclosed(['system.operations', 'user.unique_id'], DEFAULT_ACCESS_FILTER), true, 'a field that is also personal stays');
    assert.equal(isDisclosed([], DEFAULT_ACCESS_FILTER), true, 'a field without categories is shown');
    assert.equal(isDisclosed([], { include: ['user'] }), false);
    assert.equal(isDisclosed(['user.contact.email'], { include: ['user.contact'], exclude: ['system'] }), true);
  });

  test('nested parts are filtered inside the value', () => {
    const fields: PlanField[] = [
      { name: 'id', categories: ['system.operations'], nested: [], primaryKey: true, readOnly: false },
      {
        name: 'profile',
        categories: ['user'],
        nested: [
          { path: ['email'], categories: ['user.contact.email'], readOnly: false },
          { path: ['risk_score'], categories: ['system.operations'], readOnly: false },
        ],
        primaryKey: false,
        readOnly: false,
      },
    ];
    assert.deepEqual(discloseRow({ id: 1, profile: { email: 'a@example.com', risk_score: 3 } }, fields, DEFAULT_ACCESS_FILTER), { profile: { email: 'a@example.com' } });
    const chosen = fieldsToErase(fields, ['user.contact']);
    assert.deepEqual(chosen.top, []);
    assert.deepEqual(chosen.nested.map((n) => n.part.path), [['email']]);
    assert.deepEqual(setPath({ email: 'a@example.com', risk_score: 3 }, ['email'], null), { email: null, risk_score: 3 });
  });
});

describe('erasure strategies', () => {
  test('each strategy writes what it says, and its own output counts as erased', () => {
    assert.equal(erasedValue({ strategy: 'nullify' }, 'a@example.com', KEY), null);
    assert.equal(erasedValue({ strategy: 'fixed_text', value: '削除済み' }, '山田', KEY), '削除済み');
    const random = erasedValue({ strategy: 'random', length: 12, suffix: '@deleted.invalid' }, 'a@example.com', KEY);
    assert.match(String(random), /^[A-Za-z0-9]{12}@deleted\.invalid$/);
    assert.notEqual(random, erasedValue({ strategy: 'random', length: 12, suffix: '@deleted.invalid' }, 'a@example.com', KEY));
    const hash = erasedValue({ strategy: 'hash', algorithm: 'SHA-256' }, 'a@example.com', KEY);
    assert.equal(hash, createHash('sha256').update('a@example.com').digest('hex'));
    assert.equal(hash, erasedValue({ strategy: 'hash', algorithm: 'SHA-256' }, 'a@example.com', KEY), 'a plain hash is stable');
    const keyed = erasedValue({ strategy: 'keyed_hash', algorithm: 'SHA-512' }, 'a@example.com', KEY);
    assert.equal(keyed, createHmac('sha512', KEY).update('a@example.com').digest('hex'));
    for (const [spec, value] of [
      [{ strategy: 'random', length: 12, suffix: '@deleted.invalid' }, random],
      [{ strategy: 'hash', algorithm: 'SHA-256' }, hash],
      [{ strategy: 'keyed_hash', algorithm: 'SHA-512' }, keyed],
      [{ strategy: 'fixed_text', value: '削除済み' }, '削除済み'],
      [{ strategy: 'nullify' }, null],
    ] as const) {
      assert.equal(isAlreadyErased(spec, value), true, `${spec.strategy} output is recognised`);
    }
    assert.equal(isAlreadyErased({ strategy: 'hash' }, 'a@example.com'), false);
    assert.equal(isAlreadyErased({ strategy: 'fixed_text', value: 'x' }, 'y'), false);
    assert.equal(isAlreadyErased({ strategy: 'nullify' }, ''), false, 'an empty string is still a value');
    assert.equal(isAlreadyErased({ strategy: 'random', length: 12 }, 'abcdefghijkl'), false, 'without a suffix random text cannot be told from data');
  });
});

describe('Redis key templates', () => {
  const t = parseKeyTemplate('session:{customer_number}:{session_id}');
  test('patterns, keys and parsing', () => {
    assert.deepEqual(t.fields, ['customer_number', 'session_id']);
    assert.equal(keyPattern(t, { customer_number: 'C-1' }), 'session:C-1:*');
    assert.equal(keyPattern(t, { customer_number: 'a*b?[c]' }), 'session:a\\*b\\?\\[c\\]:*', 'glob characters in values are escaped');
    assert.equal(buildKey(t, { customer_number: 'C-1', session_id: 's9' }), 'session:C-1:s9');
    assert.equal(buildKey(t, { customer_number: 'C-1' }), null);
    assert.deepEqual(keyParser(t)('session:C-1:s9'), { customer_number: 'C-1', session_id: 's9' });
    assert.equal(keyParser(t)('cart:C-1:s9'), null);
    assert.equal(parseKeyTemplate('cache:*').hasWildcard, true);
  });
});

describe('HTTP signature', () => {
  test('HMAC-SHA256 over the timestamp, a dot and the body', () => {
    const expected = createHmac('sha256', 'k3y').update('1700000000.{"a":1}').digest('hex');
    assert.equal(signRequest('k3y', 1700000000, '{"a":1}'), `v1=${expected}`);
  });
});

describe('connection arguments', () => {
  test('NAME=URL, schemes, and URLs printed without secrets', () => {
    assert.deepEqual(parseConnectionArgument('shop_db=postgres://u:p@h:5432/db'), { name: 'shop_db', url: 'postgres://u:p@h:5432/db' });
    assert.throws(() => parseConnectionArgument('shop_db'), /NAME=URL/);
    assert.throws(() => parseConnectionArgument('x=ftp://h/'), /must start with/);
    assert.equal(connectorKindOfUrl('mariadb://root@h/db'), 'mysql');
    assert.equal(connectorKindOfUrl('rediss://h:6380/2'), 'redis');
    assert.equal(redactUrl('postgres://user:secret@db.example:5432/shop?sslmode=require'), 'postgres://db.example:5432/shop');
    assert.equal(redactUrl('https://:key@svc.example/madoguchi'), 'https://svc.example/madoguchi');
  });

  test('a connection secret is read from a named variable, never from Madoguchi’s own settings', () => {
    const env = { SHOP_URL: 'postgres://h/db', EMPTY: '', MADOGUCHI_MASTER_KEY: 'k', DATABASE_URL: 'postgres://own/db' };
    assert.equal(readConnectionSecret(env, 'SHOP_URL'), 'postgres://h/db');
    assert.equal(readConnectionSecret(env, 'EMPTY'), undefined);
    assert.equal(readConnectionSecret(env, 'MISSING'), undefined);
    assert.equal(readConnectionSecret(env, 'MADOGUCHI_MASTER_KEY'), undefined);
    assert.equal(readConnectionSecret(env, 'DATABASE_URL'), undefined);
    assert.equal(readConnectionSecret(env, 'shop_url'), undefined);
  });
});

describe('SQL statements', () => {
  test('identifiers are quoted and values bound, in both dialects', () => {
    const pg = selectMatching(pgDialect, '"t"', ['id', 'we"ird'], [{ field: 'email', values: ["a'@x", 'b@x'] }, { field: 'alt', values: ['c@x'] }]);
    assert.equal(pg.text, 'SELECT "id", "we""ird" FROM "t" WHERE "email" = ANY($1) OR "alt" = ANY($2)');
    assert.deepEqual(pg.values, [["a'@x", 'b@x'], ['c@x']]);
    const my = selectMatching(mysqlDialect, '`t`', ['id', 'we`ird'], [{ field: 'email', values: ['a', 'b', 'c'] }]);
    assert.equal(my.text, 'SELECT `id`, `we``ird` FROM `t` WHERE `email` IN (?, ?, ?, ?)', 'lists are padded to a power of two');
    assert.deepEqual(my.values, ['a', 'b', 'c', 'c']);
  });

  test('equal changes share one guarded statement; deletes and composite keys too', () => {
    const statements = writeStatements(
      pgDialect,
      '"c"',
      [
        { key: { id: 1 }, set: { email: null } },
        { key: { id: 2 }, set: { email: null } },
        { key: { id: 3 }, set: { email: 'x' } },
        { key: { id: 4 }, delete: true },
      ],
      jsonParam,
    );
    assert.deepEqual(
      statements.map((s) => s.text),
      [
        'UPDATE "c" SET "email" = $1 WHERE "id" = ANY($2) AND ("email" IS DISTINCT FROM $3)',
        'UPDATE "c" SET "email" = $1 WHERE "id" = ANY($2) AND ("email" IS DISTINCT FROM $3)',
        'DELETE FROM "c" WHERE "id" = ANY($1)',
      ],
    );
    assert.deepEqual(statements[0]?.values, [null, [1, 2], null]);
    const composite = selectByKeys(mysqlDialect, '`v`', ['email'], [{ email: 'a', at: null }]);
    assert.equal(composite[0]?.text, 'SELECT `email` FROM `v` WHERE ((`email` = ? AND `at` IS NULL))');
    const guarded = writeStatements(mysqlDialect, '`v`', [{ key: { email: 'a', at: '2021-01-01' }, set: { email: null } }], jsonParam);
    assert.equal(guarded[0]?.text, 'UPDATE `v` SET `email` = ? WHERE ((`email` = ? AND `at` = ?)) AND (NOT (`email` <=> ?))');
  });
});
