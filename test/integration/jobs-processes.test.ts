import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { enqueueJob } from '../../src/jobs/queue.ts';
import { ENGINES, freshDatabase, type TestDatabase } from '../helpers/databases.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface WorkerProcess {
  id: string;
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

interface RunRow {
  exec_id: string;
  job_id: string;
  worker_id: string;
  attempt: number;
  started_at: Date;
  ended_at: Date | null;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// Several processes against one real PostgreSQL: only there do separate connections contend
// for the same rows.
if (ENGINES.includes('postgres')) {
  describe('job workers in separate processes [postgres]', () => {
    let database: TestDatabase;
    const masterKey = randomBytes(32).toString('base64');
    const started: WorkerProcess[] = [];

    function spawnWorker(id: string, extra: Record<string, string> = {}): WorkerProcess {
      assert.ok(database.url, 'a PostgreSQL test database has a URL');
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/job-worker-process.ts'], {
        cwd: ROOT,
        env: {
          ...process.env,
          DATABASE_URL: database.url,
          MADOGUCHI_MASTER_KEY: masterKey,
          MADOGUCHI_LOG_LEVEL: 'silent',
          FIXTURE_WORKER_ID: id,
          FIXTURE_POLL_MS: '50',
          ...extra,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString('utf8')).slice(-4000);
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        child.on('exit', (code, signal) => resolve({ code, signal }));
      });
      const ready = new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
          if (stdout.includes(`ready ${id}`)) resolve();
        });
        void exited.then(({ code, signal }) => reject(new Error(`worker ${id} exited (${code ?? signal}) before it was ready: ${stderr}`)));
      });
      const worker = { id, child, ready, exited, stderr: () => stderr };
      started.push(worker);
      return worker;
    }

    async function stopWorker(worker: WorkerProcess): Promise<void> {
      worker.child.kill('SIGTERM');
      const { code } = await worker.exited;
      assert.equal(code, 0, `worker ${worker.id} stops cleanly: ${worker.stderr()}`);
    }

    async function runsOf(jobIds: string[]): Promise<RunRow[]> {
      const { rows } = await sql<RunRow>`select * from job_runs where job_id = any(${jobIds}) order by started_at`.execute(database.db);
      return rows;
    }

    before(async () => {
      database = await freshDatabase('postgres');
      await sql`create table job_runs (
        exec_id text primary key, job_id text not null, worker_id text not null, attempt integer not null,
        started_at timestamptz not null, ended_at timestamptz)`.execute(database.db);
      await sql`create table job_effects (job_id text not null, worker_id text not null)`.execute(database.db);
    });

    after(async () => {
      for (const w of started) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      await Promise.all(started.map((w) => w.exited));
      await database.close();
    });

    test('two worker processes run 200 jobs, each exactly once and never two executions at a time', async () => {
      // No lease expires in this test; 4 s keeps a stall of a loaded machine from causing a takeover.
      const a = spawnWorker('worker-a', { FIXTURE_LEASE_MS: '4000', FIXTURE_CONCURRENCY: '4' });
      const b = spawnWorker('worker-b', { FIXTURE_LEASE_MS: '4000', FIXTURE_CONCURRENCY: '4' });
      await Promise.all([a.ready, b.ready]);

      const now = new Date();
      const ids = await database.db.transaction().execute(async (trx) => {
        const out: string[] = [];
        for (let i = 0; i < 200; i++) {
          const { id } = await enqueueJob(trx, { type: 'test.record_run', payload: { sleepMs: 5 + (i % 4) * 5 } }, now);
          out.push(id);
        }
        return out;
      });
      await waitFor(
        'all 200 jobs to succeed',
        async () => {
          const row = await database.db
            .selectFrom('jobs')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('id', 'in', ids)
            .where('status', '=', 'succeeded')
            .executeTakeFirstOrThrow();
          return Number(row.n) === 200;
        },
        60_000,
      );
      await Promise.all([stopWorker(a), stopWorker(b)]);

      const runs = await runsOf(ids);
      const byJob = new Map<string, RunRow[]>();
      for (const r of runs) byJob.set(r.job_id, [...(byJob.get(r.job_id) ?? []), r]);
      assert.equal(byJob.size, 200, 'every job ran');
      for (const [jobId, list] of byJob) {
        assert.equal(list.length, 1, `job ${jobId} ran exactly once`);
        for (let i = 0; i < list.length; i++) {
          const run = list[i];
          assert.ok(run?.ended_at, `every execution of ${jobId} finished`);
          const previous = list[i - 1];
          if (previous?.ended_at && run) assert.ok(run.started_at >= previous.ended_at, `executions of ${jobId} do not overlap`);
        }
      }
      assert.deepEqual([...new Set(runs.map((r) => r.worker_id))].sort(), ['worker-a', 'worker-b'], 'both processes took part');
      const attempts = await database.db.selectFrom('jobs').select('attempts').where('id', 'in', ids).execute();
      assert.ok(attempts.every((r) => r.attempts === 1));
    });

    test('a worker killed mid-job leaves it; another worker takes it after the lease expires and finishes it once', async () => {
      const { id } = await enqueueJob(database.db, { type: 'test.hang_first_attempt', payload: {} }, new Date());
      const a = spawnWorker('worker-killed', { FIXTURE_LEASE_MS: '1500', FIXTURE_CONCURRENCY: '1' });
      await a.ready;
      await waitFor('the first attempt to start', async () => (await runsOf([id])).length === 1, 20_000);
      a.child.kill('SIGKILL');
      assert.equal((await a.exited).signal, 'SIGKILL');

      const left = await database.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(left.status, 'running');
      assert.equal(left.attempts, 1);
      assert.equal(left.locked_by, 'worker-killed');
      assert.ok(left.lease_until instanceof Date);

      const b = spawnWorker('worker-rescuer', { FIXTURE_LEASE_MS: '1500', FIXTURE_CONCURRENCY: '1' });
      await b.ready;
      await waitFor(
        'the job to succeed',
        async () => (await database.db.selectFrom('jobs').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status === 'succeeded',
        20_000,
      );
      await stopWorker(b);

      const done = await database.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(done.attempts, 2);
      assert.equal(done.locked_by, 'worker-rescuer');
      const { rows: effects } = await sql<{ worker_id: string }>`select worker_id from job_effects where job_id = ${id}`.execute(database.db);
      assert.deepEqual(effects, [{ worker_id: 'worker-rescuer' }]);
      const runs = await runsOf([id]);
      assert.deepEqual(
        runs.map((r) => [r.worker_id, r.attempt, r.ended_at !== null]),
        [
          ['worker-killed', 1, false],
          ['worker-rescuer', 2, true],
        ],
      );
      // The rescuer waited for the dead worker's lease to run out.
      const second = runs[1];
      assert.ok(second && left.lease_until && second.started_at.getTime() >= left.lease_until.getTime() - 50);
    });
  });
}
