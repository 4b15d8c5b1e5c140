// The secrets of staff sign-in: argon2id password hashes, TOTP codes (RFC 6238, the kind
// every authenticator app reads from a QR code), and keyed hashes for the throttle table so
// it never holds an email address or an IP address in the clear.
import { createHmac } from 'node:crypto';
import argon2 from 'argon2';
import { Secret, TOTP } from 'otpauth';

// OWASP's argon2id baseline (19 MiB, 2 passes): slow enough to make guessing expensive,
// quick enough that a sign-in stays well under a second.
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    // A damaged hash is a wrong password, never an error that would tell the caller more.
    return false;
  }
}

let dummyHash: Promise<string> | null = null;

/** Computes the stand-in hash ahead of the first sign-in, so that the first attempt on an
 * unknown address is not the one slower answer. */
export function prepareDummyHash(): Promise<string> {
  dummyHash ??= argon2.hash('madoguchi-no-such-account-placeholder', ARGON2_OPTIONS);
  return dummyHash;
}

/** Spends the same effort as checking a real password, for addresses with no account, so
 * the answer time does not tell whether an account exists. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(await prepareDummyHash(), password);
  return false;
}

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
const TOTP_ISSUER = 'Madoguchi';

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secretBase32: string, label = 'staff'): TOTP {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  });
}

export function totpUri(secretBase32: string, label: string): string {
  return totpFor(secretBase32, label).toString();
}

/** The code an authenticator shows at `at` (the tests use it as the authenticator app). */
export function totpCode(secretBase32: string, at: Date): string {
  return totpFor(secretBase32).generate({ timestamp: at.getTime() });
}

/** The time step a code belongs to, accepting one step of clock drift either way; null when
 * the code matches none of them. */
export function totpStepOf(secretBase32: string, code: string, at: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = totpFor(secretBase32);
  const delta = totp.validate({ token: code, timestamp: at.getTime(), window: 1 });
  if (delta === null) return null;
  return totp.counter({ timestamp: at.getTime() }) + delta;
}

/** A keyed hash: the same input always gives the same key, but the table alone cannot be
 * turned back into addresses by hashing a list of guesses. */
export function throttleKey(secret: Buffer, kind: 'email' | 'ip' | 'mfa', value: string): string {
  return `${kind}:${createHmac('sha256', secret).update(`signin-throttle\0${kind}\0${value}`, 'utf8').digest('hex')}`;
}
