// SQL for the organisation profile, its request settings and security statement with their
// saved versions, and the instance's own state flags.
import type { Kysely, Selectable } from 'kysely';
import type { Database, OrganizationRevisionsTable, OrganizationTable } from '../../db/schema.ts';

type Exec = Kysely<Database>;

export type OrganizationRow = Selectable<OrganizationTable>;
export type OrganizationRevisionRow = Selectable<OrganizationRevisionsTable>;
export type OrganizationSection = OrganizationRevisionsTable['section'];

export async function findOrganization(db: Exec): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organization').selectAll().orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
}

/** The organisation row, locked until the transaction ends, so two edits are applied in turn. */
export async function lockOrganization(db: Exec): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organization').selectAll().orderBy('created_at').orderBy('id').limit(1).forUpdate().executeTakeFirst();
}

export async function insertOrganization(db: Exec, row: { id: string; nameJa: string; nameEn: string; now: Date }) {
  await db
    .insertInto('organization')
    .values({ id: row.id, name_ja: row.nameJa, name_en: row.nameEn, created_at: row.now, updated_at: row.now })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** Saves one section as its next version. The names stay in their own columns too, because
 * mail and other domains read them from there. */
export async function updateOrganizationSection(
  db: Exec,
  id: string,
  change: { section: OrganizationSection; data: object; version: number; names?: { ja: string; en: string }; now: Date },
): Promise<void> {
  const json = JSON.stringify(change.data);
  const base = { updated_at: change.now, ...(change.names ? { name_ja: change.names.ja, name_en: change.names.en } : {}) };
  const values =
    change.section === 'profile'
      ? { ...base, profile: json, profile_version: change.version }
      : change.section === 'settings'
        ? { ...base, settings: json, settings_version: change.version }
        : { ...base, security: json, security_version: change.version };
  await db.updateTable('organization').set(values).where('id', '=', id).execute();
}

export async function insertOrganizationRevision(
  db: Exec,
  row: { id: string; organizationId: string; section: OrganizationSection; version: number; data: object; actorType: string; actorId: string | null; now: Date },
): Promise<void> {
  await db
    .insertInto('organization_revisions')
    .values({
      id: row.id,
      organization_id: row.organizationId,
      section: row.section,
      version: row.version,
      data: JSON.stringify(row.data),
      actor_type: row.actorType,
      actor_id: row.actorId,
      created_at: row.now,
    })
    .execute();
}

export async function listOrganizationRevisions(
  db: Exec,
  organizationId: string,
  filter: { section?: OrganizationSection | undefined; limit: number },
): Promise<OrganizationRevisionRow[]> {
  let q = db.selectFrom('organization_revisions').selectAll().where('organization_id', '=', organizationId);
  if (filter.section) q = q.where('section', '=', filter.section);
  return q.orderBy('created_at', 'desc').orderBy('version', 'desc').limit(filter.limit).execute();
}

export async function findOrganizationRevision(
  db: Exec,
  organizationId: string,
  section: OrganizationSection,
  version: number,
): Promise<OrganizationRevisionRow | undefined> {
  return db
    .selectFrom('organization_revisions')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('section', '=', section)
    .where('version', '=', version)
    .executeTakeFirst();
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
