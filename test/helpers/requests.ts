// Requests made the way a person makes them: a multipart POST to the public API with sample
// documents, the verification code read from the mail Madoguchi sent (in tests there is no
// SMTP server, so the send job holds the message in the development mailbox), and the code
// entered through the public route. Each submission comes from its own client address and
// email address unless the test fixes them, so the public rate limits never join two tests.
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { SYSTEM_ACTOR } from '../../src/domains/audit/audit.actions.ts';
import { getMailboxMessage } from '../../src/domains/mail/mail.service.ts';
import type { MailboxMessage } from '../../src/domains/mail/mail.types.ts';
import type { DeliveryMethod, DocumentRole, RequesterKind, RequestType } from '../../src/domains/requests/request.ts';
import { createAppJobRegistry } from '../../src/jobs/app-jobs.ts';
import { runJobsUntilIdle } from '../../src/jobs/worker.ts';
import type { TestApp } from './app.ts';
import { multipartBody, sampleJpeg, type MultipartPart } from './documents.ts';

export interface SampleDocument {
  role: DocumentRole;
  /** A document code of the organisation's settings, e.g. drivers_license. */
  type: string;
  /** The file; a sample JPEG when left out. */
  data?: Buffer;
  filename?: string;
  /** The content type the client claims (Madoguchi looks at the bytes, not at this). */
  contentType?: string;
}

export interface SubmissionOverrides {
  type?: RequestType;
  requesterKind?: RequesterKind;
  language?: 'ja' | 'en';
  delivery?: DeliveryMethod;
  /** The contact address (random by default). */
  email?: string;
  /** Replaces the default documents for the requester kind. */
  documents?: SampleDocument[];
  /** Sends these file parts instead of one per declared document (to test mismatches). */
  files?: Array<{ data: Buffer; filename?: string; contentType?: string }>;
  /** Changes the `request` JSON after the defaults are applied (for bad-input tests). */
  edit?: (submission: Record<string, unknown>) => void;
  /** Sends this text as the `request` part instead of the JSON (for malformed input). */
  rawRequest?: string;
  /** The client address (random by default). */
  ip?: string;
  acceptLanguage?: string;
}

export interface SubmittedRequest {
  id: string;
  reference: string;
  trackingToken: string;
  /** The contact address the submission used. */
  email: string;
  res: LightMyRequestResponse;
}

/** A random client address in 10.0.0.0/8. */
export function randomIp(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

export function randomEmail(): string {
  return `requester-${randomBytes(5).toString('hex')}@example.test`;
}

function defaultDocuments(kind: RequesterKind): SampleDocument[] {
  switch (kind) {
    case 'principal':
      return [{ role: 'principal_identity', type: 'drivers_license' }];
    case 'statutory_agent':
      return [
        { role: 'principal_identity', type: 'drivers_license' },
        { role: 'agent_identity', type: 'drivers_license' },
        { role: 'agent_authority', type: 'family_register' },
      ];
    case 'appointed_agent':
      return [
        { role: 'principal_identity', type: 'drivers_license' },
        { role: 'agent_identity', type: 'passport' },
        { role: 'agent_authority', type: 'power_of_attorney' },
        { role: 'agent_authority', type: 'principal_seal_certificate' },
      ];
  }
}

/** The `request` JSON a form would send, before `edit`. */
export function sampleSubmission(overrides: SubmissionOverrides = {}, email = overrides.email ?? randomEmail()): Record<string, unknown> {
  const type = overrides.type ?? 'disclosure';
  const kind = overrides.requesterKind ?? 'principal';
  const documents = overrides.documents ?? defaultDocuments(kind);
  const submission: Record<string, unknown> = {
    type,
    language: overrides.language ?? 'ja',
    requester: {
      kind,
      ...(kind === 'principal'
        ? {}
        : {
            agent: {
              name: '山田 花子',
              address: { postalCode: '105-0022', text: '東京都港区海岸1-2-3' },
              relationship: kind === 'statutory_agent' ? '親権者' : '弁護士',
            },
          }),
    },
    person: {
      name: '山田 太郎',
      nameKana: 'ヤマダ タロウ',
      address: { postalCode: '105-0022', text: '東京都港区海岸1-2-3' },
      dateOfBirth: '1985-04-12',
      email,
    },
    contact: { email },
    concerns: {
      description: 'オンラインストアの会員アカウントに関して保有している個人データ一式',
      ...(type === 'correction' ? { correction: { current: '住所が旧住所のまま', requested: '東京都港区海岸1-2-3 に訂正' } } : {}),
      ...(type === 'suspension' || type === 'stop_provision' ? { grounds: '利用目的の範囲を超えて利用されているため' } : {}),
    },
    delivery: { method: overrides.delivery ?? 'electronic' },
    documents: documents.map((d) => ({ role: d.role, type: d.type })),
  };
  overrides.edit?.(submission);
  return submission;
}

/** The multipart body of a submission. */
export function submissionBody(overrides: SubmissionOverrides = {}, email?: string): ReturnType<typeof multipartBody> {
  const documents = overrides.documents ?? defaultDocuments(overrides.requesterKind ?? 'principal');
  const files =
    overrides.files ??
    documents.map((d) => ({ data: d.data ?? sampleJpeg(), filename: d.filename ?? `${d.type}.jpg`, contentType: d.contentType ?? 'image/jpeg' }));
  const parts: MultipartPart[] = [{ name: 'request', value: overrides.rawRequest ?? JSON.stringify(sampleSubmission(overrides, email)) }];
  files.forEach((f, i) =>
    parts.push({ name: 'documents', filename: f.filename ?? `document-${i + 1}.jpg`, contentType: f.contentType ?? 'image/jpeg', data: f.data }),
  );
  return multipartBody(parts);
}

/** POSTs a submission and returns the raw answer (for tests of refusals). */
export async function postRequest(t: TestApp, overrides: SubmissionOverrides = {}): Promise<{ res: LightMyRequestResponse; email: string }> {
  const email = overrides.email ?? randomEmail();
  const body = submissionBody(overrides, email);
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/public/requests',
    remoteAddress: overrides.ip ?? randomIp(),
    headers: { ...body.headers, ...(overrides.acceptLanguage ? { 'accept-language': overrides.acceptLanguage } : {}) },
    payload: body.payload,
  });
  return { res, email };
}

export function bearer(trackingToken: string): { authorization: string } {
  return { authorization: `Bearer ${trackingToken}` };
}

/** GET /api/public/requests/{id} with the tracking token; asserts 200 and returns the body. */
export async function publicStatus(t: TestApp, id: string, trackingToken: string): Promise<Record<string, unknown> & { status: string; reference: string }> {
  const res = await t.app.inject({ method: 'GET', url: `/api/public/requests/${id}`, headers: bearer(trackingToken), remoteAddress: randomIp() });
  assert.equal(res.statusCode, 200, `status page failed: ${res.body}`);
  return res.json();
}

/** Submits a request over HTTP (a disclosure by the person with a driving-licence JPEG unless
 * `overrides` say otherwise); asserts 201. */
export async function submitRequest(t: TestApp, overrides: SubmissionOverrides = {}): Promise<SubmittedRequest> {
  const { res, email } = await postRequest(t, overrides);
  assert.equal(res.statusCode, 201, `submission failed: ${res.body}`);
  const body = res.json() as { id: string; reference: string; status: string; trackingToken: string };
  return { id: body.id, reference: body.reference, trackingToken: body.trackingToken, email, res };
}

/** POST /api/public/requests/{id}/documents with the tracking token (raw answer). */
export async function postDocuments(
  t: TestApp,
  id: string,
  trackingToken: string,
  documents: SampleDocument[],
  options: { ip?: string; files?: Array<{ data: Buffer; filename?: string; contentType?: string }> } = {},
): Promise<LightMyRequestResponse> {
  const files = options.files ?? documents.map((d) => ({ data: d.data ?? sampleJpeg(), filename: d.filename ?? `${d.type}.jpg`, contentType: d.contentType ?? 'image/jpeg' }));
  const body = multipartBody([
    { name: 'documents', value: JSON.stringify(documents.map((d) => ({ role: d.role, type: d.type }))) },
    ...files.map((f, i) => ({ name: 'files', filename: f.filename ?? `file-${i + 1}.jpg`, contentType: f.contentType ?? 'image/jpeg', data: f.data })),
  ]);
  return t.app.inject({
    method: 'POST',
    url: `/api/public/requests/${id}/documents`,
    remoteAddress: options.ip ?? randomIp(),
    headers: { ...body.headers, ...bearer(trackingToken) },
    payload: body.payload,
  });
}

/** Runs due jobs (as the worker would) and returns the newest mail of `template` about the
 * request, read through the development mailbox. */
export async function latestRequestMail(t: TestApp, requestId: string, template: string): Promise<MailboxMessage> {
  await runJobsUntilIdle(t.ctx, createAppJobRegistry());
  const row = await t.ctx.db
    .selectFrom('outbox')
    .select('id')
    .where('related_type', '=', 'request')
    .where('related_id', '=', requestId)
    .where('template', '=', template)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  assert.ok(row, `no ${template} mail for request ${requestId}`);
  return (await getMailboxMessage(t.ctx, { actor: SYSTEM_ACTOR }, row.id)).message;
}

/** The six-digit code of the newest verification mail of a request. */
export async function latestVerificationCode(t: TestApp, requestId: string): Promise<string> {
  const mail = await latestRequestMail(t, requestId, 'request.verify_email');
  const code = /[?&]code=(\d{6})\b/.exec(mail.text ?? '')?.[1];
  assert.ok(code, 'the verification mail carries a six-digit code in its link');
  return code;
}

/** POSTs a verification code (raw answer). */
export async function postVerificationCode(t: TestApp, id: string, code: string, ip = randomIp()): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'POST', url: `/api/public/requests/${id}/email-verification`, payload: { code }, remoteAddress: ip });
}

/** Submits and verifies the email address: the request waits in identity_review. */
export async function submitVerifiedRequest(t: TestApp, overrides: SubmissionOverrides = {}): Promise<Omit<SubmittedRequest, 'res'>> {
  const submitted = await submitRequest(t, overrides);
  const code = await latestVerificationCode(t, submitted.id);
  const res = await postVerificationCode(t, submitted.id, code);
  assert.equal(res.statusCode, 200, `verification failed: ${res.body}`);
  assert.equal((res.json() as { status: string }).status, 'identity_review');
  return { id: submitted.id, reference: submitted.reference, trackingToken: submitted.trackingToken, email: submitted.email };
}
