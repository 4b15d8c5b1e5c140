// Queries on request_decisions: the versions of a request's decision (drafts, the superseded
// ones, the approved one). Each function takes the executor first so a transaction shows.
import type { Selectable } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { RequestDecisionsTable, WithheldPart } from '../../db/schema-requests.ts';

export type DecisionRow = Selectable<RequestDecisionsTable>;

/** The live decision: the approved one, else the newest draft; null when there is none. */
export async function findCurrentDecision(db: Db, requestId: string): Promise<DecisionRow | null> {
  return (
    (await db
      .selectFrom('request_decisions')
      .selectAll()
      .where('request_id', '=', requestId)
      .where('status', 'in', ['draft', 'approved'])
      .orderBy('version', 'desc')
      .executeTakeFirst()) ?? null
  );
}

export async function listDecisionVersions(db: Db, requestId: string): Promise<DecisionRow[]> {
  return db.selectFrom('request_decisions').selectAll().where('request_id', '=', requestId).orderBy('version', 'desc').execute();
}

export async function latestVersion(db: Db, requestId: string): Promise<number> {
  const row = await db
    .selectFrom('request_decisions')
    .select((eb) => eb.fn.max<number | null>('version').as('version'))
    .where('request_id', '=', requestId)
    .executeTakeFirst();
  return Number(row?.version ?? 0);
}

export async function supersedeDrafts(trx: Db, requestId: string): Promise<number> {
  const result = await trx
    .updateTable('request_decisions')
    .set({ status: 'superseded' })
    .where('request_id', '=', requestId)
    .where('status', '=', 'draft')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface NewDecision {
  id: string;
  requestId: string;
  version: number;
  outcome: string;
  withheld: WithheldPart[];
  reason: string | null;
  explanation: string | null;
  detailsBlobId: string | null;
  draftedBy: string;
  draftedAt: Date;
}

export async function insertDecision(trx: Db, d: NewDecision): Promise<DecisionRow> {
  return trx
    .insertInto('request_decisions')
    .values({
      id: d.id,
      request_id: d.requestId,
      version: d.version,
      outcome: d.outcome,
      withheld: JSON.stringify(d.withheld),
      reason: d.reason,
      explanation: d.explanation,
      details_blob_id: d.detailsBlobId,
      letter_blob_id: null,
      status: 'draft',
      drafted_by: d.draftedBy,
      drafted_at: d.draftedAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Approves a draft; null when it is no longer a draft (approved or superseded meanwhile). */
export async function approveDraft(
  trx: Db,
  id: string,
  input: { approvedBy: string; approvedAt: Date; letterBlobId: string },
): Promise<DecisionRow | null> {
  return (
    (await trx
      .updateTable('request_decisions')
      .set({ status: 'approved', approved_by: input.approvedBy, approved_at: input.approvedAt, letter_blob_id: input.letterBlobId })
      .where('id', '=', id)
      .where('status', '=', 'draft')
      .returningAll()
      .executeTakeFirst()) ?? null
  );
}
