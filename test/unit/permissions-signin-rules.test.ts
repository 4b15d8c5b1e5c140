// The pure rules behind staff sign-in: password strength, session lifetime, the stage a
// password opens, and the failure counter of throttling and lockout.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HOUR_MS, MINUTE_MS } from '../../src/lib/clock.ts';
import { totpCode, totpStepOf } from '../../src/domains/staff/staff.crypto.ts';
import {
  EMAIL_THROTTLE,
  afterFailure,
  isBlocked,
  normalizeEmail,
  passwordWeakness,
  sessionExpiry,
  sessionState,
  stageAfterPassword,
} from '../../src/domains/staff/staff.rules.ts';

const at = (iso: string) => new Date(iso);

describe('password strength', () => {
  test('at least 12 characters, counted as characters rather than bytes', () => {
    assert.equal(passwordWeakness('short pass'), 'too_short');
    assert.equal(passwordWeakness('十一文字のパスワードです'), null);
    assert.equal(passwordWeakness('a sound passphrase'), null);
  });

  test('long but trivially guessable passwords are refused', () => {
    assert.equal(passwordWeakness('aaaaaaaaaaaaaaaa'), 'too_simple');
    assert.equal(passwordWeakness('password1234'), 'too_simple');
    assert.equal(passwordWeakness('Password2024!'), 'too_simple');
    assert.equal(passwordWeakness('hanako.sato2024', { email: 'hanako.sato@example.test' }), 'too_simple');
  });
});

describe('email normalisation', () => {
  test('trims and lower-cases, so one person has one account', () => {
    assert.equal(normalizeEmail('  Hanako.Sato@Example.TEST '), 'hanako.sato@example.test');
  });
});

describe('session lifetime', () => {
  const limits = { idleMinutes: 30, absoluteHours: 12 };
  const created = at('2026-12-01T09:00:00Z');
  const expiresAt = sessionExpiry(created, limits);

  test('ends 12 hours after sign-in', () => {
    assert.equal(expiresAt.getTime() - created.getTime(), 12 * HOUR_MS);
    const lastSeenAt = new Date(expiresAt.getTime() - MINUTE_MS);
    assert.equal(sessionState({ lastSeenAt, expiresAt, revokedAt: null }, limits, new Date(expiresAt.getTime() - 1)), 'valid');
    assert.equal(sessionState({ lastSeenAt, expiresAt, revokedAt: null }, limits, expiresAt), 'absolute_expired');
  });

  test('ends after 30 minutes without a request', () => {
    const lastSeenAt = at('2026-12-01T10:00:00Z');
    assert.equal(sessionState({ lastSeenAt, expiresAt, revokedAt: null }, limits, at('2026-12-01T10:29:59Z')), 'valid');
    assert.equal(sessionState({ lastSeenAt, expiresAt, revokedAt: null }, limits, at('2026-12-01T10:30:00Z')), 'idle_expired');
  });

  test('a revoked session is over whatever the time', () => {
    assert.equal(sessionState({ lastSeenAt: created, expiresAt, revokedAt: created }, limits, created), 'revoked');
  });
});

describe('the stage after a correct password', () => {
  const required = ['admin', 'privacy_officer'] as const;
  test('someone with an authenticator is asked for a code', () => {
    assert.equal(stageAfterPassword({ role: 'handler', totpEnabled: true, mfaRequiredRoles: required }), 'mfa_pending');
    assert.equal(stageAfterPassword({ role: 'admin', totpEnabled: true, mfaRequiredRoles: required }), 'mfa_pending');
  });
  test('a role that requires one, without one, must enrol', () => {
    assert.equal(stageAfterPassword({ role: 'privacy_officer', totpEnabled: false, mfaRequiredRoles: required }), 'mfa_enroll');
  });
  test('other roles without an authenticator are signed in', () => {
    assert.equal(stageAfterPassword({ role: 'auditor', totpEnabled: false, mfaRequiredRoles: required }), 'active');
  });
});

describe('sign-in throttle', () => {
  const start = at('2026-12-01T09:00:00Z');
  const plus = (ms: number) => new Date(start.getTime() + ms);

  test('the fifth failure within 15 minutes blocks for 15 minutes', () => {
    let c = afterFailure(undefined, EMAIL_THROTTLE, start);
    for (let i = 1; i < 4; i++) c = afterFailure(c, EMAIL_THROTTLE, plus(i * MINUTE_MS));
    assert.equal(c.failures, 4);
    assert.equal(isBlocked(c, plus(4 * MINUTE_MS)), false);
    c = afterFailure(c, EMAIL_THROTTLE, plus(5 * MINUTE_MS));
    assert.equal(isBlocked(c, plus(5 * MINUTE_MS)), true);
    assert.equal(isBlocked(c, plus(20 * MINUTE_MS - 1)), true);
    assert.equal(isBlocked(c, plus(20 * MINUTE_MS)), false);
  });

  test('failures spread over more than 15 minutes never block', () => {
    let c = afterFailure(undefined, EMAIL_THROTTLE, start);
    for (let i = 1; i < 10; i++) c = afterFailure(c, EMAIL_THROTTLE, plus(i * 4 * MINUTE_MS));
    assert.equal(isBlocked(c, plus(40 * MINUTE_MS)), false);
  });

  test('failures while blocked do not extend the block; after it a fresh window starts', () => {
    let c = afterFailure(undefined, EMAIL_THROTTLE, start);
    for (let i = 0; i < 4; i++) c = afterFailure(c, EMAIL_THROTTLE, start);
    const until = c.blockedUntil;
    assert.ok(until);
    c = afterFailure(c, EMAIL_THROTTLE, plus(10 * MINUTE_MS));
    assert.equal(c.blockedUntil?.getTime(), until.getTime());
    c = afterFailure(c, EMAIL_THROTTLE, plus(16 * MINUTE_MS));
    assert.deepEqual(c, { failures: 1, windowStart: plus(16 * MINUTE_MS), blockedUntil: null });
  });
});

describe('TOTP codes', () => {
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  test('a code is accepted in its own 30-second step and one step either side, and names its step', () => {
    const now = at('2026-12-01T09:00:10Z');
    const code = totpCode(secret, now);
    const step = Math.floor(now.getTime() / 30_000);
    assert.equal(totpStepOf(secret, code, now), step);
    assert.equal(totpStepOf(secret, code, new Date(now.getTime() + 30_000)), step);
    assert.equal(totpStepOf(secret, code, new Date(now.getTime() + 90_000)), null);
    assert.equal(totpStepOf(secret, 'abcdef', now), null);
  });
});
