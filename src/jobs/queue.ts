// The durable job queue. Jobs are enqueued inside the transaction of the state change that
// causes them (so they exist exactly when that change commits), claimed under a lease with
// FOR UPDATE SKIP LOCKED, and ended by transitions that only the lease holder can make.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import type { Db } from '../db/database.ts';
import type { JobStatus } from '../db/schema.ts';
import { SYSTEM_ACTOR } from '../domains/audit/audit.actions.ts';
import { appendAudit } from '../domains/audit/audit.service.ts';
import { AppError } from '../lib/errors.ts';
import { newId } from '../lib/ids.ts';
import { describeZodIssues } from './job-errors.ts';
import type { EnqueueInput, JobDefinition } from './job.types.ts';
import * as repo from './queue.repository.ts';
import { JOB_TYPE_MAX_LENGTH, JOB_TYPE_PATTERN, type JobRegistry } from './registry.ts';

export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_LEASE_MS = 60_000;
/** Payloads carry ids and options, not documents; this bound keeps them that way. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const IDEMPOTENCY_KEY_MAX_LENGTH = 300;

const ZEnqueueInput = z.strictObject({
  type: z.string().max(JOB_TYPE_MAX_LENGTH).regex(JOB_TYPE_PATTERN),
  payload: z.record(z.string(), z.unknown()),
  runAt: z.date().optional(),
  idempotencyKey: z.string().min(1).max(IDEMPOTENCY_KEY_MAX_LENGTH).optional(),
  maxAttempts: z.number().int().min(1).max(100).optional(),
  priority: z.number().int().min(-1000).max(1000).optional(),
});

function badEnqueue(reason: string, message: string): AppError {
  // A bad enqueue is a bug in the calling code, not the user's input: it surfaces as an
  // internal error with the reason for the developer.
  return new AppError('internal_error', { details: [{ path: 'job', reason, message }] });
}

function payloadJson(payload: Record<string, unknown>): string {
  let json: string;
  try {
    json = JSON.stringify(payload);
  } catch {
    throw badEnqueue('not_json', 'the job payload cannot be written as JSON');
  }
  if (Buffer.byteLength(json, 'utf8') > MAX_PAYLOAD_BYTES) {
    throw badEnqueue('too_large', `the job payload is larger than ${MAX_PAYLOAD_BYTES} bytes`);
  }
  return json;
}

/**
 * Adds a job in the caller's transaction. With an idempotency key, a second enqueue (in this
 * or any other process) returns the first job with created=false and changes nothing.
 */
export async function enqueueJob(trx: Db, input: EnqueueInput, now: Date): Promise<{ id: string; created: boolean }> {
  const parsed = ZEnqueueInput.safeParse(input);
  if (!parsed.success) throw badEnqueue('invalid_enqueue', describeZodIssues(parsed.error));
  const job = parsed.data;
  const id = newId('job');
  const created = await repo.insertJob(trx, {
    id,
    type: job.type,
    payloadJson: payloadJson(job.payload),
    runAt: job.runAt ?? now,
    maxAttempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    priority: job.priority ?? 0,
    idempotencyKey: job.idempotencyKey ?? null,
    now,
  });
  if (created) return { id, created: true };
  const existing = job.idempotencyKey ? await repo.findJobIdByIdempotencyKey(trx, job.idempotencyKey) : undefined;
  if (!existing) throw badEnqueue('conflict', 'the job was neither inserted nor found by its idempotency key');
  return { id: existing, created: false };
}

/**
 * Enqueues a job of a declared type: the payload is checked against the definition's schema
 * now (a bad payload fails the caller, not a worker later) and the definition's maxAttempts
 * is stored with the job.
 */
export async function enqueueDefined<S extends z.ZodType>(
  trx: Db,
  definition: JobDefinition<S>,
  payload: z.input<S>,
  options: Omit<EnqueueInput, 'type' | 'payload'>,
  now: Date,
): Promise<{ id: string; created: boolean }> {
  const checked = definition.payload.safeParse(payload);
  if (!checked.success) throw badEnqueue('invalid_payload', describeZodIssues(checked.error));
  return enqueueJob(
    trx,
    {
      ...options,
      type: definition.type,
      payload,
      maxAttempts: options.maxAttempts ?? definition.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    },
    now,
  );
}

/** A job this worker holds a lease on. */
export interface ClaimedJob {
  id: string;
  type: string;
  payload: unknown;
  /** 1-based number of this run. */
  attempt: number;
  maxAttempts: number;
  leaseToken: string;
  leaseUntil: Date;
  leaseMs: number;
}

export interface ClaimResult {
  jobs: ClaimedJob[];
  /** Jobs found with an expired lease on their last attempt: dead-lettered instead of run. */
  deadLettered: number;
}

export type DeadReason = 'max_attempts' | 'unknown_type' | 'invalid_payload' | 'permanent_error' | 'lease_expired';

async function auditDead(
  trx: Db,
  job: { id: string; type: string; attempts: number },
  reason: DeadReason,
  now: Date,
): Promise<void> {
  await appendAudit(trx, {
    action: 'job.dead',
    actor: SYSTEM_ACTOR,
    target: { type: 'job', id: job.id },
    details: { type: job.type, attempts: job.attempts, reason },
    at: now,
  });
}

/** Claims up to `limit` due jobs, each under a fresh lease of its type's length. */
export async function claimJobs(
  ctx: AppContext,
  registry: JobRegistry,
  options: { limit: number; workerId: string },
): Promise<ClaimResult> {
  const now = ctx.clock.now();
  const dead: Array<{ id: string; type: string }> = [];
  const jobs = await ctx.db.transaction().execute(async (trx) => {
    const candidates = await repo.lockDueJobs(trx, now, options.limit);
    const claimed: ClaimedJob[] = [];
    for (const c of candidates) {
      if (c.status === 'running' && c.attempts >= c.max_attempts) {
        // Its worker died during the last allowed attempt; running it again would exceed the
        // limit, and a job that kills its worker must not loop forever.
        await repo.markLockedJobDead(trx, c.id, 'LeaseExpired: the worker running the last attempt stopped without finishing', now);
        await auditDead(trx, c, 'lease_expired', now);
        dead.push(c);
        continue;
      }
      const leaseMs = registry.get(c.type)?.leaseMs ?? DEFAULT_LEASE_MS;
      const leaseToken = randomBytes(18).toString('base64url');
      const row = await repo.leaseJob(trx, {
        id: c.id,
        leaseToken,
        leaseUntil: new Date(now.getTime() + leaseMs),
        workerId: options.workerId,
        now,
      });
      claimed.push({
        id: row.id,
        type: row.type,
        payload: row.payload,
        attempt: row.attempts,
        maxAttempts: row.max_attempts,
        leaseToken,
        leaseUntil: new Date(now.getTime() + leaseMs),
        leaseMs,
      });
    }
    return claimed;
  });
  for (const d of dead) {
    ctx.logger.error({ jobId: d.id, jobType: d.type, reason: 'lease_expired' }, 'job dead');
  }
  return { jobs, deadLettered: dead.length };
}

/** Marks the job succeeded unless another worker holds it now. */
export async function completeJob(db: Db, job: ClaimedJob, now: Date): Promise<boolean> {
  return repo.markSucceeded(db, job.id, job.leaseToken, now);
}

export async function renewJobLease(db: Db, job: ClaimedJob, now: Date): Promise<Date | null> {
  const until = new Date(now.getTime() + job.leaseMs);
  return (await repo.renewLease(db, job.id, job.leaseToken, until, now)) ? until : null;
}

/** Puts the job back in the queue to run at `runAt`; false when the lease was lost. */
export async function retryJobLater(db: Db, job: ClaimedJob, runAt: Date, lastError: string, now: Date): Promise<boolean> {
  return repo.markRetry(db, { id: job.id, leaseToken: job.leaseToken, runAt, lastError, now });
}

/** Dead-letters the job and records it in the audit log, in one transaction. */
export async function deadLetterJob(
  db: Db,
  job: ClaimedJob,
  lastError: string,
  reason: DeadReason,
  now: Date,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const ok = await repo.markDead(trx, { id: job.id, leaseToken: job.leaseToken, lastError, now });
    if (ok) await auditDead(trx, { id: job.id, type: job.type, attempts: job.attempt }, reason, now);
    return ok;
  });
}

export interface JobView {
  id: string;
  type: string;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  runAt: Date;
  lastError: string | null;
  idempotencyKey: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** What an operator may see of a job: no payload (it may name a person's request). */
export async function getJob(db: Db, id: string): Promise<JobView | null> {
  const row = await repo.findJob(db, id);
  if (!row) return null;
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at,
    lastError: row.last_error,
    idempotencyKey: row.idempotency_key,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

export async function getQueueCounts(db: Db): Promise<Record<JobStatus, number>> {
  return repo.countJobsByStatus(db);
}
