// Fixed-window counters for the public limits of the request desk (submissions per client
// address and per email address, verification attempts per address). They live in the
// database, not in process memory, so every instance behind a load balancer counts the same
// windows. One upsert both counts and reads, so two requests racing for the last slot cannot
// both get it. Keys are built by the caller from keyed hashes: no address is stored in clear.
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../lib/errors.ts';

export interface ThrottleLimit {
  /** How many are allowed per window. */
  limit: number;
  windowMs: number;
}

export interface ThrottleState {
  count: number;
  remaining: number;
  /** When the current window ends (a client may try again then). */
  resetsAt: Date;
}

function windowStartOf(now: Date, windowMs: number): Date {
  return new Date(Math.floor(now.getTime() / windowMs) * windowMs);
}

/**
 * Counts one use of `key` in the window containing `now`; `rate_limited` (429) once the
 * count goes over `limit`. Run it inside the caller's transaction to count only what commits
 * (a refused submission then costs nothing), or on its own to count every attempt.
 */
export async function consumeThrottle(db: Db, key: string, options: ThrottleLimit & { now: Date }): Promise<ThrottleState> {
  const windowStart = windowStartOf(options.now, options.windowMs);
  const row = await db
    .insertInto('throttle_counters')
    .values({ key, window_start: windowStart, count: 1 })
    .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ count: sql<number>`throttle_counters.count + 1` }))
    .returning('count')
    .executeTakeFirstOrThrow();
  const resetsAt = new Date(windowStart.getTime() + options.windowMs);
  if (row.count > options.limit) {
    throw new AppError('rate_limited', {
      details: [{ reason: 'limit_reached', message: `at most ${options.limit} in this period; try again after ${resetsAt.toISOString()}` }],
    });
  }
  return { count: row.count, remaining: options.limit - row.count, resetsAt };
}

/** The count so far in the current window, without using one. */
export async function peekThrottle(db: Db, key: string, options: ThrottleLimit & { now: Date }): Promise<ThrottleState> {
  const windowStart = windowStartOf(options.now, options.windowMs);
  const row = await db
    .selectFrom('throttle_counters')
    .select('count')
    .where('key', '=', key)
    .where('window_start', '=', windowStart)
    .executeTakeFirst();
  const count = row?.count ?? 0;
  return { count, remaining: Math.max(0, options.limit - count), resetsAt: new Date(windowStart.getTime() + options.windowMs) };
}

/** Deletes windows that started before `before` (they can no longer limit anything). */
export async function purgeThrottles(db: Db, before: Date): Promise<{ deleted: number }> {
  const result = await db.deleteFrom('throttle_counters').where('window_start', '<', before).executeTakeFirst();
  return { deleted: Number(result.numDeletedRows) };
}
