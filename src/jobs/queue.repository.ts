// SQL for the durable job queue. Every state change after a claim is guarded by the lease
// token, so a worker that lost its job to another worker (its lease expired) changes nothing.
import type { Kysely, Selectable } from 'kysely';
import type { Database, JobStatus, JobsTable } from '../db/schema.ts';

type Exec = Kysely<Database>;

export type JobRow = Selectable<JobsTable>;

export interface NewJobRow {
  id: string;
  type: string;
  payloadJson: string;
  runAt: Date;
  maxAttempts: number;
  priority: number;
  idempotencyKey: string | null;
  now: Date;
}

/** Inserts the job unless one with the same idempotency key exists; returns false then. */
export async function insertJob(db: Exec, row: NewJobRow): Promise<boolean> {
  const res = await db
    .insertInto('jobs')
    .values({
      id: row.id,
      type: row.type,
      payload: row.payloadJson,
      status: 'queued',
      priority: row.priority,
      run_at: row.runAt,
      max_attempts: row.maxAttempts,
      idempotency_key: row.idempotencyKey,
      created_at: row.now,
      updated_at: row.now,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function findJobIdByIdempotencyKey(db: Exec, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('jobs').select('id').where('idempotency_key', '=', key).executeTakeFirst();
  return row?.id;
}

export async function findJob(db: Exec, id: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface ClaimCandidate {
  id: string;
  type: string;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
}

/**
 * Locks up to `limit` jobs that are due: queued with run_at reached, or running under a lease
 * that has expired (its worker crashed or hung). SKIP LOCKED lets many workers claim side by
 * side without waiting on each other's rows. Must run in a transaction.
 */
export async function lockDueJobs(trx: Exec, now: Date, limit: number): Promise<ClaimCandidate[]> {
  return trx
    .selectFrom('jobs')
    .select(['id', 'type', 'status', 'attempts', 'max_attempts'])
    .where('status', 'in', ['queued', 'running'])
    .where('run_at', '<=', now)
    .where((eb) =>
      eb.or([eb('status', '=', 'queued'), eb('lease_until', '<=', now), eb('lease_until', 'is', null)]),
    )
    .orderBy('priority', 'desc')
    .orderBy('run_at', 'asc')
    .orderBy('id', 'asc')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

/** Takes a job locked by lockDueJobs: a new lease, one more attempt. */
export async function leaseJob(
  trx: Exec,
  args: { id: string; leaseToken: string; leaseUntil: Date; workerId: string; now: Date },
): Promise<JobRow> {
  return trx
    .updateTable('jobs')
    .set((eb) => ({
      status: 'running',
      attempts: eb('attempts', '+', 1),
      lease_token: args.leaseToken,
      lease_until: args.leaseUntil,
      locked_by: args.workerId,
      updated_at: args.now,
    }))
    .where('id', '=', args.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Dead-letters a job locked by lockDueJobs (no lease of ours to check). */
export async function markLockedJobDead(trx: Exec, id: string, lastError: string, now: Date): Promise<void> {
  await trx
    .updateTable('jobs')
    .set({ status: 'dead', last_error: lastError, lease_token: null, lease_until: null, updated_at: now, finished_at: now })
    .where('id', '=', id)
    .execute();
}

export async function renewLease(db: Exec, id: string, leaseToken: string, leaseUntil: Date, now: Date): Promise<boolean> {
  const res = await db
    .updateTable('jobs')
    .set({ lease_until: leaseUntil, updated_at: now })
    .where('id', '=', id)
    .where('lease_token', '=', leaseToken)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Marks the job succeeded if this lease still holds it; the row stays locked until commit. */
export async function markSucceeded(db: Exec, id: string, leaseToken: string, now: Date): Promise<boolean> {
  const res = await db
    .updateTable('jobs')
    .set({ status: 'succeeded', lease_token: null, lease_until: null, last_error: null, updated_at: now, finished_at: now })
    .where('id', '=', id)
    .where('lease_token', '=', leaseToken)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function markRetry(
  db: Exec,
  args: { id: string; leaseToken: string; runAt: Date; lastError: string; now: Date },
): Promise<boolean> {
  const res = await db
    .updateTable('jobs')
    .set({
      status: 'queued',
      run_at: args.runAt,
      last_error: args.lastError,
      lease_token: null,
      lease_until: null,
      locked_by: null,
      updated_at: args.now,
    })
    .where('id', '=', args.id)
    .where('lease_token', '=', args.leaseToken)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function markDead(
  db: Exec,
  args: { id: string; leaseToken: string; lastError: string; now: Date },
): Promise<boolean> {
  const res = await db
    .updateTable('jobs')
    .set({
      status: 'dead',
      last_error: args.lastError,
      lease_token: null,
      lease_until: null,
      updated_at: args.now,
      finished_at: args.now,
    })
    .where('id', '=', args.id)
    .where('lease_token', '=', args.leaseToken)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function countJobsByStatus(db: Exec): Promise<Record<JobStatus, number>> {
  const rows = await db
    .selectFrom('jobs')
    .select((eb) => ['status', eb.fn.countAll<number>().as('count')])
    .groupBy('status')
    .execute();
  const counts: Record<JobStatus, number> = { queued: 0, running: 0, succeeded: 0, dead: 0 };
  for (const r of rows) counts[r.status] = Number(r.count);
  return counts;
}
