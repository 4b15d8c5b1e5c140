// The data-map routes as staff use them: who may read and who may change, the owner's narrower
// view, import refused with every problem (nothing written), export and ledger downloads.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';
import { createSignedInStaff, type SignedInStaff } from '../helpers/staff.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const EXAMPLES = path.join(ROOT, 'examples/datamap');

function exampleFiles(): Array<{ name: string; content: string }> {
  return readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => ({ name: f, content: readFileSync(path.join(EXAMPLES, f), 'utf8') }));
}

for (const engine of ENGINES) {
  describe(`data-map routes [${engine}]`, () => {
    let t: TestApp;
    let officer: SignedInStaff;
    let handler: SignedInStaff;
    let owner: SignedInStaff;
    before(async () => {
      t = await startTestApp(engine);
      officer = await createSignedInStaff(t, 'privacy_officer');
      handler = await createSignedInStaff(t, 'handler');
      owner = await createSignedInStaff(t, 'system_owner');
    });
    after(async () => {
      await t.close();
    });

    test('without a session nothing is answered; a handler may read but not import', async () => {
      const anon = await t.app.inject({ url: '/api/admin/inventory/systems' });
      assert.equal(anon.statusCode, 401);
      const read = await handler.inject({ url: '/api/admin/inventory/systems' });
      assert.equal(read.statusCode, 200);
      const cats = (await handler.inject({ url: '/api/admin/inventory/categories' })).json() as { categories: Array<{ key: string; ja: string; specialCare: boolean }> };
      const history = cats.categories.find((c) => c.key === 'user.special_care.medical_history');
      assert.deepEqual(history && [history.ja, history.specialCare], ['病歴', true]);
      const write = await handler.inject({ method: 'POST', url: '/api/admin/inventory/import', payload: { files: exampleFiles() } });
      assert.equal(write.statusCode, 403);
      assert.equal((write.json() as { error: { code: string } }).error.code, 'forbidden');
    });

    test('an import with problems answers 400 listing each one with file, line and path, and writes nothing', async () => {
      const files = exampleFiles().map((f) => (f.name === 'loyalty.yml' ? { ...f, content: f.content.replace('identity: loyalty_id', 'identity: Loyalty-ID') } : f));
      const res = await officer.inject({ method: 'POST', url: '/api/admin/inventory/import', payload: { files } });
      assert.equal(res.statusCode, 400);
      const body = res.json() as { error: { code: string; details: Array<{ path: string; reason: string; message: string }> } };
      assert.equal(body.error.code, 'validation_failed');
      assert.deepEqual(body.error.details.map((d) => [d.path, d.reason]), [['loyalty.yml:39: systems[0].datasets[0].collections[0].fields[0].identity', 'invalid_value']]);
      const list = await officer.inject({ url: '/api/admin/inventory/systems' });
      assert.deepEqual((list.json() as { systems: unknown[] }).systems, []);
    });

    test('validate answers problems and warnings without importing', async () => {
      const res = await officer.inject({
        method: 'POST',
        url: '/api/admin/inventory/validate',
        payload: { files: [{ name: 'extra.yml', content: 'madoguchi_datamap: 1\nsystems:\n  - name: bare\n    datasets: []\n' }] },
      });
      assert.equal(res.statusCode, 200);
      const body = res.json() as { ok: boolean; errors: unknown[]; warnings: Array<{ code: string }>; systems: string[] };
      assert.equal(body.ok, true);
      assert.deepEqual(body.systems, ['bare']);
      assert.deepEqual(body.warnings.map((w) => w.code), ['no_owner', 'no_review', 'no_location']);
      assert.equal((await officer.inject({ url: '/api/admin/inventory/systems' })).json().systems.length, 0);
    });

    test('a privacy officer imports the example map; staff list the systems and read one', async () => {
      const res = await officer.inject({ method: 'POST', url: '/api/admin/inventory/import', payload: { files: exampleFiles() } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((res.json() as { systems: unknown[] }).systems.length, 5);
      const list = await handler.inject({ url: '/api/admin/inventory/systems' });
      const systems = (list.json() as { systems: Array<{ name: string; fields: number; specialCareFields: number; country: string }> }).systems;
      assert.deepEqual(systems.map((s) => s.name), ['loyalty_points', 'paper_records', 'shop_db', 'support_desk', 'web_sessions']);
      const shop = systems.find((s) => s.name === 'shop_db');
      assert.deepEqual(shop && { fields: shop.fields, special: shop.specialCareFields, country: shop.country }, { fields: 30, special: 1, country: 'JP' });
      const one = await handler.inject({ url: '/api/admin/inventory/systems/shop_db' });
      assert.equal(one.statusCode, 200);
      const system = (one.json() as { system: { datasets: Array<{ collections: Array<{ name: string; legalHolds: unknown[]; fields: Array<{ path: string; specialCare: boolean; identity?: string }> }> }> } }).system;
      const customers = system.datasets[0]?.collections.find((c) => c.name === 'customers');
      assert.deepEqual(customers?.fields.filter((f) => f.identity).map((f) => [f.path, f.identity]), [
        ['customer_number', 'customer_number'],
        ['email', 'email'],
        ['phone', 'phone_number'],
      ]);
      assert.equal(system.datasets[0]?.collections.find((c) => c.name === 'orders')?.legalHolds.length, 1);
      assert.equal((await handler.inject({ url: '/api/admin/inventory/systems/nope' })).statusCode, 404);
    });

    test('a system owner sees only the systems they own; another system answers 404', async () => {
      const files = [{ name: 'mine.yml', content: `madoguchi_datamap: 1\nsystems:\n  - name: owners_sheet\n    owner: ${owner.staffId}\n    location: { country: JP }\n    datasets:\n      - name: sheet\n        collections:\n          - name: rows\n            fields:\n              - { name: email, data_categories: [user.contact.email], identity: email }\n` }];
      assert.equal((await officer.inject({ method: 'POST', url: '/api/admin/inventory/import', payload: { files } })).statusCode, 200);
      const list = await owner.inject({ url: '/api/admin/inventory/systems' });
      assert.deepEqual((list.json() as { systems: Array<{ name: string }> }).systems.map((s) => s.name), ['owners_sheet']);
      assert.equal((await owner.inject({ url: '/api/admin/inventory/systems/owners_sheet' })).statusCode, 200);
      assert.equal((await owner.inject({ url: '/api/admin/inventory/systems/shop_db' })).statusCode, 404);
      const exported = await owner.inject({ url: '/api/admin/inventory/export' });
      assert.deepEqual((parse(exported.body) as { systems: Array<{ name: string }> }).systems.map((s) => s.name), ['owners_sheet']);
    });

    test('export downloads our YAML or Fides YAML; the ledger downloads as CSV with a BOM or as Excel', async () => {
      const yaml = await handler.inject({ url: '/api/admin/inventory/export?format=yaml&system=paper_records' });
      assert.equal(yaml.statusCode, 200);
      assert.match(String(yaml.headers['content-type']), /^application\/yaml/);
      assert.match(String(yaml.headers['content-disposition']), /attachment; filename="datamap\.yml"/);
      assert.equal((parse(yaml.body) as { systems: Array<{ name: string }> }).systems[0]?.name, 'paper_records');
      const fides = await handler.inject({ url: '/api/admin/inventory/export?format=fides&system=shop_db' });
      assert.equal((parse(fides.body) as { dataset: Array<{ fides_key: string }> }).dataset[0]?.fides_key, 'shop');
      const csv = await handler.inject({ url: '/api/admin/inventory/ledger?format=csv' });
      assert.equal(csv.statusCode, 200);
      assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
      assert.match(String(csv.headers['content-disposition']), /personal-data-ledger-\d{4}-\d{2}-\d{2}\.csv/);
      assert.ok(csv.rawPayload.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])));
      assert.match(csv.body, /個人情報の項目/);
      const xlsx = await handler.inject({ url: '/api/admin/inventory/ledger?format=xlsx' });
      assert.equal(xlsx.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      assert.equal(xlsx.rawPayload.subarray(0, 2).toString('latin1'), 'PK');
      assert.equal((await handler.inject({ url: '/api/admin/inventory/ledger?format=pdf' })).statusCode, 400);
    });

    test('a privacy officer records a review; the reviewer is the signed-in officer', async () => {
      t.clock.set(new Date('2027-09-01T00:00:00Z'));
      // Sessions from before the jump in time have expired: sign in afresh.
      const late = await createSignedInStaff(t, 'privacy_officer');
      const reader = await createSignedInStaff(t, 'auditor');
      const before = (await late.inject({ url: '/api/admin/inventory/systems' })).json() as { systems: Array<{ name: string; reviewOverdue: boolean }> };
      assert.equal(before.systems.find((s) => s.name === 'paper_records')?.reviewOverdue, true);
      const res = await late.inject({ method: 'POST', url: '/api/admin/inventory/systems/paper_records/review', payload: {} });
      assert.equal(res.statusCode, 200, res.body);
      const reviewed = (res.json() as { system: { lastReviewedOn: string; reviewDueOn: string; reviewOverdue: boolean } }).system;
      assert.deepEqual([reviewed.lastReviewedOn, reviewed.reviewDueOn, reviewed.reviewOverdue], ['2027-09-01', '2028-09-01', false]);
      const read = (await reader.inject({ url: '/api/admin/inventory/systems/paper_records' })).json() as { system: { review: { reviewer: string } } };
      assert.equal(read.system.review.reviewer, late.staffId);
      assert.equal((await reader.inject({ method: 'POST', url: '/api/admin/inventory/systems/paper_records/review', payload: {} })).statusCode, 403);
    });
  });
}
