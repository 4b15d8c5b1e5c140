// SQL for staff accounts, their one-time setup links, their sessions and the sign-in
// throttle. Executor first, so a transaction shows in every call.
import type { Kysely, Selectable } from 'kysely';
import type { StaffRole } from '../../config/config.ts';
import type { Database, SessionStage, StaffTable } from '../../db/schema.ts';

type Exec = Kysely<Database>;

export type StaffRow = Selectable<StaffTable>;

export async function countStaff(db: Exec): Promise<number> {
  const row = await db.selectFrom('staff').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function countActiveAdmins(db: Exec): Promise<number> {
  const row = await db
    .selectFrom('staff')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findStaffById(db: Exec, id: string): Promise<StaffRow | undefined> {
  return db.selectFrom('staff').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function lockStaffById(db: Exec, id: string): Promise<StaffRow | undefined> {
  return db.selectFrom('staff').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function findStaffByEmail(db: Exec, email: string): Promise<StaffRow | undefined> {
  return db.selectFrom('staff').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function listStaff(db: Exec, limit: number): Promise<StaffRow[]> {
  return db.selectFrom('staff').selectAll().orderBy('created_at').orderBy('id').limit(limit).execute();
}

export async function insertStaff(
  db: Exec,
  row: { id: string; email: string; displayName: string; role: StaffRole; now: Date },
): Promise<void> {
  await db
    .insertInto('staff')
    .values({
      id: row.id,
      email: row.email,
      display_name: row.displayName,
      role: row.role,
      status: 'active',
      created_at: row.now,
      updated_at: row.now,
    })
    .execute();
}

export async function updateStaff(
  db: Exec,
  id: string,
  changes: Partial<{
    role: StaffRole;
    status: 'active' | 'disabled';
    passwordHash: string;
    totpSecretBlobId: string | null;
    totpEnabled: boolean;
    totpLastStep: number | null;
    lastSigninAt: Date;
  }>,
  now: Date,
): Promise<void> {
  await db
    .updateTable('staff')
    .set({
      ...(changes.role === undefined ? {} : { role: changes.role }),
      ...(changes.status === undefined ? {} : { status: changes.status }),
      ...(changes.passwordHash === undefined ? {} : { password_hash: changes.passwordHash }),
      ...(changes.totpSecretBlobId === undefined ? {} : { totp_secret_blob_id: changes.totpSecretBlobId }),
      ...(changes.totpEnabled === undefined ? {} : { totp_enabled: changes.totpEnabled }),
      ...(changes.totpLastStep === undefined ? {} : { totp_last_step: changes.totpLastStep }),
      ...(changes.lastSigninAt === undefined ? {} : { last_signin_at: changes.lastSigninAt }),
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
}

/** Records a used TOTP step only if it is later than the last one, so two requests racing
 * with the same code cannot both win. Returns false when the step was already used. */
export async function advanceTotpStep(db: Exec, id: string, step: number, now: Date): Promise<boolean> {
  const res = await db
    .updateTable('staff')
    .set({ totp_last_step: step, updated_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

// --- one-time links ----------------------------------------------------------------------

export async function insertStaffToken(
  db: Exec,
  row: { id: string; staffId: string; tokenHash: string; purpose: 'password_setup' | 'password_reset'; expiresAt: Date; now: Date },
): Promise<void> {
  await db
    .insertInto('staff_tokens')
    .values({
      id: row.id,
      staff_id: row.staffId,
      token_hash: row.tokenHash,
      purpose: row.purpose,
      expires_at: row.expiresAt,
      created_at: row.now,
    })
    .execute();
}

export async function findStaffTokenByHash(db: Exec, tokenHash: string) {
  return db.selectFrom('staff_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function lockStaffTokenByHash(db: Exec, tokenHash: string) {
  return db.selectFrom('staff_tokens').selectAll().where('token_hash', '=', tokenHash).forUpdate().executeTakeFirst();
}

export async function markStaffTokenUsed(db: Exec, id: string, now: Date): Promise<void> {
  await db.updateTable('staff_tokens').set({ used_at: now }).where('id', '=', id).execute();
}

/** A new link replaces the older ones still open, so only the latest link works. */
export async function expireOpenStaffTokens(db: Exec, staffId: string, now: Date): Promise<void> {
  await db
    .updateTable('staff_tokens')
    .set({ used_at: now })
    .where('staff_id', '=', staffId)
    .where('used_at', 'is', null)
    .execute();
}

// --- sessions ----------------------------------------------------------------------------

export async function insertSession(
  db: Exec,
  row: { id: string; tokenHash: string; csrfToken: string; staffId: string; stage: SessionStage; now: Date; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('staff_sessions')
    .values({
      id: row.id,
      token_hash: row.tokenHash,
      csrf_token: row.csrfToken,
      staff_id: row.staffId,
      stage: row.stage,
      created_at: row.now,
      last_seen_at: row.now,
      expires_at: row.expiresAt,
    })
    .execute();
}

/** The session and the account behind it, in one read. */
export async function findSessionByTokenHash(db: Exec, tokenHash: string) {
  return db
    .selectFrom('staff_sessions as s')
    .innerJoin('staff as st', 'st.id', 's.staff_id')
    .select([
      's.id',
      's.staff_id',
      's.csrf_token',
      's.stage',
      's.last_seen_at',
      's.expires_at',
      's.revoked_at',
      'st.role',
      'st.status as staff_status',
    ])
    .where('s.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function lockSessionById(db: Exec, id: string) {
  return db.selectFrom('staff_sessions').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function touchSession(db: Exec, id: string, now: Date): Promise<void> {
  await db.updateTable('staff_sessions').set({ last_seen_at: now }).where('id', '=', id).where('last_seen_at', '<', now).execute();
}

/** Moves a session to a new stage under a new token (the token that was handed out before the
 * second factor never becomes a full session). */
export async function promoteSession(
  db: Exec,
  id: string,
  change: { stage: SessionStage; tokenHash: string; csrfToken: string; now: Date },
): Promise<void> {
  await db
    .updateTable('staff_sessions')
    .set({ stage: change.stage, token_hash: change.tokenHash, csrf_token: change.csrfToken, last_seen_at: change.now })
    .where('id', '=', id)
    .execute();
}

export async function revokeSession(db: Exec, id: string, now: Date): Promise<void> {
  await db.updateTable('staff_sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

export async function revokeSessionsOfStaff(db: Exec, staffId: string, now: Date): Promise<number> {
  const res = await db
    .updateTable('staff_sessions')
    .set({ revoked_at: now })
    .where('staff_id', '=', staffId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

// --- sign-in throttle --------------------------------------------------------------------

export async function lockThrottle(db: Exec, keys: string[]) {
  if (keys.length === 0) return [];
  return db.selectFrom('signin_throttle').selectAll().where('key', 'in', keys).orderBy('key').forUpdate().execute();
}

export async function findThrottle(db: Exec, keys: string[]) {
  if (keys.length === 0) return [];
  return db.selectFrom('signin_throttle').selectAll().where('key', 'in', keys).execute();
}

export async function upsertThrottle(
  db: Exec,
  row: { key: string; failures: number; windowStart: Date; blockedUntil: Date | null },
): Promise<void> {
  await db
    .insertInto('signin_throttle')
    .values({ key: row.key, failures: row.failures, window_start: row.windowStart, blocked_until: row.blockedUntil })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({ failures: row.failures, window_start: row.windowStart, blocked_until: row.blockedUntil }),
    )
    .execute();
}

export async function deleteThrottle(db: Exec, key: string): Promise<void> {
  await db.deleteFrom('signin_throttle').where('key', '=', key).execute();
}

/** Rows whose window and block are both over carry no information; removing them keeps the
 * table small and forgets old attempts. */
export async function deleteStaleThrottle(db: Exec, before: Date): Promise<void> {
  await db
    .deleteFrom('signin_throttle')
    .where('window_start', '<', before)
    .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<', before)]))
    .execute();
}
