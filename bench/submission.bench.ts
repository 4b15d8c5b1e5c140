// Submission benchmark: 50 concurrent clients each sending data-subject requests to
// POST /api/public/requests (the `request` JSON and two 2 MB JPEG identity documents), against
// the real server (bootstrap + buildServer, listening on a random port, a fresh data
// directory or a new PostgreSQL database). Beside it, measured in the same run with the same
// client load and the same bytes, the floor: a bare Fastify endpoint in the same process that
// receives the multipart body and writes the bytes to the same database with one INSERT into a
// scratch table. Reports requests per second and p50/p95/max latency for both, Madoguchi as a
// share of the floor, and checks that no submission was lost (every 201 has its request row
// and both documents). The clients run in a worker thread so that building and sending bodies
// does not share the servers' event loop.
//
//   node --import tsx bench/submission.bench.ts [--engine pglite|postgres|both] [--clients 50]
//        [--per-client 2] [--image-bytes 2097152] [--pg-url postgres://postgres@127.0.0.1:5432/postgres]
//        [--audit-floor]
//
// --audit-floor adds a diagnostic third endpoint: the floor's INSERT plus one audit entry in
// the same transaction, which shows what the audit chain's single head row costs when every
// transaction also carries megabytes of document data.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { multipartBody, sampleJpeg } from '../test/helpers/documents.ts';
import { sampleSubmission } from '../test/helpers/requests.ts';

interface LoadSpec {
  url: string;
  clients: number;
  perClient: number;
  imageBytes: number;
  /** Distinct per phase, so emails (and the per-email limits) never repeat. */
  tag: string;
}

interface LoadResult {
  latenciesMs: number[];
  wallMs: number;
  statuses: Record<string, number>;
  ids: string[];
  /** The first few non-201 answers, for the report. */
  failures: string[];
}

// ---------------------------------------------------------------------------------------------
// The clients (worker thread).

/**
 * A valid JPEG of exactly `bytes` bytes whose bulk is random: comment segments of random bytes
 * after the start marker. A photograph's compressed data does not compress further, and
 * neither does this, so the floor's database gains nothing from TOAST compression that
 * Madoguchi's (encrypted, incompressible) blobs could not have.
 */
export function randomJpeg(bytes: number): Buffer {
  const base = sampleJpeg();
  const soi = base.subarray(0, 2);
  const rest = base.subarray(2);
  const segments: Buffer[] = [];
  let left = bytes - base.length;
  while (left > 0) {
    // A segment is 4 bytes of marker and length plus at most 65,533 bytes of payload.
    let payload = Math.min(65_533, left - 4);
    // Never leave 1–3 bytes over: too few for another segment.
    if (left - payload - 4 > 0 && left - payload - 4 < 4) payload -= 4;
    if (payload < 0) throw new RangeError(`cannot pad a JPEG to exactly ${bytes} bytes`);
    const head = Buffer.from([0xff, 0xfe, 0, 0]);
    head.writeUInt16BE(payload + 2, 2);
    segments.push(head, randomBytes(payload));
    left -= payload + 4;
  }
  return Buffer.concat([soi, ...segments, rest]);
}

async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  // Two different valid JPEGs of the asked size, like a licence's front and back.
  const front = randomJpeg(spec.imageBytes);
  const back = randomJpeg(spec.imageBytes);
  const result: LoadResult = { latenciesMs: [], wallMs: 0, statuses: {}, ids: [], failures: [] };
  const body = (client: number, i: number) => {
    const email = `bench-${spec.tag}-${client}-${i}@example.test`;
    const submission = sampleSubmission(
      { email, documents: [{ role: 'principal_identity', type: 'drivers_license' }, { role: 'principal_identity', type: 'drivers_license' }] },
      email,
    );
    return multipartBody([
      { name: 'request', value: JSON.stringify(submission) },
      { name: 'documents', filename: 'licence-front.jpg', contentType: 'image/jpeg', data: front },
      { name: 'documents', filename: 'licence-back.jpg', contentType: 'image/jpeg', data: back },
    ]);
  };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: spec.clients }, async (_, client) => {
      for (let i = 0; i < spec.perClient; i++) {
        const { payload, headers } = body(client, i);
        // Each submission from its own address, as from many people, so the per-address
        // limit does not decide the figures (the server trusts X-Forwarded-For in the bench).
        const ip = `10.${client}.${i >> 8}.${(i & 0xff) + 1}`;
        const t0 = performance.now();
        try {
          const res = await fetch(spec.url, { method: 'POST', headers: { ...headers, 'x-forwarded-for': ip }, body: payload });
          const text = await res.text();
          result.latenciesMs.push(performance.now() - t0);
          result.statuses[res.status] = (result.statuses[res.status] ?? 0) + 1;
          if (res.status === 201) {
            result.ids.push((JSON.parse(text) as { id: string }).id);
          } else if (result.failures.length < 5) {
            result.failures.push(`${res.status} ${text.slice(0, 300)}`);
          }
        } catch (err) {
          result.latenciesMs.push(performance.now() - t0);
          result.statuses.error = (result.statuses.error ?? 0) + 1;
          if (result.failures.length < 5) result.failures.push(err instanceof Error ? err.message : String(err));
        }
      }
    }),
  );
  result.wallMs = performance.now() - started;
  return result;
}

if (!isMainThread) {
  const spec = workerData as LoadSpec;
  runLoad(spec).then(
    (r) => parentPort?.postMessage(r),
    (err: unknown) => {
      throw err;
    },
  );
}

function load(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // Node 20 does not carry the tsx loader into a worker's entry module, so the worker
    // registers it itself and then imports this file.
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(boot, { eval: true, workerData: spec });
    worker.once('message', (r: LoadResult) => resolve(r));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load worker exited with code ${code}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The servers (main thread).

interface Figures {
  sent: number;
  created: number;
  perSecond: number;
  p50: number;
  p95: number;
  max: number;
  statuses: Record<string, number>;
  failures: string[];
}

function figuresOf(r: LoadResult): Figures {
  const sorted = [...r.latenciesMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  const created = r.statuses['201'] ?? 0;
  return {
    sent: r.latenciesMs.length,
    created,
    perSecond: created / (r.wallMs / 1000),
    p50: at(0.5),
    p95: at(0.95),
    max: sorted[sorted.length - 1] ?? 0,
    statuses: r.statuses,
    failures: r.failures,
  };
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      engine: { type: 'string', default: 'pglite' },
      clients: { type: 'string', default: '50' },
      'per-client': { type: 'string', default: '2' },
      'image-bytes': { type: 'string', default: String(2 * 1024 * 1024) },
      'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
      'audit-floor': { type: 'boolean', default: false },
    },
  });
  const engines = args.engine === 'both' ? (['pglite', 'postgres'] as const) : args.engine === 'postgres' ? (['postgres'] as const) : (['pglite'] as const);
  const clients = Number(args.clients);
  const perClient = Number(args['per-client']);
  const imageBytes = Number(args['image-bytes']);
  const [{ bootstrap }, { loadConfig }, { buildServer }, { createLogger }, { appendAudit }] = await Promise.all([
    import('../src/app/bootstrap.ts'),
    import('../src/config/config.ts'),
    import('../src/http/server.ts'),
    import('../src/lib/logger.ts'),
    import('../src/domains/audit/audit.service.ts'),
  ]);

  const rows: Array<{ engine: string; madoguchi: Figures; floor: Figures; auditFloor: Figures | null; lost: number; documentsMissing: number }> = [];
  for (const engine of engines) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mdg-bench-submission-'));
    let dropDatabase: (() => Promise<void>) | null = null;
    const env: Record<string, string> = {
      MADOGUCHI_DATA_DIR: dir,
      MADOGUCHI_MASTER_KEY: randomBytes(32).toString('base64'),
      MADOGUCHI_LOG_LEVEL: 'warn',
      MADOGUCHI_BASE_URL: 'http://madoguchi.bench',
      // The public limits would otherwise refuse most of a benchmark's burst from one machine.
      MADOGUCHI_PUBLIC_RATE_LIMIT: '1000000',
      MADOGUCHI_TRUST_PROXY: 'true',
    };
    if (engine === 'postgres') {
      const adminUrl = String(args['pg-url']);
      const name = `mdg_bench_submission_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`create database "${name}"`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      env.DATABASE_URL = url.toString();
      dropDatabase = async () => {
        const c = new pg.Client({ connectionString: adminUrl });
        await c.connect();
        await c.query(`drop database if exists "${name}" with (force)`);
        await c.end();
      };
    }
    const booted = await bootstrap(loadConfig(env), { logger: createLogger('warn') });
    const { ctx } = booted;
    const app = await buildServer(ctx);
    const floor = Fastify({ logger: false, bodyLimit: 110 * 1024 * 1024 });
    try {
      // The floor: receive the same multipart body and write its bytes with one INSERT.
      await sql`create table bench_floor (id text primary key, request text not null, front bytea, back bytea)`.execute(ctx.db);
      await floor.register(multipart, { limits: { fileSize: 10 * 1024 * 1024, files: 10, fields: 5 } });
      const receive = async (request: FastifyRequest) => {
        let submission = '';
        const documents: Buffer[] = [];
        for await (const part of request.parts()) {
          if (part.type === 'file') documents.push(await part.toBuffer());
          else if (part.fieldname === 'request') submission = String(part.value);
        }
        return { id: randomBytes(12).toString('base64url'), submission, documents };
      };
      floor.post('/floor', async (request, reply) => {
        const { id, submission, documents } = await receive(request);
        await sql`insert into bench_floor (id, request, front, back) values (${id}, ${submission}, ${documents[0] ?? null}, ${documents[1] ?? null})`.execute(ctx.db);
        return reply.code(201).send({ id });
      });
      floor.post('/floor-audit', async (request, reply) => {
        const { id, submission, documents } = await receive(request);
        await ctx.db.transaction().execute(async (trx) => {
          await sql`insert into bench_floor (id, request, front, back) values (${id}, ${submission}, ${documents[0] ?? null}, ${documents[1] ?? null})`.execute(trx);
          await appendAudit(trx, { action: 'request.submitted', actor: { type: 'requester', id }, target: { type: 'request', id }, at: ctx.clock.now() });
        });
        return reply.code(201).send({ id });
      });
      const madoguchiBase = await listen(app);
      const floorBase = await listen(floor);
      const spec = (url: string, tag: string, n = perClient): LoadSpec => ({ url, clients, perClient: n, imageBytes, tag });

      console.log(`\n[${engine}] warming up both endpoints…`);
      await load(spec(`${floorBase}/floor`, `${engine}-warm-floor`, 1));
      const warm = figuresOf(await load(spec(`${madoguchiBase}/api/public/requests`, `${engine}-warm`, 1)));
      if (warm.created === 0) {
        throw new Error(`Madoguchi accepted no submission while warming up: ${JSON.stringify(warm.statuses)} ${warm.failures.join(' | ')}`);
      }
      const beforeRows = Number((await ctx.db.selectFrom('requests').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

      console.log(`[${engine}] floor: ${clients} clients × ${perClient} requests…`);
      const floorRun = figuresOf(await load(spec(`${floorBase}/floor`, `${engine}-floor`)));
      let auditFloor: Figures | null = null;
      if (args['audit-floor']) {
        console.log(`[${engine}] floor + one audit entry per transaction: ${clients} clients × ${perClient} requests…`);
        auditFloor = figuresOf(await load(spec(`${floorBase}/floor-audit`, `${engine}-floor-audit`)));
      }
      console.log(`[${engine}] Madoguchi: ${clients} clients × ${perClient} requests…`);
      const madoguchiRaw = await load(spec(`${madoguchiBase}/api/public/requests`, `${engine}-run`));
      const madoguchiRun = figuresOf(madoguchiRaw);

      // None lost: every 201 has its request row, and each row both of its documents.
      const afterRows = Number((await ctx.db.selectFrom('requests').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      let found = 0;
      let documentsMissing = 0;
      for (let i = 0; i < madoguchiRaw.ids.length; i += 500) {
        const chunk = madoguchiRaw.ids.slice(i, i + 500);
        const docs = await ctx.db
          .selectFrom('requests as r')
          .leftJoin('request_documents as d', 'd.request_id', 'r.id')
          .select(['r.id', (eb) => eb.fn.count<number>('d.id').as('documents')])
          .where('r.id', 'in', chunk)
          .groupBy('r.id')
          .execute();
        found += docs.length;
        documentsMissing += docs.reduce((n, d) => n + Math.max(0, 2 - Number(d.documents)), 0);
      }
      const lost = madoguchiRaw.ids.length - found + Math.max(0, madoguchiRun.sent - madoguchiRun.created);
      if (afterRows - beforeRows !== madoguchiRun.created) {
        console.log(`[${engine}] note: ${afterRows - beforeRows} new request rows for ${madoguchiRun.created} answers 201`);
      }
      rows.push({ engine, madoguchi: madoguchiRun, floor: floorRun, auditFloor, lost, documentsMissing });
    } finally {
      await floor.close();
      await app.close();
      await booted.close();
      await dropDatabase?.();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const mb = (imageBytes / 1024 / 1024).toFixed(1);
  console.log(
    `\nSubmission benchmark: ${clients} concurrent clients × ${perClient} requests, each with two ${mb} MB JPEGs; Node ${process.version}, ${os.cpus().length} CPU(s)`,
  );
  const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(1)} %` : '—');
  const ms = (x: number) => `${Math.round(x)} ms`;
  for (const r of rows) {
    console.log(`\n[${r.engine}]`);
    console.log(`${'measure'.padEnd(22)}${'Madoguchi'.padStart(14)}${'floor'.padStart(14)}${'share'.padStart(10)}`);
    console.log(`${'requests / s'.padEnd(22)}${r.madoguchi.perSecond.toFixed(1).padStart(14)}${r.floor.perSecond.toFixed(1).padStart(14)}${pct(r.madoguchi.perSecond, r.floor.perSecond).padStart(10)}`);
    console.log(`${'p50 latency'.padEnd(22)}${ms(r.madoguchi.p50).padStart(14)}${ms(r.floor.p50).padStart(14)}${pct(r.floor.p50, r.madoguchi.p50).padStart(10)}`);
    console.log(`${'p95 latency'.padEnd(22)}${ms(r.madoguchi.p95).padStart(14)}${ms(r.floor.p95).padStart(14)}${pct(r.floor.p95, r.madoguchi.p95).padStart(10)}`);
    console.log(`${'max latency'.padEnd(22)}${ms(r.madoguchi.max).padStart(14)}${ms(r.floor.max).padStart(14)}`);
    if (r.auditFloor) {
      const a = r.auditFloor;
      console.log(`floor + audit entry: ${a.perSecond.toFixed(1)} requests/s (${pct(a.perSecond, r.floor.perSecond)} of the floor), p50 ${ms(a.p50)}, p95 ${ms(a.p95)}`);
    }
    console.log(`answers: Madoguchi ${JSON.stringify(r.madoguchi.statuses)}, floor ${JSON.stringify(r.floor.statuses)}`);
    console.log(`lost: ${r.lost} of ${r.madoguchi.sent} (documents missing: ${r.documentsMissing})`);
    for (const f of [...r.madoguchi.failures, ...r.floor.failures]) console.log(`  refused: ${f}`);
    const aims = [
      `throughput ≥ 50 % of the floor: ${r.madoguchi.perSecond >= 0.5 * r.floor.perSecond ? 'met' : 'NOT met'}`,
      `p95 < 1 s: ${r.madoguchi.p95 < 1000 ? 'met' : 'NOT met'}`,
      `none lost: ${r.lost === 0 && r.documentsMissing === 0 ? 'met' : 'NOT met'}`,
    ];
    console.log(`aims: ${aims.join('; ')}`);
  }
}

// Run only as the program itself (not when imported, nor in the load worker).
if (isMainThread && process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
