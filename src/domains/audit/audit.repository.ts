// SQL for the audit log. The chain head lives in a one-row table that an append locks
// (`for update`), so appends from any number of processes queue on that row and form one chain.
// Reads are keyset-paginated on `seq` so that verifying or exporting millions of entries keeps
// memory flat and never uses OFFSET.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

type Exec = Kysely<Database>;

export async function lockHead(db: Exec): Promise<{ seq: number; hash: string }> {
  return db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).forUpdate().executeTakeFirstOrThrow();
}

export async function setHead(db: Exec, seq: number, hash: string): Promise<void> {
  await db.updateTable('audit_head').set({ seq, hash }).where('id', '=', 1).execute();
}

export interface AuditRow {
  seq: number;
  id: string;
  at: Date;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  request_id: string | null;
  subject_ref: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

const ROW_COLUMNS = [
  'seq',
  'id',
  'at',
  'actor_type',
  'actor_id',
  'action',
  'target_type',
  'target_id',
  'request_id',
  'subject_ref',
  'details',
  'prev_hash',
  'hash',
] as const;

/**
 * One statement whatever the batch size: each column travels as one array parameter and
 * `unnest` turns them back into rows. A multi-row VALUES list would carry 13 parameters per
 * entry, which PostgreSQL caps at 65,535 and which costs far more to parse.
 */
export async function insertEntries(db: Exec, rows: AuditRow[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <K extends keyof AuditRow>(key: K): Array<AuditRow[K]> => rows.map((r) => r[key]);
  await sql`
    insert into audit_log (seq, id, at, actor_type, actor_id, action, target_type, target_id, request_id, subject_ref, details, prev_hash, hash)
    select * from unnest(
      ${col('seq')}::bigint[], ${col('id')}::text[], ${rows.map((r) => r.at.toISOString())}::timestamptz[],
      ${col('actor_type')}::text[], ${col('actor_id')}::text[], ${col('action')}::text[],
      ${col('target_type')}::text[], ${col('target_id')}::text[], ${col('request_id')}::text[],
      ${col('subject_ref')}::text[], ${rows.map((r) => JSON.stringify(r.details))}::jsonb[],
      ${col('prev_hash')}::text[], ${col('hash')}::text[]
    )`.execute(db);
}

export interface ChainState {
  headSeq: number;
  headHash: string;
  /** Highest seq present in the table (0 when empty). */
  maxSeq: number;
}

/** Head and table end read by one statement, so both come from the same snapshot. */
export async function readChainState(db: Exec): Promise<ChainState> {
  const row = await db
    .selectFrom('audit_head')
    .select((eb) => [
      'audit_head.seq as headSeq',
      'audit_head.hash as headHash',
      eb.selectFrom('audit_log').select((e) => e.fn.coalesce(e.fn.max('seq'), sql<number>`0`).as('m')).as('maxSeq'),
    ])
    .where('audit_head.id', '=', 1)
    .executeTakeFirstOrThrow();
  return { headSeq: row.headSeq, headHash: row.headHash, maxSeq: Number(row.maxSeq ?? 0) };
}

/** An entry as the verifier reads it: `at` as ISO 8601 text, as it was hashed. */
export interface ChainRow extends Omit<AuditRow, 'at'> {
  at: string;
}

export interface TimeRange {
  from?: Date | undefined;
  to?: Date | undefined;
}

// Field and record separators of the compact batch text (ASCII unit and record separators).
const FS = '\x1f';
const RS = '\x1e';
const CHAIN_FIELDS = 13;

function inRange(range: TimeRange) {
  return sql`${range.from ? sql`and at >= ${range.from}` : sql``} ${range.to ? sql`and at < ${range.to}` : sql``}`;
}

/**
 * Entries with `afterSeq < seq <= uptoSeq` (and, if given, `from <= at < to`) in chain order,
 * with every stored field; for verification and export.
 *
 * Three measured choices make this fast enough for millions of entries:
 * - The range is bounded on both sides, never `order by … limit`: without fresh statistics
 *   (PGlite never analyses on its own) the planner answered the open-ended form with a bitmap
 *   scan that sorted every remaining row, for each batch.
 * - The batch comes back as one text value. PGlite decodes every field of every result row in
 *   JavaScript, which cost about five times more than one value holding the same rows.
 * - That value is separator-delimited rather than JSON: PGlite's JSON output of each text
 *   column made the JSON form about 25 % slower overall. `at` travels as integer microseconds, so a
 *   time moved by less than a millisecond still changes the hashed bytes.
 *
 * A stored text could itself contain a separator, so the batch also carries its row count:
 * every extra separator adds a record or a field and can never remove one, so a batch whose
 * records and fields do not count out exactly is read again through the JSON form, which
 * escapes everything.
 */
export async function findChainRange(db: Exec, afterSeq: number, uptoSeq: number, range: TimeRange = {}): Promise<ChainRow[]> {
  // A null travels as an empty field and a value as 'v' followed by the value, so the two
  // never look alike.
  const { rows } = await sql<{ n: number; batch: string | null }>`
    select count(*)::int as n, string_agg(concat_ws(${FS},
      seq, (extract(epoch from at) * 1000000)::bigint, id, actor_type, coalesce('v' || actor_id, ''), action,
      coalesce('v' || target_type, ''), coalesce('v' || target_id, ''), coalesce('v' || request_id, ''),
      coalesce('v' || subject_ref, ''), details, prev_hash, hash), ${RS} order by seq) as batch
    from audit_log
    where seq > ${afterSeq} and seq <= ${uptoSeq} ${inRange(range)}`.execute(db);
  const n = rows[0]?.n ?? 0;
  const text = rows[0]?.batch ?? null;
  if (n === 0 || text === null) return [];
  const records = text.split(RS);
  if (records.length === n) {
    const out: ChainRow[] = [];
    for (const record of records) {
      const f = record.split(FS);
      if (f.length !== CHAIN_FIELDS) break;
      out.push({
        seq: Number(f[0]),
        at: microsToIso(f[1] as string),
        id: f[2] as string,
        actor_type: f[3] as string,
        actor_id: opt(f[4] as string),
        action: f[5] as string,
        target_type: opt(f[6] as string),
        target_id: opt(f[7] as string),
        request_id: opt(f[8] as string),
        subject_ref: opt(f[9] as string),
        details: JSON.parse(f[10] as string) as Record<string, unknown>,
        prev_hash: f[11] as string,
        hash: f[12] as string,
      });
    }
    if (out.length === n) return out;
  }
  return findChainRangeEscaped(db, afterSeq, uptoSeq, range);
}

function opt(field: string): string | null {
  return field === '' ? null : field.slice(1);
}

/**
 * ISO 8601 from integer microseconds since the epoch. Entries are written with whole
 * milliseconds and hashed in `toISOString()` form; a time with a sub-millisecond part keeps
 * six fraction digits, so it can never hash like the time it replaced.
 */
export function microsToIso(micros: string): string {
  if (micros.endsWith('000')) {
    const ms = Number(micros.slice(0, -3));
    // 8.64e15 ms is the end of the range a JavaScript Date can hold.
    if (Math.abs(ms) <= 8.64e15) return isoFromMillis(ms);
  } else if (/^-?\d+$/.test(micros)) {
    const value = BigInt(micros);
    const rest = ((value % 1000n) + 1000n) % 1000n;
    const ms = Number((value - rest) / 1000n);
    if (Math.abs(ms) <= 8.64e15) return `${isoFromMillis(ms).slice(0, -1)}${String(rest).padStart(3, '0')}Z`;
  }
  return `${micros}us`;
}

const HOUR_MS = 3_600_000;
let cachedHour = Number.NaN;
let cachedHourPrefix = '';

/**
 * `new Date(ms).toISOString()`, which cost more than a SHA-256 per entry when verifying.
 * Consecutive entries mostly fall in the same hour, so the date-and-hour part is remembered
 * and only minutes, seconds and milliseconds are formatted. A unit test pins it to
 * toISOString.
 */
export function isoFromMillis(ms: number): string {
  const hour = Math.floor(ms / HOUR_MS);
  if (hour !== cachedHour) {
    // Everything before "MM:SS.mmmZ", which is always the last ten characters.
    cachedHourPrefix = new Date(hour * HOUR_MS).toISOString().slice(0, -10);
    cachedHour = hour;
  }
  const rest = ms - hour * HOUR_MS;
  const minutes = Math.floor(rest / 60_000);
  const seconds = Math.floor((rest % 60_000) / 1000);
  const millis = rest % 1000;
  return `${cachedHourPrefix}${minutes < 10 ? '0' : ''}${minutes}:${seconds < 10 ? '0' : ''}${seconds}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

type ChainTuple = [
  number,
  string,
  string,
  string,
  string | null,
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  Record<string, unknown>,
  string,
  string,
];

/** The same rows as findChainRange through JSON, which escapes every character. */
export async function findChainRangeEscaped(db: Exec, afterSeq: number, uptoSeq: number, range: TimeRange = {}): Promise<ChainRow[]> {
  const { rows } = await sql<{ batch: string }>`
    select coalesce(json_agg(json_build_array(
      seq, (extract(epoch from at) * 1000000)::bigint::text, id, actor_type, actor_id, action,
      target_type, target_id, request_id, subject_ref, details, prev_hash, hash) order by seq), '[]')::text as batch
    from audit_log
    where seq > ${afterSeq} and seq <= ${uptoSeq} ${inRange(range)}`.execute(db);
  const tuples = JSON.parse(rows[0]?.batch ?? '[]') as ChainTuple[];
  return tuples.map((t) => ({
    seq: t[0],
    at: microsToIso(t[1]),
    id: t[2],
    actor_type: t[3],
    actor_id: t[4],
    action: t[5],
    target_type: t[6],
    target_id: t[7],
    request_id: t[8],
    subject_ref: t[9],
    details: t[10],
    prev_hash: t[11],
    hash: t[12],
  }));
}

/** The lowest and highest seq of entries with `from <= at < to` (through the `at` index). */
export async function findSeqBoundsInRange(db: Exec, range: TimeRange): Promise<{ min: number; max: number } | null> {
  const { rows } = await sql<{ min: number | null; max: number | null }>`
    select min(seq) as min, max(seq) as max from audit_log where true ${inRange(range)}`.execute(db);
  const row = rows[0];
  return row && row.min !== null && row.max !== null ? { min: Number(row.min), max: Number(row.max) } : null;
}

export interface AuditRowFilters {
  action?: string | undefined;
  actorType?: string | undefined;
  actorId?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  subjectRef?: string | undefined;
  requestId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** Newest first: entries matching every given filter with seq below `beforeSeq`. */
export async function findEntriesNewestFirst(
  db: Exec,
  filters: AuditRowFilters,
  beforeSeq: number | null,
  limit: number,
): Promise<AuditRow[]> {
  let q = db.selectFrom('audit_log').select(ROW_COLUMNS);
  if (beforeSeq !== null) q = q.where('seq', '<', beforeSeq);
  if (filters.action !== undefined) q = q.where('action', '=', filters.action);
  if (filters.actorType !== undefined) q = q.where('actor_type', '=', filters.actorType);
  if (filters.actorId !== undefined) q = q.where('actor_id', '=', filters.actorId);
  if (filters.targetType !== undefined) q = q.where('target_type', '=', filters.targetType);
  if (filters.targetId !== undefined) q = q.where('target_id', '=', filters.targetId);
  if (filters.subjectRef !== undefined) q = q.where('subject_ref', '=', filters.subjectRef);
  if (filters.requestId !== undefined) q = q.where('request_id', '=', filters.requestId);
  if (filters.from !== undefined) q = q.where('at', '>=', filters.from);
  if (filters.to !== undefined) q = q.where('at', '<', filters.to);
  return q.orderBy('seq', 'desc').limit(limit).execute();
}
