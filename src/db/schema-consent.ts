// Table types of consent records, restrictions and the cookie banner (issue 7, migration
// 20261128T110000-consent). `Database` extends this interface. No column holds a raw identity:
// people appear only as keyed hashes (`subject_key`, `visitor_key`, `ip_hash`, `ua_hash`).
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T extends object | null> = JSONColumnType<T, string, string>;
type JsonOrNull<T extends object> = ColumnType<T | null, string | null, string | null>;

export type ConsentAction = 'granted' | 'withdrawn';
export type ConsentSource = 'web' | 'app' | 'paper' | 'import';
export type RestrictionKind = 'suspension' | 'stop_provision';

export interface ConsentSubjectsTable {
  /** Keyed hash of the identity (see consent/subject-key.ts). */
  key: string;
  subject_type: string;
  created_at: Timestamp;
}

/** One row per recording call: the receipt (what was shown, how, when) for its events. */
export interface ConsentReceiptsTable {
  id: string;
  subject_key: string;
  action: ConsentAction;
  source: ConsentSource;
  policy_kind: string | null;
  policy_number: number | null;
  receipt: Json<Record<string, unknown>>;
  /** SHA-256 of the receipt's canonical JSON, also written to the audit entry. */
  receipt_hash: string;
  ip_hash: string | null;
  ua_hash: string | null;
  actor_type: string;
  actor_id: string | null;
  at: Timestamp;
}

/** The append-only history: one row per purpose per recording. */
export interface ConsentEventsTable {
  id: string;
  receipt_id: string;
  subject_key: string;
  purpose_code: string;
  purpose_version: number;
  action: ConsentAction;
  source: ConsentSource;
  at: Timestamp;
}

/** The latest event per subject and purpose, for fast decisions. */
export interface ConsentStateTable {
  subject_key: string;
  purpose_code: string;
  state: ConsentAction;
  event_id: string;
  source: ConsentSource;
  updated_at: Timestamp;
}

export interface ConsentRestrictionsTable {
  id: string;
  subject_key: string;
  kind: RestrictionKind;
  /** Suspension only: the purposes suspended; null suspends every purpose. */
  purposes: JsonOrNull<string[]>;
  /** Stop of provision only: the recipient; null stops provision to everyone. */
  recipient: string | null;
  request_id: string | null;
  applied_at: Timestamp;
  applied_by_type: string;
  applied_by_id: string | null;
  lifted_at: Timestamp | null;
  lifted_by_type: string | null;
  lifted_by_id: string | null;
  lift_reason: string | null;
}

export type ConsentChangeKind = 'consent' | 'restriction';

/** The change feed the SDK follows: `seq` is handed out under the feed head's row lock, so it
 * grows in commit order and a reader never skips a row that commits later. */
export interface ConsentChangesTable {
  seq: number;
  subject_key: string;
  kind: ConsentChangeKind;
  data: Json<Record<string, unknown>>;
  at: Timestamp;
}

export interface ConsentFeedHeadTable {
  id: number;
  seq: number;
}

export interface CookieBannerSettingsTable {
  id: number;
  settings: Json<Record<string, unknown>>;
  version: number;
  updated_at: Timestamp;
  updated_by: string | null;
}

/** What the banner showed at each version (settings and tags), for proofs that cite it. */
export interface CookieBannerVersionsTable {
  version: number;
  snapshot: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export type CookieCategory = 'necessary' | 'analytics' | 'marketing';

export interface CookieTagsTable {
  id: string;
  category: CookieCategory;
  name: string;
  recipient: string;
  data_sent: Json<{ ja: string; en: string }>;
  company_purpose: Json<{ ja: string; en: string }>;
  recipient_purpose: Json<{ ja: string; en: string }>;
  opt_out_url: string | null;
  sort_order: number;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A visitor's choice on the banner, kept as proof. */
export interface CookieConsentsTable {
  id: string;
  visitor_key: string;
  banner_version: number;
  language: 'ja' | 'en';
  analytics: boolean;
  marketing: boolean;
  gpc: boolean;
  method: 'accept_all' | 'reject_all' | 'custom';
  origin: string | null;
  ip_hash: string | null;
  ua_hash: string | null;
  at: Timestamp;
}

export interface ConsentTables {
  consent_subjects: ConsentSubjectsTable;
  consent_receipts: ConsentReceiptsTable;
  consent_events: ConsentEventsTable;
  consent_state: ConsentStateTable;
  consent_restrictions: ConsentRestrictionsTable;
  consent_changes: ConsentChangesTable;
  consent_feed_head: ConsentFeedHeadTable;
  cookie_banner_settings: CookieBannerSettingsTable;
  cookie_banner_versions: CookieBannerVersionsTable;
  cookie_tags: CookieTagsTable;
  cookie_consents: CookieConsentsTable;
}
