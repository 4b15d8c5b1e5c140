// The pure rules of the hash chain: which bytes an entry's hash covers, how a hash is formed,
// and how one stored entry is checked against the entry before it. No I/O here, so the rules
// can be tested on their own and an exported file can be checked with the same code.
import { hash } from 'node:crypto';
import type { AuditRow, ChainRow } from './audit.repository.ts';

export type { ChainRow } from './audit.repository.ts';

export const GENESIS_HASH = '0'.repeat(64);

export type HashedFields = Omit<AuditRow, 'hash' | 'prev_hash'>;

/** The fields that the hash covers, in the form they are stored (canonical JSON). */
export function hashableEntry(row: HashedFields): string {
  return canonicalEntry({ ...row, at: row.at.toISOString() });
}

/** The same bytes as hashableEntry, for an entry whose `at` is already ISO 8601 text. */
export function canonicalEntry(row: Omit<HashedFields, 'at'> & { at: string }): string {
  // The top level always has these eleven keys, so they are written in canonicalJson's
  // sorted order directly. Verification spends most of its JavaScript time here; this form
  // measured half the cost of canonicalJson over the whole entry, and unit tests pin its
  // bytes to canonicalJson's output.
  return (
    `{"action":${str(row.action)},"actor_id":${nullable(row.actor_id)},"actor_type":${str(row.actor_type)},` +
    `"at":${str(row.at)},"details":${canonicalValue(row.details)},"id":${str(row.id)},` +
    `"request_id":${nullable(row.request_id)},"seq":${row.seq},"subject_ref":${nullable(row.subject_ref)},` +
    `"target_id":${nullable(row.target_id)},"target_type":${nullable(row.target_type)}}`
  );
}

// Characters that JSON.stringify escapes (quote, backslash, controls) or checks (surrogates).
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function str(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

function nullable(value: string | null): string {
  return value === null ? 'null' : str(value);
}

/** canonicalJson's encoding (sorted keys, no whitespace), written for speed. */
export function canonicalValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return str(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON: non-finite number');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalValue(value[i]);
        return `${out}]`;
      }
      if (value instanceof Date) return str(value.toISOString());
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj);
      if (keys.length > 1) keys.sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = obj[key];
        if (member === undefined) continue;
        out += `${first ? '' : ','}${str(key)}:${canonicalValue(member)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`canonical JSON: unsupported type ${typeof value}`);
  }
}

export function chainHash(prevHash: string, canonical: string): string {
  // The one-shot hash avoids a Hash object per entry, which is most of the cost for inputs
  // this small.
  return hash('sha256', `${prevHash}\n${canonical}`, 'hex');
}

export type ChainBreak = 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap' | 'head_mismatch';

/**
 * Checks one stored entry given what the chain so far says must come next. The order of the
 * checks decides which reason is named: a missing entry shows as a gap before anything else,
 * an entry whose own fields no longer match its hash was changed, and an entry that is intact
 * but does not point at its predecessor was moved or its predecessor was rewritten.
 */
export function checkEntry(row: ChainRow, expectedSeq: number, expectedPrevHash: string): ChainBreak | null {
  if (row.seq !== expectedSeq) return 'sequence_gap';
  let canonical: string;
  try {
    canonical = canonicalEntry(row);
  } catch {
    // Details that cannot be encoded (a number too large for a double) were never written
    // by the append path, which encodes before it stores.
    return 'hash_mismatch';
  }
  if (chainHash(row.prev_hash, canonical) !== row.hash) return 'hash_mismatch';
  if (row.prev_hash !== expectedPrevHash) return 'prev_hash_mismatch';
  return null;
}
