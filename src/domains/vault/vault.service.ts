// The vault: envelope encryption for everything personal that Madoguchi stores itself
// (identity documents, delivered packages, outgoing mail, TOTP secrets). Each object gets its
// own data key, wrapped by the current master key; destroying that data key is the object's
// disposal (crypto-shredding). Rotation re-wraps data keys and never touches the objects.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { newDataKey, open, seal, unwrapKey, wrapKey, type Keyring } from '../../lib/keyring.ts';
import * as repo from './vault.repository.ts';

type Exec = Kysely<Database>;

export interface StoredBlob {
  id: string;
  kind: string;
  contentType: string;
  byteSize: number;
  createdAt: Date;
}

export interface Vault {
  keyring(): Keyring;
  /** Swaps in a new keyring (after `keys rotate` added a key). */
  setKeyring(next: Keyring): void;
  /** Encrypts and stores `bytes`; runs inside the caller's transaction. */
  store(db: Exec, input: { kind: string; contentType: string; bytes: Buffer; now: Date }): Promise<StoredBlob>;
  /** Decrypts a blob. A disposed or missing blob is `not_found`. */
  read(db: Exec, blobId: string): Promise<{ blob: StoredBlob; bytes: Buffer }>;
  /** Destroys the blob's data key and ciphertext; returns false if it was already gone. */
  dispose(db: Exec, blobId: string, now: Date): Promise<boolean>;
  /** Re-wraps every live data key under the current master key. */
  rewrapAll(db: Exec, onProgress?: (done: number) => void): Promise<{ rewrapped: number }>;
  storeJson(db: Exec, input: { kind: string; value: unknown; now: Date }): Promise<StoredBlob>;
  readJson(db: Exec, blobId: string): Promise<unknown>;
}

export function createVault(initial: Keyring): Vault {
  let ring = initial;

  function masterFor(id: string): Buffer {
    const key = ring.get(id);
    // An internal failure: the operator removed a master key that data keys still need.
    if (!key) throw new Error(`master key ${id} is not in the keyring`);
    return key;
  }

  const vault: Vault = {
    keyring: () => ring,
    setKeyring: (next) => {
      ring = next;
    },

    async store(db, { kind, contentType, bytes, now }) {
      const dataKeyId = newId('dk');
      const blobId = newId('blob');
      const dataKey = newDataKey();
      await repo.insertDataKey(db, {
        id: dataKeyId,
        purpose: kind,
        masterKeyId: ring.currentId,
        wrappedKey: wrapKey(masterFor(ring.currentId), dataKey, dataKeyId),
        createdAt: now,
      });
      const sealed = seal(dataKey, bytes, `blob:${blobId}`);
      dataKey.fill(0);
      await repo.insertBlob(db, {
        id: blobId,
        dataKeyId,
        kind,
        contentType,
        byteSize: bytes.length,
        iv: sealed.iv,
        authTag: sealed.tag,
        ciphertext: sealed.ciphertext,
        createdAt: now,
      });
      return { id: blobId, kind, contentType, byteSize: bytes.length, createdAt: now };
    },

    async read(db, blobId) {
      const row = await repo.findBlobWithKey(db, blobId);
      if (!row || row.disposed_at || !row.wrapped_key || !row.ciphertext || !row.iv || !row.auth_tag) {
        throw new AppError('not_found');
      }
      const dataKey = unwrapKey(masterFor(row.master_key_id), row.wrapped_key, row.key_id);
      const bytes = open(dataKey, { iv: row.iv, tag: row.auth_tag, ciphertext: row.ciphertext }, `blob:${row.id}`);
      dataKey.fill(0);
      return {
        blob: {
          id: row.id,
          kind: row.kind,
          contentType: row.content_type,
          byteSize: row.byte_size,
          createdAt: row.created_at,
        },
        bytes,
      };
    },

    async dispose(db, blobId, now) {
      const existing = await repo.findBlobWithKey(db, blobId);
      if (!existing || existing.disposed_at) return false;
      await repo.destroyBlobKey(db, blobId, now);
      return true;
    },

    async rewrapAll(db, onProgress) {
      let after = '';
      let done = 0;
      for (;;) {
        const batch = await repo.listKeysToRewrap(db, ring.currentId, after, 500);
        if (batch.length === 0) break;
        await db.transaction().execute(async (trx) => {
          for (const k of batch) {
            if (!k.wrapped_key) continue;
            const plain = unwrapKey(masterFor(k.master_key_id), k.wrapped_key, k.id);
            await repo.updateWrappedKey(trx, k.id, ring.currentId, wrapKey(masterFor(ring.currentId), plain, k.id));
            plain.fill(0);
          }
        });
        done += batch.length;
        const last = batch[batch.length - 1];
        if (last) after = last.id;
        onProgress?.(done);
      }
      return { rewrapped: done };
    },

    async storeJson(db, { kind, value, now }) {
      return vault.store(db, { kind, contentType: 'application/json', bytes: Buffer.from(JSON.stringify(value), 'utf8'), now });
    },

    async readJson(db, blobId) {
      const { bytes } = await vault.read(db, blobId);
      return JSON.parse(bytes.toString('utf8')) as unknown;
    },
  };
  return vault;
}
