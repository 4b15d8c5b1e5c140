// Pure rules for staff sign-in: password strength, session lifetime, the sign-in stage a
// password opens, and the failure counter behind throttling and lockout. No I/O here, so
// each rule is unit-tested on its own.
import type { StaffRole } from '../../config/config.ts';
import type { SessionStage } from '../../db/schema.ts';
import { MINUTE_MS, HOUR_MS } from '../../lib/clock.ts';

export const PASSWORD_MIN_LENGTH = 12;
/** Argon2 hashes any length, but an unbounded input is an easy way to burn CPU. */
export const PASSWORD_MAX_LENGTH = 256;

/** Passwords people reach for first; any password that is one of these repeated, or only
 * these with a few digits, is refused even when long enough. */
const COMMON_WORDS = ['password', 'passw0rd', 'madoguchi', 'qwerty', 'letmein', 'welcome', 'admin', 'abc', '123', 'asdf'];

/** Why a password is refused, or null when it is acceptable. */
export function passwordWeakness(password: string, context: { email?: string } = {}): 'too_short' | 'too_simple' | 'too_long' | null {
  const chars = [...password];
  if (chars.length < PASSWORD_MIN_LENGTH) return 'too_short';
  if (chars.length > PASSWORD_MAX_LENGTH) return 'too_long';
  if (new Set(chars).size < 5) return 'too_simple';
  const lower = password.toLowerCase();
  const stripped = COMMON_WORDS.reduce((rest, word) => rest.split(word).join(''), lower).replace(/[0-9!._-]/g, '');
  if (stripped.length === 0) return 'too_simple';
  const email = context.email?.toLowerCase();
  if (email) {
    const local = email.split('@')[0] ?? '';
    if (lower.includes(email) || (local.length >= 4 && lower.replace(/[0-9!._-]/g, '') === local.replace(/[0-9!._-]/g, ''))) {
      return 'too_simple';
    }
  }
  return null;
}

/** Email addresses are compared trimmed and lower-cased: one person, one account. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export interface SessionTimes {
  lastSeenAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

export interface SessionLimits {
  idleMinutes: number;
  absoluteHours: number;
}

export type SessionState = 'valid' | 'revoked' | 'idle_expired' | 'absolute_expired';

/** A session dies at its absolute expiry, after `idleMinutes` without a request, or when
 * revoked (sign-out, disabled account, MFA reset). */
export function sessionState(session: SessionTimes, limits: SessionLimits, now: Date): SessionState {
  if (session.revokedAt) return 'revoked';
  if (now.getTime() >= session.expiresAt.getTime()) return 'absolute_expired';
  if (now.getTime() >= session.lastSeenAt.getTime() + limits.idleMinutes * MINUTE_MS) return 'idle_expired';
  return 'valid';
}

export function sessionExpiry(createdAt: Date, limits: SessionLimits): Date {
  return new Date(createdAt.getTime() + limits.absoluteHours * HOUR_MS);
}

/** Writing last_seen_at on every request would turn each read into a write; a minute of
 * slack is far below the idle limit. */
export const SESSION_TOUCH_INTERVAL_MS = MINUTE_MS;

export function sessionNeedsTouch(lastSeenAt: Date, now: Date): boolean {
  return now.getTime() - lastSeenAt.getTime() >= SESSION_TOUCH_INTERVAL_MS;
}

/** The stage a correct password opens: the TOTP step when the person has a second factor,
 * enrolment when their role requires one they do not have yet, otherwise a full session. */
export function stageAfterPassword(input: { role: StaffRole; totpEnabled: boolean; mfaRequiredRoles: readonly StaffRole[] }): SessionStage {
  if (input.totpEnabled) return 'mfa_pending';
  if (input.mfaRequiredRoles.includes(input.role)) return 'mfa_enroll';
  return 'active';
}

export interface ThrottleLimit {
  maxFailures: number;
  windowMs: number;
  blockMs: number;
}

export const EMAIL_THROTTLE: ThrottleLimit = { maxFailures: 5, windowMs: 15 * MINUTE_MS, blockMs: 15 * MINUTE_MS };
export const IP_THROTTLE: ThrottleLimit = { maxFailures: 20, windowMs: 15 * MINUTE_MS, blockMs: 15 * MINUTE_MS };
/** Wrong second-factor codes, counted per account. */
export const MFA_THROTTLE: ThrottleLimit = { maxFailures: 5, windowMs: 15 * MINUTE_MS, blockMs: 15 * MINUTE_MS };

export interface ThrottleCounter {
  failures: number;
  windowStart: Date;
  blockedUntil: Date | null;
}

export function isBlocked(counter: ThrottleCounter | undefined, now: Date): boolean {
  return counter?.blockedUntil !== null && counter?.blockedUntil !== undefined && counter.blockedUntil.getTime() > now.getTime();
}

/** The counter after one more failure. A failure while blocked does not extend the block, so
 * someone hammering an address cannot keep its owner out for ever from one burst; a new
 * window starts when the old one, or the block, is over. */
export function afterFailure(counter: ThrottleCounter | undefined, limit: ThrottleLimit, now: Date): ThrottleCounter {
  if (counter && isBlocked(counter, now)) return counter;
  const fresh =
    !counter ||
    now.getTime() - counter.windowStart.getTime() >= limit.windowMs ||
    (counter.blockedUntil !== null && counter.blockedUntil.getTime() <= now.getTime());
  const failures = fresh ? 1 : counter.failures + 1;
  const windowStart = fresh ? now : counter.windowStart;
  return {
    failures,
    windowStart,
    blockedUntil: failures >= limit.maxFailures ? new Date(now.getTime() + limit.blockMs) : null,
  };
}
