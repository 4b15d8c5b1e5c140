// The statements the SQL connectors run, built once for PostgreSQL and MySQL/MariaDB: every
// identifier quoted, every value a bound parameter. Writes are grouped so rows receiving the same
// new values are changed by one statement (`WHERE key IN (…)`), and each write is guarded so a
// row already holding the new values is not counted as changed: that is what makes a second
// run of an erasure report nothing to do.
import { chunk, keyString, type FieldMatch, type Row, type RowKey, type RowWrite, type Scalar } from './connector.ts';

export interface SqlDialect {
  quote(identifier: string): string;
  /** Adds a value and answers its placeholder. */
  bind(params: unknown[], value: unknown): string;
  /** `column` is one of `values`. */
  inList(params: unknown[], column: string, values: readonly Scalar[]): string;
  /** `column` differs from the bound value, nulls included. */
  differs(column: string, placeholder: string): string;
}

export interface Statement {
  text: string;
  values: unknown[];
}

/** Keys per statement when rows are addressed one by one (composite keys). */
const ROWS_PER_STATEMENT = 200;
/** Keys per `IN (…)` for single-field keys. */
const KEYS_PER_STATEMENT = 1000;

export function columnList(dialect: SqlDialect, fields: readonly string[]): string {
  return fields.map((f) => dialect.quote(f)).join(', ');
}

export function selectMatching(dialect: SqlDialect, table: string, fields: readonly string[], match: readonly FieldMatch[]): Statement {
  const values: unknown[] = [];
  const where = match.map((m) => dialect.inList(values, dialect.quote(m.field), m.values)).join(' OR ');
  return { text: `SELECT ${columnList(dialect, fields)} FROM ${table} WHERE ${where}`, values };
}

function keyCondition(dialect: SqlDialect, params: unknown[], key: RowKey): string {
  const parts = Object.entries(key).map(([field, value]) =>
    value === null ? `${dialect.quote(field)} IS NULL` : `${dialect.quote(field)} = ${dialect.bind(params, value)}`,
  );
  return parts.length === 1 ? (parts[0] ?? '') : `(${parts.join(' AND ')})`;
}

/** A WHERE clause for a set of keys, in as few statements as the limits allow. */
function keyClauses(dialect: SqlDialect, keys: readonly RowKey[]): Array<(params: unknown[]) => string> {
  const first = keys[0];
  const fields = first ? Object.keys(first) : [];
  const singleField = fields.length === 1 ? fields[0] : undefined;
  if (singleField !== undefined && keys.every((k) => Object.keys(k).length === 1 && k[singleField] !== null && k[singleField] !== undefined)) {
    return chunk(keys, KEYS_PER_STATEMENT).map((part) => (params) =>
      dialect.inList(params, dialect.quote(singleField), part.map((k) => k[singleField] ?? null)),
    );
  }
  return chunk(keys, ROWS_PER_STATEMENT).map((part) => (params) => `(${part.map((k) => keyCondition(dialect, params, k)).join(' OR ')})`);
}

export function selectByKeys(dialect: SqlDialect, table: string, fields: readonly string[], keys: readonly RowKey[]): Statement[] {
  return keyClauses(dialect, keys).map((clause) => {
    const values: unknown[] = [];
    const where = clause(values);
    return { text: `SELECT ${columnList(dialect, fields)} FROM ${table} WHERE ${where}`, values };
  });
}

/** Groups rows by what is done to them, so equal changes become one statement. */
export function writeStatements(dialect: SqlDialect, table: string, rows: readonly RowWrite[], toParam: (v: Row[string]) => unknown): Statement[] {
  const groups = new Map<string, { set: Row | null; keys: RowKey[] }>();
  for (const row of rows) {
    const set = 'set' in row ? row.set : null;
    const id = set === null ? 'delete' : `set:${keyString(Object.fromEntries(Object.entries(set).map(([k, v]) => [k, JSON.stringify(v)])))}`;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { set, keys: [] }));
    group.keys.push(row.key);
  }
  const out: Statement[] = [];
  for (const group of groups.values()) {
    const set = group.set;
    for (const clause of keyClauses(dialect, group.keys)) {
      const values: unknown[] = [];
      if (set === null) {
        const where = clause(values);
        out.push({ text: `DELETE FROM ${table} WHERE ${where}`, values });
        continue;
      }
      const entries = Object.entries(set);
      if (entries.length === 0) continue;
      const assignments = entries.map(([field, value]) => `${dialect.quote(field)} = ${dialect.bind(values, toParam(value))}`).join(', ');
      const where = clause(values);
      const changed = entries.map(([field, value]) => dialect.differs(dialect.quote(field), dialect.bind(values, toParam(value)))).join(' OR ');
      out.push({ text: `UPDATE ${table} SET ${assignments} WHERE ${where} AND (${changed})`, values });
    }
  }
  return out;
}

/** Parameters for JSON-like values: objects and arrays go as JSON text. */
export function jsonParam(value: Row[string]): unknown {
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value;
}
