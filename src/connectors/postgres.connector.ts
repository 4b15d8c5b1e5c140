// PostgreSQL through `pg`: a pool per system (its size is the concurrency limit), a statement
// timeout on every connection so a runaway query is cancelled by the server, rows read through
// a server-side cursor in pages when a person has many, and writes in one transaction per call.
// Dates and times come back as the text PostgreSQL prints, so a value read can be written back
// (as a key) exactly, whatever the time zone of the process.
import pg from 'pg';
import {
  chunk,
  ConnectorError,
  DEFAULT_CONCURRENCY,
  DEFAULT_PAGE_SIZE,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  MAX_VALUES_PER_QUERY,
  bindingFor,
  normalizeRow,
  type CollectionTarget,
  type Connector,
  type ConnectorOptions,
  type ProbeTarget,
  type QueryRequest,
  type Row,
  type WriteBatch,
  type WriteContext,
  type WriteResult,
} from './connector.ts';
import { jsonParam, selectByKeys, selectMatching, writeStatements, type SqlDialect, type Statement } from './sql-statements.ts';

// date, time, timestamp, timestamptz, timetz, interval: kept as PostgreSQL's own text.
const TEXT_OIDS = new Set([1082, 1083, 1114, 1184, 1266, 1186]);

function typeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (TEXT_OIDS.has(oid) && format !== 'binary') return (value) => value;
  return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
}

export function quotePg(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

export const pgDialect: SqlDialect = {
  quote: quotePg,
  bind(params, value) {
    params.push(value);
    return `$${params.length}`;
  },
  inList(params, column, values) {
    params.push([...values]);
    return `${column} = ANY($${params.length})`;
  },
  differs: (column, placeholder) => `${column} IS DISTINCT FROM ${placeholder}`,
};

interface PgError {
  code?: string;
  message?: string;
}

/** Driver messages can quote values; only codes and our own identifiers are passed on. */
function mapError(err: unknown, where: string, timeoutMs: number): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as PgError;
  const code = e.code ?? '';
  const message = e.message ?? '';
  if (code === '57014') return new ConnectorError('timeout', `${where}: the query ran longer than ${timeoutMs} ms and was cancelled`, false);
  if (/query read timeout|timeout expired|Connection terminated due to connection timeout/i.test(message)) {
    return new ConnectorError('timeout', `${where}: no answer within ${timeoutMs} ms`, false);
  }
  if (code === '42P01') return new ConnectorError('missing_table', `${where}: the table does not exist`, false);
  if (code === '42703') {
    const column = /column "([^"]{1,100})"/.exec(message)?.[1];
    return new ConnectorError('missing_column', `${where}: ${column ? `column "${column}"` : 'a column'} does not exist`, false);
  }
  if (code === '42501') return new ConnectorError('permission_denied', `${where}: the connection's role has no permission for this`, false);
  if (code === '25006') return new ConnectorError('read_only', `${where}: the database is read-only for this connection`, false);
  if (code === '23503') return new ConnectorError('failed', `${where}: a row elsewhere still refers to this row (foreign key)`, false);
  if (code.startsWith('22') || code.startsWith('23')) return new ConnectorError('bad_value', `${where}: a value does not fit the column (${code})`, false);
  if (code === '40001' || code === '40P01' || code === '55P03') return new ConnectorError('failed', `${where}: conflicting transaction (${code})`, true);
  if (code.startsWith('08') || code === '57P01' || code === '57P03' || code === '53300') {
    return new ConnectorError('unreachable', `${where}: the database is not accepting connections (${code})`, true);
  }
  if (code === '28P01' || code === '28000') return new ConnectorError('permission_denied', `${where}: the credentials were refused`, false);
  if (code === '3D000') return new ConnectorError('unreachable', `${where}: the database does not exist`, false);
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|ETIMEDOUT|Connection terminated/i.test(message)) {
    return new ConnectorError('unreachable', `${where}: cannot connect to the database`, true);
  }
  return new ConnectorError('failed', `${where}: the database answered with an error${code ? ` (${code})` : ''}`, false);
}

export interface PostgresConnectorInput {
  name: string;
  url: string;
  options?: ConnectorOptions;
}

export function createPostgresConnector(input: PostgresConnectorInput): Connector {
  const options = input.options ?? {};
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const timeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString: input.url,
    max: concurrency,
    statement_timeout: timeoutMs,
    // The client gives up a little after the server should have cancelled, in case it cannot.
    query_timeout: timeoutMs + 2_000,
    connectionTimeoutMillis: Math.min(timeoutMs, 10_000),
    idleTimeoutMillis: 10_000,
    application_name: 'madoguchi',
    types: { getTypeParser: typeParser as typeof pg.types.getTypeParser },
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});

  const tableOf = (t: Pick<CollectionTarget, 'dataset' | 'collection'>): string => {
    const configured = bindingFor(options, t).table;
    if (configured !== undefined) {
      const dot = configured.indexOf('.');
      return dot > 0 ? `${quotePg(configured.slice(0, dot))}.${quotePg(configured.slice(dot + 1))}` : quotePg(configured);
    }
    return options.schema !== undefined ? `${quotePg(options.schema)}.${quotePg(t.collection)}` : quotePg(t.collection);
  };
  const where = (t: Pick<CollectionTarget, 'dataset' | 'collection'>) => `${input.name}:${t.dataset}.${t.collection}`;

  async function connect(at: string): Promise<pg.PoolClient> {
    try {
      return await pool.connect();
    } catch (err) {
      throw mapError(err, at, timeoutMs);
    }
  }

  let cursorSeq = 0;

  const connector: Connector = {
    kind: 'postgresql',
    name: input.name,
    concurrency,
    options,

    async test(targets) {
      const started = Date.now();
      let client: pg.PoolClient | undefined;
      try {
        client = await connect(input.name);
        const info = await client.query<{ version: string; ro: string; recovery: boolean }>(
          "select current_setting('server_version') as version, current_setting('default_transaction_read_only') as ro, pg_is_in_recovery() as recovery",
        );
        const row = info.rows[0];
        const version = `PostgreSQL ${(row?.version ?? '?').split(' ')[0] ?? '?'}`;
        if (!row || row.ro === 'on' || row.recovery) {
          return { reachable: true, canWrite: false, detail: `${version}; the server or role is read-only`, latencyMs: Date.now() - started };
        }
        if (targets && targets.length > 0) {
          const denied = await probeWrites(client, targets);
          return {
            reachable: true,
            canWrite: denied.length === 0,
            detail: denied.length === 0 ? `${version}; can update and delete in ${targets.length} table(s)` : `${version}; cannot write: ${denied.join(', ')}`,
            latencyMs: Date.now() - started,
          };
        }
        const counts = await client.query<{ tables: number; writable: number }>(
          `select count(*)::int as tables,
                  count(*) filter (where has_table_privilege(c.oid, 'UPDATE') and has_table_privilege(c.oid, 'DELETE'))::int as writable
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p') and n.nspname = any(current_schemas(false))`,
        );
        const c = counts.rows[0] ?? { tables: 0, writable: 0 };
        return {
          reachable: true,
          canWrite: c.tables === 0 ? null : c.writable > 0,
          detail: `${version}; ${c.writable} of ${c.tables} table(s) writable`,
          latencyMs: Date.now() - started,
        };
      } catch (err) {
        const e = mapError(err, input.name, timeoutMs);
        return { reachable: false, canWrite: null, detail: e.message, latencyMs: Date.now() - started };
      } finally {
        client?.release();
      }
    },

    async keyFields(target, declared) {
      if (declared.length > 0) return [...declared];
      const client = await connect(where(target));
      try {
        const res = await client.query<{ attname: string }>(
          `select a.attname from pg_index i
             join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
            where i.indrelid = to_regclass($1) and i.indisprimary
            order by array_position(i.indkey::int2[], a.attnum)`,
          [tableOf(target)],
        );
        return res.rows.length > 0 ? res.rows.map((r) => r.attname) : null;
      } catch (err) {
        throw mapError(err, where(target), timeoutMs);
      } finally {
        client.release();
      }
    },

    query(request) {
      return queryPages(request);
    },

    async fetch(request) {
      if (request.keys.length === 0) return [];
      const client = await connect(where(request));
      try {
        const rows: Row[] = [];
        for (const s of selectByKeys(pgDialect, tableOf(request), request.fields, request.keys)) {
          const res = await client.query(s.text, s.values);
          for (const r of res.rows as Record<string, unknown>[]) rows.push(normalizeRow(r, request.fields));
        }
        return rows;
      } catch (err) {
        throw mapError(err, where(request), timeoutMs);
      } finally {
        client.release();
      }
    },

    async write(batches, context) {
      return writeAll(batches, context);
    },

    async close() {
      await pool.end();
    },
  };

  async function probeWrites(client: pg.PoolClient, targets: readonly ProbeTarget[]): Promise<string[]> {
    const denied: string[] = [];
    for (const t of targets) {
      const column = t.fields[0];
      await client.query('BEGIN');
      try {
        // Privileges are checked when a statement is planned, so statements that touch no row tell.
        if (column !== undefined) await client.query(`UPDATE ${tableOf(t)} SET ${quotePg(column)} = ${quotePg(column)} WHERE false`);
        await client.query(`DELETE FROM ${tableOf(t)} WHERE false`);
      } catch (err) {
        const e = mapError(err, where(t), timeoutMs);
        denied.push(`${t.dataset}.${t.collection} (${e.code})`);
      } finally {
        await client.query('ROLLBACK');
      }
    }
    return denied;
  }

  async function* queryPages(request: QueryRequest): AsyncGenerator<Row[]> {
    const pageSize = request.pageSize ?? DEFAULT_PAGE_SIZE;
    const at = where(request);
    const table = tableOf(request);
    // One statement per chunk of values: with a thousand values per field nearly every person is one query.
    const longest = Math.max(0, ...request.match.map((m) => m.values.length));
    const parts = Math.max(1, Math.ceil(longest / MAX_VALUES_PER_QUERY));
    for (let part = 0; part < parts; part++) {
      const match = request.match
        .map((m) => ({ field: m.field, values: chunk(m.values, MAX_VALUES_PER_QUERY)[part] ?? [] }))
        .filter((m) => m.values.length > 0);
      if (match.length === 0) continue;
      const statement = selectMatching(pgDialect, table, request.fields, match);
      yield* runStatement(statement, request, pageSize, at);
    }
  }

  async function* runStatement(statement: Statement, request: QueryRequest, pageSize: number, at: string): AsyncGenerator<Row[]> {
    if (request.signal?.aborted) throw new ConnectorError('failed', `${at}: cancelled`, false);
    const client = await connect(at);
    let broken = false;
    let inTransaction = false;
    try {
      // Most people have few rows: one round trip answers them. Only a larger result is read
      // again through a cursor, page by page, so memory stays flat however many rows there are.
      const probe = await client.query(`${statement.text} LIMIT ${pageSize + 1}`, statement.values);
      if (probe.rows.length <= pageSize) {
        if (probe.rows.length > 0) yield (probe.rows as Record<string, unknown>[]).map((r) => normalizeRow(r, request.fields));
        return;
      }
      const cursor = `mdg_cursor_${++cursorSeq}`;
      await client.query('BEGIN READ ONLY');
      inTransaction = true;
      await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${statement.text}`, statement.values);
      for (;;) {
        if (request.signal?.aborted) throw new ConnectorError('failed', `${at}: cancelled`, false);
        const page = await client.query(`FETCH ${pageSize} FROM ${cursor}`);
        if (page.rows.length > 0) yield (page.rows as Record<string, unknown>[]).map((r) => normalizeRow(r, request.fields));
        if (page.rows.length < pageSize) break;
      }
      await client.query('COMMIT');
      inTransaction = false;
    } catch (err) {
      broken = true;
      throw mapError(err, at, timeoutMs);
    } finally {
      if (inTransaction && !broken) {
        // The caller stopped reading early: end the cursor's transaction before giving the client back.
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
      }
      client.release(broken ? true : undefined);
    }
  }

  async function writeAll(batches: readonly WriteBatch[], context: WriteContext): Promise<WriteResult[]> {
    const first = batches[0];
    if (!first) return [];
    const client = await connect(where(first));
    let open = false;
    let current: WriteBatch = first;
    try {
      await client.query('BEGIN');
      open = true;
      const results: WriteResult[] = [];
      for (const batch of batches) {
        current = batch;
        if (context.signal?.aborted) throw new ConnectorError('failed', `${where(batch)}: cancelled`, false);
        let changed = 0;
        for (const s of writeStatements(pgDialect, tableOf(batch), batch.rows, jsonParam)) {
          const res = await client.query(s.text, s.values);
          changed += res.rowCount ?? 0;
        }
        results.push({ dataset: batch.dataset, collection: batch.collection, changed });
      }
      await client.query('COMMIT');
      open = false;
      return results;
    } catch (err) {
      if (open) await client.query('ROLLBACK').catch(() => {});
      throw mapError(err, where(current), timeoutMs);
    } finally {
      client.release();
    }
  }

  return connector;
}
