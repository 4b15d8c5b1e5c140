// Table types of the fulfilment engine and its connections (migration
// 20261128T100000-fulfillment). `Database` extends this interface.
import type { ColumnType, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T extends object | null> = JSONColumnType<T, string, string>;

export type FulfillmentConnectionKind = 'postgresql' | 'mysql' | 'redis' | 'http' | 'manual';

export interface FulfillmentConnectionsTable {
  name: string;
  kind: FulfillmentConnectionKind;
  /** The environment variable holding the connection URL, or null. */
  secret_env: string | null;
  /** The vault blob holding the connection URL, or null. */
  secret_blob_id: string | null;
  options: Json<Record<string, unknown>>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  last_tested_at: Timestamp | null;
  last_test: ColumnType<Record<string, unknown> | null, string | null, string | null>;
}

export type FulfillmentRunAction = 'access' | 'erasure' | 'correction' | 'suspend_use' | 'stop_provision';
export type FulfillmentRunStatus = 'planned' | 'running' | 'completed' | 'partial' | 'failed';

export interface FulfillmentRunsTable {
  id: string;
  request_id: string | null;
  action: FulfillmentRunAction;
  status: FulfillmentRunStatus;
  dry_run: ColumnType<boolean, boolean | undefined, boolean>;
  plan_blob_id: string | null;
  summary: Json<Record<string, unknown>>;
  created_by: string | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export interface FulfillmentRunStepsTable {
  run_id: string;
  node: string;
  status: 'pending' | 'done' | 'failed';
  planned: ColumnType<number, number | undefined, number>;
  changed: ColumnType<number, number | undefined, number>;
  error_code: string | null;
  error_message: string | null;
  updated_at: Timestamp;
}

export interface FulfillmentTasksTable {
  id: string;
  run_id: string | null;
  request_id: string | null;
  system: string;
  action: string;
  status: 'open' | 'done';
  owner: string | null;
  due_at: Timestamp;
  checklist_blob_id: string;
  result_blob_id: string | null;
  created_at: Timestamp;
  completed_at: Timestamp | null;
  completed_by: string | null;
}

export interface FulfillmentRestrictionsTable {
  id: string;
  request_id: string | null;
  run_id: string | null;
  kind: 'suspend_use' | 'stop_provision';
  subject_ref: string | null;
  scope: Json<Array<{ node: string; rows: number }>>;
  applied_at: Timestamp;
  lifted_at: Timestamp | null;
  created_by: string | null;
}

export interface FulfillmentTables {
  fulfillment_connections: FulfillmentConnectionsTable;
  fulfillment_runs: FulfillmentRunsTable;
  fulfillment_run_steps: FulfillmentRunStepsTable;
  fulfillment_tasks: FulfillmentTasksTable;
  fulfillment_restrictions: FulfillmentRestrictionsTable;
}
