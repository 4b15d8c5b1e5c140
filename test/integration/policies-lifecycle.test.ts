import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listAudit } from '../../src/domains/audit/audit.service.ts';
import { seedSampleOrganization } from '../../src/domains/organization/organization.service.ts';
import type { NoticeItem } from '../../src/domains/policies/notice-input.ts';
import { defaultNoticeSources } from '../../src/domains/policies/notice-sources.ts';
import { publishPolicyVersion } from '../../src/domains/policies/policy.service.ts';
import type { PolicyContent } from '../../src/domains/policies/policy.ts';
import { dateInJapan, formatDate } from '../../src/domains/policies/policy-format.ts';
import { AppError } from '../../src/lib/errors.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';
import { createSignedInStaff, type SignedInStaff } from '../helpers/staff.ts';

interface VersionBody {
  version: { number: number; status: string; effectiveDate: string | null; content: PolicyContent };
}
interface ErrorBody {
  error: { code: string; details?: { path: string; reason: string }[] };
}
interface PublicDoc {
  number: number;
  standing: string;
  text: string;
  articles: { key: string; label: string }[];
  revisionHistory: string[];
  versions: { number: number; standing: string }[];
}

function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

for (const engine of ENGINES) {
  describe(`policy versions, publication and the Art. 32 notice [${engine}]`, () => {
    let t: TestApp;
    let officer: SignedInStaff;
    let today: string;
    before(async () => {
      t = await startTestApp(engine);
      await seedSampleOrganization(t.ctx);
      officer = await createSignedInStaff(t, 'privacy_officer');
      today = dateInJapan(t.clock.now());
    });
    after(async () => {
      await t.close();
    });

    test('a draft is written, compared with the version in force, published, and becomes the public text with its history', async () => {
      const created = await officer.inject({
        method: 'POST',
        url: '/api/admin/policies/company-policy/versions',
        payload: { effectiveDate: today, summary: { ja: '子どもの個人情報の条を加えました。', en: "Added an article on children's personal information." } },
      });
      assert.equal(created.statusCode, 201, created.body);
      const draft = (created.json() as VersionBody).version;
      assert.equal(draft.status, 'draft');
      assert.equal(draft.content.articles.length, 12, 'the draft starts from the version in force');

      const content = structuredClone(draft.content);
      const accuracy = content.articles.find((a) => a.key === 'accuracy');
      const paragraph = accuracy?.blocks[0];
      assert.ok(paragraph?.type === 'paragraph');
      paragraph.text = {
        ja: '当社は、個人情報を正確かつ最新の内容に保つため、適切な措置を講じ、不要になった個人情報は速やかに消去します。',
        en: 'We take appropriate steps to keep personal information accurate and up to date, and promptly erase personal information we no longer need.',
      };
      const at = content.articles.findIndex((a) => a.key === 'provision');
      content.articles.splice(at + 1, 0, {
        key: 'children',
        heading: { ja: '子どもの個人情報', en: "Children's personal information" },
        blocks: [{ type: 'paragraph', text: { ja: '16歳未満の方の個人情報は、保護者の同意を得て取得します。', en: 'We acquire personal information about children under 16 only with the consent of a parent or guardian.' } }],
      });
      const updated = await officer.inject({ method: 'PUT', url: `/api/admin/policies/company-policy/versions/${draft.number}`, payload: { content } });
      assert.equal(updated.statusCode, 200, updated.body);

      const diff = await officer.inject({ url: `/api/admin/policies/company-policy/diff?from=2&to=${draft.number}` });
      assert.equal(diff.statusCode, 200, diff.body);
      const d = diff.json() as { articles: { key: string; status: string; numberBefore: number | null; numberAfter: number | null }[]; text: { ja: string; en: string } };
      assert.deepEqual(
        d.articles.filter((a) => a.status !== 'unchanged').map((a) => [a.key, a.status]),
        [
          ['accuracy', 'changed'],
          ['children', 'added'],
        ],
      );
      assert.deepEqual(
        d.articles.filter((a) => a.key === 'requests').map((a) => [a.status, a.numberBefore, a.numberAfter]),
        [['unchanged', 9, 10]],
      );
      assert.match(d.text.ja, /適切な措置を講\[-じます-\]\{\+じ、不要になった個人情報は速やかに消去します\+\}。/);
      assert.match(d.text.en, /up to date\{\+, and promptly erase personal information we no longer need\+\}\./);
      assert.match(d.text.ja, /第9条 子どもの個人情報: 追加/);

      // Not public until published.
      assert.equal((await t.app.inject({ url: `/api/public/policies/company-policy/versions/${draft.number}` })).statusCode, 404);
      const preview = await officer.inject({ url: `/api/admin/policies/company-policy/versions/${draft.number}/rendered?lang=en` });
      assert.equal((preview.json() as { status: string; articles: unknown[] }).articles.length, 13);

      const published = await officer.inject({ method: 'POST', url: `/api/admin/policies/company-policy/versions/${draft.number}/publish` });
      assert.equal(published.statusCode, 200, published.body);

      const ja = (await t.app.inject({ url: '/api/public/policies/company-policy' })).json() as PublicDoc;
      assert.equal(ja.number, draft.number);
      assert.equal(ja.articles.length, 13);
      assert.equal(ja.articles[8]?.key, 'children');
      assert.match(ja.text, /第9条（子どもの個人情報）/);
      assert.deepEqual(ja.revisionHistory, ['2016年4月1日 制定', '2019年4月1日 改定', '2022年4月1日 改定', `${formatDate(today, 'ja')} 改定`]);
      assert.deepEqual(
        ja.versions.map((v) => [v.number, v.standing]),
        [
          [3, 'in_force'],
          [2, 'past'],
          [1, 'past'],
        ],
      );
      const en = (await t.app.inject({ url: '/api/public/policies/company-policy?lang=en' })).json() as PublicDoc;
      assert.equal(en.revisionHistory[3], `Revised: ${formatDate(today, 'en')}`);

      // The replaced version is still readable as it was.
      const old = (await t.app.inject({ url: '/api/public/policies/company-policy/versions/2' })).json() as PublicDoc;
      assert.equal(old.standing, 'past');
      assert.equal(old.articles.length, 12);
      assert.deepEqual(old.revisionHistory, ['2016年4月1日 制定', '2019年4月1日 改定', '2022年4月1日 改定']);

      // A published version never changes.
      const edit = await officer.inject({ method: 'PUT', url: `/api/admin/policies/company-policy/versions/${draft.number}`, payload: { summary: { ja: 'x', en: 'x' } } });
      assert.equal(edit.statusCode, 409);

      const actions = (await listAudit(t.ctx.db, { targetType: 'policy_version', limit: 200 })).entries
        .filter((e) => e.actor.id === officer.staffId && e.details.kind === 'company-policy' && e.details.number === draft.number)
        .map((e) => e.action);
      assert.deepEqual(actions, ['policy.published', 'policy.draft_updated', 'policy.draft_created']);
    });

    test('publishing with a missing translation is refused with the list of gaps', async () => {
      const created = await officer.inject({ method: 'POST', url: '/api/admin/policies/website-privacy/versions', payload: { effectiveDate: addDays(today, 400) } });
      assert.equal(created.statusCode, 201, created.body);
      const draft = (created.json() as VersionBody).version;
      const content = structuredClone(draft.content);
      const cookies = content.articles.find((a) => a.key === 'cookies');
      assert.ok(cookies);
      cookies.heading.en = '';
      const collected = content.articles.find((a) => a.key === 'collected')?.blocks[1];
      assert.ok(collected?.type === 'list');
      collected.items.push({ text: { ja: '端末の種類', en: '' }, subItems: [] });
      content.title.ja = '';
      await officer.inject({ method: 'PUT', url: `/api/admin/policies/website-privacy/versions/${draft.number}`, payload: { content } });

      const check = await officer.inject({ url: `/api/admin/policies/website-privacy/versions/${draft.number}` });
      assert.equal((check.json() as { readiness: { translationGaps: unknown[] } }).readiness.translationGaps.length, 3);

      const res = await officer.inject({ method: 'POST', url: `/api/admin/policies/website-privacy/versions/${draft.number}/publish` });
      assert.equal(res.statusCode, 422);
      const body = res.json() as ErrorBody;
      assert.equal(body.error.code, 'translation_missing');
      assert.deepEqual(body.error.details?.map((g) => g.path), [
        'content.title.ja',
        'content.articles.collected.blocks.1.items.2.text.en',
        'content.articles.cookies.heading.en',
      ]);
      assert.ok(body.error.details?.every((g) => g.reason === 'translation_missing'));
      const stillDraft = (await officer.inject({ url: `/api/admin/policies/website-privacy/versions/${draft.number}` })).json() as VersionBody;
      assert.equal(stillDraft.version.status, 'draft');
      assert.equal((await officer.inject({ method: 'DELETE', url: `/api/admin/policies/website-privacy/versions/${draft.number}` })).statusCode, 200);
    });

    test('a version cannot take effect in the past; a future one is announced as upcoming', async () => {
      const created = await officer.inject({ method: 'POST', url: '/api/admin/policies/request-procedures/versions', payload: { effectiveDate: addDays(today, -1) } });
      const draft = (created.json() as VersionBody).version;
      const past = await officer.inject({ method: 'POST', url: `/api/admin/policies/request-procedures/versions/${draft.number}/publish` });
      assert.equal(past.statusCode, 400);
      assert.deepEqual((past.json() as ErrorBody).error.details, [{ path: 'effectiveDate', reason: 'effective_date_in_past' }]);

      const future = addDays(today, 30);
      await officer.inject({ method: 'PUT', url: `/api/admin/policies/request-procedures/versions/${draft.number}`, payload: { effectiveDate: future } });
      const ok = await officer.inject({ method: 'POST', url: `/api/admin/policies/request-procedures/versions/${draft.number}/publish` });
      assert.equal(ok.statusCode, 200, ok.body);
      const pub = (await t.app.inject({ url: '/api/public/policies/request-procedures' })).json() as PublicDoc;
      assert.equal(pub.number, 1, 'the version in force stays until the new one takes effect');
      assert.deepEqual(
        pub.versions.map((v) => [v.number, v.standing]),
        [
          [draft.number, 'upcoming'],
          [1, 'in_force'],
        ],
      );
      const upcoming = (await t.app.inject({ url: `/api/public/policies/request-procedures/versions/${draft.number}` })).json() as PublicDoc;
      assert.equal(upcoming.revisionHistory[upcoming.revisionHistory.length - 1], `${formatDate(future, 'ja')} 改定`);
    });

    test('the Art. 32 notice cannot be published while any required item is missing, each in turn', async () => {
      const created = await officer.inject({ method: 'POST', url: '/api/admin/policies/appi-notice/versions', payload: { effectiveDate: today } });
      assert.equal(created.statusCode, 201, created.body);
      const number = (created.json() as VersionBody).version.number;
      const org = (await officer.inject({ url: '/api/admin/organization' })).json() as {
        organization: { profile: Record<string, unknown>; security: { measures: unknown[]; foreignCountries: unknown[] | null } };
      };
      const profile = org.organization.profile;
      const security = org.organization.security;

      async function publishRefusedFor(item: NoticeItem): Promise<void> {
        const res = await officer.inject({ method: 'POST', url: `/api/admin/policies/appi-notice/versions/${number}/publish` });
        assert.equal(res.statusCode, 422, `${item}: ${res.body}`);
        const body = res.json() as ErrorBody;
        assert.equal(body.error.code, 'notice_incomplete');
        assert.deepEqual([...new Set(body.error.details?.map((d) => d.reason))], [item]);
        const check = (await officer.inject({ url: '/api/admin/notice/check' })).json() as { complete: boolean; missingItems: string[] };
        assert.deepEqual(check, { ...check, complete: false, missingItems: [item] });
      }
      async function putProfile(value: Record<string, unknown>): Promise<void> {
        const res = await officer.inject({ method: 'PUT', url: '/api/admin/organization/profile', payload: { profile: value } });
        assert.equal(res.statusCode, 200, res.body);
      }
      async function putSecurity(value: unknown): Promise<void> {
        const res = await officer.inject({ method: 'PUT', url: '/api/admin/organization/security', payload: { security: value } });
        assert.equal(res.statusCode, 200, res.body);
      }

      const profileItems: [NoticeItem, string][] = [
        ['business_identity', 'representative'],
        ['request_procedures', 'requestContact'],
        ['complaint_contact', 'complaintContact'],
        ['accredited_organization', 'accreditedOrganization'],
      ];
      for (const [item, field] of profileItems) {
        await putProfile({ ...profile, [field]: null });
        await publishRefusedFor(item);
        await putProfile(profile);
      }

      await putSecurity({ ...security, measures: [] });
      await publishRefusedFor('security_measures');
      await putSecurity({ ...security, foreignCountries: null });
      await publishRefusedFor('security_measures');
      await putSecurity(security);

      // The data map plugs in as a source: a country it names that nobody has described.
      const ledger = { ...defaultNoticeSources(), foreignCountryCodes: async () => ['US', 'SG'] };
      await assert.rejects(
        publishPolicyVersion(t.ctx, 'appi-notice', number, { type: 'staff', id: officer.staffId }, {}, ledger),
        (err: unknown) => err instanceof AppError && err.code === 'notice_incomplete' && err.details.every((d) => d.reason === 'security_measures' && (d.path ?? '').startsWith('foreign_countries.SG')),
      );
      const noPurposes = { ...defaultNoticeSources(), purposes: async () => [] };
      await assert.rejects(
        publishPolicyVersion(t.ctx, 'appi-notice', number, { type: 'staff', id: officer.staffId }, {}, noPurposes),
        (err: unknown) => err instanceof AppError && err.code === 'notice_incomplete' && err.details.every((d) => d.reason === 'purposes_of_use'),
      );

      // With everything restored the notice publishes.
      const ok = await officer.inject({ method: 'POST', url: `/api/admin/policies/appi-notice/versions/${number}/publish` });
      assert.equal(ok.statusCode, 200, ok.body);
      const check = (await officer.inject({ url: '/api/admin/notice/check' })).json() as { complete: boolean; version: number };
      assert.deepEqual(check, { ...check, complete: true, version: number });
    });

    test('readers read, only officers and administrators write', async () => {
      const auditor = await createSignedInStaff(t, 'auditor');
      assert.equal((await auditor.inject({ url: '/api/admin/policies' })).statusCode, 200);
      assert.equal((await auditor.inject({ url: '/api/admin/purposes' })).statusCode, 200);
      assert.equal((await auditor.inject({ method: 'POST', url: '/api/admin/policies/company-policy/versions', payload: {} })).statusCode, 403);
      const handler = await createSignedInStaff(t, 'handler');
      assert.equal((await handler.inject({ method: 'POST', url: '/api/admin/purposes/newsletter/retire' })).statusCode, 403);
      assert.equal((await t.app.inject({ url: '/api/admin/policies' })).statusCode, 401);
    });
  });

  describe(`purposes of use [${engine}]`, () => {
    let t: TestApp;
    let officer: SignedInStaff;
    before(async () => {
      t = await startTestApp(engine);
      await seedSampleOrganization(t.ctx);
      officer = await createSignedInStaff(t, 'admin');
    });
    after(async () => {
      await t.close();
    });

    test('a purpose change makes a new version and shows in the published notice at once', async () => {
      const res = await officer.inject({
        method: 'PUT',
        url: '/api/admin/purposes/newsletter',
        payload: {
          title: { ja: '新商品とセールのご案内（メールマガジン）', en: 'News of new products and sales (newsletter)' },
          description: { ja: '', en: '' },
          dataCategories: ['user.contact.email'],
          basis: 'consent',
          sortOrder: 40,
          expectedVersion: 1,
        },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((res.json() as { purpose: { version: number } }).purpose.version, 2);
      const versions = (await officer.inject({ url: '/api/admin/purposes/newsletter/versions' })).json() as { versions: { version: number; change: string }[] };
      assert.deepEqual(
        versions.versions.map((v) => [v.version, v.change]),
        [
          [2, 'updated'],
          [1, 'created'],
        ],
      );
      const notice = (await t.app.inject({ url: '/api/public/notice?lang=en' })).json() as { text: string };
      assert.match(notice.text, /News of new products and sales \(newsletter\) \(only with your consent\)/);
      const stale = await officer.inject({ method: 'PUT', url: '/api/admin/purposes/newsletter', payload: { ...(res.json() as { purpose: object }).purpose, expectedVersion: 1 } });
      assert.equal(stale.statusCode, 400, 'the view has fields an update does not take');
    });

    test('new purposes are added with their data categories; retiring every purpose leaves the notice unpublishable', async () => {
      const payload = {
        code: 'gift_wrapping',
        title: { ja: 'ギフト包装とメッセージカードの作成', en: 'Gift wrapping and message cards' },
        description: { ja: '', en: '' },
        dataCategories: ['user.name'],
        basis: 'stated',
        sortOrder: 90,
      };
      const created = await officer.inject({ method: 'POST', url: '/api/admin/purposes', payload });
      assert.equal(created.statusCode, 201, created.body);
      const duplicate = await officer.inject({ method: 'POST', url: '/api/admin/purposes', payload });
      assert.equal(duplicate.statusCode, 409);
      const bad = await officer.inject({
        method: 'POST',
        url: '/api/admin/purposes',
        payload: { code: 'x y', title: { ja: 'a', en: 'a' }, description: { ja: '', en: '' }, dataCategories: ['User Email'], basis: 'stated', sortOrder: 1 },
      });
      assert.equal(bad.statusCode, 400);

      const all = (await officer.inject({ url: '/api/admin/purposes' })).json() as { purposes: { code: string }[] };
      for (const p of all.purposes) {
        assert.equal((await officer.inject({ method: 'POST', url: `/api/admin/purposes/${p.code}/retire` })).statusCode, 200);
      }
      assert.deepEqual(((await t.app.inject({ url: '/api/public/purposes' })).json() as { purposes: unknown[] }).purposes, []);
      const withRetired = (await officer.inject({ url: '/api/admin/purposes?includeRetired=true' })).json() as { purposes: { status: string }[] };
      assert.ok(withRetired.purposes.length === all.purposes.length && withRetired.purposes.every((p) => p.status === 'retired'));

      const draft = await officer.inject({ method: 'POST', url: '/api/admin/policies/appi-notice/versions', payload: { effectiveDate: dateInJapan(t.clock.now()) } });
      const number = (draft.json() as VersionBody).version.number;
      const res = await officer.inject({ method: 'POST', url: `/api/admin/policies/appi-notice/versions/${number}/publish` });
      assert.equal(res.statusCode, 422);
      assert.deepEqual((res.json() as ErrorBody).error.details, [{ path: 'purposes', reason: 'purposes_of_use' }]);
      assert.equal((await listAudit(t.ctx.db, { action: 'purpose.retired' })).entries.length, all.purposes.length);
    });
  });
}
