// The one interface the fulfilment engine uses to reach a company system: find rows of a
// collection by a field's values (in pages, so a person with 100k rows does not fill memory),
// write erasures, corrections and restriction flags by each row's key (one transaction per
// system and call), probe whether the credentials can reach and write, and close. Each kind of
// system (PostgreSQL, MySQL/MariaDB, Redis, HTTP services, manual work) has one file that
// implements it; the engine never sees SQL, Redis commands or HTTP. Also the small helpers they
// share: value normalisation, a concurrency limiter and retry with backoff.
import { z } from 'zod';

export const CONNECTOR_KINDS = ['postgresql', 'mysql', 'redis', 'http', 'manual'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

/** A value read from or written to a company system, always JSON-safe. */
export type Scalar = string | number | boolean | null;
export type FieldValue = Scalar | FieldValue[] | { [key: string]: FieldValue };
export type Row = Record<string, FieldValue>;
/** The values of a row's key fields (primary key, Redis key, …), by field name. */
export type RowKey = Record<string, Scalar>;

/** Where a collection lives: names as in the data map. */
export interface CollectionTarget {
  dataset: string;
  collection: string;
  /** The fields that address one row; empty when the data map declares none (see keyFields()). */
  keyFields: readonly string[];
}

export interface FieldMatch {
  field: string;
  values: readonly Scalar[];
}

export interface QueryRequest extends CollectionTarget {
  /** The top-level fields to read. */
  fields: readonly string[];
  /** Rows where any of these fields equals one of its values (OR); values deduplicated by the caller. */
  match: readonly FieldMatch[];
  /** Rows per page handed back; the connector may read ahead at most one page. */
  pageSize?: number;
  signal?: AbortSignal;
}

export interface FetchRequest extends CollectionTarget {
  fields: readonly string[];
  keys: readonly RowKey[];
  signal?: AbortSignal;
}

/** One row to change: new values for some fields, or the row deleted. */
export type RowWrite = { key: RowKey; delete: true } | { key: RowKey; set: Row };

export interface WriteBatch extends CollectionTarget {
  rows: readonly RowWrite[];
}

export interface WriteResult {
  dataset: string;
  collection: string;
  /** Rows actually changed or deleted; a row already holding the new values is not counted. */
  changed: number;
}

/** Suspension of use (利用停止) and stopping provision to third parties (第三者提供の停止). */
export const RESTRICTION_KINDS = ['suspend_use', 'stop_provision'] as const;
export type RestrictionKind = (typeof RESTRICTION_KINDS)[number];

export interface WriteContext {
  /** Correlates the call in the remote system's logs (a run id, never personal data). */
  reference: string;
  signal?: AbortSignal;
  /** For HTTP services: what the write is, so the service can apply its own rules. */
  purpose: 'erase' | 'correct' | RestrictionKind;
}

export interface ProbeTarget {
  dataset: string;
  collection: string;
  fields: readonly string[];
}

export interface ConnectionCheck {
  reachable: boolean;
  /** Whether the credentials can change data (null when it could not be told). */
  canWrite: boolean | null;
  /** Short and free of secrets: server version, the reason it failed. */
  detail: string;
  latencyMs: number;
}

export interface Connector {
  readonly kind: ConnectorKind;
  /** The connection name (the Fides key or the data map's `connection`). */
  readonly name: string;
  /** Queries and writes this system may run at the same time. */
  readonly concurrency: number;
  readonly options: ConnectorOptions;
  /** Reachability and, with targets, whether each target can be written (probed without changing anything). */
  test(targets?: readonly ProbeTarget[]): Promise<ConnectionCheck>;
  /**
   * The fields that address one row here: the declared primary key, else the table's own
   * primary key, else (answering null) none, and rows are then addressed by all their fields.
   */
  keyFields(target: Pick<CollectionTarget, 'dataset' | 'collection'>, declared: readonly string[]): Promise<string[] | null>;
  /** Pages of matching rows; values of fields not present are null. */
  query(request: QueryRequest): AsyncIterable<Row[]>;
  /** Rows by key, for reading back a correction. */
  fetch(request: FetchRequest): Promise<Row[]>;
  /** Applies every batch in one transaction (where the system has transactions). */
  write(batches: readonly WriteBatch[], context: WriteContext): Promise<WriteResult[]>;
  close(): Promise<void>;
}

/** An error from a company system whose message is safe to show (no values, no secrets). */
export class ConnectorError extends Error {
  constructor(
    readonly code: ConnectorErrorCode,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ConnectorError';
  }
}

export type ConnectorErrorCode =
  | 'unreachable'
  | 'timeout'
  | 'permission_denied'
  | 'read_only'
  | 'missing_table'
  | 'missing_column'
  | 'bad_value'
  | 'protocol'
  | 'not_supported'
  | 'failed';

export const DEFAULT_PAGE_SIZE = 1000;
/** Values per `IN (…)` / `= ANY($1)`: large enough to be one query for nearly every person. */
export const MAX_VALUES_PER_QUERY = 1000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
export const DEFAULT_CONCURRENCY = 4;

/** Splits values into chunks of at most `size`. */
export function chunk<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/** Turns what a driver returns into JSON-safe values (bigint and Buffer have no JSON form). */
export function normalizeValue(value: unknown): FieldValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (Array.isArray(value)) return value.map(normalizeValue);
  if (typeof value === 'object') {
    const out: Record<string, FieldValue> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalizeValue(v);
    return out;
  }
  return String(value);
}

export function normalizeRow(raw: Record<string, unknown>, fields: readonly string[]): Row {
  const row: Row = {};
  for (const f of fields) row[f] = normalizeValue(raw[f]);
  return row;
}

/** A stable text form of a key, for sets and maps (field order does not matter). */
export function keyString(key: RowKey): string {
  return JSON.stringify(Object.keys(key).sort().map((k) => [k, key[k] ?? null]));
}

export function isScalar(value: FieldValue | undefined): value is Scalar {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** Runs at most `limit` tasks at a time; the others wait in order. */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 200, maxDelayMs: 5_000 };

/** Exponential backoff with full jitter, so many callers retrying together spread out. */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(cap / 2 + Math.random() * (cap / 2));
}

/** Retries only errors marked retryable; the last error is thrown as it was. */
export async function withRetry<T>(
  policy: RetryPolicy,
  task: (attempt: number) => Promise<T>,
  options: { signal?: AbortSignal; onRetry?: (attempt: number, err: unknown) => void } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task(attempt);
    } catch (err) {
      const retryable = err instanceof ConnectorError ? err.retryable : false;
      if (!retryable || attempt >= policy.attempts || options.signal?.aborted) throw err;
      options.onRetry?.(attempt, err);
      await sleep(backoffDelay(policy, attempt), options.signal);
    }
  }
}

/** A message for an unexpected failure that never repeats driver text (it can hold values). */
export function describeFailure(err: unknown): { code: ConnectorErrorCode; message: string } {
  if (err instanceof ConnectorError) return { code: err.code, message: err.message };
  return { code: 'failed', message: 'the system answered with an unexpected error' };
}

// ---------------------------------------------------------------------------------------------
// Connection options: how a system is reached beyond its address and secret. Stored with the
// connection (never in the data map), validated here because every connector reads them.

const zIdentifier = z.string().min(1).max(200);

export const ZRestrictionFlag = z.strictObject({
  /** The field that tells applications the row is restricted. */
  field: zIdentifier,
  /** The value written to it. */
  value: z.union([z.string().max(200), z.number(), z.boolean()]),
});
export type RestrictionFlag = z.infer<typeof ZRestrictionFlag>;

export const ZCollectionBinding = z.strictObject({
  /** SQL: the table when it is not named like the collection (`schema.table` allowed). */
  table: zIdentifier.optional(),
  /** Redis: the key pattern, `{field}` for a field's value and `*` for anything, e.g. `session:{customer_number}:{session_id}`. */
  keyTemplate: z.string().min(1).max(500).optional(),
  /** Where suspension of use / stopping provision is recorded on the row. */
  restrictions: z.strictObject({ suspend_use: ZRestrictionFlag.optional(), stop_provision: ZRestrictionFlag.optional() }).optional(),
});
export type CollectionBinding = z.infer<typeof ZCollectionBinding>;

export const ZConnectorOptions = z.strictObject({
  concurrency: z.number().int().min(1).max(64).optional(),
  statementTimeoutMs: z.number().int().min(50).max(3_600_000).optional(),
  /** SQL: the schema (PostgreSQL) the tables are in when not on the search path. */
  schema: zIdentifier.optional(),
  /** Per collection, keyed `dataset.collection`. */
  collections: z.record(z.string().min(3).max(401), ZCollectionBinding).optional(),
});
export type ConnectorOptions = z.infer<typeof ZConnectorOptions>;

export function bindingFor(options: ConnectorOptions, target: Pick<CollectionTarget, 'dataset' | 'collection'>): CollectionBinding {
  return options.collections?.[`${target.dataset}.${target.collection}`] ?? {};
}
