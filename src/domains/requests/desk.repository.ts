// SQL of the staff side of the request desk: the filtered, keyset-paged list; documents,
// payments and timeline events of one request; the columns the desk sets outside a change of
// status (assignee, extra cost, reminders); and the candidates of the deadline sweep.
// Executor first, so a transaction shows in every call.
import { sql, type ExpressionBuilder, type Selectable } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { Database } from '../../db/schema.ts';
import type { RequestDocumentsTable, RequestEventsTable } from '../../db/schema-requests.ts';
import type { RequestRow } from './request.core.ts';
import type { RequestStatus, RequestType } from './request.ts';
import { FINAL_STATUSES } from './request.ts';

export type DocumentRow = Selectable<RequestDocumentsTable>;
export type EventRow = Selectable<RequestEventsTable>;

export const SORT_FIELDS = ['received_at', 'due_at', 'updated_at'] as const;
export type SortField = (typeof SORT_FIELDS)[number];

export interface ListQuery {
  statuses?: readonly RequestStatus[];
  types?: readonly RequestType[];
  /** A staff id, or null for "nobody". */
  assignee?: string | null;
  /** Open, running clock, due between now and this instant. */
  dueBetween?: { from: Date; to: Date };
  /** Open, running clock, due before this instant. */
  overdueAt?: Date;
  id?: string;
  referencePrefix?: string;
  emailLookup?: string;
  nameLookup?: string;
  sort: SortField;
  direction: 'asc' | 'desc';
  after?: { value: Date; id: string };
  limit: number;
}

const OPEN = (eb: ExpressionBuilder<Database, 'requests'>) => eb('status', 'not in', [...FINAL_STATUSES]);

export async function listRequestRows(db: Db, q: ListQuery): Promise<RequestRow[]> {
  let query = db.selectFrom('requests').selectAll();
  if (q.statuses && q.statuses.length > 0) query = query.where('status', 'in', [...q.statuses]);
  if (q.types && q.types.length > 0) query = query.where('type', 'in', [...q.types]);
  if (q.assignee !== undefined) {
    const assignee = q.assignee;
    query = assignee === null ? query.where('assignee_id', 'is', null) : query.where('assignee_id', '=', assignee);
  }
  if (q.dueBetween) {
    const { from, to } = q.dueBetween;
    // A paused clock is not running towards its deadline: it is neither due soon nor overdue.
    query = query.where(OPEN).where('paused_at', 'is', null).where('due_at', '>=', from).where('due_at', '<=', to);
  }
  if (q.overdueAt) {
    query = query.where(OPEN).where('paused_at', 'is', null).where('due_at', '<', q.overdueAt);
  }
  if (q.id !== undefined) query = query.where('id', '=', q.id);
  if (q.referencePrefix !== undefined) {
    query = query.where('reference', 'like', `${q.referencePrefix}%`);
  }
  if (q.emailLookup !== undefined) query = query.where('email_lookup', '=', q.emailLookup);
  if (q.nameLookup !== undefined) query = query.where('name_lookup', '=', q.nameLookup);
  if (q.after) {
    const { value, id } = q.after;
    const op = q.direction === 'asc' ? '>' : '<';
    query = query.where((eb) => eb.or([eb(q.sort, op, value), eb.and([eb(q.sort, '=', value), eb('id', op, id)])]));
  }
  return query.orderBy(q.sort, q.direction).orderBy('id', q.direction).limit(q.limit).execute();
}

export async function listDocumentRows(db: Db, requestId: string): Promise<DocumentRow[]> {
  return db.selectFrom('request_documents').selectAll().where('request_id', '=', requestId).orderBy('uploaded_at').orderBy('id').execute();
}

export async function findDocumentRow(db: Db, requestId: string, documentId: string): Promise<DocumentRow | undefined> {
  return db
    .selectFrom('request_documents')
    .selectAll()
    .where('request_id', '=', requestId)
    .where('id', '=', documentId)
    .executeTakeFirst();
}

export async function lockDocumentRow(trx: Db, requestId: string, documentId: string): Promise<DocumentRow | undefined> {
  return trx
    .selectFrom('request_documents')
    .selectAll()
    .where('request_id', '=', requestId)
    .where('id', '=', documentId)
    .forUpdate()
    .executeTakeFirst();
}

export async function markDocumentDestroyed(trx: Db, documentId: string, reason: string, now: Date): Promise<void> {
  await trx
    .updateTable('request_documents')
    .set({ status: 'destroyed', destroyed_reason: reason, destroyed_at: now })
    .where('id', '=', documentId)
    .execute();
}

export async function listEventRows(db: Db, requestId: string, limit: number): Promise<EventRow[]> {
  return db.selectFrom('request_events').selectAll().where('request_id', '=', requestId).orderBy('seq').limit(limit).execute();
}

/** Columns the desk sets without a change of status; bumps the version like a transition. */
export async function updateRequestColumns(
  trx: Db,
  row: Pick<RequestRow, 'id' | 'version'>,
  patch: Partial<Pick<RequestRow, 'assignee_id' | 'fee_extra_yen' | 'fee_yen' | 'reply_due_at' | 'reminded_target_at' | 'reminded_escalation_at'>>,
  now: Date,
): Promise<RequestRow | undefined> {
  return trx
    .updateTable('requests')
    .set({ ...patch, version: row.version + 1, updated_at: now })
    .where('id', '=', row.id)
    .where('version', '=', row.version)
    .returningAll()
    .executeTakeFirst();
}

// ---------------------------------------------------------------------------------------
// Payments

export interface PaymentRow {
  id: string;
  kind: 'payment' | 'waiver';
  amountYen: number;
  /** YYYY-MM-DD, read as text so neither driver shifts it through a time zone. */
  paidOn: string | null;
  payerBlobId: string | null;
  reference: string | null;
  recordedBy: string;
  recordedAt: Date;
}

export async function listPaymentRows(db: Db, requestId: string): Promise<PaymentRow[]> {
  const rows = await db
    .selectFrom('request_payments')
    .select([
      'id',
      'kind',
      'amount_yen',
      sql<string | null>`to_char(paid_on, 'YYYY-MM-DD')`.as('paid_on_text'),
      'payer_blob_id',
      'reference',
      'recorded_by',
      'recorded_at',
    ])
    .where('request_id', '=', requestId)
    .orderBy('recorded_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    amountYen: r.amount_yen,
    paidOn: r.paid_on_text,
    payerBlobId: r.payer_blob_id,
    reference: r.reference,
    recordedBy: r.recorded_by,
    recordedAt: r.recorded_at,
  }));
}

export async function insertPaymentRow(
  trx: Db,
  row: { id: string; requestId: string; kind: 'payment' | 'waiver'; amountYen: number; paidOn: string | null; payerBlobId: string | null; reference: string | null; recordedBy: string; now: Date },
): Promise<void> {
  await trx
    .insertInto('request_payments')
    .values({
      id: row.id,
      request_id: row.requestId,
      kind: row.kind,
      amount_yen: row.amountYen,
      paid_on: row.paidOn,
      payer_blob_id: row.payerBlobId,
      reference: row.reference,
      recorded_by: row.recordedBy,
      recorded_at: row.now,
    })
    .execute();
}

export async function sumPayments(db: Db, requestId: string): Promise<number> {
  const row = await db
    .selectFrom('request_payments')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_yen'), sql<number>`0`).as('total'))
    .where('request_id', '=', requestId)
    .executeTakeFirstOrThrow();
  return Number(row.total);
}

// ---------------------------------------------------------------------------------------
// Staff

export interface StaffSummary {
  id: string;
  email: string;
  displayName: string;
  role: string;
  status: 'active' | 'disabled';
}

export async function findStaffSummaries(db: Db, ids: readonly string[]): Promise<StaffSummary[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('staff').select(['id', 'email', 'display_name', 'role', 'status']).where('id', 'in', [...ids]).execute();
  return rows.map((r) => ({ id: r.id, email: r.email, displayName: r.display_name, role: r.role, status: r.status }));
}

export async function activeStaffWithRoles(db: Db, roles: readonly string[]): Promise<StaffSummary[]> {
  const rows = await db
    .selectFrom('staff')
    .select(['id', 'email', 'display_name', 'role', 'status'])
    .where('status', '=', 'active')
    .where('role', 'in', [...roles])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, email: r.email, displayName: r.display_name, role: r.role, status: r.status }));
}

// ---------------------------------------------------------------------------------------
// The deadline sweep

export async function idsWaitingPastReply(db: Db, status: 'awaiting_documents' | 'awaiting_fee', now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('requests')
    .select('id')
    .where('status', '=', status)
    .where('reply_due_at', '<=', now)
    .orderBy('reply_due_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export async function idsUnverifiedSince(db: Db, receivedBefore: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('requests')
    .select('id')
    .where('status', '=', 'received')
    .where('email_verified_at', 'is', null)
    .where('received_at', '<=', receivedBefore)
    .orderBy('received_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** Open requests past `column` (minus the lead time) with the clock running and no reminder yet. */
export async function idsToRemind(
  db: Db,
  which: 'target' | 'escalation',
  threshold: Date,
  limit: number,
): Promise<string[]> {
  const base = db
    .selectFrom('requests')
    .select('id')
    .where(OPEN)
    .where('status', '!=', 'received')
    .where('paused_at', 'is', null);
  const rows =
    which === 'target'
      ? await base.where('reminded_target_at', 'is', null).where('due_at', '<=', threshold).orderBy('due_at').limit(limit).execute()
      : await base.where('reminded_escalation_at', 'is', null).where('escalation_at', '<=', threshold).orderBy('escalation_at').limit(limit).execute();
  return rows.map((r) => r.id);
}
