// Queries the engine needs about one request of the desk: which collections already have an
// engine finding (so a retried search writes each once), the erasure run prepared for approval,
// the timeline entries that record what the engine did, and manual tasks by owner. Metadata
// only: names of systems and collections, ids, statuses.
import type { Db } from '../../db/database.ts';
import type { RunRow, TaskRow } from './engine.repository.ts';

/** `system_name` and `collection` of the request's engine findings still in the answer. */
export async function listEngineFindingTargets(db: Db, requestId: string): Promise<Array<{ system_name: string; collection: string }>> {
  return db
    .selectFrom('request_findings')
    .select(['system_name', 'collection'])
    .where('request_id', '=', requestId)
    .where('source', '=', 'engine')
    .where('removed_at', 'is', null)
    .execute();
}

/** The newest erasure run of the request that can be executed (not a dry run). */
export async function findPreparedErasureRun(db: Db, requestId: string): Promise<RunRow | undefined> {
  return db
    .selectFrom('fulfillment_runs')
    .selectAll()
    .where('request_id', '=', requestId)
    .where('action', '=', 'erasure')
    .where('dry_run', '=', false)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The `data` of the request's timeline events of one kind, oldest first. */
export async function listEventData(db: Db, requestId: string, kind: string): Promise<Array<Record<string, unknown>>> {
  const rows = await db.selectFrom('request_events').select('data').where('request_id', '=', requestId).where('kind', '=', kind).orderBy('seq').execute();
  return rows.map((r) => r.data);
}

export interface TaskFilter {
  /** Only the tasks of systems this staff member owns. */
  owner?: string;
  requestId?: string;
  status?: 'open' | 'done';
  limit: number;
}

/** Manual tasks, open ones first by due date. */
export async function listTasksFor(db: Db, filter: TaskFilter): Promise<TaskRow[]> {
  let q = db.selectFrom('fulfillment_tasks').selectAll();
  if (filter.owner !== undefined) q = q.where('owner', '=', filter.owner);
  if (filter.requestId !== undefined) q = q.where('request_id', '=', filter.requestId);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  return q.orderBy('status', 'desc').orderBy('due_at').orderBy('id').limit(filter.limit).execute();
}
