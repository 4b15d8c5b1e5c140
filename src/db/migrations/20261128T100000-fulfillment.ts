// The fulfilment engine: stored connections to company systems (the secret is either the name
// of an environment variable or an encrypted vault blob, never plain text here), runs with their
// progress per collection (so an erasure killed mid-way resumes without doing anything twice),
// manual tasks for systems people search by hand, and the restrictions (suspension of use,
// stopping provision) applications can look up.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('fulfillment_connections')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('postgresql','mysql','redis','http','manual')`))
    .addColumn('secret_env', 'text')
    .addColumn('secret_blob_id', 'text')
    .addColumn('options', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_tested_at', 'timestamptz')
    .addColumn('last_test', 'jsonb')
    .addCheckConstraint('fulfillment_connections_one_secret', sql`(kind = 'manual') or ((secret_env is null) <> (secret_blob_id is null))`)
    .execute();

  await db.schema
    .createTable('fulfillment_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.references('requests.id'))
    .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('access','erasure','correction','suspend_use','stop_provision')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('planned','running','completed','partial','failed')`))
    .addColumn('dry_run', 'boolean', (c) => c.notNull().defaultTo(false))
    // What the run will write (keys and new values): personal, so encrypted.
    .addColumn('plan_blob_id', 'text')
    // Counts per collection and error codes only.
    .addColumn('summary', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('fulfillment_runs_request').on('fulfillment_runs').columns(['request_id', 'created_at']).execute();
  await db.schema.createIndex('fulfillment_runs_open').on('fulfillment_runs').column('status').where(sql.ref('status'), '=', 'running').execute();

  await db.schema
    .createTable('fulfillment_run_steps')
    .addColumn('run_id', 'text', (c) => c.notNull().references('fulfillment_runs.id'))
    .addColumn('node', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending','done','failed')`))
    .addColumn('planned', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('changed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('fulfillment_run_steps_pk', ['run_id', 'node'])
    .execute();

  await db.schema
    .createTable('fulfillment_tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.references('fulfillment_runs.id'))
    .addColumn('request_id', 'text', (c) => c.references('requests.id'))
    .addColumn('system', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open','done')`))
    .addColumn('owner', 'text')
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    // The checklist names the values to search for: encrypted.
    .addColumn('checklist_blob_id', 'text', (c) => c.notNull())
    .addColumn('result_blob_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('completed_at', 'timestamptz')
    .addColumn('completed_by', 'text')
    .execute();
  await db.schema.createIndex('fulfillment_tasks_open').on('fulfillment_tasks').columns(['owner', 'status', 'due_at']).execute();

  await db.schema
    .createTable('fulfillment_restrictions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.references('requests.id'))
    .addColumn('run_id', 'text', (c) => c.references('fulfillment_runs.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('suspend_use','stop_provision')`))
    // A keyed hash of the person's identity, as in the audit log: looked up, never read back.
    .addColumn('subject_ref', 'text')
    // Collections (system:dataset.collection) and row counts it was applied to.
    .addColumn('scope', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('applied_at', 'timestamptz', (c) => c.notNull())
    .addColumn('lifted_at', 'timestamptz')
    .addColumn('created_by', 'text')
    .execute();
  await db.schema.createIndex('fulfillment_restrictions_subject').on('fulfillment_restrictions').columns(['subject_ref', 'kind']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['fulfillment_restrictions', 'fulfillment_tasks', 'fulfillment_run_steps', 'fulfillment_runs', 'fulfillment_connections']) {
    await db.schema.dropTable(t).execute();
  }
}
