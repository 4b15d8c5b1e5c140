import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { listAudit, verifyAuditChain, type AuditEntry } from '../../src/domains/audit/audit.service.ts';
import { seedSampleOrganization } from '../../src/domains/organization/organization.service.ts';
import { deadlineSweepSchedule, sweepRequestDeadlines } from '../../src/domains/requests/requests.jobs.ts';
import { createAppJobRegistry } from '../../src/jobs/app-jobs.ts';
import { enqueueDueSchedules } from '../../src/jobs/scheduler.ts';
import { runJobsUntilIdle } from '../../src/jobs/worker.ts';
import { DAY_MS } from '../../src/lib/clock.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';
import { multipartBody, samplePng, sampleJpeg, elfExecutable } from '../helpers/documents.ts';
import { latestRequestMail, publicStatus, submitRequest, submitVerifiedRequest, type SubmissionOverrides } from '../helpers/requests.ts';
import { createSignedInStaff, type SignedInStaff } from '../helpers/staff.ts';

interface Detail {
  id: string;
  reference: string;
  status: string;
  personName: string | null;
  assigneeId: string | null;
  assignee: { id: string; displayName: string } | null;
  replyDueAt: string | null;
  closedReason: string | null;
  subject: { person: { name: string; dateOfBirth: string }; contact: { email: string } } | null;
  fee: { applies: boolean; status: string; askedYen: number | null; paidYen: number; totalYen: number };
  payments: { kind: string; amountYen: number; paidOn: string | null; payerName: string | null; reference: string | null }[];
  documents: { total: number; received: number; destroyed: number };
  actions: string[];
}

interface DocumentBody {
  id: string;
  role: string;
  documentType: string;
  status: string;
  contentType: string;
}

interface ErrorBody {
  error: { code: string; details?: { path?: string; reason?: string }[] };
}

function errorOf(res: LightMyRequestResponse): ErrorBody['error'] {
  return (res.json() as ErrorBody).error;
}

const match = { name: 'match', address: 'match', dateOfBirth: 'match' } as const;

for (const engine of ENGINES) {
  describe(`the request desk for staff (${engine})`, () => {
    let t: TestApp;
    let officer: SignedInStaff;
    let handler: SignedInStaff;
    let auditor: SignedInStaff;

    before(async () => {
      t = await startTestApp(engine);
      await seedSampleOrganization(t.ctx);
      officer = await createSignedInStaff(t, 'privacy_officer', { displayName: '佐藤 一郎' });
      handler = await createSignedInStaff(t, 'handler', { displayName: '鈴木 花子' });
      auditor = await createSignedInStaff(t, 'auditor');
    });
    after(async () => {
      await t.close();
    });

    async function detail(id: string, as: SignedInStaff = handler): Promise<Detail> {
      const res = await as.inject({ url: `/api/admin/requests/${id}` });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { request: Detail }).request;
    }

    async function identityCheck(id: string, body: Record<string, unknown>, as: SignedInStaff = handler): Promise<LightMyRequestResponse> {
      return as.inject({ method: 'POST', url: `/api/admin/requests/${id}/identity-check`, payload: body });
    }

    async function documentsOf(id: string): Promise<DocumentBody[]> {
      const res = await handler.inject({ url: `/api/admin/requests/${id}/documents` });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { documents: DocumentBody[] }).documents;
    }

    async function auditOf(requestId: string, action: string): Promise<AuditEntry[]> {
      return (await listAudit(t.ctx.db, { targetType: 'request', targetId: requestId, action, limit: 200 })).entries;
    }

    async function list(query: string, as: SignedInStaff = handler): Promise<{ requests: { id: string; reference: string; status: string; personName: string | null; receivedAt: string }[]; nextCursor: string | null }> {
      const res = await as.inject({ url: `/api/admin/requests${query}` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    }

    async function verifiedWithFeeDue(overrides: SubmissionOverrides = {}) {
      const r = await submitVerifiedRequest(t, overrides);
      const res = await identityCheck(r.id, { checklist: match, decision: { kind: 'verified' } });
      assert.equal(res.statusCode, 200, res.body);
      return r;
    }

    /** Staff sessions time out while tests move the clock by days; sign in afresh after. */
    async function freshHandler(): Promise<SignedInStaff> {
      return createSignedInStaff(t, 'handler');
    }

    test('staff list, filter and search requests; the person\'s name is shown, and nobody signed in sees nothing', async () => {
      const a = await submitVerifiedRequest(t, { type: 'disclosure' });
      const b = await submitVerifiedRequest(t, { type: 'correction' });
      const unverified = await submitRequest(t, { type: 'suspension' });

      const anonymous = await t.app.inject({ url: '/api/admin/requests' });
      assert.equal(anonymous.statusCode, 401);

      const all = await list('?limit=200');
      const ids = all.requests.map((r) => r.id);
      for (const id of [a.id, b.id, unverified.id]) assert.ok(ids.includes(id));
      assert.equal(all.requests.find((r) => r.id === a.id)?.personName, '山田 太郎');

      const reviewing = await list('?status=identity_review&limit=200');
      assert.ok(reviewing.requests.every((r) => r.status === 'identity_review'));
      assert.ok(reviewing.requests.some((r) => r.id === a.id) && !reviewing.requests.some((r) => r.id === unverified.id));
      const received = await list('?status=received,closed&limit=200');
      assert.ok(received.requests.some((r) => r.id === unverified.id) && !received.requests.some((r) => r.id === a.id));
      const corrections = await list('?type=correction&limit=200');
      assert.deepEqual(corrections.requests.map((r) => r.id).filter((id) => [a.id, b.id].includes(id)), [b.id]);

      assert.deepEqual((await list(`?q=${a.reference}`)).requests.map((r) => r.id), [a.id]);
      assert.deepEqual((await list(`?q=${a.id}`)).requests.map((r) => r.id), [a.id]);
      assert.deepEqual((await list(`?q=${a.reference.toLowerCase()}`)).requests.map((r) => r.id), [a.id], 'references are matched whatever the case');
      const prefix = a.reference.slice(0, 10);
      assert.ok((await list(`?q=${prefix}&limit=200`)).requests.some((r) => r.id === a.id), 'a reference prefix finds the request');
      assert.deepEqual((await list(`?q=${encodeURIComponent(b.email.toUpperCase())}`)).requests.map((r) => r.id), [b.id], 'an exact email address, any case');
      const byName = await list(`?q=${encodeURIComponent('山田　太郎')}&limit=200`);
      assert.ok(byName.requests.some((r) => r.id === a.id), 'a name with a full-width space');
      assert.deepEqual((await list(`?q=${encodeURIComponent('nobody@example.test')}`)).requests, []);

      // The email address and name are not stored in clear anywhere in the row.
      const row = await t.ctx.db.selectFrom('requests').selectAll().where('id', '=', b.id).executeTakeFirstOrThrow();
      assert.doesNotMatch(JSON.stringify(row), new RegExp(b.email.split('@')[0] ?? 'x'));
      assert.doesNotMatch(JSON.stringify(row), /山田/);

      const bad = await handler.inject({ url: '/api/admin/requests?status=opened' });
      assert.equal(bad.statusCode, 400);
      assert.equal(errorOf(bad).code, 'validation_failed');
      const badCursor = await handler.inject({ url: '/api/admin/requests?cursor=abc' });
      assert.equal(errorOf(badCursor).code, 'validation_failed');
    });

    test('pages follow one another without gaps or repeats, in the order asked for', async () => {
      for (let i = 0; i < 3; i++) await submitRequest(t);
      const everything = await list('?sort=received_at&direction=desc&limit=200');
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof list>> = await list(`?sort=received_at&direction=desc&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.ok(page.requests.length <= 2);
        seen.push(...page.requests.map((r) => r.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, everything.requests.map((r) => r.id));
      const times = everything.requests.map((r) => r.receivedAt);
      assert.deepEqual(times, [...times].sort().reverse());
    });

    test('assigning, notes and the timeline; an auditor reads but cannot act', async () => {
      const r = await submitVerifiedRequest(t);
      const assigned = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/assign`, payload: { assigneeId: handler.staffId } });
      assert.equal(assigned.statusCode, 200, assigned.body);
      assert.equal((assigned.json() as { request: Detail }).request.assignee?.displayName, '鈴木 花子');
      assert.ok((await list('?assignee=me&limit=200')).requests.some((x) => x.id === r.id));
      assert.ok(!(await list('?assignee=none&limit=200')).requests.some((x) => x.id === r.id));

      const toAuditor = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/assign`, payload: { assigneeId: auditor.staffId } });
      assert.equal(toAuditor.statusCode, 400);
      assert.equal(errorOf(toAuditor).details?.[0]?.reason, 'not_assignable');
      assert.equal((await detail(r.id)).assigneeId, handler.staffId, 'the refused assignment changed nothing');

      const note = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/notes`, payload: { text: '電話で本人に確認済み。\n住所変更あり。' } });
      assert.equal(note.statusCode, 201, note.body);
      const timeline = await auditor.inject({ url: `/api/admin/requests/${r.id}/timeline` });
      assert.equal(timeline.statusCode, 200);
      const events = (timeline.json() as { events: { kind: string; text: string | null; visibleToRequester: boolean }[] }).events;
      assert.deepEqual(events.map((e) => e.kind).slice(-2), ['assigned', 'note']);
      assert.deepEqual(events.at(-1), { ...events.at(-1), text: '電話で本人に確認済み。\n住所変更あり。', visibleToRequester: false });
      const stored = await t.ctx.db.selectFrom('request_events').selectAll().where('request_id', '=', r.id).where('kind', '=', 'note').executeTakeFirstOrThrow();
      assert.ok(stored.text_blob_id);
      assert.doesNotMatch(JSON.stringify(stored), /電話/);
      assert.equal((await auditOf(r.id, 'request.assigned')).length, 1);
      assert.equal((await auditOf(r.id, 'request.note_added'))[0]?.actor.id, handler.staffId);
      // The requester never sees an internal note.
      const status = await publicStatus(t, r.id, r.trackingToken);
      assert.doesNotMatch(JSON.stringify(status), /電話/);

      assert.equal((await detail(r.id, auditor)).id, r.id);
      for (const [method, url, payload] of [
        ['POST', `/api/admin/requests/${r.id}/notes`, { text: 'x' }],
        ['POST', `/api/admin/requests/${r.id}/assign`, { assigneeId: null }],
        ['POST', `/api/admin/requests/${r.id}/identity-check`, { checklist: match, decision: { kind: 'verified' } }],
        ['POST', `/api/admin/requests/${r.id}/withdraw`, { reason: 'x', channel: 'phone' }],
      ] as const) {
        const res = await auditor.inject({ method, url, payload });
        assert.equal(res.statusCode, 403, `${url}: ${res.body}`);
      }
      const docs = await documentsOf(r.id);
      const open = await auditor.inject({ url: `/api/admin/requests/${r.id}/documents/${docs[0]?.id}/content` });
      assert.equal(open.statusCode, 403);
      assert.equal((await auditOf(r.id, 'request.document_opened')).length, 0);
      assert.equal((await detail(r.id)).status, 'identity_review');
    });

    test('a message reaches the requester by email and on the status page; an unverified address gets none', async () => {
      const r = await submitVerifiedRequest(t, { language: 'en' });
      const res = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/messages`, payload: { text: 'Which online shop account is this about?' } });
      assert.equal(res.statusCode, 201, res.body);
      const mail = await latestRequestMail(t, r.id, 'request.message');
      assert.equal(mail.recipient, r.email);
      assert.match(mail.text ?? '', /Which online shop account is this about\?/);
      assert.match(mail.subject ?? '', new RegExp(r.reference));
      const status = await publicStatus(t, r.id, r.trackingToken);
      assert.ok((status.messages as { text: string }[]).some((m) => m.text === 'Which online shop account is this about?'));
      assert.equal((await auditOf(r.id, 'request.message_sent')).length, 1);

      const unverified = await submitRequest(t);
      const refused = await handler.inject({ method: 'POST', url: `/api/admin/requests/${unverified.id}/messages`, payload: { text: 'hello' } });
      assert.equal(refused.statusCode, 409);
      assert.equal(errorOf(refused).code, 'email_not_verified');
      const empty = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/messages`, payload: { text: '   ' } });
      assert.equal(empty.statusCode, 400);
    });

    test('identity review: each document opened is audited; verified with the checklist asks for the fee; payments move it to work', async () => {
      const r = await submitVerifiedRequest(t);
      const [doc] = await documentsOf(r.id);
      assert.ok(doc);
      assert.deepEqual({ role: doc.role, documentType: doc.documentType, status: doc.status }, { role: 'principal_identity', documentType: 'drivers_license', status: 'received' });

      const open = await handler.inject({ url: `/api/admin/requests/${r.id}/documents/${doc.id}/content` });
      assert.equal(open.statusCode, 200);
      assert.equal(open.headers['content-type'], 'image/jpeg');
      assert.match(String(open.headers['content-disposition']), /^attachment; filename="rdoc_[^"]+\.jpg"$/);
      assert.equal(open.headers['cache-control'], 'no-store');
      assert.deepEqual(open.rawPayload, sampleJpeg());
      const opened = await auditOf(r.id, 'request.document_opened');
      assert.equal(opened.length, 1);
      assert.deepEqual(opened[0]?.details, { documentId: doc.id, role: 'principal_identity', documentType: 'drivers_license' });
      assert.equal(opened[0]?.actor.id, handler.staffId);

      const evaluation = await handler.inject({ url: `/api/admin/requests/${r.id}/identity-evaluation` });
      assert.deepEqual(evaluation.json(), {
        accepted: true,
        shortfalls: [],
        documents: { principal_identity: ['drivers_license'], agent_identity: [], agent_authority: [], other: [] },
      });

      const badBody = await identityCheck(r.id, { checklist: { ...match, address: 'maybe' }, decision: { kind: 'verified' } });
      assert.equal(badBody.statusCode, 400);

      const checked = await identityCheck(r.id, { checklist: { ...match, address: 'not_shown' }, decision: { kind: 'verified' } });
      assert.equal(checked.statusCode, 200, checked.body);
      const awaiting = (checked.json() as { request: Detail }).request;
      assert.equal(awaiting.status, 'awaiting_fee');
      assert.equal(awaiting.fee.status, 'pending');
      assert.equal(awaiting.fee.askedYen, 1000);
      assert.ok(awaiting.replyDueAt);
      assert.deepEqual(awaiting.actions, ['fee_settled', 'fee_deadline_passed', 'withdraw']);
      const [entry] = await auditOf(r.id, 'request.identity_checked');
      assert.deepEqual(entry?.details.checklist, { name: 'match', address: 'not_shown', dateOfBirth: 'match' });
      assert.equal(entry?.details.decision, 'verified');

      const feeMail = await latestRequestMail(t, r.id, 'request.fee_required');
      assert.equal(feeMail.recipient, r.email);
      assert.match(feeMail.text ?? '', /合計：1,000円/);
      assert.match(feeMail.text ?? '', /みずなら銀行/);
      assert.match(feeMail.subject ?? '', /株式会社あおば生活舎/);
      const status = await publicStatus(t, r.id, r.trackingToken);
      assert.equal((status.next as { action: string; amountYen?: number }).action, 'pay_fee');

      const today = t.clock.now().toISOString().slice(0, 10);
      const future = new Date(t.clock.now().getTime() + 3 * DAY_MS).toISOString().slice(0, 10);
      const early = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/payments`, payload: { paidOn: future, amountYen: 1000 } });
      assert.equal(early.statusCode, 400);
      assert.equal(errorOf(early).details?.[0]?.reason, 'in_future');

      const part = await handler.inject({
        method: 'POST',
        url: `/api/admin/requests/${r.id}/payments`,
        payload: { paidOn: today, amountYen: 400, payerName: 'ヤマダ タロウ', reference: 'TX-0001' },
      });
      assert.equal(part.statusCode, 201, part.body);
      assert.deepEqual({ ...(part.json() as object), request: undefined }, { paymentId: (part.json() as { paymentId: string }).paymentId, paidYen: 400, outstandingYen: 600, settled: false, request: undefined });
      assert.equal((await detail(r.id)).status, 'awaiting_fee');
      const stored = await t.ctx.db.selectFrom('request_payments').selectAll().where('request_id', '=', r.id).executeTakeFirstOrThrow();
      assert.ok(stored.payer_blob_id);
      assert.doesNotMatch(JSON.stringify(stored), /ヤマダ/);

      const rest = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/payments`, payload: { paidOn: today, amountYen: 600, reference: 'TX-0002' } });
      assert.equal(rest.statusCode, 201, rest.body);
      const paid = (rest.json() as { settled: boolean; request: Detail }).request;
      assert.equal((rest.json() as { settled: boolean }).settled, true);
      assert.equal(paid.status, 'in_progress');
      assert.equal(paid.fee.status, 'paid');
      assert.equal(paid.fee.paidYen, 1000);
      assert.deepEqual(
        paid.payments.map((p) => [p.kind, p.amountYen, p.paidOn, p.payerName, p.reference]),
        [
          ['payment', 400, today, 'ヤマダ タロウ', 'TX-0001'],
          ['payment', 600, today, null, 'TX-0002'],
        ],
      );
      const receipt = await latestRequestMail(t, r.id, 'request.payment_received');
      assert.match(receipt.text ?? '', /お支払いを確認しました|1,000円/);
      assert.equal((await auditOf(r.id, 'request.payment_recorded')).length, 2);
      const job = await t.ctx.db.selectFrom('jobs').select('type').where('idempotency_key', '=', `fulfil:${r.id}`).executeTakeFirst();
      assert.equal(job?.type, 'requests.fulfillment_start', 'entering work hands the request to fulfilment');

      const again = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/payments`, payload: { paidOn: today, amountYen: 100 } });
      assert.equal(again.statusCode, 409);
      assert.equal(errorOf(again).code, 'invalid_transition');
      const twice = await identityCheck(r.id, { checklist: match, decision: { kind: 'verified' } });
      assert.equal(twice.statusCode, 409);
      assert.equal(errorOf(twice).code, 'invalid_transition');
    });

    test('"verified" is refused while documents are missing; a handler cannot override, the officer can, with the reason kept', async () => {
      const r = await submitVerifiedRequest(t, { documents: [{ role: 'principal_identity', type: 'health_insurance' }] });
      const evaluation = (await handler.inject({ url: `/api/admin/requests/${r.id}/identity-evaluation` })).json() as { accepted: boolean; shortfalls: { reason: string; nonPhotoNeeded: number }[] };
      assert.equal(evaluation.accepted, false);
      assert.deepEqual(evaluation.shortfalls.map((s) => [s.reason, s.nonPhotoNeeded]), [['principal_identity', 1]]);

      const refused = await identityCheck(r.id, { checklist: match, decision: { kind: 'verified' } });
      assert.equal(refused.statusCode, 400);
      assert.deepEqual(errorOf(refused).details?.map((d) => d.reason), ['missing_principal_identity']);
      const mismatch = await identityCheck(r.id, { checklist: { ...match, dateOfBirth: 'mismatch' }, decision: { kind: 'verified' } });
      assert.deepEqual(errorOf(mismatch).details?.map((d) => [d.path, d.reason]), [
        ['decision.overrideReason', 'missing_principal_identity'],
        ['checklist.dateOfBirth', 'mismatch'],
      ]);
      const byHandler = await identityCheck(r.id, { checklist: match, decision: { kind: 'verified', overrideReason: '窓口で原本を確認' } });
      assert.equal(byHandler.statusCode, 403);
      assert.equal((await detail(r.id)).status, 'identity_review', 'nothing changed');
      assert.equal((await auditOf(r.id, 'request.identity_checked')).length, 0);

      const byOfficer = await identityCheck(r.id, { checklist: match, decision: { kind: 'verified', overrideReason: '窓口で原本を確認' } }, officer);
      assert.equal(byOfficer.statusCode, 200, byOfficer.body);
      assert.equal((byOfficer.json() as { request: Detail }).request.status, 'awaiting_fee');
      const [entry] = await auditOf(r.id, 'request.identity_checked');
      assert.equal(entry?.details.overridden, true);
      assert.deepEqual(entry?.details.shortfalls, ['principal_identity']);
      assert.doesNotMatch(JSON.stringify(entry), /窓口/, 'the reason text stays out of the audit log');
      const events = (await officer.inject({ url: `/api/admin/requests/${r.id}/timeline` })).json() as { events: { kind: string; text: string | null }[] };
      assert.equal(events.events.find((e) => e.kind === 'identity.override')?.text, '窓口で原本を確認');
    });

    test('more documents: the requester is asked, a paper document added by staff brings the request back to review', async () => {
      const r = await submitVerifiedRequest(t, { documents: [{ role: 'principal_identity', type: 'health_insurance' }] });
      const asked = await identityCheck(r.id, { checklist: match, decision: { kind: 'more_documents', message: '住所が確認できる書類をもう1点お送りください。', dueDays: 10 } });
      assert.equal(asked.statusCode, 200, asked.body);
      const waiting = (asked.json() as { request: Detail }).request;
      assert.equal(waiting.status, 'awaiting_documents');
      assert.equal(new Date(waiting.replyDueAt ?? 0).getTime() - t.clock.now().getTime() <= 10 * DAY_MS, true);
      const mail = await latestRequestMail(t, r.id, 'request.documents_needed');
      assert.match(mail.text ?? '', /住所が確認できる書類をもう1点お送りください。/);
      const status = await publicStatus(t, r.id, r.trackingToken);
      assert.equal((status.next as { action: string }).action, 'send_documents');

      const refused = multipartBody([
        { name: 'role', value: 'principal_identity' },
        { name: 'type', value: 'pension_book' },
        { name: 'document', filename: 'scan.png', contentType: 'image/png', data: elfExecutable() },
      ]);
      const bad = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/documents`, headers: refused.headers, payload: refused.payload });
      assert.equal(bad.statusCode, 415);
      assert.equal(errorOf(bad).code, 'upload_type_not_allowed');
      const wrongType = multipartBody([
        { name: 'role', value: 'agent_authority' },
        { name: 'type', value: 'power_of_attorney' },
        { name: 'document', filename: 'scan.png', contentType: 'image/png', data: samplePng() },
      ]);
      const wrong = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/documents`, headers: wrongType.headers, payload: wrongType.payload });
      assert.equal(errorOf(wrong).code, 'document_type_not_accepted');
      assert.equal((await documentsOf(r.id)).length, 1, 'nothing was stored for the refused uploads');

      const upload = multipartBody([
        { name: 'role', value: 'principal_identity' },
        { name: 'type', value: 'pension_book' },
        { name: 'document', filename: 'scan.png', contentType: 'image/png', data: samplePng() },
      ]);
      const added = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/documents`, headers: upload.headers, payload: upload.payload });
      assert.equal(added.statusCode, 201, added.body);
      const body = added.json() as { document: DocumentBody; status: string };
      assert.equal(body.status, 'identity_review');
      assert.deepEqual([body.document.documentType, body.document.contentType], ['pension_book', 'image/png']);
      assert.equal((await auditOf(r.id, 'request.documents_added'))[0]?.details.uploadedBy, 'staff');
      const evaluation = (await handler.inject({ url: `/api/admin/requests/${r.id}/identity-evaluation` })).json() as { accepted: boolean };
      assert.equal(evaluation.accepted, true, 'two documents without a photo now satisfy the rule');
      const verified = await identityCheck(r.id, { checklist: match, decision: { kind: 'verified' } });
      assert.equal((verified.json() as { request: Detail }).request.status, 'awaiting_fee');
    });

    test('a file showing an Individual Number is destroyed at once: the content is gone, the requester is told, the audit log records it', async () => {
      const r = await submitVerifiedRequest(t, {
        documents: [
          { role: 'principal_identity', type: 'my_number_card', data: sampleJpeg() },
          { role: 'principal_identity', type: 'drivers_license', data: samplePng(), contentType: 'image/png' },
        ],
      });
      const docs = await documentsOf(r.id);
      const card = docs.find((d) => d.documentType === 'my_number_card');
      assert.ok(card);
      const before = await t.ctx.db.selectFrom('request_documents').select('blob_id').where('id', '=', card.id).executeTakeFirstOrThrow();
      assert.ok(before.blob_id);

      const auditorTry = await auditor.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/documents/${card.id}/my-number` });
      assert.equal(auditorTry.statusCode, 403);
      const destroyed = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/documents/${card.id}/my-number` });
      assert.equal(destroyed.statusCode, 200, destroyed.body);
      assert.deepEqual(
        { status: (destroyed.json() as { document: DocumentBody & { destroyedReason: string } }).document.status, reason: (destroyed.json() as { document: { destroyedReason: string } }).document.destroyedReason },
        { status: 'destroyed', reason: 'my_number' },
      );

      const content = await handler.inject({ url: `/api/admin/requests/${r.id}/documents/${card.id}/content` });
      assert.equal(content.statusCode, 404);
      await assert.rejects(t.ctx.vault.read(t.ctx.db, before.blob_id), (err: unknown) => (err as { code?: string }).code === 'not_found');
      const blob = await t.ctx.db.selectFrom('encrypted_blobs').select(['disposed_at', 'ciphertext']).where('id', '=', before.blob_id).executeTakeFirst();
      assert.ok(blob?.disposed_at, 'the blob is marked disposed');
      assert.equal(blob.ciphertext, null, 'and its ciphertext is gone');

      const [entry] = await auditOf(r.id, 'request.my_number_destroyed');
      assert.equal(entry?.details.documentId, card.id);
      assert.equal(entry?.actor.id, handler.staffId);
      const mail = await latestRequestMail(t, r.id, 'request.my_number_destroyed');
      assert.equal(mail.recipient, r.email);
      assert.match(mail.text ?? '', /個人番号（マイナンバー）/);
      const status = await publicStatus(t, r.id, r.trackingToken);
      assert.ok((status.messages as { text: string }[]).some((m) => /番号法第20条/.test(m.text)), 'the status page says why');

      const twice = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/documents/${card.id}/my-number` });
      assert.equal(twice.statusCode, 409);
      const other = await submitVerifiedRequest(t);
      const elsewhere = await handler.inject({ method: 'POST', url: `/api/admin/requests/${other.id}/documents/${docs[1]?.id}/my-number` });
      assert.equal(elsewhere.statusCode, 404, "another request's document is not found");

      const evaluation = (await handler.inject({ url: `/api/admin/requests/${r.id}/identity-evaluation` })).json() as { documents: { principal_identity: string[] } };
      assert.deepEqual(evaluation.documents.principal_identity, ['drivers_license'], 'a destroyed file no longer counts');
      assert.equal((await detail(r.id)).documents.destroyed, 1);
    });

    test('"cannot verify" closes the request with the policy\'s reason and tells the requester', async () => {
      const r = await submitVerifiedRequest(t, { requesterKind: 'statutory_agent' });
      const res = await identityCheck(r.id, { checklist: match, decision: { kind: 'cannot_verify', reason: 'agent_authority_unconfirmed' } });
      assert.equal(res.statusCode, 200, res.body);
      const closed = (res.json() as { request: Detail }).request;
      assert.deepEqual([closed.status, closed.closedReason], ['closed', 'agent_authority_unconfirmed']);
      assert.deepEqual(closed.actions, []);
      const mail = await latestRequestMail(t, r.id, 'request.closed');
      assert.match(mail.text ?? '', /代理権が確認できない/);
      assert.match(mail.text ?? '', /個人情報保護法第37条第3項/);
      const late = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/withdraw`, payload: { reason: 'x', channel: 'phone' } });
      assert.equal(late.statusCode, 409);
      assert.equal(errorOf(late).code, 'invalid_transition');
    });

    test('no fee on a correction: verification starts work at once, and fee actions answer fee_not_applicable', async () => {
      const r = await submitVerifiedRequest(t, { type: 'correction', delivery: 'paper' });
      const res = await identityCheck(r.id, { checklist: match, decision: { kind: 'verified' } });
      const working = (res.json() as { request: Detail }).request;
      assert.deepEqual([working.status, working.fee.status, working.fee.applies], ['in_progress', 'not_applicable', false]);
      const today = t.clock.now().toISOString().slice(0, 10);
      for (const [as, url, payload] of [
        [handler, 'payments', { paidOn: today, amountYen: 500 }],
        [handler, 'fee/extra-cost', { amountYen: 300, basis: ['paper_at_cost'] }],
        [officer, 'fee/waiver', { reason: '不要' }],
      ] as const) {
        const refused = await as.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/${url}`, payload });
        assert.equal(refused.statusCode, 409, url);
        assert.equal(errorOf(refused).code, 'fee_not_applicable', url);
      }
      assert.equal((await t.ctx.db.selectFrom('request_payments').select('id').where('request_id', '=', r.id).execute()).length, 0);
    });

    test('paper at cost: the mailing cost joins the fee; only an officer waives what is owed', async () => {
      const r = await submitVerifiedRequest(t, { delivery: 'paper' });
      const extra = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/fee/extra-cost`, payload: { amountYen: 460, basis: ['paper_at_cost'] } });
      assert.equal(extra.statusCode, 200, extra.body);
      assert.equal((extra.json() as { request: Detail }).request.fee.totalYen, 1460);
      await identityCheck(r.id, { checklist: match, decision: { kind: 'verified' } });
      assert.equal((await detail(r.id)).fee.askedYen, 1460);
      assert.match((await latestRequestMail(t, r.id, 'request.fee_required')).text ?? '', /郵送等の実費：460円/);

      const byHandler = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/fee/waiver`, payload: { reason: '生活保護受給のため' } });
      assert.equal(byHandler.statusCode, 403);
      const waived = await officer.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/fee/waiver`, payload: { reason: '生活保護受給のため' } });
      assert.equal(waived.statusCode, 200, waived.body);
      const after = (waived.json() as { request: Detail }).request;
      assert.deepEqual([after.status, after.fee.status], ['in_progress', 'waived']);
      assert.equal((await auditOf(r.id, 'request.fee_waived'))[0]?.details.waivedYen, 1460);
      assert.match((await latestRequestMail(t, r.id, 'request.payment_received')).text ?? '', /不要となりました/);
    });

    test('withdrawal on the requester\'s behalf is audited and confirmed in writing', async () => {
      const r = await submitVerifiedRequest(t);
      const res = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/withdraw`, payload: { reason: '電話で取り下げの申し出', channel: 'phone' } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((res.json() as { request: Detail }).request.status, 'withdrawn');
      const [entry] = await auditOf(r.id, 'request.withdrawn');
      assert.deepEqual([entry?.details.onBehalf, entry?.details.channel, entry?.actor.id], [true, 'phone', handler.staffId]);
      assert.equal((await latestRequestMail(t, r.id, 'request.withdrawn')).recipient, r.email);
    });

    test('the deadline sweep closes unpaid fees, missing documents and unverified addresses, once', async () => {
      const unpaid = await verifiedWithFeeDue();
      const noDocs = await submitVerifiedRequest(t);
      const asked = await identityCheck(noDocs.id, { checklist: match, decision: { kind: 'more_documents', message: '別の書類をお送りください。', dueDays: 5 } });
      assert.equal(asked.statusCode, 200);
      const unverified = await submitRequest(t);
      const fresh = await verifiedWithFeeDue();

      t.clock.advance(6 * DAY_MS);
      const early = await sweepRequestDeadlines(t.ctx);
      assert.ok(early.documentsClosed.includes(noDocs.id));
      assert.ok(!early.feeClosed.includes(unpaid.id), 'the fee has 14 days');
      assert.ok(!early.unverifiedClosed.includes(unverified.id), 'an address has 7 days');

      // This time as the running application does it: the schedule enqueues its slot, a worker runs it.
      t.clock.advance(9 * DAY_MS);
      const [slot] = await enqueueDueSchedules(t.ctx, [deadlineSweepSchedule]);
      assert.equal(slot?.created, true);
      await runJobsUntilIdle(t.ctx, createAppJobRegistry());
      const job = await t.ctx.db.selectFrom('jobs').select(['type', 'status']).where('id', '=', slot.jobId).executeTakeFirstOrThrow();
      assert.deepEqual(job, { type: 'requests.deadline_sweep', status: 'succeeded' });
      assert.equal((await enqueueDueSchedules(t.ctx, [deadlineSweepSchedule]))[0]?.created, false, 'one job per slot');
      const again = await sweepRequestDeadlines(t.ctx);
      for (const id of [unpaid.id, noDocs.id, unverified.id, fresh.id]) {
        assert.ok(![...again.feeClosed, ...again.documentsClosed, ...again.unverifiedClosed].includes(id), 'a second run changes nothing');
      }

      const staff = await freshHandler();
      const rows = await t.ctx.db.selectFrom('requests').select(['id', 'status', 'closed_reason']).where('id', 'in', [unpaid.id, noDocs.id, unverified.id]).execute();
      const byId = new Map(rows.map((row) => [row.id, [row.status, row.closed_reason]]));
      assert.deepEqual(byId.get(unpaid.id), ['closed', 'fee_unpaid']);
      assert.deepEqual(byId.get(noDocs.id), ['closed', 'documents_incomplete']);
      assert.deepEqual(byId.get(unverified.id), ['closed', 'email_not_verified']);
      assert.match((await latestRequestMail(t, unpaid.id, 'request.closed')).text ?? '', /所定の手数料が支払われなかった場合/);
      assert.match((await latestRequestMail(t, noDocs.id, 'request.closed')).text ?? '', /所定の申請書類に不備があった場合/);
      const silent = await t.ctx.db.selectFrom('outbox').select('template').where('related_id', '=', unverified.id).execute();
      assert.deepEqual(silent.map((m) => m.template), ['request.verify_email'], 'an unverified address hears nothing more');
      assert.equal((await auditOf(unpaid.id, 'request.status_changed')).filter((e) => e.details.event === 'fee_deadline_passed').length, 1);
      const closedView = await staff.inject({ url: `/api/admin/requests/${unpaid.id}` });
      assert.equal((closedView.json() as { request: Detail }).request.closedReason, 'fee_unpaid');
    });

    test('staff are reminded once before the target day (assignee, else the officers) and the officers at escalation', async () => {
      // An earlier test moved the clock past the sessions of the staff signed in at the start.
      const worker = await freshHandler();
      const assigned = await submitVerifiedRequest(t, { type: 'correction' });
      const unassigned = await submitVerifiedRequest(t, { type: 'correction' });
      for (const r of [assigned, unassigned]) {
        const res = await identityCheck(r.id, { checklist: match, decision: { kind: 'verified' } }, worker);
        assert.equal((res.json() as { request: Detail }).request.status, 'in_progress');
      }
      const assign = await worker.inject({ method: 'POST', url: `/api/admin/requests/${assigned.id}/assign`, payload: { assigneeId: worker.staffId } });
      assert.equal(assign.statusCode, 200);

      const mailsTo = async (id: string, template: string) =>
        t.ctx.db.selectFrom('outbox').select('id').where('related_id', '=', id).where('template', '=', template).execute();

      t.clock.advance(10 * DAY_MS);
      const quiet = await sweepRequestDeadlines(t.ctx);
      assert.ok(!quiet.dueSoonReminded.includes(assigned.id), 'four days before the target is too early');

      t.clock.advance(2 * DAY_MS);
      const run = await sweepRequestDeadlines(t.ctx);
      assert.ok(run.dueSoonReminded.includes(assigned.id) && run.dueSoonReminded.includes(unassigned.id));
      const toAssignee = await latestRequestMail(t, assigned.id, 'request.staff_due_soon');
      assert.equal(toAssignee.recipient, worker.email);
      assert.match(toAssignee.text ?? '', new RegExp(assigned.reference));
      assert.doesNotMatch(toAssignee.text ?? '', /山田/, 'staff reminders carry no personal data');
      const toOfficers = await latestRequestMail(t, unassigned.id, 'request.staff_due_soon');
      assert.equal(toOfficers.recipient, officer.email);
      assert.equal((await auditOf(assigned.id, 'request.deadline_reminded'))[0]?.details.to, 'assignee');

      const second = await sweepRequestDeadlines(t.ctx);
      assert.ok(!second.dueSoonReminded.includes(assigned.id));
      assert.equal((await mailsTo(assigned.id, 'request.staff_due_soon')).length, 1, 'once');

      t.clock.advance(19 * DAY_MS);
      const escalation = await sweepRequestDeadlines(t.ctx);
      assert.ok(escalation.escalated.includes(assigned.id));
      const escalated = await latestRequestMail(t, assigned.id, 'request.staff_escalated');
      assert.equal(escalated.recipient, officer.email, 'escalation goes to the officers even when someone is assigned');
      await sweepRequestDeadlines(t.ctx);
      assert.equal((await mailsTo(assigned.id, 'request.staff_escalated')).length, 1);
      assert.equal((await auditOf(assigned.id, 'request.deadline_reminded')).length, 2);

      const staff = await freshHandler();
      const overdue = (await staff.inject({ url: '/api/admin/requests?overdue=true&limit=200' })).json() as { requests: { id: string; overdue: boolean }[] };
      assert.ok(overdue.requests.some((r) => r.id === assigned.id && r.overdue));
    });

    test('the desk routes are in the OpenAPI document and the audit chain verifies', async () => {
      const res = await t.app.inject({ url: '/api/openapi.json' });
      assert.equal(res.statusCode, 200);
      const paths = Object.keys((res.json() as { paths: Record<string, unknown> }).paths);
      for (const p of ['/api/admin/requests', '/api/admin/requests/{id}/identity-check', '/api/admin/requests/{id}/documents/{docId}/content', '/api/admin/requests/{id}/payments']) {
        assert.ok(paths.includes(p), p);
      }
      assert.equal((await verifyAuditChain(t.ctx.db)).ok, true);
    });
  });
}
