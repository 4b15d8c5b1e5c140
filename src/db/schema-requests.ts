// Table types of the request desk (migration 20261128T090000-requests). Kept apart from
// schema.ts so each domain's tables read as one unit; `Database` extends this interface.
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T extends object | null> = JSONColumnType<T, string, string>;

export interface RequestsTable {
  id: string;
  reference: string;
  type: string;
  status: string;
  language: 'ja' | 'en';
  requester_kind: 'principal' | 'statutory_agent' | 'appointed_agent';
  delivery_method: 'electronic' | 'paper';
  subject_blob_id: string | null;
  email_lookup: string | null;
  name_lookup: string | null;
  tracking_token_hash: string;
  verification_code_hash: string | null;
  verification_expires_at: Timestamp | null;
  verification_attempts: Generated<number>;
  verification_sends: Generated<number>;
  email_verified_at: Timestamp | null;
  received_at: Timestamp;
  due_at: Timestamp;
  escalation_at: Timestamp;
  paused_at: Timestamp | null;
  paused_ms: Generated<number>;
  reply_due_at: Timestamp | null;
  assignee_id: string | null;
  fee_yen: number | null;
  fee_extra_yen: Generated<number>;
  fee_status: Generated<'not_set' | 'not_applicable' | 'pending' | 'paid' | 'waived'>;
  identity_verified_at: Timestamp | null;
  identity_verified_by: string | null;
  closed_reason: string | null;
  completed_at: Timestamp | null;
  retention_until: Timestamp | null;
  disposed_at: Timestamp | null;
  reminded_target_at: Timestamp | null;
  reminded_escalation_at: Timestamp | null;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface RequestDocumentsTable {
  id: string;
  request_id: string;
  role: 'principal_identity' | 'agent_identity' | 'agent_authority' | 'other';
  document_type: string;
  blob_id: string | null;
  content_type: string;
  byte_size: number;
  sha256: string;
  status: Generated<'received' | 'destroyed' | 'disposed'>;
  uploaded_by: 'requester' | 'staff';
  uploaded_at: Timestamp;
  destroyed_reason: string | null;
  destroyed_at: Timestamp | null;
  disposed_at: Timestamp | null;
}

export interface RequestEventsTable {
  id: string;
  request_id: string;
  seq: Generated<number>;
  kind: string;
  from_status: string | null;
  to_status: string | null;
  actor_type: string;
  actor_id: string | null;
  data: ColumnType<Record<string, unknown>, string | undefined, string>;
  text_blob_id: string | null;
  visible_to_requester: Generated<boolean>;
  at: Timestamp;
}

export interface RequestPaymentsTable {
  id: string;
  request_id: string;
  kind: 'payment' | 'waiver';
  amount_yen: number;
  paid_on: ColumnType<Date | null, Date | string | null, Date | string | null>;
  payer_blob_id: string | null;
  reference: string | null;
  recorded_by: string;
  recorded_at: Timestamp;
}

export interface RequestFindingsTable {
  id: string;
  request_id: string;
  source: 'manual' | 'engine';
  system_name: string;
  collection: string;
  label: string | null;
  records_blob_id: string | null;
  row_count: Generated<number>;
  file_blob_id: string | null;
  file_name: string | null;
  content_type: string | null;
  created_by: string | null;
  created_at: Timestamp;
  removed_at: Timestamp | null;
}

export interface WithheldPart {
  part: string;
  reason: string;
  explanation: string;
}

export interface RequestDecisionsTable {
  id: string;
  request_id: string;
  version: number;
  outcome: string;
  withheld: Json<WithheldPart[]>;
  reason: string | null;
  explanation: string | null;
  details_blob_id: string | null;
  letter_blob_id: string | null;
  status: 'draft' | 'approved' | 'superseded';
  drafted_by: string;
  drafted_at: Timestamp;
  approved_by: string | null;
  approved_at: Timestamp | null;
}

export interface RequestDeliveriesTable {
  id: string;
  request_id: string;
  decision_id: string | null;
  method: 'electronic' | 'paper';
  token_hash: string | null;
  package_blob_id: string | null;
  letter_blob_id: string | null;
  expires_at: Timestamp | null;
  max_downloads: Generated<number>;
  downloads: Generated<number>;
  created_at: Timestamp;
  last_downloaded_at: Timestamp | null;
  expiry_warned_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface ThrottleCountersTable {
  key: string;
  window_start: Timestamp;
  count: number;
}

export interface RequestTables {
  requests: RequestsTable;
  request_documents: RequestDocumentsTable;
  request_events: RequestEventsTable;
  request_payments: RequestPaymentsTable;
  request_findings: RequestFindingsTable;
  request_decisions: RequestDecisionsTable;
  request_deliveries: RequestDeliveriesTable;
  throttle_counters: ThrottleCountersTable;
}
