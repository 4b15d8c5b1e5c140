// How Madoguchi serves its web application and the facts the privacy centre reads: every
// public page path and every console path answers the right HTML shell (never cached, under a
// CSP without inline scripts), hashed assets are cached for a year, other paths stay JSON 404;
// the request-form facts give the identity rule and fees but no bank details; the data-held
// summary comes from the data map in plain categories, without system names.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SYSTEM_ACTOR } from '../../src/domains/audit/audit.actions.ts';
import { importDataMap } from '../../src/domains/inventory/inventory.service.ts';
import { seedSampleOrganization } from '../../src/domains/organization/organization.service.ts';
import { ensureWebBuild } from '../../src/http/web-build.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

function examples() {
  const dir = path.join(ROOT, 'examples/datamap');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => ({ file: f, text: readFileSync(path.join(dir, f), 'utf8') }));
}

interface RequestFormBody {
  identity: { photoDocuments: { code: string; label: { ja: string; en: string } }[]; photoDocumentsRequired: number; nonPhotoDocumentsRequired: number; statutoryAgentDocuments: { code: string }[] };
  fees: { perRequest: Record<string, number>; paperDeliveryYen: number | null };
  uploads: { maxBytes: number; maxFiles: number; contentTypes: string[] };
}

interface DataHeldBody {
  categories: { key: string; label: { ja: string; en: string }; items: { key: string }[]; purposes: { code: string; title: { ja: string } }[] }[];
}

before(async () => {
  // The shell pages need the build (the test runner makes it for browser tests; this is a no-op when fresh).
  await ensureWebBuild(() => undefined);
});

for (const engine of ENGINES) {
  describe(`the web application and the privacy centre's facts (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
      await seedSampleOrganization(t.ctx);
    });
    after(async () => {
      await t.close();
    });

    test('public pages get the privacy centre, console pages the console, both uncached under a strict CSP', async () => {
      const publicPaths = ['/', '/policies', '/policies/company-policy/versions/1', '/notice', '/privacy-notice', '/requests/new', '/requests/req_x', '/requests/req_x/verify?code=123456', '/requests/req_x/download?d=abc'];
      for (const url of publicPaths) {
        const res = await t.app.inject({ url });
        assert.equal(res.statusCode, 200, url);
        assert.match(String(res.headers['content-type']), /^text\/html/);
        assert.equal(res.headers['cache-control'], 'no-cache', `${url} is revalidated on every visit`);
        assert.match(res.body, /<div id="root"><\/div>/);
        assert.match(res.body, /src="\/assets\/index-[\w-]+\.js"/, `${url} loads the privacy centre`);
        assert.doesNotMatch(res.body, /admin-/, `${url} loads no console code`);
        const csp = String(res.headers['content-security-policy']);
        assert.match(csp, /script-src 'self'(;|$)/);
        // No inline script: every <script> has a src (the CSP would block it anyway).
        for (const tag of res.body.match(/<script\b[^>]*>/g) ?? []) assert.match(tag, /\ssrc="/, `${url}: ${tag}`);
      }
      for (const url of ['/admin', '/admin/', '/admin/requests/req_x', '/admin/setup-password?token=abc']) {
        const res = await t.app.inject({ url });
        assert.equal(res.statusCode, 200, url);
        assert.match(res.body, /src="\/assets\/admin-[\w-]+\.js"/, `${url} loads the console`);
        assert.equal(res.headers['cache-control'], 'no-cache');
      }
    });

    test('hashed assets are cached for a year; unknown paths and assets are JSON 404s', async () => {
      const html = (await t.app.inject({ url: '/' })).body;
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      assert.ok(script);
      const asset = await t.app.inject({ url: script });
      assert.equal(asset.statusCode, 200);
      assert.match(String(asset.headers['content-type']), /javascript/);
      assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
      for (const url of ['/assets/nothing-here.js', '/nothing', '/requests', '/policies-x']) {
        const res = await t.app.inject({ url });
        assert.equal(res.statusCode, 404, url);
        assert.equal((res.json() as { error: { code: string } }).error.code, 'not_found');
      }
      // The page routes stay out of the API reference.
      const spec = (await t.app.inject({ url: '/api/openapi.json' })).json() as { paths: Record<string, unknown> };
      assert.ok(!('/' in spec.paths) && !('/admin' in spec.paths));
      assert.ok('/api/public/request-form' in spec.paths && '/api/public/data-held' in spec.paths);
    });

    test('the request form facts give the identity rule, fees and upload limits, never the bank account', async () => {
      const res = await t.app.inject({ url: '/api/public/request-form' });
      assert.equal(res.statusCode, 200);
      const body = res.json() as RequestFormBody;
      assert.ok(body.identity.photoDocuments.some((d) => d.code === 'drivers_license' && d.label.ja === '運転免許証'));
      assert.equal(body.identity.photoDocumentsRequired, 1);
      assert.equal(body.identity.nonPhotoDocumentsRequired, 2);
      assert.ok(body.identity.statutoryAgentDocuments.some((d) => d.code === 'family_register'));
      assert.equal(body.fees.perRequest.disclosure, 1000);
      assert.equal(body.fees.perRequest.correction, 0);
      assert.deepEqual(body.uploads, { maxBytes: 10 * 1024 * 1024, maxFiles: 10, contentTypes: ['image/jpeg', 'image/png', 'application/pdf', 'image/heic'] });
      // The sample organisation has bank details; they are sent with the fee notice only.
      assert.doesNotMatch(res.body, /bank|みずなら|1234567/i);
    });

    test('what the organisation holds: plain categories with their purposes, from the data map', async () => {
      const empty = (await t.app.inject({ url: '/api/public/data-held' })).json() as DataHeldBody;
      assert.deepEqual(empty, { categories: [] });
      const imported = await importDataMap(t.ctx, examples(), { actor: SYSTEM_ACTOR });
      assert.ok(imported.ok);
      const res = await t.app.inject({ url: '/api/public/data-held' });
      assert.equal(res.statusCode, 200);
      const body = res.json() as DataHeldBody;
      const contact = body.categories.find((c) => c.key === 'user.contact');
      assert.ok(contact, 'contact data is listed');
      assert.equal(contact.label.ja, '連絡先');
      assert.ok(contact.items.some((i) => i.key === 'user.contact.email'));
      assert.ok(contact.items.every((i) => i.key.split('.').length <= 3), 'finer parts fold into their item');
      assert.ok(contact.purposes.some((p) => p.code === 'order_fulfilment' && p.title.ja.startsWith('商品のご注文')));
      assert.ok(body.categories.every((c) => c.key.startsWith('user.')), 'only personal data categories');
      for (const system of imported.systems) assert.ok(!res.body.includes(`"${system.name}"`), `no system name (${system.name})`);
    });
  });
}
