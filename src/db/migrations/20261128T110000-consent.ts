// Consent records and restrictions (the decision API's data), their change feed, and the
// cookie banner: settings, tags, the versions the banner showed, and visitors' choices as
// proof. People are keyed hashes only; receipts hold codes, versions and hashes, never a raw
// identity.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('consent_subjects')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('subject_type', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('consent_receipts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subject_key', 'text', (c) => c.notNull().references('consent_subjects.key'))
    .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('granted','withdrawn')`))
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('web','app','paper','import')`))
    .addColumn('policy_kind', 'text')
    .addColumn('policy_number', 'integer')
    .addColumn('receipt', 'jsonb', (c) => c.notNull())
    .addColumn('receipt_hash', 'text', (c) => c.notNull())
    .addColumn('ip_hash', 'text')
    .addColumn('ua_hash', 'text')
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('consent_receipts_subject').on('consent_receipts').columns(['subject_key', 'at']).execute();

  await db.schema
    .createTable('consent_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('receipt_id', 'text', (c) => c.notNull().references('consent_receipts.id'))
    .addColumn('subject_key', 'text', (c) => c.notNull())
    .addColumn('purpose_code', 'text', (c) => c.notNull())
    .addColumn('purpose_version', 'integer', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('granted','withdrawn')`))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('consent_events_subject').on('consent_events').columns(['subject_key', 'at']).execute();

  await db.schema
    .createTable('consent_state')
    .addColumn('subject_key', 'text', (c) => c.notNull())
    .addColumn('purpose_code', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('granted','withdrawn')`))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('consent_state_pk', ['subject_key', 'purpose_code'])
    .execute();
  await db.schema.createIndex('consent_state_purpose').on('consent_state').columns(['purpose_code', 'state']).execute();

  await db.schema
    .createTable('consent_restrictions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subject_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('suspension','stop_provision')`))
    .addColumn('purposes', 'jsonb')
    .addColumn('recipient', 'text')
    .addColumn('request_id', 'text', (c) => c.references('requests.id'))
    .addColumn('applied_at', 'timestamptz', (c) => c.notNull())
    .addColumn('applied_by_type', 'text', (c) => c.notNull())
    .addColumn('applied_by_id', 'text')
    .addColumn('lifted_at', 'timestamptz')
    .addColumn('lifted_by_type', 'text')
    .addColumn('lifted_by_id', 'text')
    .addColumn('lift_reason', 'text')
    .execute();
  await db.schema
    .createIndex('consent_restrictions_active')
    .on('consent_restrictions')
    .column('subject_key')
    .where(sql.ref('lifted_at'), 'is', null)
    .execute();
  await db.schema.createIndex('consent_restrictions_request').on('consent_restrictions').column('request_id').execute();

  await db.schema
    .createTable('consent_changes')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('subject_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('consent','restriction')`))
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('consent_feed_head')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into consent_feed_head (id, seq) values (1, 0)`.execute(db);

  await db.schema
    .createTable('cookie_banner_settings')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('settings', 'jsonb', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();

  await db.schema
    .createTable('cookie_banner_versions')
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('snapshot', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('cookie_tags')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('category', 'text', (c) => c.notNull().check(sql`category in ('necessary','analytics','marketing')`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('data_sent', 'jsonb', (c) => c.notNull())
    .addColumn('company_purpose', 'jsonb', (c) => c.notNull())
    .addColumn('recipient_purpose', 'jsonb', (c) => c.notNull())
    .addColumn('opt_out_url', 'text')
    .addColumn('sort_order', 'integer', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('cookie_consents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('visitor_key', 'text', (c) => c.notNull())
    .addColumn('banner_version', 'integer', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull().check(sql`language in ('ja','en')`))
    .addColumn('analytics', 'boolean', (c) => c.notNull())
    .addColumn('marketing', 'boolean', (c) => c.notNull())
    .addColumn('gpc', 'boolean', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('accept_all','reject_all','custom')`))
    .addColumn('origin', 'text')
    .addColumn('ip_hash', 'text')
    .addColumn('ua_hash', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cookie_consents_visitor').on('cookie_consents').columns(['visitor_key', 'at']).execute();
  await db.schema.createIndex('cookie_consents_at').on('cookie_consents').column('at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'cookie_consents',
    'cookie_tags',
    'cookie_banner_versions',
    'cookie_banner_settings',
    'consent_feed_head',
    'consent_changes',
    'consent_restrictions',
    'consent_state',
    'consent_events',
    'consent_receipts',
    'consent_subjects',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
