// SQL for the purposes-of-use registry and its versions.
import type { Kysely, Selectable } from 'kysely';
import type { Database, PurposesTable, PurposeVersionsTable } from '../../db/schema.ts';
import type { Purpose } from './purpose.ts';

type Exec = Kysely<Database>;

export type PurposeRow = Selectable<PurposesTable>;
export type PurposeVersionRow = Selectable<PurposeVersionsTable>;

export function toPurpose(row: PurposeRow): Purpose {
  return {
    code: row.code,
    title: { ja: row.title_ja, en: row.title_en },
    description: { ja: row.description_ja, en: row.description_en },
    dataCategories: row.data_categories,
    basis: row.basis,
    sortOrder: row.sort_order,
    status: row.status,
    version: row.version,
    updatedAt: row.updated_at,
  };
}

function columns(p: Purpose) {
  return {
    title_ja: p.title.ja,
    title_en: p.title.en,
    description_ja: p.description.ja,
    description_en: p.description.en,
    data_categories: JSON.stringify(p.dataCategories),
    basis: p.basis,
    sort_order: p.sortOrder,
    status: p.status,
    version: p.version,
    updated_at: p.updatedAt,
  };
}

export async function listPurposes(db: Exec, filter: { includeRetired: boolean }): Promise<PurposeRow[]> {
  let q = db.selectFrom('purposes').selectAll();
  if (!filter.includeRetired) q = q.where('status', '=', 'active');
  return q.orderBy('sort_order').orderBy('code').limit(1000).execute();
}

export async function findPurpose(db: Exec, code: string): Promise<PurposeRow | undefined> {
  return db.selectFrom('purposes').selectAll().where('code', '=', code).executeTakeFirst();
}

export async function lockPurpose(db: Exec, code: string): Promise<PurposeRow | undefined> {
  return db.selectFrom('purposes').selectAll().where('code', '=', code).forUpdate().executeTakeFirst();
}

export async function insertPurpose(db: Exec, p: Purpose): Promise<void> {
  await db
    .insertInto('purposes')
    .values({ code: p.code, created_at: p.updatedAt, ...columns(p) })
    .execute();
}

export async function updatePurpose(db: Exec, p: Purpose): Promise<void> {
  await db.updateTable('purposes').set(columns(p)).where('code', '=', p.code).execute();
}

export async function insertPurposeVersion(
  db: Exec,
  row: { purpose: Purpose; change: 'created' | 'updated' | 'retired'; actorType: string; actorId: string | null; now: Date },
): Promise<void> {
  const { purpose } = row;
  await db
    .insertInto('purpose_versions')
    .values({
      code: purpose.code,
      version: purpose.version,
      change: row.change,
      snapshot: JSON.stringify({
        title: purpose.title,
        description: purpose.description,
        dataCategories: purpose.dataCategories,
        basis: purpose.basis,
        sortOrder: purpose.sortOrder,
        status: purpose.status,
      }),
      actor_type: row.actorType,
      actor_id: row.actorId,
      created_at: row.now,
    })
    .execute();
}

export async function listPurposeVersions(db: Exec, code: string): Promise<PurposeVersionRow[]> {
  return db.selectFrom('purpose_versions').selectAll().where('code', '=', code).orderBy('version', 'desc').limit(500).execute();
}
