// SQL for API keys. Only the SHA-256 of a key is stored; the key itself is shown once.
import type { Kysely, Selectable } from 'kysely';
import type { ApiKeysTable, Database } from '../../db/schema.ts';

type Exec = Kysely<Database>;

export type ApiKeyRow = Selectable<ApiKeysTable>;

export async function insertApiKey(
  db: Exec,
  row: { id: string; name: string; prefix: string; keyHash: string; scopes: string[]; createdBy: string | null; now: Date; expiresAt: Date | null },
): Promise<void> {
  await db
    .insertInto('api_keys')
    .values({
      id: row.id,
      name: row.name,
      prefix: row.prefix,
      key_hash: row.keyHash,
      scopes: JSON.stringify(row.scopes),
      created_by: row.createdBy,
      created_at: row.now,
      expires_at: row.expiresAt,
    })
    .execute();
}

export async function listApiKeys(db: Exec, limit: number): Promise<ApiKeyRow[]> {
  return db.selectFrom('api_keys').selectAll().orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
}

export async function findApiKeyById(db: Exec, id: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function lockApiKeyById(db: Exec, id: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function findApiKeyByHash(db: Exec, keyHash: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
}

export async function revokeApiKey(db: Exec, id: string, now: Date): Promise<void> {
  await db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

/** Sets last_used_at unless it was set less than `minIntervalMs` ago, so a busy key does not
 * write on every call. */
export async function touchApiKey(db: Exec, id: string, now: Date, minIntervalMs: number): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', new Date(now.getTime() - minIntervalMs))]))
    .execute();
}
