// What every part of the desk shares: loading a request under a row lock, moving it through the
// state machine (status, answer clock, completion and retention dates, the timeline event and
// the audit entry, all in the caller's transaction), adding timeline events, reading the
// encrypted subject, writing to the requester, and the keyed lookup hashes that let staff find
// a request by email or name without storing either in clear.
import { createHmac, randomBytes } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import type { RequestsTable } from '../../db/schema-requests.ts';
import type { Selectable } from 'kysely';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { enqueueJob } from '../../jobs/queue.ts';
import type { Actor } from '../audit/audit.actions.ts';
import type { CanonicalValue } from '../../lib/canonical.ts';
import { queueEmail, type QueueEmailInput } from '../mail/mail.service.ts';
import { getRequestSettings } from '../organization/organization.service.ts';
import { clockAfter, nextStatus, type RequestEvent } from './request-state.rules.ts';
import { FINAL_STATUSES, type RequestStatus, type RequestSubject } from './request.ts';

export type RequestRow = Selectable<RequestsTable>;
type Ctx = Pick<AppContext, 'vault' | 'clock'>;

/** The job that hands a request entering `in_progress` to the fulfilment provider. */
export const FULFILLMENT_START_JOB = 'requests.fulfillment_start';

export const SUBJECT_BLOB_KIND = 'request.subject';
export const TEXT_BLOB_KIND = 'request.text';
export const DOCUMENT_BLOB_KIND = 'request.document';

export function requestActor(requestId: string): Actor {
  return { type: 'requester', id: requestId };
}

export async function findRequest(db: Db, id: string): Promise<RequestRow | null> {
  return (await db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/** The request under a row lock for the rest of the transaction; `not_found` when absent. */
export async function lockRequest(trx: Db, id: string): Promise<RequestRow> {
  const row = await trx.selectFrom('requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw new AppError('not_found');
  return row;
}

function addMonths(at: Date, months: number): Date {
  const d = new Date(at.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, lastDay));
  return d;
}

/** When the documents of a request completed at `completedAt` are disposed of. */
export function retentionUntil(completedAt: Date, months: number): Date {
  return addMonths(completedAt, months);
}

export interface TransitionInput {
  event: RequestEvent;
  actor: Actor;
  /** Codes, counts and ids for the timeline and the audit entry (no personal data). */
  data?: Record<string, CanonicalValue>;
  /** Free text shown on the timeline (stored encrypted); `visibleToRequester` shows it on the status page. */
  message?: { text: string; visibleToRequester: boolean };
  /** Further columns to set in the same update. */
  patch?: Partial<Omit<RequestRow, 'id' | 'status' | 'version' | 'created_at'>>;
  requestId?: string | null;
}

/**
 * Moves `row` (locked by the caller) through `event`: validates the transition, moves the
 * answer clock, sets completion and retention dates on a final status, bumps the version, and
 * records the timeline event and the audit entry. Returns the updated row.
 */
export async function transition(trx: Db, ctx: Ctx, row: RequestRow, input: TransitionInput): Promise<RequestRow> {
  const now = ctx.clock.now();
  const from = row.status as RequestStatus;
  const to = nextStatus(from, input.event);
  const settings = await getRequestSettings(trx);
  const clock = clockAfter(
    { dueAt: row.due_at, escalationAt: row.escalation_at, pausedAt: row.paused_at, pausedMs: Number(row.paused_ms) },
    from,
    to,
    now,
    settings.deadlines.pauseWhileWaiting,
  );
  const final = FINAL_STATUSES.includes(to);
  const updated = await trx
    .updateTable('requests')
    .set({
      ...input.patch,
      status: to,
      due_at: clock.dueAt,
      escalation_at: clock.escalationAt,
      paused_at: clock.pausedAt,
      paused_ms: clock.pausedMs,
      ...(final ? { completed_at: now, retention_until: retentionUntil(now, settings.documentRetentionMonths), reply_due_at: null } : {}),
      version: row.version + 1,
      updated_at: now,
    })
    .where('id', '=', row.id)
    .where('version', '=', row.version)
    .returningAll()
    .executeTakeFirst();
  if (!updated) throw new AppError('conflict');
  if (to === 'in_progress' && from !== 'in_review') {
    // The seam to fulfilment: entering work hands the request to the fulfilment provider, in
    // the same transaction as the state change (the job runs after it commits).
    await enqueueJob(trx, { type: FULFILLMENT_START_JOB, payload: { requestId: row.id }, idempotencyKey: `fulfil:${row.id}` }, now);
  }
  await addEvent(trx, ctx, row.id, {
    kind: `status.${input.event}`,
    fromStatus: from,
    toStatus: to,
    actor: input.actor,
    data: input.data ?? {},
    text: input.message?.text,
    visibleToRequester: input.message?.visibleToRequester ?? true,
  });
  await appendAudit(trx, {
    action: 'request.status_changed',
    actor: input.actor,
    target: { type: 'request', id: row.id },
    requestId: input.requestId ?? null,
    details: { event: input.event, from, to, ...(input.data ?? {}) },
    at: now,
  });
  return updated;
}

export interface EventInput {
  kind: string;
  actor: Actor;
  fromStatus?: string | null;
  toStatus?: string | null;
  data?: Record<string, CanonicalValue>;
  /** Free text (a note, a message to the requester): stored encrypted. */
  text?: string | undefined;
  visibleToRequester?: boolean;
}

/** Adds one timeline event (no status change, no audit entry: the caller audits its action). */
export async function addEvent(trx: Db, ctx: Ctx, requestId: string, input: EventInput): Promise<{ id: string }> {
  const now = ctx.clock.now();
  const textBlob = input.text ? await ctx.vault.storeJson(trx, { kind: TEXT_BLOB_KIND, value: { text: input.text }, now }) : null;
  const id = newId('rev');
  await trx
    .insertInto('request_events')
    .values({
      id,
      request_id: requestId,
      kind: input.kind,
      from_status: input.fromStatus ?? null,
      to_status: input.toStatus ?? null,
      actor_type: input.actor.type,
      actor_id: input.actor.id,
      data: JSON.stringify(input.data ?? {}),
      text_blob_id: textBlob?.id ?? null,
      visible_to_requester: input.visibleToRequester ?? false,
      at: now,
    })
    .execute();
  return { id };
}

/** The request's personal details; `not_found` once retention has disposed of them. */
export async function readSubject(db: Db, ctx: Pick<AppContext, 'vault'>, row: Pick<RequestRow, 'subject_blob_id'>): Promise<RequestSubject> {
  if (!row.subject_blob_id) throw new AppError('not_found');
  return (await ctx.vault.readJson(db, row.subject_blob_id)) as RequestSubject;
}

/** Event text, or null when it was disposed of. */
export async function readEventText(db: Db, ctx: Pick<AppContext, 'vault'>, blobId: string | null): Promise<string | null> {
  if (!blobId) return null;
  try {
    const v = (await ctx.vault.readJson(db, blobId)) as { text: string };
    return v.text;
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') return null;
    throw err;
  }
}

type RequesterTemplate = Extract<QueueEmailInput['template'], `request.${string}`>;

/** Queues a mail to the request's contact address, in the request's language. */
export async function emailRequester<N extends RequesterTemplate>(
  trx: Db,
  ctx: Ctx,
  row: RequestRow,
  template: N,
  variables: Extract<QueueEmailInput, { template: N }>['variables'],
  actor?: Actor,
): Promise<void> {
  const subject = await readSubject(trx, ctx, row);
  await queueEmail(trx, ctx, {
    to: subject.contact.email,
    template,
    language: row.language,
    variables,
    related: { type: 'request', id: row.id },
    ...(actor ? { actor } : {}),
  } as QueueEmailInput);
}

// ---------------------------------------------------------------------------------------
// Keyed lookup hashes (HMAC-SHA256 with a random key kept in the vault).

const LOOKUP_KEY_STATE = 'requests.lookup_key_blob';
const lookupKeys = new WeakMap<object, Buffer>();

async function lookupKey(db: Db, ctx: Pick<AppContext, 'vault' | 'clock'>): Promise<Buffer> {
  const cached = lookupKeys.get(ctx.vault);
  if (cached) return cached;
  let state = await db.selectFrom('system_state').select('value').where('key', '=', LOOKUP_KEY_STATE).executeTakeFirst();
  // A key created in this call is not cached: the caller's transaction may still roll back, and
  // a cached key that was never saved would make every later hash unmatchable after a restart.
  const existed = state !== undefined;
  if (!state) {
    const blob = await ctx.vault.storeJson(db, { kind: 'lookup.key', value: { key: randomBytes(32).toString('base64') }, now: ctx.clock.now() });
    await db
      .insertInto('system_state')
      .values({ key: LOOKUP_KEY_STATE, value: JSON.stringify({ blobId: blob.id }), updated_at: ctx.clock.now() })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    state = await db.selectFrom('system_state').select('value').where('key', '=', LOOKUP_KEY_STATE).executeTakeFirstOrThrow();
  }
  const { blobId } = state.value as { blobId: string };
  const { key } = (await ctx.vault.readJson(db, blobId)) as { key: string };
  const buf = Buffer.from(key, 'base64');
  if (existed) lookupKeys.set(ctx.vault, buf);
  return buf;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** NFKC, no spaces of any width (ASCII or ideographic), lower case. */
export function normalizeName(name: string): string {
  return name.normalize('NFKC').replace(/\s+/gu, '').toLowerCase();
}

/** A keyed hash of an email or a name, for exact-match search and per-address limits; of a
 * client address (throttle keys) or a verification code (stored so a database reader cannot
 * try all million codes offline). */
export async function lookupHash(db: Db, ctx: Pick<AppContext, 'vault' | 'clock'>, kind: 'email' | 'name' | 'ip' | 'code', value: string): Promise<string> {
  const key = await lookupKey(db, ctx);
  const normal = kind === 'email' ? normalizeEmail(value) : kind === 'name' ? normalizeName(value) : value.trim().toLowerCase();
  return createHmac('sha256', key).update(`${kind}\0${normal}`).digest('hex');
}

/** A request reference people can read out on the phone: R-YYYYMMDD-XXXXXX (JST date; no 0/O/1/I). */
export function newReference(now: Date): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(6);
  let tail = '';
  for (const b of bytes) tail += alphabet[b % alphabet.length];
  // The date part is the date in Japan, where the office and most requesters are.
  const ymd = new Date(now.getTime() + 9 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
  return `R-${ymd}-${tail}`;
}

/** The public base URL joined with a path. */
export function publicUrl(ctx: Pick<AppContext, 'config'>, path: string): string {
  return `${ctx.config.http.baseUrl}${path}`;
}
