// SQL for retention: which requests are due, what each one stored (as ids), and the marks left
// once its personal data is gone. Executor first, so a transaction shows in every call.
import type { Db } from '../../db/database.ts';
import type { RetentionCandidate } from './retention.rules.ts';

export interface DueRequest {
  id: string;
  retentionUntil: Date;
}

/**
 * Requests whose retention date is at or before `now` and that were not disposed of yet, in
 * (retention_until, id) order after `after` (keyset paging, so a long backlog is read in pages).
 */
export async function listDueRequests(db: Db, now: Date, after: DueRequest | null, limit: number): Promise<DueRequest[]> {
  let query = db
    .selectFrom('requests')
    .select(['id', 'retention_until'])
    .where('disposed_at', 'is', null)
    .where('retention_until', 'is not', null)
    .where('retention_until', '<=', now);
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('retention_until', '>', after.retentionUntil),
        eb.and([eb('retention_until', '=', after.retentionUntil), eb('id', '>', after.id)]),
      ]),
    );
  }
  const rows = await query.orderBy('retention_until').orderBy('id').limit(limit).execute();
  return rows.flatMap((r) => (r.retention_until ? [{ id: r.id, retentionUntil: r.retention_until }] : []));
}

/** The ids of everything personal stored for the request (the request row itself is the caller's). */
export async function loadStoredReferences(db: Db, requestId: string): Promise<Omit<RetentionCandidate, 'request' | 'goneBlobIds'>> {
  const [documents, events, payments, findings, decisions, deliveries, emails, engineRuns, tasks] = await Promise.all([
    db.selectFrom('request_documents').select(['id', 'blob_id', 'status']).where('request_id', '=', requestId).orderBy('uploaded_at').orderBy('id').execute(),
    db
      .selectFrom('request_events')
      .select(['id', 'text_blob_id'])
      .where('request_id', '=', requestId)
      .where('text_blob_id', 'is not', null)
      .orderBy('seq')
      .execute(),
    db.selectFrom('request_payments').select(['id', 'payer_blob_id']).where('request_id', '=', requestId).orderBy('recorded_at').orderBy('id').execute(),
    db
      .selectFrom('request_findings')
      .select(['id', 'records_blob_id', 'file_blob_id'])
      .where('request_id', '=', requestId)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('request_decisions')
      .select(['id', 'details_blob_id', 'letter_blob_id'])
      .where('request_id', '=', requestId)
      .orderBy('version')
      .execute(),
    db
      .selectFrom('request_deliveries')
      .select(['id', 'package_blob_id', 'letter_blob_id'])
      .where('request_id', '=', requestId)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('outbox')
      .select(['id', 'blob_id'])
      .where('related_type', '=', 'request')
      .where('related_id', '=', requestId)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
    db.selectFrom('fulfillment_runs').select(['id', 'plan_blob_id']).where('request_id', '=', requestId).orderBy('id').execute(),
    db
      .selectFrom('fulfillment_tasks')
      .select(['id', 'checklist_blob_id', 'result_blob_id'])
      .where('request_id', '=', requestId)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
  ]);
  return {
    documents: documents.map((d) => ({ id: d.id, blobId: d.blob_id, status: d.status })),
    events: events.map((e) => ({ id: e.id, textBlobId: e.text_blob_id })),
    payments: payments.map((p) => ({ id: p.id, payerBlobId: p.payer_blob_id })),
    findings: findings.map((f) => ({ id: f.id, recordsBlobId: f.records_blob_id, fileBlobId: f.file_blob_id })),
    decisions: decisions.map((d) => ({ id: d.id, detailsBlobId: d.details_blob_id, letterBlobId: d.letter_blob_id })),
    deliveries: deliveries.map((d) => ({ id: d.id, packageBlobId: d.package_blob_id, letterBlobId: d.letter_blob_id })),
    emails: emails.map((m) => ({ id: m.id, blobId: m.blob_id })),
    engineRuns: engineRuns.map((r) => ({ id: r.id, planBlobId: r.plan_blob_id })),
    tasks: tasks.map((t) => ({ id: t.id, checklistBlobId: t.checklist_blob_id, resultBlobId: t.result_blob_id })),
  };
}

/** Of `blobIds`, those already disposed of (or never stored). */
export async function findGoneBlobs(db: Db, blobIds: readonly string[]): Promise<Set<string>> {
  if (blobIds.length === 0) return new Set();
  const live = new Set<string>();
  // Bounded IN lists: a request can carry many timeline texts and emails.
  for (let i = 0; i < blobIds.length; i += 500) {
    const chunk = blobIds.slice(i, i + 500);
    const rows = await db.selectFrom('encrypted_blobs').select('id').where('id', 'in', chunk).where('disposed_at', 'is', null).execute();
    for (const r of rows) live.add(r.id);
  }
  return new Set(blobIds.filter((id) => !live.has(id)));
}

/** Marks the request's submitted documents disposed of (their blobs are gone). */
export async function markDocumentsDisposed(trx: Db, requestId: string, documentIds: readonly string[], at: Date): Promise<void> {
  if (documentIds.length === 0) return;
  await trx
    .updateTable('request_documents')
    .set({ status: 'disposed', disposed_at: at })
    .where('request_id', '=', requestId)
    .where('id', 'in', [...documentIds])
    .where('status', '=', 'received')
    .execute();
}

/** Records the disposal on the request and clears the lookup hashes; the row itself stays. */
export async function markRequestDisposed(trx: Db, requestId: string, version: number, at: Date): Promise<boolean> {
  const result = await trx
    .updateTable('requests')
    .set({ disposed_at: at, email_lookup: null, name_lookup: null, version: version + 1, updated_at: at })
    .where('id', '=', requestId)
    .where('version', '=', version)
    .where('disposed_at', 'is', null)
    .executeTakeFirst();
  // A staff file name can carry a person's name; the finding's file itself is disposed of.
  await trx.updateTable('request_findings').set({ file_name: null }).where('request_id', '=', requestId).where('file_name', 'is not', null).execute();
  return Number(result.numUpdatedRows) === 1;
}
