import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { canonicalJson, type CanonicalValue } from '../../src/lib/canonical.ts';
import { seedSampleOrganization } from '../../src/domains/organization/organization.service.ts';
import { checkIdentity } from '../../src/domains/requests/identity-review.service.ts';
import type { RequestType } from '../../src/domains/requests/request.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';
import { randomEmail, submitVerifiedRequest } from '../helpers/requests.ts';
import { createSignedInStaff, type SignedInStaff } from '../helpers/staff.ts';

const CONSENT_TABLES = ['consent_subjects', 'consent_receipts', 'consent_events', 'consent_state', 'consent_restrictions', 'consent_changes', 'cookie_consents'] as const;

type Decision = { purpose: string; allowed: boolean; reason: string; requestId?: string | null; restrictionId?: string };

for (const engine of ENGINES) {
  describe(`consent records, restrictions and the decision API (${engine})`, () => {
    let t: TestApp;
    let admin: SignedInStaff;
    let officer: SignedInStaff;
    let handler: SignedInStaff;
    let auditor: SignedInStaff;
    let readKey: string;
    let writeKey: string;
    let bothKey: string;

    async function apiKey(scopes: string[]): Promise<string> {
      const res = await admin.inject({ method: 'POST', url: '/api/admin/api-keys', payload: { name: `app ${scopes.join(' ')}`, scopes } });
      assert.equal(res.statusCode, 201, res.body);
      return (res.json() as { key: string }).key;
    }

    before(async () => {
      t = await startTestApp(engine);
      await seedSampleOrganization(t.ctx);
      admin = await createSignedInStaff(t, 'admin');
      officer = await createSignedInStaff(t, 'privacy_officer');
      handler = await createSignedInStaff(t, 'handler');
      auditor = await createSignedInStaff(t, 'auditor');
      readKey = await apiKey(['consent:read']);
      writeKey = await apiKey(['consent:write']);
      bothKey = await apiKey(['consent:read', 'consent:write']);
    });
    after(async () => {
      await t.close();
    });

    const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

    async function grant(payload: Record<string, unknown>, key = writeKey): Promise<LightMyRequestResponse> {
      return t.app.inject({ method: 'POST', url: '/api/app/consents', headers: bearer(key), payload });
    }
    async function withdraw(payload: Record<string, unknown>, key = writeKey): Promise<LightMyRequestResponse> {
      return t.app.inject({ method: 'POST', url: '/api/app/consents/withdraw', headers: bearer(key), payload });
    }
    async function decide(subject: { type: string; value: string }, purposes: string[], recipient?: string): Promise<Decision[]> {
      const res = await t.app.inject({ method: 'POST', url: '/api/app/decisions', headers: bearer(readKey), payload: { subject, purposes, ...(recipient ? { recipient } : {}) } });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { decisions: Decision[] }).decisions;
    }
    const reasonsOf = (ds: Decision[]) => ds.map((d) => `${d.purpose}:${d.reason}`);

    async function counts(): Promise<Record<string, number>> {
      const out: Record<string, number> = {};
      for (const table of CONSENT_TABLES) {
        const row = await t.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        out[table] = Number(row.n);
      }
      const audit = await t.ctx.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      out.audit_log = Number(audit.n);
      return out;
    }

    /** Everything the consent store and the audit log hold, as text, to look for raw identities in. */
    async function storedText(): Promise<string> {
      const parts: unknown[] = [];
      for (const table of CONSENT_TABLES) parts.push(await t.ctx.db.selectFrom(table).selectAll().execute());
      parts.push(await t.ctx.db.selectFrom('audit_log').selectAll().execute());
      return JSON.stringify(parts);
    }

    test('a consent is recorded with its receipt, its history and the audit entry, and no raw identity is stored', async () => {
      const email = `Hanako.${randomBytes(4).toString('hex')}@Example.test`;
      const subject = { type: 'email', value: email };
      assert.deepEqual(reasonsOf(await decide(subject, ['newsletter'])), ['newsletter:consent_required']);

      const res = await grant({ subject, purposes: ['newsletter'], source: 'web', evidence: { ip: '203.0.113.9', userAgent: 'Mozilla/5.0 (test)' } });
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json() as {
        receiptId: string;
        receiptHash: string;
        subjectKey: string;
        notice: { kind: string; number: number } | null;
        seq: number;
        receipt: Record<string, unknown> & { principal: { id: string }; purposes: Array<{ code: string; dataCategories: string[] }>; notice: unknown; evidence: { ipHash: string | null; userAgentHash: string | null } };
      };
      assert.match(body.subjectKey, /^[A-Za-z0-9_-]{22}$/);
      assert.ok(body.seq > 0, 'the record is on the change feed');
      // The notice defaults to the company policy in force (the sample publishes version 2).
      assert.deepEqual(body.notice, { kind: 'company-policy', number: 2 });
      assert.deepEqual(body.receipt.notice, { policy: 'company-policy', version: 2 });
      assert.equal(body.receipt.principal.id, body.subjectKey);
      assert.deepEqual(body.receipt.purposes.map((p) => p.code), ['newsletter']);
      assert.ok(body.receipt.purposes[0]?.dataCategories.includes('user.contact.email'));
      assert.match(body.receipt.evidence.ipHash ?? '', /^[0-9a-f]{32}$/);
      assert.match(body.receipt.evidence.userAgentHash ?? '', /^[0-9a-f]{32}$/);

      // The stored receipt still hashes to what the audit chain recorded.
      const stored = await t.ctx.db.selectFrom('consent_receipts').selectAll().where('id', '=', body.receiptId).executeTakeFirstOrThrow();
      const { createHash } = await import('node:crypto');
      assert.equal(createHash('sha256').update(canonicalJson(stored.receipt as Record<string, CanonicalValue>)).digest('hex'), body.receiptHash);
      const audit = await t.ctx.db.selectFrom('audit_log').selectAll().where('target_id', '=', body.receiptId).executeTakeFirstOrThrow();
      assert.equal(audit.action, 'consent.granted');
      assert.equal(audit.subject_ref, body.subjectKey);
      assert.equal(audit.details.receiptHash, body.receiptHash);

      assert.deepEqual(reasonsOf(await decide({ type: 'email', value: email.toLowerCase() }, ['newsletter', 'order_fulfilment'])), [
        'newsletter:consent_given',
        'order_fulfilment:stated_purpose',
      ]);

      // Withdrawing is as easy as granting: the same call shape.
      const w = await withdraw({ subject, purposes: ['newsletter'] });
      assert.equal(w.statusCode, 201, w.body);
      assert.ok((w.json() as { seq: number }).seq > body.seq);
      assert.deepEqual(reasonsOf(await decide(subject, ['newsletter'])), ['newsletter:consent_withdrawn']);

      const history = await t.app.inject({ method: 'GET', url: `/api/app/consents?subjectKey=${body.subjectKey}`, headers: bearer(readKey) });
      assert.equal(history.statusCode, 200, history.body);
      const h = history.json() as { current: Array<{ purpose: string; state: string }>; events: Array<{ action: string; source: string }>; receipts: Array<{ id: string }> };
      assert.deepEqual(h.current.map((c) => [c.purpose, c.state]), [['newsletter', 'withdrawn']]);
      assert.deepEqual(h.events.map((e) => [e.action, e.source]), [['withdrawn', 'app'], ['granted', 'web']], 'the whole history, newest first');
      assert.equal(h.receipts.length, 2);
      const byIdentity = await t.app.inject({ method: 'GET', url: `/api/app/consents?subjectType=email&subjectValue=${encodeURIComponent(email)}`, headers: bearer(readKey) });
      assert.deepEqual(byIdentity.json(), history.json());

      const text = await storedText();
      assert.ok(!text.toLowerCase().includes(email.toLowerCase()), 'the email is stored nowhere in the consent store or the audit log');
      assert.ok(!text.includes('203.0.113.9'), 'the address is stored only as a hash');
      assert.ok(!text.includes('Mozilla/5.0 (test)'), 'the user agent is stored only as a hash');
    });

    test('a consent names the policy version shown; one never published is refused', async () => {
      const subject = { type: 'user_id', value: `u-${randomBytes(4).toString('hex')}` };
      const ok = await grant({ subject, purposes: ['newsletter'], policyVersion: { kind: 'company-policy', number: 1 } });
      assert.equal(ok.statusCode, 201, ok.body);
      assert.deepEqual((ok.json() as { notice: unknown }).notice, { kind: 'company-policy', number: 1 });
      const before = await counts();
      const bad = await grant({ subject, purposes: ['newsletter'], policyVersion: { kind: 'company-policy', number: 99 } });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.details[0].reason, 'policy_version_unknown');
      assert.deepEqual(await counts(), before, 'nothing stored');
    });

    test('bad input answers 4xx with a stable code, and nothing is stored', async () => {
      const subject = { type: 'email', value: randomEmail() };
      const before = await counts();
      const cases: Array<[Record<string, unknown>, number, string, string | null]> = [
        [{ subject, purposes: ['no_such_purpose'] }, 400, 'validation_failed', 'purpose_unknown'],
        [{ subject, purposes: ['order_fulfilment'] }, 400, 'validation_failed', 'purpose_not_consent_based'],
        [{ subject: { type: 'passport', value: 'X' }, purposes: ['newsletter'] }, 400, 'validation_failed', null],
        [{ subject: { type: 'email', value: '   ' }, purposes: ['newsletter'] }, 400, 'validation_failed', null],
        [{ subject, purposes: [] }, 400, 'validation_failed', null],
        [{ subject, purposes: ['newsletter'], source: 'telepathy' }, 400, 'validation_failed', null],
        [{ subject, purposes: ['newsletter'], evidence: { ip: 'not an address' } }, 400, 'validation_failed', null],
        [{ subject, purposes: ['newsletter'], extra: true }, 400, 'validation_failed', null],
      ];
      for (const [payload, status, code, reason] of cases) {
        const res = await grant(payload);
        assert.equal(res.statusCode, status, `${JSON.stringify(payload)} → ${res.body}`);
        const err = res.json().error as { code: string; details?: Array<{ reason: string }> };
        assert.equal(err.code, code);
        if (reason) assert.ok(err.details?.some((d) => d.reason === reason), `${reason} in ${res.body}`);
        assert.ok(!res.body.includes(subject.value), 'errors do not echo the identity');
      }
      const malformed = await t.app.inject({ method: 'POST', url: '/api/app/consents', headers: { ...bearer(writeKey), 'content-type': 'application/json' }, payload: '{"subject":' });
      assert.equal(malformed.statusCode, 400);
      assert.equal(malformed.json().error.code, 'malformed_json');
      const badDecision = await t.app.inject({ method: 'POST', url: '/api/app/decisions', headers: bearer(readKey), payload: { subject, purposes: ['Not A Code'] } });
      assert.equal(badDecision.statusCode, 400);
      assert.deepEqual(await counts(), before, 'no refused call stored anything, not even an audit entry');
    });

    test('API keys: none or a revoked one is 401, a key without the scope is 403', async () => {
      const subject = { type: 'email', value: randomEmail() };
      const none = await t.app.inject({ method: 'POST', url: '/api/app/decisions', payload: { subject, purposes: ['newsletter'] } });
      assert.equal(none.statusCode, 401);
      assert.equal(none.json().error.code, 'unauthenticated');
      const readOnly = await grant({ subject, purposes: ['newsletter'] }, readKey);
      assert.equal(readOnly.statusCode, 403);
      assert.equal(readOnly.json().error.code, 'forbidden');
      const writeOnly = await t.app.inject({ method: 'POST', url: '/api/app/decisions', headers: bearer(writeKey), payload: { subject, purposes: ['newsletter'] } });
      assert.equal(writeOnly.statusCode, 403);
      const history = await t.app.inject({ method: 'GET', url: '/api/app/consents?subjectType=email&subjectValue=a%40b.test', headers: bearer(writeKey) });
      assert.equal(history.statusCode, 403);
      const snapshot = await t.app.inject({ method: 'GET', url: '/api/app/snapshot', headers: bearer(writeKey) });
      assert.equal(snapshot.statusCode, 403, 'the subject-key secret goes to consent:read keys only');

      const doomed = await apiKey(['consent:read', 'consent:write']);
      const list = (await admin.inject({ method: 'GET', url: '/api/admin/api-keys' })).json() as { apiKeys: Array<{ id: string; prefix: string }> };
      const id = list.apiKeys.find((k) => doomed.startsWith(`mdg_${k.prefix}_`))?.id;
      assert.ok(id);
      assert.equal((await admin.inject({ method: 'POST', url: `/api/admin/api-keys/${id}/revoke` })).statusCode, 200);
      const revoked = await grant({ subject, purposes: ['newsletter'] }, doomed);
      assert.equal(revoked.statusCode, 401);
    });

    test('batches: up to 1,000 subjects in one call, answered in order; 1,001 is refused', async () => {
      const granted = { type: 'customer_id', value: `c-${randomBytes(4).toString('hex')}` };
      assert.equal((await grant({ subject: granted, purposes: ['newsletter'] })).statusCode, 201);
      const items = Array.from({ length: 1000 }, (_, i) => ({
        subject: i === 500 ? granted : { type: 'customer_id', value: `c-batch-${i}` },
        purposes: ['newsletter', 'order_fulfilment'],
      }));
      const res = await t.app.inject({ method: 'POST', url: '/api/app/decisions', headers: bearer(bothKey), payload: { items } });
      assert.equal(res.statusCode, 200, res.body.slice(0, 500));
      const results = (res.json() as { results: Array<{ index: number; decisions: Decision[] }> }).results;
      assert.equal(results.length, 1000);
      assert.deepEqual(results.map((r) => r.index), items.map((_, i) => i));
      assert.deepEqual(reasonsOf(results[500]?.decisions ?? []), ['newsletter:consent_given', 'order_fulfilment:stated_purpose']);
      assert.deepEqual(reasonsOf(results[499]?.decisions ?? []), ['newsletter:consent_required', 'order_fulfilment:stated_purpose']);

      const tooMany = await t.app.inject({ method: 'POST', url: '/api/app/decisions', headers: bearer(readKey), payload: { items: [...items, items[0]] } });
      assert.equal(tooMany.statusCode, 400);
      assert.equal(tooMany.json().error.code, 'validation_failed');
      const tooManyPurposes = await t.app.inject({
        method: 'POST',
        url: '/api/app/decisions',
        headers: bearer(readKey),
        payload: { subject: granted, purposes: Array.from({ length: 51 }, (_, i) => `p_${i}`) },
      });
      assert.equal(tooManyPurposes.statusCode, 400);
    });

    /** A request of `type` taken to a decision and approved with `outcome`, the way the desk does it. */
    async function decidedRequest(type: RequestType, outcome: 'done' | 'not_done' | 'alternative'): Promise<{ id: string; email: string }> {
      const submitted = await submitVerifiedRequest(t, { type });
      const checked = await checkIdentity(
        t.ctx,
        submitted.id,
        { checklist: { name: 'match', address: 'match', dateOfBirth: 'match' }, decision: { kind: 'verified' } },
        { type: 'staff', id: handler.staffId },
      );
      assert.equal(checked.request.status, 'in_progress');
      const base = `/api/admin/requests/${submitted.id}/decision`;
      const draft =
        outcome === 'not_done'
          ? { outcome, reason: 'grounds_not_met', explanation: 'ご指摘の利用は、公表している利用目的の範囲内です。' }
          : outcome === 'alternative'
            ? { outcome, reason: 'measure_difficult', explanation: '全システムでの停止は困難なため、代替措置を講じました。', details: '配信リストから除外しました。' }
            : { outcome, details: '利用を停止しました。' };
      const saved = await handler.inject({ method: 'PUT', url: base, payload: draft });
      assert.equal(saved.statusCode, 200, saved.body);
      assert.equal((await handler.inject({ method: 'POST', url: `${base}/submit` })).statusCode, 200);
      const approved = await officer.inject({ method: 'POST', url: `${base}/approve`, payload: {} });
      assert.equal(approved.statusCode, 200, approved.body);
      return { id: submitted.id, email: submitted.email };
    }

    test('an approved suspension becomes a restriction: every use is refused naming the request, until it is lifted', async () => {
      const r = await decidedRequest('suspension', 'done');
      const subject = { type: 'email', value: r.email };
      assert.equal((await grant({ subject, purposes: ['newsletter'] })).statusCode, 201);
      const decided = await decide(subject, ['newsletter', 'order_fulfilment']);
      assert.deepEqual(reasonsOf(decided), ['newsletter:suspended_by_request', 'order_fulfilment:suspended_by_request']);
      assert.equal(decided[0]?.requestId, r.id);

      const list = await auditor.inject({ method: 'GET', url: `/api/admin/consent/restrictions?requestId=${r.id}` });
      assert.equal(list.statusCode, 200, list.body);
      const restrictions = (list.json() as { restrictions: Array<{ id: string; kind: string; purposes: unknown; requestId: string; liftedAt: string | null }> }).restrictions;
      assert.equal(restrictions.length, 1);
      assert.equal(restrictions[0]?.kind, 'suspension');
      assert.equal(restrictions[0]?.purposes, null, 'every purpose');
      assert.equal(decided[0]?.restrictionId, restrictions[0]?.id);
      const applied = await t.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'restriction.applied').where('target_id', '=', restrictions[0]?.id ?? '').executeTakeFirst();
      assert.ok(applied, 'the restriction is audited');
      assert.ok(!JSON.stringify(applied).includes(r.email));

      const id = restrictions[0]?.id ?? '';
      const byHandler = await handler.inject({ method: 'POST', url: `/api/admin/consent/restrictions/${id}/lift`, payload: { reason: 'violation_remedied' } });
      assert.equal(byHandler.statusCode, 403, 'handlers read restrictions but do not lift them');
      const lifted = await officer.inject({ method: 'POST', url: `/api/admin/consent/restrictions/${id}/lift`, payload: { reason: 'violation_remedied' } });
      assert.equal(lifted.statusCode, 200, lifted.body);
      assert.deepEqual(reasonsOf(await decide(subject, ['newsletter', 'order_fulfilment'])), ['newsletter:consent_given', 'order_fulfilment:stated_purpose']);
      const again = await officer.inject({ method: 'POST', url: `/api/admin/consent/restrictions/${id}/lift`, payload: { reason: 'violation_remedied' } });
      assert.equal(again.statusCode, 409);
    });

    test('an approved stop of provision refuses provision (to anyone) but not the company’s own use', async () => {
      const r = await decidedRequest('stop_provision', 'alternative');
      const subject = { type: 'email', value: r.email };
      assert.deepEqual(reasonsOf(await decide(subject, ['order_fulfilment'], 'partner-logistics')), ['order_fulfilment:provision_stopped']);
      assert.deepEqual(reasonsOf(await decide(subject, ['order_fulfilment'])), ['order_fulfilment:stated_purpose']);
    });

    test('a suspension decided "not done" restricts nothing', async () => {
      const r = await decidedRequest('suspension', 'not_done');
      const restrictions = await t.ctx.db.selectFrom('consent_restrictions').selectAll().where('request_id', '=', r.id).execute();
      assert.equal(restrictions.length, 0);
      assert.deepEqual(reasonsOf(await decide({ type: 'email', value: r.email }, ['order_fulfilment'])), ['order_fulfilment:stated_purpose']);
    });

    test('staff look a person up by identity (in the body), import paper consents, and read the overview', async () => {
      const email = randomEmail();
      const importRes = await officer.inject({
        method: 'POST',
        url: '/api/admin/consent/import',
        payload: {
          records: [
            { subject: { type: 'email', value: email }, action: 'granted', purposes: ['newsletter'], source: 'paper', at: '2025-04-01T10:00:00+09:00' },
            { subject: { type: 'email', value: email }, action: 'withdrawn', purposes: ['newsletter'], source: 'paper', at: '2025-03-01T10:00:00+09:00' },
          ],
        },
      });
      assert.equal(importRes.statusCode, 201, importRes.body);
      assert.equal((importRes.json() as { imported: number }).imported, 2);
      // The later paper form (the grant) is the state, whatever the order of the file.
      assert.deepEqual(reasonsOf(await decide({ type: 'email', value: email }, ['newsletter'])), ['newsletter:consent_given']);

      const lookup = await handler.inject({ method: 'POST', url: '/api/admin/consent/lookup', payload: { subject: { type: 'email', value: email } } });
      assert.equal(lookup.statusCode, 200, lookup.body);
      const h = lookup.json() as { events: Array<{ action: string; source: string }>; receipts: Array<{ source: string }> };
      assert.deepEqual(h.events.map((e) => `${e.action}/${e.source}`), ['granted/paper', 'withdrawn/paper']);
      const importedAudit = await t.ctx.db.selectFrom('audit_log').select('action').where('action', '=', 'consent.imported').execute();
      assert.ok(importedAudit.length >= 2);

      const before = await counts();
      const bad = await officer.inject({
        method: 'POST',
        url: '/api/admin/consent/import',
        payload: { records: [{ subject: { type: 'email', value: email }, action: 'granted', purposes: ['newsletter'], source: 'paper', at: '2099-01-01T00:00:00Z' }] },
      });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.details[0].reason, 'in_future');
      assert.deepEqual(await counts(), before);
      const byHandler = await handler.inject({ method: 'POST', url: '/api/admin/consent/import', payload: { records: [] } });
      assert.equal(byHandler.statusCode, 403);

      const overview = await auditor.inject({ method: 'GET', url: '/api/admin/consent/overview' });
      assert.equal(overview.statusCode, 200, overview.body);
      const o = overview.json() as { subjects: number; purposes: Array<{ purpose: string; granted: number }>; feedSeq: number };
      assert.ok(o.subjects >= 1);
      assert.ok((o.purposes.find((p) => p.purpose === 'newsletter')?.granted ?? 0) >= 1);
      assert.ok(o.feedSeq > 0);
    });

    test('banner tags make the Japanese external-transmission notice; each change is a new banner version', async () => {
      const created = await officer.inject({
        method: 'POST',
        url: '/api/admin/consent/banner/tags',
        payload: {
          category: 'analytics',
          name: 'Google Analytics',
          recipient: 'Google LLC',
          dataSent: { ja: 'Cookie ID、閲覧したページのURL、参照元URL、ブラウザとOSの種類、IPアドレス', en: 'Cookie ID, page URLs viewed, referrer, browser and OS, IP address' },
          companyPurpose: { ja: 'サイトの利用状況の分析と改善', en: 'Analysing and improving how the site is used' },
          recipientPurpose: { ja: 'アクセス解析サービスの提供と改善', en: 'Providing and improving its analytics service' },
          optOutUrl: 'https://tools.google.com/dlpage/gaoptout',
        },
      });
      assert.equal(created.statusCode, 201, created.body);
      const { tag, bannerVersion } = created.json() as { tag: { id: string; version: number }; bannerVersion: number };
      assert.ok(bannerVersion >= 1);

      const notice = await auditor.inject({ method: 'GET', url: '/api/admin/consent/transmission-notice' });
      assert.equal(notice.statusCode, 200, notice.body);
      const n = notice.json() as { language: string; title: string; text: string; bannerVersion: number };
      assert.equal(n.language, 'ja');
      assert.equal(n.title, '外部送信に関する公表事項');
      assert.equal(n.bannerVersion, bannerVersion);
      for (const part of ['株式会社あおば生活舎', '電気通信事業法第27条の12', 'Google Analytics（アクセス解析）', '送信先：Google LLC', '送信される情報：Cookie ID', '当社の利用目的：サイトの利用状況の分析と改善', '送信先における利用目的：アクセス解析サービスの提供と改善', 'https://tools.google.com/dlpage/gaoptout']) {
        assert.ok(n.text.includes(part), `the notice says ${part}:\n${n.text}`);
      }

      const changed = await officer.inject({
        method: 'PUT',
        url: `/api/admin/consent/banner/tags/${tag.id}`,
        payload: {
          category: 'marketing',
          name: 'Ad pixel',
          recipient: 'Example Ads K.K.',
          dataSent: { ja: 'Cookie ID', en: 'Cookie ID' },
          companyPurpose: { ja: '広告の効果測定', en: 'Measuring advertising' },
          recipientPurpose: { ja: '広告配信', en: 'Serving ads' },
          expectedVersion: tag.version,
        },
      });
      assert.equal(changed.statusCode, 200, changed.body);
      assert.equal((changed.json() as { bannerVersion: number }).bannerVersion, bannerVersion + 1);
      const snapshot = await auditor.inject({ method: 'GET', url: `/api/admin/consent/banner/versions/${bannerVersion}` });
      assert.equal(snapshot.statusCode, 200);
      assert.ok(JSON.stringify(snapshot.json()).includes('Google Analytics'), 'the earlier version still shows what it showed');
      const byHandler = await handler.inject({ method: 'DELETE', url: `/api/admin/consent/banner/tags/${tag.id}` });
      assert.equal(byHandler.statusCode, 403);
      const removed = await officer.inject({ method: 'DELETE', url: `/api/admin/consent/banner/tags/${tag.id}` });
      assert.equal(removed.statusCode, 200);
      const actions = await t.ctx.db.selectFrom('audit_log').select('action').where('target_id', '=', tag.id).orderBy('seq').execute();
      assert.deepEqual(actions.map((a) => a.action), ['cookie_tag.created', 'cookie_tag.updated', 'cookie_tag.deleted']);
    });

    test('the public banner endpoints: CORS for any origin, GPC refuses analytics and marketing, proof kept, unknown versions refused', async () => {
      const config = await t.app.inject({ method: 'GET', url: '/api/public/banner/config?lang=en', headers: { origin: 'https://shop.example', 'sec-gpc': '1' } });
      assert.equal(config.statusCode, 200, config.body);
      assert.equal(config.headers['access-control-allow-origin'], '*');
      const c = config.json() as { version: number; gpc: boolean; language: string; categories: Array<{ key: string; required: boolean }> };
      assert.equal(c.gpc, true);
      assert.equal(c.language, 'en');
      assert.deepEqual(c.categories.map((x) => [x.key, x.required]), [['necessary', true], ['analytics', false], ['marketing', false]]);

      const preflight = await t.app.inject({ method: 'OPTIONS', url: '/api/public/banner/consent', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
      assert.equal(preflight.statusCode, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], '*');
      assert.match(String(preflight.headers['access-control-allow-methods']), /POST/);

      const visitorId = randomBytes(18).toString('base64url');
      const choice = { visitorId, bannerVersion: c.version, language: 'en', method: 'accept_all', choices: { analytics: true, marketing: true } };
      const withGpc = await t.app.inject({ method: 'POST', url: '/api/public/banner/consent', headers: { origin: 'https://shop.example', 'sec-gpc': '1', 'user-agent': 'UA-test' }, payload: choice });
      assert.equal(withGpc.statusCode, 201, withGpc.body);
      assert.deepEqual(
        (({ analytics, marketing, gpc }) => ({ analytics, marketing, gpc }))(withGpc.json() as { analytics: boolean; marketing: boolean; gpc: boolean }),
        { analytics: false, marketing: false, gpc: true },
      );
      const plain = await t.app.inject({ method: 'POST', url: '/api/public/banner/consent', headers: { origin: 'https://shop.example/page?x=1' }, payload: { ...choice, method: 'custom', choices: { analytics: true, marketing: false } } });
      assert.equal(plain.statusCode, 201);

      const proofs = await auditor.inject({ method: 'GET', url: `/api/admin/consent/banner/choices?visitorId=${visitorId}` });
      assert.equal(proofs.statusCode, 200, proofs.body);
      const list = (proofs.json() as { choices: Array<{ analytics: boolean; marketing: boolean; gpc: boolean; origin: string | null; bannerVersion: number }> }).choices;
      assert.deepEqual(list.map((p) => [p.analytics, p.marketing, p.gpc]), [[true, false, false], [false, false, true]]);
      assert.equal(list[0]?.origin, 'https://shop.example');
      const row = await t.ctx.db.selectFrom('cookie_consents').selectAll().where('id', '=', (withGpc.json() as { id: string }).id).executeTakeFirstOrThrow();
      assert.match(row.ip_hash ?? '', /^[0-9a-f]{32}$/);
      assert.match(row.ua_hash ?? '', /^[0-9a-f]{32}$/);
      assert.notEqual(row.visitor_key, visitorId);

      const before = await counts();
      const unknown = await t.app.inject({ method: 'POST', url: '/api/public/banner/consent', payload: { ...choice, bannerVersion: c.version + 50 } });
      assert.equal(unknown.statusCode, 400);
      assert.equal(unknown.headers['access-control-allow-origin'], '*', 'the page can read the refusal');
      assert.equal(unknown.json().error.details[0].reason, 'banner_version_unknown');
      const badVisitor = await t.app.inject({ method: 'POST', url: '/api/public/banner/consent', payload: { ...choice, visitorId: 'short' } });
      assert.equal(badVisitor.statusCode, 400);
      assert.deepEqual(await counts(), before);
    });

    test('the banner script is served small, cacheable and loadable from any origin', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/banner.js', headers: { 'accept-encoding': 'gzip, br' } });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-encoding'], 'gzip');
      assert.ok(res.rawPayload.length <= 15 * 1024, `gzipped ${res.rawPayload.length} bytes`);
      assert.match(String(res.headers['cache-control']), /max-age=\d+/);
      assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin');
      const etag = String(res.headers.etag);
      const again = await t.app.inject({ method: 'GET', url: '/banner.js', headers: { 'if-none-match': etag } });
      assert.equal(again.statusCode, 304);
    });
  });
}
