// Identifiers and secrets. Ids are random and carry a short prefix that names their kind
// (`stf_…` for staff, `job_…` for jobs) so a log line is readable without a lookup.
// Secret tokens are 256-bit random values handed out once and stored only as hashes.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/** A secret token of 32 random bytes, URL-safe. */
export function newSecretToken(prefix = ''): string {
  const token = randomBytes(32).toString('base64url');
  return prefix ? `${prefix}_${token}` : token;
}

/** The stored form of a secret token: SHA-256, hex. The token itself has 256 bits of
 * entropy, so a fast hash is enough (no salt or slow hash needed as for passwords). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
