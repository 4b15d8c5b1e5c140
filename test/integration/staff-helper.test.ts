import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createSignedInStaff } from '../helpers/staff.ts';

for (const engine of ENGINES) {
  describe(`staff test helper [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(async () => {
      await t.close();
    });

    test('an administrator is signed in through password and authenticator, and sees who they are', async () => {
      const admin = await createSignedInStaff(t, 'admin');
      assert.ok(admin.totpSecret, 'admins enrol an authenticator');
      const me = await admin.inject({ url: '/api/admin/session' });
      assert.equal(me.statusCode, 200, me.body);
      const body = me.json() as { staff: { id: string; role: string; mfaEnabled: boolean }; csrfToken: string; permissions: string[] };
      assert.equal(body.staff.id, admin.staffId);
      assert.equal(body.staff.role, 'admin');
      assert.equal(body.staff.mfaEnabled, true);
      assert.equal(body.csrfToken, admin.csrfToken);
      assert.ok(body.permissions.includes('staff.manage'));
    });

    test('a handler is signed in with a password alone, and can opt in to an authenticator', async () => {
      const handler = await createSignedInStaff(t, 'handler');
      assert.equal(handler.totpSecret, undefined);
      const me = await handler.inject({ url: '/api/admin/session' });
      assert.equal(me.statusCode, 200);
      const withMfa = await createSignedInStaff(t, 'handler', { mfa: true });
      assert.ok(withMfa.totpSecret);
      const me2 = await withMfa.inject({ url: '/api/admin/session' });
      assert.equal((me2.json() as { staff: { mfaEnabled: boolean } }).staff.mfaEnabled, true);
    });

    test('the helper sends the CSRF token on writes', async () => {
      const admin = await createSignedInStaff(t, 'admin');
      const res = await admin.inject({ method: 'POST', url: '/api/admin/staff', payload: { email: 'new.person@example.test', role: 'handler' } });
      assert.equal(res.statusCode, 201, res.body);
    });
  });
}
