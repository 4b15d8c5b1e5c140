import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { seedSampleOrganization } from '../../src/domains/organization/organization.service.ts';
import { dateInJapan } from '../../src/domains/policies/policy-format.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';

interface Rendered {
  kind: string;
  language: string;
  number: number;
  standing: string;
  effectiveDate: string;
  title: string;
  articles: { label: string; heading: string }[];
  revisionHistory: string[];
  text: string;
  versions?: { number: number; effectiveDate: string; standing: string }[];
}

const KINDS = ['company-policy', 'request-procedures', 'website-privacy', 'appi-notice'];

for (const engine of ENGINES) {
  describe(`public policies right after seeding [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
      assert.deepEqual(await seedSampleOrganization(t.ctx), { seeded: true });
    });
    after(async () => {
      await t.close();
    });

    test('the four documents are listed in Japanese by default and in English on request', async () => {
      const ja = await t.app.inject({ url: '/api/public/policies' });
      assert.equal(ja.statusCode, 200);
      assert.equal(ja.headers['content-language'], 'ja');
      const jaBody = ja.json() as { language: string; policies: { kind: string; title: string }[] };
      assert.deepEqual(
        jaBody.policies.map((p) => p.kind),
        KINDS,
      );
      assert.equal(jaBody.policies.find((p) => p.kind === 'appi-notice')?.title, '保有個人データに関する事項の公表');
      const en = await t.app.inject({ url: '/api/public/policies', headers: { 'accept-language': 'en-US,en;q=0.9' } });
      assert.equal((en.json() as { policies: { kind: string; title: string }[] }).policies[0]?.title, 'Personal Information Protection Policy');
    });

    for (const kind of KINDS) {
      test(`${kind} reads in both languages, with its revision history`, async () => {
        const ja = await t.app.inject({ url: `/api/public/policies/${kind}?lang=ja` });
        assert.equal(ja.statusCode, 200, ja.body);
        const jaDoc = ja.json() as Rendered;
        assert.equal(jaDoc.language, 'ja');
        assert.equal(jaDoc.standing, 'in_force');
        assert.ok(jaDoc.articles.length >= 6);
        assert.match(jaDoc.revisionHistory[0] ?? '', /^\d{4}年\d{1,2}月\d{1,2}日 制定$/);
        assert.doesNotMatch(jaDoc.text, /未設定/);
        assert.ok(jaDoc.text.endsWith(`${jaDoc.revisionHistory[jaDoc.revisionHistory.length - 1]}\n`));

        // ?lang wins over the header.
        const en = await t.app.inject({ url: `/api/public/policies/${kind}?lang=en`, headers: { 'accept-language': 'ja' } });
        assert.equal(en.statusCode, 200);
        assert.equal(en.headers['content-language'], 'en');
        const enDoc = en.json() as Rendered;
        assert.equal(enDoc.number, jaDoc.number);
        assert.equal(enDoc.articles.length, jaDoc.articles.length);
        assert.match(enDoc.revisionHistory[0] ?? '', /^Established: [A-Z][a-z]+ \d{1,2}, \d{4}$/);
        assert.doesNotMatch(enDoc.text, /not set|[ぁ-ん]/);
      });
    }

    test('the company policy in force has twelve articles ending with the company, and its revision list', async () => {
      const res = await t.app.inject({ url: '/api/public/policies/company-policy' });
      const doc = res.json() as Rendered;
      assert.equal(doc.articles.length, 12);
      assert.equal(doc.articles[11]?.label, '第12条');
      assert.match(doc.text, /代表者：代表取締役 森川 遥/);
      assert.deepEqual(doc.revisionHistory, ['2016年4月1日 制定', '2019年4月1日 改定', '2022年4月1日 改定']);
      assert.deepEqual(
        doc.versions?.map((v) => [v.number, v.effectiveDate, v.standing]),
        [
          [2, '2022-04-01', 'in_force'],
          [1, '2019-04-01', 'past'],
        ],
      );
    });

    test('a past version reads as it was, with the history up to its own date', async () => {
      const res = await t.app.inject({ url: '/api/public/policies/company-policy/versions/1?lang=en' });
      assert.equal(res.statusCode, 200);
      const doc = res.json() as Rendered;
      assert.equal(doc.standing, 'past');
      assert.equal(doc.articles.length, 11);
      assert.deepEqual(doc.revisionHistory, ['Established: April 1, 2016', 'Revised: April 1, 2019']);
      const list = await t.app.inject({ url: '/api/public/policies/company-policy/versions' });
      assert.equal((list.json() as { versions: unknown[] }).versions.length, 2);
    });

    test('the Art. 32 notice is published with every item, in both languages', async () => {
      const ja = (await t.app.inject({ url: '/api/public/notice' })).json() as Rendered;
      assert.equal(ja.kind, 'appi-notice');
      for (const expected of [/株式会社あおば生活舎/, /利用目的/, /1回のご請求につき1,000円/, /安全管理措置/, /アメリカ合衆国/, /苦情/, /認定個人情報保護団体はありません/]) {
        assert.match(ja.text, expected);
      }
      const en = (await t.app.inject({ url: '/api/public/notice?lang=en' })).json() as Rendered;
      for (const expected of [/Aoba Seikatsusha Co., Ltd./, /Taking orders, shipping goods/, /¥1,000 per request/, /Technical measures/, /United States of America/, /complaints/, /not a member of any accredited/]) {
        assert.match(en.text, expected);
      }
    });

    test('the purposes of use are public in both languages', async () => {
      const ja = (await t.app.inject({ url: '/api/public/purposes' })).json() as { purposes: { code: string; title: string; basis: string }[] };
      assert.equal(ja.purposes.length, 8);
      assert.equal(ja.purposes.find((p) => p.code === 'newsletter')?.basis, 'consent');
      const en = (await t.app.inject({ url: '/api/public/purposes?lang=en' })).json() as { purposes: { code: string; title: string }[] };
      assert.equal(en.purposes[0]?.title, 'Taking orders, shipping goods, billing and confirming payment');
    });

    test('unknown documents and versions answer 404; a bad language is refused', async () => {
      assert.equal((await t.app.inject({ url: '/api/public/policies/cookie-policy' })).statusCode, 404);
      assert.equal((await t.app.inject({ url: '/api/public/policies/company-policy/versions/99' })).statusCode, 404);
      assert.equal((await t.app.inject({ url: '/api/public/notice?lang=fr' })).statusCode, 400);
    });

    test('seeding again changes nothing', async () => {
      assert.deepEqual(await seedSampleOrganization(t.ctx), { seeded: false });
      const list = (await t.app.inject({ url: '/api/public/policies/appi-notice/versions' })).json() as { versions: unknown[] };
      assert.equal(list.versions.length, 1);
      assert.ok(dateInJapan(t.clock.now()) > '2022-04-01');
    });
  });
}
