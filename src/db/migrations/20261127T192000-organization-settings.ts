// The organisation profile, request settings and security statement (each a zod-validated
// JSON document with its own version number), and every saved version of them, so what was
// in force on any day can be shown.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('organization')
    .addColumn('profile', 'jsonb')
    .addColumn('profile_version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('settings', 'jsonb')
    .addColumn('settings_version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('security', 'jsonb')
    .addColumn('security_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('organization_revisions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organization.id'))
    .addColumn('section', 'text', (c) => c.notNull().check(sql`section in ('profile','settings','security')`))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('organization_revisions_version', ['organization_id', 'section', 'version'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('organization_revisions').execute();
  await db.schema
    .alterTable('organization')
    .dropColumn('profile')
    .dropColumn('profile_version')
    .dropColumn('settings')
    .dropColumn('settings_version')
    .dropColumn('security')
    .dropColumn('security_version')
    .execute();
}
