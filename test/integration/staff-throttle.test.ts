import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createSignedInStaff, createStaffWithPassword, currentTotp, nextTotpStep, sessionCookieFrom } from '../helpers/staff.ts';
import { MINUTE_MS } from '../../src/lib/clock.ts';

interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: unknown };
}

/** The parts of an answer that must not differ between an existing and a missing account. */
function shape(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }) {
  const body = res.json() as ErrorBody;
  return {
    status: res.statusCode,
    keys: Object.keys(body.error).sort(),
    code: body.error.code,
    message: body.error.message,
    cookie: res.headers['set-cookie'] ?? null,
  };
}

for (const engine of ENGINES) {
  describe(`staff sign-in throttling [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(async () => {
      await t.close();
    });

    const signIn = (email: string, password: string, ip: string) =>
      t.app.inject({ method: 'POST', url: '/api/admin/auth/sign-in', payload: { email, password }, remoteAddress: ip });

    test('five wrong passwords block an address for 15 minutes, with answers identical for existing and unknown accounts', async () => {
      const real = await createStaffWithPassword(t, 'handler');
      const ghost = 'nobody.here@example.test';
      const realAnswers = [];
      const ghostAnswers = [];
      for (let i = 0; i < 5; i++) {
        realAnswers.push(shape(await signIn(real.email, `wrong password ${i}!`, '10.0.0.1')));
        ghostAnswers.push(shape(await signIn(ghost, `wrong password ${i}!`, '10.0.0.2')));
      }
      // Blocked now: even the right password is refused, exactly like a wrong one.
      const blockedReal = await signIn(real.email, real.password, '10.0.0.1');
      const blockedGhost = await signIn(ghost, 'whatever password', '10.0.0.2');
      realAnswers.push(shape(blockedReal));
      ghostAnswers.push(shape(blockedGhost));
      assert.deepEqual(realAnswers, ghostAnswers);
      for (const a of realAnswers) {
        assert.equal(a.status, 401);
        assert.equal(a.code, 'invalid_credentials');
        assert.equal(a.cookie, null);
      }
      assert.equal(await t.ctx.db.selectFrom('staff_sessions').select('id').where('staff_id', '=', real.staffId).executeTakeFirst(), undefined);

      // The block is per address, not per person guessing: another IP is blocked for it too.
      const otherIp = await signIn(real.email, real.password, '10.0.0.3');
      assert.equal(otherIp.statusCode, 401);

      // The table holds keyed hashes, never the address or the IP.
      const keys = (await t.ctx.db.selectFrom('signin_throttle').select('key').execute()).map((r) => r.key).join(' ');
      assert.doesNotMatch(keys, /example|10\.0\.0/);

      t.clock.advance(15 * MINUTE_MS + 1000);
      const later = await signIn(real.email, real.password, '10.0.0.1');
      assert.equal(later.statusCode, 200, 'the block ends after 15 minutes');
    });

    test('failed attempts are audited without the address, naming the account only when it exists', async () => {
      const real = await createStaffWithPassword(t, 'auditor');
      const before = await t.ctx.db.selectFrom('audit_log').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirstOrThrow();
      const from = Number(before.seq ?? 0);
      await signIn(real.email, 'not the password at all', '10.0.1.1');
      await signIn('unknown.person@example.test', 'not the password at all', '10.0.1.1');
      await signIn(real.email, real.password, '10.0.1.1');
      const rows = await t.ctx.db.selectFrom('audit_log').selectAll().where('seq', '>', from).orderBy('seq').execute();
      assert.deepEqual(
        rows.map((r) => [r.action, r.target_id]),
        [
          ['staff.signin_failed', real.staffId],
          ['staff.signin_failed', null],
          ['staff.signed_in', real.staffId],
        ],
      );
      const text = JSON.stringify(rows);
      assert.doesNotMatch(text, /example\.test/);
      assert.doesNotMatch(text, /not the password/);
    });

    test('twenty failures from one IP block that IP for every address, also with the right password', async () => {
      const real = await createStaffWithPassword(t, 'handler');
      for (let i = 0; i < 20; i++) {
        const res = await signIn(`guess${i}@example.test`, 'some wrong password', '10.0.2.1');
        assert.equal(res.statusCode, 401);
      }
      const blocked = await signIn(real.email, real.password, '10.0.2.1');
      assert.equal(blocked.statusCode, 401);
      assert.equal((blocked.json() as ErrorBody).error.code, 'invalid_credentials');
      const elsewhere = await signIn(real.email, real.password, '10.0.2.2');
      assert.equal(elsewhere.statusCode, 200, 'the account itself is not blocked');
    });

    test('a successful sign-in clears the count of earlier failures for that address', async () => {
      const real = await createStaffWithPassword(t, 'handler');
      for (let i = 0; i < 4; i++) await signIn(real.email, 'a wrong password', '10.0.3.1');
      assert.equal((await signIn(real.email, real.password, '10.0.3.1')).statusCode, 200);
      for (let i = 0; i < 4; i++) await signIn(real.email, 'a wrong password', '10.0.3.1');
      assert.equal((await signIn(real.email, real.password, '10.0.3.1')).statusCode, 200);
    });

    test('a disabled account answers exactly like a wrong password', async () => {
      const admin = await createSignedInStaff(t, 'admin');
      const gone = await createStaffWithPassword(t, 'handler');
      const disable = await admin.inject({ method: 'POST', url: `/api/admin/staff/${gone.staffId}/disable` });
      assert.equal(disable.statusCode, 200);
      const res = await signIn(gone.email, gone.password, '10.0.4.1');
      const wrong = await signIn('someone.else@example.test', gone.password, '10.0.4.2');
      assert.deepEqual(shape(res), shape(wrong));
    });

    test('wrong TOTP codes are limited too: after five, even the right code waits', async () => {
      const admin = await createSignedInStaff(t, 'admin');
      assert.ok(admin.totpSecret);
      nextTotpStep(t);
      const res = await signIn(admin.email, admin.password, '10.0.5.1');
      const { csrfToken } = res.json() as { csrfToken: string };
      const cookie = sessionCookieFrom(res) ?? '';
      const good = currentTotp(t, admin.totpSecret);
      const bad = good === '999999' ? '888888' : '999999';
      const mfa = (code: string) =>
        t.app.inject({ method: 'POST', url: '/api/admin/auth/mfa', headers: { cookie, 'x-csrf-token': csrfToken }, payload: { code } });
      for (let i = 0; i < 5; i++) assert.equal((await mfa(bad)).statusCode, 401);
      const blocked = await mfa(good);
      assert.equal(blocked.statusCode, 401);
      assert.equal((blocked.json() as ErrorBody).error.code, 'invalid_mfa_code');
      const row = await t.ctx.db.selectFrom('staff').select('totp_last_step').where('id', '=', admin.staffId).executeTakeFirstOrThrow();
      const lastStep = row.totp_last_step;
      assert.ok(lastStep !== null);
      // The block outlasts the idle limit of the pending session, so sign in afresh after it.
      t.clock.advance(15 * MINUTE_MS + 1000);
      const again = await signIn(admin.email, admin.password, '10.0.5.1');
      const body = again.json() as { csrfToken: string };
      const fresh = await t.app.inject({
        method: 'POST',
        url: '/api/admin/auth/mfa',
        headers: { cookie: sessionCookieFrom(again) ?? '', 'x-csrf-token': body.csrfToken },
        payload: { code: currentTotp(t, admin.totpSecret) },
      });
      assert.equal(fresh.statusCode, 200, fresh.body);
    });
  });
}
