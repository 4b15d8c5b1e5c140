import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { Actor } from '../../src/domains/audit/audit.actions.ts';
import { seedSampleOrganization } from '../../src/domains/organization/organization.service.ts';
import { decisionReason } from '../../src/domains/requests/decision.rules.ts';
import { recordPayment } from '../../src/domains/requests/fee.service.ts';
import { addManualFinding } from '../../src/domains/requests/findings.service.ts';
import { checkIdentity } from '../../src/domains/requests/identity-review.service.ts';
import type { DeliveryMethod, RequestType } from '../../src/domains/requests/request.ts';
import { createAppJobRegistry } from '../../src/jobs/app-jobs.ts';
import { runJobsUntilIdle } from '../../src/jobs/worker.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';
import { submitVerifiedRequest } from '../helpers/requests.ts';
import { startTestSmtp, type CapturedMail, type TestSmtp } from '../helpers/smtp.ts';
import { createSignedInStaff, type SignedInStaff } from '../helpers/staff.ts';

interface Prepared {
  id: string;
  reference: string;
  email: string;
}

const base = (id: string) => `/api/admin/requests/${id}/decision`;

function japanToday(t: TestApp): string {
  return new Date(t.clock.now().getTime() + 9 * 3_600_000).toISOString().slice(0, 10);
}

for (const engine of ENGINES) {
  describe(`request decisions and letters (${engine})`, () => {
    let t: TestApp;
    let smtp: TestSmtp;
    let handler: SignedInStaff;
    let officer: SignedInStaff;
    let auditor: SignedInStaff;
    let handlerActor: Actor;

    before(async () => {
      smtp = await startTestSmtp();
      t = await startTestApp(engine, { env: { MADOGUCHI_SMTP_URL: smtp.url, MADOGUCHI_MAIL_FROM: 'Aoba Privacy <privacy@aoba.example>' } });
      await seedSampleOrganization(t.ctx);
      handler = await createSignedInStaff(t, 'handler');
      officer = await createSignedInStaff(t, 'privacy_officer');
      auditor = await createSignedInStaff(t, 'auditor');
      handlerActor = { type: 'staff', id: handler.staffId };
    });
    after(async () => {
      await t.close();
      await smtp.close();
    });

    /** A request the way it comes to a decision: submitted and verified over HTTP, identity
     * verified by staff, the fee (where one applies) paid. */
    async function inProgress(type: RequestType, delivery: DeliveryMethod = 'electronic'): Promise<Prepared> {
      const submitted = await submitVerifiedRequest(t, { type, delivery });
      const checked = await checkIdentity(
        t.ctx,
        submitted.id,
        { checklist: { name: 'match', address: 'match', dateOfBirth: 'match' }, decision: { kind: 'verified' } },
        handlerActor,
      );
      if (checked.request.status === 'awaiting_fee') {
        const paid = await recordPayment(t.ctx, submitted.id, { paidOn: japanToday(t), amountYen: checked.feeYen ?? 0, reference: 'FURIKOMI-1' }, handlerActor);
        assert.equal(paid.request.status, 'in_progress');
      } else {
        assert.equal(checked.request.status, 'in_progress');
      }
      return { id: submitted.id, reference: submitted.reference, email: submitted.email };
    }

    async function draft(r: Prepared, body: Record<string, unknown>): Promise<LightMyRequestResponse> {
      return handler.inject({ method: 'PUT', url: base(r.id), payload: body });
    }

    async function submitAndApprove(r: Prepared): Promise<{ status: string; closedReason: string | null; method: string }> {
      const submit = await handler.inject({ method: 'POST', url: `${base(r.id)}/submit` });
      assert.equal(submit.statusCode, 200, submit.body);
      assert.equal(submit.json().request.status, 'in_review');
      // The handler who drafted it cannot approve it; only the officer decides.
      const byHandler = await handler.inject({ method: 'POST', url: `${base(r.id)}/approve`, payload: {} });
      assert.equal(byHandler.statusCode, 403);
      assert.equal(byHandler.json().error.code, 'forbidden');
      const approve = await officer.inject({ method: 'POST', url: `${base(r.id)}/approve`, payload: {} });
      assert.equal(approve.statusCode, 200, approve.body);
      const body = approve.json() as { request: { status: string; closedReason: string | null }; decision: { status: string; hasLetter: boolean }; delivery: { method: string } };
      assert.equal(body.decision.status, 'approved');
      assert.equal(body.decision.hasLetter, true);
      return { status: body.request.status, closedReason: body.request.closedReason, method: body.delivery.method };
    }

    /** The approved letter, as staff download it. */
    async function letterPdf(r: Prepared, who: SignedInStaff = officer): Promise<Buffer> {
      const res = await who.inject({ method: 'GET', url: `${base(r.id)}/letter.pdf` });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['content-type'], 'application/pdf');
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(res.headers['x-letter-status'], 'approved');
      const pdf = res.rawPayload;
      assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
      assert.match(pdf.toString('latin1'), /\/BaseFont \/[A-Z]{6}\+NotoSansJP-Regular/);
      return pdf;
    }

    /** Sends what is queued over SMTP and returns the decision mail to the requester. */
    async function decisionMail(r: Prepared): Promise<CapturedMail> {
      await runJobsUntilIdle(t.ctx, createAppJobRegistry());
      const mail = smtp.messages.find((m) => m.envelopeTo.includes(r.email) && m.subject.includes(r.reference) && /ご請求への回答のお知らせ/.test(m.subject));
      assert.ok(mail, `the decision mail for ${r.reference} arrived over SMTP`);
      assert.ok(mail.subject.includes('株式会社あおば生活舎'), 'the subject names the organisation');
      assert.doesNotMatch(mail.text ?? '', /山田/, 'the mail does not name the person');
      return mail;
    }

    async function auditActions(requestId: string): Promise<string[]> {
      const rows = await t.ctx.db.selectFrom('audit_log').select(['action']).where('target_id', '=', requestId).orderBy('seq').execute();
      return rows.map((r) => r.action);
    }

    test('a full disclosure: drafted, previewed, submitted, approved; completed with its letter and mail', async () => {
      const r = await inProgress('disclosure');
      await addManualFinding(t.ctx, r.id, handlerActor, { systemName: 'shop', collection: 'orders', label: '注文履歴', records: [{ order: 'A-1', total: 1200 }] });
      const saved = await draft(r, { outcome: 'full', expectedVersion: 0 });
      assert.equal(saved.statusCode, 200, saved.body);
      assert.equal(saved.json().decision.version, 1);
      assert.equal(saved.json().decision.status, 'draft');

      const preview = await handler.inject({ method: 'GET', url: `${base(r.id)}/letter.pdf` });
      assert.equal(preview.statusCode, 200);
      assert.equal(preview.headers['x-letter-status'], 'draft');

      const result = await submitAndApprove(r);
      assert.deepEqual(result, { status: 'completed', closedReason: null, method: 'electronic' });
      await letterPdf(r, auditor);
      const mail = await decisionMail(r);
      assert.match(mail.text ?? '', /すべて開示いたします。/);
      assert.match(mail.text ?? '', /ダウンロード用のリンク/);

      const state = await auditor.inject({ method: 'GET', url: base(r.id) });
      assert.equal(state.statusCode, 200);
      assert.equal(state.json().decision.outcome, 'full');
      assert.equal(state.json().request.status, 'completed');
      const actions = await auditActions(r.id);
      for (const a of ['request.decision_recorded', 'request.letter_generated', 'request.delivery_created']) assert.ok(actions.includes(a), a);
      const row = await t.ctx.db.selectFrom('requests').select(['completed_at', 'retention_until']).where('id', '=', r.id).executeTakeFirstOrThrow();
      assert.ok(row.completed_at && row.retention_until, 'completion starts the retention clock');
    });

    test('a partial disclosure with two withheld parts: each reason is recorded, lettered and mailed', async () => {
      const r = await inProgress('disclosure');
      const withheld = [
        { part: '社内評価メモ', reason: 'business_impediment', explanation: '選考の評価過程を記録したもので、開示すると今後の選考業務に著しい支障を及ぼすおそれがあるためです。' },
        { part: '通話録音（2025年3月分）', reason: 'not_held', explanation: '保存期間の経過により削除済みです。' },
      ];
      const saved = await draft(r, { outcome: 'partial', withheld });
      assert.equal(saved.statusCode, 200, saved.body);
      const result = await submitAndApprove(r);
      assert.equal(result.status, 'completed');

      const stored = await t.ctx.db.selectFrom('request_decisions').selectAll().where('request_id', '=', r.id).where('status', '=', 'approved').executeTakeFirstOrThrow();
      assert.deepEqual(stored.withheld, withheld, 'the withheld parts stay as the record');
      assert.ok(stored.letter_blob_id);
      const mail = await decisionMail(r);
      for (const code of ['business_impediment', 'not_held'] as const) {
        assert.ok((mail.text ?? '').includes(decisionReason(code).label.ja), `the mail names ${code}`);
      }
      assert.doesNotMatch(mail.text ?? '', /社内評価メモ/, 'the parts themselves are in the letter, not the mail');
      const pdf = await letterPdf(r);
      assert.ok(pdf.length > 5000);
    });

    test("nothing to disclose (not held): the request closes with the reason", async () => {
      const r = await inProgress('disclosure');
      assert.equal((await draft(r, { outcome: 'none', reason: 'not_held', explanation: 'ご請求の期間に該当する記録はありませんでした。' })).statusCode, 200);
      const result = await submitAndApprove(r);
      assert.deepEqual(result, { status: 'closed', closedReason: 'not_held', method: 'electronic' });
      const mail = await decisionMail(r);
      assert.match(mail.text ?? '', /開示いたしません。/);
      assert.ok((mail.text ?? '').includes(decisionReason('not_held').label.ja));
      await letterPdf(r);
    });

    test('a correction done: no fee, the change is kept encrypted and the request completes', async () => {
      const r = await inProgress('correction');
      const details = '会員情報の住所を新しい住所に訂正しました。';
      const saved = await draft(r, { outcome: 'done', details });
      assert.equal(saved.statusCode, 200, saved.body);
      assert.equal(saved.json().decision.details, details);
      const row = await t.ctx.db.selectFrom('request_decisions').selectAll().where('request_id', '=', r.id).executeTakeFirstOrThrow();
      assert.ok(row.details_blob_id, 'what was changed is in the vault');
      assert.equal(JSON.stringify(row).includes('新しい住所'), false, 'and not in the row');
      const result = await submitAndApprove(r);
      assert.deepEqual(result, { status: 'completed', closedReason: null, method: 'electronic' });
      const mail = await decisionMail(r);
      assert.match(mail.text ?? '', /内容の訂正・追加・削除を行いました。/);
      await letterPdf(r);
    });

    test('a suspension not done, answered on paper: closed with the reason, the letter is posted', async () => {
      const r = await inProgress('suspension', 'paper');
      const saved = await draft(r, { outcome: 'not_done', reason: 'grounds_not_met', explanation: 'ご指摘の利用は、公表している利用目的の範囲内です。' });
      assert.equal(saved.statusCode, 200, saved.body);
      const result = await submitAndApprove(r);
      assert.deepEqual(result, { status: 'closed', closedReason: 'grounds_not_met', method: 'paper' });
      const mail = await decisionMail(r);
      assert.match(mail.text ?? '', /行わないことといたしました。/);
      assert.ok((mail.text ?? '').includes(decisionReason('grounds_not_met').label.ja));
      assert.match(mail.text ?? '', /郵送いたします。/);
      await letterPdf(r);
    });

    test('nothing to submit or approve without a draft (409), and only while the state allows it', async () => {
      const r = await inProgress('correction');
      const submit = await handler.inject({ method: 'POST', url: `${base(r.id)}/submit` });
      assert.equal(submit.statusCode, 409);
      assert.equal(submit.json().error.code, 'invalid_transition');
      assert.equal(submit.json().error.details[0].reason, 'decision_draft_missing');
      const approve = await officer.inject({ method: 'POST', url: `${base(r.id)}/approve`, payload: {} });
      assert.equal(approve.statusCode, 409);
      assert.equal(approve.json().error.code, 'invalid_transition');
      const preview = await handler.inject({ method: 'GET', url: `${base(r.id)}/letter.pdf` });
      assert.equal(preview.statusCode, 404);
      // Before identity is verified there is nothing to decide.
      const early = await submitVerifiedRequest(t, { type: 'correction' });
      const tooEarly = await draft({ id: early.id, reference: early.reference, email: early.email }, { outcome: 'done', details: '訂正しました。' });
      assert.equal(tooEarly.statusCode, 409);
      assert.equal(await t.ctx.db.selectFrom('request_decisions').select('id').where('request_id', 'in', [r.id, early.id]).executeTakeFirst(), undefined);
    });

    test('a decision that breaks the rules is refused with the rule, and nothing is stored', async () => {
      const r = await inProgress('disclosure');
      const cases: Array<[Record<string, unknown>, string, string]> = [
        [{ outcome: 'partial' }, 'withheld', 'required'],
        [{ outcome: 'partial', withheld: [{ part: 'メモ', reason: 'fee_unpaid', explanation: 'x' }] }, 'withheld.0.reason', 'reason_not_allowed'],
        [{ outcome: 'none', reason: 'not_held' }, 'explanation', 'required'],
        [{ outcome: 'done', details: 'x' }, 'outcome', 'outcome_not_for_type'],
      ];
      for (const [body, path, reason] of cases) {
        const res = await draft(r, body);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.equal(res.json().error.code, 'validation_failed');
        assert.ok(
          (res.json().error.details as Array<{ path: string; reason: string }>).some((d) => d.path === path && d.reason === reason),
          `${JSON.stringify(body)} → ${path} ${reason}: ${res.body}`,
        );
      }
      const tooLong = await draft(r, { outcome: 'none', reason: 'not_held', explanation: 'あ'.repeat(2001) });
      assert.equal(tooLong.statusCode, 400);
      const unknown = await draft(r, { outcome: 'maybe' });
      assert.equal(unknown.statusCode, 400);
      assert.equal(await t.ctx.db.selectFrom('request_decisions').select('id').where('request_id', '=', r.id).executeTakeFirst(), undefined);
      assert.ok(!(await auditActions(r.id)).includes('request.decision_recorded'));
      // An auditor reads but does not draft.
      const byAuditor = await auditor.inject({ method: 'PUT', url: base(r.id), payload: { outcome: 'full' } });
      assert.equal(byAuditor.statusCode, 403);
    });

    test('returned for more work, redrafted: the new version supersedes the old and is the one approved', async () => {
      const r = await inProgress('disclosure');
      assert.equal((await draft(r, { outcome: 'full' })).statusCode, 200);
      assert.equal((await handler.inject({ method: 'POST', url: `${base(r.id)}/submit` })).statusCode, 200);
      const byHandler = await handler.inject({ method: 'POST', url: `${base(r.id)}/return`, payload: { note: '通話録音の扱いを確認してください。' } });
      assert.equal(byHandler.statusCode, 403);
      const returned = await officer.inject({ method: 'POST', url: `${base(r.id)}/return`, payload: { note: '通話録音の扱いを確認してください。' } });
      assert.equal(returned.statusCode, 200, returned.body);
      assert.equal(returned.json().request.status, 'in_progress');
      // Someone saved in between: a save on top of version 0 is refused.
      const stale = await draft(r, { outcome: 'full', expectedVersion: 0 });
      assert.equal(stale.statusCode, 409);
      const second = await draft(r, {
        outcome: 'partial',
        withheld: [{ part: '通話録音', reason: 'violates_other_law', explanation: '法令により開示が禁じられているためです。' }],
        expectedVersion: 1,
      });
      assert.equal(second.statusCode, 200, second.body);
      assert.equal(second.json().decision.version, 2);
      assert.equal((await handler.inject({ method: 'POST', url: `${base(r.id)}/submit` })).statusCode, 200);
      const wrongVersion = await officer.inject({ method: 'POST', url: `${base(r.id)}/approve`, payload: { expectedVersion: 1 } });
      assert.equal(wrongVersion.statusCode, 409);
      assert.equal(wrongVersion.json().error.code, 'conflict');
      const approved = await officer.inject({ method: 'POST', url: `${base(r.id)}/approve`, payload: { expectedVersion: 2 } });
      assert.equal(approved.statusCode, 200, approved.body);
      const state = (await handler.inject({ method: 'GET', url: base(r.id) })).json() as { decision: { version: number; outcome: string }; history: Array<{ version: number; status: string }> };
      assert.equal(state.decision.version, 2);
      assert.equal(state.decision.outcome, 'partial');
      assert.deepEqual(
        state.history.map((h) => [h.version, h.status]),
        [
          [2, 'approved'],
          [1, 'superseded'],
        ],
      );
      const again = await officer.inject({ method: 'POST', url: `${base(r.id)}/approve`, payload: {} });
      assert.equal(again.statusCode, 409, 'a completed request is not approved twice');
    });
  });
}
