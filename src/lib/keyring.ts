// Master keys and the envelope primitives. A master key never encrypts personal data itself:
// it wraps per-object data keys (AES-256-GCM), and each wrapped key records the id of the
// master key that wrapped it, so rotation re-wraps data keys without touching the objects.
//
// In the embedded default the keyring lives in `<dataDir>/master-key.json` (owner-only
// permissions), created on first start. With PostgreSQL the key comes from
// MADOGUCHI_MASTER_KEY, and keys being rotated away from from MADOGUCHI_PREVIOUS_MASTER_KEYS.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Config } from '../config/config.ts';

export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update('madoguchi-master-key-id\0').update(key).digest('hex').slice(0, 16);
}

export interface Keyring {
  currentId: string;
  /** Returns the key with this id, or undefined when the keyring no longer holds it. */
  get(id: string): Buffer | undefined;
  ids(): string[];
  /** Where the keyring is kept: a file in the data directory, or the environment. */
  source: { kind: 'file'; path: string } | { kind: 'environment' };
}

export function keyringFromKeys(current: Buffer, previous: Buffer[], source: Keyring['source']): Keyring {
  const map = new Map<string, Buffer>();
  for (const k of [current, ...previous]) map.set(masterKeyId(k), k);
  const currentId = masterKeyId(current);
  return { currentId, get: (id) => map.get(id), ids: () => [...map.keys()], source };
}

const ZKeyFile = z.object({
  version: z.literal(1),
  current: z.string().regex(/^[0-9a-f]{16}$/),
  keys: z.array(z.object({ id: z.string(), key: z.string(), createdAt: z.string() })).min(1).max(100),
});
type KeyFile = z.infer<typeof ZKeyFile>;

export const KEY_FILE_NAME = 'master-key.json';

function writeKeyFile(file: string, content: KeyFile): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

function readKeyFile(file: string): KeyFile {
  const parsed = ZKeyFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`The key file ${file} is damaged; restore it from your backup.`);
  return parsed.data;
}

function keyringFromFile(file: string, content: KeyFile): Keyring {
  const keys = content.keys.map((k) => Buffer.from(k.key, 'base64'));
  const current = content.keys.find((k) => k.id === content.current);
  if (!current) throw new Error(`The key file ${file} names a current key it does not hold.`);
  return keyringFromKeys(
    Buffer.from(current.key, 'base64'),
    keys.filter((k) => masterKeyId(k) !== content.current),
    { kind: 'file', path: file },
  );
}

/** Opens the keyring for this configuration; in the embedded mode creates the key file on
 * first use and reports that it did, so the caller can warn the operator to back it up. */
export function openKeyring(config: Pick<Config, 'masterKey' | 'dataDir'>): { keyring: Keyring; created: boolean } {
  if (config.masterKey) {
    return {
      keyring: keyringFromKeys(config.masterKey.current, config.masterKey.previous, { kind: 'environment' }),
      created: false,
    };
  }
  const file = path.join(config.dataDir, KEY_FILE_NAME);
  if (existsSync(file)) return { keyring: keyringFromFile(file, readKeyFile(file)), created: false };
  const key = randomBytes(KEY_BYTES);
  const content: KeyFile = {
    version: 1,
    current: masterKeyId(key),
    keys: [{ id: masterKeyId(key), key: key.toString('base64'), createdAt: new Date().toISOString() }],
  };
  writeKeyFile(file, content);
  return { keyring: keyringFromFile(file, content), created: true };
}

/** Embedded mode: adds a fresh key to the key file and makes it current (old keys stay until
 * `retireKeysInFile` removes them after every data key has been re-wrapped). */
export function addKeyToFile(file: string): Keyring {
  const content = readKeyFile(file);
  const key = randomBytes(KEY_BYTES);
  const id = masterKeyId(key);
  const next: KeyFile = {
    version: 1,
    current: id,
    keys: [...content.keys, { id, key: key.toString('base64'), createdAt: new Date().toISOString() }],
  };
  writeKeyFile(file, next);
  return keyringFromFile(file, next);
}

export function retireKeysInFile(file: string, keep: string[]): Keyring {
  const content = readKeyFile(file);
  const next: KeyFile = { ...content, keys: content.keys.filter((k) => keep.includes(k.id) || k.id === content.current) };
  writeKeyFile(file, next);
  return keyringFromFile(file, next);
}

export function generateKeyText(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

// --- AES-256-GCM ---------------------------------------------------------------------------

export interface Sealed {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export function seal(key: Buffer, plaintext: Buffer, aad: string): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

export function open(key: Buffer, sealed: Sealed, aad: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(sealed.tag);
  return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
}

/** A wrapped data key as stored: iv ‖ tag ‖ ciphertext. */
export function wrapKey(master: Buffer, dataKey: Buffer, dataKeyId: string): Buffer {
  const s = seal(master, dataKey, `data-key:${dataKeyId}`);
  return Buffer.concat([s.iv, s.tag, s.ciphertext]);
}

export function unwrapKey(master: Buffer, wrapped: Buffer, dataKeyId: string): Buffer {
  return open(
    master,
    {
      iv: wrapped.subarray(0, IV_BYTES),
      tag: wrapped.subarray(IV_BYTES, IV_BYTES + TAG_BYTES),
      ciphertext: wrapped.subarray(IV_BYTES + TAG_BYTES),
    },
    `data-key:${dataKeyId}`,
  );
}

export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}
