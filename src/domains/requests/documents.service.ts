// Submitted documents: storing one (checked by content, encrypted in the vault, recorded on
// the request) and deciding whether a declared document type is one the organisation accepts
// for the role it plays (the person's identity, the agent's identity, the agent's authority).
// The public intake and the staff desk both store documents through `storeDocument`; callers
// audit their own action (`request.documents_added`).
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import { AppError, type ErrorDetail } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { RequestSettings } from '../organization/request-settings.ts';
import { DOCUMENT_BLOB_KIND } from './request.core.ts';
import type { DocumentRole, RequesterKind, UploadContentType } from './request.ts';
import { checkUpload, type UploadCheck } from './upload-check.ts';

export interface StoreDocumentInput {
  requestId: string;
  role: DocumentRole;
  documentType: string;
  bytes: Buffer;
  uploadedBy: 'requester' | 'staff';
  /** The result of an earlier `checkUpload` of these bytes, to avoid a second pass. */
  checked?: UploadCheck;
}

export interface StoredDocument {
  id: string;
  blobId: string;
  contentType: UploadContentType;
  byteSize: number;
  sha256: string;
}

/** Checks the bytes by content, stores them encrypted and records the document, all in `trx`. */
export async function storeDocument(trx: Db, ctx: Pick<AppContext, 'vault' | 'clock'>, input: StoreDocumentInput): Promise<StoredDocument> {
  const check = input.checked ?? checkUpload(input.bytes);
  const now = ctx.clock.now();
  const blob = await ctx.vault.store(trx, { kind: DOCUMENT_BLOB_KIND, contentType: check.contentType, bytes: input.bytes, now });
  const id = newId('rdoc');
  await trx
    .insertInto('request_documents')
    .values({
      id,
      request_id: input.requestId,
      role: input.role,
      document_type: input.documentType,
      blob_id: blob.id,
      content_type: check.contentType,
      byte_size: check.byteSize,
      sha256: check.sha256,
      uploaded_by: input.uploadedBy,
      uploaded_at: now,
    })
    .execute();
  return { id, blobId: blob.id, contentType: check.contentType, byteSize: check.byteSize, sha256: check.sha256 };
}

/** Documents of a request that still count towards its limit (a destroyed file does not). */
export async function countLiveDocuments(db: Db, requestId: string): Promise<number> {
  const row = await db
    .selectFrom('request_documents')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('request_id', '=', requestId)
    .where('status', '<>', 'destroyed')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The document codes the organisation accepts for `role` on a request made by
 * `requesterKind`; `'any'` for supporting documents of another kind; an empty list where the
 * role does not fit the requester (agent documents on the person's own request).
 */
export function acceptedDocumentCodes(settings: RequestSettings, requesterKind: RequesterKind, role: DocumentRole): readonly string[] | 'any' {
  const rule = settings.identity;
  switch (role) {
    case 'other':
      return 'any';
    case 'principal_identity':
      return [...rule.photoDocuments, ...rule.nonPhotoDocuments].map((d) => d.code);
    case 'agent_identity':
      return requesterKind === 'principal' ? [] : [...rule.photoDocuments, ...rule.nonPhotoDocuments].map((d) => d.code);
    case 'agent_authority':
      switch (requesterKind) {
        case 'principal':
          return [];
        case 'statutory_agent':
          return rule.statutoryAgentDocuments.map((d) => d.code);
        case 'appointed_agent':
          return rule.appointedAgentDocuments.map((d) => d.code);
      }
  }
}

/**
 * One detail per declared document whose type is not accepted for its role, with the path
 * `${prefix}.N.type`. The message lists what would be accepted (codes are not personal data).
 */
export function declaredDocumentProblems(
  settings: RequestSettings,
  requesterKind: RequesterKind,
  declared: readonly { role: DocumentRole; type: string }[],
  prefix = 'request.documents',
): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  declared.forEach((d, i) => {
    const accepted = acceptedDocumentCodes(settings, requesterKind, d.role);
    if (accepted === 'any' || accepted.includes(d.type)) return;
    problems.push({
      path: `${prefix}.${i}.type`,
      reason: accepted.length === 0 ? 'role_not_expected' : 'type_not_accepted',
      message:
        accepted.length === 0
          ? `a ${d.role} document is not expected on a request made by a ${requesterKind.replace('_', ' ')}`
          : `accepted for ${d.role}: ${accepted.slice(0, 20).join(', ')}`,
    });
  });
  return problems;
}

/** `document_type_not_accepted` (422) when any declared type does not fit its role. */
export function assertDeclaredDocuments(
  settings: RequestSettings,
  requesterKind: RequesterKind,
  declared: readonly { role: DocumentRole; type: string }[],
  prefix?: string,
): void {
  const problems = declaredDocumentProblems(settings, requesterKind, declared, prefix);
  if (problems.length > 0) throw new AppError('document_type_not_accepted', { details: problems });
}
