// MySQL and MariaDB through `mysql2`: a pool per system (its size is the concurrency limit),
// server-side prepared statements for every query, a statement timeout set on each new
// connection (MariaDB's max_statement_time, MySQL's max_execution_time) with a client-side
// timeout behind it, rows streamed with back-pressure so memory stays flat, and writes in one
// transaction per call. Dates, big integers and decimals come back as text so they can be
// written back as keys exactly.
import mysql, { type Connection as CoreConnection } from 'mysql2';
import type { Pool as PromisePool, PoolConnection as PromisePoolConnection } from 'mysql2/promise';
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
  type Scalar,
  type WriteBatch,
  type WriteContext,
  type WriteResult,
} from './connector.ts';
import { jsonParam, selectByKeys, selectMatching, writeStatements, type SqlDialect } from './sql-statements.ts';

export function quoteMysql(identifier: string): string {
  return `\`${identifier.replace(/`/g, '``')}\``;
}

/** Lists are padded to a power of two (repeating the last value) so few statements are prepared. */
function paddedLength(n: number): number {
  let size = 1;
  while (size < n) size *= 2;
  return size;
}

export const mysqlDialect: SqlDialect = {
  quote: quoteMysql,
  bind(params, value) {
    params.push(value);
    return '?';
  },
  inList(params, column, values) {
    const padded: Scalar[] = [...values];
    const last = values[values.length - 1] ?? null;
    while (padded.length < paddedLength(values.length)) padded.push(last);
    for (const v of padded) params.push(v);
    return `${column} IN (${padded.map(() => '?').join(', ')})`;
  },
  differs: (column, placeholder) => `NOT (${column} <=> ${placeholder})`,
};

interface MysqlError {
  code?: string;
  errno?: number;
  message?: string;
}

function mapError(err: unknown, where: string, timeoutMs: number): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as MysqlError;
  const errno = e.errno ?? 0;
  const code = e.code ?? '';
  const message = e.message ?? '';
  if (errno === 1969 || errno === 3024 || code === 'PROTOCOL_SEQUENCE_TIMEOUT') {
    return new ConnectorError('timeout', `${where}: the query ran longer than ${timeoutMs} ms and was cancelled`, false);
  }
  if (errno === 1146) return new ConnectorError('missing_table', `${where}: the table does not exist`, false);
  if (errno === 1054) {
    const column = /Unknown column '([^']{1,100})'/.exec(message)?.[1];
    return new ConnectorError('missing_column', `${where}: ${column ? `column "${column}"` : 'a column'} does not exist`, false);
  }
  if (errno === 1142 || errno === 1143 || errno === 1044) return new ConnectorError('permission_denied', `${where}: the connection's user has no permission for this`, false);
  if (errno === 1045) return new ConnectorError('permission_denied', `${where}: the credentials were refused`, false);
  if (errno === 1290 || errno === 1792) return new ConnectorError('read_only', `${where}: the database is read-only for this connection`, false);
  if (errno === 1451) return new ConnectorError('failed', `${where}: a row elsewhere still refers to this row (foreign key)`, false);
  if (errno === 1213 || errno === 1205) return new ConnectorError('failed', `${where}: conflicting transaction (${errno})`, true);
  if (errno === 1049) return new ConnectorError('unreachable', `${where}: the database does not exist`, false);
  if ([1048, 1264, 1265, 1292, 1366, 1406, 1452].includes(errno)) return new ConnectorError('bad_value', `${where}: a value does not fit the column (${errno})`, false);
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|ETIMEDOUT|PROTOCOL_CONNECTION_LOST|ER_CON_COUNT_ERROR/.test(`${code} ${message}`)) {
    return new ConnectorError('unreachable', `${where}: cannot connect to the database`, true);
  }
  return new ConnectorError('failed', `${where}: the database answered with an error${errno ? ` (${errno})` : ''}`, false);
}

export interface MysqlConnectorInput {
  name: string;
  /** mysql://user:password@host:port/database (mariadb:// is accepted too). */
  url: string;
  options?: ConnectorOptions;
}

export function createMysqlConnector(input: MysqlConnectorInput): Connector {
  const options = input.options ?? {};
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const timeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const url = new URL(input.url.replace(/^mariadb:/, 'mysql:'));
  const pool = mysql.createPool({
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
    connectionLimit: concurrency,
    connectTimeout: Math.min(timeoutMs, 10_000),
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    multipleStatements: false,
    charset: 'utf8mb4',
  });
  // Each new connection gets the server-side statement timeout: MariaDB names it in seconds,
  // MySQL in milliseconds (and only for SELECT); whichever the server knows is set.
  pool.on('connection', (conn) => {
    conn.query(`SET SESSION max_statement_time = ${(timeoutMs / 1000).toFixed(3)}`, (err) => {
      if (err) conn.query(`SET SESSION max_execution_time = ${Math.round(timeoutMs)}`, () => {});
    });
  });
  const promisePool: PromisePool = pool.promise();

  const tableOf = (t: Pick<CollectionTarget, 'dataset' | 'collection'>): string => {
    const configured = bindingFor(options, t).table;
    if (configured !== undefined) {
      const dot = configured.indexOf('.');
      return dot > 0 ? `${quoteMysql(configured.slice(0, dot))}.${quoteMysql(configured.slice(dot + 1))}` : quoteMysql(configured);
    }
    return options.schema !== undefined ? `${quoteMysql(options.schema)}.${quoteMysql(t.collection)}` : quoteMysql(t.collection);
  };
  const tableName = (t: Pick<CollectionTarget, 'dataset' | 'collection'>): { schema: string | null; table: string } => {
    const configured = bindingFor(options, t).table;
    if (configured !== undefined) {
      const dot = configured.indexOf('.');
      return dot > 0 ? { schema: configured.slice(0, dot), table: configured.slice(dot + 1) } : { schema: options.schema ?? null, table: configured };
    }
    return { schema: options.schema ?? null, table: t.collection };
  };
  const where = (t: Pick<CollectionTarget, 'dataset' | 'collection'>) => `${input.name}:${t.dataset}.${t.collection}`;

  async function connect(at: string): Promise<PromisePoolConnection> {
    try {
      return await promisePool.getConnection();
    } catch (err) {
      throw mapError(err, at, timeoutMs);
    }
  }

  async function* queryPages(request: QueryRequest): AsyncGenerator<Row[]> {
    const pageSize = request.pageSize ?? DEFAULT_PAGE_SIZE;
    const at = where(request);
    const longest = Math.max(0, ...request.match.map((m) => m.values.length));
    const parts = Math.max(1, Math.ceil(longest / MAX_VALUES_PER_QUERY));
    for (let part = 0; part < parts; part++) {
      const match = request.match
        .map((m) => ({ field: m.field, values: chunk(m.values, MAX_VALUES_PER_QUERY)[part] ?? [] }))
        .filter((m) => m.values.length > 0);
      if (match.length === 0) continue;
      const statement = selectMatching(mysqlDialect, tableOf(request), request.fields, match);
      if (request.signal?.aborted) throw new ConnectorError('failed', `${at}: cancelled`, false);
      const conn = await connect(at);
      let clean = false;
      // The promise wrapper cannot stream; its underlying connection can.
      const core = conn.connection as unknown as CoreConnection;
      const stream = core
        .execute({ sql: statement.text, timeout: timeoutMs + 2_000 }, statement.values as never)
        .stream({ highWaterMark: pageSize });
      try {
        let page: Row[] = [];
        for await (const raw of stream as AsyncIterable<Record<string, unknown>>) {
          page.push(normalizeRow(raw, request.fields));
          if (page.length >= pageSize) {
            yield page;
            page = [];
            if (request.signal?.aborted) throw new ConnectorError('failed', `${at}: cancelled`, false);
          }
        }
        if (page.length > 0) yield page;
        clean = true;
      } catch (err) {
        throw mapError(err, at, timeoutMs);
      } finally {
        if (clean) conn.release();
        else {
          // Stopped mid-result: the connection may still be receiving rows, so it is not reused.
          stream.destroy();
          conn.destroy();
        }
      }
    }
  }

  async function probeWrites(conn: PromisePoolConnection, targets: readonly ProbeTarget[]): Promise<string[]> {
    const denied: string[] = [];
    for (const t of targets) {
      const column = t.fields[0];
      await conn.query('START TRANSACTION');
      try {
        if (column !== undefined) await conn.query(`UPDATE ${tableOf(t)} SET ${quoteMysql(column)} = ${quoteMysql(column)} WHERE 1 = 0`);
        await conn.query(`DELETE FROM ${tableOf(t)} WHERE 1 = 0`);
      } catch (err) {
        denied.push(`${t.dataset}.${t.collection} (${mapError(err, where(t), timeoutMs).code})`);
      } finally {
        await conn.query('ROLLBACK');
      }
    }
    return denied;
  }

  const connector: Connector = {
    kind: 'mysql',
    name: input.name,
    concurrency,
    options,

    async test(targets) {
      const started = Date.now();
      let conn: PromisePoolConnection | undefined;
      try {
        conn = await connect(input.name);
        const [info] = await conn.query('SELECT VERSION() AS version, @@read_only AS ro');
        const row = (info as Array<{ version: string; ro: number | string }>)[0];
        const version = `${/mariadb/i.test(row?.version ?? '') ? 'MariaDB' : 'MySQL'} ${row?.version ?? '?'}`;
        if (targets && targets.length > 0) {
          const denied = await probeWrites(conn, targets);
          return {
            reachable: true,
            canWrite: denied.length === 0,
            detail: denied.length === 0 ? `${version}; can update and delete in ${targets.length} table(s)` : `${version}; cannot write: ${denied.join(', ')}`,
            latencyMs: Date.now() - started,
          };
        }
        const [grants] = await conn.query('SHOW GRANTS');
        const text = (grants as Array<Record<string, string>>).map((g) => Object.values(g).join(' ')).join('\n');
        const writable = /GRANT (ALL PRIVILEGES|.*\bUPDATE\b.*\bDELETE\b|.*\bDELETE\b.*\bUPDATE\b)/i.test(text) && Number(row?.ro ?? 0) === 0;
        return { reachable: true, canWrite: writable, detail: `${version}; ${writable ? 'the user may update and delete' : 'the user may not update and delete'}`, latencyMs: Date.now() - started };
      } catch (err) {
        return { reachable: false, canWrite: null, detail: mapError(err, input.name, timeoutMs).message, latencyMs: Date.now() - started };
      } finally {
        conn?.release();
      }
    },

    async keyFields(target, declared) {
      if (declared.length > 0) return [...declared];
      const { schema, table } = tableName(target);
      const conn = await connect(where(target));
      try {
        const [rows] = await conn.execute(
          `SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
            WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY'
            ORDER BY ORDINAL_POSITION`,
          [schema, table],
        );
        const names = (rows as Array<{ name: string }>).map((r) => r.name);
        return names.length > 0 ? names : null;
      } catch (err) {
        throw mapError(err, where(target), timeoutMs);
      } finally {
        conn.release();
      }
    },

    query(request) {
      return queryPages(request);
    },

    async fetch(request) {
      if (request.keys.length === 0) return [];
      const conn = await connect(where(request));
      try {
        const out: Row[] = [];
        for (const s of selectByKeys(mysqlDialect, tableOf(request), request.fields, request.keys)) {
          const [rows] = await conn.execute({ sql: s.text, timeout: timeoutMs + 2_000 }, s.values as never);
          for (const r of rows as Record<string, unknown>[]) out.push(normalizeRow(r, request.fields));
        }
        return out;
      } catch (err) {
        throw mapError(err, where(request), timeoutMs);
      } finally {
        conn.release();
      }
    },

    async write(batches: readonly WriteBatch[], context: WriteContext): Promise<WriteResult[]> {
      const first = batches[0];
      if (!first) return [];
      const conn = await connect(where(first));
      let open = false;
      let current: WriteBatch = first;
      try {
        await conn.query('START TRANSACTION');
        open = true;
        const results: WriteResult[] = [];
        for (const batch of batches) {
          current = batch;
          if (context.signal?.aborted) throw new ConnectorError('failed', `${where(batch)}: cancelled`, false);
          let changed = 0;
          for (const s of writeStatements(mysqlDialect, tableOf(batch), batch.rows, jsonParam)) {
            const [res] = await conn.execute({ sql: s.text, timeout: timeoutMs + 2_000 }, s.values as never);
            changed += (res as { affectedRows?: number }).affectedRows ?? 0;
          }
          results.push({ dataset: batch.dataset, collection: batch.collection, changed });
        }
        await conn.query('COMMIT');
        open = false;
        return results;
      } catch (err) {
        if (open) await conn.query('ROLLBACK').catch(() => {});
        throw mapError(err, where(current), timeoutMs);
      } finally {
        conn.release();
      }
    },

    async close() {
      await promisePool.end();
    },
  };
  return connector;
}
