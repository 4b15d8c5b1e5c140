// Queries of request_deliveries: the answer packages and paper letters of requests, their
// download links (only the hash of a link's token is stored) and the download counter, which
// counts atomically in one UPDATE so two downloads at once can never both take the last one.
import { sql, type Selectable } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { RequestDeliveriesTable } from '../../db/schema-requests.ts';

export type DeliveryRow = Selectable<RequestDeliveriesTable>;

export interface NewDelivery {
  id: string;
  requestId: string;
  decisionId: string | null;
  method: 'electronic' | 'paper';
  tokenHash: string | null;
  packageBlobId: string | null;
  letterBlobId: string | null;
  expiresAt: Date | null;
  maxDownloads: number;
  createdAt: Date;
}

export async function insertDelivery(db: Db, d: NewDelivery): Promise<DeliveryRow> {
  return db
    .insertInto('request_deliveries')
    .values({
      id: d.id,
      request_id: d.requestId,
      decision_id: d.decisionId,
      method: d.method,
      token_hash: d.tokenHash,
      package_blob_id: d.packageBlobId,
      letter_blob_id: d.letterBlobId,
      expires_at: d.expiresAt,
      max_downloads: d.maxDownloads,
      created_at: d.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findDeliveryByTokenHash(db: Db, tokenHash: string): Promise<DeliveryRow | undefined> {
  return db.selectFrom('request_deliveries').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function findDelivery(db: Db, requestId: string, deliveryId: string): Promise<DeliveryRow | undefined> {
  return db.selectFrom('request_deliveries').selectAll().where('request_id', '=', requestId).where('id', '=', deliveryId).executeTakeFirst();
}

export async function lockDelivery(db: Db, requestId: string, deliveryId: string): Promise<DeliveryRow | undefined> {
  return db
    .selectFrom('request_deliveries')
    .selectAll()
    .where('request_id', '=', requestId)
    .where('id', '=', deliveryId)
    .forUpdate()
    .executeTakeFirst();
}

export async function listDeliveryRows(db: Db, requestId: string): Promise<DeliveryRow[]> {
  return db.selectFrom('request_deliveries').selectAll().where('request_id', '=', requestId).orderBy('created_at').orderBy('id').execute();
}

/** Counts one download if the link still works; undefined when it does not (any reason). */
export async function countDownload(db: Db, deliveryId: string, now: Date): Promise<DeliveryRow | undefined> {
  return db
    .updateTable('request_deliveries')
    .set((eb) => ({ downloads: eb('downloads', '+', 1), last_downloaded_at: now }))
    .where('id', '=', deliveryId)
    .where('method', '=', 'electronic')
    .where((eb) => eb('downloads', '<', eb.ref('max_downloads')))
    .where('expires_at', '>', now)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** Revokes every link of the request that still works (a new answer replaces them). */
export async function revokeOpenDeliveries(db: Db, requestId: string, now: Date): Promise<string[]> {
  const rows = await db
    .updateTable('request_deliveries')
    .set({ revoked_at: now })
    .where('request_id', '=', requestId)
    .where('method', '=', 'electronic')
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function markRevoked(db: Db, deliveryId: string, now: Date): Promise<void> {
  await db.updateTable('request_deliveries').set({ revoked_at: now }).where('id', '=', deliveryId).where('revoked_at', 'is', null).execute();
}

/** Links that may need the expiry reminder soon (the rule decides per row). */
export async function listExpiryWarningCandidates(db: Db, now: Date, horizon: Date, limit: number): Promise<DeliveryRow[]> {
  return db
    .selectFrom('request_deliveries')
    .selectAll()
    .where('method', '=', 'electronic')
    .where('downloads', '=', 0)
    .where('revoked_at', 'is', null)
    .where('expiry_warned_at', 'is', null)
    .where('expires_at', '>', now)
    .where('expires_at', '<=', horizon)
    .orderBy('expires_at')
    .limit(limit)
    .execute();
}

export async function markExpiryWarned(db: Db, deliveryId: string, now: Date): Promise<void> {
  await db.updateTable('request_deliveries').set({ expiry_warned_at: now }).where('id', '=', deliveryId).execute();
}

/** When a paper answer was marked posted (its timeline event), or null. */
export async function findPostedAt(db: Db, requestId: string, deliveryId: string): Promise<Date | null> {
  const row = await db
    .selectFrom('request_events')
    .select('at')
    .where('request_id', '=', requestId)
    .where('kind', '=', 'delivery.posted')
    .where(sql<string>`data->>'deliveryId'`, '=', deliveryId)
    .orderBy('seq')
    .limit(1)
    .executeTakeFirst();
  return row?.at ?? null;
}
