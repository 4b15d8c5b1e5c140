// The tamper-evident audit log. Each entry's hash is SHA-256 over the previous entry's hash
// and the canonical JSON of the entry, so changing, deleting or reordering any entry breaks
// every hash after it. Entries hold ids and a pseudonymous subject reference, never raw
// personal data.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { canonicalJson, type CanonicalValue } from '../../lib/canonical.ts';
import { newId } from '../../lib/ids.ts';
import type { Actor, AuditAction } from './audit.actions.ts';
import * as repo from './audit.repository.ts';

type Exec = Kysely<Database>;

export const GENESIS_HASH = '0'.repeat(64);

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

/** The fields that the hash covers, in the form they are stored. */
export function hashableEntry(row: Omit<repo.AuditRow, 'hash' | 'prev_hash'>): string {
  return canonicalJson({
    seq: row.seq,
    id: row.id,
    at: row.at.toISOString(),
    actor_type: row.actor_type,
    actor_id: row.actor_id,
    action: row.action,
    target_type: row.target_type,
    target_id: row.target_id,
    request_id: row.request_id,
    subject_ref: row.subject_ref,
    details: row.details as CanonicalValue,
  });
}

export function chainHash(prevHash: string, canonical: string): string {
  return createHash('sha256').update(prevHash, 'utf8').update('\n').update(canonical, 'utf8').digest('hex');
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
 * Appends entries to the chain inside the caller's transaction, so the entry commits or rolls
 * back with the state change it records. Must be called with a transaction: the head row stays
 * locked until it commits.
 */
export async function appendAudit(trx: Exec, entries: AuditEntryInput | AuditEntryInput[]): Promise<{ seq: number; hash: string }> {
  const list = Array.isArray(entries) ? entries : [entries];
  const head = await repo.lockHead(trx);
  let seq = head.seq;
  let prev = head.hash;
  const rows: repo.AuditRow[] = [];
  for (const entry of list) {
    seq += 1;
    const base = toRow(entry, seq);
    const hash = chainHash(prev, hashableEntry(base));
    rows.push({ ...base, prev_hash: prev, hash });
    prev = hash;
  }
  await repo.insertEntries(trx, rows);
  await repo.setHead(trx, seq, prev);
  return { seq, hash: prev };
}
