// SQL for the audit log. The chain head lives in a one-row table that an append locks
// (`for update`), so appends from any number of processes queue on that row and form one chain.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

type Exec = Kysely<Database>;

export async function lockHead(db: Exec): Promise<{ seq: number; hash: string }> {
  return db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).forUpdate().executeTakeFirstOrThrow();
}

export async function setHead(db: Exec, seq: number, hash: string): Promise<void> {
  await db.updateTable('audit_head').set({ seq, hash }).where('id', '=', 1).execute();
}

export interface AuditRow {
  seq: number;
  id: string;
  at: Date;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  request_id: string | null;
  subject_ref: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export async function insertEntries(db: Exec, rows: AuditRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('audit_log')
    .values(rows.map((r) => ({ ...r, details: JSON.stringify(r.details) })))
    .execute();
}
