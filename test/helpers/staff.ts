// Signed-in staff for tests, made the way a person does it: the account is created by the
// same service the CLI uses, then the password is set through its one-time link, sign-in goes
// through the real routes, and roles that need a second factor enrol an authenticator whose
// codes this helper computes (it plays the authenticator app, reading the test's clock).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { StaffRole } from '../../src/config/config.ts';
import { SYSTEM_ACTOR } from '../../src/domains/audit/audit.actions.ts';
import { TOTP_PERIOD_SECONDS, totpCode } from '../../src/domains/staff/staff.crypto.ts';
import { createStaff } from '../../src/domains/staff/staff.service.ts';
import type { TestApp } from './app.ts';

export interface SignedInStaff {
  staffId: string;
  email: string;
  password: string;
  role: StaffRole;
  /** `mdg_session=…`, ready for a cookie header. */
  cookie: string;
  csrfToken: string;
  /** The authenticator secret (base32) when the account has a second factor. */
  totpSecret?: string;
  /**
   * `t.app.inject` as this person: adds the session cookie, and on writes the x-csrf-token
   * header. Headers given in `opts` win, so a test can send a wrong token or none
   * (`headers: { 'x-csrf-token': '' }`).
   */
  inject(opts: InjectOptions): Promise<LightMyRequestResponse>;
}

export interface SignedInStaffOptions {
  email?: string;
  displayName?: string;
  password?: string;
  /** Enrol an authenticator even when the role does not require one. */
  mfa?: boolean;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function sessionCookieFrom(res: LightMyRequestResponse): string | undefined {
  const cookie = res.cookies.find((c) => c.name === 'mdg_session');
  return cookie ? `mdg_session=${cookie.value}` : undefined;
}

/** The code the authenticator app would show now on the test's clock. */
export function currentTotp(t: TestApp, secret: string): string {
  return totpCode(secret, t.clock.now());
}

/** Moves the test's clock to the next TOTP step, so a fresh code differs from the last one. */
export function nextTotpStep(t: TestApp): void {
  t.clock.advance(TOTP_PERIOD_SECONDS * 1000);
}

/** Creates an account and sets its password through the one-time link, without signing in. */
export async function createStaffWithPassword(
  t: TestApp,
  role: StaffRole,
  options: SignedInStaffOptions = {},
): Promise<{ staffId: string; email: string; password: string }> {
  const email = options.email ?? `staff-${randomBytes(5).toString('hex')}@example.test`;
  const password = options.password ?? `pw-${randomBytes(12).toString('base64url')}`;
  const created = await createStaff(
    t.ctx,
    { email, role, ...(options.displayName === undefined ? {} : { displayName: options.displayName }) },
    SYSTEM_ACTOR,
  );
  const token = new URL(created.setupLink).searchParams.get('token');
  assert.ok(token, 'the setup link carries a token');
  const setup = await t.app.inject({ method: 'POST', url: '/api/admin/auth/password-setup', payload: { token, password } });
  assert.equal(setup.statusCode, 200, `password setup failed: ${setup.body}`);
  return { staffId: created.staff.id, email: email.toLowerCase(), password };
}

function asInjector(t: TestApp, state: { cookie: string; csrfToken: string }) {
  return (opts: InjectOptions) => {
    const method = String(opts.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = { cookie: state.cookie };
    if (WRITES.has(method)) headers['x-csrf-token'] = state.csrfToken;
    const given = (opts.headers ?? {}) as Record<string, string>;
    return t.app.inject({ ...opts, headers: { ...headers, ...given } });
  };
}

/**
 * Signs in with password (and TOTP when the account has one), through the routes. A second
 * sign-in of a TOTP account within the same 30-second step needs `nextTotpStep(t)` first:
 * codes are single-use.
 */
export async function signInStaff(
  t: TestApp,
  credentials: { staffId: string; email: string; password: string; role: StaffRole; totpSecret?: string },
): Promise<SignedInStaff> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/admin/auth/sign-in',
    payload: { email: credentials.email, password: credentials.password },
  });
  assert.equal(res.statusCode, 200, `sign-in failed: ${res.body}`);
  let body = res.json() as { stage: string; csrfToken: string };
  let cookie = sessionCookieFrom(res);
  assert.ok(cookie, 'sign-in sets the session cookie');
  if (body.stage === 'mfa_pending') {
    assert.ok(credentials.totpSecret, 'this account needs a TOTP secret to sign in');
    const mfa = await t.app.inject({
      method: 'POST',
      url: '/api/admin/auth/mfa',
      headers: { cookie, 'x-csrf-token': body.csrfToken },
      payload: { code: currentTotp(t, credentials.totpSecret) },
    });
    assert.equal(mfa.statusCode, 200, `TOTP step failed: ${mfa.body}`);
    body = mfa.json() as { stage: string; csrfToken: string };
    cookie = sessionCookieFrom(mfa) ?? cookie;
  }
  assert.equal(body.stage, 'active', `sign-in stopped at stage ${body.stage}`);
  const state = { cookie, csrfToken: body.csrfToken };
  return {
    ...credentials,
    ...(credentials.totpSecret === undefined ? {} : { totpSecret: credentials.totpSecret }),
    cookie: state.cookie,
    csrfToken: state.csrfToken,
    inject: asInjector(t, state),
  };
}

/**
 * A staff member of `role`, signed in through the real routes and ready to call admin routes.
 * Roles in MADOGUCHI_REQUIRE_MFA_ROLES (admin and privacy_officer by default) enrol TOTP on
 * the way, as a person must.
 */
export async function createSignedInStaff(t: TestApp, role: StaffRole, options: SignedInStaffOptions = {}): Promise<SignedInStaff> {
  const { staffId, email, password } = await createStaffWithPassword(t, role, options);
  const res = await t.app.inject({ method: 'POST', url: '/api/admin/auth/sign-in', payload: { email, password } });
  assert.equal(res.statusCode, 200, `sign-in failed: ${res.body}`);
  const first = res.json() as { stage: string; csrfToken: string };
  const cookie = sessionCookieFrom(res);
  assert.ok(cookie, 'sign-in sets the session cookie');
  const state = { cookie, csrfToken: first.csrfToken };
  let totpSecret: string | undefined;

  if (first.stage === 'mfa_enroll' || (first.stage === 'active' && options.mfa === true)) {
    const begin = await t.app.inject({
      method: 'POST',
      url: '/api/admin/auth/mfa/enroll',
      headers: { cookie: state.cookie, 'x-csrf-token': state.csrfToken },
    });
    assert.equal(begin.statusCode, 200, `MFA enrolment failed: ${begin.body}`);
    totpSecret = (begin.json() as { secret: string }).secret;
    const confirm = await t.app.inject({
      method: 'POST',
      url: '/api/admin/auth/mfa/enroll/confirm',
      headers: { cookie: state.cookie, 'x-csrf-token': state.csrfToken },
      payload: { code: currentTotp(t, totpSecret) },
    });
    assert.equal(confirm.statusCode, 200, `MFA confirmation failed: ${confirm.body}`);
    const confirmed = confirm.json() as { stage: string; csrfToken: string };
    assert.equal(confirmed.stage, 'active');
    state.cookie = sessionCookieFrom(confirm) ?? state.cookie;
    state.csrfToken = confirmed.csrfToken;
  } else {
    assert.equal(first.stage, 'active', `sign-in stopped at stage ${first.stage}`);
  }

  return {
    staffId,
    email,
    password,
    role,
    cookie: state.cookie,
    csrfToken: state.csrfToken,
    ...(totpSecret === undefined ? {} : { totpSecret }),
    inject: asInjector(t, state),
  };
}
