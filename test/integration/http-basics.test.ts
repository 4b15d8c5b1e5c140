import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

for (const engine of ENGINES) {
  describe(`HTTP basics [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(async () => {
      await t.close();
    });

    test('healthz and readyz answer, each response carries a request id', async () => {
      const live = await t.app.inject({ url: '/healthz' });
      assert.equal(live.statusCode, 200);
      assert.deepEqual(live.json(), { status: 'ok' });
      assert.match(String(live.headers['x-request-id']), /^[0-9a-f-]{36}$/);
      const ready = await t.app.inject({ url: '/readyz' });
      assert.equal(ready.statusCode, 200);
    });

    test('a client-supplied request id is not echoed back', async () => {
      const res = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'attacker-chosen' } });
      assert.notEqual(res.headers['x-request-id'], 'attacker-chosen');
    });

    test('the OpenAPI document is 3.1 and the reference page lists it', async () => {
      const res = await t.app.inject({ url: '/api/openapi.json' });
      assert.equal(res.statusCode, 200);
      const doc = res.json() as { openapi: string; paths: Record<string, unknown> };
      assert.equal(doc.openapi, '3.1.0');
      assert.ok('/readyz' in doc.paths);
      const page = await t.app.inject({ url: '/api/docs' });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /\/api\/openapi\.json/);
      assert.match(page.body, /<code>\/readyz<\/code>/);
    });

    test('unknown routes answer 404 with the error shape, in Japanese by default and English on request', async () => {
      const ja = await t.app.inject({ url: '/no/such/route' });
      assert.equal(ja.statusCode, 404);
      const body = ja.json() as { error: { code: string; message: string; requestId: string } };
      assert.equal(body.error.code, 'not_found');
      assert.match(body.error.message, /見つかりません/);
      assert.equal(body.error.requestId, ja.headers['x-request-id']);
      const en = await t.app.inject({ url: '/no/such/route', headers: { 'accept-language': 'en-GB,en;q=0.9,ja;q=0.5' } });
      assert.match((en.json() as { error: { message: string } }).error.message, /Nothing was found/);
    });

    test('security headers are set', async () => {
      const res = await t.app.inject({ url: '/healthz' });
      assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
    });

    test('metrics use route patterns and carry no personal data', async () => {
      await t.app.inject({ url: '/no/such/person@example.com' });
      const res = await t.app.inject({ url: '/metrics' });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /madoguchi_http_requests_total\{method="GET",route="\/healthz",status="200"\}/);
      assert.doesNotMatch(res.body, /example\.com/);
    });
  });
}
