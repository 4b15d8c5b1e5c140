// SQL for data keys and encrypted blobs. Executor first, so a transaction shows in every call.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

type Exec = Kysely<Database>;

export async function insertDataKey(
  db: Exec,
  row: { id: string; purpose: string; masterKeyId: string; wrappedKey: Buffer; createdAt: Date },
): Promise<void> {
  await db
    .insertInto('data_keys')
    .values({
      id: row.id,
      purpose: row.purpose,
      master_key_id: row.masterKeyId,
      wrapped_key: row.wrappedKey,
      created_at: row.createdAt,
    })
    .execute();
}

export async function insertBlob(
  db: Exec,
  row: {
    id: string;
    dataKeyId: string;
    kind: string;
    contentType: string;
    byteSize: number;
    iv: Buffer;
    authTag: Buffer;
    ciphertext: Buffer;
    createdAt: Date;
  },
): Promise<void> {
  await db
    .insertInto('encrypted_blobs')
    .values({
      id: row.id,
      data_key_id: row.dataKeyId,
      kind: row.kind,
      content_type: row.contentType,
      byte_size: row.byteSize,
      iv: row.iv,
      auth_tag: row.authTag,
      ciphertext: row.ciphertext,
      created_at: row.createdAt,
    })
    .execute();
}

export async function findBlobWithKey(db: Exec, blobId: string) {
  return db
    .selectFrom('encrypted_blobs as b')
    .innerJoin('data_keys as k', 'k.id', 'b.data_key_id')
    .select([
      'b.id',
      'b.kind',
      'b.content_type',
      'b.byte_size',
      'b.iv',
      'b.auth_tag',
      'b.ciphertext',
      'b.disposed_at',
      'b.created_at',
      'k.id as key_id',
      'k.master_key_id',
      'k.wrapped_key',
    ])
    .where('b.id', '=', blobId)
    .executeTakeFirst();
}

export async function destroyBlobKey(db: Exec, blobId: string, at: Date): Promise<{ dataKeyId: string } | undefined> {
  const blob = await db
    .updateTable('encrypted_blobs')
    .set({ iv: null, auth_tag: null, ciphertext: null, disposed_at: at })
    .where('id', '=', blobId)
    .returning(['data_key_id'])
    .executeTakeFirst();
  if (!blob) return undefined;
  await db
    .updateTable('data_keys')
    .set({ wrapped_key: null, destroyed_at: at })
    .where('id', '=', blob.data_key_id)
    .where('destroyed_at', 'is', null)
    .execute();
  return { dataKeyId: blob.data_key_id };
}

/** Live data keys not wrapped by `masterKeyId`, in id order after `afterId` (keyset paging). */
export async function listKeysToRewrap(db: Exec, currentMasterKeyId: string, afterId: string, limit: number) {
  return db
    .selectFrom('data_keys')
    .select(['id', 'master_key_id', 'wrapped_key'])
    .where('wrapped_key', 'is not', null)
    .where('master_key_id', '!=', currentMasterKeyId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function updateWrappedKey(db: Exec, id: string, masterKeyId: string, wrapped: Buffer): Promise<void> {
  await db.updateTable('data_keys').set({ master_key_id: masterKeyId, wrapped_key: wrapped }).where('id', '=', id).execute();
}

export async function countLiveKeysByMaster(db: Exec): Promise<Array<{ masterKeyId: string; count: number }>> {
  const rows = await db
    .selectFrom('data_keys')
    .select(['master_key_id', (eb) => eb.fn.countAll<number>().as('count')])
    .where('wrapped_key', 'is not', null)
    .groupBy('master_key_id')
    .execute();
  return rows.map((r) => ({ masterKeyId: r.master_key_id, count: Number(r.count) }));
}
