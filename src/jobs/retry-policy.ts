// When a failed job runs again. The delay doubles with each attempt up to a cap, and a random
// share of it is dropped ("equal jitter") so that jobs which failed together (an SMTP server
// that was down) do not all come back in the same instant. With the jitter taken from the
// upper half only, each retry still waits longer than the one before until the cap.

export interface BackoffPolicy {
  /** The delay after the first failed attempt, before jitter. */
  baseMs: number;
  /** No delay is longer than this. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 5_000, maxMs: 60 * 60_000 };

/**
 * The delay before the next run after `attempt` (1-based) failed. `random` is a number in
 * [0, 1); the result lies in [ceiling / 2, ceiling) where ceiling = min(max, base · 2^(attempt-1)).
 */
export function retryDelayMs(attempt: number, random: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 40);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const share = 0.5 + 0.5 * Math.min(Math.max(random, 0), 0.999_999);
  return Math.max(1, Math.floor(ceiling * share));
}
