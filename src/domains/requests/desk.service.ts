// The staff side of the request desk, for every request whatever its type: the filtered and
// searchable list, one request in detail with the person's details decrypted, its timeline,
// assigning it, internal notes, messages to the requester, and withdrawing it on the
// requester's behalf (a phone call, a letter). Viewing a request is ordinary work and is not
// audited; every change is, in the transaction that makes it. Identity documents are in
// identity-review.service.ts, the fee in fee.service.ts.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../lib/errors.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { getRequestSettings } from '../organization/organization.service.ts';
import { can } from '../staff/permissions.ts';
import type { StaffRole } from '../../config/config.ts';
import * as repo from './desk.repository.ts';
import { feeFor, type FeeBreakdown } from './fee.rules.ts';
import { eventsFrom, isFinal, type RequestEvent } from './request-state.rules.ts';
import {
  addEvent,
  emailRequester,
  findRequest,
  lockRequest,
  lookupHash,
  readEventText,
  readSubject,
  transition,
  type RequestRow,
} from './request.core.ts';
import type { ClosureReason, DeliveryMethod, RequesterKind, RequestStatus, RequestSubject, RequestType } from './request.ts';

type Ctx = Pick<AppContext, 'db' | 'vault' | 'clock'>;

export interface Meta {
  /** The HTTP request id or job id under which the action happens. */
  requestId?: string | null;
}

const DAY_MS = 86_400_000;
export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 200;
export const TIMELINE_LIMIT = 1000;

/** Free text staff write (a note, a message, a reason): several lines, bounded. */
export const ZStaffText = z
  .string()
  .trim()
  .min(1)
  .max(4000)
  .regex(/^[^\p{Cc}]*(?:\r?\n[^\p{Cc}]*)*$/u, 'no control characters other than line breaks');

// ---------------------------------------------------------------------------------------
// The list

export interface ListFilters {
  status?: readonly RequestStatus[];
  type?: readonly RequestType[];
  /** 'me' (the viewer), 'none' (unassigned) or a staff id. */
  assignee?: string;
  /** Open requests whose running clock is due within this many days. */
  dueSoon?: number;
  /** Open requests whose running clock is past its due day. */
  overdue?: boolean;
  /** A request id, a reference (exact or its beginning, e.g. R-20261128), or an exact email address or name. */
  q?: string;
  sort?: repo.SortField;
  direction?: 'asc' | 'desc';
  limit?: number;
  cursor?: string;
}

export interface RequestSummary {
  id: string;
  reference: string;
  type: RequestType;
  status: RequestStatus;
  language: 'ja' | 'en';
  requesterKind: RequesterKind;
  deliveryMethod: DeliveryMethod;
  /** The person's name, for staff to recognise the row; null once retention disposed of it. */
  personName: string | null;
  assigneeId: string | null;
  receivedAt: Date;
  dueAt: Date;
  escalationAt: Date;
  /** The clock is stopped while the office waits on the requester. */
  paused: boolean;
  overdue: boolean;
  replyDueAt: Date | null;
  feeStatus: RequestRow['fee_status'];
  closedReason: string | null;
  completedAt: Date | null;
  updatedAt: Date;
}

function encodeCursor(value: Date, id: string): string {
  return Buffer.from(JSON.stringify([value.toISOString(), id]), 'utf8').toString('base64url');
}

const ZCursor = z.tuple([z.iso.datetime(), z.string().min(1).max(100)]);

function decodeCursor(cursor: string): { value: Date; id: string } {
  try {
    const parsed = ZCursor.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return { value: new Date(parsed.data[0]), id: parsed.data[1] };
  } catch {
    // fall through to the error below
  }
  throw new AppError('validation_failed', { details: [{ path: 'query.cursor', reason: 'invalid_cursor', message: 'pass back nextCursor as it was given' }] });
}

const REFERENCE_PREFIX = /^R-[0-9A-Z-]{0,16}$/i;
const REQUEST_ID = /^req_[A-Za-z0-9_-]{16}$/;

async function personName(db: Db, ctx: Pick<AppContext, 'vault'>, row: RequestRow): Promise<string | null> {
  if (!row.subject_blob_id) return null;
  try {
    return (await readSubject(db, ctx, row)).person.name;
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') return null;
    throw err;
  }
}

function isOverdue(row: RequestRow, now: Date): boolean {
  return !isFinal(row.status as RequestStatus) && row.paused_at === null && row.due_at.getTime() < now.getTime();
}

export function toSummary(row: RequestRow, name: string | null, now: Date): RequestSummary {
  return {
    id: row.id,
    reference: row.reference,
    type: row.type as RequestType,
    status: row.status as RequestStatus,
    language: row.language,
    requesterKind: row.requester_kind,
    deliveryMethod: row.delivery_method,
    personName: name,
    assigneeId: row.assignee_id,
    receivedAt: row.received_at,
    dueAt: row.due_at,
    escalationAt: row.escalation_at,
    paused: row.paused_at !== null,
    overdue: isOverdue(row, now),
    replyDueAt: row.reply_due_at,
    feeStatus: row.fee_status,
    closedReason: row.closed_reason,
    completedAt: row.completed_at,
    updatedAt: row.updated_at,
  };
}

/**
 * One page of requests. Search by email or name matches exactly, through the keyed lookup
 * hashes: the clear values are never in a column to search. The person's name is decrypted
 * for the rows of the page only.
 */
export async function listRequests(
  db: Db,
  ctx: Pick<AppContext, 'vault' | 'clock'>,
  filters: ListFilters,
  viewer: { staffId: string | null } = { staffId: null },
): Promise<{ requests: RequestSummary[]; nextCursor: string | null }> {
  const now = ctx.clock.now();
  const limit = Math.min(Math.max(1, filters.limit ?? LIST_LIMIT_DEFAULT), LIST_LIMIT_MAX);
  const sort = filters.sort ?? 'due_at';
  const query: repo.ListQuery = {
    sort,
    direction: filters.direction ?? (sort === 'due_at' ? 'asc' : 'desc'),
    limit: limit + 1,
    ...(filters.status ? { statuses: filters.status } : {}),
    ...(filters.type ? { types: filters.type } : {}),
  };
  if (filters.assignee !== undefined) {
    if (filters.assignee === 'none') query.assignee = null;
    else if (filters.assignee === 'me') {
      if (!viewer.staffId) throw new AppError('validation_failed', { details: [{ path: 'query.assignee', reason: 'no_viewer', message: '"me" needs a signed-in staff member' }] });
      query.assignee = viewer.staffId;
    } else query.assignee = filters.assignee;
  }
  if (filters.dueSoon !== undefined) query.dueBetween = { from: now, to: new Date(now.getTime() + filters.dueSoon * DAY_MS) };
  if (filters.overdue) query.overdueAt = now;
  const q = filters.q?.trim();
  if (q) {
    if (REQUEST_ID.test(q)) query.id = q;
    else if (REFERENCE_PREFIX.test(q)) query.referencePrefix = q.toUpperCase();
    else if (q.includes('@')) query.emailLookup = await lookupHash(db, ctx, 'email', q);
    else query.nameLookup = await lookupHash(db, ctx, 'name', q);
  }
  if (filters.cursor) query.after = decodeCursor(filters.cursor);

  const rows = await repo.listRequestRows(db, query);
  const page = rows.slice(0, limit);
  const requests: RequestSummary[] = [];
  for (const row of page) requests.push(toSummary(row, await personName(db, ctx, row), now));
  const last = page[page.length - 1];
  const nextCursor = rows.length > limit && last ? encodeCursor(last[sort], last.id) : null;
  return { requests, nextCursor };
}

// ---------------------------------------------------------------------------------------
// One request

export interface PaymentView {
  id: string;
  kind: 'payment' | 'waiver';
  amountYen: number;
  paidOn: string | null;
  payerName: string | null;
  reference: string | null;
  recordedBy: string;
  recordedAt: Date;
}

export interface RequestDetail extends RequestSummary {
  emailVerifiedAt: Date | null;
  pausedMs: number;
  identityVerifiedAt: Date | null;
  identityVerifiedBy: string | null;
  retentionUntil: Date | null;
  disposedAt: Date | null;
  version: number;
  assignee: { id: string; displayName: string } | null;
  /** Null once retention has disposed of the person's details. */
  subject: RequestSubject | null;
  fee: FeeBreakdown & { status: RequestRow['fee_status']; askedYen: number | null; paidYen: number };
  payments: PaymentView[];
  documents: { total: number; received: number; destroyed: number };
  /** The state-machine events possible from the current status. */
  actions: RequestEvent[];
}

async function readPayer(db: Db, ctx: Pick<AppContext, 'vault'>, blobId: string | null): Promise<string | null> {
  if (!blobId) return null;
  try {
    return ((await ctx.vault.readJson(db, blobId)) as { name: string }).name;
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') return null;
    throw err;
  }
}

export async function getRequestDetail(db: Db, ctx: Pick<AppContext, 'vault' | 'clock'>, id: string): Promise<RequestDetail> {
  const row = await findRequest(db, id);
  if (!row) throw new AppError('not_found');
  const now = ctx.clock.now();
  let subject: RequestSubject | null = null;
  if (row.subject_blob_id) {
    try {
      subject = await readSubject(db, ctx, row);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'not_found')) throw err;
    }
  }
  const settings = await getRequestSettings(db);
  const payments = await repo.listPaymentRows(db, id);
  const paymentViews: PaymentView[] = [];
  for (const p of payments) {
    paymentViews.push({
      id: p.id,
      kind: p.kind,
      amountYen: p.amountYen,
      paidOn: p.paidOn,
      payerName: await readPayer(db, ctx, p.payerBlobId),
      reference: p.reference,
      recordedBy: p.recordedBy,
      recordedAt: p.recordedAt,
    });
  }
  const documents = await repo.listDocumentRows(db, id);
  const [assignee] = row.assignee_id ? await repo.findStaffSummaries(db, [row.assignee_id]) : [];
  const breakdown = feeFor(settings, { type: row.type as RequestType, deliveryMethod: row.delivery_method }, row.fee_extra_yen);
  return {
    ...toSummary(row, subject?.person.name ?? null, now),
    emailVerifiedAt: row.email_verified_at,
    pausedMs: Number(row.paused_ms),
    identityVerifiedAt: row.identity_verified_at,
    identityVerifiedBy: row.identity_verified_by,
    retentionUntil: row.retention_until,
    disposedAt: row.disposed_at,
    version: row.version,
    assignee: assignee ? { id: assignee.id, displayName: assignee.displayName } : null,
    subject,
    fee: {
      ...breakdown,
      status: row.fee_status,
      askedYen: row.fee_yen,
      paidYen: payments.filter((p) => p.kind === 'payment').reduce((sum, p) => sum + p.amountYen, 0),
    },
    payments: paymentViews,
    documents: {
      total: documents.length,
      received: documents.filter((d) => d.status === 'received').length,
      destroyed: documents.filter((d) => d.status === 'destroyed').length,
    },
    actions: eventsFrom(row.status as RequestStatus),
  };
}

export interface TimelineEntry {
  id: string;
  seq: number;
  kind: string;
  fromStatus: string | null;
  toStatus: string | null;
  actor: Actor;
  data: Record<string, unknown>;
  /** Decrypted for staff; null when there is none or retention disposed of it. */
  text: string | null;
  visibleToRequester: boolean;
  at: Date;
}

export async function getTimeline(db: Db, ctx: Pick<AppContext, 'vault'>, id: string): Promise<TimelineEntry[]> {
  if (!(await findRequest(db, id))) throw new AppError('not_found');
  const rows = await repo.listEventRows(db, id, TIMELINE_LIMIT);
  const entries: TimelineEntry[] = [];
  for (const e of rows) {
    entries.push({
      id: e.id,
      seq: Number(e.seq),
      kind: e.kind,
      fromStatus: e.from_status,
      toStatus: e.to_status,
      actor: { type: e.actor_type as Actor['type'], id: e.actor_id },
      data: e.data,
      text: await readEventText(db, ctx, e.text_blob_id),
      visibleToRequester: e.visible_to_requester,
      at: e.at,
    });
  }
  return entries;
}

// ---------------------------------------------------------------------------------------
// Changes

function refuseWhenFinal(row: RequestRow, what: string): void {
  if (isFinal(row.status as RequestStatus)) {
    throw new AppError('invalid_transition', {
      details: [{ reason: 'request_final', message: `${what} is not possible once the request is "${row.status}"` }],
    });
  }
}

/** Gives the request to a staff member who works requests, or to nobody (null). */
export async function assignRequest(ctx: Ctx, id: string, assigneeId: string | null, actor: Actor, meta: Meta = {}): Promise<RequestRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const row = await lockRequest(trx, id);
    refuseWhenFinal(row, 'assigning');
    if (assigneeId !== null) {
      const [staff] = await repo.findStaffSummaries(trx, [assigneeId]);
      if (!staff || staff.status !== 'active' || !can(staff.role as StaffRole, 'requests.work')) {
        throw new AppError('validation_failed', {
          details: [{ path: 'body.assigneeId', reason: 'not_assignable', message: 'assign to an active staff member whose role works requests' }],
        });
      }
    }
    const updated = await repo.updateRequestColumns(trx, row, { assignee_id: assigneeId }, now);
    if (!updated) throw new AppError('conflict');
    await addEvent(trx, ctx, id, { kind: 'assigned', actor, data: { assigneeId, previousAssigneeId: row.assignee_id } });
    await appendAudit(trx, {
      action: 'request.assigned',
      actor,
      target: { type: 'request', id },
      requestId: meta.requestId ?? null,
      details: { assigneeId, previousAssigneeId: row.assignee_id },
      at: now,
    });
    return updated;
  });
}

/** An internal note on the timeline (encrypted, never shown to the requester). */
export async function addNote(ctx: Ctx, id: string, text: string, actor: Actor, meta: Meta = {}): Promise<{ eventId: string }> {
  const body = ZStaffText.parse(text);
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    await lockRequest(trx, id);
    const event = await addEvent(trx, ctx, id, { kind: 'note', actor, text: body, visibleToRequester: false });
    await appendAudit(trx, {
      action: 'request.note_added',
      actor,
      target: { type: 'request', id },
      requestId: meta.requestId ?? null,
      details: { eventId: event.id },
      at: now,
    });
    return { eventId: event.id };
  });
}

/** A message to the requester: on their status page and by email to the verified address. */
export async function sendMessage(ctx: Ctx, id: string, text: string, actor: Actor, meta: Meta = {}): Promise<{ eventId: string }> {
  const body = ZStaffText.parse(text);
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const row = await lockRequest(trx, id);
    // Writing to an address nobody has proved they own could reach a stranger.
    if (row.email_verified_at === null) throw new AppError('email_not_verified');
    if (!row.subject_blob_id) throw new AppError('not_found');
    const event = await addEvent(trx, ctx, id, { kind: 'message', actor, text: body, visibleToRequester: true });
    await emailRequester(trx, ctx, row, 'request.message', { reference: row.reference, message: body }, actor);
    await appendAudit(trx, {
      action: 'request.message_sent',
      actor,
      target: { type: 'request', id },
      requestId: meta.requestId ?? null,
      details: { eventId: event.id },
      at: now,
    });
    return { eventId: event.id };
  });
}

/** Withdraws the request for the requester, who asked by phone or letter; the reason stays internal. */
export async function withdrawOnBehalf(
  ctx: Ctx,
  id: string,
  input: { reason: string; channel: 'phone' | 'letter' | 'email' | 'in_person' | 'other' },
  actor: Actor,
  meta: Meta = {},
): Promise<RequestRow> {
  const reason = ZStaffText.parse(input.reason);
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const row = await lockRequest(trx, id);
    const updated = await transition(trx, ctx, row, {
      event: 'withdraw',
      actor,
      data: { onBehalf: true, channel: input.channel },
      message: { text: reason, visibleToRequester: false },
      patch: { reply_due_at: null },
      requestId: meta.requestId ?? null,
    });
    await appendAudit(trx, {
      action: 'request.withdrawn',
      actor,
      target: { type: 'request', id },
      requestId: meta.requestId ?? null,
      details: { onBehalf: true, channel: input.channel, from: row.status },
      at: now,
    });
    // The confirmation goes in writing to the verified address, as when the requester withdraws.
    if (updated.email_verified_at && updated.subject_blob_id) {
      await emailRequester(trx, ctx, updated, 'request.withdrawn', { reference: updated.reference, requestType: updated.type as RequestType, withdrawnAt: now }, actor);
    }
    return updated;
  });
}

/** Closes a request the desk cannot go on with, telling the requester why (unless the address
 * was never verified). Shared by identity review and the deadline sweep. */
export async function closeWithReason(
  trx: Db,
  ctx: Pick<AppContext, 'vault' | 'clock'>,
  row: RequestRow,
  input: { event: RequestEvent; reason: ClosureReason; actor: Actor; message?: string; requestId?: string | null },
): Promise<RequestRow> {
  const updated = await transition(trx, ctx, row, {
    event: input.event,
    actor: input.actor,
    data: { reason: input.reason },
    ...(input.message ? { message: { text: input.message, visibleToRequester: true } } : {}),
    patch: { closed_reason: input.reason, reply_due_at: null },
    requestId: input.requestId ?? null,
  });
  if (row.email_verified_at !== null && row.subject_blob_id) {
    await emailRequester(trx, ctx, updated, 'request.closed', { reference: row.reference, reason: input.reason, ...(input.message ? { message: input.message } : {}) }, input.actor);
  }
  return updated;
}
