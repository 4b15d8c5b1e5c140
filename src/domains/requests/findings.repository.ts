// Queries of what was found for a request (request_findings): rows point at encrypted blobs
// for the records and the attached file; everything here is metadata (names of systems and
// collections, counts), never the records themselves.
import type { Selectable } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { RequestFindingsTable } from '../../db/schema-requests.ts';

export type FindingRow = Selectable<RequestFindingsTable>;

export interface NewFinding {
  id: string;
  requestId: string;
  source: 'manual' | 'engine';
  systemName: string;
  collection: string;
  label: string | null;
  recordsBlobId: string | null;
  rowCount: number;
  fileBlobId: string | null;
  fileName: string | null;
  contentType: string | null;
  createdBy: string | null;
  createdAt: Date;
}

export async function insertFinding(db: Db, f: NewFinding): Promise<void> {
  await db
    .insertInto('request_findings')
    .values({
      id: f.id,
      request_id: f.requestId,
      source: f.source,
      system_name: f.systemName,
      collection: f.collection,
      label: f.label,
      records_blob_id: f.recordsBlobId,
      row_count: f.rowCount,
      file_blob_id: f.fileBlobId,
      file_name: f.fileName,
      content_type: f.contentType,
      created_by: f.createdBy,
      created_at: f.createdAt,
    })
    .execute();
}

export async function listFindingRows(db: Db, requestId: string, options: { includeRemoved?: boolean } = {}): Promise<FindingRow[]> {
  let q = db.selectFrom('request_findings').selectAll().where('request_id', '=', requestId);
  if (!options.includeRemoved) q = q.where('removed_at', 'is', null);
  return q.orderBy('created_at').orderBy('id').execute();
}

export async function findFindingRow(db: Db, requestId: string, findingId: string): Promise<FindingRow | undefined> {
  return db.selectFrom('request_findings').selectAll().where('request_id', '=', requestId).where('id', '=', findingId).executeTakeFirst();
}

/** Marks a finding removed; false when it was already removed or does not exist. */
export async function markFindingRemoved(db: Db, requestId: string, findingId: string, at: Date): Promise<boolean> {
  const row = await db
    .updateTable('request_findings')
    .set({ removed_at: at })
    .where('request_id', '=', requestId)
    .where('id', '=', findingId)
    .where('removed_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}
