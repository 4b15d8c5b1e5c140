import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listAudit } from '../../src/domains/audit/audit.service.ts';
import { seedSampleOrganization } from '../../src/domains/organization/organization.service.ts';
import type { RequestSettings } from '../../src/domains/organization/request-settings.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';
import { createSignedInStaff, type SignedInStaff } from '../helpers/staff.ts';

interface OrganizationBody {
  organization: {
    id: string;
    profile: { name: { ja: string; en: string }; accreditedOrganization: { status: string } | null } | null;
    profileVersion: number;
    settings: RequestSettings;
    settingsVersion: number;
    usingDefaultSettings: boolean;
    securityVersion: number;
  };
}

for (const engine of ENGINES) {
  describe(`organisation and request settings [${engine}]`, () => {
    let t: TestApp;
    let officer: SignedInStaff;
    let handler: SignedInStaff;
    before(async () => {
      t = await startTestApp(engine);
      await seedSampleOrganization(t.ctx);
      officer = await createSignedInStaff(t, 'privacy_officer');
      handler = await createSignedInStaff(t, 'handler');
    });
    after(async () => {
      await t.close();
    });

    async function current(): Promise<OrganizationBody['organization']> {
      const res = await handler.inject({ url: '/api/admin/organization' });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as OrganizationBody).organization;
    }

    test('staff read the seeded profile, settings and security statement', async () => {
      const org = await current();
      assert.equal(org.id, 'org_sample');
      assert.equal(org.profile?.name.ja, '株式会社あおば生活舎');
      assert.deepEqual(org.profile?.accreditedOrganization, { status: 'none' });
      assert.equal(org.profileVersion, 1);
      assert.equal(org.usingDefaultSettings, false);
      assert.equal(org.settings.fees.perRequest.disclosure, 1000);
      assert.equal(org.settings.deadlines.targetDays, 14);
      assert.equal(org.securityVersion, 1);
    });

    test('nobody signed in, and a handler, cannot change settings', async () => {
      const org = await current();
      const anonymous = await t.app.inject({ method: 'PUT', url: '/api/admin/organization/settings', payload: { settings: org.settings } });
      assert.equal(anonymous.statusCode, 401);
      const res = await handler.inject({ method: 'PUT', url: '/api/admin/organization/settings', payload: { settings: org.settings } });
      assert.equal(res.statusCode, 403);
    });

    for (const type of ['correction', 'suspension', 'stop_provision'] as const) {
      test(`a fee on ${type} is refused and nothing changes`, async () => {
        const before = await current();
        const settings = structuredClone(before.settings);
        settings.fees.perRequest[type] = 1000;
        const res = await officer.inject({ method: 'PUT', url: '/api/admin/organization/settings', payload: { settings } });
        assert.equal(res.statusCode, 400);
        const body = res.json() as { error: { code: string; details: { path: string; reason: string }[] } };
        assert.equal(body.error.code, 'validation_failed');
        assert.deepEqual(body.error.details.map((d) => [d.path, d.reason]), [[`settings.fees.perRequest.${type}`, 'fee_not_allowed']]);
        assert.equal((await current()).settingsVersion, before.settingsVersion);
      });
    }

    test('changing the fee makes a new version, is audited, and the public procedures follow it', async () => {
      const before = await current();
      const settings = structuredClone(before.settings);
      settings.fees.perRequest.disclosure = 500;
      settings.documentRetentionMonths = 6;
      const res = await officer.inject({
        method: 'PUT',
        url: '/api/admin/organization/settings',
        payload: { settings, expectedVersion: before.settingsVersion },
      });
      assert.equal(res.statusCode, 200, res.body);
      const after = (res.json() as OrganizationBody).organization;
      assert.equal(after.settingsVersion, before.settingsVersion + 1);
      assert.equal(after.settings.fees.perRequest.disclosure, 500);

      const audit = await listAudit(t.ctx.db, { action: 'settings.updated' });
      const entry = audit.entries[0];
      assert.ok(entry);
      assert.deepEqual(entry.actor, { type: 'staff', id: officer.staffId });
      assert.deepEqual(entry.details, { section: 'settings', version: after.settingsVersion, changed: ['fees', 'documentRetentionMonths'] });

      const revisions = await handler.inject({ url: '/api/admin/organization/revisions?section=settings' });
      const list = (revisions.json() as { revisions: { version: number; data: RequestSettings }[] }).revisions;
      assert.deepEqual(
        list.map((r) => r.version),
        [after.settingsVersion, before.settingsVersion],
      );
      assert.equal(list[1]?.data.fees.perRequest.disclosure, 1000);

      const ja = (await t.app.inject({ url: '/api/public/policies/request-procedures' })).json() as { text: string };
      assert.match(ja.text, /開示：1回のご請求につき500円/);
      assert.match(ja.text, /6か月間保管した後、廃棄します/);
      const en = (await t.app.inject({ url: '/api/public/policies/request-procedures?lang=en' })).json() as { text: string };
      assert.match(en.text, /Disclosure: ¥500 per request/);
    });

    test('a save based on an older version is refused with 409', async () => {
      const org = await current();
      const res = await officer.inject({
        method: 'PUT',
        url: '/api/admin/organization/settings',
        payload: { settings: org.settings, expectedVersion: org.settingsVersion - 1 },
      });
      assert.equal(res.statusCode, 409);
    });

    test('profile changes are audited as organization.updated and the public name follows', async () => {
      const org = await current();
      assert.ok(org.profile);
      const profile = structuredClone(org.profile) as Record<string, unknown> & { name: { ja: string; en: string } };
      profile.name = { ja: '株式会社あおば生活舎', en: 'Aoba Seikatsusha Co., Ltd. (Sendai)' };
      const res = await officer.inject({ method: 'PUT', url: '/api/admin/organization/profile', payload: { profile } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((res.json() as OrganizationBody).organization.profileVersion, org.profileVersion + 1);
      const audit = await listAudit(t.ctx.db, { action: 'organization.updated' });
      assert.deepEqual(audit.entries[0]?.details, { section: 'profile', version: org.profileVersion + 1, changed: ['name'] });
      const pub = (await t.app.inject({ url: '/api/public/organization' })).json() as { name: { en: string } };
      assert.equal(pub.name.en, 'Aoba Seikatsusha Co., Ltd. (Sendai)');
    });

    test('a profile with an unknown field or an over-long name is refused', async () => {
      const org = await current();
      assert.ok(org.profile);
      const extra = { ...org.profile, twitter: '@aoba' };
      assert.equal((await officer.inject({ method: 'PUT', url: '/api/admin/organization/profile', payload: { profile: extra } })).statusCode, 400);
      const long = { ...org.profile, name: { ja: 'あ'.repeat(201), en: 'x' } };
      assert.equal((await officer.inject({ method: 'PUT', url: '/api/admin/organization/profile', payload: { profile: long } })).statusCode, 400);
    });
  });
}
