// Use cases for staff accounts: create (with a one-time password-setup link), list, change
// role, disable, reset the second factor, issue a new setup link and complete password setup.
// Each change is audited in the transaction that makes it.
import type { AppContext } from '../../app/context.ts';
import type { StaffRole } from '../../config/config.ts';
import type { Db } from '../../db/database.ts';
import { HOUR_MS } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { hashToken, newId, newSecretToken } from '../../lib/ids.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import * as repo from './staff.repository.ts';
import { hashPassword } from './staff.crypto.ts';
import { normalizeEmail, passwordWeakness } from './staff.rules.ts';
import { ZCreateStaffInput, toStaffView, type RequestMeta, type StaffView } from './staff.ts';
import { clearEmailThrottle } from './auth.service.ts';

export const SETUP_LINK_TTL_HOURS = 72;
export const STAFF_LIST_LIMIT = 1000;

export function countStaff(db: Db): Promise<number> {
  return repo.countStaff(db);
}

export interface SetupLink {
  setupLink: string;
  setupLinkExpiresAt: string;
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && (err as { code: unknown }).code === '23505';
}

function validationError(issues: ReadonlyArray<{ path: PropertyKey[]; code: string; message: string }>): AppError {
  return new AppError('validation_failed', {
    details: issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), reason: i.code, message: i.message })),
  });
}

async function issueLink(ctx: AppContext, trx: Db, staffId: string, now: Date): Promise<SetupLink> {
  const token = newSecretToken();
  const expiresAt = new Date(now.getTime() + SETUP_LINK_TTL_HOURS * HOUR_MS);
  await repo.expireOpenStaffTokens(trx, staffId, now);
  await repo.insertStaffToken(trx, {
    id: newId('stk'),
    staffId,
    tokenHash: hashToken(token),
    purpose: 'password_setup',
    expiresAt,
    now,
  });
  return {
    setupLink: `${ctx.config.http.baseUrl}/admin/setup-password?token=${encodeURIComponent(token)}`,
    setupLinkExpiresAt: expiresAt.toISOString(),
  };
}

/**
 * Creates a staff account without a password and returns the one-time link on which its
 * owner chooses one. Used by the admin API, `madoguchi staff create` and the first start.
 */
export async function createStaff(
  ctx: AppContext,
  input: { email: string; role: StaffRole; displayName?: string | undefined },
  actor: Actor,
  meta: RequestMeta = {},
): Promise<{ staff: StaffView } & SetupLink> {
  const parsed = ZCreateStaffInput.safeParse(input);
  if (!parsed.success) throw validationError(parsed.error.issues);
  const email = normalizeEmail(parsed.data.email);
  const displayName = parsed.data.displayName ?? email.split('@')[0] ?? email;
  const now = ctx.clock.now();
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      if (await repo.findStaffByEmail(trx, email)) throw new AppError('already_exists');
      const id = newId('stf');
      await repo.insertStaff(trx, { id, email, displayName, role: parsed.data.role, now });
      const link = await issueLink(ctx, trx, id, now);
      await appendAudit(trx, {
        action: 'staff.created',
        actor,
        target: { type: 'staff', id },
        requestId: meta.requestId ?? null,
        details: { role: parsed.data.role },
        at: now,
      });
      const row = await repo.findStaffById(trx, id);
      if (!row) throw new Error('staff row vanished inside its own transaction');
      return { staff: toStaffView(row), ...link };
    });
  } catch (err) {
    // Two creations racing on one address: the unique index decides, the loser sees 409.
    if (isUniqueViolation(err)) throw new AppError('already_exists');
    throw err;
  }
}

export async function listStaff(ctx: AppContext): Promise<StaffView[]> {
  return (await repo.listStaff(ctx.db, STAFF_LIST_LIMIT)).map(toStaffView);
}

export async function getStaff(ctx: AppContext, staffId: string): Promise<StaffView> {
  const row = await repo.findStaffById(ctx.db, staffId);
  if (!row) throw new AppError('not_found');
  return toStaffView(row);
}

/** Keeps at least one administrator who can still sign in, so nobody locks the office out. */
async function assertNotLastAdmin(trx: Db, row: repo.StaffRow): Promise<void> {
  if (row.role === 'admin' && row.status === 'active' && (await repo.countActiveAdmins(trx)) <= 1) {
    throw new AppError('conflict', { details: [{ reason: 'last_admin', message: 'At least one active administrator must remain.' }] });
  }
}

export async function changeStaffRole(
  ctx: AppContext,
  staffId: string,
  role: StaffRole,
  actor: Actor,
  meta: RequestMeta = {},
): Promise<StaffView> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await repo.lockStaffById(trx, staffId);
    if (!row) throw new AppError('not_found');
    if (row.role !== role) {
      if (role !== 'admin') await assertNotLastAdmin(trx, row);
      await repo.updateStaff(trx, staffId, { role }, now);
      // A role that needs a second factor the person has not set up must not ride on a session
      // opened without one.
      const revoked =
        ctx.config.auth.mfaRequiredRoles.includes(role) && !row.totp_enabled ? await repo.revokeSessionsOfStaff(trx, staffId, now) : 0;
      await appendAudit(trx, {
        action: 'staff.role_changed',
        actor,
        target: { type: 'staff', id: staffId },
        requestId: meta.requestId ?? null,
        details: { from: row.role, to: role, sessionsRevoked: revoked },
        at: now,
      });
    }
    const updated = await repo.findStaffById(trx, staffId);
    if (!updated) throw new AppError('not_found');
    return toStaffView(updated);
  });
}

export async function disableStaff(ctx: AppContext, staffId: string, actor: Actor, meta: RequestMeta = {}): Promise<StaffView> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await repo.lockStaffById(trx, staffId);
    if (!row) throw new AppError('not_found');
    if (row.status !== 'disabled') {
      await assertNotLastAdmin(trx, row);
      await repo.updateStaff(trx, staffId, { status: 'disabled' }, now);
      const revoked = await repo.revokeSessionsOfStaff(trx, staffId, now);
      await repo.expireOpenStaffTokens(trx, staffId, now);
      await appendAudit(trx, {
        action: 'staff.disabled',
        actor,
        target: { type: 'staff', id: staffId },
        requestId: meta.requestId ?? null,
        details: { sessionsRevoked: revoked },
        at: now,
      });
    }
    const updated = await repo.findStaffById(trx, staffId);
    if (!updated) throw new AppError('not_found');
    return toStaffView(updated);
  });
}

/** Removes the second factor (lost phone): the secret is crypto-shredded, every session ends,
 * and the next sign-in asks for enrolment again when the role requires it. */
export async function resetStaffMfa(ctx: AppContext, staffId: string, actor: Actor, meta: RequestMeta = {}): Promise<StaffView> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await repo.lockStaffById(trx, staffId);
    if (!row) throw new AppError('not_found');
    const blobDisposed = row.totp_secret_blob_id ? await ctx.vault.dispose(trx, row.totp_secret_blob_id, now) : false;
    await repo.updateStaff(trx, staffId, { totpEnabled: false, totpSecretBlobId: null, totpLastStep: null }, now);
    const revoked = await repo.revokeSessionsOfStaff(trx, staffId, now);
    await appendAudit(trx, {
      action: 'staff.mfa_reset',
      actor,
      target: { type: 'staff', id: staffId },
      requestId: meta.requestId ?? null,
      details: { wasEnabled: row.totp_enabled, secretDisposed: blobDisposed, sessionsRevoked: revoked },
      at: now,
    });
    const updated = await repo.findStaffById(trx, staffId);
    if (!updated) throw new AppError('not_found');
    return toStaffView(updated);
  });
}

/** A fresh one-time link (forgotten password, expired first link); older links stop working. */
export async function issueSetupLink(ctx: AppContext, staffId: string, actor: Actor, meta: RequestMeta = {}): Promise<SetupLink> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await repo.lockStaffById(trx, staffId);
    if (!row) throw new AppError('not_found');
    if (row.status !== 'active') throw new AppError('conflict', { details: [{ reason: 'staff_disabled' }] });
    const link = await issueLink(ctx, trx, staffId, now);
    await appendAudit(trx, {
      action: 'staff.setup_link_issued',
      actor,
      target: { type: 'staff', id: staffId },
      requestId: meta.requestId ?? null,
      details: { expiresAt: link.setupLinkExpiresAt },
      at: now,
    });
    return link;
  });
}

const SETUP_TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,100}$/;

/** Sets the password through a one-time link. The link is consumed only when the password is
 * accepted, and every open session of the account ends. */
export async function completePasswordSetup(
  ctx: AppContext,
  input: { token: string; password: string },
  meta: RequestMeta = {},
): Promise<{ staffId: string }> {
  if (!SETUP_TOKEN_SHAPE.test(input.token)) throw new AppError('token_invalid');
  const tokenHash = hashToken(input.token);
  const now = ctx.clock.now();

  const usable = (t: { used_at: Date | null; expires_at: Date; purpose: string } | undefined) =>
    t !== undefined && t.used_at === null && t.expires_at.getTime() > now.getTime();

  // Check the link and the password before the transaction: hashing takes tens of
  // milliseconds and should not hold row locks.
  const preview = await repo.findStaffTokenByHash(ctx.db, tokenHash);
  if (!preview || !usable(preview)) throw new AppError('token_invalid');
  const staff = await repo.findStaffById(ctx.db, preview.staff_id);
  if (!staff || staff.status !== 'active') throw new AppError('token_invalid');
  if (passwordWeakness(input.password, { email: staff.email }) !== null) throw new AppError('weak_password');
  const passwordHash = await hashPassword(input.password);

  await ctx.db.transaction().execute(async (trx) => {
    const token = await repo.lockStaffTokenByHash(trx, tokenHash);
    if (!token || !usable(token) || token.staff_id !== staff.id) throw new AppError('token_invalid');
    await repo.markStaffTokenUsed(trx, token.id, now);
    await repo.updateStaff(trx, staff.id, { passwordHash }, now);
    const revoked = await repo.revokeSessionsOfStaff(trx, staff.id, now);
    await clearEmailThrottle(ctx, trx, staff.email);
    await appendAudit(trx, {
      action: 'staff.password_set',
      actor: { type: 'staff', id: staff.id },
      target: { type: 'staff', id: staff.id },
      requestId: meta.requestId ?? null,
      details: { via: token.purpose, sessionsRevoked: revoked },
      at: now,
    });
  });
  return { staffId: staff.id };
}
