import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { seedSampleOrganization } from '../../src/domains/organization/organization.service.ts';
import { SYSTEM_ACTOR } from '../../src/domains/audit/audit.actions.ts';
import { consumeThrottle, purgeThrottles } from '../../src/domains/requests/throttle.ts';
import { THROTTLE_PURGE_JOB_TYPE, throttlePurgeJob } from '../../src/domains/requests/intake.jobs.ts';
import { VERIFICATION_MAX_ATTEMPTS, VERIFICATIONS_PER_ADDRESS } from '../../src/domains/requests/intake.service.ts';
import { APP_JOBS } from '../../src/jobs/app-jobs.ts';
import { enqueueJob } from '../../src/jobs/queue.ts';
import { createJobRegistry } from '../../src/jobs/registry.ts';
import { runJobsUntilIdle } from '../../src/jobs/worker.ts';
import { lockRequest, readSubject, transition } from '../../src/domains/requests/request.core.ts';
import { MAX_UPLOAD_BYTES, type RequestSubject } from '../../src/domains/requests/request.ts';
import { ERROR_CATALOG } from '../../src/lib/errors.ts';
import { HOUR_MS, MINUTE_MS, DAY_MS } from '../../src/lib/clock.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';
import {
  elfExecutable,
  htmlDocument,
  jpegOfSize,
  multipartBody,
  peExecutable,
  pngWithBadCrc,
  sampleJpeg,
  samplePdf,
  samplePng,
  truncatedJpeg,
  zipArchive,
} from '../helpers/documents.ts';
import {
  bearer,
  latestRequestMail,
  latestVerificationCode,
  postDocuments,
  postRequest,
  postVerificationCode,
  publicStatus,
  randomEmail,
  randomIp,
  submitRequest,
  submitVerifiedRequest,
  type SampleDocument,
  type SubmissionOverrides,
} from '../helpers/requests.ts';

interface ErrorBody {
  error: { code: string; message: string; details?: { path?: string; reason?: string; message?: string }[] };
}

const COUNTED = ['requests', 'request_documents', 'request_events', 'encrypted_blobs', 'outbox', 'audit_log'] as const;
type Counts = Record<(typeof COUNTED)[number], number>;

async function counts(t: TestApp): Promise<Counts> {
  const out = {} as Counts;
  for (const table of COUNTED) {
    const row = await t.ctx.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  return out;
}

function errorOf(res: LightMyRequestResponse): ErrorBody['error'] {
  return (res.json() as ErrorBody).error;
}

function docs(...items: Array<Partial<SampleDocument> & Pick<SampleDocument, 'data'>>): SampleDocument[] {
  return items.map((d) => ({ role: 'principal_identity', type: 'drivers_license', ...d }));
}

for (const engine of ENGINES) {
  describe(`request intake over the public API (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
      await seedSampleOrganization(t.ctx);
      // The first submission creates the lookup-hash key; later counts start from there.
      await submitRequest(t);
    });
    after(async () => {
      await t.close();
    });

    test('a person submits, the verification mail arrives, the code verifies, and the status shows identity review and the due date', async () => {
      const licence = jpegOfSize(50_000);
      const { res, email } = await postRequest(t, { documents: docs({ data: licence }) });
      assert.equal(res.statusCode, 201, res.body);
      const created = res.json() as { id: string; reference: string; status: string; trackingToken: string };
      assert.equal(created.status, 'received');
      assert.match(created.reference, /^R-\d{8}-[A-Z2-9]{6}$/);
      assert.ok(created.trackingToken.length >= 43, 'the tracking token is long');
      assert.equal(res.headers['cache-control'], 'no-store');

      const row = await t.ctx.db.selectFrom('requests').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
      assert.notEqual(row.tracking_token_hash, created.trackingToken, 'only a hash of the token is stored');
      assert.ok(!row.tracking_token_hash.includes(created.trackingToken));
      const subject = await readSubject(t.ctx.db, t.ctx, row);
      assert.equal(subject.contact.email, email);
      assert.equal(subject.person.dateOfBirth, '1985-04-12');

      const [document] = await t.ctx.db.selectFrom('request_documents').selectAll().where('request_id', '=', created.id).execute();
      assert.ok(document?.blob_id);
      assert.equal(document.content_type, 'image/jpeg');
      assert.equal(document.byte_size, licence.length);
      assert.equal(document.role, 'principal_identity');
      assert.equal(document.document_type, 'drivers_license');
      const stored = await t.ctx.vault.read(t.ctx.db, document.blob_id);
      assert.ok(stored.bytes.equals(licence), 'the document decrypts to the bytes sent');

      const before = await publicStatus(t, created.id, created.trackingToken);
      assert.equal(before.status, 'received');
      assert.deepEqual(before.next, { action: 'verify_email' });

      const mail = await latestRequestMail(t, created.id, 'request.verify_email');
      assert.equal(mail.recipient, email);
      assert.equal(mail.status, 'held');
      assert.match(mail.subject ?? '', /株式会社あおば生活舎/);
      assert.ok((mail.subject ?? '').includes(created.reference));
      assert.doesNotMatch(mail.text ?? '', /山田/, 'the mail does not carry the name');
      const code = await latestVerificationCode(t, created.id);
      assert.ok(mail.text?.includes(`http://madoguchi.test/requests/${created.id}/verify?code=${code}`));

      const verified = await postVerificationCode(t, created.id, code);
      assert.equal(verified.statusCode, 200, verified.body);
      assert.deepEqual(verified.json(), { id: created.id, status: 'identity_review', alreadyVerified: false });

      const ack = await latestRequestMail(t, created.id, 'request.acknowledged');
      assert.ok((ack.subject ?? '').includes(created.reference));
      assert.match(ack.text ?? '', /手数料/, 'a disclosure carries a fee under the sample settings');

      const status = await publicStatus(t, created.id, created.trackingToken);
      assert.equal(status.status, 'identity_review');
      assert.equal(status.emailVerified, true);
      assert.deepEqual(status.next, { action: 'wait' });
      const receivedAt = new Date(status.receivedAt as string).getTime();
      assert.equal(new Date(status.dueAt as string).getTime() - receivedAt, 14 * DAY_MS, 'the target is 14 days after receipt');
      assert.deepEqual(
        (status.timeline as { status: string }[]).map((e) => e.status),
        ['received', 'identity_review'],
      );

      const audit = await t.ctx.db.selectFrom('audit_log').selectAll().where('target_id', '=', created.id).orderBy('seq').execute();
      const actions = audit.map((a) => a.action);
      for (const action of ['request.submitted', 'request.status_changed', 'request.email_verified']) assert.ok(actions.includes(action), action);
      const submitted = audit.find((a) => a.action === 'request.submitted');
      assert.deepEqual(submitted?.details, { type: 'disclosure', requesterKind: 'principal', documentCount: 1, deliveryMethod: 'electronic' });
      const everything = JSON.stringify(audit);
      assert.ok(!everything.includes(email) && !everything.includes('山田'), 'no personal data in the audit entries');

      const again = await postVerificationCode(t, created.id, code);
      assert.equal(again.statusCode, 200);
      assert.equal((again.json() as { alreadyVerified: boolean }).alreadyVerified, true);
    });

    test("an appointed agent's request with PNG, PDF and JPEG documents is stored with the agent's details", async () => {
      const documents: SampleDocument[] = [
        { role: 'principal_identity', type: 'health_insurance', data: samplePng(), filename: 'insurance.png', contentType: 'image/png' },
        { role: 'agent_identity', type: 'passport', data: sampleJpeg() },
        { role: 'agent_authority', type: 'power_of_attorney', data: samplePdf(), filename: 'poa.pdf', contentType: 'application/pdf' },
        { role: 'agent_authority', type: 'principal_seal_certificate', data: samplePdf(), filename: 'seal.pdf', contentType: 'application/pdf' },
      ];
      const r = await submitVerifiedRequest(t, { requesterKind: 'appointed_agent', type: 'correction', language: 'en', documents });
      const row = await t.ctx.db.selectFrom('requests').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow();
      assert.equal(row.requester_kind, 'appointed_agent');
      assert.equal(row.language, 'en');
      assert.equal(row.type, 'correction');
      const subject: RequestSubject = await readSubject(t.ctx.db, t.ctx, row);
      assert.equal(subject.agent?.relationship, '弁護士');
      assert.ok(subject.concerns.correction);
      const stored = await t.ctx.db.selectFrom('request_documents').select(['role', 'content_type']).where('request_id', '=', r.id).orderBy('uploaded_at').execute();
      assert.deepEqual(stored.map((d) => d.content_type).sort(), ['application/pdf', 'application/pdf', 'image/jpeg', 'image/png']);
      const ack = await latestRequestMail(t, r.id, 'request.acknowledged');
      assert.match(ack.subject ?? '', /^\[Aoba Seikatsusha Co\., Ltd\.\] We have received your request/);
      assert.doesNotMatch(ack.text ?? '', /pay the fee/, 'no fee is asked for a correction');
    });

    test('a file of exactly 10 MB is accepted', async () => {
      const { res } = await postRequest(t, { documents: docs({ data: jpegOfSize(MAX_UPLOAD_BYTES) }) });
      assert.equal(res.statusCode, 201, res.body);
    });

    // Each refusal: its status and code, the field it names, and nothing stored anywhere.
    const refusals: Array<{ name: string; input: () => SubmissionOverrides; status: number; code: string; path?: string; reason?: string }> = [
      { name: 'a corrupt file', input: () => ({ documents: docs({ data: truncatedJpeg() }) }), status: 422, code: 'upload_corrupt', path: 'documents.0' },
      { name: 'a PNG with a bad checksum', input: () => ({ documents: docs({ data: pngWithBadCrc(), contentType: 'image/png' }) }), status: 422, code: 'upload_corrupt' },
      { name: 'an ELF executable renamed .jpg', input: () => ({ documents: docs({ data: elfExecutable(), filename: 'licence.jpg' }) }), status: 415, code: 'upload_type_not_allowed', path: 'documents.0' },
      { name: 'a Windows executable renamed .jpg', input: () => ({ documents: docs({ data: peExecutable(), filename: 'licence.jpg' }) }), status: 415, code: 'upload_type_not_allowed' },
      { name: 'a zip archive', input: () => ({ documents: docs({ data: zipArchive(), filename: 'scan.jpg' }) }), status: 415, code: 'upload_type_not_allowed' },
      { name: 'an HTML page', input: () => ({ documents: docs({ data: htmlDocument(), contentType: 'text/html' }) }), status: 415, code: 'upload_type_not_allowed' },
      {
        name: 'a bad file after a good one',
        input: () => ({ documents: docs({ data: sampleJpeg() }, { data: elfExecutable(), type: 'passport' }) }),
        status: 415,
        code: 'upload_type_not_allowed',
        path: 'documents.1',
      },
      { name: 'a declared type the organisation does not accept', input: () => ({ documents: docs({ data: sampleJpeg(), type: 'library_card' }) }), status: 422, code: 'document_type_not_accepted', path: 'request.documents.0.type' },
      {
        name: "a statutory agent's authority proven by a power of attorney",
        input: () => ({
          requesterKind: 'statutory_agent',
          documents: [
            { role: 'agent_identity', type: 'drivers_license' },
            { role: 'agent_authority', type: 'power_of_attorney' },
          ],
        }),
        status: 422,
        code: 'document_type_not_accepted',
        path: 'request.documents.1.type',
      },
      {
        name: 'a missing date of birth',
        input: () => ({ edit: (s) => delete (s.person as Record<string, unknown>).dateOfBirth }),
        status: 400,
        code: 'validation_failed',
        path: 'request.person.dateOfBirth',
      },
      {
        name: 'a missing contact',
        input: () => ({ edit: (s) => delete s.contact }),
        status: 400,
        code: 'validation_failed',
        path: 'request.contact',
      },
      {
        name: 'an invalid email address',
        input: () => ({ edit: (s) => ((s.contact as Record<string, unknown>).email = 'yamada at example') }),
        status: 400,
        code: 'validation_failed',
        path: 'request.contact.email',
      },
      {
        name: 'a date of birth that does not exist',
        input: () => ({ edit: (s) => ((s.person as Record<string, unknown>).dateOfBirth = '1985-02-30') }),
        status: 400,
        code: 'validation_failed',
        path: 'request.person.dateOfBirth',
      },
      {
        name: 'a date of birth in the future',
        input: () => ({ edit: (s) => ((s.person as Record<string, unknown>).dateOfBirth = '2999-01-01') }),
        status: 400,
        code: 'validation_failed',
        path: 'request.person.dateOfBirth',
      },
      {
        name: 'an over-long description',
        input: () => ({ edit: (s) => ((s.concerns as Record<string, unknown>).description = 'あ'.repeat(4001)) }),
        status: 400,
        code: 'validation_failed',
        path: 'request.concerns.description',
        reason: 'too_long',
      },
      { name: 'an unknown request type', input: () => ({ edit: (s) => (s.type = 'erase_everything') }), status: 400, code: 'validation_failed', path: 'request.type' },
      { name: 'an unknown field', input: () => ({ edit: (s) => (s.notes = 'x') }), status: 400, code: 'validation_failed', path: 'request.notes', reason: 'unknown_field' },
      {
        name: 'an agent request without the agent',
        input: () => ({ requesterKind: 'statutory_agent', edit: (s) => delete (s.requester as Record<string, unknown>).agent }),
        status: 400,
        code: 'validation_failed',
        path: 'request.requester.agent',
        reason: 'agent_required',
      },
      { name: 'request JSON that does not parse', input: () => ({ rawRequest: '{"type": "disclosure",' }), status: 400, code: 'malformed_json', path: 'request' },
      {
        name: 'two declared documents and one file',
        input: () => ({ documents: docs({ data: sampleJpeg() }, { data: sampleJpeg(), type: 'passport' }), files: [{ data: sampleJpeg() }] }),
        status: 400,
        code: 'validation_failed',
        path: 'request.documents',
        reason: 'count_mismatch',
      },
      {
        name: 'eleven declared documents and eleven files',
        input: () => ({ documents: Array.from({ length: 11 }, () => ({ role: 'other' as const, type: 'supporting_letter', data: sampleJpeg() })) }),
        status: 422,
        code: 'too_many_documents',
      },
      {
        name: 'eleven files for ten declared documents',
        input: () => ({
          documents: Array.from({ length: 10 }, () => ({ role: 'other' as const, type: 'supporting_letter' })),
          files: Array.from({ length: 11 }, () => ({ data: sampleJpeg() })),
        }),
        status: 422,
        code: 'too_many_documents',
      },
      { name: 'an 11 MB file', input: () => ({ documents: docs({ data: jpegOfSize(11 * 1024 * 1024) }) }), status: 413, code: 'upload_too_large', path: 'documents.0' },
      { name: 'a file one byte over 10 MB', input: () => ({ documents: docs({ data: jpegOfSize(MAX_UPLOAD_BYTES + 1) }) }), status: 413, code: 'upload_too_large', path: 'documents.0' },
    ];

    for (const c of refusals) {
      test(`refused with ${c.code}, nothing stored: ${c.name}`, async () => {
        const before = await counts(t);
        const { res } = await postRequest(t, c.input());
        assert.equal(res.statusCode, c.status, res.body);
        const error = errorOf(res);
        assert.equal(error.code, c.code);
        assert.equal(error.message, ERROR_CATALOG[c.code as keyof typeof ERROR_CATALOG].ja, 'Japanese by default');
        if (c.path) assert.ok(error.details?.some((d) => d.path === c.path), `details name ${c.path}: ${JSON.stringify(error.details)}`);
        if (c.reason) assert.ok(error.details?.some((d) => d.reason === c.reason), `reason ${c.reason}: ${JSON.stringify(error.details)}`);
        assert.deepEqual(await counts(t), before);
      });
    }

    test('refusals speak English when the client asks for it, and never echo what was sent', async () => {
      const { res } = await postRequest(t, {
        acceptLanguage: 'en-GB,en;q=0.9',
        edit: (s) => ((s.contact as Record<string, unknown>).email = 'taro.yamada@@example'),
      });
      assert.equal(res.statusCode, 400);
      assert.equal(errorOf(res).message, ERROR_CATALOG.validation_failed.en);
      assert.ok(!res.body.includes('taro.yamada'), 'the bad value is not echoed');
    });

    test('a body without the request part, and a JSON body, are refused with nothing stored', async () => {
      const before = await counts(t);
      const onlyFile = multipartBody([{ name: 'documents', filename: 'a.jpg', contentType: 'image/jpeg', data: sampleJpeg() }]);
      const missing = await t.app.inject({ method: 'POST', url: '/api/public/requests', headers: onlyFile.headers, payload: onlyFile.payload, remoteAddress: randomIp() });
      assert.equal(missing.statusCode, 400);
      assert.deepEqual(errorOf(missing).details?.map((d) => [d.path, d.reason]), [['request', 'required']]);
      const json = await t.app.inject({ method: 'POST', url: '/api/public/requests', payload: { type: 'disclosure' }, remoteAddress: randomIp() });
      assert.equal(json.statusCode, 415);
      assert.equal(errorOf(json).code, 'unsupported_media_type');
      const stray = multipartBody([
        { name: 'request', value: '{}' },
        { name: 'attachment', filename: 'a.jpg', contentType: 'image/jpeg', data: sampleJpeg() },
      ]);
      const strayRes = await t.app.inject({ method: 'POST', url: '/api/public/requests', headers: stray.headers, payload: stray.payload, remoteAddress: randomIp() });
      assert.equal(strayRes.statusCode, 400);
      assert.equal(errorOf(strayRes).details?.[0]?.reason, 'unknown_field');
      assert.deepEqual(await counts(t), before);
    });

    test('a wrong code counts an attempt and is audited; after five wrong codes even the right one is refused', async () => {
      const r = await submitRequest(t);
      const code = await latestVerificationCode(t, r.id);
      const wrong = code === '000000' ? '111111' : '000000';
      for (let i = 1; i <= VERIFICATION_MAX_ATTEMPTS; i++) {
        const res = await postVerificationCode(t, r.id, wrong);
        assert.equal(res.statusCode, 422, res.body);
        assert.equal(errorOf(res).code, 'verification_code_invalid');
        const row = await t.ctx.db.selectFrom('requests').select(['verification_attempts', 'status']).where('id', '=', r.id).executeTakeFirstOrThrow();
        assert.equal(row.verification_attempts, i);
        assert.equal(row.status, 'received');
      }
      const failures = await t.ctx.db.selectFrom('audit_log').select('details').where('target_id', '=', r.id).where('action', '=', 'request.verification_failed').execute();
      assert.equal(failures.length, VERIFICATION_MAX_ATTEMPTS);
      const spent = await postVerificationCode(t, r.id, code);
      assert.equal(spent.statusCode, 410);
      assert.equal(errorOf(spent).code, 'verification_code_expired');
      assert.equal((await publicStatus(t, r.id, r.trackingToken)).status, 'received');

      // A new code (Bearer) works again.
      const resend = await t.app.inject({ method: 'POST', url: `/api/public/requests/${r.id}/email-verification/resend`, headers: bearer(r.trackingToken), remoteAddress: randomIp() });
      assert.equal(resend.statusCode, 200, resend.body);
      const fresh = await latestVerificationCode(t, r.id);
      const ok = await postVerificationCode(t, r.id, fresh);
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal((ok.json() as { status: string }).status, 'identity_review');
    });

    test('a code expires after 30 minutes; resending is limited to three codes in all', async () => {
      const r = await submitRequest(t);
      const code = await latestVerificationCode(t, r.id);
      t.clock.advance(31 * MINUTE_MS);
      const late = await postVerificationCode(t, r.id, code);
      assert.equal(late.statusCode, 410);
      assert.equal(errorOf(late).code, 'verification_code_expired');

      const resend = () =>
        t.app.inject({ method: 'POST', url: `/api/public/requests/${r.id}/email-verification/resend`, headers: bearer(r.trackingToken), remoteAddress: randomIp() });
      const second = await resend();
      assert.equal(second.statusCode, 200, second.body);
      assert.equal((second.json() as { sendsLeft: number }).sendsLeft, 1);
      const secondCode = await latestVerificationCode(t, r.id);
      const third = await resend();
      assert.equal(third.statusCode, 200);
      const thirdCode = await latestVerificationCode(t, r.id);
      const fourth = await resend();
      assert.equal(fourth.statusCode, 429);
      assert.equal(errorOf(fourth).code, 'rate_limited');

      if (secondCode !== thirdCode) {
        const old = await postVerificationCode(t, r.id, secondCode);
        assert.equal(old.statusCode, 422, 'a replaced code no longer works');
      }
      const ok = await postVerificationCode(t, r.id, thirdCode);
      assert.equal(ok.statusCode, 200, ok.body);
      const afterVerified = await resend();
      assert.equal(afterVerified.statusCode, 409);
      assert.equal(errorOf(afterVerified).code, 'invalid_transition');
    });

    test('an email address may be used for three requests a day; the fourth is refused and stores nothing', async () => {
      const email = randomEmail();
      for (let i = 0; i < 3; i++) await submitRequest(t, { email: i === 1 ? email.toUpperCase() : email });
      const before = await counts(t);
      const { res } = await postRequest(t, { email });
      assert.equal(res.statusCode, 429, res.body);
      assert.equal(errorOf(res).code, 'rate_limited');
      assert.deepEqual(await counts(t), before);
      t.clock.advance(DAY_MS);
      await submitRequest(t, { email });
    });

    test('a client address may submit five requests an hour', async () => {
      const ip = randomIp();
      for (let i = 0; i < 5; i++) await submitRequest(t, { ip });
      const { res } = await postRequest(t, { ip });
      assert.equal(res.statusCode, 429);
      assert.equal(errorOf(res).code, 'rate_limited');
      t.clock.advance(HOUR_MS);
      await submitRequest(t, { ip });
    });

    test("one request's token never opens another request, and an unknown id looks the same", async () => {
      const a = await submitVerifiedRequest(t);
      const b = await submitVerifiedRequest(t);
      const attempts: Array<{ method: 'GET' | 'POST'; url: string; headers?: Record<string, string> }> = [
        { method: 'GET', url: `/api/public/requests/${a.id}`, headers: bearer(b.trackingToken) },
        { method: 'GET', url: `/api/public/requests/req_doesnotexist00`, headers: bearer(a.trackingToken) },
        { method: 'GET', url: `/api/public/requests/${a.id}` },
        { method: 'GET', url: `/api/public/requests/${a.id}`, headers: { authorization: `Basic ${a.trackingToken}` } },
        { method: 'POST', url: `/api/public/requests/${a.id}/withdraw`, headers: bearer(b.trackingToken) },
        { method: 'POST', url: `/api/public/requests/${a.id}/email-verification/resend`, headers: bearer(b.trackingToken) },
      ];
      for (const attempt of attempts) {
        const res = await t.app.inject({ ...attempt, remoteAddress: randomIp() });
        assert.equal(res.statusCode, 404, `${attempt.method} ${attempt.url}: ${res.body}`);
        assert.equal(errorOf(res).code, 'not_found');
        assert.deepEqual(Object.keys(errorOf(res)).sort(), ['code', 'message', 'requestId']);
      }
      const foreignUpload = await postDocuments(t, a.id, b.trackingToken, docs({ data: sampleJpeg(), type: 'passport' }));
      assert.equal(foreignUpload.statusCode, 404);
      assert.equal((await publicStatus(t, a.id, a.trackingToken)).status, 'identity_review', 'nothing happened to a');
      assert.equal(await t.ctx.db.selectFrom('request_documents').select('id').where('request_id', '=', a.id).execute().then((r) => r.length), 1);
    });

    test('further documents: accepted in identity review, a request waiting for documents goes back to review, the total stays at ten', async () => {
      const r = await submitVerifiedRequest(t);
      const added = await postDocuments(t, r.id, r.trackingToken, docs({ data: samplePdf(), type: 'resident_record', contentType: 'application/pdf' }));
      assert.equal(added.statusCode, 200, added.body);
      assert.deepEqual(added.json(), { id: r.id, status: 'identity_review', documentCount: 2 });
      const audited = await t.ctx.db.selectFrom('audit_log').select('details').where('target_id', '=', r.id).where('action', '=', 'request.documents_added').execute();
      assert.deepEqual(audited.map((a) => a.details), [{ count: 1, roles: ['principal_identity'], uploadedBy: 'requester' }]);

      // The office asks for more (the staff action, through the state machine).
      const replyDueAt = new Date(t.clock.now().getTime() + 14 * DAY_MS);
      await t.ctx.db.transaction().execute(async (trx) => {
        const row = await lockRequest(trx, r.id);
        await transition(trx, t.ctx, row, {
          event: 'request_documents',
          actor: SYSTEM_ACTOR,
          message: { text: '住所が確認できる書類をもう1点お送りください。', visibleToRequester: true },
          patch: { reply_due_at: replyDueAt },
        });
      });
      const waiting = await publicStatus(t, r.id, r.trackingToken);
      assert.deepEqual(waiting.next, { action: 'send_documents', message: '住所が確認できる書類をもう1点お送りください。', dueAt: replyDueAt.toISOString() });
      assert.equal(waiting.clockPaused, true);
      assert.deepEqual((waiting.messages as { text: string }[]).map((m) => m.text), ['住所が確認できる書類をもう1点お送りください。']);

      const before = await counts(t);
      const tooMany = await postDocuments(t, r.id, r.trackingToken, Array.from({ length: 9 }, () => ({ role: 'other' as const, type: 'supporting_letter', data: sampleJpeg() })));
      assert.equal(tooMany.statusCode, 422, tooMany.body);
      assert.equal(errorOf(tooMany).code, 'too_many_documents');
      const corrupt = await postDocuments(t, r.id, r.trackingToken, docs({ data: truncatedJpeg() }));
      assert.equal(corrupt.statusCode, 422);
      assert.equal(errorOf(corrupt).code, 'upload_corrupt');
      const wrongType = await postDocuments(t, r.id, r.trackingToken, [{ role: 'agent_authority', type: 'family_register', data: samplePdf() }]);
      assert.equal(wrongType.statusCode, 422);
      assert.deepEqual(errorOf(wrongType).details?.map((d) => d.path), ['documents.0.type']);
      assert.deepEqual(await counts(t), before);

      const more = await postDocuments(t, r.id, r.trackingToken, docs({ data: samplePng(), type: 'seal_certificate', contentType: 'image/png' }));
      assert.equal(more.statusCode, 200, more.body);
      assert.deepEqual(more.json(), { id: r.id, status: 'identity_review', documentCount: 3 });
      const back = await publicStatus(t, r.id, r.trackingToken);
      assert.equal(back.clockPaused, false);
      assert.deepEqual((back.timeline as { status: string }[]).map((e) => e.status), ['received', 'identity_review', 'awaiting_documents', 'identity_review']);
    });

    test('documents cannot be added before the address is verified', async () => {
      const r = await submitRequest(t);
      const res = await postDocuments(t, r.id, r.trackingToken, docs({ data: sampleJpeg(), type: 'passport' }));
      assert.equal(res.statusCode, 409);
      assert.equal(errorOf(res).code, 'invalid_transition');
    });

    test('the status page shows the fee with the bank details while the fee is awaited', async () => {
      const r = await submitVerifiedRequest(t, { delivery: 'paper' });
      const replyDueAt = new Date(t.clock.now().getTime() + 14 * DAY_MS);
      await t.ctx.db.transaction().execute(async (trx) => {
        const row = await lockRequest(trx, r.id);
        await transition(trx, t.ctx, row, {
          event: 'identity_verified_fee_due',
          actor: SYSTEM_ACTOR,
          patch: { fee_yen: 1000, fee_extra_yen: 460, fee_status: 'pending', reply_due_at: replyDueAt },
        });
      });
      const status = await publicStatus(t, r.id, r.trackingToken);
      assert.deepEqual(status.next, {
        action: 'pay_fee',
        amountYen: 1460,
        bankTransfer: { bankName: 'みずなら銀行', branchName: '青葉通支店', accountType: 'ordinary', accountNumber: '1234567', accountHolder: 'カ）アオバセイカツシャ' },
        dueAt: replyDueAt.toISOString(),
      });
    });

    test('withdrawal: confirmed by mail, final, and the status page says nothing more is needed', async () => {
      const r = await submitVerifiedRequest(t);
      const res = await t.app.inject({ method: 'POST', url: `/api/public/requests/${r.id}/withdraw`, headers: bearer(r.trackingToken), remoteAddress: randomIp() });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { id: r.id, status: 'withdrawn' });
      const mail = await latestRequestMail(t, r.id, 'request.withdrawn');
      assert.equal(mail.recipient, r.email);
      const status = await publicStatus(t, r.id, r.trackingToken);
      assert.equal(status.status, 'withdrawn');
      assert.deepEqual(status.next, { action: 'none' });
      assert.equal(status.canWithdraw, false);
      const row = await t.ctx.db.selectFrom('requests').select(['completed_at', 'retention_until']).where('id', '=', r.id).executeTakeFirstOrThrow();
      assert.ok(row.completed_at && row.retention_until, 'retention runs from the withdrawal');
      const audit = await t.ctx.db.selectFrom('audit_log').select('action').where('target_id', '=', r.id).where('action', '=', 'request.withdrawn').execute();
      assert.equal(audit.length, 1);
      const again = await t.app.inject({ method: 'POST', url: `/api/public/requests/${r.id}/withdraw`, headers: bearer(r.trackingToken), remoteAddress: randomIp() });
      assert.equal(again.statusCode, 409);
      assert.equal(errorOf(again).code, 'invalid_transition');
    });

    test('a request withdrawn before its address was verified sends no further mail', async () => {
      const r = await submitRequest(t);
      const res = await t.app.inject({ method: 'POST', url: `/api/public/requests/${r.id}/withdraw`, headers: bearer(r.trackingToken), remoteAddress: randomIp() });
      assert.equal(res.statusCode, 200);
      const mails = await t.ctx.db.selectFrom('outbox').select('template').where('related_id', '=', r.id).execute();
      assert.deepEqual(mails.map((m) => m.template), ['request.verify_email']);
    });

    test('once the personal data is disposed of, the status page still answers with the record', async () => {
      const r = await submitVerifiedRequest(t);
      const row = await t.ctx.db.selectFrom('requests').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow();
      const blobs = await t.ctx.db.selectFrom('request_events').select('text_blob_id').where('request_id', '=', r.id).where('text_blob_id', 'is not', null).execute();
      await t.ctx.db.transaction().execute(async (trx) => {
        if (row.subject_blob_id) await t.ctx.vault.dispose(trx, row.subject_blob_id, t.clock.now());
        for (const b of blobs) if (b.text_blob_id) await t.ctx.vault.dispose(trx, b.text_blob_id, t.clock.now());
        await trx.updateTable('requests').set({ subject_blob_id: null, email_lookup: null, name_lookup: null }).where('id', '=', r.id).execute();
      });
      const status = await publicStatus(t, r.id, r.trackingToken);
      assert.equal(status.reference, r.reference);
      assert.equal(status.status, 'identity_review');
      assert.deepEqual(status.messages, []);
    });

    test('the multipart routes are documented in OpenAPI with their parts', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
      assert.equal(res.statusCode, 200);
      const doc = res.json() as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } }>> };
      const submit = doc.paths['/api/public/requests']?.post?.requestBody?.content['multipart/form-data']?.schema.properties ?? {};
      assert.deepEqual(Object.keys(submit).sort(), ['documents', 'request']);
      assert.match(JSON.stringify(submit.documents), /"format":"binary"/);
      assert.match(JSON.stringify(submit.request), /dateOfBirth/);
      const more = doc.paths['/api/public/requests/{id}/documents']?.post?.requestBody?.content['multipart/form-data']?.schema.properties ?? {};
      assert.deepEqual(Object.keys(more).sort(), ['documents', 'files']);
      for (const path of ['/api/public/requests/{id}', '/api/public/requests/{id}/email-verification', '/api/public/requests/{id}/withdraw']) {
        assert.ok(doc.paths[path], path);
      }
    });

    test('throttle counters: concurrent uses never exceed the limit, and old windows are purged', async () => {
      const now = t.clock.now();
      const key = `test:${randomEmail()}`;
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, () => consumeThrottle(t.ctx.db, key, { limit: 5, windowMs: HOUR_MS, now })),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
      assert.ok(results.filter((r) => r.status === 'rejected').every((r) => r.reason instanceof Error && 'code' in r.reason && r.reason.code === 'rate_limited'));
      const later = new Date(now.getTime() + HOUR_MS);
      await consumeThrottle(t.ctx.db, key, { limit: 5, windowMs: HOUR_MS, now: later });
      const laterWindow = new Date(Math.floor(later.getTime() / HOUR_MS) * HOUR_MS);
      assert.equal((await purgeThrottles(t.ctx.db, new Date(0))).deleted, 0);

      // The nightly job deletes what is older than the longest window (a day).
      t.clock.set(new Date(laterWindow.getTime() + DAY_MS - MINUTE_MS));
      await t.ctx.db.transaction().execute((trx) => enqueueJob(trx, { type: THROTTLE_PURGE_JOB_TYPE, payload: {} }, t.clock.now()));
      const run = await runJobsUntilIdle(t.ctx, createJobRegistry([...APP_JOBS.filter((j) => j.type !== THROTTLE_PURGE_JOB_TYPE), throttlePurgeJob]));
      assert.equal(run.dead, 0);
      const left = await t.ctx.db.selectFrom('throttle_counters').select('count').where('key', '=', key).execute();
      assert.deepEqual(left.map((r) => r.count), [1], 'the window of `later` stays, the first one is gone');
    });

    test('verification attempts from one client address are limited, right or wrong', async () => {
      const r = await submitRequest(t);
      const ip = randomIp();
      for (let i = 0; i < VERIFICATIONS_PER_ADDRESS.limit; i++) {
        // Spread over requests so that the per-code attempt limit is not what stops them.
        const res = await postVerificationCode(t, i % 2 === 0 ? r.id : 'req_unknownrequest1', '999999', ip);
        assert.ok(res.statusCode === 422 || res.statusCode === 404 || res.statusCode === 410, res.body);
      }
      const code = await latestVerificationCode(t, r.id);
      const blocked = await postVerificationCode(t, r.id, code, ip);
      assert.equal(blocked.statusCode, 429);
      assert.equal(errorOf(blocked).code, 'rate_limited');
      assert.equal((await publicStatus(t, r.id, r.trackingToken)).status, 'received');
    });
  });
}
