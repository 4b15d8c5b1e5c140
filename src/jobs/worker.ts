// The job worker: claims due jobs, runs their handlers under a renewed lease, and records the
// outcome (succeeded, retry later, dead). No transaction is held while a handler runs, so the
// worker works on PGlite's single connection as well as on a PostgreSQL pool; handlers open
// their own short transactions (completeWith for the final writes).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AppContext } from '../app/context.ts';
import type { Logger } from '../lib/logger.ts';
import {
  LeaseLostError,
  PermanentJobError,
  WorkerStoppedError,
  describeJobError,
  describeZodIssues,
  errorName,
} from './job-errors.ts';
import type { JobContext } from './job.types.ts';
import {
  claimJobs,
  completeJob,
  deadLetterJob,
  renewJobLease,
  retryJobLater,
  type ClaimedJob,
  type DeadReason,
} from './queue.ts';
import type { JobRegistry } from './registry.ts';
import { DEFAULT_BACKOFF, retryDelayMs } from './retry-policy.ts';

export type JobOutcome = 'succeeded' | 'retried' | 'dead' | 'lease_lost' | 'abandoned';

export interface JobRun {
  job: ClaimedJob;
  /** Settles with the outcome; never rejects. */
  done: Promise<JobOutcome>;
  /** The worker stops standing behind this run: abort its signal, stop renewing, record nothing. */
  abandon(): void;
}

export function defaultWorkerId(): string {
  return `${hostname().slice(0, 60)}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** Runs one claimed job to its outcome. */
export function runClaimedJob(ctx: AppContext, registry: JobRegistry, job: ClaimedJob): JobRun {
  const logger: Logger = ctx.logger.child({ jobId: job.id, jobType: job.type, attempt: job.attempt });
  const controller = new AbortController();
  const state = { finished: false, completed: false, inCompletion: false, leaseLost: false, abandoned: false };
  let renewTimer: NodeJS.Timeout | undefined;
  let leaseUntilMs = job.leaseUntil.getTime();

  const loseLease = (): void => {
    if (state.leaseLost) return;
    state.leaseLost = true;
    logger.warn('job lease lost to another worker');
    controller.abort(new LeaseLostError(job.id));
  };

  const stopRenewal = (): void => {
    if (renewTimer) clearTimeout(renewTimer);
    renewTimer = undefined;
  };

  const scheduleRenewal = (): void => {
    if (state.finished || state.abandoned || state.leaseLost) return;
    // A third of the lease: two renewals may fail (a slow query, a busy event loop) before
    // the lease runs out.
    renewTimer = setTimeout(() => void renew(), Math.max(50, Math.floor(job.leaseMs / 3)));
  };

  const renew = async (): Promise<void> => {
    renewTimer = undefined;
    if (state.finished || state.abandoned) return;
    if (state.inCompletion) {
      // The completing transaction holds the row; nobody can take it over meanwhile.
      scheduleRenewal();
      return;
    }
    try {
      const until = await renewJobLease(ctx.db, job, ctx.clock.now());
      // A completion that began meanwhile makes the answer meaningless (the row is no longer
      // 'running' once it commits).
      if (state.finished || state.abandoned || state.inCompletion || state.completed) return scheduleRenewal();
      if (until) leaseUntilMs = until.getTime();
      else return loseLease();
    } catch (err) {
      logger.warn({ errorName: errorName(err) }, 'job lease renewal failed');
      if (ctx.clock.now().getTime() >= leaseUntilMs) return loseLease();
    }
    scheduleRenewal();
  };

  const jobContext: JobContext = {
    app: ctx,
    jobId: job.id,
    attempt: job.attempt,
    signal: controller.signal,
    logger,
    async completeWith(fn) {
      if (state.completed) throw new Error('completeWith may be called once per run');
      if (state.leaseLost) throw new LeaseLostError(job.id);
      state.inCompletion = true;
      try {
        const result = await ctx.db.transaction().execute(async (trx) => {
          // Marking first takes the row lock, so no other worker can claim the job while fn runs.
          if (!(await completeJob(trx, job, ctx.clock.now()))) throw new LeaseLostError(job.id);
          return fn(trx);
        });
        state.completed = true;
        return result;
      } catch (err) {
        if (err instanceof LeaseLostError) loseLease();
        throw err;
      } finally {
        state.inCompletion = false;
      }
    },
  };

  const deadLetter = async (lastError: string, reason: DeadReason, err?: unknown): Promise<JobOutcome> => {
    const ok = await deadLetterJob(ctx.db, job, lastError, reason, ctx.clock.now());
    if (!ok) return 'lease_lost';
    logger.error({ reason, ...(err === undefined ? {} : { errorName: errorName(err) }) }, 'job dead');
    return 'dead';
  };

  const fail = async (err: unknown, durationMs: number): Promise<JobOutcome> => {
    const lastError = describeJobError(err);
    if (err instanceof PermanentJobError) return deadLetter(lastError, 'permanent_error', err);
    if (job.attempt >= job.maxAttempts) return deadLetter(lastError, 'max_attempts', err);
    const now = ctx.clock.now();
    const delay = retryDelayMs(job.attempt, Math.random(), registry.get(job.type)?.backoff ?? DEFAULT_BACKOFF);
    const ok = await retryJobLater(ctx.db, job, new Date(now.getTime() + delay), lastError, now);
    if (!ok) return 'lease_lost';
    logger.warn({ errorName: errorName(err), durationMs, retryInMs: delay }, 'job failed; will retry');
    return 'retried';
  };

  const execute = async (): Promise<JobOutcome> => {
    const definition = registry.get(job.type);
    if (!definition) {
      return deadLetter(`UnknownJobType: no handler is registered for job type "${job.type}"`, 'unknown_type');
    }
    const parsed = definition.payload.safeParse(job.payload);
    if (!parsed.success) {
      return deadLetter(`InvalidPayload: ${describeZodIssues(parsed.error)}`, 'invalid_payload');
    }
    scheduleRenewal();
    const started = performance.now();
    let thrown: { err: unknown } | null = null;
    try {
      await definition.handler(parsed.data, jobContext);
    } catch (err) {
      thrown = { err };
    }
    state.finished = true;
    stopRenewal();
    const durationMs = Math.round(performance.now() - started);
    if (state.abandoned) {
      // The worker has stopped; if the handler still finished, record it while the lease holds.
      if (!thrown && !state.completed) await completeJob(ctx.db, job, ctx.clock.now()).catch(() => false);
      return 'abandoned';
    }
    if (state.completed) {
      if (thrown) logger.warn({ errorName: errorName(thrown.err) }, 'job handler threw after completing; kept as succeeded');
      logger.info({ durationMs }, 'job succeeded');
      return 'succeeded';
    }
    if (state.leaseLost || (thrown && thrown.err instanceof LeaseLostError)) {
      logger.warn({ durationMs }, 'job run ended without its lease; the new holder decides');
      return 'lease_lost';
    }
    if (thrown) return fail(thrown.err, durationMs);
    if (!(await completeJob(ctx.db, job, ctx.clock.now()))) {
      logger.warn({ durationMs }, 'job run ended without its lease; the new holder decides');
      return 'lease_lost';
    }
    logger.info({ durationMs }, 'job succeeded');
    return 'succeeded';
  };

  const done = execute().catch((err: unknown): JobOutcome => {
    // Recording the outcome failed (database gone): the lease expires and another run follows.
    state.finished = true;
    stopRenewal();
    logger.error({ errorName: errorName(err) }, 'job outcome could not be recorded');
    return state.abandoned ? 'abandoned' : 'lease_lost';
  });

  return {
    job,
    done,
    abandon() {
      if (state.finished || state.abandoned) return;
      state.abandoned = true;
      stopRenewal();
      controller.abort(new WorkerStoppedError());
    },
  };
}

export interface RunSummary {
  /** Runs started (claimed jobs), whatever their outcome. */
  ran: number;
  succeeded: number;
  retried: number;
  dead: number;
  leaseLost: number;
}

function emptySummary(): RunSummary {
  return { ran: 0, succeeded: 0, retried: 0, dead: 0, leaseLost: 0 };
}

function tally(summary: RunSummary, outcome: JobOutcome): void {
  switch (outcome) {
    case 'succeeded':
      summary.succeeded += 1;
      break;
    case 'retried':
      summary.retried += 1;
      break;
    case 'dead':
      summary.dead += 1;
      break;
    case 'lease_lost':
    case 'abandoned':
      summary.leaseLost += 1;
      break;
  }
}

/**
 * Claims and runs due jobs one at a time until none is due (for tests and one-shot commands).
 * A job that failed and waits for its retry is not due, so this always comes to an end;
 * `maxJobs` bounds handlers that keep enqueueing more work.
 */
export async function runJobsUntilIdle(
  ctx: AppContext,
  registry: JobRegistry,
  options: { workerId?: string; maxJobs?: number } = {},
): Promise<RunSummary> {
  const workerId = options.workerId ?? defaultWorkerId();
  const maxJobs = options.maxJobs ?? 10_000;
  const summary = emptySummary();
  while (summary.ran < maxJobs) {
    const { jobs, deadLettered } = await claimJobs(ctx, registry, { limit: 1, workerId });
    summary.dead += deadLettered;
    const job = jobs[0];
    if (!job) {
      if (deadLettered > 0) continue;
      break;
    }
    summary.ran += 1;
    tally(summary, await runClaimedJob(ctx, registry, job).done);
  }
  return summary;
}

export interface WorkerOptions {
  /** Jobs run at the same time (default 4). */
  concurrency?: number;
  /** How often to look for due jobs when idle (default 500 ms). */
  pollMs?: number;
  workerId?: string;
  /** How long stop() waits for running handlers before leaving their leases to expire (default 10 s). */
  shutdownTimeoutMs?: number;
}

export interface Worker {
  readonly workerId: string;
  /** Look for due jobs now (call after enqueueing work that should start at once). */
  wake(): void;
  /** Resolves the next time nothing is due and nothing runs (or when the worker stops). */
  drain(): Promise<void>;
  /** Stops claiming, waits for running handlers up to the shutdown timeout, then returns. */
  stop(): Promise<void>;
}

export function startWorker(ctx: AppContext, registry: JobRegistry, options: WorkerOptions = {}): Worker {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const pollMs = Math.max(10, options.pollMs ?? 500);
  const shutdownTimeoutMs = Math.max(0, options.shutdownTimeoutMs ?? 10_000);
  const workerId = (options.workerId ?? defaultWorkerId()).slice(0, 200);
  const logger = ctx.logger.child({ workerId });
  const active = new Set<JobRun>();
  let stopping = false;
  let woken = false;
  let wakeUp: (() => void) | null = null;
  // A drain waiter is answered only by a claim pass that began after it was registered, so a
  // job enqueued just before drain() is never missed by a pass already in flight.
  let passes = 0;
  let drainWaiters: Array<{ after: number; resolve: () => void }> = [];

  const wake = (): void => {
    woken = true;
    wakeUp?.();
  };

  const sleep = (ms: number): Promise<void> => {
    if (woken || stopping) {
      woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish(): void {
        clearTimeout(timer);
        wakeUp = null;
        woken = false;
        resolve();
      }
      wakeUp = finish;
    });
  };

  const launch = (job: ClaimedJob): void => {
    const run = runClaimedJob(ctx, registry, job);
    active.add(run);
    void run.done.then(() => {
      active.delete(run);
      wake();
    });
  };

  const loop = async (): Promise<void> => {
    logger.info({ concurrency, pollMs }, 'job worker started');
    while (!stopping) {
      let claimed = 0;
      let failed = false;
      const pass = ++passes;
      const free = concurrency - active.size;
      if (free > 0) {
        try {
          const result = await claimJobs(ctx, registry, { limit: free, workerId });
          claimed = result.jobs.length + result.deadLettered;
          // Even if stop() began meanwhile: these attempts are counted already, so run them.
          for (const job of result.jobs) launch(job);
        } catch (err) {
          failed = true;
          logger.warn({ errorName: errorName(err) }, 'claiming jobs failed');
        }
      }
      if (!failed && claimed === 0 && active.size === 0 && drainWaiters.length > 0) {
        const answered = drainWaiters.filter((w) => w.after < pass);
        drainWaiters = drainWaiters.filter((w) => w.after >= pass);
        for (const w of answered) w.resolve();
        if (drainWaiters.length > 0) continue;
      }
      // A full batch suggests more is due: look again at once while there is room.
      if (claimed > 0 && claimed >= free && active.size < concurrency) continue;
      await sleep(pollMs);
    }
  };

  const looping = loop();
  let stopped: Promise<void> | null = null;

  return {
    workerId,
    wake,
    drain() {
      return new Promise<void>((resolve) => {
        drainWaiters.push({ after: passes, resolve });
        wake();
      });
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        wake();
        await looping;
        const runs = [...active];
        if (runs.length > 0) {
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<'timeout'>((resolve) => {
            timer = setTimeout(() => resolve('timeout'), shutdownTimeoutMs);
          });
          const result = await Promise.race([Promise.all(runs.map((r) => r.done)), timeout]);
          clearTimeout(timer);
          if (result === 'timeout') {
            for (const run of active) run.abandon();
            logger.warn({ jobs: active.size }, 'job worker stopped with handlers still running; their leases will expire');
          }
        }
        const waiters = drainWaiters;
        drainWaiters = [];
        for (const w of waiters) w.resolve();
        logger.info('job worker stopped');
      })();
      return stopped;
    },
  };
}
