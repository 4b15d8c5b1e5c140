import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import {
  createSignedInStaff,
  createStaffWithPassword,
  currentTotp,
  nextTotpStep,
  sessionCookieFrom,
  signInStaff,
} from '../helpers/staff.ts';
import { createStaff } from '../../src/domains/staff/staff.service.ts';
import { SYSTEM_ACTOR } from '../../src/domains/audit/audit.actions.ts';
import { HOUR_MS } from '../../src/lib/clock.ts';

interface ErrorBody {
  error: { code: string; message: string; requestId: string };
}

const OPEN = new Set(['/api/admin/auth/sign-in', '/api/admin/auth/password-setup']);
const STEP_ROUTES = new Set(['/api/admin/auth/mfa', '/api/admin/auth/mfa/enroll', '/api/admin/auth/mfa/enroll/confirm', '/api/admin/auth/sign-out']);

async function adminOperations(t: TestApp): Promise<Array<{ method: string; path: string; url: string }>> {
  const doc = (await t.app.inject({ url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
  const ops: Array<{ method: string; path: string; url: string }> = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/admin/')) continue;
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      if (!(method in item)) continue;
      ops.push({ method: method.toUpperCase(), path, url: path.replace(/\{[^}]+\}/g, 'stf_doesnotexist') });
    }
  }
  return ops;
}

async function auditActions(t: TestApp, targetId: string): Promise<string[]> {
  const rows = await t.ctx.db.selectFrom('audit_log').select('action').where('target_id', '=', targetId).orderBy('seq').execute();
  return rows.map((r) => r.action);
}

for (const engine of ENGINES) {
  describe(`staff sign-in [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(async () => {
      await t.close();
    });

    test('every admin route refuses an anonymous call with 401, before looking at the body', async () => {
      const ops = await adminOperations(t);
      assert.ok(ops.length >= 12, `expected the admin routes in the OpenAPI document, found ${ops.length}`);
      const checked: string[] = [];
      for (const op of ops) {
        if (OPEN.has(op.path)) continue;
        const write = op.method !== 'GET' && op.method !== 'DELETE';
        const res = await t.app.inject({ method: op.method as 'GET', url: op.url, ...(write ? { payload: {} } : {}) });
        assert.equal(res.statusCode, 401, `${op.method} ${op.path} answered ${res.statusCode}`);
        assert.equal((res.json() as ErrorBody).error.code, 'unauthenticated', `${op.method} ${op.path}`);
        checked.push(`${op.method} ${op.path}`);
      }
      assert.ok(checked.includes('POST /api/admin/staff'));
      assert.ok(checked.includes('GET /api/admin/session'));
      // A forged or stale cookie is no better than none.
      const forged = await t.app.inject({ url: '/api/admin/session', headers: { cookie: `mdg_session=${'A'.repeat(43)}` } });
      assert.equal(forged.statusCode, 401);
      assert.equal((forged.json() as ErrorBody).error.code, 'unauthenticated');
    });

    test('an administrator signs in with password and TOTP; the code cannot be used twice', async () => {
      const admin = await createSignedInStaff(t, 'admin');
      assert.ok(admin.totpSecret);
      nextTotpStep(t);

      const res = await t.app.inject({ method: 'POST', url: '/api/admin/auth/sign-in', payload: { email: admin.email.toUpperCase(), password: admin.password } });
      assert.equal(res.statusCode, 200);
      const first = res.json() as { stage: string; csrfToken: string; staff?: unknown };
      assert.equal(first.stage, 'mfa_pending');
      assert.equal(first.staff, undefined, 'nothing about the account before the second factor');
      const setCookie = String(res.headers['set-cookie']);
      assert.match(setCookie, /^mdg_session=[A-Za-z0-9_-]{43};/);
      assert.match(setCookie, /HttpOnly/);
      assert.match(setCookie, /SameSite=Strict/);
      assert.match(setCookie, /Path=\//);
      assert.doesNotMatch(setCookie, /Secure/, 'the test base URL is http');
      const pendingCookie = sessionCookieFrom(res);
      assert.ok(pendingCookie);

      // Before the code, the session can do nothing else.
      const early = await t.app.inject({ url: '/api/admin/session', headers: { cookie: pendingCookie } });
      assert.equal(early.statusCode, 401);
      assert.equal((early.json() as ErrorBody).error.code, 'mfa_required');

      const wrong = await t.app.inject({
        method: 'POST',
        url: '/api/admin/auth/mfa',
        headers: { cookie: pendingCookie, 'x-csrf-token': first.csrfToken },
        payload: { code: currentTotp(t, admin.totpSecret) === '000000' ? '111111' : '000000' },
      });
      assert.equal(wrong.statusCode, 401);
      assert.equal((wrong.json() as ErrorBody).error.code, 'invalid_mfa_code');

      const code = currentTotp(t, admin.totpSecret);
      const ok = await t.app.inject({
        method: 'POST',
        url: '/api/admin/auth/mfa',
        headers: { cookie: pendingCookie, 'x-csrf-token': first.csrfToken },
        payload: { code },
      });
      assert.equal(ok.statusCode, 200, ok.body);
      const done = ok.json() as { stage: string; csrfToken: string; staff: { id: string; role: string } };
      assert.equal(done.stage, 'active');
      assert.equal(done.staff.id, admin.staffId);
      const activeCookie = sessionCookieFrom(ok);
      assert.ok(activeCookie);
      assert.notEqual(activeCookie, pendingCookie, 'the session gets a new token once it is complete');
      assert.notEqual(done.csrfToken, first.csrfToken);
      const me = await t.app.inject({ url: '/api/admin/session', headers: { cookie: activeCookie } });
      assert.equal(me.statusCode, 200);
      const old = await t.app.inject({ url: '/api/admin/session', headers: { cookie: pendingCookie } });
      assert.equal(old.statusCode, 401, 'the pre-MFA token does not become a full session');

      // The same code again, on a new password sign-in: refused, even within its 30 seconds.
      const again = await t.app.inject({ method: 'POST', url: '/api/admin/auth/sign-in', payload: { email: admin.email, password: admin.password } });
      const againBody = again.json() as { stage: string; csrfToken: string };
      assert.equal(againBody.stage, 'mfa_pending');
      const replay = await t.app.inject({
        method: 'POST',
        url: '/api/admin/auth/mfa',
        headers: { cookie: sessionCookieFrom(again) ?? '', 'x-csrf-token': againBody.csrfToken },
        payload: { code },
      });
      assert.equal(replay.statusCode, 401);
      assert.equal((replay.json() as ErrorBody).error.code, 'invalid_mfa_code');

      const actions = await auditActions(t, admin.staffId);
      assert.deepEqual(
        actions.filter((a) => a.startsWith('staff.signed_in') || a === 'staff.signin_failed' || a === 'staff.mfa_enrolled'),
        ['staff.mfa_enrolled', 'staff.signed_in', 'staff.signin_failed', 'staff.signed_in', 'staff.signin_failed'],
      );
    });

    test('a role that requires a second factor must enrol one before anything else', async () => {
      const { email, password } = await createStaffWithPassword(t, 'privacy_officer');
      const res = await t.app.inject({ method: 'POST', url: '/api/admin/auth/sign-in', payload: { email, password } });
      const body = res.json() as { stage: string; csrfToken: string };
      assert.equal(body.stage, 'mfa_enroll');
      const cookie = sessionCookieFrom(res) ?? '';
      const me = await t.app.inject({ url: '/api/admin/session', headers: { cookie } });
      assert.equal(me.statusCode, 403);
      assert.equal((me.json() as ErrorBody).error.code, 'mfa_enrollment_required');
      const list = await t.app.inject({ url: '/api/admin/staff', headers: { cookie } });
      assert.equal((list.json() as ErrorBody).error.code, 'mfa_enrollment_required');
      // The TOTP step of an account without TOTP is not open to it either.
      const skip = await t.app.inject({ method: 'POST', url: '/api/admin/auth/mfa', headers: { cookie, 'x-csrf-token': body.csrfToken }, payload: { code: '123456' } });
      assert.equal(skip.statusCode, 403);

      const begin = await t.app.inject({ method: 'POST', url: '/api/admin/auth/mfa/enroll', headers: { cookie, 'x-csrf-token': body.csrfToken } });
      assert.equal(begin.statusCode, 200);
      const { secret, otpauthUrl } = begin.json() as { secret: string; otpauthUrl: string };
      assert.match(secret, /^[A-Z2-7]{32}$/);
      assert.match(otpauthUrl, /^otpauth:\/\/totp\/Madoguchi:/);
      assert.match(otpauthUrl, new RegExp(`secret=${secret}`));
      assert.equal(begin.headers['cache-control'], 'no-store');

      // The secret is stored encrypted, not in the staff row.
      const row = await t.ctx.db.selectFrom('staff').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
      assert.ok(row.totp_secret_blob_id);
      assert.equal(row.totp_enabled, false);
      assert.doesNotMatch(JSON.stringify(row), new RegExp(secret));
      const blob = await t.ctx.db.selectFrom('encrypted_blobs').selectAll().where('id', '=', row.totp_secret_blob_id).executeTakeFirstOrThrow();
      assert.ok(blob.ciphertext);
      assert.equal(blob.ciphertext.includes(Buffer.from(secret)), false);

      const confirm = await t.app.inject({
        method: 'POST',
        url: '/api/admin/auth/mfa/enroll/confirm',
        headers: { cookie, 'x-csrf-token': body.csrfToken },
        payload: { code: currentTotp(t, secret) },
      });
      assert.equal(confirm.statusCode, 200);
      const active = sessionCookieFrom(confirm) ?? '';
      const me2 = await t.app.inject({ url: '/api/admin/session', headers: { cookie: active } });
      assert.equal(me2.statusCode, 200);
      assert.equal((me2.json() as { staff: { mfaEnabled: boolean } }).staff.mfaEnabled, true);
    });

    test('sign-out ends the session and clears the cookie', async () => {
      const handler = await createSignedInStaff(t, 'handler');
      const out = await handler.inject({ method: 'POST', url: '/api/admin/auth/sign-out' });
      assert.equal(out.statusCode, 200);
      assert.match(String(out.headers['set-cookie']), /mdg_session=;/);
      const after = await handler.inject({ url: '/api/admin/session' });
      assert.equal(after.statusCode, 401);
      assert.ok((await auditActions(t, handler.staffId)).includes('staff.signed_out'));
    });

    test('a password-setup link works once, refuses weak passwords without being used up, and expires', async () => {
      const created = await createStaff(t.ctx, { email: 'Setup.Person@Example.TEST', role: 'handler' }, SYSTEM_ACTOR);
      assert.equal(created.staff.email, 'setup.person@example.test');
      assert.match(created.setupLink, /^http:\/\/madoguchi\.test\/admin\/setup-password\?token=[A-Za-z0-9_-]{43}$/);
      const token = new URL(created.setupLink).searchParams.get('token') ?? '';

      const weak = await t.app.inject({ method: 'POST', url: '/api/admin/auth/password-setup', payload: { token, password: 'short1!' } });
      assert.equal(weak.statusCode, 400);
      assert.equal((weak.json() as ErrorBody).error.code, 'weak_password');
      const simple = await t.app.inject({ method: 'POST', url: '/api/admin/auth/password-setup', payload: { token, password: 'password1234' } });
      assert.equal((simple.json() as ErrorBody).error.code, 'weak_password');
      const row = await t.ctx.db.selectFrom('staff').select('password_hash').where('id', '=', created.staff.id).executeTakeFirstOrThrow();
      assert.equal(row.password_hash, null, 'a refused password changes nothing');

      const good = await t.app.inject({ method: 'POST', url: '/api/admin/auth/password-setup', payload: { token, password: 'correct horse battery staple' } });
      assert.equal(good.statusCode, 200);
      const hashed = await t.ctx.db.selectFrom('staff').select('password_hash').where('id', '=', created.staff.id).executeTakeFirstOrThrow();
      assert.match(hashed.password_hash ?? '', /^\$argon2id\$/);
      const reuse = await t.app.inject({ method: 'POST', url: '/api/admin/auth/password-setup', payload: { token, password: 'another long passphrase' } });
      assert.equal(reuse.statusCode, 400);
      assert.equal((reuse.json() as ErrorBody).error.code, 'token_invalid');
      const signedIn = await t.app.inject({ method: 'POST', url: '/api/admin/auth/sign-in', payload: { email: 'setup.person@example.test', password: 'correct horse battery staple' } });
      assert.equal(signedIn.statusCode, 200);
      assert.equal((signedIn.json() as { stage: string }).stage, 'active');

      const late = await createStaff(t.ctx, { email: 'late.person@example.test', role: 'auditor' }, SYSTEM_ACTOR);
      t.clock.advance(72 * HOUR_MS + 1000);
      const expired = await t.app.inject({
        method: 'POST',
        url: '/api/admin/auth/password-setup',
        payload: { token: new URL(late.setupLink).searchParams.get('token'), password: 'a perfectly good passphrase' },
      });
      assert.equal(expired.statusCode, 400);
      assert.equal((expired.json() as ErrorBody).error.code, 'token_invalid');
      const unknown = await t.app.inject({ method: 'POST', url: '/api/admin/auth/password-setup', payload: { token: 'x'.repeat(43), password: 'a perfectly good passphrase' } });
      assert.equal((unknown.json() as ErrorBody).error.code, 'token_invalid');
    });

    test('setting a new password ends the sessions opened with the old one', async () => {
      const admin = await createSignedInStaff(t, 'admin');
      const handler = await createSignedInStaff(t, 'handler');
      const link = await admin.inject({ method: 'POST', url: `/api/admin/staff/${handler.staffId}/setup-link` });
      assert.equal(link.statusCode, 200);
      const token = new URL((link.json() as { setupLink: string }).setupLink).searchParams.get('token');
      const set = await t.app.inject({ method: 'POST', url: '/api/admin/auth/password-setup', payload: { token, password: 'a brand new passphrase' } });
      assert.equal(set.statusCode, 200);
      const stale = await handler.inject({ url: '/api/admin/session' });
      assert.equal(stale.statusCode, 401);
      assert.equal((stale.json() as ErrorBody).error.code, 'session_expired');
      await signInStaff(t, { ...handler, password: 'a brand new passphrase' });
    });

    test('a session stuck at the TOTP step reaches only the TOTP step and sign-out', async () => {
      const po = await createSignedInStaff(t, 'privacy_officer');
      nextTotpStep(t);
      const res = await t.app.inject({ method: 'POST', url: '/api/admin/auth/sign-in', payload: { email: po.email, password: po.password } });
      const { csrfToken } = res.json() as { csrfToken: string };
      const cookie = sessionCookieFrom(res) ?? '';
      for (const op of await adminOperations(t)) {
        if (OPEN.has(op.path) || STEP_ROUTES.has(op.path)) continue;
        const write = op.method !== 'GET' && op.method !== 'DELETE';
        const r = await t.app.inject({
          method: op.method as 'GET',
          url: op.url,
          headers: { cookie, 'x-csrf-token': csrfToken },
          ...(write ? { payload: {} } : {}),
        });
        assert.equal(r.statusCode, 401, `${op.method} ${op.path}`);
        assert.equal((r.json() as ErrorBody).error.code, 'mfa_required', `${op.method} ${op.path}`);
      }
    });

    test('answers never carry password hashes, token hashes or TOTP secrets', async () => {
      const admin = await createSignedInStaff(t, 'admin');
      const list = await admin.inject({ url: '/api/admin/staff' });
      assert.equal(list.statusCode, 200);
      const text = list.body;
      assert.doesNotMatch(text, /argon2|password_hash|passwordHash|token_hash|totp_secret|blob/i);
      assert.ok(admin.totpSecret);
      assert.ok(!text.includes(admin.totpSecret));
      const me = await admin.inject({ url: '/api/admin/session' });
      assert.doesNotMatch(me.body, /argon2|token_hash|totp_secret|blob/i);
    });
  });
}

for (const engine of ENGINES) {
  describe(`staff sign-in follows the configuration [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, { env: { MADOGUCHI_BASE_URL: 'https://privacy.example.test', MADOGUCHI_REQUIRE_MFA_ROLES: 'handler' } });
    });
    after(async () => {
      await t.close();
    });

    test('the cookie is Secure behind https, and the second factor is required of the configured roles only', async () => {
      const admin = await createStaffWithPassword(t, 'admin');
      const res = await t.app.inject({ method: 'POST', url: '/api/admin/auth/sign-in', payload: { email: admin.email, password: admin.password } });
      assert.equal(res.statusCode, 200);
      assert.equal((res.json() as { stage: string }).stage, 'active');
      assert.match(String(res.headers['set-cookie']), /; Secure/);

      const handler = await createStaffWithPassword(t, 'handler');
      const h = await t.app.inject({ method: 'POST', url: '/api/admin/auth/sign-in', payload: { email: handler.email, password: handler.password } });
      assert.equal((h.json() as { stage: string }).stage, 'mfa_enroll');

      const created = await createStaff(t.ctx, { email: 'https.link@example.test', role: 'auditor' }, SYSTEM_ACTOR);
      assert.match(created.setupLink, /^https:\/\/privacy\.example\.test\/admin\/setup-password\?token=/);
    });
  });
}
