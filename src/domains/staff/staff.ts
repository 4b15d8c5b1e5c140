// Staff domain types and the zod schemas shared by the HTTP API and the CLI. Views are
// allowlists: a password hash, a token hash or a TOTP secret has no field to travel in.
import { z } from 'zod';
import { STAFF_ROLES, type StaffRole } from '../../config/config.ts';
import type { SessionStage } from '../../db/schema.ts';
import type { StaffRow } from './staff.repository.ts';

export const ZStaffRole = z.enum(STAFF_ROLES);
export const ZStaffEmail = z.string().trim().max(254).pipe(z.email({ error: 'must be an email address' }));
export const ZDisplayName = z.string().trim().min(1).max(100);

export const ZCreateStaffInput = z.strictObject({
  email: ZStaffEmail,
  role: ZStaffRole,
  displayName: ZDisplayName.optional(),
});
export type TCreateStaffInput = z.infer<typeof ZCreateStaffInput>;

export const ZStaffView = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  role: ZStaffRole,
  status: z.enum(['active', 'disabled']),
  mfaEnabled: z.boolean(),
  passwordSet: z.boolean(),
  lastSigninAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});
export type StaffView = z.infer<typeof ZStaffView>;

export function toStaffView(row: StaffRow): StaffView {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role as StaffRole,
    status: row.status,
    mfaEnabled: row.totp_enabled,
    passwordSet: row.password_hash !== null,
    lastSigninAt: row.last_signin_at ? row.last_signin_at.toISOString() : null,
    createdAt: row.created_at.toISOString(),
  };
}

/** Who is behind an authenticated admin request. */
export interface StaffPrincipal {
  id: string;
  role: StaffRole;
  sessionId: string;
}

/** A session as the HTTP layer sees it after checking the cookie. */
export interface ResolvedSession {
  sessionId: string;
  staffId: string;
  role: StaffRole;
  stage: SessionStage;
  csrfToken: string;
  expiresAt: Date;
}

/** What a sign-in step hands back: the cookie value (only to the HTTP layer, which puts it in
 * the cookie) and what the client may see. */
export interface SessionGrant {
  token: string;
  csrfToken: string;
  stage: SessionStage;
  staffId: string;
}

/** Where the action came from, for the audit log. */
export interface RequestMeta {
  requestId?: string | null;
  ip?: string;
}
