// The request desk from end to end, over HTTP, with the mail going through a real SMTP
// exchange: a person submits a disclosure request with a driving-licence image, confirms the
// address with the code from the mail, staff verify identity, the fee is asked and paid, data
// is attached, the decision (a partial disclosure with reasons) is drafted, reviewed and
// approved, the package downloads with the mailed link and the tracking token until its
// limit, and a year after completion the retention job disposes of the documents while the
// record stays and the audit chain verifies. Beside it: an appointed agent's request, a
// request closed for non-payment, a correction, and a My Number side destroyed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { verifyAuditChain } from '../../src/domains/audit/audit.service.ts';
import { seedSampleOrganization } from '../../src/domains/organization/organization.service.ts';
import { WITHHOLDING_REASONS } from '../../src/domains/requests/request.ts';
import { deadlineSweepSchedule } from '../../src/domains/requests/requests.jobs.ts';
import { retentionSchedule } from '../../src/domains/retention/retention.jobs.ts';
import { createAppJobRegistry } from '../../src/jobs/app-jobs.ts';
import { enqueueDueSchedules } from '../../src/jobs/scheduler.ts';
import { runJobsUntilIdle } from '../../src/jobs/worker.ts';
import { DAY_MS, MINUTE_MS } from '../../src/lib/clock.ts';
import { AppError } from '../../src/lib/errors.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';
import { samplePng, sampleJpeg } from '../helpers/documents.ts';
import { bearer, postRequest, randomIp, type SubmissionOverrides } from '../helpers/requests.ts';
import { startTestSmtp, type CapturedMail, type TestSmtp } from '../helpers/smtp.ts';
import { createSignedInStaff, type SignedInStaff } from '../helpers/staff.ts';

const ORGANIZATION = '株式会社あおば生活舎';
const MATCH = { name: 'match', address: 'match', dateOfBirth: 'match' } as const;
const registry = createAppJobRegistry();

interface Submitted {
  id: string;
  reference: string;
  trackingToken: string;
  email: string;
}

interface Detail {
  status: string;
  closedReason: string | null;
  subject: { agent: { relationship: string } | null } | null;
  fee: { status: string; askedYen: number | null; paidYen: number };
  documents: { total: number; received: number; destroyed: number };
  retentionUntil: string | null;
  disposedAt: string | null;
}

function errorCode(res: LightMyRequestResponse): string | undefined {
  return (res.json() as { error?: { code?: string } }).error?.code;
}

let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mdg-e2e-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Unzips with the system's unzip, as the person's computer would. */
function unzip(zip: Buffer): string {
  const dir = mkdtempSync(path.join(tmp, 'pkg-'));
  const file = path.join(dir, 'answer.zip');
  writeFileSync(file, zip);
  assert.match(execFileSync('unzip', ['-t', file], { encoding: 'utf8' }), /No errors detected/);
  execFileSync('unzip', ['-q', file, '-d', path.join(dir, 'out')]);
  return path.join(dir, 'out');
}

for (const engine of ENGINES) {
  describe(`the request desk end to end (${engine})`, () => {
    let t: TestApp;
    let smtp: TestSmtp;

    before(async () => {
      smtp = await startTestSmtp();
      t = await startTestApp(engine, { env: { MADOGUCHI_SMTP_URL: smtp.url, MADOGUCHI_MAIL_FROM: 'Aoba Privacy <privacy@aoba.example>' } });
      await seedSampleOrganization(t.ctx);
    });
    after(async () => {
      await t.close();
      await smtp.close();
    });

    /** Staff sessions lapse when a test moves the clock by days: each test signs in afresh. */
    async function staff(): Promise<{ handler: SignedInStaff; officer: SignedInStaff }> {
      return { handler: await createSignedInStaff(t, 'handler'), officer: await createSignedInStaff(t, 'privacy_officer') };
    }

    /** Runs what is queued (sending the mail over SMTP) and returns the newest mail to `to`
     * whose subject contains `subject` and the request's reference. */
    async function mailTo(to: string, reference: string, subject: string): Promise<CapturedMail> {
      await runJobsUntilIdle(t.ctx, registry);
      const found = smtp.messages.filter((m) => m.envelopeTo.includes(to) && m.subject.includes(reference) && m.subject.includes(subject));
      const mail = found[found.length - 1];
      assert.ok(mail, `a mail "${subject}" for ${reference} arrived over SMTP (got: ${smtp.messages.filter((m) => m.envelopeTo.includes(to)).map((m) => m.subject).join(' | ')})`);
      assert.ok(mail.subject.includes(ORGANIZATION), 'the subject names the organisation');
      return mail;
    }

    /** The person submits over HTTP and confirms the address with the code from the mail. */
    async function submitAndVerify(overrides: SubmissionOverrides = {}): Promise<Submitted> {
      const { res, email } = await postRequest(t, overrides);
      assert.equal(res.statusCode, 201, res.body);
      const created = res.json() as { id: string; reference: string; status: string; trackingToken: string };
      assert.equal(created.status, 'received');
      assert.ok(created.trackingToken.length >= 40, 'a long random tracking token');
      const mail = await mailTo(email, created.reference, 'メールアドレス確認のお願い');
      const code = /[?&]code=(\d{6})\b/.exec(mail.text ?? '')?.[1];
      assert.ok(code, 'the verification mail carries the code');
      const verified = await t.app.inject({ method: 'POST', url: `/api/public/requests/${created.id}/email-verification`, payload: { code }, remoteAddress: randomIp() });
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal((verified.json() as { status: string }).status, 'identity_review');
      return { id: created.id, reference: created.reference, trackingToken: created.trackingToken, email };
    }

    async function detail(who: SignedInStaff, id: string): Promise<Detail> {
      const res = await who.inject({ url: `/api/admin/requests/${id}` });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { request: Detail }).request;
    }

    async function status(r: Submitted): Promise<{ status: string; next: { action: string; amountYen?: number }; closedReason: string | null }> {
      const res = await t.app.inject({ url: `/api/public/requests/${r.id}`, headers: bearer(r.trackingToken), remoteAddress: randomIp() });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    }

    async function verifyIdentity(who: SignedInStaff, id: string): Promise<Detail> {
      const res = await who.inject({ method: 'POST', url: `/api/admin/requests/${id}/identity-check`, payload: { checklist: MATCH, decision: { kind: 'verified' } } });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { request: Detail }).request;
    }

    function japanToday(): string {
      return new Date(t.clock.now().getTime() + 9 * 3_600_000).toISOString().slice(0, 10);
    }

    async function decide(handler: SignedInStaff, officer: SignedInStaff, id: string, draft: Record<string, unknown>): Promise<{ status: string; closedReason: string | null }> {
      const saved = await handler.inject({ method: 'PUT', url: `/api/admin/requests/${id}/decision`, payload: draft });
      assert.equal(saved.statusCode, 200, saved.body);
      const submitted = await handler.inject({ method: 'POST', url: `/api/admin/requests/${id}/decision/submit` });
      assert.equal(submitted.statusCode, 200, submitted.body);
      const approved = await officer.inject({ method: 'POST', url: `/api/admin/requests/${id}/decision/approve`, payload: {} });
      assert.equal(approved.statusCode, 200, approved.body);
      const { status, closedReason } = (approved.json() as { request: { status: string; closedReason: string | null } }).request;
      return { status, closedReason };
    }

    test('an appointed agent with a power of attorney and the seal certificate is accepted; without the certificate the rule says what is missing', async () => {
      const { handler } = await staff();
      const missing = await submitAndVerify({
        requesterKind: 'appointed_agent',
        documents: [
          { role: 'principal_identity', type: 'drivers_license' },
          { role: 'agent_identity', type: 'passport' },
          { role: 'agent_authority', type: 'power_of_attorney' },
        ],
      });
      const short = (await handler.inject({ url: `/api/admin/requests/${missing.id}/identity-evaluation` })).json() as {
        accepted: boolean;
        shortfalls: Array<{ reason: string; missingCodes?: string[] }>;
      };
      assert.equal(short.accepted, false);
      assert.ok(short.shortfalls.some((s) => s.reason === 'agent_authority' && (s.missingCodes ?? []).includes('principal_seal_certificate')), JSON.stringify(short));
      const refused = await handler.inject({ method: 'POST', url: `/api/admin/requests/${missing.id}/identity-check`, payload: { checklist: MATCH, decision: { kind: 'verified' } } });
      assert.equal(refused.statusCode, 400, 'a handler cannot verify an agent whose authority is not proven');

      const agent = await submitAndVerify({ requesterKind: 'appointed_agent' });
      const evaluation = (await handler.inject({ url: `/api/admin/requests/${agent.id}/identity-evaluation` })).json() as {
        accepted: boolean;
        documents: { agent_authority: string[]; agent_identity: string[] };
      };
      assert.equal(evaluation.accepted, true);
      assert.deepEqual([...evaluation.documents.agent_authority].sort(), ['power_of_attorney', 'principal_seal_certificate']);
      assert.deepEqual(evaluation.documents.agent_identity, ['passport']);
      const verified = await verifyIdentity(handler, agent.id);
      assert.equal(verified.status, 'awaiting_fee');
      assert.equal(verified.subject?.agent?.relationship, '弁護士');
      // The agent is the one written to: the fee request goes to the contact address.
      const fee = await mailTo(agent.email, agent.reference, '手数料のお支払いのお願い');
      assert.match(fee.text ?? '', /1,000円/);
    });

    test('a correction: no fee, the change is made, the request completes and the person is told', async () => {
      const { handler, officer } = await staff();
      const r = await submitAndVerify({ type: 'correction' });
      const working = await verifyIdentity(handler, r.id);
      assert.deepEqual([working.status, working.fee.status], ['in_progress', 'not_applicable']);
      const done = await decide(handler, officer, r.id, { outcome: 'done', details: '会員情報の住所を新しい住所に訂正しました。' });
      assert.deepEqual(done, { status: 'completed', closedReason: null });
      const mail = await mailTo(r.email, r.reference, 'ご請求への回答のお知らせ');
      assert.match(mail.text ?? '', /訂正/);
      assert.equal((await status(r)).status, 'completed');
    });

    test('a My Number side is destroyed at once: the file is gone, the person is told why, and it is audited', async () => {
      const { handler } = await staff();
      const r = await submitAndVerify({
        documents: [
          { role: 'principal_identity', type: 'my_number_card', data: sampleJpeg() },
          { role: 'principal_identity', type: 'drivers_license', data: samplePng(), contentType: 'image/png' },
        ],
      });
      const docs = (await handler.inject({ url: `/api/admin/requests/${r.id}/documents` })).json() as { documents: Array<{ id: string; documentType: string }> };
      const card = docs.documents.find((d) => d.documentType === 'my_number_card');
      assert.ok(card);
      const row = await t.ctx.db.selectFrom('request_documents').select('blob_id').where('id', '=', card.id).executeTakeFirstOrThrow();
      assert.ok(row.blob_id);
      const destroyed = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/documents/${card.id}/my-number` });
      assert.equal(destroyed.statusCode, 200, destroyed.body);
      assert.equal((destroyed.json() as { document: { status: string } }).document.status, 'destroyed');
      assert.equal((await handler.inject({ url: `/api/admin/requests/${r.id}/documents/${card.id}/content` })).statusCode, 404);
      await assert.rejects(t.ctx.vault.read(t.ctx.db, row.blob_id), (err: unknown) => err instanceof AppError && err.code === 'not_found');
      const mail = await mailTo(r.email, r.reference, 'ご提出書類の廃棄についてのお知らせ');
      assert.match(mail.text ?? '', /個人番号（マイナンバー）/);
      const audited = await t.ctx.db.selectFrom('audit_log').select(['action', 'details']).where('target_id', '=', r.id).where('action', '=', 'request.my_number_destroyed').execute();
      assert.equal(audited.length, 1);
      assert.equal((audited[0]?.details as { documentId?: string }).documentId, card.id);
      assert.equal((await detail(handler, r.id)).documents.destroyed, 1);
    });

    test('unpaid by the reply deadline: the sweep closes the request for non-payment and tells the person', async () => {
      const { handler } = await staff();
      const r = await submitAndVerify();
      const asked = await verifyIdentity(handler, r.id);
      assert.equal(asked.status, 'awaiting_fee');
      await mailTo(r.email, r.reference, '手数料のお支払いのお願い');

      t.clock.advance(15 * DAY_MS);
      const [slot] = await enqueueDueSchedules(t.ctx, [deadlineSweepSchedule]);
      assert.ok(slot);
      const closedMail = await mailTo(r.email, r.reference, 'ご請求への対応を終了しました');
      assert.match(closedMail.text ?? '', /所定の手数料が支払われなかった場合/);
      const after = await status(r);
      assert.deepEqual([after.status, after.closedReason], ['closed', 'fee_unpaid']);
    });

    test('the whole story: submitted, verified by mail, identity checked, fee paid, data attached, partial disclosure approved, downloaded to its limit, disposed of a year later', async () => {
      const { handler, officer } = await staff();
      // 1. The person submits a disclosure request with a driving-licence image and confirms the address.
      const r = await submitAndVerify({ type: 'disclosure' });
      await mailTo(r.email, r.reference, 'ご請求を受け付けました');

      // 2. Staff open the licence (audited), see the rule accept it, tick the checklist: verified.
      const docs = (await handler.inject({ url: `/api/admin/requests/${r.id}/documents` })).json() as { documents: Array<{ id: string; documentType: string }> };
      assert.deepEqual(docs.documents.map((d) => d.documentType), ['drivers_license']);
      const licence = docs.documents[0];
      assert.ok(licence);
      const opened = await handler.inject({ url: `/api/admin/requests/${r.id}/documents/${licence.id}/content` });
      assert.equal(opened.statusCode, 200);
      assert.deepEqual(opened.rawPayload, sampleJpeg());
      const evaluation = (await handler.inject({ url: `/api/admin/requests/${r.id}/identity-evaluation` })).json() as { accepted: boolean };
      assert.equal(evaluation.accepted, true);
      const awaiting = await verifyIdentity(handler, r.id);
      assert.equal(awaiting.status, 'awaiting_fee');

      // 3. The fee is asked (amount and bank details by mail and on the status page) and recorded.
      const feeMail = await mailTo(r.email, r.reference, '手数料のお支払いのお願い');
      assert.match(feeMail.text ?? '', /1,000円/);
      assert.match(feeMail.text ?? '', /みずなら銀行/);
      const due = await status(r);
      assert.deepEqual([due.next.action, due.next.amountYen], ['pay_fee', 1000]);
      const paid = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/payments`, payload: { paidOn: japanToday(), amountYen: 1000, payerName: 'ヤマダ タロウ', reference: 'FURIKOMI-77' } });
      assert.equal(paid.statusCode, 201, paid.body);
      assert.equal((paid.json() as { settled: boolean; request: Detail }).request.status, 'in_progress');
      await mailTo(r.email, r.reference, 'お支払いを確認しました');

      // 4. Data is attached: what the systems outside the data map hold, entered by staff.
      const attached = await handler.inject({
        method: 'POST',
        url: `/api/admin/requests/${r.id}/findings`,
        payload: { systemName: 'shop', collection: 'orders', label: '注文履歴', records: [{ order: 'A-1', total: 1200 }, { order: 'A-2', total: 300 }] },
      });
      assert.equal(attached.statusCode, 201, attached.body);

      // 5. A partial disclosure with two withheld parts, each with its reason: drafted, reviewed, approved.
      const withheld = [
        { part: '与信スコア', reason: 'business_impediment', explanation: '審査の基準が明らかになり、業務に著しい支障を及ぼすおそれがあるためです。' },
        { part: '通話録音（2025年3月分）', reason: 'not_held', explanation: '保存期間の経過により削除済みです。' },
      ];
      const approved = await decide(handler, officer, r.id, { outcome: 'partial', withheld });
      assert.deepEqual(approved, { status: 'completed', closedReason: null });
      const answer = await mailTo(r.email, r.reference, 'ご請求への回答のお知らせ');
      for (const w of withheld) assert.ok((answer.text ?? '').includes(WITHHOLDING_REASONS[w.reason as keyof typeof WITHHOLDING_REASONS].label.ja), `the mail names ${w.reason}`);

      // 6. The package downloads with the link from the mail and the tracking token.
      const linkMail = await mailTo(r.email, r.reference, 'ダウンロードいただけます');
      const token = new RegExp(`/requests/${r.id}/download\\?d=([A-Za-z0-9_-]{40,})`).exec(linkMail.text ?? '')?.[1];
      assert.ok(token, 'the mail carries the download link');
      const download = () => t.app.inject({ url: `/api/public/deliveries/${token}`, headers: bearer(r.trackingToken), remoteAddress: randomIp() });
      assert.equal((await t.app.inject({ url: `/api/public/deliveries/${token}`, remoteAddress: randomIp() })).statusCode, 404, 'the link alone opens nothing');
      const first = await download();
      assert.equal(first.statusCode, 200, first.body);
      assert.equal(first.headers['content-type'], 'application/zip');
      const out = unzip(first.rawPayload);
      for (const file of ['data.json', 'summary.html', 'letter.pdf']) assert.ok(existsSync(path.join(out, file)), file);
      const csvs = readdirSync(path.join(out, 'csv'));
      assert.ok(csvs.some((f) => f.endsWith('.csv')), `a CSV per collection (${csvs.join(', ')})`);
      const data = JSON.parse(readFileSync(path.join(out, 'data.json'), 'utf8')) as { metadata: { outcome: string; withheld: Array<{ reason: string }> } };
      assert.equal(data.metadata.outcome, 'partial');
      assert.deepEqual(data.metadata.withheld.map((w) => w.reason), ['business_impediment', 'not_held']);
      assert.match(readFileSync(path.join(out, 'summary.html'), 'utf8'), /与信スコア/);
      assert.equal(readFileSync(path.join(out, 'letter.pdf')).subarray(0, 5).toString('latin1'), '%PDF-');

      // 7. The link stops after its limit (five downloads by default).
      for (let i = 2; i <= 5; i++) assert.equal((await download()).statusCode, 200, `download ${i}`);
      const over = await download();
      assert.equal(over.statusCode, 410);
      assert.equal(errorCode(over), 'link_expired');

      // 8. A year after completion, the daily retention job disposes of the documents.
      const completed = await t.ctx.db.selectFrom('requests').select(['completed_at', 'retention_until']).where('id', '=', r.id).executeTakeFirstOrThrow();
      assert.ok(completed.completed_at && completed.retention_until);
      const months = (completed.retention_until.getUTCFullYear() - completed.completed_at.getUTCFullYear()) * 12 + completed.retention_until.getUTCMonth() - completed.completed_at.getUTCMonth();
      assert.equal(months, 12, 'kept for one year after completion');
      const blobs = await t.ctx.db.selectFrom('request_documents').select('blob_id').where('request_id', '=', r.id).execute();
      t.clock.set(new Date(completed.retention_until.getTime() - MINUTE_MS));
      await enqueueDueSchedules(t.ctx, [retentionSchedule]);
      await runJobsUntilIdle(t.ctx, registry);
      assert.ok(await t.ctx.vault.read(t.ctx.db, String(blobs[0]?.blob_id)), 'a minute early, the licence is still there');

      t.clock.set(new Date(completed.retention_until.getTime() + DAY_MS));
      const [slot] = await enqueueDueSchedules(t.ctx, [retentionSchedule]);
      assert.equal(slot?.created, true);
      await runJobsUntilIdle(t.ctx, registry);
      const job = await t.ctx.db.selectFrom('jobs').select('status').where('id', '=', slot.jobId).executeTakeFirstOrThrow();
      assert.equal(job.status, 'succeeded');

      const later = await staff();
      const content = await later.handler.inject({ url: `/api/admin/requests/${r.id}/documents/${licence.id}/content` });
      assert.equal(content.statusCode, 404, 'the licence is gone');
      for (const b of blobs) {
        await assert.rejects(t.ctx.vault.read(t.ctx.db, String(b.blob_id)), (err: unknown) => err instanceof AppError && err.code === 'not_found');
      }
      const packages = await t.ctx.db.selectFrom('request_deliveries').select('package_blob_id').where('request_id', '=', r.id).execute();
      assert.equal(packages.length, 1);
      await assert.rejects(t.ctx.vault.read(t.ctx.db, String(packages[0]?.package_blob_id)), (err: unknown) => err instanceof AppError && err.code === 'not_found', 'the package is gone too');
      // The person can still see that the request was answered.
      assert.equal((await status(r)).status, 'completed');

      // The record stays: status, dates, decision outcome and the reasons.
      const record = await detail(later.handler, r.id);
      assert.equal(record.status, 'completed');
      assert.ok(record.disposedAt);
      assert.equal(record.subject, null, 'the contact data is gone');
      const decision = await later.handler.inject({ url: `/api/admin/requests/${r.id}/decision` });
      assert.equal(decision.statusCode, 200, decision.body);
      const kept = (decision.json() as { decision: { outcome: string; withheld: Array<{ part: string; reason: string; explanation: string }> } }).decision;
      assert.equal(kept.outcome, 'partial');
      assert.deepEqual(kept.withheld, withheld);
      const timeline = await later.handler.inject({ url: `/api/admin/requests/${r.id}/timeline` });
      assert.equal(timeline.statusCode, 200, timeline.body);
      const kinds = (timeline.json() as { events: Array<{ kind: string }> }).events.map((e) => e.kind);
      assert.ok(kinds.includes('status.approve_completed') && kinds.includes('retention.disposed'), kinds.join(', '));
      const disposal = await t.ctx.db.selectFrom('audit_log').select(['details']).where('target_id', '=', r.id).where('action', '=', 'request.retention_disposed').execute();
      assert.equal(disposal.length, 1);
      assert.equal((disposal[0]?.details as { months: number }).months, 12);

      const chain = await verifyAuditChain(t.ctx.db);
      assert.equal(chain.ok, true);
    });
  });
}
