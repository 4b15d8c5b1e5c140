// SQL for the cookie banner: its settings row, its tags, the snapshots of what each version
// showed, and visitors' choices.
import { sql, type Selectable } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { CookieBannerSettingsTable, CookieConsentsTable, CookieTagsTable } from '../../db/schema-consent.ts';
import type { CookieTag, CookieTagFields } from './banner.ts';

export type SettingsRow = Selectable<CookieBannerSettingsTable>;
export type TagRow = Selectable<CookieTagsTable>;
export type CookieConsentRow = Selectable<CookieConsentsTable>;

export function toTag(row: TagRow): CookieTag {
  return {
    id: row.id,
    category: row.category,
    name: row.name,
    recipient: row.recipient,
    dataSent: row.data_sent,
    companyPurpose: row.company_purpose,
    recipientPurpose: row.recipient_purpose,
    optOutUrl: row.opt_out_url,
    sortOrder: row.sort_order,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function tagColumns(fields: CookieTagFields) {
  return {
    category: fields.category,
    name: fields.name,
    recipient: fields.recipient,
    data_sent: JSON.stringify(fields.dataSent),
    company_purpose: JSON.stringify(fields.companyPurpose),
    recipient_purpose: JSON.stringify(fields.recipientPurpose),
    opt_out_url: fields.optOutUrl,
    sort_order: fields.sortOrder,
  };
}

export async function findSettings(db: Db): Promise<SettingsRow | undefined> {
  return db.selectFrom('cookie_banner_settings').selectAll().where('id', '=', 1).executeTakeFirst();
}

/** The settings row under a lock (created at version 0 first, so there is always one to lock). */
export async function lockSettings(trx: Db, defaults: object, now: Date): Promise<SettingsRow> {
  await trx
    .insertInto('cookie_banner_settings')
    .values({ id: 1, settings: JSON.stringify(defaults), version: 0, updated_at: now, updated_by: null })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return trx.selectFrom('cookie_banner_settings').selectAll().where('id', '=', 1).forUpdate().executeTakeFirstOrThrow();
}

export async function saveSettings(trx: Db, row: { settings: object; version: number; now: Date; by: string | null }): Promise<void> {
  await trx
    .updateTable('cookie_banner_settings')
    .set({ settings: JSON.stringify(row.settings), version: row.version, updated_at: row.now, updated_by: row.by })
    .where('id', '=', 1)
    .execute();
}

export async function insertVersionSnapshot(trx: Db, version: number, snapshot: object, now: Date): Promise<void> {
  await trx.insertInto('cookie_banner_versions').values({ version, snapshot: JSON.stringify(snapshot), created_at: now }).execute();
}

export async function findVersionSnapshot(db: Db, version: number): Promise<Record<string, unknown> | undefined> {
  return (await db.selectFrom('cookie_banner_versions').select('snapshot').where('version', '=', version).executeTakeFirst())?.snapshot;
}

export async function listTags(db: Db): Promise<TagRow[]> {
  return db.selectFrom('cookie_tags').selectAll().orderBy('category').orderBy('sort_order').orderBy('name').orderBy('id').limit(500).execute();
}

export async function countTags(db: Db): Promise<number> {
  const row = await db.selectFrom('cookie_tags').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function lockTag(trx: Db, id: string): Promise<TagRow | undefined> {
  return trx.selectFrom('cookie_tags').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function insertTag(trx: Db, id: string, fields: CookieTagFields, now: Date): Promise<void> {
  await trx
    .insertInto('cookie_tags')
    .values({ id, ...tagColumns(fields), version: 1, created_at: now, updated_at: now })
    .execute();
}

export async function updateTag(trx: Db, id: string, fields: CookieTagFields, version: number, now: Date): Promise<void> {
  await trx
    .updateTable('cookie_tags')
    .set({ ...tagColumns(fields), version, updated_at: now })
    .where('id', '=', id)
    .execute();
}

export async function deleteTag(trx: Db, id: string): Promise<void> {
  await trx.deleteFrom('cookie_tags').where('id', '=', id).execute();
}

export async function insertCookieConsent(trx: Db, row: CookieConsentRow): Promise<void> {
  await trx.insertInto('cookie_consents').values(row).execute();
}

export async function listCookieConsents(db: Db, filters: { visitorKey?: string | undefined; before?: Date | undefined }, limit: number): Promise<CookieConsentRow[]> {
  let q = db.selectFrom('cookie_consents').selectAll();
  if (filters.visitorKey) q = q.where('visitor_key', '=', filters.visitorKey);
  if (filters.before) q = q.where('at', '<', filters.before);
  return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export async function cookieConsentCounts(db: Db): Promise<{ total: number; analytics: number; marketing: number; gpc: number }> {
  const row = await db
    .selectFrom('cookie_consents')
    .select([
      sql<number>`count(*)::int`.as('total'),
      sql<number>`count(*) filter (where analytics)::int`.as('analytics'),
      sql<number>`count(*) filter (where marketing)::int`.as('marketing'),
      sql<number>`count(*) filter (where gpc)::int`.as('gpc'),
    ])
    .executeTakeFirstOrThrow();
  return { total: Number(row.total), analytics: Number(row.analytics), marketing: Number(row.marketing), gpc: Number(row.gpc) };
}
