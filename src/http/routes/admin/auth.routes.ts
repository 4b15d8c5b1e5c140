// Staff sign-in over JSON: password, then the TOTP code (or its enrolment), the current
// session, sign-out and password setup through a one-time link. The session lives in the
// httpOnly `mdg_session` cookie; every answer that opens or changes a session also gives the
// CSRF token the client must send back in x-csrf-token on writes.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { STAFF_ROLES } from '../../../config/config.ts';
import {
  beginMfaEnrollment,
  completeMfa,
  confirmMfaEnrollment,
  sessionLimits,
  signIn,
  signOut,
} from '../../../domains/staff/auth.service.ts';
import { permissionsOf, PERMISSION_NAMES } from '../../../domains/staff/permissions.ts';
import { completePasswordSetup, getStaff } from '../../../domains/staff/staff.service.ts';
import { prepareDummyHash } from '../../../domains/staff/staff.crypto.ts';
import { PASSWORD_MAX_LENGTH } from '../../../domains/staff/staff.rules.ts';
import { ZStaffEmail } from '../../../domains/staff/staff.ts';
import {
  clearSessionCookie,
  currentSession,
  requirePermission,
  requireSessionAt,
  setSessionCookie,
} from '../../auth.ts';

const ZStage = z.enum(['mfa_pending', 'mfa_enroll', 'active']);
const ZCode = z.string().regex(/^\d{6}$/, 'must be the six digits shown by the authenticator app');

const ZMe = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  role: z.enum(STAFF_ROLES),
  mfaEnabled: z.boolean(),
});

const ZSessionAnswer = z.object({
  stage: ZStage,
  csrfToken: z.string(),
  staff: ZMe.optional(),
});

const ZSessionInfo = z.object({
  staff: ZMe,
  permissions: z.array(z.enum(PERMISSION_NAMES as [string, ...string[]])),
  csrfToken: z.string(),
  session: z.object({
    stage: ZStage,
    expiresAt: z.iso.datetime(),
    idleTimeoutMinutes: z.number().int(),
  }),
});

const staffSession = [{ staffSession: [] }];

export function authRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  async function me(staffId: string) {
    const s = await getStaff(ctx, staffId);
    return { id: s.id, email: s.email, displayName: s.displayName, role: s.role, mfaEnabled: s.mfaEnabled };
  }

  return async (app) => {
    // Sign-in and password setup hash with argon2 on every call; a per-client rate limit keeps
    // a flood of them from eating the CPU (the throttle table handles guessing).
    const rateLimit = { max: ctx.config.http.publicRateLimitPerMinute, timeWindow: '1 minute' };
    await prepareDummyHash();

    app.post(
      '/api/admin/auth/sign-in',
      {
        config: { rateLimit },
        schema: {
          tags: ['admin: sign-in'],
          summary: 'Sign in with email and password',
          description:
            'Sets the mdg_session cookie. `stage` says what comes next: `mfa_pending` (send the TOTP code to /api/admin/auth/mfa), ' +
            '`mfa_enroll` (the role requires a second factor: set it up through /api/admin/auth/mfa/enroll) or `active`. ' +
            'Any failure, including a temporary block after repeated failures, answers 401 invalid_credentials.',
          body: z.strictObject({ email: ZStaffEmail, password: z.string().min(1).max(PASSWORD_MAX_LENGTH) }),
          response: { 200: ZSessionAnswer },
        },
      },
      async (request, reply) => {
        const grant = await signIn(ctx, request.body, { requestId: request.id, ip: request.ip });
        setSessionCookie(ctx, reply, grant.token);
        return {
          stage: grant.stage,
          csrfToken: grant.csrfToken,
          ...(grant.stage === 'active' ? { staff: await me(grant.staffId) } : {}),
        };
      },
    );

    app.post(
      '/api/admin/auth/mfa',
      {
        onRequest: requireSessionAt(ctx, ['mfa_pending']),
        schema: {
          tags: ['admin: sign-in'],
          summary: 'Finish sign-in with the code from the authenticator app',
          description: 'Each code works once. The session cookie and the CSRF token are replaced.',
          security: staffSession,
          body: z.strictObject({ code: ZCode }),
          response: { 200: ZSessionAnswer },
        },
      },
      async (request, reply) => {
        const grant = await completeMfa(ctx, currentSession(request).sessionId, request.body.code, { requestId: request.id });
        setSessionCookie(ctx, reply, grant.token);
        return { stage: grant.stage, csrfToken: grant.csrfToken, staff: await me(grant.staffId) };
      },
    );

    app.post(
      '/api/admin/auth/mfa/enroll',
      {
        onRequest: requireSessionAt(ctx, ['mfa_enroll', 'active']),
        schema: {
          tags: ['admin: sign-in'],
          summary: 'Start setting up an authenticator app',
          description:
            'Answers the new TOTP secret and its otpauth:// URL (for a QR code), shown this once. ' +
            'Confirm with a code at /api/admin/auth/mfa/enroll/confirm.',
          security: staffSession,
          response: { 200: z.object({ secret: z.string(), otpauthUrl: z.string() }) },
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        return beginMfaEnrollment(ctx, currentSession(request).sessionId);
      },
    );

    app.post(
      '/api/admin/auth/mfa/enroll/confirm',
      {
        onRequest: requireSessionAt(ctx, ['mfa_enroll', 'active']),
        schema: {
          tags: ['admin: sign-in'],
          summary: 'Confirm the authenticator app with its first code',
          security: staffSession,
          body: z.strictObject({ code: ZCode }),
          response: { 200: ZSessionAnswer },
        },
      },
      async (request, reply) => {
        const grant = await confirmMfaEnrollment(ctx, currentSession(request).sessionId, request.body.code, { requestId: request.id });
        if (grant.token !== null) setSessionCookie(ctx, reply, grant.token);
        return { stage: grant.stage, csrfToken: grant.csrfToken, staff: await me(grant.staffId) };
      },
    );

    app.get(
      '/api/admin/session',
      {
        onRequest: requirePermission(ctx, 'self.read'),
        schema: {
          tags: ['admin: sign-in'],
          summary: 'Who is signed in, what they may do, and the CSRF token',
          security: staffSession,
          response: { 200: ZSessionInfo },
        },
      },
      async (request, reply) => {
        const session = currentSession(request);
        reply.header('cache-control', 'no-store');
        return {
          staff: await me(session.staffId),
          permissions: permissionsOf(session.role),
          csrfToken: session.csrfToken,
          session: {
            stage: session.stage,
            expiresAt: session.expiresAt.toISOString(),
            idleTimeoutMinutes: sessionLimits(ctx).idleMinutes,
          },
        };
      },
    );

    app.post(
      '/api/admin/auth/sign-out',
      {
        onRequest: requireSessionAt(ctx, ['mfa_pending', 'mfa_enroll', 'active']),
        schema: {
          tags: ['admin: sign-in'],
          summary: 'End this session',
          security: staffSession,
          response: { 200: z.object({ signedOut: z.literal(true) }) },
        },
      },
      async (request, reply) => {
        await signOut(ctx, currentSession(request), { requestId: request.id });
        clearSessionCookie(ctx, reply);
        return { signedOut: true as const };
      },
    );

    app.post(
      '/api/admin/auth/password-setup',
      {
        config: { rateLimit },
        schema: {
          tags: ['admin: sign-in'],
          summary: 'Choose a password through a one-time setup link',
          description:
            'The token comes from the link an administrator (or `madoguchi staff create`) handed out. ' +
            'Passwords need at least 12 characters (weak_password otherwise). The link works once; open sessions of the account end.',
          body: z.strictObject({
            token: z.string().min(1).max(200),
            password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
          }),
          response: { 200: z.object({ passwordSet: z.literal(true) }) },
        },
      },
      async (request) => {
        await completePasswordSetup(ctx, request.body, { requestId: request.id });
        return { passwordSet: true as const };
      },
    );
  };
}
