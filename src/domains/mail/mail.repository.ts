// SQL for the outbox: one row per email, its content kept encrypted in a vault blob.
import type { Kysely, Selectable } from 'kysely';
import type { Database, OutboxTable } from '../../db/schema.ts';

type Exec = Kysely<Database>;

export type OutboxRow = Selectable<OutboxTable>;

export async function insertOutbox(
  db: Exec,
  row: {
    id: string;
    template: string;
    language: 'ja' | 'en';
    blobId: string;
    relatedType: string | null;
    relatedId: string | null;
    now: Date;
  },
): Promise<void> {
  await db
    .insertInto('outbox')
    .values({
      id: row.id,
      template: row.template,
      language: row.language,
      blob_id: row.blobId,
      status: 'pending',
      related_type: row.relatedType,
      related_id: row.relatedId,
      created_at: row.now,
    })
    .execute();
}

export async function findOutbox(db: Exec, id: string): Promise<OutboxRow | undefined> {
  return db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Newest first; `before` is the (created_at, id) of the last row of the previous page. */
export async function listOutbox(
  db: Exec,
  options: { limit: number; before: { createdAt: Date; id: string } | null },
): Promise<OutboxRow[]> {
  let query = db.selectFrom('outbox').selectAll();
  const before = options.before;
  if (before) {
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', before.createdAt),
        eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)]),
      ]),
    );
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
}

/** Marks a pending message sent; returns false when it was no longer pending. */
export async function markOutboxSent(
  db: Exec,
  id: string,
  args: { providerMessageId: string | null; at: Date },
): Promise<boolean> {
  const res = await db
    .updateTable('outbox')
    .set((eb) => ({
      status: 'sent',
      provider_message_id: args.providerMessageId,
      sent_at: args.at,
      last_error: null,
      attempts: eb('attempts', '+', 1),
    }))
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function markOutboxHeld(db: Exec, id: string): Promise<boolean> {
  const res = await db
    .updateTable('outbox')
    .set({ status: 'held' })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function markOutboxFailed(db: Exec, id: string, lastError: string): Promise<boolean> {
  const res = await db
    .updateTable('outbox')
    .set((eb) => ({ status: 'failed', last_error: lastError, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** A failed attempt that will be retried: the message stays pending. */
export async function recordOutboxAttemptFailed(db: Exec, id: string, lastError: string): Promise<void> {
  await db
    .updateTable('outbox')
    .set((eb) => ({ last_error: lastError, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}
