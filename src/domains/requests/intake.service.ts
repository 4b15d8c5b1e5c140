// The public side of the request desk, as use cases: a person (or their agent) submits a
// request with identity documents, proves the email address with a one-time code, follows
// the request with the tracking token, sends further documents when asked, or withdraws it.
// Everything that can be refused is checked before anything is written; then one
// transaction stores the request, its documents, the timeline, the audit entry and the mail.
// The tracking token and the code are never stored in clear, and a token opens only its own
// request (any mismatch is `not_found`, exactly as for an id that does not exist).
import { randomInt } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import { HOUR_MS, DAY_MS, MINUTE_MS } from '../../lib/clock.ts';
import { AppError, type Language } from '../../lib/errors.ts';
import { hashToken, newId, newSecretToken, safeEqual } from '../../lib/ids.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { getRequestSettings } from '../organization/organization.service.ts';
import { FEE_ELIGIBLE_REQUEST_TYPES, type BankTransfer } from '../organization/request-settings.ts';
import { assertDeclaredDocuments, countLiveDocuments, storeDocument } from './documents.service.ts';
import { initialClock } from './request-state.rules.ts';
import {
  SUBJECT_BLOB_KIND,
  addEvent,
  emailRequester,
  findRequest,
  lockRequest,
  lookupHash,
  newReference,
  publicUrl,
  readEventText,
  requestActor,
  transition,
  type RequestRow,
} from './request.core.ts';
import {
  MAX_DOCUMENTS_PER_REQUEST,
  type DocumentRole,
  type RequestStatus,
  type RequestSubject,
  type RequestSubmission,
  type RequestType,
} from './request.ts';
import { consumeThrottle, type ThrottleLimit } from './throttle.ts';
import { checkUpload, type UploadCheck } from './upload-check.ts';

/** Requests one client address may submit per hour. */
export const SUBMISSIONS_PER_ADDRESS: ThrottleLimit = { limit: 5, windowMs: HOUR_MS };
/** Requests one email address may be used for per day. */
export const SUBMISSIONS_PER_EMAIL: ThrottleLimit = { limit: 3, windowMs: DAY_MS };
/** Verification attempts (right or wrong, any request) from one client address per hour. */
export const VERIFICATIONS_PER_ADDRESS: ThrottleLimit = { limit: 30, windowMs: HOUR_MS };
export const VERIFICATION_CODE_TTL_MS = 30 * MINUTE_MS;
/** Wrong codes allowed for one code before it is spent. */
export const VERIFICATION_MAX_ATTEMPTS = 5;
/** Codes sent per request, the first included. */
export const VERIFICATION_MAX_SENDS = 3;
/** Longest throttle window: older counters can go. */
export const LONGEST_THROTTLE_WINDOW_MS = DAY_MS;

/** Statuses in which the requester may send further documents. */
const DOCUMENT_STATUSES: readonly RequestStatus[] = ['identity_review', 'awaiting_documents'];

type Ctx = AppContext;

export interface RequestMeta {
  /** The client address, for the per-address limits (hashed before it is stored). */
  ip: string;
  /** The HTTP request id, for the audit entries. */
  requestId?: string | null;
}

export interface DeclaredDocument {
  role: DocumentRole;
  type: string;
}

// ---------------------------------------------------------------------------------------

function newVerificationCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

async function codeHash(db: Db, ctx: Ctx, requestId: string, code: string): Promise<string> {
  return lookupHash(db, ctx, 'code', `${requestId}:${code}`);
}

function verifyUrl(ctx: Ctx, id: string, code: string): string {
  return publicUrl(ctx, `/requests/${encodeURIComponent(id)}/verify?code=${code}`);
}

function statusUrl(ctx: Ctx, id: string): string {
  return publicUrl(ctx, `/requests/${encodeURIComponent(id)}`);
}

/** Content checks of every file, in order; the first refusal names its file (`documents.N`). */
function checkFiles(files: readonly Buffer[]): UploadCheck[] {
  return files.map((bytes, i) => checkUpload(bytes, `documents.${i}`));
}

function assertFilesMatchDeclared(files: readonly Buffer[], declared: readonly DeclaredDocument[], declaredPath: string): void {
  if (files.length > MAX_DOCUMENTS_PER_REQUEST || declared.length > MAX_DOCUMENTS_PER_REQUEST) {
    throw new AppError('too_many_documents', {
      details: [{ path: 'documents', reason: 'too_many', message: `at most ${MAX_DOCUMENTS_PER_REQUEST} documents per request` }],
    });
  }
  if (files.length !== declared.length) {
    throw new AppError('validation_failed', {
      details: [
        {
          path: declaredPath,
          reason: 'count_mismatch',
          message: `${declared.length} documents declared but ${files.length} files sent; declare each file, in order`,
        },
      ],
    });
  }
}

/** The request behind `id` if `trackingToken` is its token; `not_found` otherwise. */
async function authorizedRequest(db: Db, id: string, trackingToken: string): Promise<RequestRow> {
  const row = await findRequest(db, id);
  // Hash and compare even when the id is unknown, so timing does not tell the two apart.
  const given = hashToken(trackingToken);
  if (!safeEqual(given, row?.tracking_token_hash ?? hashToken(`absent:${id}`)) || !row) throw new AppError('not_found');
  return row;
}

// ---------------------------------------------------------------------------------------
// Submission

export interface SubmitRequestInput extends RequestMeta {
  submission: RequestSubmission;
  /** The file parts, in the order of `submission.documents`. */
  files: Buffer[];
}

export interface SubmittedRequest {
  id: string;
  reference: string;
  status: RequestStatus;
  /** Shown once: only its hash is kept. */
  trackingToken: string;
}

export async function submitRequest(ctx: Ctx, input: SubmitRequestInput): Promise<SubmittedRequest> {
  const { submission, files } = input;
  assertFilesMatchDeclared(files, submission.documents, 'request.documents');
  const checks = checkFiles(files);
  const settings = await getRequestSettings(ctx.db);
  assertDeclaredDocuments(settings, submission.requester.kind, submission.documents);

  // Keyed hashes first, outside the transaction: the first one ever creates the hash key,
  // which must not vanish with a rolled-back submission.
  const emailLookup = await lookupHash(ctx.db, ctx, 'email', submission.contact.email);
  const nameLookup = await lookupHash(ctx.db, ctx, 'name', submission.person.name);
  const addressKey = await lookupHash(ctx.db, ctx, 'ip', input.ip);

  const id = newId('req');
  const trackingToken = newSecretToken('mdgr');
  const code = newVerificationCode();
  const codeDigest = await codeHash(ctx.db, ctx, id, code);

  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    // Counted in the transaction: a refused submission does not use up the allowance.
    await consumeThrottle(trx, `submit:ip:${addressKey}`, { ...SUBMISSIONS_PER_ADDRESS, now });
    await consumeThrottle(trx, `submit:email:${emailLookup}`, { ...SUBMISSIONS_PER_EMAIL, now });

    const subject: RequestSubject = {
      person: submission.person,
      agent: submission.requester.agent ?? null,
      contact: submission.contact,
      concerns: submission.concerns,
    };
    const subjectBlob = await ctx.vault.storeJson(trx, { kind: SUBJECT_BLOB_KIND, value: subject, now });
    const clock = initialClock(now, settings.deadlines);
    const expiresAt = new Date(now.getTime() + VERIFICATION_CODE_TTL_MS);
    const row = await trx
      .insertInto('requests')
      .values({
        id,
        reference: newReference(now),
        type: submission.type,
        status: 'received',
        language: submission.language,
        requester_kind: submission.requester.kind,
        delivery_method: submission.delivery.method,
        subject_blob_id: subjectBlob.id,
        email_lookup: emailLookup,
        name_lookup: nameLookup,
        tracking_token_hash: hashToken(trackingToken),
        verification_code_hash: codeDigest,
        verification_expires_at: expiresAt,
        received_at: now,
        due_at: clock.dueAt,
        escalation_at: clock.escalationAt,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();

    for (const [i, declared] of submission.documents.entries()) {
      const bytes = files[i];
      const checked = checks[i];
      if (!bytes || !checked) throw new Error('files and checks must line up with the declared documents');
      await storeDocument(trx, ctx, { requestId: id, role: declared.role, documentType: declared.type, bytes, uploadedBy: 'requester', checked });
    }

    const actor = requestActor(id);
    const details = { type: submission.type, requesterKind: submission.requester.kind, documentCount: files.length, deliveryMethod: submission.delivery.method };
    await addEvent(trx, ctx, id, { kind: 'submitted', actor, toStatus: 'received', data: details, visibleToRequester: true });
    await emailRequester(trx, ctx, row, 'request.verify_email', { reference: row.reference, code, verifyUrl: verifyUrl(ctx, id, code), expiresAt }, actor);
    // Audit last: appending locks the chain head until commit, so the encryption and inserts
    // above run before concurrent submissions queue on that lock.
    await appendAudit(trx, {
      action: 'request.submitted',
      actor,
      target: { type: 'request', id },
      requestId: input.requestId ?? null,
      details,
      at: now,
    });
    return { id, reference: row.reference, status: 'received' as const, trackingToken };
  });
}

// ---------------------------------------------------------------------------------------
// Email verification

export interface VerifyResult {
  id: string;
  status: RequestStatus;
  /** True when the address had been verified before this call. */
  alreadyVerified: boolean;
}

type VerifyOutcome = { kind: 'verified'; result: VerifyResult } | { kind: 'invalid'; attemptsLeft: number } | { kind: 'expired' };

/** `meta.ip` is the public client; a caller inside the system (a command) leaves it out and
 * is not limited per address. */
export async function verifyEmail(ctx: Ctx, id: string, code: string, meta: Partial<RequestMeta> = {}): Promise<VerifyResult> {
  if (meta.ip !== undefined) {
    // Counted on its own so wrong guesses count even though they end in an error.
    const addressKey = await lookupHash(ctx.db, ctx, 'ip', meta.ip);
    await consumeThrottle(ctx.db, `verify:ip:${addressKey}`, { ...VERIFICATIONS_PER_ADDRESS, now: ctx.clock.now() });
  }
  const digest = await codeHash(ctx.db, ctx, id, code);

  const outcome = await ctx.db.transaction().execute(async (trx): Promise<VerifyOutcome> => {
    const now = ctx.clock.now();
    const row = await lockRequest(trx, id);
    const actor = requestActor(id);
    if (row.email_verified_at) {
      return { kind: 'verified', result: { id, status: row.status as RequestStatus, alreadyVerified: true } };
    }
    if (
      !row.verification_code_hash ||
      !row.verification_expires_at ||
      row.verification_expires_at.getTime() <= now.getTime() ||
      row.verification_attempts >= VERIFICATION_MAX_ATTEMPTS
    ) {
      return { kind: 'expired' };
    }
    if (!safeEqual(digest, row.verification_code_hash)) {
      const attempts = row.verification_attempts + 1;
      await trx.updateTable('requests').set({ verification_attempts: attempts, updated_at: now }).where('id', '=', id).execute();
      await appendAudit(trx, {
        action: 'request.verification_failed',
        actor,
        target: { type: 'request', id },
        requestId: meta.requestId ?? null,
        details: { attempts, maxAttempts: VERIFICATION_MAX_ATTEMPTS },
        at: now,
      });
      return { kind: 'invalid', attemptsLeft: VERIFICATION_MAX_ATTEMPTS - attempts };
    }
    const updated = await transition(trx, ctx, row, {
      event: 'verify_email',
      actor,
      requestId: meta.requestId ?? null,
      patch: { email_verified_at: now, verification_code_hash: null, verification_expires_at: null },
    });
    await appendAudit(trx, {
      action: 'request.email_verified',
      actor,
      target: { type: 'request', id },
      requestId: meta.requestId ?? null,
      details: { attempts: row.verification_attempts + 1 },
      at: now,
    });
    const settings = await getRequestSettings(trx);
    const type = updated.type as RequestType;
    await emailRequester(
      trx,
      ctx,
      updated,
      'request.acknowledged',
      {
        reference: updated.reference,
        requestType: type,
        dueAt: updated.due_at,
        statusUrl: statusUrl(ctx, id),
        feeApplies: FEE_ELIGIBLE_REQUEST_TYPES.includes(type) && settings.fees.perRequest[type] > 0,
      },
      actor,
    );
    return { kind: 'verified', result: { id, status: updated.status as RequestStatus, alreadyVerified: false } };
  });

  switch (outcome.kind) {
    case 'verified':
      return outcome.result;
    case 'invalid':
      throw new AppError('verification_code_invalid', {
        details: [{ path: 'body.code', reason: 'wrong_code', message: `${outcome.attemptsLeft} attempts left` }],
      });
    case 'expired':
      throw new AppError('verification_code_expired', { details: [{ path: 'body.code', reason: 'expired_or_spent' }] });
  }
}

/** A new code for a request whose address is not verified yet (the old code stops working). */
export async function resendVerification(ctx: Ctx, id: string, trackingToken: string): Promise<{ id: string; status: RequestStatus; expiresAt: Date; sendsLeft: number }> {
  await authorizedRequest(ctx.db, id, trackingToken);
  const code = newVerificationCode();
  const digest = await codeHash(ctx.db, ctx, id, code);
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const row = await lockRequest(trx, id);
    if (row.email_verified_at || row.status !== 'received') {
      throw new AppError('invalid_transition', {
        details: [{ reason: 'already_verified', message: 'the email address of this request needs no further code' }],
      });
    }
    if (row.verification_sends >= VERIFICATION_MAX_SENDS) {
      throw new AppError('rate_limited', {
        details: [{ reason: 'codes_exhausted', message: `at most ${VERIFICATION_MAX_SENDS} codes are sent for one request` }],
      });
    }
    const expiresAt = new Date(now.getTime() + VERIFICATION_CODE_TTL_MS);
    const sends = row.verification_sends + 1;
    const updated = await trx
      .updateTable('requests')
      .set({ verification_code_hash: digest, verification_expires_at: expiresAt, verification_attempts: 0, verification_sends: sends, updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const actor = requestActor(id);
    await addEvent(trx, ctx, id, { kind: 'verification_resent', actor, data: { sends } });
    await emailRequester(trx, ctx, updated, 'request.verify_email', { reference: updated.reference, code, verifyUrl: verifyUrl(ctx, id, code), expiresAt }, actor);
    return { id, status: updated.status as RequestStatus, expiresAt, sendsLeft: VERIFICATION_MAX_SENDS - sends };
  });
}

// ---------------------------------------------------------------------------------------
// The status page

export type NextStep =
  | { action: 'verify_email' }
  | { action: 'send_documents'; message: string | null; dueAt: Date | null }
  | { action: 'pay_fee'; amountYen: number; bankTransfer: PublicBankTransfer | null; dueAt: Date | null }
  | { action: 'wait' }
  | { action: 'download' }
  | { action: 'none' };

export interface PublicBankTransfer {
  bankName: string;
  branchName: string;
  accountType: BankTransfer['accountType'];
  accountNumber: string;
  accountHolder: string;
}

export interface PublicStatus {
  id: string;
  reference: string;
  type: RequestType;
  status: RequestStatus;
  language: Language;
  receivedAt: Date;
  /** The answer target date; it moves on while the clock is paused. */
  dueAt: Date;
  clockPaused: boolean;
  emailVerified: boolean;
  completedAt: Date | null;
  closedReason: string | null;
  next: NextStep;
  messages: { at: Date; text: string }[];
  timeline: { at: Date; status: RequestStatus }[];
  deliveries: { method: 'electronic' | 'paper'; createdAt: Date; expiresAt: Date | null; downloadsLeft: number | null; active: boolean }[];
  canAddDocuments: boolean;
  canWithdraw: boolean;
}

function localBank(bank: BankTransfer | null, language: Language): PublicBankTransfer | null {
  if (!bank) return null;
  return {
    bankName: bank.bankName[language],
    branchName: bank.branchName[language],
    accountType: bank.accountType,
    accountNumber: bank.accountNumber,
    accountHolder: bank.accountHolder[language],
  };
}

export async function getPublicStatus(ctx: Ctx, id: string, trackingToken: string): Promise<PublicStatus> {
  const row = await authorizedRequest(ctx.db, id, trackingToken);
  const now = ctx.clock.now();
  const status = row.status as RequestStatus;
  const language = row.language;

  const events = await ctx.db
    .selectFrom('request_events')
    .select(['kind', 'to_status', 'text_blob_id', 'at', 'seq'])
    .where('request_id', '=', id)
    .where('visible_to_requester', '=', true)
    .orderBy('seq', 'asc')
    .execute();
  const messages: PublicStatus['messages'] = [];
  let lastDocumentsMessage: string | null = null;
  for (const e of events) {
    const text = await readEventText(ctx.db, ctx, e.text_blob_id);
    if (text === null) continue;
    messages.push({ at: e.at, text });
    if (e.to_status === 'awaiting_documents') lastDocumentsMessage = text;
  }
  const timeline = events.filter((e) => e.to_status !== null).map((e) => ({ at: e.at, status: e.to_status as RequestStatus }));

  const deliveryRows = await ctx.db
    .selectFrom('request_deliveries')
    .select(['method', 'created_at', 'expires_at', 'max_downloads', 'downloads'])
    .where('request_id', '=', id)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'asc')
    .execute();
  const deliveries = deliveryRows.map((d) => {
    const electronic = d.method === 'electronic';
    const downloadsLeft = electronic ? Math.max(0, d.max_downloads - d.downloads) : null;
    const active = electronic && downloadsLeft !== null && downloadsLeft > 0 && (d.expires_at === null || d.expires_at.getTime() > now.getTime());
    return { method: d.method, createdAt: d.created_at, expiresAt: d.expires_at, downloadsLeft, active };
  });

  let next: NextStep;
  switch (status) {
    case 'received':
      next = { action: 'verify_email' };
      break;
    case 'awaiting_documents':
      next = { action: 'send_documents', message: lastDocumentsMessage, dueAt: row.reply_due_at };
      break;
    case 'awaiting_fee': {
      const settings = await getRequestSettings(ctx.db);
      next = {
        action: 'pay_fee',
        amountYen: (row.fee_yen ?? 0) + row.fee_extra_yen,
        bankTransfer: localBank(settings.fees.bankTransfer, language),
        dueAt: row.reply_due_at,
      };
      break;
    }
    case 'identity_review':
    case 'in_progress':
    case 'in_review':
      next = { action: 'wait' };
      break;
    case 'completed':
      next = deliveries.some((d) => d.active) ? { action: 'download' } : { action: 'none' };
      break;
    case 'closed':
    case 'withdrawn':
      next = { action: 'none' };
      break;
  }

  return {
    id: row.id,
    reference: row.reference,
    type: row.type as RequestType,
    status,
    language,
    receivedAt: row.received_at,
    dueAt: row.due_at,
    clockPaused: row.paused_at !== null,
    emailVerified: row.email_verified_at !== null,
    completedAt: row.completed_at,
    closedReason: row.closed_reason,
    next,
    messages,
    timeline,
    deliveries,
    canAddDocuments: DOCUMENT_STATUSES.includes(status),
    canWithdraw: !['completed', 'closed', 'withdrawn'].includes(status),
  };
}

// ---------------------------------------------------------------------------------------
// Further documents and withdrawal

export interface AddDocumentsInput extends RequestMeta {
  declared: DeclaredDocument[];
  files: Buffer[];
}

export async function addRequesterDocuments(
  ctx: Ctx,
  id: string,
  trackingToken: string,
  input: AddDocumentsInput,
): Promise<{ id: string; status: RequestStatus; documentCount: number }> {
  const found = await authorizedRequest(ctx.db, id, trackingToken);
  if (input.files.length === 0) {
    throw new AppError('validation_failed', { details: [{ path: 'documents', reason: 'required', message: 'send at least one file' }] });
  }
  assertFilesMatchDeclared(input.files, input.declared, 'documents');
  const checks = checkFiles(input.files);
  const settings = await getRequestSettings(ctx.db);
  assertDeclaredDocuments(settings, found.requester_kind, input.declared, 'documents');

  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const row = await lockRequest(trx, id);
    const status = row.status as RequestStatus;
    if (!DOCUMENT_STATUSES.includes(status)) {
      throw new AppError('invalid_transition', {
        details: [{ reason: 'documents_not_expected', message: `documents are not accepted while the request is "${status}"` }],
      });
    }
    const existing = await countLiveDocuments(trx, id);
    if (existing + input.files.length > MAX_DOCUMENTS_PER_REQUEST) {
      throw new AppError('too_many_documents', {
        details: [
          { path: 'documents', reason: 'too_many', message: `this request already has ${existing} documents; at most ${MAX_DOCUMENTS_PER_REQUEST} in all` },
        ],
      });
    }
    for (const [i, declared] of input.declared.entries()) {
      const bytes = input.files[i];
      const checked = checks[i];
      if (!bytes || !checked) throw new Error('files and checks must line up with the declared documents');
      await storeDocument(trx, ctx, { requestId: id, role: declared.role, documentType: declared.type, bytes, uploadedBy: 'requester', checked });
    }
    const actor = requestActor(id);
    const data = { count: input.files.length, roles: [...new Set(input.declared.map((d) => d.role))] };
    await addEvent(trx, ctx, id, { kind: 'documents_added', actor, data, visibleToRequester: true });
    await appendAudit(trx, {
      action: 'request.documents_added',
      actor,
      target: { type: 'request', id },
      requestId: input.requestId ?? null,
      details: { ...data, uploadedBy: 'requester' },
      at: now,
    });
    const after =
      status === 'awaiting_documents'
        ? await transition(trx, ctx, row, { event: 'documents_received', actor, requestId: input.requestId ?? null, patch: { reply_due_at: null } })
        : row;
    return { id, status: after.status as RequestStatus, documentCount: existing + input.files.length };
  });
}

export async function withdrawRequest(ctx: Ctx, id: string, trackingToken: string, meta: Pick<RequestMeta, 'requestId'> = {}): Promise<{ id: string; status: RequestStatus }> {
  await authorizedRequest(ctx.db, id, trackingToken);
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const row = await lockRequest(trx, id);
    const actor = requestActor(id);
    const from = row.status;
    const updated = await transition(trx, ctx, row, { event: 'withdraw', actor, requestId: meta.requestId ?? null, patch: { reply_due_at: null } });
    await appendAudit(trx, {
      action: 'request.withdrawn',
      actor,
      target: { type: 'request', id },
      requestId: meta.requestId ?? null,
      details: { from },
      at: now,
    });
    // Only a verified address hears from us beyond the code itself.
    if (updated.email_verified_at) {
      await emailRequester(trx, ctx, updated, 'request.withdrawn', { reference: updated.reference, requestType: updated.type as RequestType, withdrawnAt: now }, actor);
    }
    return { id, status: updated.status as RequestStatus };
  });
}
