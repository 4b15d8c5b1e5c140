// SQL for consent records, restrictions and the change feed. Functions take the executor
// first; those that write must run inside the caller's transaction.
import { sql, type Selectable } from 'kysely';
import type { Db } from '../../db/database.ts';
import type {
  ConsentAction,
  ConsentChangeKind,
  ConsentChangesTable,
  ConsentEventsTable,
  ConsentReceiptsTable,
  ConsentRestrictionsTable,
  ConsentStateTable,
  RestrictionKind,
} from '../../db/schema-consent.ts';

export type ReceiptRow = Selectable<ConsentReceiptsTable>;
export type EventRow = Selectable<ConsentEventsTable>;
export type StateRow = Selectable<ConsentStateTable>;
export type RestrictionRow = Selectable<ConsentRestrictionsTable>;
export type ChangeRow = Selectable<ConsentChangesTable>;

export async function ensureSubject(trx: Db, key: string, subjectType: string, now: Date): Promise<void> {
  await trx
    .insertInto('consent_subjects')
    .values({ key, subject_type: subjectType, created_at: now })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

export async function insertReceipt(
  trx: Db,
  row: Omit<ReceiptRow, 'receipt'> & { receipt: Record<string, unknown> },
): Promise<void> {
  await trx
    .insertInto('consent_receipts')
    .values({ ...row, receipt: JSON.stringify(row.receipt) })
    .execute();
}

export async function insertEvents(trx: Db, rows: EventRow[]): Promise<void> {
  if (rows.length === 0) return;
  await trx.insertInto('consent_events').values(rows).execute();
}

/** Sets the state of each (subject, purpose) unless a newer one is held; returns the rows it set. */
export async function upsertStates(trx: Db, rows: StateRow[]): Promise<StateRow[]> {
  if (rows.length === 0) return [];
  return trx
    .insertInto('consent_state')
    .values(rows)
    .onConflict((oc) =>
      oc
        .columns(['subject_key', 'purpose_code'])
        .doUpdateSet((eb) => ({
          state: eb.ref('excluded.state'),
          event_id: eb.ref('excluded.event_id'),
          source: eb.ref('excluded.source'),
          updated_at: eb.ref('excluded.updated_at'),
        }))
        .where((eb) => eb('consent_state.updated_at', '<=', eb.ref('excluded.updated_at'))),
    )
    .returningAll()
    .execute();
}

/**
 * Reserves `count` sequence numbers of the change feed and returns the first. The head row
 * stays locked until the caller commits, so numbers are handed out in commit order. Call it
 * after the transaction's audit entry: every writer then takes the audit head before the
 * feed head, always in that order.
 */
export async function reserveFeedSeqs(trx: Db, count: number): Promise<number> {
  const row = await trx
    .updateTable('consent_feed_head')
    .set((eb) => ({ seq: eb('seq', '+', count) }))
    .where('id', '=', 1)
    .returning('seq')
    .executeTakeFirstOrThrow();
  return Number(row.seq) - count + 1;
}

export interface ChangeInput {
  subjectKey: string;
  kind: ConsentChangeKind;
  data: Record<string, unknown>;
  at: Date;
}

/** Appends changes to the feed; returns the sequence number of each, in order. */
export async function appendChanges(trx: Db, changes: readonly ChangeInput[]): Promise<number[]> {
  if (changes.length === 0) return [];
  const first = await reserveFeedSeqs(trx, changes.length);
  const rows = changes.map((c, i) => ({ seq: first + i, subject_key: c.subjectKey, kind: c.kind, data: JSON.stringify(c.data), at: c.at }));
  await trx.insertInto('consent_changes').values(rows).execute();
  return rows.map((r) => r.seq);
}

export async function feedHead(db: Db): Promise<number> {
  const row = await db.selectFrom('consent_feed_head').select('seq').where('id', '=', 1).executeTakeFirstOrThrow();
  return Number(row.seq);
}

export async function changesAfter(db: Db, after: number, limit: number): Promise<ChangeRow[]> {
  const rows = await db.selectFrom('consent_changes').selectAll().where('seq', '>', after).orderBy('seq').limit(limit).execute();
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

export async function findStates(db: Db, keys: readonly string[]): Promise<StateRow[]> {
  if (keys.length === 0) return [];
  return db.selectFrom('consent_state').selectAll().where('subject_key', 'in', keys).execute();
}

export interface DecisionRow {
  subject_key: string;
  /** 'c': a consent state (a = purpose, b = state); 'r': a standing restriction (a = kind). */
  t: 'c' | 'r';
  a: string;
  b: string | null;
  purposes: string[] | null;
  id: string | null;
  recipient: string | null;
  request_id: string | null;
}

/** Consent states and standing restrictions of many subjects in one round trip (the decision API's hot path). */
export async function findDecisionRows(db: Db, keys: readonly string[]): Promise<DecisionRow[]> {
  if (keys.length === 0) return [];
  const list = [...keys];
  const result = await sql<DecisionRow>`
    select subject_key, 'c' as t, purpose_code as a, state as b, null::jsonb as purposes, null::text as id, null::text as recipient, null::text as request_id
      from consent_state where subject_key = any(${list}::text[])
    union all
    select subject_key, 'r' as t, kind as a, null::text as b, purposes, id, recipient, request_id
      from consent_restrictions where subject_key = any(${list}::text[]) and lifted_at is null`.execute(db);
  return result.rows;
}

export async function listEvents(db: Db, key: string, limit: number): Promise<EventRow[]> {
  return db.selectFrom('consent_events').selectAll().where('subject_key', '=', key).orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export async function listReceipts(db: Db, key: string, limit: number): Promise<ReceiptRow[]> {
  return db.selectFrom('consent_receipts').selectAll().where('subject_key', '=', key).orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export async function findReceipt(db: Db, id: string): Promise<ReceiptRow | undefined> {
  return db.selectFrom('consent_receipts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listRestrictionsOf(db: Db, key: string, limit: number): Promise<RestrictionRow[]> {
  return db.selectFrom('consent_restrictions').selectAll().where('subject_key', '=', key).orderBy('applied_at', 'desc').orderBy('id').limit(limit).execute();
}

export async function insertRestriction(trx: Db, row: Omit<RestrictionRow, 'purposes' | 'lifted_at' | 'lifted_by_type' | 'lifted_by_id' | 'lift_reason'> & { purposes: string[] | null }): Promise<void> {
  await trx
    .insertInto('consent_restrictions')
    .values({ ...row, purposes: row.purposes === null ? null : JSON.stringify(row.purposes) })
    .execute();
}

/** The standing restriction a request already caused for this subject, if any. */
export async function findActiveForRequest(trx: Db, requestId: string, kind: RestrictionKind, key: string): Promise<RestrictionRow | undefined> {
  return trx
    .selectFrom('consent_restrictions')
    .selectAll()
    .where('request_id', '=', requestId)
    .where('kind', '=', kind)
    .where('subject_key', '=', key)
    .where('lifted_at', 'is', null)
    .executeTakeFirst();
}

export async function lockRestriction(trx: Db, id: string): Promise<RestrictionRow | undefined> {
  return trx.selectFrom('consent_restrictions').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function markLifted(trx: Db, id: string, change: { at: Date; byType: string; byId: string | null; reason: string }): Promise<void> {
  await trx
    .updateTable('consent_restrictions')
    .set({ lifted_at: change.at, lifted_by_type: change.byType, lifted_by_id: change.byId, lift_reason: change.reason })
    .where('id', '=', id)
    .execute();
}

export interface RestrictionFilters {
  active?: boolean | undefined;
  requestId?: string | undefined;
  kind?: RestrictionKind | undefined;
}

export async function listRestrictions(db: Db, filters: RestrictionFilters, limit: number): Promise<RestrictionRow[]> {
  let q = db.selectFrom('consent_restrictions').selectAll();
  if (filters.active === true) q = q.where('lifted_at', 'is', null);
  if (filters.active === false) q = q.where('lifted_at', 'is not', null);
  if (filters.requestId) q = q.where('request_id', '=', filters.requestId);
  if (filters.kind) q = q.where('kind', '=', filters.kind);
  return q.orderBy('applied_at', 'desc').orderBy('id').limit(limit).execute();
}

// ---------------------------------------------------------------------------------------------
// Snapshot pages, ordered by subject key.

export async function subjectKeysAfter(db: Db, cursor: string | null, limit: number): Promise<string[]> {
  let q = db.selectFrom('consent_subjects').select('key');
  if (cursor !== null) q = q.where('key', '>', cursor);
  const rows = await q.orderBy('key').limit(limit).execute();
  return rows.map((r) => r.key);
}

/** Rows whose subject key lies in (after, upTo]. */
export async function statesInRange(db: Db, after: string | null, upTo: string): Promise<Array<Pick<StateRow, 'subject_key' | 'purpose_code' | 'state'>>> {
  let q = db.selectFrom('consent_state').select(['subject_key', 'purpose_code', 'state']).where('subject_key', '<=', upTo);
  if (after !== null) q = q.where('subject_key', '>', after);
  return q.orderBy('subject_key').orderBy('purpose_code').execute();
}

export async function activeRestrictionsInRange(db: Db, after: string | null, upTo: string): Promise<RestrictionRow[]> {
  let q = db.selectFrom('consent_restrictions').selectAll().where('lifted_at', 'is', null).where('subject_key', '<=', upTo);
  if (after !== null) q = q.where('subject_key', '>', after);
  return q.orderBy('subject_key').orderBy('id').execute();
}

// ---------------------------------------------------------------------------------------------
// Staff views

export interface PurposeCount {
  purpose_code: string;
  state: ConsentAction;
  count: number;
}

export async function countsByPurpose(db: Db): Promise<PurposeCount[]> {
  const rows = await db
    .selectFrom('consent_state')
    .select(['purpose_code', 'state', sql<number>`count(*)::int`.as('count')])
    .groupBy(['purpose_code', 'state'])
    .orderBy('purpose_code')
    .execute();
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

export async function countSubjects(db: Db): Promise<number> {
  const row = await db.selectFrom('consent_subjects').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function countActiveRestrictions(db: Db): Promise<{ kind: RestrictionKind; count: number }[]> {
  const rows = await db
    .selectFrom('consent_restrictions')
    .select(['kind', sql<number>`count(*)::int`.as('count')])
    .where('lifted_at', 'is', null)
    .groupBy('kind')
    .execute();
  return rows.map((r) => ({ kind: r.kind, count: Number(r.count) }));
}

