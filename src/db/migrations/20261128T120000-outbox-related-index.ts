// Retention finds a request's emails by their related request; without an index that is a
// scan of the whole outbox for each request due.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('outbox_related').on('outbox').columns(['related_type', 'related_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('outbox_related').execute();
}
