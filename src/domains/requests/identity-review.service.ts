// Identity review: staff list the documents of a request, open each one (decrypted on demand,
// every opening audited), see how the organisation's acceptance rule judges the documents
// still held, and decide after ticking a checklist that compares the form with the documents:
// verified (then the fee is asked, or work starts), more documents needed (with a message and
// a deadline), or cannot verify (the request closes with the policy's reason). A file that
// shows an Individual Number is destroyed at once (the My Number Act, Art. 20, forbids keeping
// it) and the requester is told why. Staff may also add documents received on paper.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import { AppError, type ErrorDetail } from '../../lib/errors.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { getRequestSettings } from '../organization/organization.service.ts';
import { evaluateIdentityDocuments, type IdentityShortfall, type SubmittedIdentity } from '../organization/request-settings.rules.ts';
import * as repo from './desk.repository.ts';
import { closeWithReason, ZStaffText, type Meta } from './desk.service.ts';
import { feeFor } from './fee.rules.ts';
import { isFinal, nextStatus, type RequestEvent } from './request-state.rules.ts';
import { assertDeclaredDocuments, countLiveDocuments, storeDocument } from './documents.service.ts';
import { addEvent, emailRequester, findRequest, lockRequest, transition, type RequestRow } from './request.core.ts';
import { DOCUMENT_ROLES, MAX_DOCUMENTS_PER_REQUEST, type DocumentRole, type RequestStatus, type RequestType } from './request.ts';
import { checkUpload } from './upload-check.ts';

type Ctx = Pick<AppContext, 'db' | 'vault' | 'clock'>;

const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------
// Documents

export interface DocumentView {
  id: string;
  role: DocumentRole;
  documentType: string;
  contentType: string;
  byteSize: number;
  status: 'received' | 'destroyed' | 'disposed';
  uploadedBy: 'requester' | 'staff';
  uploadedAt: Date;
  destroyedReason: string | null;
  destroyedAt: Date | null;
}

function toDocumentView(d: repo.DocumentRow): DocumentView {
  return {
    id: d.id,
    role: d.role,
    documentType: d.document_type,
    contentType: d.content_type,
    byteSize: d.byte_size,
    status: d.status,
    uploadedBy: d.uploaded_by,
    uploadedAt: d.uploaded_at,
    destroyedReason: d.destroyed_reason,
    destroyedAt: d.destroyed_at,
  };
}

async function requireRequest(db: Db, id: string): Promise<RequestRow> {
  const row = await findRequest(db, id);
  if (!row) throw new AppError('not_found');
  return row;
}

export async function listDocuments(db: Db, requestId: string): Promise<DocumentView[]> {
  await requireRequest(db, requestId);
  return (await repo.listDocumentRows(db, requestId)).map(toDocumentView);
}

/**
 * Decrypts one document for a staff member and records the opening in the audit log, in one
 * transaction: no bytes leave without their audit entry. A destroyed or disposed document is
 * `not_found`.
 */
export async function openDocument(
  ctx: Ctx,
  requestId: string,
  documentId: string,
  actor: Actor,
  meta: Meta = {},
): Promise<{ document: DocumentView; contentType: string; bytes: Buffer }> {
  return ctx.db.transaction().execute(async (trx) => {
    const doc = await repo.findDocumentRow(trx, requestId, documentId);
    if (!doc || doc.status !== 'received' || !doc.blob_id) throw new AppError('not_found');
    const { bytes } = await ctx.vault.read(trx, doc.blob_id);
    await appendAudit(trx, {
      action: 'request.document_opened',
      actor,
      target: { type: 'request', id: requestId },
      requestId: meta.requestId ?? null,
      details: { documentId: doc.id, role: doc.role, documentType: doc.document_type },
      at: ctx.clock.now(),
    });
    return { document: toDocumentView(doc), contentType: doc.content_type, bytes };
  });
}

export const ZStaffDocument = z.strictObject({
  role: z.enum(DOCUMENT_ROLES),
  /** A code from the organisation's identity-document settings (any code for role "other"). */
  type: z.string().regex(/^[a-z][a-z0-9_]{0,47}$/, 'a document code such as drivers_license'),
});

/**
 * A document that reached the office on paper (or by another channel), scanned and added by
 * staff: checked by content like a requester's upload. Documents a request was waiting for
 * send it back to identity review.
 */
export async function uploadStaffDocument(
  ctx: Ctx,
  requestId: string,
  input: z.infer<typeof ZStaffDocument> & { bytes: Buffer },
  actor: Actor,
  meta: Meta = {},
): Promise<{ document: DocumentView; status: RequestStatus }> {
  const declared = ZStaffDocument.parse({ role: input.role, type: input.type });
  const checked = checkUpload(input.bytes, 'document');
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const row = await lockRequest(trx, requestId);
    if (isFinal(row.status as RequestStatus)) {
      throw new AppError('invalid_transition', {
        details: [{ reason: 'documents_not_expected', message: `documents are not accepted once the request is "${row.status}"` }],
      });
    }
    assertDeclaredDocuments(await getRequestSettings(trx), row.requester_kind, [declared], 'body');
    const existing = await countLiveDocuments(trx, requestId);
    if (existing + 1 > MAX_DOCUMENTS_PER_REQUEST) {
      throw new AppError('too_many_documents', {
        details: [{ path: 'document', reason: 'too_many', message: `this request already has ${existing} documents; at most ${MAX_DOCUMENTS_PER_REQUEST} in all` }],
      });
    }
    const stored = await storeDocument(trx, ctx, { requestId, role: declared.role, documentType: declared.type, bytes: input.bytes, uploadedBy: 'staff', checked });
    const data = { count: 1, roles: [declared.role], documentIds: [stored.id] };
    await addEvent(trx, ctx, requestId, { kind: 'documents_added', actor, data, visibleToRequester: true });
    await appendAudit(trx, {
      action: 'request.documents_added',
      actor,
      target: { type: 'request', id: requestId },
      requestId: meta.requestId ?? null,
      details: { ...data, uploadedBy: 'staff', documentType: declared.type },
      at: now,
    });
    const after =
      row.status === 'awaiting_documents'
        ? await transition(trx, ctx, row, { event: 'documents_received', actor, patch: { reply_due_at: null }, requestId: meta.requestId ?? null })
        : row;
    const doc = await repo.findDocumentRow(trx, requestId, stored.id);
    if (!doc) throw new AppError('not_found');
    return { document: toDocumentView(doc), status: after.status as RequestStatus };
  });
}

// ---------------------------------------------------------------------------------------
// The acceptance rule

export interface IdentityEvaluation {
  accepted: boolean;
  shortfalls: IdentityShortfall[];
  /** The codes of the documents still held (not destroyed or disposed), by role. */
  documents: Record<DocumentRole, string[]>;
}

function submittedIdentity(row: Pick<RequestRow, 'requester_kind'>, documents: Record<DocumentRole, string[]>): SubmittedIdentity {
  if (row.requester_kind === 'principal') return { documents: documents.principal_identity };
  return {
    documents: documents.principal_identity,
    agent: {
      kind: row.requester_kind === 'statutory_agent' ? 'statutory' : 'appointed',
      authorityDocuments: documents.agent_authority,
      identityDocuments: documents.agent_identity,
    },
  };
}

async function evaluateRow(db: Db, row: RequestRow): Promise<IdentityEvaluation> {
  const documents: Record<DocumentRole, string[]> = { principal_identity: [], agent_identity: [], agent_authority: [], other: [] };
  for (const d of await repo.listDocumentRows(db, row.id)) {
    if (d.status === 'received') documents[d.role].push(d.document_type);
  }
  const settings = await getRequestSettings(db);
  const result = evaluateIdentityDocuments(settings.identity, submittedIdentity(row, documents));
  return { accepted: result.accepted, shortfalls: result.shortfalls, documents };
}

/** How the organisation's rule judges the documents of the request that are still held. */
export async function evaluateDocuments(db: Db, requestId: string): Promise<IdentityEvaluation> {
  return evaluateRow(db, await requireRequest(db, requestId));
}

// ---------------------------------------------------------------------------------------
// The decision

export const CHECK_RESULTS = ['match', 'mismatch', 'not_shown'] as const;
const ZCheckResult = z.enum(CHECK_RESULTS);

export const ZIdentityCheck = z.strictObject({
  /** The form compared with the documents. */
  checklist: z.strictObject({ name: ZCheckResult, address: ZCheckResult, dateOfBirth: ZCheckResult }),
  decision: z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('verified'),
      /** Needed (and kept internal) when the rule finds documents missing or the checklist a mismatch. */
      overrideReason: ZStaffText.optional(),
    }),
    z.strictObject({
      kind: z.literal('more_documents'),
      /** What to send; shown to the requester and emailed. */
      message: ZStaffText,
      /** Days to reply; the settings' replyDays when absent. */
      dueDays: z.number().int().min(1).max(90).optional(),
    }),
    z.strictObject({
      kind: z.literal('cannot_verify'),
      reason: z.enum(['identity_unconfirmed', 'agent_authority_unconfirmed']),
      /** Shown to the requester and emailed with the reason. */
      message: ZStaffText.optional(),
    }),
  ]),
});
export type TIdentityCheck = z.infer<typeof ZIdentityCheck>;

function eventOf(decision: TIdentityCheck['decision']): RequestEvent {
  switch (decision.kind) {
    case 'verified':
      return 'identity_verified';
    case 'more_documents':
      return 'request_documents';
    case 'cannot_verify':
      return 'identity_rejected';
  }
}

/** Why "verified" needs an override: what the rule found missing and what did not match. */
function overrideGrounds(evaluation: IdentityEvaluation, checklist: TIdentityCheck['checklist']): ErrorDetail[] {
  const grounds: ErrorDetail[] = evaluation.shortfalls.map((s) => ({
    path: 'decision.overrideReason',
    reason: `missing_${s.reason}`,
    message: 'the acceptance rule finds documents missing; give an override reason to verify anyway',
  }));
  for (const [field, result] of Object.entries(checklist)) {
    if (result === 'mismatch') {
      grounds.push({ path: `checklist.${field}`, reason: 'mismatch', message: 'a mismatch needs an override reason to verify anyway' });
    }
  }
  return grounds;
}

export interface IdentityCheckResult {
  request: RequestRow;
  /** The fee asked, when one applies. */
  feeYen: number | null;
  overridden: boolean;
}

export async function checkIdentity(ctx: Ctx, requestId: string, input: TIdentityCheck, actor: Actor, meta: Meta = {}): Promise<IdentityCheckResult> {
  const check = ZIdentityCheck.parse(input);
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const row = await lockRequest(trx, requestId);
    // An illegal move is refused before anything else is looked at.
    nextStatus(row.status as RequestStatus, eventOf(check.decision));
    const settings = await getRequestSettings(trx);
    const evaluation = await evaluateRow(trx, row);
    const requestIdMeta = meta.requestId ?? null;
    let updated: RequestRow;
    let feeYen: number | null = null;
    let overridden = false;

    switch (check.decision.kind) {
      case 'verified': {
        const grounds = overrideGrounds(evaluation, check.checklist);
        if (grounds.length > 0 && !check.decision.overrideReason) throw new AppError('validation_failed', { details: grounds });
        overridden = grounds.length > 0;
        if (overridden && check.decision.overrideReason) {
          await addEvent(trx, ctx, requestId, {
            kind: 'identity.override',
            actor,
            data: { shortfalls: evaluation.shortfalls.length, mismatches: grounds.length - evaluation.shortfalls.length },
            text: check.decision.overrideReason,
            visibleToRequester: false,
          });
        }
        const fee = feeFor(settings, { type: row.type as RequestType, deliveryMethod: row.delivery_method }, row.fee_extra_yen);
        const verified = { identity_verified_at: now, identity_verified_by: actor.id };
        if (fee.applies) {
          const replyDueAt = new Date(now.getTime() + settings.deadlines.replyDays * DAY_MS);
          updated = await transition(trx, ctx, row, {
            event: 'identity_verified_fee_due',
            actor,
            data: { feeYen: fee.totalYen },
            patch: { ...verified, fee_yen: fee.totalYen, fee_status: 'pending', reply_due_at: replyDueAt },
            requestId: requestIdMeta,
          });
          feeYen = fee.totalYen;
          await appendAudit(trx, {
            action: 'request.fee_set',
            actor,
            target: { type: 'request', id: requestId },
            requestId: requestIdMeta,
            details: { totalYen: fee.totalYen, baseYen: fee.baseYen, paperYen: fee.paperYen, extraYen: fee.extraYen },
            at: now,
          });
          await emailRequester(
            trx,
            ctx,
            updated,
            'request.fee_required',
            {
              reference: row.reference,
              totalYen: fee.totalYen,
              baseYen: fee.baseYen,
              paperYen: fee.paperYen,
              extraYen: fee.extraYen,
              replyDueAt,
              bankTransfer: settings.fees.bankTransfer,
            },
            actor,
          );
        } else {
          updated = await transition(trx, ctx, row, {
            event: 'identity_verified',
            actor,
            patch: { ...verified, fee_status: 'not_applicable' },
            requestId: requestIdMeta,
          });
        }
        break;
      }
      case 'more_documents': {
        const replyDueAt = new Date(now.getTime() + (check.decision.dueDays ?? settings.deadlines.replyDays) * DAY_MS);
        updated = await transition(trx, ctx, row, {
          event: 'request_documents',
          actor,
          data: { shortfalls: evaluation.shortfalls.length },
          message: { text: check.decision.message, visibleToRequester: true },
          patch: { reply_due_at: replyDueAt },
          requestId: requestIdMeta,
        });
        await emailRequester(trx, ctx, updated, 'request.documents_needed', { reference: row.reference, message: check.decision.message, replyDueAt }, actor);
        break;
      }
      case 'cannot_verify': {
        updated = await closeWithReason(trx, ctx, row, {
          event: 'identity_rejected',
          reason: check.decision.reason,
          actor,
          ...(check.decision.message ? { message: check.decision.message } : {}),
          requestId: requestIdMeta,
        });
        break;
      }
    }

    await appendAudit(trx, {
      action: 'request.identity_checked',
      actor,
      target: { type: 'request', id: requestId },
      requestId: requestIdMeta,
      details: {
        checklist: { ...check.checklist },
        decision: check.decision.kind,
        ruleAccepted: evaluation.accepted,
        shortfalls: evaluation.shortfalls.map((s) => s.reason),
        overridden,
        ...(check.decision.kind === 'cannot_verify' ? { reason: check.decision.reason } : {}),
      },
      at: now,
    });
    return { request: updated, feeYen, overridden };
  });
}

// ---------------------------------------------------------------------------------------
// Individual Numbers

/** What the requester reads on the status page, in the request's language. */
const MY_NUMBER_NOTICE = {
  ja: 'ご提出いただいた書類のうち1点に個人番号（マイナンバー）が写っていたため、法令（番号法第20条）により当社では保管できず、直ちに廃棄しました。マイナンバーカードをお使いになる場合は、表面のみをお送りください。',
  en: 'One of the files you sent showed an Individual Number (My Number). The law (My Number Act, Art. 20) does not allow us to keep it, so we destroyed the file at once. If you use your My Number Card, please send only the front.',
} as const;

/**
 * Destroys a file that shows an Individual Number: its data key goes at once, the document is
 * marked destroyed for "my_number", the requester sees why on the status page and by email,
 * and the audit log records it. Nothing of the number is read, stored or shown.
 */
export async function destroyMyNumberDocument(ctx: Ctx, requestId: string, documentId: string, actor: Actor, meta: Meta = {}): Promise<DocumentView> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const row = await lockRequest(trx, requestId);
    const doc = await repo.lockDocumentRow(trx, requestId, documentId);
    if (!doc) throw new AppError('not_found');
    if (doc.status !== 'received') {
      throw new AppError('conflict', { details: [{ reason: `document_${doc.status}`, message: 'this document is no longer held' }] });
    }
    const disposed = doc.blob_id ? await ctx.vault.dispose(trx, doc.blob_id, now) : false;
    await repo.markDocumentDestroyed(trx, doc.id, 'my_number', now);
    await addEvent(trx, ctx, requestId, {
      kind: 'document.my_number_destroyed',
      actor,
      data: { documentId: doc.id, role: doc.role, documentType: doc.document_type },
      text: MY_NUMBER_NOTICE[row.language],
      visibleToRequester: true,
    });
    if (row.email_verified_at !== null && row.subject_blob_id) {
      await emailRequester(trx, ctx, row, 'request.my_number_destroyed', { reference: row.reference }, actor);
    }
    await appendAudit(trx, {
      action: 'request.my_number_destroyed',
      actor,
      target: { type: 'request', id: requestId },
      requestId: meta.requestId ?? null,
      details: { documentId: doc.id, role: doc.role, documentType: doc.document_type, blobId: doc.blob_id, blobDisposed: disposed },
      at: now,
    });
    const after = await repo.findDocumentRow(trx, requestId, documentId);
    if (!after) throw new AppError('not_found');
    return toDocumentView(after);
  });
}
