import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { appendAudit, type AuditEntryInput } from '../../src/domains/audit/audit.service.ts';
import { ENGINES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createSignedInStaff, type SignedInStaff } from '../helpers/staff.ts';

interface EntryView {
  seq: number;
  id: string;
  at: string;
  actor: { type: string; id: string | null };
  action: string;
  target: { type: string; id: string | null } | null;
  requestId: string | null;
  subjectRef: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}
interface Page {
  entries: EntryView[];
  nextCursor: string | null;
}

const BASE = Date.UTC(2030, 3, 1, 0, 0, 0);

/** 25 entries of the "listing" fixture: two actors, two targets, one subject, one request. */
function fixture(i: number): AuditEntryInput {
  return {
    action: i % 5 === 0 ? 'keys.rotated' : 'blob.disposed',
    actor: i % 2 === 0 ? { type: 'api_key', id: 'key_list_a' } : { type: 'staff', id: 'stf_list_b' },
    target: { type: 'blob', id: i < 10 ? 'blob_early' : 'blob_late' },
    requestId: i === 7 ? 'http-list-7' : null,
    subjectRef: i % 4 === 0 ? 'subj_list' : null,
    details: { i },
    at: new Date(BASE + i * 60_000),
  };
}

for (const engine of ENGINES) {
  describe(`admin audit API [${engine}]`, () => {
    let t: TestApp;
    let auditor: SignedInStaff;
    before(async () => {
      t = await startTestApp(engine);
      auditor = await createSignedInStaff(t, 'auditor');
      await t.ctx.db.transaction().execute((trx) => appendAudit(trx, Array.from({ length: 25 }, (_, i) => fixture(i))));
    });
    after(async () => {
      await t.close();
    });

    async function list(query: string, as: SignedInStaff = auditor): Promise<Page> {
      const res = await as.inject({ method: 'GET', url: `/api/admin/audit?${query}` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as Page;
    }

    test('the list is newest first and pages through every entry exactly once', async () => {
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Page = await list(`limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        assert.ok(page.entries.length <= 7);
        seen.push(...page.entries.map((e) => e.seq));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== null && pages < 50);
      const head = await t.ctx.db.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow();
      assert.deepEqual(seen, Array.from({ length: head.seq }, (_, i) => head.seq - i), 'every seq once, newest first');
    });

    test('an entry shows who, what, which target, when and its place in the chain', async () => {
      const page = await list('requestId=http-list-7');
      assert.equal(page.entries.length, 1);
      const [e] = page.entries;
      assert.deepEqual(
        { actor: e?.actor, action: e?.action, target: e?.target, at: e?.at, details: e?.details, subjectRef: e?.subjectRef },
        {
          actor: { type: 'staff', id: 'stf_list_b' },
          action: 'blob.disposed',
          target: { type: 'blob', id: 'blob_early' },
          at: new Date(BASE + 7 * 60_000).toISOString(),
          details: { i: 7 },
          subjectRef: null,
        },
      );
      assert.match(e?.hash ?? '', /^[0-9a-f]{64}$/);
      assert.match(e?.prevHash ?? '', /^[0-9a-f]{64}$/);
      assert.equal(page.nextCursor, null);
    });

    test('each filter narrows the list, and filters combine', async () => {
      const is = (page: Page, pred: (e: EntryView) => boolean) => page.entries.length > 0 && page.entries.every(pred);
      const byAction = await list('action=keys.rotated&limit=200');
      assert.equal(byAction.entries.length, 5);
      assert.ok(is(byAction, (e) => e.action === 'keys.rotated'));
      const byActor = await list('actorType=api_key&actorId=key_list_a&limit=200');
      assert.equal(byActor.entries.length, 13);
      const byTarget = await list('targetType=blob&targetId=blob_early&limit=200');
      assert.equal(byTarget.entries.length, 10);
      const bySubject = await list('subjectRef=subj_list&limit=200');
      assert.equal(bySubject.entries.length, 7);
      const byTime = await list(
        `from=${encodeURIComponent(new Date(BASE + 5 * 60_000).toISOString())}&to=${encodeURIComponent(new Date(BASE + 8 * 60_000).toISOString())}`,
      );
      assert.deepEqual(byTime.entries.map((e) => e.details.i), [7, 6, 5], 'from inclusive, to exclusive');
      const combined = await list('action=keys.rotated&actorId=key_list_a&targetId=blob_late&limit=200');
      assert.deepEqual(combined.entries.map((e) => e.details.i), [20, 10]);
      const none = await list('actorId=nobody');
      assert.deepEqual(none, { entries: [], nextCursor: null });
    });

    test('bad filters are refused with the field named', async () => {
      for (const query of ['limit=201', 'limit=0', 'action=not.an.action', 'cursor=abc', 'from=yesterday', 'unknown=1', `actorId=${'x'.repeat(201)}`]) {
        const res = await auditor.inject({ method: 'GET', url: `/api/admin/audit?${query}` });
        assert.equal(res.statusCode, 400, query);
        const body = res.json() as { error: { code: string; details?: Array<{ path: string }> } };
        assert.equal(body.error.code, 'validation_failed');
        assert.ok(body.error.details?.[0]?.path.startsWith('querystring'), `${query}: ${JSON.stringify(body.error.details)}`);
      }
    });

    test('verify answers ok on an intact log and names the first broken entry after tampering', async () => {
      const res = await auditor.inject({ method: 'POST', url: '/api/admin/audit/verify' });
      assert.equal(res.statusCode, 200, res.body);
      const ok = res.json() as { ok: boolean; entries: number; headSeq: number };
      assert.equal(ok.ok, true);
      assert.equal(ok.entries, ok.headSeq);

      const victim = (await list('requestId=http-list-7')).entries[0];
      assert.ok(victim);
      await sql`update audit_log set details = '{"i": 70}' where seq = ${victim.seq}`.execute(t.ctx.db);
      try {
        const bad = await auditor.inject({ method: 'POST', url: '/api/admin/audit/verify' });
        assert.equal(bad.statusCode, 200);
        assert.deepEqual((bad.json() as { firstBroken: unknown }).firstBroken, { seq: victim.seq, id: victim.id, reason: 'hash_mismatch' });
      } finally {
        await sql`update audit_log set details = '{"i": 7}' where seq = ${victim.seq}`.execute(t.ctx.db);
      }
    });

    test('roles without audit.read are refused; anonymous callers must sign in', async () => {
      const handler = await createSignedInStaff(t, 'handler');
      const listRes = await handler.inject({ method: 'GET', url: '/api/admin/audit' });
      assert.equal(listRes.statusCode, 403);
      assert.equal((listRes.json() as { error: { code: string } }).error.code, 'forbidden');
      const verifyRes = await handler.inject({ method: 'POST', url: '/api/admin/audit/verify' });
      assert.equal(verifyRes.statusCode, 403);
      const owner = await createSignedInStaff(t, 'system_owner');
      assert.equal((await owner.inject({ method: 'GET', url: '/api/admin/audit' })).statusCode, 403);
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/admin/audit' })).statusCode, 401);
      assert.equal((await t.app.inject({ method: 'POST', url: '/api/admin/audit/verify' })).statusCode, 401);
      const officer = await createSignedInStaff(t, 'privacy_officer');
      assert.equal((await officer.inject({ method: 'GET', url: '/api/admin/audit?limit=1' })).statusCode, 200);
    });

    test('verify is a write: without the CSRF token it is refused', async () => {
      const res = await auditor.inject({ method: 'POST', url: '/api/admin/audit/verify', headers: { 'x-csrf-token': '' } });
      assert.equal(res.statusCode, 403);
      assert.equal((res.json() as { error: { code: string } }).error.code, 'csrf_failed');
    });
  });
}
