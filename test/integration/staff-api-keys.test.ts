import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { ENGINES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createSignedInStaff, type SignedInStaff } from '../helpers/staff.ts';
import { currentApiKey, requireApiKey } from '../../src/http/auth.ts';
import { installErrorHandler } from '../../src/http/errors.ts';
import { DAY_MS, MINUTE_MS } from '../../src/lib/clock.ts';

interface ErrorBody {
  error: { code: string };
}
interface KeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

const code = (res: { json(): unknown }) => (res.json() as ErrorBody).error.code;

for (const engine of ENGINES) {
  describe(`API keys [${engine}]`, () => {
    let t: TestApp;
    let admin: SignedInStaff;
    // An application route that needs one scope, as the /api/app routes declare it.
    let probe: FastifyInstance;
    before(async () => {
      t = await startTestApp(engine);
      probe = Fastify();
      installErrorHandler(probe);
      probe.get('/probe', { onRequest: requireApiKey(t.ctx, 'consent:write') }, async (request) => ({ keyId: currentApiKey(request).id }));
      await probe.ready();
    });
    // A fresh session per test: some tests move the clock far beyond a session's life.
    beforeEach(async () => {
      admin = await createSignedInStaff(t, 'admin');
    });
    after(async () => {
      await probe.close();
      await t.close();
    });

    const create = async (payload: object) => {
      const res = await admin.inject({ method: 'POST', url: '/api/admin/api-keys', payload });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { apiKey: KeyView; key: string };
    };
    const whoAmI = (key: string) => t.app.inject({ url: '/api/app/key', headers: { authorization: `Bearer ${key}` } });

    test('a new key is shown once, stored only as a hash, and works at once', async () => {
      const { apiKey, key } = await create({ name: 'Web shop', scopes: ['consent:write', 'consent:read'] });
      assert.match(key, /^mdg_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      assert.equal(key.split('_')[1], apiKey.prefix);
      assert.deepEqual(apiKey.scopes, ['consent:read', 'consent:write']);
      assert.equal(apiKey.lastUsedAt, null);

      const row = await t.ctx.db.selectFrom('api_keys').selectAll().where('id', '=', apiKey.id).executeTakeFirstOrThrow();
      assert.ok(!JSON.stringify(row).includes(key.split('_').slice(2).join('_')), 'the secret part is not stored');

      const list = await admin.inject({ url: '/api/admin/api-keys' });
      assert.equal(list.statusCode, 200);
      assert.ok(!list.body.includes(key.split('_').slice(2).join('_')), 'the list never shows the secret');
      assert.doesNotMatch(list.body, /key_hash|keyHash/);
      const listed = (list.json() as { apiKeys: KeyView[] }).apiKeys.find((k) => k.id === apiKey.id);
      assert.equal(listed?.name, 'Web shop');

      const me = await whoAmI(key);
      assert.equal(me.statusCode, 200);
      assert.deepEqual(me.json(), { id: apiKey.id, name: 'Web shop', prefix: apiKey.prefix, scopes: ['consent:read', 'consent:write'] });
      const scoped = await probe.inject({ url: '/probe', headers: { authorization: `Bearer ${key}` } });
      assert.equal(scoped.statusCode, 200);

      const used = await t.ctx.db.selectFrom('api_keys').select('last_used_at').where('id', '=', apiKey.id).executeTakeFirstOrThrow();
      assert.ok(used.last_used_at, 'last_used_at is recorded');
      const audit = await t.ctx.db.selectFrom('audit_log').selectAll().where('target_id', '=', apiKey.id).execute();
      assert.deepEqual(audit.map((a) => a.action), ['api_key.created']);
      assert.ok(!JSON.stringify(audit).includes(key.split('_').slice(2).join('_')));
    });

    test('a key without the scope is forbidden; a missing, malformed or unknown key is unauthenticated', async () => {
      const { key } = await create({ name: 'Reporting', scopes: ['consent:read'] });
      const wrongScope = await probe.inject({ url: '/probe', headers: { authorization: `Bearer ${key}` } });
      assert.equal(wrongScope.statusCode, 403);
      assert.equal(code(wrongScope), 'forbidden');
      const none = await whoAmI('');
      assert.equal(none.statusCode, 401);
      const noHeader = await t.app.inject({ url: '/api/app/key' });
      assert.equal(noHeader.statusCode, 401);
      assert.equal(noHeader.headers['www-authenticate'], 'Bearer');
      assert.equal((await whoAmI('not-a-key')).statusCode, 401);
      const forged = `${key.slice(0, -4)}AAAA`;
      assert.equal(code(await whoAmI(forged)), 'unauthenticated');
      const basic = await t.app.inject({ url: '/api/app/key', headers: { authorization: `Basic ${Buffer.from(key).toString('base64')}` } });
      assert.equal(basic.statusCode, 401);
    });

    test('a revoked key stops working at once; revoking again changes nothing', async () => {
      const { apiKey, key } = await create({ name: 'Old CRM', scopes: ['consent:write'] });
      assert.equal((await whoAmI(key)).statusCode, 200);
      const revoke = await admin.inject({ method: 'POST', url: `/api/admin/api-keys/${apiKey.id}/revoke` });
      assert.equal(revoke.statusCode, 200);
      assert.ok((revoke.json() as { apiKey: KeyView }).apiKey.revokedAt);
      const after = await whoAmI(key);
      assert.equal(after.statusCode, 401);
      assert.equal(code(after), 'unauthenticated');
      assert.equal((await probe.inject({ url: '/probe', headers: { authorization: `Bearer ${key}` } })).statusCode, 401);
      assert.equal((await admin.inject({ method: 'POST', url: `/api/admin/api-keys/${apiKey.id}/revoke` })).statusCode, 200);
      const audit = await t.ctx.db.selectFrom('audit_log').select('action').where('target_id', '=', apiKey.id).execute();
      assert.deepEqual(audit.map((a) => a.action), ['api_key.created', 'api_key.revoked']);
      assert.equal((await admin.inject({ method: 'POST', url: '/api/admin/api-keys/key_unknown/revoke' })).statusCode, 404);
    });

    test('a key with an expiry stops working when it is reached', async () => {
      const { apiKey, key } = await create({ name: 'Campaign', scopes: ['consent:read'], expiresInDays: 30 });
      assert.equal(Date.parse(apiKey.expiresAt ?? '') - t.clock.now().getTime() > 29 * DAY_MS, true);
      assert.equal((await whoAmI(key)).statusCode, 200);
      t.clock.advance(30 * DAY_MS + MINUTE_MS);
      assert.equal((await whoAmI(key)).statusCode, 401);
    });

    test('last_used_at is written at most once a minute', async () => {
      const { apiKey, key } = await create({ name: 'Busy app', scopes: ['consent:read'] });
      const lastUsed = async () =>
        (await t.ctx.db.selectFrom('api_keys').select('last_used_at').where('id', '=', apiKey.id).executeTakeFirstOrThrow()).last_used_at?.getTime();
      await whoAmI(key);
      const first = await lastUsed();
      assert.ok(first);
      t.clock.advance(20_000);
      await whoAmI(key);
      assert.equal(await lastUsed(), first, 'a second call within the minute does not write');
      t.clock.advance(MINUTE_MS);
      await whoAmI(key);
      assert.ok(((await lastUsed()) ?? 0) > first, 'a call a minute later does');
    });

    test('keys are created only with known scopes and a name', async () => {
      for (const payload of [
        { name: 'x', scopes: ['everything'] },
        { name: 'x', scopes: [] },
        { name: '', scopes: ['consent:read'] },
        { name: 'x', scopes: ['consent:read'], expiresInDays: 0 },
        { name: 'x', scopes: ['consent:read'], secret: 'mine' },
      ]) {
        const res = await admin.inject({ method: 'POST', url: '/api/admin/api-keys', payload });
        assert.equal(res.statusCode, 400, JSON.stringify(payload));
        assert.equal(code(res), 'validation_failed');
      }
      const names = (await t.ctx.db.selectFrom('api_keys').select('name').execute()).map((r) => r.name);
      assert.ok(!names.includes('x') && !names.includes(''));
    });
  });
}
