import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createSignedInStaff, type SignedInStaff } from '../helpers/staff.ts';

interface ErrorBody {
  error: { code: string; details?: Array<{ path?: string; reason?: string }> };
}

for (const engine of ENGINES) {
  describe(`staff routes refuse bad input [${engine}]`, () => {
    let t: TestApp;
    let admin: SignedInStaff;
    before(async () => {
      t = await startTestApp(engine);
      admin = await createSignedInStaff(t, 'admin');
    });
    after(async () => {
      await t.close();
    });

    const counts = async () => ({
      staff: (await t.ctx.db.selectFrom('staff').select('id').execute()).length,
      tokens: (await t.ctx.db.selectFrom('staff_tokens').select('id').execute()).length,
      keys: (await t.ctx.db.selectFrom('api_keys').select('id').execute()).length,
      audit: (await t.ctx.db.selectFrom('audit_log').select('seq').execute()).length,
    });

    test('unknown fields, too long or wrong values answer 400 validation_failed naming the field, and write nothing', async () => {
      const before = await counts();
      const cases: Array<{ url: string; payload: unknown; path: string; reason: string }> = [
        { url: '/api/admin/staff', payload: { email: 'a@example.test', role: 'handler', isAdmin: true }, path: 'body.isAdmin', reason: 'unknown_field' },
        { url: '/api/admin/staff', payload: { email: `${'a'.repeat(250)}@example.test`, role: 'handler' }, path: 'body.email', reason: 'too_long' },
        { url: '/api/admin/staff', payload: { email: 'a@example.test', role: 'handler', displayName: 'x'.repeat(101) }, path: 'body.displayName', reason: 'too_long' },
        { url: '/api/admin/staff', payload: { email: 'not an address', role: 'handler' }, path: 'body.email', reason: 'invalid_format' },
        { url: '/api/admin/staff', payload: { email: 'a@example.test', role: 'superuser' }, path: 'body.role', reason: 'invalid_value' },
        { url: '/api/admin/staff', payload: { email: 'a@example.test' }, path: 'body.role', reason: 'invalid_value' },
        { url: '/api/admin/api-keys', payload: { scopes: ['consent:read'] }, path: 'body.name', reason: 'wrong_type' },
        { url: '/api/admin/api-keys', payload: { name: 'n'.repeat(101), scopes: ['consent:read'] }, path: 'body.name', reason: 'too_long' },
        { url: '/api/admin/api-keys', payload: { name: 'k', scopes: Array(50).fill('consent:read') }, path: 'body.scopes', reason: 'too_long' },
        { url: `/api/admin/staff/${admin.staffId}/role`, payload: { role: 'handler', reason: 'x' }, path: 'body.reason', reason: 'unknown_field' },
      ];
      for (const c of cases) {
        const res = await admin.inject({ method: 'POST', url: c.url, payload: c.payload as object });
        assert.equal(res.statusCode, 400, `${c.url} ${JSON.stringify(c.payload).slice(0, 80)}: ${res.body}`);
        const body = res.json() as ErrorBody;
        assert.equal(body.error.code, 'validation_failed');
        const detail = body.error.details?.find((d) => d.path === c.path);
        assert.ok(detail, `expected a detail for ${c.path}, got ${JSON.stringify(body.error.details)}`);
        assert.equal(detail.reason, c.reason, c.path);
      }
      const longId = await admin.inject({ method: 'POST', url: `/api/admin/staff/${'x'.repeat(65)}/disable` });
      assert.equal(longId.statusCode, 400);
      assert.deepEqual(await counts(), before);
    });

    test('malformed JSON answers 400 malformed_json; other content types 415', async () => {
      const before = await counts();
      const broken = await admin.inject({
        method: 'POST',
        url: '/api/admin/staff',
        headers: { 'content-type': 'application/json' },
        payload: '{"email": "a@example.test", "role": ',
      });
      assert.equal(broken.statusCode, 400);
      assert.equal((broken.json() as ErrorBody).error.code, 'malformed_json');
      const signIn = await t.app.inject({
        method: 'POST',
        url: '/api/admin/auth/sign-in',
        headers: { 'content-type': 'application/json' },
        payload: '{"email":',
      });
      assert.equal(signIn.statusCode, 400);
      assert.equal((signIn.json() as ErrorBody).error.code, 'malformed_json');
      const form = await admin.inject({
        method: 'POST',
        url: '/api/admin/staff',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'email=a%40example.test&role=admin',
      });
      assert.equal(form.statusCode, 415);
      assert.deepEqual(await counts(), before);
    });

    test('sign-in and password setup bound their input too, without counting it as a sign-in attempt', async () => {
      const before = await counts();
      const throttleRows = (await t.ctx.db.selectFrom('signin_throttle').select('key').execute()).length;
      const cases: Array<{ url: string; payload: unknown }> = [
        { url: '/api/admin/auth/sign-in', payload: { email: admin.email, password: 'x'.repeat(257) } },
        { url: '/api/admin/auth/sign-in', payload: { email: admin.email, password: admin.password, remember: true } },
        { url: '/api/admin/auth/sign-in', payload: { email: admin.email } },
        { url: '/api/admin/auth/password-setup', payload: { token: 't'.repeat(201), password: 'a fine passphrase' } },
        { url: '/api/admin/auth/password-setup', payload: { token: 'abc', password: 'a fine passphrase', email: 'x@example.test' } },
      ];
      for (const c of cases) {
        const res = await t.app.inject({ method: 'POST', url: c.url, payload: c.payload as object });
        assert.equal(res.statusCode, 400, `${c.url}: ${res.body}`);
        assert.equal((res.json() as ErrorBody).error.code, 'validation_failed');
      }
      const mfa = await admin.inject({ method: 'POST', url: '/api/admin/auth/mfa/enroll/confirm', payload: { code: '12345a' } });
      assert.equal(mfa.statusCode, 400);
      assert.deepEqual(await counts(), before);
      assert.equal((await t.ctx.db.selectFrom('signin_throttle').select('key').execute()).length, throttleRows);
    });
  });
}
