// Decision benchmark: one million people holding consents and restrictions (generated with
// bulk SQL), then, in the same run:
//   1. the SDK's local decision mode, loaded from the snapshot over HTTP: in-process decisions
//      per second and the latency of one decision (p50, p99, p99.9);
//   2. HTTP throughput of POST /api/app/decisions (one subject per request, and batches)
//      beside a bare Fastify endpoint returning a constant, both driven by the same load
//      generator in a child process (so the generator does not share the server's core).
//
//   node --expose-gc --import tsx bench/decision.bench.ts [--engine pglite|postgres] [--subjects 1000000]
//        [--seconds 10] [--connections 16] [--batch 100] [--pg-url postgres://postgres@127.0.0.1:5432/postgres]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { bootstrap } from '../src/app/bootstrap.ts';
import { loadConfig } from '../src/config/config.ts';
import { openDatabase, type DatabaseHandle } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { SYSTEM_ACTOR } from '../src/domains/audit/audit.actions.ts';
import { hashSubject, subjectSecret } from '../src/domains/consent/subject-key.ts';
import { seedSampleOrganization } from '../src/domains/organization/organization.service.ts';
import { createPurpose } from '../src/domains/purposes/purpose.service.ts';
import { createApiKey } from '../src/domains/staff/api-key.service.ts';
import { buildServer } from '../src/http/server.ts';
import { createLogger } from '../src/lib/logger.ts';
import { MadoguchiClient, type Subject } from '../src/sdk/index.ts';

const { values: args } = parseArgs({
  options: {
    engine: { type: 'string', default: 'pglite' },
    subjects: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    batch: { type: 'string', default: '100' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'load-generator': { type: 'string' },
  },
});

// ---------------------------------------------------------------------------------------------
// The load generator (child process): keep-alive connections, each sending the next request as
// soon as the last answer is read, for a fixed time. Prints one JSON line.

interface LoadPlan {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  bodies: string[];
  connections: number;
  seconds: number;
}

async function generateLoad(planFile: string): Promise<void> {
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as LoadPlan;
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.connections });
  const url = new URL(plan.url);
  let ok = 0;
  let failed = 0;
  let next = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const body = plan.bodies.length > 0 ? (plan.bodies[next++ % plan.bodies.length] ?? '') : null;
      const req = http.request(
        { agent, host: url.hostname, port: url.port, path: url.pathname, method: plan.method, headers: { ...plan.headers, ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) ok++;
            else failed++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        failed++;
        resolve();
      });
      if (body) req.end(body);
      else req.end();
    });
  // Warm-up, not counted.
  const warmUntil = Date.now() + 1000;
  await Promise.all(Array.from({ length: plan.connections }, async () => {
    while (Date.now() < warmUntil) await one();
  }));
  ok = 0;
  failed = 0;
  const started = process.hrtime.bigint();
  const until = Date.now() + plan.seconds * 1000;
  await Promise.all(Array.from({ length: plan.connections }, async () => {
    while (Date.now() < until) await one();
  }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  process.stdout.write(`${JSON.stringify({ ok, failed, seconds })}\n`);
}

if (args['load-generator']) {
  await generateLoad(args['load-generator']);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------

const engine = args.engine === 'postgres' ? 'postgres' : 'pglite';
const subjectCount = Number(args.subjects);
const seconds = Number(args.seconds);
const connections = Number(args.connections);
const batchSize = Number(args.batch);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const self = fileURLToPath(import.meta.url);
const work = mkdtempSync(path.join(os.tmpdir(), 'mdg-bench-decision-'));

async function openBenchDatabase(): Promise<{ handle: DatabaseHandle; where: string; cleanup: () => Promise<void> }> {
  if (engine === 'pglite') {
    const handle = await openDatabase({ kind: 'pglite', dataDir: path.join(work, 'pglite') });
    await migrateToLatest(handle.db as never);
    return { handle, where: 'PGlite (data directory)', cleanup: async () => {} };
  }
  const adminUrl = String(args['pg-url']);
  const name = `mdg_bench_decision_${randomBytes(4).toString('hex')}`;
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

const subjectOf = (i: number): Subject => ({ type: 'user_id', value: `u${i}` });

/** Who holds what: a third granted newsletter, a third withdrew it; a quarter granted partner
 * offers; 1 % have every use suspended, 1 % stopped provision to partner-a. */
function profile(i: number) {
  return {
    newsletter: i % 3 === 0 ? 'granted' : i % 3 === 1 ? 'withdrawn' : null,
    partner: i % 4 === 0 ? 'granted' : null,
    suspended: i % 100 === 7,
    stopped: i % 100 === 13,
  };
}

async function main(): Promise<void> {
  const { handle, where, cleanup } = await openBenchDatabase();
  const config = loadConfig({
    MADOGUCHI_DATA_DIR: work,
    MADOGUCHI_MASTER_KEY: randomBytes(32).toString('base64'),
    MADOGUCHI_LOG_LEVEL: 'silent',
    MADOGUCHI_PUBLIC_RATE_LIMIT: '1000000',
  });
  const booted = await bootstrap(config, { database: handle, migrate: false, logger: createLogger('silent') });
  const ctx = booted.ctx;
  const servers: Array<{ close(): Promise<unknown> }> = [];
  try {
    console.log(`Decision benchmark — ${where}, ${fmt(subjectCount)} people, Node ${process.version}, ${os.cpus().length} cores\n`);
    await seedSampleOrganization(ctx);
    await createPurpose(
      ctx,
      {
        code: 'partner_offers',
        title: { ja: '提携先からのご案内', en: 'Offers from partners' },
        description: { ja: '', en: '' },
        dataCategories: ['user.contact.email'],
        basis: 'consent',
        sortOrder: 100,
      },
      SYSTEM_ACTOR,
    );

    // -- data, in bulk: keys computed here with the store's own secret, rows inserted by unnest().
    const secret = await subjectSecret(ctx.db, ctx);
    const genStarted = performance.now();
    const now = new Date();
    const CHUNK = 50_000;
    for (let start = 0; start < subjectCount; start += CHUNK) {
      const keys: string[] = [];
      const sKeys: string[] = [];
      const sPurposes: string[] = [];
      const sStates: string[] = [];
      const rKeys: string[] = [];
      const rIds: string[] = [];
      const rKinds: string[] = [];
      const rRecipients: Array<string | null> = [];
      for (let i = start; i < Math.min(start + CHUNK, subjectCount); i++) {
        const key = hashSubject(secret, subjectOf(i));
        keys.push(key);
        const p = profile(i);
        if (p.newsletter) {
          sKeys.push(key);
          sPurposes.push('newsletter');
          sStates.push(p.newsletter);
        }
        if (p.partner) {
          sKeys.push(key);
          sPurposes.push('partner_offers');
          sStates.push(p.partner);
        }
        if (p.suspended || p.stopped) {
          rKeys.push(key);
          rIds.push(`rst_bench_${i}`);
          rKinds.push(p.suspended ? 'suspension' : 'stop_provision');
          rRecipients.push(p.stopped ? 'partner-a' : null);
        }
      }
      await ctx.db.transaction().execute(async (trx) => {
        await sql`insert into consent_subjects (key, subject_type, created_at) select k, 'user_id', ${now} from unnest(${keys}::text[]) as k`.execute(trx);
        await sql`insert into consent_state (subject_key, purpose_code, state, event_id, source, updated_at)
          select k, p, s, 'cev_bench', 'import', ${now} from unnest(${sKeys}::text[], ${sPurposes}::text[], ${sStates}::text[]) as t(k, p, s)`.execute(trx);
        await sql`insert into consent_restrictions (id, subject_key, kind, purposes, recipient, request_id, applied_at, applied_by_type, applied_by_id)
          select id, k, kind, null, r, null, ${now}, 'system', 'bench' from unnest(${rIds}::text[], ${rKeys}::text[], ${rKinds}::text[], ${rRecipients}::text[]) as t(id, k, kind, r)`.execute(trx);
      });
    }
    // What autovacuum does on a server after a bulk load; PGlite has no autovacuum, so say it.
    await sql`analyze`.execute(ctx.db);
    const counts = await sql<{ subjects: number; states: number; restrictions: number }>`
      select (select count(*) from consent_subjects)::int as subjects, (select count(*) from consent_state)::int as states,
             (select count(*) from consent_restrictions)::int as restrictions`.execute(ctx.db);
    const c = counts.rows[0];
    console.log(`Generated ${fmt(c?.subjects ?? 0)} people, ${fmt(c?.states ?? 0)} consent states, ${fmt(c?.restrictions ?? 0)} restrictions in ${fmt((performance.now() - genStarted) / 1000)} s (bulk insert + analyze)`);

    const { key } = await createApiKey(ctx, { name: 'bench', scopes: ['consent:read', 'consent:write'] }, SYSTEM_ACTOR);
    const app = await buildServer(ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
    servers.push(app);
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    const bare = Fastify({ logger: false });
    bare.get('/', async () => ({ ok: true }));
    await bare.listen({ port: 0, host: '127.0.0.1' });
    servers.push(bare);
    const bareUrl = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}/`;

    // -- 1. in-process decisions
    const client = new MadoguchiClient({ baseUrl: base, apiKey: key, timeoutMs: 120_000 });
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const loadStarted = performance.now();
    const local = await client.local({ pageSize: 20_000 });
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    gc?.();
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
    console.log(`SDK snapshot loaded over HTTP in ${loadSeconds.toFixed(1)} s (heap +${fmt(heapMb)} MB)`);

    // Correctness spot check against the server before timing anything.
    for (const i of [0, 1, 2, 7, 13, 12345, subjectCount - 1]) {
      const server = await client.decide({ subject: subjectOf(i), purposes: ['newsletter', 'partner_offers', 'order_fulfilment'], recipient: 'partner-a' });
      const mine = local.decideAll(subjectOf(i), ['newsletter', 'partner_offers', 'order_fulfilment'], 'partner-a');
      if (JSON.stringify(server) !== JSON.stringify(mine)) throw new Error(`local and server disagree for u${i}`);
    }

    const LOOKUPS = 1 << 20;
    const lookupKeys: string[] = new Array<string>(LOOKUPS);
    const lookupPurposes: string[] = new Array<string>(LOOKUPS);
    const lookupRecipients: Array<string | undefined> = new Array<string | undefined>(LOOKUPS);
    const purposes = ['newsletter', 'partner_offers', 'order_fulfilment', 'not_a_purpose'];
    let seed = 0x2545f491;
    const rand = (n: number) => {
      seed = (Math.imul(seed ^ (seed >>> 13), 0x5bd1e995) + 0x6b43a9b5) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < LOOKUPS; i++) {
      // One in ten asks about somebody Madoguchi has never heard of.
      const who = rand(10) === 0 ? subjectOf(subjectCount + rand(1_000_000)) : subjectOf(rand(subjectCount));
      lookupKeys[i] = local.subjectKey(who);
      lookupPurposes[i] = purposes[rand(purposes.length)] ?? 'newsletter';
      lookupRecipients[i] = rand(2) === 0 ? 'partner-a' : undefined;
    }
    const mask = LOOKUPS - 1;
    let allowed = 0;
    const run = (n: number) => {
      for (let i = 0; i < n; i++) {
        const j = i & mask;
        if (local.decideKey(lookupKeys[j] as string, lookupPurposes[j] as string, lookupRecipients[j]).allowed) allowed++;
      }
    };
    run(5_000_000); // warm-up (JIT)
    // Three rounds; the machine is shared, so the best round is the one least disturbed.
    const TIGHT = 20_000_000;
    const SAMPLES = 1_000_000;
    const q = (a: Float64Array, p: number) => (a[Math.min(a.length - 1, Math.floor(a.length * p))] ?? 0) * 1000;
    const rounds: Array<{ perSecond: number; p50: number; p99: number; p999: number; timerP99: number }> = [];
    for (let round = 0; round < 3; round++) {
      const tStart = process.hrtime.bigint();
      run(TIGHT);
      const perSecond = TIGHT / (Number(process.hrtime.bigint() - tStart) / 1e9);
      // Latency of single calls, each timed on its own; the timer's own cost is measured and shown.
      const lat = new Float64Array(SAMPLES);
      const empty = new Float64Array(SAMPLES);
      for (let i = 0; i < SAMPLES; i++) {
        const t0 = performance.now();
        empty[i] = performance.now() - t0;
      }
      for (let i = 0; i < SAMPLES; i++) {
        const j = i & mask;
        const t0 = performance.now();
        if (local.decideKey(lookupKeys[j] as string, lookupPurposes[j] as string, lookupRecipients[j]).allowed) allowed++;
        lat[i] = performance.now() - t0;
      }
      lat.sort();
      empty.sort();
      rounds.push({ perSecond, p50: q(lat, 0.5), p99: q(lat, 0.99), p999: q(lat, 0.999), timerP99: q(empty, 0.99) });
    }
    const hashStart = process.hrtime.bigint();
    for (let i = 0; i < 200_000; i++) local.subjectKey(subjectOf(i));
    const hashUs = Number(process.hrtime.bigint() - hashStart) / 1e3 / 200_000;
    console.log(`\nIn-process (SDK local mode), ${fmt(local.size)} people in memory (${fmt(TIGHT)} calls per round for the rate, ${fmt(SAMPLES)} individually timed calls for latency):`);
    for (const [i, r] of rounds.entries()) {
      console.log(`  round ${i + 1}: ${fmt(r.perSecond)} decisions/s; per decision p50 ${r.p50.toFixed(3)} µs, p99 ${r.p99.toFixed(3)} µs, p99.9 ${r.p999.toFixed(3)} µs (timer alone p99 ${r.timerP99.toFixed(3)} µs)`);
    }
    const best = [...rounds].sort((a, b) => a.p99 - b.p99)[0];
    if (best) console.log(`  best round: p99 ${best.p99.toFixed(3)} µs, ${fmt(best.perSecond)} decisions/s`);
    console.log(`  computing a subject key (HMAC, once per person per session): ${hashUs.toFixed(2)} µs`);
    console.log(`  (allowed answers seen: ${fmt(allowed)})`);
    await local.close();

    // -- 2. HTTP
    const load = async (plan: Omit<LoadPlan, 'connections' | 'seconds'>) => {
      const file = path.join(work, `plan-${randomBytes(3).toString('hex')}.json`);
      writeFileSync(file, JSON.stringify({ ...plan, connections, seconds }));
      const child = spawn(process.execPath, ['--import', 'tsx', self, '--load-generator', file], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise((resolve) => child.on('exit', resolve));
      const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { ok: number; failed: number; seconds: number };
      return { perSecond: r.ok / r.seconds, failed: r.failed };
    };
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const bodiesFor = (size: number) =>
      Array.from({ length: 200 }, () =>
        JSON.stringify(
          size === 1
            ? { subject: subjectOf(rand(subjectCount)), purposes: ['newsletter', 'order_fulfilment'], recipient: 'partner-a' }
            : { items: Array.from({ length: size }, () => ({ subject: subjectOf(rand(subjectCount)), purposes: ['newsletter', 'order_fulfilment'], recipient: 'partner-a' })) },
        ),
      );

    console.log(`\nHTTP, ${connections} keep-alive connections from a child process, ${seconds} s each after 1 s of warm-up:`);
    const bareRun = await load({ url: bareUrl, method: 'GET', headers: {}, bodies: [] });
    console.log(`  bare Fastify GET returning a constant:       ${fmt(bareRun.perSecond)} requests/s (failed ${bareRun.failed})`);
    const authOnly = await load({ url: `${base}/api/app/key`, method: 'GET', headers: { authorization: `Bearer ${key}` }, bodies: [] });
    console.log(`  GET /api/app/key (API-key check only):       ${fmt(authOnly.perSecond)} requests/s = ${(100 * authOnly.perSecond / bareRun.perSecond).toFixed(1)} % of bare (failed ${authOnly.failed})`);
    const single = await load({ url: `${base}/api/app/decisions`, method: 'POST', headers: auth, bodies: bodiesFor(1) });
    console.log(`  POST /api/app/decisions, 1 person:            ${fmt(single.perSecond)} requests/s = ${(100 * single.perSecond / bareRun.perSecond).toFixed(1)} % of bare (failed ${single.failed})`);
    const batch = await load({ url: `${base}/api/app/decisions`, method: 'POST', headers: auth, bodies: bodiesFor(batchSize) });
    console.log(
      `  POST /api/app/decisions, ${batchSize} people per batch:  ${fmt(batch.perSecond)} requests/s = ${fmt(batch.perSecond * batchSize)} people/s = ${(100 * batch.perSecond * batchSize / bareRun.perSecond).toFixed(0)} % of bare requests/s (failed ${batch.failed})`,
    );
  } finally {
    for (const s of servers) await s.close();
    await booted.close();
    await cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
