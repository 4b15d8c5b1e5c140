// SQL for the organisation profile and the instance's own state flags.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

type Exec = Kysely<Database>;

export async function findOrganization(db: Exec) {
  return db.selectFrom('organization').selectAll().orderBy('created_at').executeTakeFirst();
}

export async function insertOrganization(db: Exec, row: { id: string; nameJa: string; nameEn: string; now: Date }) {
  await db
    .insertInto('organization')
    .values({ id: row.id, name_ja: row.nameJa, name_en: row.nameEn, created_at: row.now, updated_at: row.now })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export async function readState(db: Exec, key: string): Promise<object | undefined> {
  const row = await db.selectFrom('system_state').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

/** Sets a flag once; returns false when another process set it first. */
export async function claimState(db: Exec, key: string, value: object, now: Date): Promise<boolean> {
  const res = await db
    .insertInto('system_state')
    .values({ key, value: JSON.stringify(value), updated_at: now })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}
