import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, test } from 'node:test';
import { z } from 'zod';
import { openDatabase } from '../../src/db/database.ts';
import { LeaseLostError, PermanentJobError, WorkerStoppedError } from '../../src/jobs/job-errors.ts';
import { defineJob } from '../../src/jobs/job.types.ts';
import { enqueueDefined, enqueueJob, getJob } from '../../src/jobs/queue.ts';
import { createJobRegistry } from '../../src/jobs/registry.ts';
import { retryDelayMs } from '../../src/jobs/retry-policy.ts';
import { defineSchedule, scheduleIdempotencyKey, slotStart, startScheduler } from '../../src/jobs/scheduler.ts';
import { runJobsUntilIdle, startWorker, type RunSummary } from '../../src/jobs/worker.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';

/** Writes `effect:<key>` into system_state in the completing transaction. */
const writeState = defineJob({
  type: 'test.write_state',
  payload: z.strictObject({ key: z.string().max(100) }),
  async handler(payload, job) {
    await job.completeWith(async (trx) => {
      await trx
        .insertInto('system_state')
        .values({ key: `effect:${payload.key}`, value: JSON.stringify({ job: job.jobId }), updated_at: job.app.clock.now() })
        .execute();
    });
  },
});

const noop = defineJob({ type: 'test.noop', payload: z.object({}), async handler() {} });

async function stateKeys(t: TestApp, prefix: string): Promise<string[]> {
  const rows = await t.ctx.db.selectFrom('system_state').select('key').where('key', 'like', `${prefix}%`).orderBy('key').execute();
  return rows.map((r) => r.key);
}

async function jobRow(t: TestApp, id: string) {
  return t.ctx.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function deadAudits(t: TestApp, jobId: string) {
  return t.ctx.db
    .selectFrom('audit_log')
    .select(['action', 'target_type', 'details'])
    .where('action', '=', 'job.dead')
    .where('target_id', '=', jobId)
    .execute();
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('job rules', () => {
  test('retry delays grow with each attempt, stay jittered and are capped', () => {
    const policy = { baseMs: 1_000, maxMs: 60_000 };
    for (let attempt = 1; attempt < 6; attempt++) {
      const longestNow = retryDelayMs(attempt, 0.999, policy);
      const shortestNext = retryDelayMs(attempt + 1, 0, policy);
      assert.ok(shortestNext >= longestNow, `attempt ${attempt + 1} waits at least as long as attempt ${attempt}`);
    }
    assert.equal(retryDelayMs(1, 0, policy), 500);
    assert.notEqual(retryDelayMs(3, 0.1, policy), retryDelayMs(3, 0.9, policy));
    assert.ok(retryDelayMs(30, 0.999, policy) <= 60_000);
  });

  test('schedule slots: every N ms, hourly at a minute, daily at a Japan time', () => {
    const every5 = defineSchedule({ name: 'five', every: 5 * 60_000, jobType: 'test.noop' });
    assert.equal(slotStart(every5, new Date('2026-12-01T10:07:30Z')).toISOString(), '2026-12-01T10:05:00.000Z');
    const hourly = defineSchedule({ name: 'hourly', every: { hourly: { minute: 15 } }, jobType: 'test.noop' });
    assert.equal(slotStart(hourly, new Date('2026-12-01T10:07:00Z')).toISOString(), '2026-12-01T09:15:00.000Z');
    assert.equal(slotStart(hourly, new Date('2026-12-01T10:15:00Z')).toISOString(), '2026-12-01T10:15:00.000Z');
    // 03:00 in Japan is 18:00 UTC the day before.
    const daily = defineSchedule({ name: 'nightly', every: { daily: { hour: 3, minute: 0 } }, jobType: 'test.noop' });
    assert.equal(slotStart(daily, new Date('2026-12-01T12:00:00Z')).toISOString(), '2026-11-30T18:00:00.000Z');
    assert.equal(slotStart(daily, new Date('2026-11-30T17:59:59Z')).toISOString(), '2026-11-29T18:00:00.000Z');
    const utc = defineSchedule({ name: 'utc', every: { daily: { hour: 3, minute: 30, utcOffsetMinutes: 0 } }, jobType: 'test.noop' });
    assert.equal(slotStart(utc, new Date('2026-12-01T12:00:00Z')).toISOString(), '2026-12-01T03:30:00.000Z');
    assert.equal(scheduleIdempotencyKey(daily, new Date('2026-11-30T18:00:00Z')), 'schedule:nightly:2026-11-30T18:00:00.000Z');
    assert.throws(() => defineSchedule({ name: 'Bad Name', every: 60_000, jobType: 'test.noop' }), /schedule name/);
    assert.throws(() => defineSchedule({ name: 'fast', every: 10, jobType: 'test.noop' }), /every/);
  });
});

for (const engine of ENGINES) {
  describe(`jobs [${engine}]`, () => {
    // One app per engine (a fresh PGlite costs about a second); each test starts from an empty
    // queue and uses keys of its own elsewhere.
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(async () => {
      await t.close();
    });
    beforeEach(async () => {
      await t.ctx.db.deleteFrom('jobs').execute();
    });

    test('a job enqueued in a rolled-back transaction does not exist; a committed one does', async () => {
      const now = t.clock.now();
      await assert.rejects(
        t.ctx.db.transaction().execute(async (trx) => {
          await enqueueJob(trx, { type: 'test.noop', payload: {} }, now);
          throw new Error('the state change failed');
        }),
        /the state change failed/,
      );
      assert.equal((await t.ctx.db.selectFrom('jobs').select('id').execute()).length, 0);

      const { id, created } = await t.ctx.db.transaction().execute(async (trx) => {
        await trx.insertInto('system_state').values({ key: 'cause', value: '{}', updated_at: now }).execute();
        return enqueueJob(trx, { type: 'test.noop', payload: {} }, now);
      });
      assert.equal(created, true);
      const job = await getJob(t.ctx.db, id);
      assert.equal(job?.status, 'queued');
      assert.equal(job?.attempts, 0);
      assert.equal(job?.maxAttempts, 8);
    });

    test('a second enqueue with the same idempotency key returns the first job and adds none', async () => {
      const now = t.clock.now();
      const first = await enqueueJob(t.ctx.db, { type: 'test.write_state', payload: { key: 'a' }, idempotencyKey: 'mail:req_1:ack' }, now);
      const again = await enqueueJob(t.ctx.db, { type: 'test.write_state', payload: { key: 'b' }, idempotencyKey: 'mail:req_1:ack' }, now);
      assert.deepEqual(again, { id: first.id, created: false });
      const racing = await Promise.all(
        Array.from({ length: 5 }, () =>
          enqueueJob(t.ctx.db, { type: 'test.noop', payload: {}, idempotencyKey: 'race' }, now),
        ),
      );
      assert.equal(racing.filter((r) => r.created).length, 1);
      assert.equal(new Set(racing.map((r) => r.id)).size, 1);
      const rows = await t.ctx.db.selectFrom('jobs').select(['idempotency_key', 'payload']).orderBy('idempotency_key').execute();
      assert.equal(rows.length, 2);
      assert.deepEqual(rows[0]?.payload, { key: 'a' });
      await assert.rejects(
        enqueueDefined(t.ctx.db, writeState, { key: 'x'.repeat(101) }, {}, now),
        (err: Error & { code?: string }) => err.code === 'internal_error',
      );
    });

    test('a job runs once and succeeds; its completing writes commit with it', async () => {
      const registry = createJobRegistry([writeState, noop]);
      const now = t.clock.now();
      const { id } = await enqueueDefined(t.ctx.db, writeState, { key: 'one' }, {}, now);
      const { id: plainId } = await enqueueJob(t.ctx.db, { type: 'test.noop', payload: {} }, now);
      const summary = await runJobsUntilIdle(t.ctx, registry);
      assert.deepEqual(summary, { ran: 2, succeeded: 2, retried: 0, dead: 0, leaseLost: 0 });
      for (const jobId of [id, plainId]) {
        const row = await jobRow(t, jobId);
        assert.equal(row.status, 'succeeded');
        assert.equal(row.attempts, 1);
        assert.equal(row.lease_token, null);
        assert.ok(row.finished_at instanceof Date);
      }
      assert.deepEqual(await stateKeys(t, 'effect:'), ['effect:one']);
      assert.equal((await runJobsUntilIdle(t.ctx, registry)).ran, 0);
    });

    test('a failing job is retried with growing delays, then dead with its error and a job.dead audit entry', async () => {
      let calls = 0;
      const failing = defineJob({
        type: 'test.always_fails',
        payload: z.object({}),
        maxAttempts: 4,
        async handler() {
          calls += 1;
          throw new Error('remote answered 503 while mailing hanako@example.jp');
        },
      });
      const registry = createJobRegistry([failing]);
      const { id } = await enqueueDefined(t.ctx.db, failing, {}, {}, t.clock.now());
      const delays: number[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        const summary = await runJobsUntilIdle(t.ctx, registry);
        assert.deepEqual(summary, { ran: 1, succeeded: 0, retried: 1, dead: 0, leaseLost: 0 });
        const row = await jobRow(t, id);
        assert.equal(row.status, 'queued');
        assert.equal(row.attempts, attempt);
        assert.match(row.last_error ?? '', /^Error: remote answered 503 while mailing \[email\]$/);
        const delay = row.run_at.getTime() - row.updated_at.getTime();
        delays.push(delay);
        // Not due before its time.
        assert.equal((await runJobsUntilIdle(t.ctx, registry)).ran, 0);
        t.clock.advance(delay);
      }
      assert.ok(delays[0] !== undefined && delays[0] >= 2_500, `first retry waits at least 2.5 s (${delays[0]})`);
      assert.ok(delays.every((d, i) => i === 0 || d > (delays[i - 1] ?? 0)), `delays grow: ${delays.join(', ')}`);

      const last = await runJobsUntilIdle(t.ctx, registry);
      assert.deepEqual(last, { ran: 1, succeeded: 0, retried: 0, dead: 1, leaseLost: 0 });
      assert.equal(calls, 4);
      const row = await jobRow(t, id);
      assert.equal(row.status, 'dead');
      assert.equal(row.attempts, 4);
      assert.doesNotMatch(row.last_error ?? '', /hanako|example/);
      assert.ok(row.finished_at instanceof Date);
      const audits = await deadAudits(t, id);
      assert.equal(audits.length, 1);
      assert.equal(audits[0]?.target_type, 'job');
      assert.deepEqual(audits[0]?.details, { type: 'test.always_fails', attempts: 4, reason: 'max_attempts' });
      t.clock.advance(24 * 60 * 60_000);
      assert.equal((await runJobsUntilIdle(t.ctx, registry)).ran, 0);
    });

    test('an invalid payload, an unknown type or a permanent error makes the job dead at once', async () => {
      let handled = 0;
      const counted = defineJob({
        type: 'test.counted',
        payload: z.strictObject({ count: z.number().int() }),
        async handler() {
          handled += 1;
        },
      });
      const refusing = defineJob({
        type: 'test.refusing',
        payload: z.object({}),
        async handler() {
          throw new PermanentJobError('the endpoint refused the request for good (410)');
        },
      });
      const registry = createJobRegistry([counted, refusing]);
      const now = t.clock.now();
      const bad = await enqueueJob(t.ctx.db, { type: 'test.counted', payload: { count: 'many' } }, now);
      const unknown = await enqueueJob(t.ctx.db, { type: 'test.no_such_type', payload: {} }, now);
      const refused = await enqueueJob(t.ctx.db, { type: 'test.refusing', payload: {} }, now);
      const summary = await runJobsUntilIdle(t.ctx, registry);
      assert.deepEqual(summary, { ran: 3, succeeded: 0, retried: 0, dead: 3, leaseLost: 0 });
      assert.equal(handled, 0);

      const badRow = await jobRow(t, bad.id);
      assert.equal(badRow.status, 'dead');
      assert.equal(badRow.attempts, 1);
      assert.equal(badRow.last_error, 'InvalidPayload: count (invalid_type)');
      const unknownRow = await jobRow(t, unknown.id);
      assert.equal(unknownRow.status, 'dead');
      assert.equal(unknownRow.last_error, 'UnknownJobType: no handler is registered for job type "test.no_such_type"');
      const refusedRow = await jobRow(t, refused.id);
      assert.equal(refusedRow.status, 'dead');
      assert.equal(refusedRow.attempts, 1);
      assert.match(refusedRow.last_error ?? '', /^PermanentJobError: the endpoint refused/);

      const reasons = await Promise.all(
        [bad.id, unknown.id, refused.id].map(async (id) => (await deadAudits(t, id)).map((a) => a.details.reason)),
      );
      assert.deepEqual(reasons, [['invalid_payload'], ['unknown_type'], ['permanent_error']]);
    });

    test('two scheduler instances enqueue each slot once', async () => {
      const schedule = defineSchedule({ name: 'test-minutely', every: 60_000, jobType: 'test.noop', payload: { from: 'schedule' } });
      // On PostgreSQL the second instance has connections of its own, like another process.
      const other = engine === 'postgres' && t.database.url ? await openDatabase({ kind: 'postgres', url: t.database.url }) : null;
      const woken: number[] = [];
      const a = startScheduler(t.ctx, [schedule], { checkMs: 60_000, onEnqueued: (e) => woken.push(e.length) });
      const b = startScheduler(other ? { ...t.ctx, db: other.db } : t.ctx, [schedule], { checkMs: 60_000 });
      try {
        await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
        const slot = slotStart(schedule, t.clock.now());
        const rows = await t.ctx.db.selectFrom('jobs').select(['idempotency_key', 'run_at', 'payload']).execute();
        assert.equal(rows.length, 1);
        assert.equal(rows[0]?.idempotency_key, `schedule:test-minutely:${slot.toISOString()}`);
        assert.deepEqual(rows[0]?.payload, { from: 'schedule' });

        t.clock.advance(60_000);
        const results = await Promise.all([a.tick(), b.tick()]);
        assert.equal(results.flat().filter((r) => r.created).length, 1);
        const keys = await t.ctx.db.selectFrom('jobs').select(['idempotency_key']).orderBy('idempotency_key').execute();
        assert.equal(keys.length, 2);
        assert.equal(keys[1]?.idempotency_key, `schedule:test-minutely:${new Date(slot.getTime() + 60_000).toISOString()}`);
      } finally {
        await a.stop();
        await b.stop();
        await other?.close();
      }
      assert.ok(woken.length >= 1, 'the scheduler tells its worker when it enqueued something');
    });

    test('a background worker runs jobs concurrently, wakes on demand and stops gracefully', async () => {
      let running = 0;
      let maxRunning = 0;
      const slow = defineJob({
        type: 'test.slow',
        payload: z.strictObject({ key: z.string(), ms: z.number().int().max(2_000) }),
        async handler(payload, job) {
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          await sleep(payload.ms);
          running -= 1;
          await job.completeWith(async (trx) => {
            await trx.insertInto('system_state').values({ key: `slow:${payload.key}`, value: '{}', updated_at: job.app.clock.now() }).execute();
          });
        },
      });
      const registry = createJobRegistry([slow]);
      const worker = startWorker(t.ctx, registry, { concurrency: 3, pollMs: 60_000, shutdownTimeoutMs: 5_000 });
      let lastId = '';
      try {
        await t.ctx.db.transaction().execute(async (trx) => {
          for (let i = 0; i < 9; i++) await enqueueJob(trx, { type: 'test.slow', payload: { key: `k${i}`, ms: 30 } }, t.clock.now());
        });
        worker.wake();
        await worker.drain();
        assert.equal((await stateKeys(t, 'slow:')).length, 9);
        assert.equal(maxRunning, 3);

        // stop() waits for a handler that is running.
        lastId = (await enqueueJob(t.ctx.db, { type: 'test.slow', payload: { key: 'last', ms: 300 } }, t.clock.now())).id;
        worker.wake();
        await waitFor('the job to start', async () => (await jobRow(t, lastId)).status === 'running');
      } finally {
        await worker.stop();
      }
      assert.deepEqual(await stateKeys(t, 'slow:last'), ['slow:last']);
      assert.equal((await jobRow(t, lastId)).status, 'succeeded');
    });

    test('stopping with a handler that does not finish leaves its lease to expire, then another run finishes it', async () => {
      let aborted: unknown = null;
      const stubborn = defineJob({
        type: 'test.stubborn',
        payload: z.strictObject({ key: z.string() }),
        leaseMs: 5_000,
        async handler(payload, job) {
          if (job.attempt === 1) {
            await new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve(), { once: true }));
            aborted = job.signal.reason;
            throw job.signal.reason;
          }
          await job.completeWith(async (trx) => {
            await trx.insertInto('system_state').values({ key: `stubborn:${payload.key}`, value: '{}', updated_at: job.app.clock.now() }).execute();
          });
        },
      });
      const registry = createJobRegistry([stubborn]);
      const { id } = await enqueueJob(t.ctx.db, { type: 'test.stubborn', payload: { key: 's' } }, t.clock.now());
      const worker = startWorker(t.ctx, registry, { concurrency: 1, pollMs: 20, shutdownTimeoutMs: 100 });
      await waitFor('the job to start', async () => (await jobRow(t, id)).status === 'running');
      await worker.stop();
      assert.ok(aborted instanceof WorkerStoppedError);
      let row = await jobRow(t, id);
      assert.equal(row.status, 'running');
      assert.equal(row.attempts, 1);

      assert.equal((await runJobsUntilIdle(t.ctx, registry)).ran, 0, 'the lease still holds');
      t.clock.advance(6_000);
      assert.deepEqual(await runJobsUntilIdle(t.ctx, registry), { ran: 1, succeeded: 1, retried: 0, dead: 0, leaseLost: 0 });
      row = await jobRow(t, id);
      assert.equal(row.status, 'succeeded');
      assert.equal(row.attempts, 2);
      assert.deepEqual(await stateKeys(t, 'stubborn:'), ['stubborn:s']);
    });

    test('a worker whose lease was taken over is told by its renewal, and its completion commits nothing', async () => {
      let started: () => void = () => {};
      const firstStarted = new Promise<void>((resolve) => {
        started = resolve;
      });
      let firstReason: unknown = null;
      let firstCompletion: unknown = null;
      const contested = defineJob({
        type: 'test.contested',
        payload: z.strictObject({ key: z.string() }),
        leaseMs: 300,
        async handler(payload, job) {
          const write = (suffix: string) =>
            job.completeWith(async (trx) => {
              await trx.insertInto('system_state').values({ key: `contested:${payload.key}:${suffix}`, value: '{}', updated_at: job.app.clock.now() }).execute();
            });
          if (job.attempt === 1) {
            started();
            await new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve(), { once: true }));
            firstReason = job.signal.reason;
            try {
              await write('first');
            } catch (err) {
              firstCompletion = err;
              throw err;
            }
            return;
          }
          await write('second');
        },
      });
      const registry = createJobRegistry([contested]);
      const { id } = await enqueueJob(t.ctx.db, { type: 'test.contested', payload: { key: 'c' } }, t.clock.now());
      const first = runJobsUntilIdle(t.ctx, registry, { workerId: 'worker-a' });
      await firstStarted;
      let second: RunSummary = { ran: 0, succeeded: 0, retried: 0, dead: 0, leaseLost: 0 };
      for (let i = 0; i < 20 && second.ran === 0; i++) {
        // Time jumps past the lease, as if worker A had hung; worker B claims the job.
        t.clock.advance(1_000);
        second = await runJobsUntilIdle(t.ctx, registry, { workerId: 'worker-b' });
      }
      assert.deepEqual(second, { ran: 1, succeeded: 1, retried: 0, dead: 0, leaseLost: 0 });
      assert.deepEqual(await first, { ran: 1, succeeded: 0, retried: 0, dead: 0, leaseLost: 1 });
      assert.ok(firstReason instanceof LeaseLostError);
      assert.ok(firstCompletion instanceof LeaseLostError);
      assert.deepEqual(await stateKeys(t, 'contested:'), ['contested:c:second']);
      const row = await jobRow(t, id);
      assert.equal(row.status, 'succeeded');
      assert.equal(row.attempts, 2);
      assert.equal(row.locked_by, 'worker-b');
    });

    test('completeWith commits nothing when another worker has taken the job over unnoticed', async () => {
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let started: () => void = () => {};
      const firstStarted = new Promise<void>((resolve) => {
        started = resolve;
      });
      const gated = defineJob({
        type: 'test.gated',
        payload: z.strictObject({ key: z.string() }),
        // Long enough that worker A never renews during the test.
        leaseMs: 60_000,
        async handler(payload, job) {
          if (job.attempt === 1) {
            started();
            await gate;
          }
          await job.completeWith(async (trx) => {
            await trx.insertInto('system_state').values({ key: `gated:${payload.key}:${job.attempt}`, value: '{}', updated_at: job.app.clock.now() }).execute();
          });
        },
      });
      const registry = createJobRegistry([gated]);
      const { id } = await enqueueJob(t.ctx.db, { type: 'test.gated', payload: { key: 'g' } }, t.clock.now());
      const first = runJobsUntilIdle(t.ctx, registry, { workerId: 'worker-a' });
      await firstStarted;
      t.clock.advance(61_000);
      assert.deepEqual(await runJobsUntilIdle(t.ctx, registry, { workerId: 'worker-b' }), {
        ran: 1,
        succeeded: 1,
        retried: 0,
        dead: 0,
        leaseLost: 0,
      });
      release();
      assert.deepEqual(await first, { ran: 1, succeeded: 0, retried: 0, dead: 0, leaseLost: 1 });
      assert.deepEqual(await stateKeys(t, 'gated:'), ['gated:g:2']);
      const row = await jobRow(t, id);
      assert.equal(row.status, 'succeeded');
      assert.equal(row.attempts, 2);
    });
  });
}
