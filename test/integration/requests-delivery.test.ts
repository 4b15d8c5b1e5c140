// Fulfilment, findings and delivery, as staff and the requester meet them: entering work puts
// the manual task on the timeline (or lets another provider write findings); staff attach
// records and files, which are encrypted at rest and opened under audit; the approved answer
// becomes a ZIP that downloads only with the link from the mail and the request's tracking
// token, counts its downloads, stops after its limit or expiry, can be revoked and reissued,
// and is announced once more shortly before it expires; a paper answer is printed and posted.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { SYSTEM_ACTOR, type Actor } from '../../src/domains/audit/audit.actions.ts';
import { verifyAuditChain } from '../../src/domains/audit/audit.service.ts';
import { downloadExpirySchedule, warnExpiringDownloads } from '../../src/domains/delivery/delivery.jobs.ts';
import { startFulfillment } from '../../src/domains/fulfillment/fulfillment.jobs.ts';
import type { FulfillmentProvider } from '../../src/domains/fulfillment/fulfillment.port.ts';
import { seedSampleOrganization } from '../../src/domains/organization/organization.service.ts';
import { approveDecision, draftDecision, submitForReview, type TDecisionDraft } from '../../src/domains/requests/decision.service.ts';
import { addEngineFindings, listFindings } from '../../src/domains/requests/findings.service.ts';
import type { RequestEvent } from '../../src/domains/requests/request-state.rules.ts';
import { lockRequest, transition } from '../../src/domains/requests/request.core.ts';
import { createAppJobRegistry } from '../../src/jobs/app-jobs.ts';
import { enqueueDueSchedules } from '../../src/jobs/scheduler.ts';
import { runJobsUntilIdle } from '../../src/jobs/worker.ts';
import { DAY_MS, HOUR_MS } from '../../src/lib/clock.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';
import { elfExecutable, multipartBody, samplePdf } from '../helpers/documents.ts';
import { bearer, latestRequestMail, randomIp, submitVerifiedRequest, type SubmissionOverrides } from '../helpers/requests.ts';
import { createSignedInStaff, type SignedInStaff } from '../helpers/staff.ts';

const registry = createAppJobRegistry();

type Submitted = Awaited<ReturnType<typeof submitVerifiedRequest>>;

async function move(t: TestApp, id: string, event: RequestEvent, actor: Actor): Promise<void> {
  await t.ctx.db.transaction().execute(async (trx) => {
    const row = await lockRequest(trx, id);
    await transition(trx, t.ctx, row, { event, actor });
  });
}

/** A verified request whose identity staff confirmed: it is in progress and its start job ran. */
async function inProgress(t: TestApp, staff: SignedInStaff, overrides: SubmissionOverrides = {}): Promise<Submitted> {
  const r = await submitVerifiedRequest(t, overrides);
  await move(t, r.id, 'identity_verified', { type: 'staff', id: staff.staffId });
  await runJobsUntilIdle(t.ctx, registry);
  return r;
}

async function events(t: TestApp, requestId: string) {
  return t.ctx.db.selectFrom('request_events').selectAll().where('request_id', '=', requestId).orderBy('seq').execute();
}

async function findingCount(t: TestApp): Promise<number> {
  const row = await t.ctx.db.selectFrom('request_findings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

function postRecords(staff: SignedInStaff, requestId: string, body: Record<string, unknown>): Promise<LightMyRequestResponse> {
  return staff.inject({ method: 'POST', url: `/api/admin/requests/${requestId}/findings`, payload: body });
}

function postFile(staff: SignedInStaff, requestId: string, file: { data: Buffer; filename: string; contentType: string }, fields = { systemName: 'paper-archive', collection: 'forms' }): Promise<LightMyRequestResponse> {
  const body = multipartBody([
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
    { name: 'file', filename: file.filename, contentType: file.contentType, data: file.data },
  ]);
  return staff.inject({ method: 'POST', url: `/api/admin/requests/${requestId}/findings`, headers: body.headers, payload: body.payload });
}

/** Draft (handler), submit for review, approve (officer): the real way to an answer. */
async function decide(t: TestApp, requestId: string, handler: SignedInStaff, officer: SignedInStaff, draft: TDecisionDraft) {
  await draftDecision(t.ctx, requestId, { type: 'staff', id: handler.staffId }, draft);
  await submitForReview(t.ctx, requestId, { type: 'staff', id: handler.staffId });
  return approveDecision(t.ctx, requestId, { type: 'staff', id: officer.staffId });
}

/** The token of the newest download link mailed for the request. */
async function mailedToken(t: TestApp, requestId: string): Promise<{ token: string; text: string; subject: string }> {
  const mail = await latestRequestMail(t, requestId, 'request.download_ready');
  const text = mail.text ?? '';
  const match = new RegExp(`http://madoguchi\\.test/requests/${requestId}/download\\?d=([A-Za-z0-9_-]{40,})`).exec(text);
  assert.ok(match?.[1], 'the mail carries the download link of this request');
  return { token: match[1], text, subject: mail.subject ?? '' };
}

function download(t: TestApp, token: string, trackingToken: string | null): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'GET',
    url: `/api/public/deliveries/${token}`,
    headers: trackingToken === null ? {} : bearer(trackingToken),
    remoteAddress: randomIp(),
  });
}

async function mailCount(t: TestApp, requestId: string, template: string): Promise<number> {
  await runJobsUntilIdle(t.ctx, registry);
  const rows = await t.ctx.db.selectFrom('outbox').select('id').where('related_id', '=', requestId).where('template', '=', template).execute();
  return rows.length;
}

let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mdg-delivery-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Unzips with the system's unzip (as the person's computer would) into a fresh folder. */
function unzip(zip: Buffer): string {
  const dir = mkdtempSync(path.join(tmp, 'pkg-'));
  const file = path.join(dir, 'package.zip');
  writeFileSync(file, zip);
  assert.match(execFileSync('unzip', ['-t', file], { encoding: 'utf8' }), /No errors detected/);
  execFileSync('unzip', ['-q', file, '-d', path.join(dir, 'out')]);
  return path.join(dir, 'out');
}

for (const engine of ENGINES) {
  describe(`fulfilment, findings and delivery (${engine})`, () => {
    let t: TestApp;
    let handler: SignedInStaff;
    let officer: SignedInStaff;
    const staffOf = () => ({ type: 'staff' as const, id: handler.staffId });

    before(async () => {
      t = await startTestApp(engine);
      await seedSampleOrganization(t.ctx);
      handler = await createSignedInStaff(t, 'handler');
      officer = await createSignedInStaff(t, 'privacy_officer');
    });
    after(async () => {
      await t.close();
    });

    /** Sessions end after 30 idle minutes; tests that move the clock sign in again. */
    async function freshStaff(): Promise<void> {
      handler = await createSignedInStaff(t, 'handler');
      officer = await createSignedInStaff(t, 'privacy_officer');
    }

    test('entering work runs the fulfilment job once: the manual task is on the timeline', async () => {
      const r = await inProgress(t, handler);
      const kinds = (await events(t, r.id)).map((e) => e.kind);
      assert.deepEqual(kinds.filter((k) => k.startsWith('fulfillment.')), ['fulfillment.manual', 'fulfillment.started']);
      const started = (await events(t, r.id)).find((e) => e.kind === 'fulfillment.started');
      assert.deepEqual(started?.data, { provider: 'manual' });
      const job = await t.ctx.db.selectFrom('jobs').select(['status', 'type']).where('idempotency_key', '=', `fulfil:${r.id}`).executeTakeFirstOrThrow();
      assert.deepEqual(job, { status: 'succeeded', type: 'requests.fulfillment_start' });

      // A second run (a retry, a second worker) changes nothing.
      assert.equal(await startFulfillment(t.ctx, r.id), 'already_started');
      assert.equal((await events(t, r.id)).filter((e) => e.kind.startsWith('fulfillment.')).length, 2);
    });

    test('a request withdrawn before its job runs is left alone', async () => {
      const r = await submitVerifiedRequest(t);
      await move(t, r.id, 'identity_verified', staffOf());
      await move(t, r.id, 'withdraw', staffOf());
      await runJobsUntilIdle(t.ctx, registry);
      assert.equal((await events(t, r.id)).filter((e) => e.kind.startsWith('fulfillment.')).length, 0);
    });

    test('another provider plugs in through the context and its findings reach the desk', async () => {
      const engineProvider: FulfillmentProvider = {
        name: 'engine',
        async start(ctx, request) {
          await ctx.db.transaction().execute((trx) =>
            addEngineFindings(trx, ctx, request.id, [{ systemName: 'shop', collection: 'customers', label: '会員情報', rows: [{ id: 'c-1', plan: 'gold' }] }], { actor: SYSTEM_ACTOR }),
          );
        },
      };
      t.ctx.fulfillment = engineProvider;
      try {
        const r = await inProgress(t, handler);
        const found = await listFindings(t.ctx.db, r.id);
        assert.deepEqual(
          found.map((f) => [f.source, f.systemName, f.collection, f.rowCount]),
          [['engine', 'shop', 'customers', 1]],
        );
        const kinds = (await events(t, r.id)).map((e) => e.kind);
        assert.ok(!kinds.includes('fulfillment.manual'));
        assert.deepEqual((await events(t, r.id)).find((e) => e.kind === 'fulfillment.started')?.data, { provider: 'engine' });
      } finally {
        t.ctx.fulfillment = undefined;
      }
    });

    test('staff attach records and files; they are encrypted at rest and every opening is audited', async () => {
      const r = await inProgress(t, handler);
      const marker = `marker-${randomBytes(6).toString('hex')}`;
      const entered = await postRecords(handler, r.id, {
        systemName: 'crm',
        collection: 'contacts',
        label: '問い合わせ履歴',
        records: [
          { id: 1, name: '山田 太郎', note: marker, vip: false },
          { id: 2, name: '山田 太郎', note: null },
        ],
      });
      assert.equal(entered.statusCode, 201, entered.body);
      const finding = (entered.json() as { finding: { id: string; rowCount: number; source: string } }).finding;
      assert.equal(finding.rowCount, 2);
      assert.equal(finding.source, 'manual');

      const pdf = samplePdf();
      const scanned = await postFile(handler, r.id, { data: pdf, filename: '申込書.pdf', contentType: 'application/pdf' });
      assert.equal(scanned.statusCode, 201, scanned.body);
      const scan = (scanned.json() as { finding: { id: string; file: { fileName: string; contentType: string } } }).finding;
      assert.deepEqual(scan.file, { fileName: '申込書.pdf', contentType: 'application/pdf' });

      const csvMarker = `csv-${randomBytes(6).toString('hex')}`;
      const csv = Buffer.from(`\ufeffid,name,memo\r\n7,"山田, 太郎",${csvMarker}\r\n`, 'utf8');
      const exported = await postFile(handler, r.id, { data: csv, filename: 'orders.csv', contentType: 'text/csv' }, { systemName: 'legacy', collection: 'orders' });
      assert.equal(exported.statusCode, 201, exported.body);
      const fromCsv = (exported.json() as { finding: { id: string; rowCount: number; file: unknown } }).finding;
      assert.equal(fromCsv.rowCount, 1);
      assert.equal(fromCsv.file, null, 'a CSV export becomes records, not an attachment');

      // Nothing readable at rest: not the records, not the CSV, not the scan.
      const blobs = await t.ctx.db.selectFrom('encrypted_blobs').select('ciphertext').execute();
      for (const b of blobs) {
        if (!b.ciphertext) continue;
        assert.ok(!b.ciphertext.includes(Buffer.from(marker)), 'a record value is stored in clear');
        assert.ok(!b.ciphertext.includes(Buffer.from(csvMarker)), 'a CSV value is stored in clear');
        assert.ok(!b.ciphertext.includes(pdf.subarray(0, 64)), 'the scan is stored in clear');
      }
      const columns = JSON.stringify(await t.ctx.db.selectFrom('request_findings').selectAll().where('request_id', '=', r.id).execute());
      assert.doesNotMatch(columns, new RegExp(`${marker}|${csvMarker}|山田`));

      const listed = await handler.inject({ method: 'GET', url: `/api/admin/requests/${r.id}/findings` });
      assert.equal(listed.statusCode, 200);
      assert.deepEqual(
        (listed.json() as { findings: { systemName: string; rowCount: number }[] }).findings.map((f) => [f.systemName, f.rowCount]),
        [
          ['crm', 2],
          ['paper-archive', 0],
          ['legacy', 1],
        ],
      );

      const opened = await handler.inject({ method: 'GET', url: `/api/admin/requests/${r.id}/findings/${finding.id}` });
      assert.equal(opened.statusCode, 200, opened.body);
      assert.deepEqual((opened.json() as { records: unknown[] }).records, [
        { id: 1, name: '山田 太郎', note: marker, vip: false },
        { id: 2, name: '山田 太郎', note: null },
      ]);
      const file = await handler.inject({ method: 'GET', url: `/api/admin/requests/${r.id}/findings/${scan.id}/file` });
      assert.equal(file.statusCode, 200);
      assert.equal(file.headers['content-type'], 'application/pdf');
      assert.deepEqual(file.rawPayload, pdf);
      const opens = await t.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'request.finding_opened').where('target_id', '=', r.id).execute();
      assert.deepEqual(
        opens.map((a) => (a.details as { findingId: string }).findingId),
        [finding.id, scan.id],
      );
      assert.ok(opens.every((a) => a.actor_id === handler.staffId));
      const auditText = JSON.stringify(await t.ctx.db.selectFrom('audit_log').select('details').where('target_id', '=', r.id).execute());
      assert.doesNotMatch(auditText, new RegExp(`${marker}|${csvMarker}|山田|申込書`));

      // An auditor sees that findings exist but cannot open them.
      const auditor = await createSignedInStaff(t, 'auditor');
      assert.equal((await auditor.inject({ method: 'GET', url: `/api/admin/requests/${r.id}/findings` })).statusCode, 200);
      assert.equal((await auditor.inject({ method: 'GET', url: `/api/admin/requests/${r.id}/findings/${finding.id}` })).statusCode, 403);

      // Taking one out of the answer keeps it listed as removed.
      const removed = await handler.inject({ method: 'DELETE', url: `/api/admin/requests/${r.id}/findings/${fromCsv.id}` });
      assert.equal(removed.statusCode, 200);
      assert.ok((removed.json() as { finding: { removedAt: string | null } }).finding.removedAt);
      assert.equal((await listFindings(t.ctx.db, r.id)).length, 2);
      assert.equal((await handler.inject({ method: 'DELETE', url: `/api/admin/requests/${r.id}/findings/${fromCsv.id}` })).statusCode, 404);
    });

    test('bad findings are refused with a code and store nothing', async () => {
      const early = await submitVerifiedRequest(t);
      const r = await inProgress(t, handler);
      const before = await findingCount(t);
      const blobsBefore = (await t.ctx.db.selectFrom('encrypted_blobs').select('id').execute()).length;
      const code = (res: LightMyRequestResponse) => [res.statusCode, (res.json() as { error: { code: string } }).error.code];

      const records = [{ a: 1 }];
      assert.deepEqual(code(await postRecords(handler, early.id, { systemName: 's', collection: 'c', records })), [409, 'invalid_transition']);
      assert.deepEqual(code(await postRecords(handler, r.id, { systemName: 's', collection: 'c' })), [400, 'validation_failed']);
      assert.deepEqual(code(await postRecords(handler, r.id, { systemName: '', collection: 'c', records })), [400, 'validation_failed']);
      assert.deepEqual(code(await postRecords(handler, r.id, { systemName: 's', collection: 'c', records: [{ nested: { x: 1 } }] })), [400, 'validation_failed']);
      assert.deepEqual(code(await postRecords(handler, r.id, { systemName: 's', collection: 'c', records: Array.from({ length: 10_001 }, () => ({})) })), [400, 'validation_failed']);
      assert.deepEqual(code(await postFile(handler, r.id, { data: elfExecutable(), filename: 'data.csv', contentType: 'text/csv' })), [415, 'upload_type_not_allowed']);
      assert.deepEqual(code(await postFile(handler, r.id, { data: Buffer.from('plain text', 'utf8'), filename: 'notes.txt', contentType: 'text/plain' })), [415, 'upload_type_not_allowed']);
      // Shift_JIS "山田" is not UTF-8: staff are told to save as CSV UTF-8.
      const sjis = await postFile(handler, r.id, { data: Buffer.from([0x69, 0x64, 0x0d, 0x0a, 0x8e, 0x52, 0x93, 0x63, 0x0d, 0x0a]), filename: 'sjis.csv', contentType: 'text/csv' });
      assert.deepEqual(code(sjis), [422, 'upload_corrupt']);
      assert.match(sjis.body, /csv_not_utf8/);
      assert.deepEqual(code(await postFile(handler, r.id, { data: Buffer.from('id,name\r\n1\r\n'), filename: 'ragged.csv', contentType: 'text/csv' })), [422, 'upload_corrupt']);
      assert.deepEqual(code(await postFile(handler, r.id, { data: Buffer.from('{"not":"an array"}'), filename: 'x.json', contentType: 'application/json' })), [400, 'validation_failed']);

      assert.equal(await findingCount(t), before);
      assert.equal((await t.ctx.db.selectFrom('encrypted_blobs').select('id').execute()).length, blobsBefore);
    });

    test('the answer downloads with the mailed link and the tracking token, counts, and stops after its limit', async () => {
      const a = await inProgress(t, handler);
      const b = await inProgress(t, handler);
      const entered = await postRecords(handler, a.id, { systemName: 'shop', collection: 'orders', label: '注文履歴', records: [{ order: 'A-1', total: 1200 }, { order: 'A-2', total: 300, memo: 'ギフト, 包装あり' }] });
      assert.equal(entered.statusCode, 201, entered.body);
      await postRecords(handler, a.id, { systemName: 'internal', collection: 'scores', records: [{ score: 42 }] });
      const withheld = (await listFindings(t.ctx.db, a.id)).find((f) => f.systemName === 'internal');
      assert.ok(withheld);
      // The withheld part is taken out of the answer before the decision.
      assert.equal((await handler.inject({ method: 'DELETE', url: `/api/admin/requests/${a.id}/findings/${withheld.id}` })).statusCode, 200);

      const approved = await decide(t, a.id, handler, officer, {
        outcome: 'partial',
        withheld: [{ part: '与信スコア', reason: 'business_impediment', explanation: '審査の基準が明らかになるため' }],
      });
      assert.equal(approved.delivery.method, 'electronic');
      assert.equal(approved.request.status, 'completed');

      const { token, subject, text } = await mailedToken(t, a.id);
      assert.match(subject, /株式会社あおば生活舎/);
      assert.match(subject, new RegExp(a.reference));
      assert.match(text, /5回まで/);
      assert.doesNotMatch(text, /山田|ギフト/);

      // Neither half alone opens it; another request's token is as good as none.
      assert.equal((await download(t, token, null)).statusCode, 404);
      assert.equal((await download(t, token, b.trackingToken)).statusCode, 404);
      assert.equal((await download(t, `x${token.slice(1)}`, a.trackingToken)).statusCode, 404);

      const first = await download(t, token, a.trackingToken);
      assert.equal(first.statusCode, 200, first.body);
      assert.equal(first.headers['content-type'], 'application/zip');
      assert.equal(first.headers['cache-control'], 'no-store');
      assert.match(String(first.headers['content-disposition']), new RegExp(`attachment; filename="${a.reference}\\.zip"`));
      const out = unzip(first.rawPayload);
      const data = JSON.parse(readFileSync(path.join(out, 'data.json'), 'utf8')) as { metadata: { outcome: string; withheld: { reason: string }[] }; data: Record<string, unknown[]> };
      assert.deepEqual(Object.keys(data.data), ['shop:orders'], 'the removed finding is not in the answer');
      assert.deepEqual(data.data['shop:orders'], [{ order: 'A-1', total: 1200 }, { order: 'A-2', total: 300, memo: 'ギフト, 包装あり' }]);
      assert.equal(data.metadata.outcome, 'partial');
      assert.deepEqual(data.metadata.withheld.map((w) => w.reason), ['business_impediment']);
      const csv = readFileSync(path.join(out, 'csv/shop__orders.csv'));
      assert.deepEqual([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
      assert.match(csv.toString('utf8'), /A-2,300,"ギフト, 包装あり"\r\n/);
      const summary = readFileSync(path.join(out, 'summary.html'), 'utf8');
      assert.match(summary, /<html lang="ja">/);
      assert.match(summary, /一部開示/);
      assert.match(summary, /与信スコア/);
      assert.match(readFileSync(path.join(out, 'letter.pdf')).subarray(0, 5).toString('latin1'), /%PDF-/);

      for (let i = 2; i <= 5; i += 1) assert.equal((await download(t, token, a.trackingToken)).statusCode, 200, `download ${i}`);
      const over = await download(t, token, a.trackingToken);
      assert.equal(over.statusCode, 410);
      assert.equal((over.json() as { error: { code: string } }).error.code, 'link_expired');

      const listed = await handler.inject({ method: 'GET', url: `/api/admin/requests/${a.id}/deliveries` });
      const [delivery] = (listed.json() as { deliveries: { downloads: number; maxDownloads: number; state: string }[] }).deliveries;
      assert.deepEqual([delivery?.downloads, delivery?.maxDownloads, delivery?.state], [5, 5, 'used_up']);
      const downloads = await t.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'request.delivery_downloaded').where('target_id', '=', a.id).execute();
      assert.equal(downloads.length, 5);
      assert.ok(downloads.every((d) => d.actor_type === 'requester' && d.actor_id === a.id));
      const created = await t.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'request.delivery_created').where('target_id', '=', a.id).execute();
      assert.equal(created.length, 1);
      // The token itself is kept nowhere.
      assert.doesNotMatch(JSON.stringify(await t.ctx.db.selectFrom('request_deliveries').selectAll().execute()), new RegExp(token));
      assert.deepEqual(await verifyAuditChain(t.ctx.db).then((v) => v.ok), true);
    });

    test('a link expires with time, can be revoked, and a reissued link replaces the old one', async () => {
      const r = await inProgress(t, handler);
      await postRecords(handler, r.id, { systemName: 'shop', collection: 'customers', records: [{ id: 'c-9' }] });
      await decide(t, r.id, handler, officer, { outcome: 'full' });
      const { token } = await mailedToken(t, r.id);
      assert.equal((await download(t, token, r.trackingToken)).statusCode, 200);

      t.clock.advance(14 * DAY_MS + HOUR_MS);
      await freshStaff();
      assert.equal((await download(t, token, r.trackingToken)).statusCode, 410);

      const [old] = (await (await handler.inject({ method: 'GET', url: `/api/admin/requests/${r.id}/deliveries` })).json()).deliveries as { id: string; state: string }[];
      assert.equal(old?.state, 'expired');
      const reissued = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/deliveries/${old?.id}/reissue` });
      assert.equal(reissued.statusCode, 200, reissued.body);
      const fresh = (reissued.json() as { delivery: { id: string; state: string; downloads: number } }).delivery;
      assert.deepEqual([fresh.state, fresh.downloads], ['active', 0]);
      assert.notEqual(fresh.id, old?.id);
      const next = await mailedToken(t, r.id);
      assert.notEqual(next.token, token);
      assert.equal(await mailCount(t, r.id, 'request.download_ready'), 2);
      assert.equal((await download(t, next.token, r.trackingToken)).statusCode, 200);

      const revoked = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/deliveries/${fresh.id}/revoke` });
      assert.equal(revoked.statusCode, 200);
      assert.equal((revoked.json() as { delivery: { state: string } }).delivery.state, 'revoked');
      assert.equal((await download(t, next.token, r.trackingToken)).statusCode, 410);
      assert.equal((await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/deliveries/${fresh.id}/revoke` })).statusCode, 409);
      const audits = await t.ctx.db.selectFrom('audit_log').select('action').where('target_id', '=', r.id).where('action', 'in', ['request.delivery_created', 'request.delivery_revoked']).orderBy('seq').execute();
      assert.deepEqual(audits.map((a) => a.action), ['request.delivery_created', 'request.delivery_created', 'request.delivery_revoked']);
    });

    test('the expiry warning goes once to a requester who has not downloaded, and not to one who has', async () => {
      await freshStaff();
      const idle = await inProgress(t, handler, { language: 'en' });
      const busy = await inProgress(t, handler);
      await decide(t, idle.id, handler, officer, { outcome: 'full' });
      await decide(t, busy.id, handler, officer, { outcome: 'full' });
      const { token } = await mailedToken(t, busy.id);
      assert.equal((await download(t, token, busy.trackingToken)).statusCode, 200);

      t.clock.advance(11 * DAY_MS);
      await warnExpiringDownloads(t.ctx);
      assert.equal(await mailCount(t, idle.id, 'request.download_expiring'), 0, 'three days ahead is too early');

      t.clock.advance(1 * DAY_MS + HOUR_MS);
      // Through the schedule and the job, as a running worker would.
      const [scheduled] = await enqueueDueSchedules(t.ctx, [downloadExpirySchedule]);
      assert.ok(scheduled);
      await runJobsUntilIdle(t.ctx, registry);
      await warnExpiringDownloads(t.ctx);
      assert.equal(await mailCount(t, idle.id, 'request.download_expiring'), 1);
      assert.equal(await mailCount(t, busy.id, 'request.download_expiring'), 0);
      const mail = await latestRequestMail(t, idle.id, 'request.download_expiring');
      assert.match(mail.subject ?? '', /Your download link expires soon/);
      assert.match(mail.text ?? '', new RegExp(idle.reference));

      t.clock.advance(HOUR_MS);
      await warnExpiringDownloads(t.ctx);
      assert.equal(await mailCount(t, idle.id, 'request.download_expiring'), 1, 'never twice');
    });

    test('a paper answer is a printable PDF with the findings, marked posted once, and the requester is told', async () => {
      await freshStaff();
      const r = await inProgress(t, handler, { delivery: 'paper' });
      await postRecords(handler, r.id, { systemName: 'shop', collection: 'orders', label: '注文履歴', records: [{ order: 'P-1', total: 800 }] });
      const approved = await decide(t, r.id, handler, officer, { outcome: 'full' });
      assert.equal(approved.delivery.method, 'paper');
      assert.equal(await mailCount(t, r.id, 'request.download_ready'), 0, 'no link for a paper answer');

      const list = (await (await handler.inject({ method: 'GET', url: `/api/admin/requests/${r.id}/deliveries` })).json()).deliveries as { id: string; state: string; postedAt: string | null }[];
      assert.deepEqual(list.map((d) => [d.state, d.postedAt]), [['paper', null]]);
      const id = list[0]?.id ?? '';
      const auditor = await createSignedInStaff(t, 'auditor');
      assert.equal((await auditor.inject({ method: 'GET', url: `/api/admin/requests/${r.id}/deliveries/${id}/print.pdf` })).statusCode, 403);
      const printed = await handler.inject({ method: 'GET', url: `/api/admin/requests/${r.id}/deliveries/${id}/print.pdf` });
      assert.equal(printed.statusCode, 200);
      assert.equal(printed.headers['content-type'], 'application/pdf');
      assert.equal(printed.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
      // The letter plus an appendix page: longer than the letter alone.
      const letter = await t.ctx.db.selectFrom('request_decisions').select('letter_blob_id').where('request_id', '=', r.id).executeTakeFirstOrThrow();
      assert.ok(letter.letter_blob_id);
      const alone = await t.ctx.vault.read(t.ctx.db, letter.letter_blob_id);
      const pages = (pdf: Buffer) => (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
      assert.ok(pages(printed.rawPayload) > pages(alone.bytes), 'the appendix adds pages');

      const posted = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/deliveries/${id}/posted` });
      assert.equal(posted.statusCode, 200, posted.body);
      assert.ok((posted.json() as { delivery: { postedAt: string | null } }).delivery.postedAt);
      assert.equal((await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/deliveries/${id}/posted` })).statusCode, 409);
      assert.equal(await mailCount(t, r.id, 'request.completed'), 1);
      const mail = await latestRequestMail(t, r.id, 'request.completed');
      assert.match(mail.text ?? '', /郵送いたしました。/);
      assert.equal((await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/deliveries/${id}/revoke` })).statusCode, 409);
    });
  });
}
