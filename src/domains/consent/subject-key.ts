// Keyed hashes for the consent store. A person is stored as HMAC-SHA256(key, type ∖0 value)
// cut to 128 bits, so the raw email or id never reaches the database. Two keys, each a random
// 32-byte secret kept in the vault:
//
// - the subject key, which the SDK's local decision mode receives (API keys with
//   consent:read) so an application can find the person it knows in the snapshot; it is its
//   own key, not the request desk's lookup key, so handing it out reveals nothing about requests;
// - the evidence key, never handed out, for IP addresses, user agents and banner visitor ids:
//   the address space is small enough that anyone holding the key could try every address.
import { createHmac, randomBytes } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import type { SubjectType, TSubject } from './consent.ts';

type Ctx = Pick<AppContext, 'vault' | 'clock'>;
type KeyName = 'subject' | 'evidence';

const STATE_KEYS: Record<KeyName, string> = { subject: 'consent.subject_key_blob', evidence: 'consent.evidence_key_blob' };
const caches: Record<KeyName, WeakMap<object, Buffer>> = { subject: new WeakMap(), evidence: new WeakMap() };

async function secret(db: Db, ctx: Ctx, name: KeyName): Promise<Buffer> {
  const cached = caches[name].get(ctx.vault);
  if (cached) return cached;
  const stateKey = STATE_KEYS[name];
  let state = await db.selectFrom('system_state').select('value').where('key', '=', stateKey).executeTakeFirst();
  // A key made in this call is not cached: the caller's transaction may still roll back.
  const existed = state !== undefined;
  if (!state) {
    const blob = await ctx.vault.storeJson(db, { kind: `consent.${name}_key`, value: { key: randomBytes(32).toString('base64') }, now: ctx.clock.now() });
    await db
      .insertInto('system_state')
      .values({ key: stateKey, value: JSON.stringify({ blobId: blob.id }), updated_at: ctx.clock.now() })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    state = await db.selectFrom('system_state').select('value').where('key', '=', stateKey).executeTakeFirstOrThrow();
  }
  const { blobId } = state.value as { blobId: string };
  const { key } = (await ctx.vault.readJson(db, blobId)) as { key: string };
  const buf = Buffer.from(key, 'base64');
  if (existed) caches[name].set(ctx.vault, buf);
  return buf;
}

/** The form a value is hashed in; the SDK normalises the same way. */
export function normalizeSubjectValue(type: SubjectType, value: string): string {
  const trimmed = value.trim();
  switch (type) {
    case 'email':
      return trimmed.toLowerCase();
    case 'phone':
      return trimmed.replace(/[\s\-().]/g, '');
    case 'user_id':
    case 'customer_id':
    case 'member_number':
    case 'device_id':
      return trimmed;
  }
}

export function hashSubject(key: Buffer, subject: TSubject): string {
  return createHmac('sha256', key).update(`${subject.type}\0${normalizeSubjectValue(subject.type, subject.value)}`).digest().subarray(0, 16).toString('base64url');
}

/** The subject key itself (for the SDK snapshot). */
export async function subjectSecret(db: Db, ctx: Ctx): Promise<Buffer> {
  return secret(db, ctx, 'subject');
}

/** A function that hashes subjects, for batches (one key read for all of them). */
export async function subjectHasher(db: Db, ctx: Ctx): Promise<(subject: TSubject) => string> {
  const key = await secret(db, ctx, 'subject');
  return (subject) => hashSubject(key, subject);
}

export async function subjectKeyOf(db: Db, ctx: Ctx, subject: TSubject): Promise<string> {
  return hashSubject(await secret(db, ctx, 'subject'), subject);
}

/** A keyed hash of an address, a user agent or a banner visitor id (hex, 128 bits). */
export async function evidenceHash(db: Db, ctx: Ctx, kind: 'ip' | 'ua' | 'visitor', value: string): Promise<string> {
  const key = await secret(db, ctx, 'evidence');
  return createHmac('sha256', key).update(`${kind}\0${value.trim()}`).digest().subarray(0, 16).toString('hex');
}
