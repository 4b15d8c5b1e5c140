// The tamper-evident audit log. Each entry's hash is SHA-256 over the previous entry's hash
// and the canonical JSON of the entry, so changing, deleting or reordering any entry breaks
// every hash after it. Entries hold ids and a pseudonymous subject reference, never raw
// personal data. This module appends, verifies, lists and exports; the group-commit writer
// for entries outside a business transaction is in audit-writer.ts.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { CanonicalValue } from '../../lib/canonical.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Actor, AuditAction } from './audit.actions.ts';
import { chainHash, checkEntry, GENESIS_HASH, hashableEntry, type ChainBreak } from './audit-chain.ts';
import * as repo from './audit.repository.ts';

export { chainHash, GENESIS_HASH, hashableEntry } from './audit-chain.ts';

type Exec = Kysely<Database>;

export interface AuditEntryInput {
  action: AuditAction;
  actor: Actor;
  target?: { type: string; id: string } | undefined;
  /** The HTTP request id (or job id) under which the action happened. */
  requestId?: string | null | undefined;
  /** Pseudonymous reference to the person concerned (a keyed hash), never the raw identity. */
  subjectRef?: string | null | undefined;
  /** Ids, codes and counts only. */
  details?: Record<string, CanonicalValue> | undefined;
  at: Date;
}

export interface AppendedEntry {
  seq: number;
  hash: string;
}

function toRow(entry: AuditEntryInput, seq: number): Omit<repo.AuditRow, 'hash' | 'prev_hash'> {
  // Round-trip the details through JSON so what is hashed equals what jsonb gives back.
  const details = JSON.parse(JSON.stringify(entry.details ?? {})) as Record<string, unknown>;
  return {
    seq,
    id: newId('aud'),
    // timestamptz keeps microseconds; a JS Date has milliseconds, so both sides agree.
    at: new Date(entry.at.getTime()),
    actor_type: entry.actor.type,
    actor_id: entry.actor.id,
    action: entry.action,
    target_type: entry.target?.type ?? null,
    target_id: entry.target?.id ?? null,
    request_id: entry.requestId ?? null,
    subject_ref: entry.subjectRef ?? null,
    details,
  };
}

/**
 * Appends entries in order and returns the seq and hash of each. Must run in a transaction:
 * the head row stays locked until it commits, which is what keeps one chain across processes.
 */
export async function appendAuditEntries(trx: Exec, entries: readonly AuditEntryInput[]): Promise<AppendedEntry[]> {
  if (entries.length === 0) return [];
  const head = await repo.lockHead(trx);
  let seq = head.seq;
  let prev = head.hash;
  const rows: repo.AuditRow[] = [];
  const appended: AppendedEntry[] = [];
  for (const entry of entries) {
    seq += 1;
    const base = toRow(entry, seq);
    const hash = chainHash(prev, hashableEntry(base));
    rows.push({ ...base, prev_hash: prev, hash });
    appended.push({ seq, hash });
    prev = hash;
  }
  await repo.insertEntries(trx, rows);
  await repo.setHead(trx, seq, prev);
  return appended;
}

/**
 * Appends entries to the chain inside the caller's transaction, so the entry commits or rolls
 * back with the state change it records. Must be called with a transaction: the head row stays
 * locked until it commits. Returns the seq and hash of the last entry written.
 */
export async function appendAudit(trx: Exec, entries: AuditEntryInput | AuditEntryInput[]): Promise<{ seq: number; hash: string }> {
  const list = Array.isArray(entries) ? entries : [entries];
  const appended = await appendAuditEntries(trx, list);
  const last = appended[appended.length - 1];
  if (last) return last;
  const head = await repo.lockHead(trx);
  return { seq: head.seq, hash: head.hash };
}

// ---------------------------------------------------------------------------------------------
// Verification

export const VERIFY_BATCH_SIZE = 5000;

export interface VerifyProgress {
  /** Entries checked so far. */
  entries: number;
  /** The head's seq when verification began: the number of entries to check. */
  headSeq: number;
}

export interface VerifyOptions {
  batchSize?: number;
  onProgress?: (progress: VerifyProgress) => void | Promise<void>;
}

export type VerifyResult =
  | { ok: true; entries: number; headSeq: number }
  | {
      ok: false;
      entries: number;
      headSeq: number;
      /** `id` is null when the broken place is an entry that is missing from the table. */
      firstBroken: { seq: number; id: string | null; reason: ChainBreak };
    };

/**
 * Walks the whole chain from the genesis hash and names the first entry that does not hold.
 * The head is read first and only entries up to it are checked, so appends that commit while
 * verification runs neither disturb it nor are reported; each batch is its own short query,
 * so on PGlite appends interleave instead of waiting for the whole walk.
 */
export async function verifyAuditChain(db: Exec, options: VerifyOptions = {}): Promise<VerifyResult> {
  const batchSize = options.batchSize ?? VERIFY_BATCH_SIZE;
  const state = await repo.readChainState(db);
  const { headSeq, headHash } = state;
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let lastId: string | null = null;
  let entries = 0;
  const broken = (seq: number, id: string | null, reason: ChainBreak): VerifyResult => ({
    ok: false,
    entries,
    headSeq,
    firstBroken: { seq, id, reason },
  });

  // Windows of seq rather than "the next n rows": in an intact chain each window holds
  // exactly batchSize entries, and a gap shows up as the first entry after it. The next window
  // is requested before the current one is checked, so on PostgreSQL the server reads while
  // this process hashes.
  const fetchWindow = (after: number) => repo.findChainRange(db, after, Math.min(after + batchSize, headSeq));
  let afterSeq = 0;
  let pending = headSeq > 0 ? fetchWindow(0) : null;
  try {
    while (pending) {
      const rows = await pending;
      afterSeq = Math.min(afterSeq + batchSize, headSeq);
      pending = afterSeq < headSeq ? fetchWindow(afterSeq) : null;
      for (const row of rows) {
        const reason = checkEntry(row, expectedSeq, prevHash);
        if (reason) return broken(row.seq, row.id, reason);
        prevHash = row.hash;
        lastId = row.id;
        expectedSeq += 1;
        entries += 1;
      }
      if (options.onProgress) await options.onProgress({ entries, headSeq });
    }
  } finally {
    // A read may still be under way when the walk stops early; let it finish (and swallow
    // its outcome) so nothing is left running on the connection or rejecting unobserved.
    await pending?.catch(() => undefined);
  }

  // The table ends before the head: entries were cut off the end.
  if (entries < headSeq) return broken(entries + 1, null, 'head_mismatch');
  // The last entry was rewritten consistently with its predecessor, but not in the head.
  if (prevHash !== headHash) return broken(headSeq, lastId, 'head_mismatch');
  // Entries beyond the head were inserted without going through the append path.
  if (state.maxSeq > headSeq) return broken(headSeq + 1, null, 'head_mismatch');
  return { ok: true, entries, headSeq };
}

// ---------------------------------------------------------------------------------------------
// Reading: the list for the admin API and the JSON-lines export

export interface AuditEntry {
  seq: number;
  id: string;
  at: Date;
  actor: { type: string; id: string | null };
  action: string;
  target: { type: string; id: string | null } | null;
  requestId: string | null;
  subjectRef: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export function toAuditEntry(row: repo.AuditRow): AuditEntry {
  return {
    seq: row.seq,
    id: row.id,
    at: row.at,
    actor: { type: row.actor_type, id: row.actor_id },
    action: row.action,
    target: row.target_type === null ? null : { type: row.target_type, id: row.target_id },
    requestId: row.request_id,
    subjectRef: row.subject_ref,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export const LIST_LIMIT_MAX = 200;
export const LIST_LIMIT_DEFAULT = 50;

export interface AuditListFilters extends repo.AuditRowFilters {
  /** From a previous page's `nextCursor`. */
  cursor?: string | undefined;
  /** 1–200, default 50. */
  limit?: number | undefined;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** The cursor is the seq of the last entry shown; entries below it come next. */
function parseCursor(cursor: string | undefined): number | null {
  if (cursor === undefined) return null;
  if (!/^[1-9]\d{0,15}$/.test(cursor)) {
    throw new AppError('validation_failed', { details: [{ path: 'cursor', reason: 'invalid_format' }] });
  }
  return Number(cursor);
}

/** Newest first, filtered, one page at a time. */
export async function listAudit(db: Exec, filters: AuditListFilters = {}): Promise<AuditPage> {
  const limit = Math.min(Math.max(Math.trunc(filters.limit ?? LIST_LIMIT_DEFAULT), 1), LIST_LIMIT_MAX);
  // One extra row tells whether another page exists without a count query.
  const rows = await repo.findEntriesNewestFirst(db, filters, parseCursor(filters.cursor), limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    entries: page.map(toAuditEntry),
    nextCursor: rows.length > limit && last ? String(last.seq) : null,
  };
}

export const EXPORT_BATCH_SIZE = 5000;

/** One exported line: every stored column under its stored name, `at` as ISO 8601. */
export function exportLine(row: repo.ChainRow): string {
  return JSON.stringify({
    seq: row.seq,
    id: row.id,
    at: row.at,
    actor_type: row.actor_type,
    actor_id: row.actor_id,
    action: row.action,
    target_type: row.target_type,
    target_id: row.target_id,
    request_id: row.request_id,
    subject_ref: row.subject_ref,
    details: row.details,
    prev_hash: row.prev_hash,
    hash: row.hash,
  });
}

/**
 * Writes entries with `from <= at < to` as JSON lines in chain order, waiting for `write` so a
 * slow destination applies back-pressure. Each line holds every stored field, so anyone can
 * recompute its hash with hashableEntry and chainHash. Returns how many lines were written.
 */
export async function exportAudit(
  db: Exec,
  range: { from?: Date | undefined; to?: Date | undefined },
  write: (line: string) => void | Promise<void>,
  options: { batchSize?: number } = {},
): Promise<{ entries: number }> {
  const batchSize = options.batchSize ?? EXPORT_BATCH_SIZE;
  // Find the span of seq that the time range covers, then walk it in seq windows: entries
  // are appended in time order, so the span is tight, and windows keep each read bounded.
  const bounds = await repo.findSeqBoundsInRange(db, range);
  if (!bounds) return { entries: 0 };
  let entries = 0;
  for (let afterSeq = bounds.min - 1; afterSeq < bounds.max; afterSeq += batchSize) {
    const rows = await repo.findChainRange(db, afterSeq, Math.min(afterSeq + batchSize, bounds.max), range);
    for (const row of rows) {
      await write(exportLine(row));
      entries += 1;
    }
  }
  return { entries };
}

export interface RecordedExportOptions {
  actor: Actor;
  /** Where the lines went, recorded in the entry (never a file path, which may name a person). */
  destination: 'stdout' | 'file' | 'http';
  requestId?: string | null;
}

/**
 * Exports and records that the log was exported ('audit.exported'), with the range and the
 * number of entries. An export that fails part-way is recorded too, marked incomplete: lines
 * may already have left.
 */
export async function exportAuditRecorded(
  ctx: { db: Exec; clock: Clock },
  range: { from?: Date | undefined; to?: Date | undefined },
  write: (line: string) => void | Promise<void>,
  options: RecordedExportOptions,
): Promise<{ entries: number }> {
  let entries = 0;
  let completed = false;
  try {
    const result = await exportAudit(ctx.db, range, async (line) => {
      await write(line);
      entries += 1;
    });
    completed = true;
    return result;
  } finally {
    await ctx.db.transaction().execute((trx) =>
      appendAudit(trx, {
        action: 'audit.exported',
        actor: options.actor,
        requestId: options.requestId ?? null,
        details: {
          entries,
          from: range.from ? range.from.toISOString() : null,
          to: range.to ? range.to.toISOString() : null,
          destination: options.destination,
          completed,
        },
        at: ctx.clock.now(),
      }),
    );
  }
}
