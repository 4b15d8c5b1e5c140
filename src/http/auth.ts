// Authentication and authorisation for HTTP routes, in one place.
//
// Admin routes (/api/admin/...) use the `mdg_session` cookie. `installAdminGate` runs before
// body parsing and validation on every /api/admin request: it refuses anonymous and expired
// sessions (401), refuses writes without the session's x-csrf-token (403), and keeps sessions
// that are still at the second-factor step to that step. Each route then declares the one
// permission it needs with `requirePermission(ctx, 'staff.manage')`, which also works on its
// own outside /api/admin.
//
// App routes (/api/app/...) use `requireApiKey(ctx, scope)` with `Authorization: Bearer <key>`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { SessionStage } from '../db/schema.ts';
import { authenticateApiKey, type ApiKeyPrincipal, type ApiKeyScope } from '../domains/staff/api-key.service.ts';
import { resolveSession } from '../domains/staff/auth.service.ts';
import { can, type Permission } from '../domains/staff/permissions.ts';
import type { ResolvedSession, StaffPrincipal } from '../domains/staff/staff.ts';
import { AppError } from '../lib/errors.ts';
import { safeEqual } from '../lib/ids.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in staff member; set by `requirePermission` (or `requireSessionAt`). */
    staff?: StaffPrincipal;
    /** The session behind the cookie, once checked (any stage). */
    staffSession?: ResolvedSession;
    /** The API key behind an /api/app request; set by `requireApiKey`. */
    apiKey?: ApiKeyPrincipal;
  }
}

export const SESSION_COOKIE = 'mdg_session';
export const CSRF_HEADER = 'x-csrf-token';
export const ADMIN_PREFIX = '/api/admin';

/** Admin routes that a browser reaches before it has a session. */
export const ADMIN_OPEN_ROUTES: ReadonlySet<string> = new Set(['/api/admin/auth/sign-in', '/api/admin/auth/password-setup']);

/** The only places a session that has not finished its second factor may go. */
const STAGE_ROUTES: Readonly<Record<string, readonly SessionStage[]>> = {
  '/api/admin/auth/mfa': ['mfa_pending'],
  '/api/admin/auth/mfa/enroll': ['mfa_enroll', 'active'],
  '/api/admin/auth/mfa/enroll/confirm': ['mfa_enroll', 'active'],
  '/api/admin/auth/sign-out': ['mfa_pending', 'mfa_enroll', 'active'],
};

const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export function sessionCookieOptions(ctx: AppContext) {
  return {
    httpOnly: true,
    sameSite: 'strict' as const,
    path: '/',
    secure: ctx.config.http.baseUrl.startsWith('https://'),
  };
}

export function setSessionCookie(ctx: AppContext, reply: FastifyReply, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(ctx));
}

export function clearSessionCookie(ctx: AppContext, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(ctx));
}

function routePattern(request: FastifyRequest): string {
  return request.routeOptions.url ?? request.url.split('?')[0] ?? request.url;
}

/** Checks the cookie once per request and remembers the result on the request. */
async function sessionOf(ctx: AppContext, request: FastifyRequest): Promise<ResolvedSession> {
  if (request.staffSession) return request.staffSession;
  const result = await resolveSession(ctx, request.cookies[SESSION_COOKIE]);
  if (!result.ok) throw new AppError(result.code);
  request.staffSession = result.session;
  return result.session;
}

function checkCsrf(request: FastifyRequest, session: ResolvedSession): void {
  if (!WRITE_METHODS.has(request.method)) return;
  const header = request.headers[CSRF_HEADER];
  const sent = typeof header === 'string' ? header : '';
  if (!safeEqual(sent, session.csrfToken)) throw new AppError('csrf_failed');
}

function checkStage(session: ResolvedSession, allowed: readonly SessionStage[]): void {
  if (allowed.includes(session.stage)) return;
  switch (session.stage) {
    case 'mfa_pending':
      throw new AppError('mfa_required');
    case 'mfa_enroll':
      throw new AppError('mfa_enrollment_required');
    case 'active':
      // An active session on a route meant for the second-factor step: nothing left to do there.
      throw new AppError('conflict', { details: [{ reason: 'already_signed_in' }] });
  }
}

async function authenticate(ctx: AppContext, request: FastifyRequest, stages: readonly SessionStage[]): Promise<ResolvedSession> {
  const session = await sessionOf(ctx, request);
  checkCsrf(request, session);
  checkStage(session, stages);
  request.staff = { id: session.staffId, role: session.role, sessionId: session.sessionId };
  return session;
}

/**
 * Every /api/admin request except sign-in and password setup must carry a live session (and
 * on writes its CSRF token) before its body is even parsed, so an anonymous caller learns
 * nothing about a route, not even its validation rules. Registered once, on the root.
 */
export function installAdminGate(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onRequest', async (request) => {
    const pattern = routePattern(request);
    if (pattern !== ADMIN_PREFIX && !pattern.startsWith(`${ADMIN_PREFIX}/`)) return;
    if (ADMIN_OPEN_ROUTES.has(pattern)) return;
    await authenticate(ctx, request, STAGE_ROUTES[pattern] ?? ['active']);
  });
}

/**
 * The hook every staff route declares (`onRequest` or `preHandler`): a signed-in, fully
 * authenticated staff member whose role holds `permission`; writes also need the CSRF token.
 */
export function requirePermission(ctx: AppContext, permission: Permission): Hook {
  return async (request) => {
    const session = await authenticate(ctx, request, ['active']);
    if (!can(session.role, permission)) throw new AppError('forbidden');
  };
}

/** For the sign-in steps themselves: a session at one of `stages`, with its CSRF token. */
export function requireSessionAt(ctx: AppContext, stages: readonly SessionStage[]): Hook {
  return async (request) => {
    await authenticate(ctx, request, stages);
  };
}

/** The signed-in staff member of a route guarded by `requirePermission`. */
export function currentStaff(request: FastifyRequest): StaffPrincipal {
  if (!request.staff) throw new AppError('unauthenticated');
  return request.staff;
}

export function currentSession(request: FastifyRequest): ResolvedSession {
  if (!request.staffSession) throw new AppError('unauthenticated');
  return request.staffSession;
}

const BEARER = /^Bearer ([\x21-\x7e]{1,200})$/;

/** The hook every /api/app route declares: a working API key holding `scope` (null: any
 * working key). Missing, unknown, revoked or expired keys answer 401; a missing scope 403. */
export function requireApiKey(ctx: AppContext, scope: ApiKeyScope | null): Hook {
  return async (request, reply) => {
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match?.[1]) {
      reply.header('www-authenticate', 'Bearer');
      throw new AppError('unauthenticated');
    }
    request.apiKey = await authenticateApiKey(ctx, match[1], scope);
  };
}

export function currentApiKey(request: FastifyRequest): ApiKeyPrincipal {
  if (!request.apiKey) throw new AppError('unauthenticated');
  return request.apiKey;
}
