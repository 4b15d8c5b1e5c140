// The personal-data ledger and data map: systems, their datasets, collections, (nested)
// fields, references between fields and legal holds on collections. Importing a system
// replaces its datasets in one transaction, so children cascade from the system row.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('inventory_systems')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text')
    .addColumn('description', 'text')
    .addColumn('kind', 'text')
    .addColumn('connection_name', 'text')
    .addColumn('owner_staff_id', 'text')
    .addColumn('location_country', 'text', (c) => c.check(sql`location_country ~ '^[A-Z]{2}$'`))
    .addColumn('location_region', 'text')
    .addColumn('location_note', 'text')
    .addColumn('storage_method', 'text')
    .addColumn('vendors', 'jsonb', (c) => c.notNull())
    .addColumn('security_measures', 'jsonb', (c) => c.notNull())
    .addColumn('reviewer_staff_id', 'text')
    .addColumn('last_reviewed_on', 'text', (c) => c.check(sql`last_reviewed_on ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'`))
    .addColumn('review_interval_months', 'integer', (c) => c.check(sql`review_interval_months between 1 and 60`))
    .addColumn('review_reminded_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index inventory_systems_owner on inventory_systems (owner_staff_id)`.execute(db);

  await db.schema
    .createTable('inventory_datasets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('system_id', 'text', (c) => c.notNull().references('inventory_systems.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('description', 'text')
    .addColumn('data_categories', 'jsonb')
    .addColumn('fides_extra', 'jsonb')
    .addColumn('fides_meta_extra', 'jsonb')
    .addUniqueConstraint('inventory_datasets_name', ['system_id', 'name'])
    .execute();

  await db.schema
    .createTable('inventory_collections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('dataset_id', 'text', (c) => c.notNull().references('inventory_datasets.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('data_categories', 'jsonb')
    .addColumn('access', 'jsonb', (c) => c.notNull())
    .addColumn('acquisition', 'text')
    .addColumn('third_party_provision', 'text')
    .addColumn('record_count', 'bigint')
    .addColumn('use_period', 'text')
    .addColumn('erase', 'jsonb')
    .addColumn('after', 'jsonb')
    .addColumn('erase_after', 'jsonb')
    .addColumn('skip_processing', 'boolean')
    .addColumn('fides_extra', 'jsonb')
    .addColumn('fides_meta_extra', 'jsonb')
    .addUniqueConstraint('inventory_collections_name', ['dataset_id', 'name'])
    .execute();

  await db.schema
    .createTable('inventory_fields')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('collection_id', 'text', (c) => c.notNull().references('inventory_collections.id').onDelete('cascade'))
    .addColumn('parent_id', 'text', (c) => c.references('inventory_fields.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('data_categories', 'jsonb')
    .addColumn('purposes', 'jsonb', (c) => c.notNull())
    .addColumn('retention_period', 'text')
    .addColumn('retention_from', 'text')
    .addColumn('retention_basis', 'text')
    .addColumn('special_care', 'boolean')
    .addColumn('financial', 'boolean')
    // What the field is once its categories are counted: kept for queries by the erasure
    // engine and the incident rules, recomputed at every import.
    .addColumn('is_special_care', 'boolean', (c) => c.notNull())
    .addColumn('is_financial', 'boolean', (c) => c.notNull())
    .addColumn('identity_type', 'text')
    .addColumn('primary_key', 'boolean')
    .addColumn('erase', 'jsonb')
    .addColumn('data_type', 'text')
    .addColumn('length', 'integer')
    .addColumn('read_only', 'boolean')
    .addColumn('return_all_elements', 'boolean')
    .addColumn('custom_request_field', 'text')
    .addColumn('fides_extra', 'jsonb')
    .addColumn('fides_meta_extra', 'jsonb')
    .addUniqueConstraint('inventory_fields_path', ['collection_id', 'path'])
    .execute();
  await sql`create index inventory_fields_identity on inventory_fields (identity_type) where identity_type is not null`.execute(db);

  await db.schema
    .createTable('inventory_field_references')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('field_id', 'text', (c) => c.notNull().references('inventory_fields.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('target_system', 'text')
    .addColumn('target_dataset', 'text', (c) => c.notNull())
    .addColumn('target_field', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.check(sql`direction in ('from','to')`))
    .execute();
  await sql`create index inventory_field_references_field on inventory_field_references (field_id)`.execute(db);

  await db.schema
    .createTable('inventory_legal_holds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('collection_id', 'text', (c) => c.notNull().references('inventory_collections.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('basis', 'text')
    .addColumn('period', 'text')
    .addColumn('from_event', 'text')
    .execute();
  await sql`create index inventory_legal_holds_collection on inventory_legal_holds (collection_id)`.execute(db);
  // Cascading deletes look children up by these columns; without an index each deleted field
  // would scan the table.
  await sql`create index inventory_fields_parent on inventory_fields (parent_id) where parent_id is not null`.execute(db);
}
