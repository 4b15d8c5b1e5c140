// The request desk: data-subject requests with their state, deadlines and fee; the submitted
// documents (encrypted blobs); the timeline; payments; what was found; decisions; delivery
// links; and counters for the public rate limits. Everything personal sits in vault blobs so
// retention can dispose of it by destroying data keys while the request's record stays.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reference', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull().check(sql`language in ('ja','en')`))
    .addColumn('requester_kind', 'text', (c) =>
      c.notNull().check(sql`requester_kind in ('principal','statutory_agent','appointed_agent')`),
    )
    .addColumn('delivery_method', 'text', (c) => c.notNull().check(sql`delivery_method in ('electronic','paper')`))
    // Names, addresses, dates of birth, email, phone, what the request concerns: one blob.
    .addColumn('subject_blob_id', 'text')
    .addColumn('email_lookup', 'text')
    .addColumn('name_lookup', 'text')
    .addColumn('tracking_token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('verification_code_hash', 'text')
    .addColumn('verification_expires_at', 'timestamptz')
    .addColumn('verification_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('verification_sends', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('email_verified_at', 'timestamptz')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('escalation_at', 'timestamptz', (c) => c.notNull())
    .addColumn('paused_at', 'timestamptz')
    .addColumn('paused_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('reply_due_at', 'timestamptz')
    .addColumn('assignee_id', 'text', (c) => c.references('staff.id'))
    .addColumn('fee_yen', 'integer')
    .addColumn('fee_extra_yen', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('fee_status', 'text', (c) =>
      c.notNull().defaultTo('not_set').check(sql`fee_status in ('not_set','not_applicable','pending','paid','waived')`),
    )
    .addColumn('identity_verified_at', 'timestamptz')
    .addColumn('identity_verified_by', 'text')
    .addColumn('closed_reason', 'text')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('retention_until', 'timestamptz')
    .addColumn('disposed_at', 'timestamptz')
    .addColumn('reminded_target_at', 'timestamptz')
    .addColumn('reminded_escalation_at', 'timestamptz')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('requests_status_due').on('requests').columns(['status', 'due_at']).execute();
  await db.schema.createIndex('requests_assignee').on('requests').columns(['assignee_id', 'status']).execute();
  await db.schema.createIndex('requests_email_lookup').on('requests').column('email_lookup').execute();
  await db.schema.createIndex('requests_name_lookup').on('requests').column('name_lookup').execute();
  await db.schema.createIndex('requests_received').on('requests').column('received_at').execute();
  await db.schema.createIndex('requests_retention').on('requests').column('retention_until').where(sql.ref('disposed_at'), 'is', null).execute();

  await db.schema
    .createTable('request_documents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull().references('requests.id'))
    .addColumn('role', 'text', (c) =>
      c.notNull().check(sql`role in ('principal_identity','agent_identity','agent_authority','other')`),
    )
    .addColumn('document_type', 'text', (c) => c.notNull())
    .addColumn('blob_id', 'text')
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('byte_size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('received').check(sql`status in ('received','destroyed','disposed')`))
    .addColumn('uploaded_by', 'text', (c) => c.notNull().check(sql`uploaded_by in ('requester','staff')`))
    .addColumn('uploaded_at', 'timestamptz', (c) => c.notNull())
    .addColumn('destroyed_reason', 'text')
    .addColumn('destroyed_at', 'timestamptz')
    .addColumn('disposed_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('request_documents_request').on('request_documents').column('request_id').execute();

  await db.schema
    .createTable('request_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull().references('requests.id'))
    .addColumn('seq', 'bigserial', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text')
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    // Codes, counts and ids only; free text (notes, messages) goes to text_blob_id.
    .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('text_blob_id', 'text')
    .addColumn('visible_to_requester', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('request_events_request').on('request_events').columns(['request_id', 'seq']).execute();

  await db.schema
    .createTable('request_payments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull().references('requests.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('payment','waiver')`))
    .addColumn('amount_yen', 'integer', (c) => c.notNull())
    .addColumn('paid_on', 'date')
    .addColumn('payer_blob_id', 'text')
    .addColumn('reference', 'text')
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('request_payments_request').on('request_payments').column('request_id').execute();

  await db.schema
    .createTable('request_findings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull().references('requests.id'))
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('manual','engine')`))
    .addColumn('system_name', 'text', (c) => c.notNull())
    .addColumn('collection', 'text', (c) => c.notNull())
    .addColumn('label', 'text')
    .addColumn('records_blob_id', 'text')
    .addColumn('row_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('file_blob_id', 'text')
    .addColumn('file_name', 'text')
    .addColumn('content_type', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('removed_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('request_findings_request').on('request_findings').column('request_id').execute();

  await db.schema
    .createTable('request_decisions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull().references('requests.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    // [{ part, reason, explanation }]: the record that stays after retention (no personal data).
    .addColumn('withheld', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('reason', 'text')
    .addColumn('explanation', 'text')
    // What was changed or done, which may name the person's data: disposed with the documents.
    .addColumn('details_blob_id', 'text')
    .addColumn('letter_blob_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft','approved','superseded')`))
    .addColumn('drafted_by', 'text', (c) => c.notNull())
    .addColumn('drafted_at', 'timestamptz', (c) => c.notNull())
    .addColumn('approved_by', 'text')
    .addColumn('approved_at', 'timestamptz')
    .addUniqueConstraint('request_decisions_version', ['request_id', 'version'])
    .execute();

  await db.schema
    .createTable('request_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull().references('requests.id'))
    .addColumn('decision_id', 'text', (c) => c.references('request_decisions.id'))
    .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('electronic','paper')`))
    .addColumn('token_hash', 'text', (c) => c.unique())
    .addColumn('package_blob_id', 'text')
    .addColumn('letter_blob_id', 'text')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('max_downloads', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('downloads', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_downloaded_at', 'timestamptz')
    .addColumn('expiry_warned_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('request_deliveries_request').on('request_deliveries').column('request_id').execute();

  await db.schema
    .createTable('throttle_counters')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('window_start', 'timestamptz', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('throttle_counters_pk', ['key', 'window_start'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'throttle_counters',
    'request_deliveries',
    'request_decisions',
    'request_findings',
    'request_payments',
    'request_events',
    'request_documents',
    'requests',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
