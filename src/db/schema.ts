// Table types for Kysely. Each table has one interface; columns with database defaults are
// `Generated`. Rows use snake_case; repositories map them to camelCase domain objects.
import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { ConsentTables } from './schema-consent.ts';
import type { FulfillmentTables } from './schema-fulfillment.ts';
import type { RequestTables } from './schema-requests.ts';

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
  /** JSON documents validated by the organization domain's zod schemas; null until saved. */
  profile: ColumnType<unknown, string | null | undefined, string | null>;
  profile_version: Generated<number>;
  settings: ColumnType<unknown, string | null | undefined, string | null>;
  settings_version: Generated<number>;
  security: ColumnType<unknown, string | null | undefined, string | null>;
  security_version: Generated<number>;
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

export interface OrganizationRevisionsTable {
  id: string;
  organization_id: string;
  section: 'profile' | 'settings' | 'security';
  version: number;
  data: ColumnType<unknown, string, never>;
  actor_type: string;
  actor_id: string | null;
  created_at: CreatedAt;
}

export interface PurposesTable {
  code: string;
  title_ja: string;
  title_en: string;
  description_ja: string;
  description_en: string;
  data_categories: Json<string[]>;
  basis: 'stated' | 'consent';
  sort_order: number;
  status: 'active' | 'retired';
  version: number;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface PurposeVersionsTable {
  code: string;
  version: number;
  change: 'created' | 'updated' | 'retired';
  snapshot: ColumnType<unknown, string, never>;
  actor_type: string;
  actor_id: string | null;
  created_at: CreatedAt;
}

export interface PolicyDocumentsTable {
  kind: string;
  /** Effective dates (YYYY-MM-DD) of revisions made before the document came into Madoguchi. */
  history_before: Json<string[]>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface PolicyVersionsTable {
  id: string;
  kind: string;
  number: number;
  status: 'draft' | 'published';
  /** A calendar date in Japan, YYYY-MM-DD. */
  effective_date: string | null;
  summary_ja: string;
  summary_en: string;
  content: ColumnType<unknown, string, string>;
  generated_snapshot: ColumnType<unknown, string | null | undefined, string | null>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  published_by: string | null;
  published_at: Timestamp | null;
}

// Inventory (data map): see src/db/migrations/20261127T191000-inventory.ts.
type JsonOrNull<T extends object> = ColumnType<T | null, string | null, string | null>;

export interface InventorySystemsTable {
  id: string;
  name: string;
  title: string | null;
  description: string | null;
  kind: string | null;
  connection_name: string | null;
  owner_staff_id: string | null;
  location_country: string | null;
  location_region: string | null;
  location_note: string | null;
  storage_method: string | null;
  vendors: Json<object[]>;
  security_measures: Json<string[]>;
  reviewer_staff_id: string | null;
  last_reviewed_on: string | null;
  review_interval_months: number | null;
  review_reminded_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface InventoryDatasetsTable {
  id: string;
  system_id: string;
  position: number;
  name: string;
  title: string | null;
  description: string | null;
  data_categories: JsonOrNull<string[]>;
  fides_extra: JsonOrNull<Record<string, unknown>>;
  fides_meta_extra: JsonOrNull<Record<string, unknown>>;
}

export interface InventoryCollectionsTable {
  id: string;
  dataset_id: string;
  position: number;
  name: string;
  description: string | null;
  data_categories: JsonOrNull<string[]>;
  access: Json<string[]>;
  acquisition: string | null;
  third_party_provision: string | null;
  record_count: number | null;
  use_period: string | null;
  erase: JsonOrNull<Record<string, unknown>>;
  after: JsonOrNull<string[]>;
  erase_after: JsonOrNull<string[]>;
  skip_processing: boolean | null;
  fides_extra: JsonOrNull<Record<string, unknown>>;
  fides_meta_extra: JsonOrNull<Record<string, unknown>>;
}

export interface InventoryFieldsTable {
  id: string;
  collection_id: string;
  parent_id: string | null;
  position: number;
  path: string;
  name: string;
  description: string | null;
  data_categories: JsonOrNull<string[]>;
  purposes: Json<string[]>;
  retention_period: string | null;
  retention_from: string | null;
  retention_basis: string | null;
  special_care: boolean | null;
  financial: boolean | null;
  is_special_care: boolean;
  is_financial: boolean;
  identity_type: string | null;
  primary_key: boolean | null;
  erase: JsonOrNull<Record<string, unknown>>;
  data_type: string | null;
  length: number | null;
  read_only: boolean | null;
  return_all_elements: boolean | null;
  custom_request_field: string | null;
  fides_extra: JsonOrNull<Record<string, unknown>>;
  fides_meta_extra: JsonOrNull<Record<string, unknown>>;
}

export interface InventoryFieldReferencesTable {
  id: string;
  field_id: string;
  position: number;
  target_system: string | null;
  target_dataset: string;
  target_field: string;
  direction: 'from' | 'to' | null;
}

export interface InventoryLegalHoldsTable {
  id: string;
  collection_id: string;
  position: number;
  reason: string;
  basis: string | null;
  period: string | null;
  from_event: string | null;
}

export interface Database extends RequestTables, FulfillmentTables, ConsentTables {
  system_state: SystemStateTable;
  organization: OrganizationTable;
  organization_revisions: OrganizationRevisionsTable;
  purposes: PurposesTable;
  purpose_versions: PurposeVersionsTable;
  policy_documents: PolicyDocumentsTable;
  policy_versions: PolicyVersionsTable;
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
  inventory_systems: InventorySystemsTable;
  inventory_datasets: InventoryDatasetsTable;
  inventory_collections: InventoryCollectionsTable;
  inventory_fields: InventoryFieldsTable;
  inventory_field_references: InventoryFieldReferencesTable;
  inventory_legal_holds: InventoryLegalHoldsTable;
}
