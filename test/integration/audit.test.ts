import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { canonicalEntry, chainHash, hashableEntry } from '../../src/domains/audit/audit-chain.ts';
import { findChainRange, type AuditRow } from '../../src/domains/audit/audit.repository.ts';
import {
  appendAudit,
  exportAudit,
  exportAuditRecorded,
  listAudit,
  verifyAuditChain,
  type AuditEntryInput,
  type VerifyResult,
} from '../../src/domains/audit/audit.service.ts';
import { createAuditWriter } from '../../src/domains/audit/audit-writer.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { ENGINES, freshDatabase, type TestDatabase } from '../helpers/databases.ts';

type Db = Kysely<Database>;

const T0 = Date.UTC(2026, 10, 1, 9, 0, 0);

function sample(i: number, over: Partial<AuditEntryInput> = {}): AuditEntryInput {
  return {
    action: i % 2 === 0 ? 'staff.created' : 'email.sent',
    actor: i % 3 === 0 ? { type: 'system', id: null } : { type: 'staff', id: `stf_${i % 4}` },
    ...(i % 5 === 0 ? {} : { target: { type: 'request', id: `req_${i}` } }),
    requestId: i % 2 === 0 ? `http-${i}` : null,
    subjectRef: i % 3 === 1 ? `subj_${i}` : null,
    details: { n: i, nested: { list: [1, 'two', null, { é: true }], when: '2026-11-01' }, ratio: i / 7 },
    at: new Date(T0 + i * 60_000),
    ...over,
  };
}

class Rollback extends Error {}

/** Tampers inside a transaction, verifies through it, then rolls everything back. */
async function verifyTampered(db: Db, tamper: (trx: Db) => Promise<void>): Promise<VerifyResult> {
  let result: VerifyResult | undefined;
  await db
    .transaction()
    .execute(async (trx) => {
      await tamper(trx);
      result = await verifyAuditChain(trx, { batchSize: 4 });
      throw new Rollback();
    })
    .catch((err: unknown) => {
      if (!(err instanceof Rollback)) throw err;
    });
  assert.ok(result);
  return result;
}

async function idOf(db: Db, seq: number): Promise<string> {
  const row = await db.selectFrom('audit_log').select('id').where('seq', '=', seq).executeTakeFirstOrThrow();
  return row.id;
}

function broken(result: VerifyResult) {
  assert.equal(result.ok, false, 'the chain must not verify');
  return result.ok ? null : result.firstBroken;
}

for (const engine of ENGINES) {
  describe(`audit chain verification [${engine}]`, () => {
    let h: TestDatabase;
    before(async () => {
      h = await freshDatabase(engine);
      // 20 entries in 5 transactions; entry 13 holds the separators the fast read path uses.
      for (let tx = 0; tx < 5; tx++) {
        const list = [1, 2, 3, 4].map((k) => {
          const i = tx * 4 + k;
          return i === 13 ? sample(i, { target: { type: 'request', id: 'odd\u001fid\u001ewith separators' } }) : sample(i);
        });
        await h.db.transaction().execute((trx) => appendAudit(trx, list));
      }
    });
    after(async () => {
      await h.close();
    });

    test('an untouched chain verifies, in batches, reporting progress', async () => {
      assert.deepEqual(await verifyAuditChain(h.db), { ok: true, entries: 20, headSeq: 20 });
      const progress: number[] = [];
      const result = await verifyAuditChain(h.db, { batchSize: 6, onProgress: (p) => void progress.push(p.entries) });
      assert.deepEqual(result, { ok: true, entries: 20, headSeq: 20 });
      assert.deepEqual(progress, [6, 12, 18, 20]);
      const [odd] = await findChainRange(h.db, 12, 13);
      assert.equal(odd?.target_id, 'odd\u001fid\u001ewith separators', 'stored separators are read back exactly');
    });

    test('changed details are caught at that entry', async () => {
      const result = await verifyTampered(h.db, async (trx) => {
        await sql`update audit_log set details = jsonb_set(details, '{n}', '700') where seq = 7`.execute(trx);
      });
      assert.deepEqual(broken(result), { seq: 7, id: await idOf(h.db, 7), reason: 'hash_mismatch' });
      assert.equal(result.entries, 6);
    });

    test('a changed actor is caught at that entry', async () => {
      const result = await verifyTampered(h.db, async (trx) => {
        await sql`update audit_log set actor_type = 'staff', actor_id = 'stf_someone_else' where seq = 12`.execute(trx);
      });
      assert.deepEqual(broken(result), { seq: 12, id: await idOf(h.db, 12), reason: 'hash_mismatch' });
    });

    test('a time moved by one microsecond is caught', async () => {
      const result = await verifyTampered(h.db, async (trx) => {
        await sql`update audit_log set at = at + interval '1 microsecond' where seq = 3`.execute(trx);
      });
      assert.deepEqual(broken(result), { seq: 3, id: await idOf(h.db, 3), reason: 'hash_mismatch' });
    });

    test('a change to an entry holding separator characters is caught too', async () => {
      const result = await verifyTampered(h.db, async (trx) => {
        await sql`update audit_log set request_id = 'other' where seq = 13`.execute(trx);
      });
      assert.deepEqual(broken(result), { seq: 13, id: await idOf(h.db, 13), reason: 'hash_mismatch' });
    });

    test('a deleted entry is caught as a gap at the entry after it', async () => {
      const result = await verifyTampered(h.db, async (trx) => {
        await sql`delete from audit_log where seq = 9`.execute(trx);
      });
      assert.deepEqual(broken(result), { seq: 10, id: await idOf(h.db, 10), reason: 'sequence_gap' });
      assert.equal(result.entries, 8);
    });

    test('two entries whose seq were swapped are caught at the first of them', async () => {
      const result = await verifyTampered(h.db, async (trx) => {
        await sql`update audit_log set seq = -10 where seq = 10`.execute(trx);
        await sql`update audit_log set seq = 10 where seq = 11`.execute(trx);
        await sql`update audit_log set seq = 11 where seq = -10`.execute(trx);
      });
      assert.deepEqual(broken(result), { seq: 10, id: await idOf(h.db, 11), reason: 'hash_mismatch' });
    });

    test('two entries whose contents were swapped (all but seq and id) are caught at the first of them', async () => {
      const result = await verifyTampered(h.db, async (trx) => {
        await sql`
          update audit_log a set at = b.at, actor_type = b.actor_type, actor_id = b.actor_id, action = b.action,
            target_type = b.target_type, target_id = b.target_id, request_id = b.request_id, subject_ref = b.subject_ref,
            details = b.details, prev_hash = b.prev_hash, hash = b.hash
          from audit_log b where (a.seq, b.seq) in ((10, 11), (11, 10))`.execute(trx);
      });
      assert.deepEqual(broken(result), { seq: 10, id: await idOf(h.db, 10), reason: 'hash_mismatch' });
    });

    test('a reordered pair whose hashes were recomputed is caught where the rewrite stops', async () => {
      const result = await verifyTampered(h.db, async (trx) => {
        const [ten, eleven] = await findChainRange(trx, 9, 11);
        assert.ok(ten && eleven);
        // The intruder swaps the order and re-hashes both moved entries, but not the rest.
        const newTen = { ...eleven, seq: 10, prev_hash: ten.prev_hash };
        const newTenHash = chainHash(newTen.prev_hash, canonicalEntry(newTen));
        const newEleven = { ...ten, seq: 11, prev_hash: newTenHash };
        const newElevenHash = chainHash(newEleven.prev_hash, canonicalEntry(newEleven));
        await sql`update audit_log set seq = -10 where seq = 10`.execute(trx);
        await sql`update audit_log set seq = 10, prev_hash = ${newTen.prev_hash}, hash = ${newTenHash} where seq = 11`.execute(trx);
        await sql`update audit_log set seq = 11, prev_hash = ${newTenHash}, hash = ${newElevenHash} where seq = -10`.execute(trx);
      });
      assert.deepEqual(broken(result), { seq: 12, id: await idOf(h.db, 12), reason: 'prev_hash_mismatch' });
      assert.equal(result.entries, 11);
    });

    test('a truncated tail is caught: the head says more than the table holds', async () => {
      const result = await verifyTampered(h.db, async (trx) => {
        await sql`delete from audit_log where seq >= 19`.execute(trx);
      });
      assert.deepEqual(broken(result), { seq: 19, id: null, reason: 'head_mismatch' });
      assert.equal(result.entries, 18);
    });

    test('a last entry rewritten with a fresh hash does not match the head', async () => {
      const result = await verifyTampered(h.db, async (trx) => {
        const [last] = await findChainRange(trx, 19, 20);
        assert.ok(last);
        const forged = { ...last, details: { n: 0 } };
        await sql`update audit_log set details = '{"n":0}', hash = ${chainHash(forged.prev_hash, canonicalEntry(forged))} where seq = 20`.execute(trx);
      });
      assert.deepEqual(broken(result), { seq: 20, id: await idOf(h.db, 20), reason: 'head_mismatch' });
    });

    test('an entry inserted past the head, outside the append path, is caught', async () => {
      const result = await verifyTampered(h.db, async (trx) => {
        await sql`
          insert into audit_log (seq, id, at, actor_type, actor_id, action, details, prev_hash, hash)
          select 21, 'aud_forged', now(), 'system', null, 'email.sent', '{}', hash, hash from audit_log where seq = 20`.execute(trx);
      });
      assert.deepEqual(broken(result), { seq: 21, id: null, reason: 'head_mismatch' });
    });

    test('after all of that (rolled back) the chain still verifies', async () => {
      assert.deepEqual(await verifyAuditChain(h.db, { batchSize: 5 }), { ok: true, entries: 20, headSeq: 20 });
    });
  });

  describe(`audit appends from many writers, export and list [${engine}]`, () => {
    let h: TestDatabase;
    before(async () => {
      h = await freshDatabase(engine, { poolSize: 10 });
    });
    after(async () => {
      await h.close();
    });

    test('50 transactions appending at once still form one valid chain', async () => {
      const before = await verifyAuditChain(h.db);
      assert.equal(before.ok, true);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          h.db.transaction().execute(async (trx) => {
            const count = (i % 3) + 1;
            const res = await appendAudit(trx, Array.from({ length: count }, (_, k) => sample(i * 3 + k)));
            // Hold the head lock a moment so that the transactions really overlap.
            await sql`select pg_sleep(0.002)`.execute(trx);
            return { ...res, count };
          }),
        ),
      );
      const added = results.reduce((n, r) => n + r.count, 0);
      const lastSeqs = results.map((r) => r.seq);
      assert.equal(new Set(lastSeqs).size, 50, 'every transaction got its own place in the chain');
      const result = await verifyAuditChain(h.db, { batchSize: 16 });
      assert.equal(result.ok, true);
      assert.equal(result.entries, before.entries + added);
    });

    test('the group-commit writer batches concurrent entries, keeps their order and the chain valid', async () => {
      const commits: number[] = [];
      const writer = createAuditWriter(h.db, { onCommit: (n) => void commits.push(n) });
      const results = await Promise.all(Array.from({ length: 300 }, (_, i) => writer.record(sample(i, { action: 'job.dead' }))));
      await writer.close();
      for (let i = 1; i < results.length; i++) assert.equal(results[i]?.seq, (results[i - 1]?.seq ?? 0) + 1, 'in call order, without gaps');
      assert.equal(commits.reduce((a, b) => a + b, 0), 300);
      assert.ok(commits.length <= 3, `300 entries recorded together took ${commits.length} transactions`);
      const last = results[results.length - 1];
      const head = await h.db.selectFrom('audit_head').select(['seq', 'hash']).executeTakeFirstOrThrow();
      assert.ok(last && head.seq >= last.seq);
      assert.equal((await verifyAuditChain(h.db)).ok, true);
      await assert.rejects(writer.record(sample(1)), /closed/);
    });

    test('an entry the database refuses fails alone; the others in its batch are written', async () => {
      const writer = createAuditWriter(h.db);
      const good = [1, 2, 3].map((i) => writer.record(sample(i)));
      // jsonb cannot hold a NUL character, so this one entry cannot be stored.
      const bad = writer.record(sample(4, { details: { text: 'a\u0000b' } }));
      const more = [5, 6].map((i) => writer.record(sample(i)));
      await assert.rejects(bad);
      const written = await Promise.all([...good, ...more]);
      assert.equal(new Set(written.map((w) => w.seq)).size, 5);
      await writer.flush();
      await writer.close();
      assert.equal((await verifyAuditChain(h.db)).ok, true);
    });

    test('export writes the entries of a time range as JSON lines anyone can re-hash', async () => {
      const base = Date.UTC(2031, 0, 1);
      await h.db.transaction().execute((trx) =>
        appendAudit(
          trx,
          Array.from({ length: 30 }, (_, i) => sample(i, { actor: { type: 'api_key', id: 'key_export' }, at: new Date(base + i * 3_600_000) })),
        ),
      );
      const lines: string[] = [];
      const from = new Date(base + 10 * 3_600_000);
      const to = new Date(base + 20 * 3_600_000);
      const { entries } = await exportAudit(h.db, { from, to }, (line) => void lines.push(line), { batchSize: 3 });
      assert.equal(entries, 10);
      assert.equal(lines.length, 10);
      let previousSeq = 0;
      for (const line of lines) {
        const e = JSON.parse(line) as Record<string, unknown>;
        assert.deepEqual(Object.keys(e).sort(), [
          'action', 'actor_id', 'actor_type', 'at', 'details', 'hash', 'id', 'prev_hash', 'request_id', 'seq', 'subject_ref', 'target_id', 'target_type',
        ]);
        const at = new Date(String(e.at));
        assert.ok(at >= from && at < to, 'inside the range, end exclusive');
        assert.equal(e.actor_id, 'key_export');
        assert.ok(Number(e.seq) > previousSeq, 'oldest first');
        previousSeq = Number(e.seq);
        const recomputed = chainHash(String(e.prev_hash), hashableEntry({ ...(e as unknown as AuditRow), at }));
        assert.equal(recomputed, e.hash, 'the line carries everything its hash covers');
      }
      const all: string[] = [];
      await exportAudit(h.db, {}, (line) => void all.push(line));
      const head = await h.db.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow();
      assert.equal(all.length, head.seq);
    });

    test('a recorded export adds an audit.exported entry with the range and the count', async () => {
      const base = Date.UTC(2032, 5, 1);
      await h.db.transaction().execute((trx) => appendAudit(trx, [sample(1, { at: new Date(base) }), sample(2, { at: new Date(base + 1000) })]));
      const now = new Date(Date.UTC(2032, 5, 2));
      const range = { from: new Date(base), to: new Date(base + 60_000) };
      const lines: string[] = [];
      const result = await exportAuditRecorded({ db: h.db, clock: fixedClock(now) }, range, (l) => void lines.push(l), {
        actor: { type: 'staff', id: 'stf_auditor' },
        destination: 'file',
      });
      assert.equal(result.entries, 2);
      const page = await listAudit(h.db, { action: 'audit.exported', actorId: 'stf_auditor' });
      assert.equal(page.entries.length, 1);
      assert.deepEqual(page.entries[0]?.details, {
        entries: 2,
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        destination: 'file',
        completed: true,
      });
      assert.deepEqual(page.entries[0]?.at, now);
    });
  });
}
