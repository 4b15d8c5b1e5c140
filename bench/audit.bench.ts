// Audit log benchmark: how fast entries are appended (group commit and one transaction per
// entry) and how fast the chain is verified, each beside the floor measured in the same run:
// SHA-256 over the same canonical bytes with no database at all. It generates its own data
// in a database of its own (a temporary PGlite directory, or a new PostgreSQL database that it
// drops afterwards).
//
//   node --import tsx bench/audit.bench.ts [--engine pglite|postgres] [--count 100000]
//        [--single 2000] [--concurrency 256] [--pg-url postgres://postgres@127.0.0.1:5432/postgres]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { AUDIT_ACTIONS, ACTOR_TYPES } from '../src/domains/audit/audit.actions.ts';
import { chainHash, canonicalEntry } from '../src/domains/audit/audit-chain.ts';
import { findChainRange } from '../src/domains/audit/audit.repository.ts';
import { appendAudit, verifyAuditChain, type AuditEntryInput } from '../src/domains/audit/audit.service.ts';
import { createAuditWriter } from '../src/domains/audit/audit-writer.ts';

const { values: args } = parseArgs({
  options: {
    engine: { type: 'string', default: 'pglite' },
    count: { type: 'string', default: '100000' },
    single: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '256' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const engine = args.engine === 'postgres' ? 'postgres' : 'pglite';
const count = Number(args.count);
const singleCount = Number(args.single);
const concurrency = Number(args.concurrency);

// ---------------------------------------------------------------------------------------------
// Data: entries shaped like the ones Madoguchi writes (ids, codes and counts).

let rng = 0x9e3779b9;
function rand(n: number): number {
  rng = (Math.imul(rng ^ (rng >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
  return rng % n;
}
const pick = <T>(list: readonly T[]): T => list[rand(list.length)] as T;
const hex = (n: number) => randomBytes(n).toString('hex');
const staffIds = Array.from({ length: 40 }, () => `stf_${randomBytes(12).toString('base64url')}`);
const requestIds = Array.from({ length: 5000 }, () => `req_${randomBytes(12).toString('base64url')}`);
const baseTime = Date.UTC(2026, 10, 1);

function makeEntry(i: number): AuditEntryInput {
  const actorType = pick(ACTOR_TYPES);
  return {
    action: pick(AUDIT_ACTIONS),
    actor: { type: actorType, id: actorType === 'staff' ? pick(staffIds) : actorType === 'system' ? 'job:email' : `key_${hex(6)}` },
    target: { type: 'request', id: pick(requestIds) },
    requestId: randomBytes(16).toString('hex'),
    subjectRef: rand(3) === 0 ? null : hex(32),
    details: { status: pick(['received', 'verified', 'fulfilled']), count: rand(1000), jobId: `job_${hex(8)}`, retried: rand(2) === 0 },
    at: new Date(baseTime + i * 37),
  };
}

// ---------------------------------------------------------------------------------------------
// The database under test.

async function openBenchDatabase(): Promise<{ handle: DatabaseHandle; cleanup: () => Promise<void>; where: string }> {
  if (engine === 'pglite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mdg-bench-audit-'));
    const handle = await openDatabase({ kind: 'pglite', dataDir: path.join(dir, 'pglite') });
    await migrateToLatest(handle.db as never);
    return { handle, where: `PGlite (data directory on ${os.tmpdir()})`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const adminUrl = String(args['pg-url']);
  const name = `mdg_bench_audit_${hex(4)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ kind: 'postgres', url: url.toString() }, { poolSize: 10 });
  await migrateToLatest(handle.db as never);
  return {
    handle,
    where: `PostgreSQL (${url.host}, pool of 10)`,
    cleanup: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The floor: hashing the chain's canonical bytes, nothing else.

interface Floor {
  hashPerSec: number;
  canonicalAndHashPerSec: number;
}

async function measureFloor(handle: DatabaseHandle, limit: number): Promise<Floor> {
  const rows = [];
  let after = 0;
  while (after < limit) {
    rows.push(...(await findChainRange(handle.db, after, Math.min(after + 10_000, limit))));
    after += 10_000;
  }
  const canon = rows.map((r) => canonicalEntry(r));
  const prevs = rows.map((r) => r.prev_hash);
  // Warm the hash path up, then time it (best of three, as for every figure here the
  // run-to-run noise on a shared machine is a few per cent).
  let best = Infinity;
  let sink = 0;
  for (let round = 0; round < 4; round++) {
    const t0 = performance.now();
    for (let i = 0; i < canon.length; i++) sink ^= chainHash(prevs[i] as string, canon[i] as string).charCodeAt(0);
    const ms = performance.now() - t0;
    if (round > 0) best = Math.min(best, ms);
  }
  let bestCanon = Infinity;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    for (let i = 0; i < rows.length; i++) sink ^= chainHash(prevs[i] as string, canonicalEntry(rows[i] as (typeof rows)[number])).charCodeAt(0);
    bestCanon = Math.min(bestCanon, performance.now() - t0);
  }
  if (sink === -1) console.log('');
  return { hashPerSec: (canon.length / best) * 1000, canonicalAndHashPerSec: (rows.length / bestCanon) * 1000 };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { handle, cleanup, where } = await openBenchDatabase();
  const db = handle.db;
  const results: Array<{ what: string; n: number; ms: number; note?: string }> = [];
  try {
    // 1. One transaction per entry: what an entry costs when it rides alone.
    const single = Array.from({ length: singleCount }, (_, i) => makeEntry(i));
    let t0 = performance.now();
    for (const entry of single) await db.transaction().execute((trx) => appendAudit(trx, entry));
    results.push({ what: 'append, one transaction per entry', n: singleCount, ms: performance.now() - t0 });

    // 2. Group commit: `concurrency` callers, each recording its next entry as soon as the
    // previous one is committed, as request handlers would.
    const entries = Array.from({ length: count }, (_, i) => makeEntry(singleCount + i));
    let transactions = 0;
    const writer = createAuditWriter(db, { onCommit: () => (transactions += 1) });
    let next = 0;
    t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < entries.length) {
          const entry = entries[next++] as AuditEntryInput;
          await writer.record(entry);
        }
      }),
    );
    await writer.close();
    results.push({ what: `append, group commit (${concurrency} concurrent callers)`, n: count, ms: performance.now() - t0 });

    // 3. Verify everything written above.
    const total = singleCount + count;
    t0 = performance.now();
    const verdict = await verifyAuditChain(db);
    const verifyMs = performance.now() - t0;
    if (!verdict.ok || verdict.entries !== total) throw new Error(`verification failed: ${JSON.stringify(verdict)}`);
    results.push({ what: 'verify whole chain', n: total, ms: verifyMs });

    const floor = await measureFloor(handle, total);

    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(`\nAudit log benchmark: ${where}, Node ${process.version}, ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ''}`);
    console.log(`Floor in this run: SHA-256 over the same canonical bytes, no database = ${fmt(floor.hashPerSec)} entries/s`);
    console.log(`  (canonical JSON encoding + SHA-256, no database = ${fmt(floor.canonicalAndHashPerSec)} entries/s)\n`);
    const header = ['measure', 'entries', 'seconds', 'entries/s', 'floor/s', 'of floor'];
    const rows = results.map((r) => {
      const perSec = (r.n / r.ms) * 1000;
      return [r.what, fmt(r.n), (r.ms / 1000).toFixed(2), fmt(perSec), fmt(floor.hashPerSec), `${((perSec / floor.hashPerSec) * 100).toFixed(1)} %`];
    });
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of rows) console.log(line(r));
    console.log(`\ngroup commit: ${fmt(count)} entries in ${fmt(transactions)} transactions (${(count / Math.max(transactions, 1)).toFixed(0)} per transaction on average)`);
    console.log('aims: group-commit append >= 5,000 entries/s on PGlite; verify >= 50 % of the floor\n');
  } finally {
    await handle.close();
    await cleanup();
  }
}

await main();
