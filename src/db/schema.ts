// Table types for Kysely. Each table has one interface; columns with database defaults are
// `Generated`. Rows use snake_case; repositories map them to camelCase domain objects.
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T extends object | null> = JSONColumnType<T, string, string>;

export interface SystemStateTable {
  key: string;
  value: Json<object>;
  updated_at: Timestamp;
}

export interface OrganizationTable {
  id: string;
  name_ja: string;
  name_en: string;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'dead';

export interface JobsTable {
  id: string;
  type: string;
  payload: Json<object>;
  status: JobStatus;
  priority: Generated<number>;
  run_at: Timestamp;
  attempts: Generated<number>;
  max_attempts: number;
  lease_token: string | null;
  lease_until: Timestamp | null;
  locked_by: string | null;
  last_error: string | null;
  idempotency_key: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
}

export interface AuditLogTable {
  seq: ColumnType<number, number, never>;
  id: string;
  at: Timestamp;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  request_id: string | null;
  subject_ref: string | null;
  details: Json<Record<string, unknown>>;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface DataKeysTable {
  id: string;
  purpose: string;
  master_key_id: string;
  wrapped_key: Buffer | null;
  created_at: CreatedAt;
  destroyed_at: Timestamp | null;
}

export interface EncryptedBlobsTable {
  id: string;
  data_key_id: string;
  kind: string;
  content_type: string;
  byte_size: number;
  iv: Buffer | null;
  auth_tag: Buffer | null;
  ciphertext: Buffer | null;
  created_at: CreatedAt;
  disposed_at: Timestamp | null;
}

export type OutboxStatus = 'pending' | 'sent' | 'held' | 'failed';

export interface OutboxTable {
  id: string;
  template: string;
  language: 'ja' | 'en';
  /** Encrypted blob holding recipient, subject and bodies. */
  blob_id: string;
  status: OutboxStatus;
  attempts: Generated<number>;
  last_error: string | null;
  related_type: string | null;
  related_id: string | null;
  provider_message_id: string | null;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
}

export interface StaffTable {
  id: string;
  email: string;
  display_name: string;
  role: string;
  password_hash: string | null;
  totp_secret_blob_id: string | null;
  totp_enabled: Generated<boolean>;
  totp_last_step: number | null;
  status: 'active' | 'disabled';
  last_signin_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface StaffTokensTable {
  id: string;
  staff_id: string;
  token_hash: string;
  purpose: 'password_setup' | 'password_reset';
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: CreatedAt;
}

export type SessionStage = 'mfa_pending' | 'mfa_enroll' | 'active';

export interface StaffSessionsTable {
  id: string;
  token_hash: string;
  csrf_token: string;
  staff_id: string;
  stage: SessionStage;
  created_at: CreatedAt;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface SigninThrottleTable {
  key: string;
  failures: number;
  window_start: Timestamp;
  blocked_until: Timestamp | null;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  prefix: string;
  key_hash: string;
  scopes: Json<string[]>;
  created_by: string | null;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface Database {
  system_state: SystemStateTable;
  organization: OrganizationTable;
  jobs: JobsTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  data_keys: DataKeysTable;
  encrypted_blobs: EncryptedBlobsTable;
  outbox: OutboxTable;
  staff: StaffTable;
  staff_tokens: StaffTokensTable;
  staff_sessions: StaffSessionsTable;
  signin_throttle: SigninThrottleTable;
  api_keys: ApiKeysTable;
}
