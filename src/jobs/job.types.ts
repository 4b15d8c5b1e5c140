// The contract between code that enqueues work and the handlers that do it. A job type is
// declared (type name, payload schema, retry policy) apart from the code that enqueues it.
import type { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import type { Db } from '../db/database.ts';
import type { Logger } from '../lib/logger.ts';
import type { BackoffPolicy } from './retry-policy.ts';

export interface JobContext {
  app: AppContext;
  jobId: string;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
  /** Aborted when the worker loses the lease or stops; long handlers should check it. */
  signal: AbortSignal;
  /**
   * Runs `fn` in a transaction that also marks the job succeeded, guarded by this worker's
   * lease: if another worker has taken the job over, nothing in `fn` commits. Use it for the
   * handler's final database writes so that their effect happens exactly once.
   */
  completeWith<T>(fn: (trx: Db) => Promise<T>): Promise<T>;
  /** A logger bound to the job id, type and attempt; log ids and counts only. */
  logger: Logger;
}

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  type: string;
  payload: S;
  /** Attempts before the job is dead-lettered (default 8). Stored on each job when it is
   * enqueued with enqueueDefined; a plain enqueueJob uses its own maxAttempts or 8. */
  maxAttempts?: number;
  /** Lease length; the worker renews it while the handler runs (default 60 s). */
  leaseMs?: number;
  /** Delays between attempts (default: 5 s doubling up to 1 h, with jitter). */
  backoff?: BackoffPolicy;
  handler(payload: z.infer<S>, ctx: JobContext): Promise<void>;
}

export function defineJob<S extends z.ZodType>(def: JobDefinition<S>): JobDefinition<S> {
  return def;
}

export interface EnqueueInput {
  type: string;
  payload: unknown;
  runAt?: Date;
  /** At most one job ever exists per key; a second enqueue returns the first job. */
  idempotencyKey?: string;
  /** Attempts before the job is dead-lettered (default 8; enqueueDefined takes the definition's). */
  maxAttempts?: number;
  /** Higher runs first among due jobs (default 0). */
  priority?: number;
}
