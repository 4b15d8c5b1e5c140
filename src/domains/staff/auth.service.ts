// Staff sign-in: password, then the second factor (or its enrolment), then a session. Wrong
// and blocked attempts look the same from outside whether or not the account exists: same
// code, same shape, and the same argon2 work. Failures are counted per address and per client
// IP under keyed hashes, and audited without the address.
import { createHmac } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';
import type { StaffRole } from '../../config/config.ts';
import type { Db } from '../../db/database.ts';
import type { SessionStage } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import { hashToken, newId, newSecretToken } from '../../lib/ids.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import * as repo from './staff.repository.ts';
import { newTotpSecret, throttleKey, totpStepOf, totpUri, verifyAgainstDummy, verifyPassword } from './staff.crypto.ts';
import {
  EMAIL_THROTTLE,
  IP_THROTTLE,
  MFA_THROTTLE,
  afterFailure,
  isBlocked,
  normalizeEmail,
  sessionExpiry,
  sessionNeedsTouch,
  sessionState,
  stageAfterPassword,
  type ThrottleCounter,
  type ThrottleLimit,
} from './staff.rules.ts';
import type { RequestMeta, ResolvedSession, SessionGrant } from './staff.ts';

const TOTP_BLOB_KIND = 'staff_totp_secret';
/** A sign-in attempt whose actor is not known yet. */
const UNKNOWN_STAFF: Actor = { type: 'staff', id: null };

function throttleSecret(ctx: AppContext): Buffer {
  const ring = ctx.vault.keyring();
  const master = ring.get(ring.currentId);
  if (!master) throw new Error('the current master key is missing from the keyring');
  return createHmac('sha256', master).update('madoguchi signin-throttle key').digest();
}

function toCounter(row: { failures: number; window_start: Date; blocked_until: Date | null } | undefined): ThrottleCounter | undefined {
  return row ? { failures: row.failures, windowStart: row.window_start, blockedUntil: row.blocked_until } : undefined;
}

async function recordFailures(trx: Db, limits: Array<{ key: string; limit: ThrottleLimit }>, now: Date): Promise<void> {
  const rows = await repo.lockThrottle(
    trx,
    limits.map((l) => l.key),
  );
  for (const { key, limit } of limits) {
    const next = afterFailure(toCounter(rows.find((r) => r.key === key)), limit, now);
    await repo.upsertThrottle(trx, { key, failures: next.failures, windowStart: next.windowStart, blockedUntil: next.blockedUntil });
  }
}

export async function clearEmailThrottle(ctx: AppContext, trx: Db, email: string): Promise<void> {
  await repo.deleteThrottle(trx, throttleKey(throttleSecret(ctx), 'email', normalizeEmail(email)));
}

function newGrant(staffId: string, stage: SessionStage): SessionGrant & { tokenHash: string } {
  const token = newSecretToken();
  return { token, tokenHash: hashToken(token), csrfToken: newSecretToken(), stage, staffId };
}

/**
 * Checks email and password. On success opens a session at the stage the account needs next;
 * on any failure (wrong password, unknown address, disabled account, blocked) throws the one
 * `invalid_credentials` error.
 */
export async function signIn(
  ctx: AppContext,
  input: { email: string; password: string },
  meta: RequestMeta & { ip: string },
): Promise<SessionGrant> {
  const email = normalizeEmail(input.email);
  const secret = throttleSecret(ctx);
  const emailKey = throttleKey(secret, 'email', email);
  const ipKey = throttleKey(secret, 'ip', meta.ip);
  const now = ctx.clock.now();

  const counters = await repo.findThrottle(ctx.db, [emailKey, ipKey]);
  const blocked = counters.some((c) => isBlocked(toCounter(c), now));
  const staff = await repo.findStaffByEmail(ctx.db, email);
  const usableHash = staff !== undefined && staff.status === 'active' ? staff.password_hash : null;
  // The password is checked even when the attempt is blocked, so a blocked answer takes as long
  // as a wrong one.
  const passwordOk = usableHash !== null ? await verifyPassword(usableHash, input.password) : await verifyAgainstDummy(input.password);

  if (!passwordOk || blocked || !staff) {
    const reason = blocked ? 'blocked' : !staff ? 'unknown_account' : staff.status !== 'active' ? 'disabled' : staff.password_hash === null ? 'no_password' : 'wrong_password';
    await ctx.db.transaction().execute(async (trx) => {
      await recordFailures(
        trx,
        [
          { key: emailKey, limit: EMAIL_THROTTLE },
          { key: ipKey, limit: IP_THROTTLE },
        ],
        now,
      );
      await appendAudit(trx, {
        action: 'staff.signin_failed',
        actor: UNKNOWN_STAFF,
        target: staff ? { type: 'staff', id: staff.id } : undefined,
        requestId: meta.requestId ?? null,
        details: { step: 'password', reason },
        at: now,
      });
    });
    throw new AppError('invalid_credentials');
  }

  const stage = stageAfterPassword({
    role: staff.role as StaffRole,
    totpEnabled: staff.totp_enabled,
    mfaRequiredRoles: ctx.config.auth.mfaRequiredRoles,
  });
  const grant = newGrant(staff.id, stage);
  await ctx.db.transaction().execute(async (trx) => {
    await repo.deleteThrottle(trx, emailKey);
    // Forgetting finished windows here keeps the table small without a separate job.
    await repo.deleteStaleThrottle(trx, new Date(now.getTime() - Math.max(EMAIL_THROTTLE.windowMs, IP_THROTTLE.windowMs, MFA_THROTTLE.windowMs)));
    await repo.insertSession(trx, {
      id: newId('ses'),
      tokenHash: grant.tokenHash,
      csrfToken: grant.csrfToken,
      staffId: staff.id,
      stage,
      now,
      expiresAt: sessionExpiry(now, sessionLimits(ctx)),
    });
    if (stage === 'active') {
      await repo.updateStaff(trx, staff.id, { lastSigninAt: now }, now);
      await appendAudit(trx, {
        action: 'staff.signed_in',
        actor: { type: 'staff', id: staff.id },
        target: { type: 'staff', id: staff.id },
        requestId: meta.requestId ?? null,
        details: { method: 'password' },
        at: now,
      });
    }
  });
  return { token: grant.token, csrfToken: grant.csrfToken, stage: grant.stage, staffId: grant.staffId };
}

export function sessionLimits(ctx: AppContext) {
  return { idleMinutes: ctx.config.auth.sessionIdleMinutes, absoluteHours: ctx.config.auth.sessionAbsoluteHours };
}

const SESSION_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Looks up the session behind a cookie value and keeps it alive. */
export async function resolveSession(
  ctx: AppContext,
  token: string | undefined,
): Promise<{ ok: true; session: ResolvedSession } | { ok: false; code: 'unauthenticated' | 'session_expired' }> {
  if (!token || !SESSION_TOKEN_SHAPE.test(token)) return { ok: false, code: 'unauthenticated' };
  const row = await repo.findSessionByTokenHash(ctx.db, hashToken(token));
  if (!row) return { ok: false, code: 'unauthenticated' };
  const now = ctx.clock.now();
  const state = sessionState({ lastSeenAt: row.last_seen_at, expiresAt: row.expires_at, revokedAt: row.revoked_at }, sessionLimits(ctx), now);
  if (state !== 'valid' || row.staff_status !== 'active') return { ok: false, code: 'session_expired' };
  if (sessionNeedsTouch(row.last_seen_at, now)) await repo.touchSession(ctx.db, row.id, now);
  return {
    ok: true,
    session: {
      sessionId: row.id,
      staffId: row.staff_id,
      role: row.role as StaffRole,
      stage: row.stage,
      csrfToken: row.csrf_token,
      expiresAt: row.expires_at,
    },
  };
}

/** Locks the session and checks it is still alive and at one of `stages`. */
async function lockLiveSession(ctx: AppContext, trx: Db, sessionId: string, stages: SessionStage[], now: Date) {
  const session = await repo.lockSessionById(trx, sessionId);
  if (!session) throw new AppError('session_expired');
  const state = sessionState({ lastSeenAt: session.last_seen_at, expiresAt: session.expires_at, revokedAt: session.revoked_at }, sessionLimits(ctx), now);
  if (state !== 'valid') throw new AppError('session_expired');
  if (!stages.includes(session.stage)) throw new AppError('conflict', { details: [{ reason: `session_stage_${session.stage}` }] });
  const staff = await repo.lockStaffById(trx, session.staff_id);
  if (!staff || staff.status !== 'active') throw new AppError('session_expired');
  return { session, staff };
}

async function readTotpSecret(ctx: AppContext, trx: Db, blobId: string | null): Promise<string | null> {
  if (!blobId) return null;
  const value = await ctx.vault.readJson(trx, blobId);
  if (typeof value === 'object' && value !== null && 'secret' in value && typeof value.secret === 'string') return value.secret;
  return null;
}

type CodeCheck = { ok: true; step: number } | { ok: false; reason: 'blocked' | 'wrong_code' | 'replayed_code' };

async function checkCode(
  ctx: AppContext,
  trx: Db,
  staff: repo.StaffRow,
  secretBase32: string,
  code: string,
  mfaKey: string,
  now: Date,
): Promise<CodeCheck> {
  const [counter] = await repo.lockThrottle(trx, [mfaKey]);
  if (isBlocked(toCounter(counter), now)) return { ok: false, reason: 'blocked' };
  const step = totpStepOf(secretBase32, code, now);
  if (step === null) return { ok: false, reason: 'wrong_code' };
  // A code is good once: the step it belongs to must be later than the last one used.
  if (staff.totp_last_step !== null && step <= staff.totp_last_step) return { ok: false, reason: 'replayed_code' };
  return { ok: true, step };
}

/** The second step of sign-in: a TOTP code from the person's authenticator. The session gets
 * a new token when it becomes active. */
/** A wrong second-factor code: counts towards the account's MFA throttle and is audited. */
async function recordMfaFailure(
  trx: Db,
  f: { staffId: string; mfaKey: string; step: 'mfa' | 'mfa_enroll'; reason: string; requestId: string | null; now: Date },
): Promise<void> {
  await recordFailures(trx, [{ key: f.mfaKey, limit: MFA_THROTTLE }], f.now);
  await appendAudit(trx, {
    action: 'staff.signin_failed',
    actor: { type: 'staff', id: f.staffId },
    target: { type: 'staff', id: f.staffId },
    requestId: f.requestId,
    details: { step: f.step, reason: f.reason },
    at: f.now,
  });
}

export async function completeMfa(ctx: AppContext, sessionId: string, code: string, meta: RequestMeta = {}): Promise<SessionGrant> {
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const { staff } = await lockLiveSession(ctx, trx, sessionId, ['mfa_pending'], now);
    const mfaKey = throttleKey(throttleSecret(ctx), 'mfa', staff.id);
    const secret = staff.totp_enabled ? await readTotpSecret(ctx, trx, staff.totp_secret_blob_id) : null;
    const check: CodeCheck = secret ? await checkCode(ctx, trx, staff, secret, code, mfaKey, now) : { ok: false, reason: 'wrong_code' };
    if (!check.ok) {
      await recordMfaFailure(trx, { staffId: staff.id, mfaKey, step: 'mfa', reason: check.reason, requestId: meta.requestId ?? null, now });
      return null;
    }
    const grant = newGrant(staff.id, 'active');
    await repo.updateStaff(trx, staff.id, { totpLastStep: check.step, lastSigninAt: now }, now);
    await repo.promoteSession(trx, sessionId, { stage: 'active', tokenHash: grant.tokenHash, csrfToken: grant.csrfToken, now });
    await repo.deleteThrottle(trx, mfaKey);
    await appendAudit(trx, {
      action: 'staff.signed_in',
      actor: { type: 'staff', id: staff.id },
      target: { type: 'staff', id: staff.id },
      requestId: meta.requestId ?? null,
      details: { method: 'password+totp' },
      at: now,
    });
    return grant;
  });
  if (!outcome) throw new AppError('invalid_mfa_code');
  return { token: outcome.token, csrfToken: outcome.csrfToken, stage: outcome.stage, staffId: outcome.staffId };
}

/** Starts TOTP enrolment: a new secret, kept encrypted in the vault until a code confirms it.
 * The secret is shown this once, for the authenticator app. */
export async function beginMfaEnrollment(ctx: AppContext, sessionId: string): Promise<{ secret: string; otpauthUrl: string }> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const { staff } = await lockLiveSession(ctx, trx, sessionId, ['mfa_enroll', 'active'], now);
    if (staff.totp_enabled) throw new AppError('conflict', { details: [{ reason: 'mfa_already_enabled' }] });
    if (staff.totp_secret_blob_id) await ctx.vault.dispose(trx, staff.totp_secret_blob_id, now);
    const secret = newTotpSecret();
    const blob = await ctx.vault.storeJson(trx, { kind: TOTP_BLOB_KIND, value: { secret }, now });
    await repo.updateStaff(trx, staff.id, { totpSecretBlobId: blob.id, totpEnabled: false, totpLastStep: null }, now);
    // The label is what the authenticator app lists; the person's own address tells them
    // which account a code is for.
    return { secret, otpauthUrl: totpUri(secret, staff.email) };
  });
}

/** Confirms enrolment with a first code. During sign-in this also finishes it: the session
 * becomes active under a new token (`token` is null when an active session enrolled and keeps
 * its cookie). */
export async function confirmMfaEnrollment(
  ctx: AppContext,
  sessionId: string,
  code: string,
  meta: RequestMeta = {},
): Promise<Omit<SessionGrant, 'token'> & { token: string | null }> {
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const { session, staff } = await lockLiveSession(ctx, trx, sessionId, ['mfa_enroll', 'active'], now);
    if (staff.totp_enabled) throw new AppError('conflict', { details: [{ reason: 'mfa_already_enabled' }] });
    const secret = await readTotpSecret(ctx, trx, staff.totp_secret_blob_id);
    if (!secret) throw new AppError('conflict', { details: [{ reason: 'mfa_enrollment_not_started' }] });
    const mfaKey = throttleKey(throttleSecret(ctx), 'mfa', staff.id);
    const check = await checkCode(ctx, trx, staff, secret, code, mfaKey, now);
    if (!check.ok) {
      await recordMfaFailure(trx, { staffId: staff.id, mfaKey, step: 'mfa_enroll', reason: check.reason, requestId: meta.requestId ?? null, now });
      return null;
    }
    await repo.updateStaff(trx, staff.id, { totpEnabled: true, totpLastStep: check.step }, now);
    await repo.deleteThrottle(trx, mfaKey);
    await appendAudit(trx, {
      action: 'staff.mfa_enrolled',
      actor: { type: 'staff', id: staff.id },
      target: { type: 'staff', id: staff.id },
      requestId: meta.requestId ?? null,
      details: { method: 'totp' },
      at: now,
    });
    if (session.stage === 'active') {
      return { token: null, csrfToken: session.csrf_token, stage: 'active' as const, staffId: staff.id };
    }
    const grant = newGrant(staff.id, 'active');
    await repo.promoteSession(trx, sessionId, { stage: 'active', tokenHash: grant.tokenHash, csrfToken: grant.csrfToken, now });
    await repo.updateStaff(trx, staff.id, { lastSigninAt: now }, now);
    await appendAudit(trx, {
      action: 'staff.signed_in',
      actor: { type: 'staff', id: staff.id },
      target: { type: 'staff', id: staff.id },
      requestId: meta.requestId ?? null,
      details: { method: 'password+totp_enrolment' },
      at: now,
    });
    return { token: grant.token, csrfToken: grant.csrfToken, stage: 'active' as const, staffId: staff.id };
  });
  if (!outcome) throw new AppError('invalid_mfa_code');
  return outcome;
}

export async function signOut(ctx: AppContext, session: { sessionId: string; staffId: string }, meta: RequestMeta = {}): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await repo.revokeSession(trx, session.sessionId, now);
    await appendAudit(trx, {
      action: 'staff.signed_out',
      actor: { type: 'staff', id: session.staffId },
      target: { type: 'staff', id: session.staffId },
      requestId: meta.requestId ?? null,
      at: now,
    });
  });
}
