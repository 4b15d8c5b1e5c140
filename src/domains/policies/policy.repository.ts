// SQL for policy documents and their versions.
import type { Kysely, Selectable } from 'kysely';
import type { Database, PolicyDocumentsTable, PolicyVersionsTable } from '../../db/schema.ts';

type Exec = Kysely<Database>;

export type PolicyDocumentRow = Selectable<PolicyDocumentsTable>;
export type PolicyVersionRow = Selectable<PolicyVersionsTable>;

export async function listDocuments(db: Exec): Promise<PolicyDocumentRow[]> {
  return db.selectFrom('policy_documents').selectAll().orderBy('kind').execute();
}

export async function findDocument(db: Exec, kind: string): Promise<PolicyDocumentRow | undefined> {
  return db.selectFrom('policy_documents').selectAll().where('kind', '=', kind).executeTakeFirst();
}

/** Locks the document so versions are numbered and published one at a time. */
export async function lockDocument(db: Exec, kind: string): Promise<PolicyDocumentRow | undefined> {
  return db.selectFrom('policy_documents').selectAll().where('kind', '=', kind).forUpdate().executeTakeFirst();
}

export async function insertDocument(db: Exec, row: { kind: string; historyBefore: string[]; now: Date }): Promise<void> {
  await db
    .insertInto('policy_documents')
    .values({ kind: row.kind, history_before: JSON.stringify(row.historyBefore), created_at: row.now, updated_at: row.now })
    .onConflict((oc) => oc.column('kind').doNothing())
    .execute();
}

export async function updateDocumentHistory(db: Exec, kind: string, historyBefore: string[], now: Date): Promise<void> {
  await db.updateTable('policy_documents').set({ history_before: JSON.stringify(historyBefore), updated_at: now }).where('kind', '=', kind).execute();
}

/** Every version of one document without its content, newest first. */
export async function listVersionSummaries(db: Exec, kind: string) {
  return db
    .selectFrom('policy_versions')
    .select(['id', 'kind', 'number', 'status', 'effective_date', 'summary_ja', 'summary_en', 'created_at', 'created_by', 'updated_at', 'published_at', 'published_by'])
    .where('kind', '=', kind)
    .orderBy('number', 'desc')
    .limit(500)
    .execute();
}

export async function findVersion(db: Exec, kind: string, number: number): Promise<PolicyVersionRow | undefined> {
  return db.selectFrom('policy_versions').selectAll().where('kind', '=', kind).where('number', '=', number).executeTakeFirst();
}

/** Effective dates of the published versions of one document, oldest first. */
export async function listPublishedDates(db: Exec, kind: string): Promise<{ number: number; effective_date: string }[]> {
  const rows = await db
    .selectFrom('policy_versions')
    .select(['number', 'effective_date'])
    .where('kind', '=', kind)
    .where('status', '=', 'published')
    .orderBy('effective_date')
    .execute();
  return rows.flatMap((r) => (r.effective_date === null ? [] : [{ number: r.number, effective_date: r.effective_date }]));
}

/** The published version in force on `date` (the latest effective on or before it). */
export async function findInForce(db: Exec, kind: string, date: string): Promise<PolicyVersionRow | undefined> {
  return db
    .selectFrom('policy_versions')
    .selectAll()
    .where('kind', '=', kind)
    .where('status', '=', 'published')
    .where('effective_date', '<=', date)
    .orderBy('effective_date', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function maxVersionNumber(db: Exec, kind: string): Promise<number> {
  const row = await db
    .selectFrom('policy_versions')
    .select((eb) => eb.fn.max<number | null>('number').as('n'))
    .where('kind', '=', kind)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function findDraft(db: Exec, kind: string): Promise<PolicyVersionRow | undefined> {
  return db.selectFrom('policy_versions').selectAll().where('kind', '=', kind).where('status', '=', 'draft').executeTakeFirst();
}

export async function insertVersion(
  db: Exec,
  row: {
    id: string;
    kind: string;
    number: number;
    status: 'draft' | 'published';
    effectiveDate: string | null;
    summary: { ja: string; en: string };
    content: object;
    generatedSnapshot: object | null;
    actorId: string | null;
    now: Date;
  },
): Promise<void> {
  const published = row.status === 'published';
  await db
    .insertInto('policy_versions')
    .values({
      id: row.id,
      kind: row.kind,
      number: row.number,
      status: row.status,
      effective_date: row.effectiveDate,
      summary_ja: row.summary.ja,
      summary_en: row.summary.en,
      content: JSON.stringify(row.content),
      generated_snapshot: row.generatedSnapshot === null ? null : JSON.stringify(row.generatedSnapshot),
      created_by: row.actorId,
      created_at: row.now,
      updated_at: row.now,
      published_by: published ? row.actorId : null,
      published_at: published ? row.now : null,
    })
    .execute();
}

export async function updateDraft(
  db: Exec,
  id: string,
  change: { effectiveDate: string | null; summary: { ja: string; en: string }; content: object; now: Date },
): Promise<void> {
  await db
    .updateTable('policy_versions')
    .set({
      effective_date: change.effectiveDate,
      summary_ja: change.summary.ja,
      summary_en: change.summary.en,
      content: JSON.stringify(change.content),
      updated_at: change.now,
    })
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .execute();
}

export async function markPublished(db: Exec, id: string, change: { actorId: string | null; snapshot: object; now: Date }): Promise<void> {
  await db
    .updateTable('policy_versions')
    .set({ status: 'published', published_by: change.actorId, published_at: change.now, updated_at: change.now, generated_snapshot: JSON.stringify(change.snapshot) })
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .execute();
}

export async function deleteDraft(db: Exec, id: string): Promise<void> {
  await db.deleteFrom('policy_versions').where('id', '=', id).where('status', '=', 'draft').execute();
}
