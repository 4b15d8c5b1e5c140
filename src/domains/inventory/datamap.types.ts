// The data map as Madoguchi holds it: systems, their datasets, collections (tables, key
// spaces, paper files) and fields, with what the law and the erasure engine need to know about
// each. Our YAML format, Fides dataset files and the database all map to and from these types;
// optional properties are left out rather than set to undefined, so two equal maps compare
// equal with deepStrictEqual.

export const SYSTEM_KINDS = [
  'postgresql',
  'mysql',
  'mariadb',
  'mssql',
  'mongodb',
  'redis',
  'http',
  'saas',
  'email',
  'manual',
  'other',
] as const;
export type SystemKind = (typeof SYSTEM_KINDS)[number];

export const VENDOR_ROLES = ['vendor', 'contractor'] as const;
/** vendor: supplies the product or hosting; contractor: handles the data for us (委託先). */
export type VendorRole = (typeof VENDOR_ROLES)[number];

export const ERASE_STRATEGIES = ['nullify', 'fixed_text', 'random', 'hash', 'keyed_hash', 'delete_row'] as const;
export type EraseStrategy = (typeof ERASE_STRATEGIES)[number];

export const HASH_ALGORITHMS = ['SHA-256', 'SHA-512'] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

export const REFERENCE_DIRECTIONS = ['from', 'to'] as const;
export type ReferenceDirection = (typeof REFERENCE_DIRECTIONS)[number];

export const NAME_PATTERN = /^[^.\s][^.]*$/u;
export const SYSTEM_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;
export const DATASET_NAME_PATTERN = /^[A-Za-z0-9_<>-][A-Za-z0-9_.<>-]{0,199}$/;
export const CODE_PATTERN = /^[a-z][a-z0-9_]{1,63}$/;
export const IDENTITY_PATTERN = CODE_PATTERN;
export const STAFF_ID_PATTERN = /^stf_[A-Za-z0-9_-]{1,60}$/;
export const COUNTRY_PATTERN = /^[A-Z]{2}$/;
/** ISO 8601 duration in years, months, weeks and days (P7Y, P1Y6M, P30D), or `indefinite`. */
export const PERIOD_PATTERN = /^(?:P(?=\d)(?:\d{1,3}Y)?(?:\d{1,4}M)?(?:\d{1,4}W)?(?:\d{1,5}D)?|indefinite)$/;
export const DATE_PATTERN = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/;

export const LIMITS = {
  fileBytes: 5 * 1024 * 1024,
  systems: 500,
  datasets: 500,
  collections: 2000,
  fields: 2000,
  depth: 8,
  list: 100,
  text: 2000,
  shortText: 200,
} as const;

export interface Retention {
  /** ISO 8601 duration (P7Y) or `indefinite`. */
  period: string;
  /** The event the period counts from, e.g. 「退会日」 or "last order". */
  from?: string;
  /** Why this period: the law, contract or business reason. */
  basis: string;
}

export interface EraseSpec {
  strategy: EraseStrategy;
  /** fixed_text: the text written instead. */
  value?: string;
  /** random: length of the random text. */
  length?: number;
  /** hash, keyed_hash. */
  algorithm?: HashAlgorithm;
  /** Text kept after the replacement so the value still passes format checks (e.g. `@example.com`). */
  suffix?: string;
}

export interface FieldReference {
  /** The system holding the target; absent means this system, or the only system with that dataset. */
  system?: string;
  dataset: string;
  /** `collection.field`, with `.sub` for nested fields. */
  field: string;
  /** from: the target's values find rows here; to: values here find rows in the target. */
  direction?: ReferenceDirection;
}

export interface LegalHold {
  reason: string;
  basis?: string;
  period?: string;
  from?: string;
}

/** Keys of a Fides file we do not interpret, kept so the file round-trips. */
export type Extra = Record<string, unknown>;

export interface DataField {
  name: string;
  description?: string;
  dataCategories?: string[];
  purposes: string[];
  retention?: Retention;
  /** As written; a field in a special-care category is special-care regardless. */
  specialCare?: boolean;
  financial?: boolean;
  identity?: string;
  primaryKey?: boolean;
  references: FieldReference[];
  erase?: EraseSpec;
  dataType?: string;
  length?: number;
  readOnly?: boolean;
  returnAllElements?: boolean;
  customRequestField?: string;
  fields?: DataField[];
  fidesExtra?: Extra;
  fidesMetaExtra?: Extra;
}

export interface DataCollection {
  name: string;
  description?: string;
  dataCategories?: string[];
  /** Who may access the records (roles or departments), for the ledger. */
  access: string[];
  /** How the data is acquired (取得方法). */
  acquisition?: string;
  /** Provision to third parties (第三者提供), or a statement that there is none. */
  thirdPartyProvision?: string;
  /** Approximate number of records, for the ledger's risk assessment. */
  recordCount?: number;
  /** Period of use (利用期限). */
  usePeriod?: string;
  legalHolds: LegalHold[];
  /** Only `delete_row`: erasing a person deletes their rows here. */
  erase?: EraseSpec;
  after?: string[];
  eraseAfter?: string[];
  skipProcessing?: boolean;
  fields: DataField[];
  fidesExtra?: Extra;
  fidesMetaExtra?: Extra;
}

export interface DataSet {
  name: string;
  title?: string;
  description?: string;
  dataCategories?: string[];
  collections: DataCollection[];
  fidesExtra?: Extra;
  fidesMetaExtra?: Extra;
}

export interface SystemLocation {
  /** ISO 3166-1 alpha-2. */
  country: string;
  region?: string;
  note?: string;
}

export interface SystemVendor {
  name: string;
  role: VendorRole;
  country?: string;
  service?: string;
}

export interface SystemReview {
  /** YYYY-MM-DD (Japan date). */
  lastReviewedOn: string;
  reviewer: string;
  intervalMonths: number;
}

export interface DataSystem {
  name: string;
  title?: string;
  description?: string;
  kind?: SystemKind;
  /** The name of a connection configured elsewhere; never its address or secrets. */
  connection?: string;
  owner?: string;
  location?: SystemLocation;
  storageMethod?: string;
  vendors: SystemVendor[];
  securityMeasures: string[];
  review?: SystemReview;
  datasets: DataSet[];
}

export interface DataMap {
  systems: DataSystem[];
}

export type IssueSeverity = 'error' | 'warning';

export interface DataMapIssue {
  severity: IssueSeverity;
  /** The file the problem is in, or `(stored data map)`. */
  file: string;
  /** Where in the file, e.g. `systems[0].datasets[1].collections[2].fields[3].erase`. */
  path: string;
  line?: number;
  /** Machine-readable reason, e.g. `unknown_category`. */
  code: string;
  message: string;
}

export const DEFAULT_REVIEW_INTERVAL_MONTHS = 12;
export const STORED_MAP_FILE = '(stored data map)';
