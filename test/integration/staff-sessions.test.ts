import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createSignedInStaff, nextTotpStep, signInStaff } from '../helpers/staff.ts';
import { HOUR_MS, MINUTE_MS } from '../../src/lib/clock.ts';

interface ErrorBody {
  error: { code: string };
}

const code = (res: { json(): unknown }) => (res.json() as ErrorBody).error.code;

for (const engine of ENGINES) {
  describe(`staff sessions and CSRF [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(async () => {
      await t.close();
    });

    test('a write without the CSRF token, or with a wrong one, is refused and changes nothing', async () => {
      const admin = await createSignedInStaff(t, 'admin');
      const countStaff = async () => (await t.ctx.db.selectFrom('staff').select('id').execute()).length;
      const before = await countStaff();
      const payload = { email: 'csrf.victim@example.test', role: 'admin' };
      const missing = await admin.inject({ method: 'POST', url: '/api/admin/staff', payload, headers: { 'x-csrf-token': '' } });
      assert.equal(missing.statusCode, 403);
      assert.equal(code(missing), 'csrf_failed');
      const wrong = await admin.inject({ method: 'POST', url: '/api/admin/staff', payload, headers: { 'x-csrf-token': `${admin.csrfToken.slice(0, -1)}x` } });
      assert.equal(wrong.statusCode, 403);
      assert.equal(code(wrong), 'csrf_failed');
      const other = await createSignedInStaff(t, 'admin');
      const foreign = await admin.inject({ method: 'POST', url: '/api/admin/staff', payload, headers: { 'x-csrf-token': other.csrfToken } });
      assert.equal(code(foreign), 'csrf_failed', "another session's token is no good");
      assert.equal(await countStaff(), before + 1, 'only the second admin was created');
      const none = await t.ctx.db.selectFrom('staff').select('id').where('email', '=', 'csrf.victim@example.test').executeTakeFirst();
      assert.equal(none, undefined);

      const revokeTarget = await admin.inject({ method: 'POST', url: '/api/admin/api-keys', payload: { name: 'k', scopes: ['consent:read'] } });
      assert.equal(revokeTarget.statusCode, 201);
      const keyId = (revokeTarget.json() as { apiKey: { id: string } }).apiKey.id;
      const noCsrfRevoke = await admin.inject({ method: 'POST', url: `/api/admin/api-keys/${keyId}/revoke`, headers: { 'x-csrf-token': 'nope' } });
      assert.equal(noCsrfRevoke.statusCode, 403);
      const key = await t.ctx.db.selectFrom('api_keys').select('revoked_at').where('id', '=', keyId).executeTakeFirstOrThrow();
      assert.equal(key.revoked_at, null);

      // Sign-out is a write too: a cross-site request cannot sign someone out.
      const out = await admin.inject({ method: 'POST', url: '/api/admin/auth/sign-out', headers: { 'x-csrf-token': '' } });
      assert.equal(out.statusCode, 403);
      assert.equal((await admin.inject({ url: '/api/admin/session' })).statusCode, 200);
      // Reads need no token.
      assert.equal((await admin.inject({ url: '/api/admin/staff', headers: { 'x-csrf-token': '' } })).statusCode, 200);
    });

    test('a session ends after 30 idle minutes, and use keeps it alive', async () => {
      const handler = await createSignedInStaff(t, 'handler');
      t.clock.advance(25 * MINUTE_MS);
      assert.equal((await handler.inject({ url: '/api/admin/session' })).statusCode, 200);
      t.clock.advance(25 * MINUTE_MS);
      assert.equal((await handler.inject({ url: '/api/admin/session' })).statusCode, 200, 'the last request restarted the idle time');
      t.clock.advance(31 * MINUTE_MS);
      const idle = await handler.inject({ url: '/api/admin/session' });
      assert.equal(idle.statusCode, 401);
      assert.equal(code(idle), 'session_expired');
    });

    test('a session ends 12 hours after sign-in however busy it is', async () => {
      const handler = await createSignedInStaff(t, 'handler');
      for (let i = 0; i < 24; i++) {
        t.clock.advance(29 * MINUTE_MS);
        assert.equal((await handler.inject({ url: '/api/admin/session' })).statusCode, 200, `still alive after ${(i + 1) * 29} minutes`);
      }
      t.clock.advance(12 * HOUR_MS - 24 * 29 * MINUTE_MS);
      const expired = await handler.inject({ url: '/api/admin/session' });
      assert.equal(expired.statusCode, 401);
      assert.equal(code(expired), 'session_expired');
      const row = await t.ctx.db.selectFrom('staff_sessions').selectAll().where('staff_id', '=', handler.staffId).executeTakeFirstOrThrow();
      assert.equal(row.expires_at.getTime() - row.created_at.getTime(), 12 * HOUR_MS);
    });

    test('session info tells the client when the session ends and what the role may do', async () => {
      const auditor = await createSignedInStaff(t, 'auditor');
      const me = await auditor.inject({ url: '/api/admin/session' });
      const body = me.json() as { permissions: string[]; session: { stage: string; expiresAt: string; idleTimeoutMinutes: number } };
      assert.equal(body.session.stage, 'active');
      assert.equal(body.session.idleTimeoutMinutes, 30);
      assert.ok(Date.parse(body.session.expiresAt) > t.clock.now().getTime());
      assert.ok(body.permissions.includes('staff.read'));
      assert.ok(!body.permissions.includes('staff.manage'));
      assert.equal(me.headers['cache-control'], 'no-store');
    });

    test('disabling an account ends its sessions; resetting MFA ends them and asks for a new authenticator', async () => {
      const admin = await createSignedInStaff(t, 'admin');
      const handler = await createSignedInStaff(t, 'handler');
      const disabled = await admin.inject({ method: 'POST', url: `/api/admin/staff/${handler.staffId}/disable` });
      assert.equal(disabled.statusCode, 200);
      assert.equal((disabled.json() as { staff: { status: string } }).staff.status, 'disabled');
      const gone = await handler.inject({ url: '/api/admin/session' });
      assert.equal(gone.statusCode, 401);
      assert.equal(code(gone), 'session_expired');

      const po = await createSignedInStaff(t, 'privacy_officer');
      assert.equal((await po.inject({ url: '/api/admin/staff' })).statusCode, 200);
      const reset = await admin.inject({ method: 'POST', url: `/api/admin/staff/${po.staffId}/reset-mfa` });
      assert.equal(reset.statusCode, 200);
      assert.equal((reset.json() as { staff: { mfaEnabled: boolean } }).staff.mfaEnabled, false);
      assert.equal((await po.inject({ url: '/api/admin/staff' })).statusCode, 401);
      const row = await t.ctx.db.selectFrom('staff').selectAll().where('id', '=', po.staffId).executeTakeFirstOrThrow();
      assert.equal(row.totp_secret_blob_id, null);
      const again = await t.app.inject({ method: 'POST', url: '/api/admin/auth/sign-in', payload: { email: po.email, password: po.password } });
      assert.equal((again.json() as { stage: string }).stage, 'mfa_enroll');
      const actions = (
        await t.ctx.db.selectFrom('audit_log').select('action').where('target_id', 'in', [handler.staffId, po.staffId]).execute()
      ).map((r) => r.action);
      assert.ok(actions.includes('staff.disabled'));
      assert.ok(actions.includes('staff.mfa_reset'));
    });

    test('a staff member with TOTP signs in again later with a fresh code', async () => {
      const po = await createSignedInStaff(t, 'privacy_officer');
      assert.ok(po.totpSecret);
      nextTotpStep(t);
      const again = await signInStaff(t, { staffId: po.staffId, email: po.email, password: po.password, role: po.role, totpSecret: po.totpSecret });
      assert.notEqual(again.cookie, po.cookie);
      assert.equal((await again.inject({ url: '/api/admin/session' })).statusCode, 200);
      assert.equal((await po.inject({ url: '/api/admin/session' })).statusCode, 200, 'sessions are independent');
    });
  });
}
