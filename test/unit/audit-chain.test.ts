import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { canonicalJson, type CanonicalValue } from '../../src/lib/canonical.ts';
import {
  canonicalEntry,
  canonicalValue,
  chainHash,
  checkEntry,
  GENESIS_HASH,
  hashableEntry,
  type ChainRow,
} from '../../src/domains/audit/audit-chain.ts';
import { isoFromMillis, microsToIso } from '../../src/domains/audit/audit.repository.ts';

function entry(seq: number, prevHash: string, over: Partial<ChainRow> = {}): ChainRow {
  const base = {
    seq,
    id: `aud_${seq}`,
    at: '2026-11-27T09:00:00.123Z',
    actor_type: 'staff',
    actor_id: 'stf_1',
    action: 'staff.created',
    target_type: 'staff',
    target_id: 'stf_2',
    request_id: 'req-1',
    subject_ref: null,
    details: { role: 'auditor', count: 2 },
    ...over,
  };
  return { ...base, prev_hash: prevHash, hash: chainHash(prevHash, canonicalEntry(base)), ...over };
}

// Values of the kinds that reach the log: nested objects and arrays, escapes, non-ASCII,
// astral characters (where UTF-16 order differs from code-point order), numbers of every form.
const STRINGS = ['', 'a', 'é', '日本語', '"quoted"', 'back\\slash', 'tab\there', 'nul\u0000', '\u001f', '\u2028', '😀', '\ud83d', 'ﬀ', 'Z', 'a b'];
const NUMBERS = [0, -0, 1, -1, 0.1, 0.1 + 0.2, 1e21, 1e-7, 123456789012345, Number.MAX_SAFE_INTEGER, -2.5e-300];

function randomValue(depth: number): CanonicalValue {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;
  const kind = Math.floor(Math.random() * (depth > 2 ? 4 : 6));
  switch (kind) {
    case 0:
      return pick(STRINGS) + (Math.random() < 0.3 ? randomBytes(3).toString('hex') : '');
    case 1:
      return pick(NUMBERS);
    case 2:
      return Math.random() < 0.5;
    case 3:
      return null;
    case 4:
      return Array.from({ length: Math.floor(Math.random() * 4) }, () => randomValue(depth + 1));
    default: {
      const obj: Record<string, CanonicalValue> = {};
      for (let i = 0; i < Math.floor(Math.random() * 5); i++) obj[pick(STRINGS) + String(i % 2 === 0 ? '' : i)] = randomValue(depth + 1);
      return obj;
    }
  }
}

describe('the bytes an audit hash covers', () => {
  test('the fast encoder gives exactly canonicalJson’s bytes for a thousand random details', () => {
    for (let i = 0; i < 1000; i++) {
      const value = { ...(randomValue(0) as object), k: randomValue(1) } as Record<string, CanonicalValue>;
      assert.equal(canonicalValue(value), canonicalJson(value));
    }
    for (const s of STRINGS) assert.equal(canonicalValue(s), canonicalJson(s));
    for (const n of NUMBERS) assert.equal(canonicalValue(n), canonicalJson(n));
    const withDate = { when: new Date('2026-01-02T03:04:05.678Z'), skip: undefined };
    assert.equal(canonicalValue(withDate), canonicalJson(withDate));
  });

  test('an entry’s canonical form equals canonicalJson over its stored fields, keys sorted', () => {
    for (const over of [{}, { actor_id: null, target_type: null, target_id: null, request_id: null }, { subject_ref: 'ab"c\n', id: '😀' }]) {
      const row = entry(42, GENESIS_HASH, over);
      const { prev_hash: _p, hash: _h, ...fields } = row;
      assert.equal(canonicalEntry(row), canonicalJson(fields as unknown as CanonicalValue));
      assert.equal(hashableEntry({ ...fields, at: new Date(row.at) }), canonicalEntry(row));
    }
    assert.match(canonicalEntry(entry(1, GENESIS_HASH)), /^\{"action":"staff\.created","actor_id":"stf_1","actor_type":"staff","at":/);
  });

  test('each hash is SHA-256 of the previous hash, a newline and the canonical entry', () => {
    const canonical = canonicalEntry(entry(1, GENESIS_HASH));
    const expected = createHash('sha256').update(`${GENESIS_HASH}\n${canonical}`, 'utf8').digest('hex');
    assert.equal(chainHash(GENESIS_HASH, canonical), expected);
    assert.equal(GENESIS_HASH, '0'.repeat(64));
  });
});

describe('checking one entry against the chain so far', () => {
  const first = entry(1, GENESIS_HASH);
  const second = entry(2, first.hash);

  test('an intact entry in its place passes', () => {
    assert.equal(checkEntry(first, 1, GENESIS_HASH), null);
    assert.equal(checkEntry(second, 2, first.hash), null);
  });

  test('a changed field, a changed time or a replaced hash breaks the entry’s own hash', () => {
    assert.equal(checkEntry({ ...second, details: { role: 'admin', count: 2 } }, 2, first.hash), 'hash_mismatch');
    assert.equal(checkEntry({ ...second, actor_id: 'stf_9' }, 2, first.hash), 'hash_mismatch');
    assert.equal(checkEntry({ ...second, at: '2026-11-27T09:00:00.123001Z' }, 2, first.hash), 'hash_mismatch');
    assert.equal(checkEntry({ ...second, hash: first.hash }, 2, first.hash), 'hash_mismatch');
  });

  test('an entry that is intact but follows the wrong predecessor is out of place', () => {
    const elsewhere = entry(2, 'f'.repeat(64));
    assert.equal(checkEntry(elsewhere, 2, first.hash), 'prev_hash_mismatch');
  });

  test('an entry whose seq is not the next one shows a gap, before anything else is checked', () => {
    assert.equal(checkEntry(entry(3, first.hash), 2, first.hash), 'sequence_gap');
  });

  test('details that cannot be encoded count as changed, they do not crash the check', () => {
    assert.equal(checkEntry({ ...second, details: { n: Number.POSITIVE_INFINITY } }, 2, first.hash), 'hash_mismatch');
  });
});

describe('times read back from the database', () => {
  test('whole milliseconds give toISOString’s form, which is what was hashed', () => {
    const at = new Date('2026-11-27T09:00:00.123Z');
    assert.equal(microsToIso(String(at.getTime() * 1000)), at.toISOString());
    assert.equal(microsToIso('-1000'), '1969-12-31T23:59:59.999Z');
  });

  test('a time with microseconds keeps them, so it can never hash like the original', () => {
    const at = new Date('2026-11-27T09:00:00.123Z');
    assert.equal(microsToIso(String(at.getTime() * 1000 + 7)), '2026-11-27T09:00:00.123007Z');
    assert.equal(microsToIso('-1'), '1969-12-31T23:59:59.999999Z');
  });

  test('the fast ISO formatter agrees with toISOString, in order and at random, in every era', () => {
    const samples = [0, -1, 1, 999, -3_600_000, 3_599_999, 8.64e15, -8.64e15, Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1)];
    for (let i = 0; i < 20_000; i++) samples.push(Math.round((Math.random() - 0.3) * 1e14));
    let t = Date.UTC(2026, 10, 27, 22, 59, 58, 0);
    for (let i = 0; i < 5000; i++) samples.push((t += Math.floor(Math.random() * 700)));
    for (const ms of samples) assert.equal(isoFromMillis(ms), new Date(ms).toISOString(), String(ms));
  });

  test('a time beyond what a JavaScript date holds is kept as a marker instead of throwing', () => {
    assert.equal(microsToIso('9000000000000000000000'), '9000000000000000000000us');
  });
});
