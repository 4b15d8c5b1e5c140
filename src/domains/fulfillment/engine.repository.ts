// Queries of the fulfilment engine's tables: stored connections, runs and their steps, manual tasks and
// restrictions. Executor first, so a transaction shows in every signature.
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type {
  FulfillmentConnectionsTable,
  FulfillmentRestrictionsTable,
  FulfillmentRunStepsTable,
  FulfillmentRunsTable,
  FulfillmentTasksTable,
} from '../../db/schema-fulfillment.ts';

type Exec = Kysely<Database>;

export type ConnectionRow = Selectable<FulfillmentConnectionsTable>;
export type RunRow = Selectable<FulfillmentRunsTable>;
export type StepRow = Selectable<FulfillmentRunStepsTable>;
export type TaskRow = Selectable<FulfillmentTasksTable>;
export type RestrictionRow = Selectable<FulfillmentRestrictionsTable>;

export async function findConnection(db: Exec, name: string): Promise<ConnectionRow | undefined> {
  return db.selectFrom('fulfillment_connections').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function lockConnection(trx: Exec, name: string): Promise<ConnectionRow | undefined> {
  return trx.selectFrom('fulfillment_connections').selectAll().where('name', '=', name).forUpdate().executeTakeFirst();
}

export async function listConnections(db: Exec): Promise<ConnectionRow[]> {
  return db.selectFrom('fulfillment_connections').selectAll().orderBy('name').execute();
}

export async function insertConnection(trx: Exec, row: Insertable<FulfillmentConnectionsTable>): Promise<void> {
  await trx.insertInto('fulfillment_connections').values(row).execute();
}

export async function updateConnection(
  trx: Exec,
  name: string,
  patch: Pick<FulfillmentConnectionsTable, 'kind' | 'secret_env' | 'secret_blob_id'> & { options: string; updated_at: Date },
): Promise<void> {
  await trx.updateTable('fulfillment_connections').set(patch).where('name', '=', name).execute();
}

export async function deleteConnection(trx: Exec, name: string): Promise<boolean> {
  const res = await trx.deleteFrom('fulfillment_connections').where('name', '=', name).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function recordConnectionTest(db: Exec, name: string, at: Date, result: Record<string, unknown>): Promise<void> {
  await db.updateTable('fulfillment_connections').set({ last_tested_at: at, last_test: JSON.stringify(result) }).where('name', '=', name).execute();
}

export async function insertRun(trx: Exec, row: Insertable<FulfillmentRunsTable>): Promise<void> {
  await trx.insertInto('fulfillment_runs').values(row).execute();
}

export async function findRun(db: Exec, id: string): Promise<RunRow | undefined> {
  return db.selectFrom('fulfillment_runs').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function lockRun(trx: Exec, id: string): Promise<RunRow | undefined> {
  return trx.selectFrom('fulfillment_runs').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function listRunsOfRequest(db: Exec, requestId: string): Promise<RunRow[]> {
  return db.selectFrom('fulfillment_runs').selectAll().where('request_id', '=', requestId).orderBy('created_at').execute();
}

export async function updateRun(
  trx: Exec,
  id: string,
  patch: Partial<Pick<Selectable<FulfillmentRunsTable>, 'status' | 'started_at' | 'finished_at'>> & { summary?: string },
): Promise<void> {
  await trx.updateTable('fulfillment_runs').set(patch).where('id', '=', id).execute();
}

export async function insertSteps(trx: Exec, rows: ReadonlyArray<Insertable<FulfillmentRunStepsTable>>): Promise<void> {
  if (rows.length === 0) return;
  await trx.insertInto('fulfillment_run_steps').values([...rows]).execute();
}

export async function listSteps(db: Exec, runId: string): Promise<StepRow[]> {
  return db.selectFrom('fulfillment_run_steps').selectAll().where('run_id', '=', runId).orderBy('node').execute();
}

export async function findStep(db: Exec, runId: string, node: string): Promise<StepRow | undefined> {
  return db.selectFrom('fulfillment_run_steps').selectAll().where('run_id', '=', runId).where('node', '=', node).executeTakeFirst();
}

export async function setStep(
  trx: Exec,
  runId: string,
  node: string,
  patch: Pick<Selectable<FulfillmentRunStepsTable>, 'status' | 'updated_at'> & Partial<Pick<Selectable<FulfillmentRunStepsTable>, 'changed' | 'error_code' | 'error_message'>>,
): Promise<void> {
  await trx.updateTable('fulfillment_run_steps').set(patch).where('run_id', '=', runId).where('node', '=', node).execute();
}

export async function insertTask(trx: Exec, row: Insertable<FulfillmentTasksTable>): Promise<void> {
  await trx.insertInto('fulfillment_tasks').values(row).execute();
}

export async function findTask(db: Exec, id: string): Promise<TaskRow | undefined> {
  return db.selectFrom('fulfillment_tasks').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function lockTask(trx: Exec, id: string): Promise<TaskRow | undefined> {
  return trx.selectFrom('fulfillment_tasks').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function listTasks(db: Exec, filter: { runId?: string; requestId?: string; status?: 'open' | 'done' }): Promise<TaskRow[]> {
  let q = db.selectFrom('fulfillment_tasks').selectAll();
  if (filter.runId !== undefined) q = q.where('run_id', '=', filter.runId);
  if (filter.requestId !== undefined) q = q.where('request_id', '=', filter.requestId);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  return q.orderBy('due_at').orderBy('id').execute();
}

export async function completeTask(trx: Exec, id: string, patch: { result_blob_id: string; completed_at: Date; completed_by: string | null }): Promise<void> {
  await trx.updateTable('fulfillment_tasks').set({ ...patch, status: 'done' }).where('id', '=', id).execute();
}

export async function insertRestriction(trx: Exec, row: Insertable<FulfillmentRestrictionsTable>): Promise<void> {
  await trx.insertInto('fulfillment_restrictions').values(row).execute();
}

export async function activeRestrictions(db: Exec, subjectRef: string): Promise<RestrictionRow[]> {
  return db.selectFrom('fulfillment_restrictions').selectAll().where('subject_ref', '=', subjectRef).where('lifted_at', 'is', null).orderBy('applied_at').execute();
}
