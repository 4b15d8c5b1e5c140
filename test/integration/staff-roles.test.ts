import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createSignedInStaff, type SignedInStaff } from '../helpers/staff.ts';

interface ErrorBody {
  error: { code: string; details?: Array<{ reason?: string }> };
}

const code = (res: { json(): unknown }) => (res.json() as ErrorBody).error.code;

for (const engine of ENGINES) {
  describe(`staff roles and management [${engine}]`, () => {
    let t: TestApp;
    let admin: SignedInStaff;
    let handler: SignedInStaff;
    let auditor: SignedInStaff;
    let officer: SignedInStaff;
    before(async () => {
      t = await startTestApp(engine);
      admin = await createSignedInStaff(t, 'admin');
      handler = await createSignedInStaff(t, 'handler');
      auditor = await createSignedInStaff(t, 'auditor');
      officer = await createSignedInStaff(t, 'privacy_officer');
    });
    after(async () => {
      await t.close();
    });

    test('a handler can neither list nor create staff', async () => {
      const list = await handler.inject({ url: '/api/admin/staff' });
      assert.equal(list.statusCode, 403);
      assert.equal(code(list), 'forbidden');
      const create = await handler.inject({ method: 'POST', url: '/api/admin/staff', payload: { email: 'by.handler@example.test', role: 'admin' } });
      assert.equal(create.statusCode, 403);
      assert.equal(code(create), 'forbidden');
      assert.equal(await t.ctx.db.selectFrom('staff').select('id').where('email', '=', 'by.handler@example.test').executeTakeFirst(), undefined);
      assert.equal((await handler.inject({ url: '/api/admin/api-keys' })).statusCode, 403);
    });

    test('an auditor can list staff and API keys but change nothing', async () => {
      const list = await auditor.inject({ url: '/api/admin/staff' });
      assert.equal(list.statusCode, 200);
      const ids = (list.json() as { staff: Array<{ id: string }> }).staff.map((s) => s.id);
      assert.ok(ids.includes(handler.staffId));
      assert.equal((await auditor.inject({ url: `/api/admin/staff/${handler.staffId}` })).statusCode, 200);
      assert.equal((await auditor.inject({ url: '/api/admin/api-keys' })).statusCode, 200);
      const attempts = [
        auditor.inject({ method: 'POST', url: '/api/admin/staff', payload: { email: 'by.auditor@example.test', role: 'handler' } }),
        auditor.inject({ method: 'POST', url: `/api/admin/staff/${handler.staffId}/role`, payload: { role: 'admin' } }),
        auditor.inject({ method: 'POST', url: `/api/admin/staff/${handler.staffId}/disable` }),
        auditor.inject({ method: 'POST', url: `/api/admin/staff/${handler.staffId}/reset-mfa` }),
        auditor.inject({ method: 'POST', url: `/api/admin/staff/${handler.staffId}/setup-link` }),
        auditor.inject({ method: 'POST', url: '/api/admin/api-keys', payload: { name: 'x', scopes: ['consent:read'] } }),
      ];
      for (const res of await Promise.all(attempts)) {
        assert.equal(res.statusCode, 403);
        assert.equal(code(res), 'forbidden');
      }
      const row = await t.ctx.db.selectFrom('staff').select(['role', 'status']).where('id', '=', handler.staffId).executeTakeFirstOrThrow();
      assert.deepEqual(row, { role: 'handler', status: 'active' });
    });

    test('a privacy officer can read the staff list but not manage it', async () => {
      assert.equal((await officer.inject({ url: '/api/admin/staff' })).statusCode, 200);
      const change = await officer.inject({ method: 'POST', url: `/api/admin/staff/${handler.staffId}/role`, payload: { role: 'privacy_officer' } });
      assert.equal(change.statusCode, 403);
    });

    test('an administrator creates staff with a one-time link and sees them listed', async () => {
      const res = await admin.inject({
        method: 'POST',
        url: '/api/admin/staff',
        payload: { email: '  New.Handler@Example.TEST ', role: 'handler', displayName: '佐藤 花子' },
      });
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json() as { staff: { id: string; email: string; displayName: string; role: string; passwordSet: boolean; mfaEnabled: boolean; status: string }; setupLink: string; setupLinkExpiresAt: string };
      assert.equal(body.staff.email, 'new.handler@example.test');
      assert.equal(body.staff.displayName, '佐藤 花子');
      assert.equal(body.staff.passwordSet, false);
      assert.equal(body.staff.status, 'active');
      assert.match(body.setupLink, /^http:\/\/madoguchi\.test\/admin\/setup-password\?token=/);
      assert.equal(Date.parse(body.setupLinkExpiresAt) - t.clock.now().getTime() > 71 * 3600_000, true);
      assert.equal(res.headers['cache-control'], 'no-store');
      const token = new URL(body.setupLink).searchParams.get('token') ?? '';
      const stored = await t.ctx.db.selectFrom('staff_tokens').selectAll().where('staff_id', '=', body.staff.id).execute();
      assert.equal(stored.length, 1);
      assert.notEqual(stored[0]?.token_hash, token, 'only the hash of the link token is kept');

      const dup = await admin.inject({ method: 'POST', url: '/api/admin/staff', payload: { email: 'new.handler@example.test', role: 'auditor' } });
      assert.equal(dup.statusCode, 409);
      assert.equal(code(dup), 'already_exists');

      const audit = await t.ctx.db.selectFrom('audit_log').selectAll().where('target_id', '=', body.staff.id).execute();
      assert.deepEqual(audit.map((a) => [a.action, a.actor_type, a.actor_id]), [['staff.created', 'staff', admin.staffId]]);
      assert.doesNotMatch(JSON.stringify(audit), /example\.test|佐藤/);
    });

    test('changing a role takes effect at once and is audited', async () => {
      const person = await createSignedInStaff(t, 'handler');
      assert.equal((await person.inject({ url: '/api/admin/staff' })).statusCode, 403);
      const res = await admin.inject({ method: 'POST', url: `/api/admin/staff/${person.staffId}/role`, payload: { role: 'auditor' } });
      assert.equal(res.statusCode, 200);
      assert.equal((res.json() as { staff: { role: string } }).staff.role, 'auditor');
      assert.equal((await person.inject({ url: '/api/admin/staff' })).statusCode, 200, 'the same session now has the new role');

      // Promotion to a role that needs a second factor ends sessions opened without one.
      const up = await admin.inject({ method: 'POST', url: `/api/admin/staff/${person.staffId}/role`, payload: { role: 'privacy_officer' } });
      assert.equal(up.statusCode, 200);
      assert.equal((await person.inject({ url: '/api/admin/session' })).statusCode, 401);
      const audit = await t.ctx.db.selectFrom('audit_log').selectAll().where('target_id', '=', person.staffId).where('action', '=', 'staff.role_changed').orderBy('seq').execute();
      assert.deepEqual(
        audit.map((a) => [a.details.from, a.details.to]),
        [
          ['handler', 'auditor'],
          ['auditor', 'privacy_officer'],
        ],
      );
    });

    test('the last active administrator can be neither demoted nor disabled', async () => {
      // Every administrator except `admin` steps down first.
      const others = await t.ctx.db.selectFrom('staff').select('id').where('role', '=', 'admin').where('id', '!=', admin.staffId).execute();
      for (const o of others) {
        assert.equal((await admin.inject({ method: 'POST', url: `/api/admin/staff/${o.id}/role`, payload: { role: 'auditor' } })).statusCode, 200);
      }
      const demote = await admin.inject({ method: 'POST', url: `/api/admin/staff/${admin.staffId}/role`, payload: { role: 'handler' } });
      assert.equal(demote.statusCode, 409);
      assert.equal((demote.json() as ErrorBody).error.details?.[0]?.reason, 'last_admin');
      const disable = await admin.inject({ method: 'POST', url: `/api/admin/staff/${admin.staffId}/disable` });
      assert.equal(disable.statusCode, 409);
      const row = await t.ctx.db.selectFrom('staff').select(['role', 'status']).where('id', '=', admin.staffId).executeTakeFirstOrThrow();
      assert.deepEqual(row, { role: 'admin', status: 'active' });
    });

    test('unknown staff ids answer 404', async () => {
      assert.equal((await admin.inject({ url: '/api/admin/staff/stf_nobody' })).statusCode, 404);
      assert.equal((await admin.inject({ method: 'POST', url: '/api/admin/staff/stf_nobody/disable' })).statusCode, 404);
      assert.equal((await admin.inject({ method: 'POST', url: '/api/admin/staff/stf_nobody/role', payload: { role: 'handler' } })).statusCode, 404);
    });
  });
}
