// A company service reached over HTTP, speaking the JSON contract in docs/http-connector.md:
// `access` (pages of rows by field values or by keys), `erase`, `correct` and `restrict`
// (rows by key), and `health`. Every request is signed with HMAC-SHA256 over the timestamp and
// the body, carries an idempotency key so a retried write is applied once, times out, and is
// retried with backoff when the service is unavailable (network errors, 408, 429, 5xx).
import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import {
  ConnectorError,
  DEFAULT_CONCURRENCY,
  DEFAULT_PAGE_SIZE,
  DEFAULT_RETRY,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  backoffDelay,
  normalizeRow,
  sleep,
  type Connector,
  type ConnectorOptions,
  type FieldValue,
  type QueryRequest,
  type RetryPolicy,
  type Row,
  type WriteBatch,
  type WriteContext,
  type WriteResult,
} from './connector.ts';

export const HTTP_CONTRACT_VERSION = 1;
export const TIMESTAMP_HEADER = 'x-madoguchi-timestamp';
export const SIGNATURE_HEADER = 'x-madoguchi-signature';
export const REFERENCE_HEADER = 'x-madoguchi-reference';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** The largest answer read from a service. */
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** `v1=<hex>`: HMAC-SHA256 with the shared key over `<timestamp>.<body>`. */
export function signRequest(key: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', key).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

const zValue: z.ZodType<FieldValue> = z.lazy(() =>
  z.union([z.string().max(1_000_000), z.number(), z.boolean(), z.null(), z.array(zValue).max(100_000), z.record(z.string().max(200), zValue)]),
);
const ZAccessResponse = z.object({
  rows: z.array(z.record(z.string().max(200), zValue)).max(100_000),
  nextCursor: z.string().min(1).max(2000).nullable().optional(),
});
const ZWriteResponse = z.object({ changed: z.number().int().min(0) });
const ZHealthResponse = z.object({ ok: z.boolean(), canWrite: z.boolean().optional(), version: z.string().max(200).optional() });

export interface HttpConnectorInput {
  name: string;
  /** https://:KEY@service.example/madoguchi: the password part is the signing key, never sent. */
  url: string;
  options?: ConnectorOptions;
  retry?: RetryPolicy;
  /** Seconds since the epoch, for the signature (injected so tests and clocks agree). */
  now?: () => number;
}

type Endpoint = 'health' | 'access' | 'erase' | 'correct' | 'restrict';

export function createHttpConnector(input: HttpConnectorInput): Connector {
  const options = input.options ?? {};
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const timeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const retry = input.retry ?? DEFAULT_RETRY;
  const parsed = new URL(input.url);
  const key = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  const base = parsed.toString().replace(/\/+$/, '');
  const now = input.now ?? (() => Math.floor(Date.now() / 1000));

  async function call<T>(endpoint: Endpoint, body: unknown, schema: z.ZodType<T>, reference: string, at: string, signal?: AbortSignal): Promise<T> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const idempotencyKey = createHash('sha256').update(`${endpoint}\n${text}`).digest('hex');
    for (let attempt = 1; ; attempt++) {
      let retryAfterMs: number | null = null;
      let failure: ConnectorError;
      try {
        const timestamp = now();
        const headers: Record<string, string> = {
          accept: 'application/json',
          [TIMESTAMP_HEADER]: String(timestamp),
          [REFERENCE_HEADER]: reference,
          [IDEMPOTENCY_HEADER]: idempotencyKey,
        };
        if (key) headers[SIGNATURE_HEADER] = signRequest(key, timestamp, text);
        if (body !== undefined) headers['content-type'] = 'application/json';
        const timeout = AbortSignal.timeout(timeoutMs);
        const res = await fetch(`${base}/${endpoint}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers,
          ...(body === undefined ? {} : { body: text }),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
          redirect: 'error',
        });
        const raw = await readLimited(res);
        if (res.ok) {
          let json: unknown;
          try {
            json = JSON.parse(raw);
          } catch {
            throw new ConnectorError('protocol', `${at}: the service's answer to ${endpoint} is not JSON`, false);
          }
          const checked = schema.safeParse(json);
          if (!checked.success) throw new ConnectorError('protocol', `${at}: the service's answer to ${endpoint} does not follow the contract`, false);
          return checked.data;
        }
        const s = res.status;
        if (s === 401 || s === 403) throw new ConnectorError('permission_denied', `${at}: the service refused the signature or the key (${s})`, false);
        if (s === 404) throw new ConnectorError('missing_table', `${at}: the service does not know this collection (404)`, false);
        if (s === 400 || s === 409 || s === 422) throw new ConnectorError('bad_value', `${at}: the service refused the request (${s})`, false);
        if (s === 405 || s === 501) throw new ConnectorError('not_supported', `${at}: the service does not support ${endpoint} (${s})`, false);
        const ra = Number(res.headers.get('retry-after'));
        if (Number.isFinite(ra) && ra > 0) retryAfterMs = Math.min(ra, 30) * 1000;
        failure = new ConnectorError('unreachable', `${at}: the service is unavailable (${s})`, s === 408 || s === 429 || s >= 500);
      } catch (err) {
        if (err instanceof ConnectorError) {
          if (!err.retryable) throw err;
          failure = err;
        } else if (signal?.aborted) {
          throw new ConnectorError('failed', `${at}: cancelled`, false);
        } else if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
          failure = new ConnectorError('timeout', `${at}: no answer within ${timeoutMs} ms`, true);
        } else {
          failure = new ConnectorError('unreachable', `${at}: cannot connect to the service`, true);
        }
      }
      if (!failure.retryable || attempt >= retry.attempts) {
        // Retried here already: the engine does not retry it again.
        throw new ConnectorError(failure.code, `${failure.message}${attempt > 1 ? ` after ${attempt} attempts` : ''}`, false);
      }
      await sleep(retryAfterMs ?? backoffDelay(retry, attempt), signal);
    }
  }

  async function* queryPages(request: QueryRequest): AsyncGenerator<Row[]> {
    const at = `${input.name}:${request.dataset}.${request.collection}`;
    let cursor: string | null = null;
    for (let pages = 0; pages < 1_000_000; pages++) {
      const answer: z.infer<typeof ZAccessResponse> = await call(
        'access',
        {
          version: HTTP_CONTRACT_VERSION,
          dataset: request.dataset,
          collection: request.collection,
          fields: request.fields,
          match: request.match.map((m) => ({ field: m.field, values: m.values })),
          cursor,
          limit: request.pageSize ?? DEFAULT_PAGE_SIZE,
        },
        ZAccessResponse,
        `${request.dataset}.${request.collection}`,
        at,
        request.signal,
      );
      if (answer.rows.length > 0) yield answer.rows.map((r) => normalizeRow(r, request.fields));
      cursor = answer.nextCursor ?? null;
      if (cursor === null) return;
    }
  }

  const connector: Connector = {
    kind: 'http',
    name: input.name,
    concurrency,
    options,

    async test() {
      const started = Date.now();
      try {
        const health = await call('health', undefined, ZHealthResponse, 'health', input.name);
        return {
          reachable: health.ok,
          canWrite: health.canWrite ?? null,
          detail: `HTTP service${health.version ? ` ${health.version}` : ''}; ${health.ok ? 'healthy' : 'reports a problem'}${health.canWrite === false ? '; writes are not allowed' : ''}`,
          latencyMs: Date.now() - started,
        };
      } catch (err) {
        return { reachable: false, canWrite: null, detail: err instanceof ConnectorError ? err.message : 'cannot reach the service', latencyMs: Date.now() - started };
      }
    },

    async keyFields(_target, declared) {
      return declared.length > 0 ? [...declared] : null;
    },

    query(request) {
      return queryPages(request);
    },

    async fetch(request) {
      const at = `${input.name}:${request.dataset}.${request.collection}`;
      if (request.keys.length === 0) return [];
      const answer = await call(
        'access',
        { version: HTTP_CONTRACT_VERSION, dataset: request.dataset, collection: request.collection, fields: request.fields, keys: request.keys, cursor: null, limit: request.keys.length },
        ZAccessResponse,
        `${request.dataset}.${request.collection}`,
        at,
        request.signal,
      );
      return answer.rows.map((r) => normalizeRow(r, request.fields));
    },

    async write(batches: readonly WriteBatch[], context: WriteContext): Promise<WriteResult[]> {
      const results: WriteResult[] = [];
      for (const batch of batches) {
        const at = `${input.name}:${batch.dataset}.${batch.collection}`;
        const common = { version: HTTP_CONTRACT_VERSION, reference: context.reference, dataset: batch.dataset, collection: batch.collection, keyFields: batch.keyFields };
        const body =
          context.purpose === 'erase' || context.purpose === 'correct'
            ? { ...common, rows: batch.rows }
            : { ...common, restriction: context.purpose, rows: batch.rows.map((r) => ({ key: r.key })) };
        const endpoint: Endpoint = context.purpose === 'erase' ? 'erase' : context.purpose === 'correct' ? 'correct' : 'restrict';
        const answer = await call(endpoint, body, ZWriteResponse, context.reference, at, context.signal);
        results.push({ dataset: batch.dataset, collection: batch.collection, changed: answer.changed });
      }
      return results;
    },

    async close() {},
  };
  return connector;
}

async function readLimited(res: Response): Promise<string> {
  const length = Number(res.headers.get('content-length'));
  if (Number.isFinite(length) && length > MAX_RESPONSE_BYTES) {
    await res.body?.cancel();
    throw new ConnectorError('protocol', 'the service answered with more than 32 MB at once', false);
  }
  const reader = res.body?.getReader();
  if (!reader) return '';
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      throw new ConnectorError('protocol', 'the service answered with more than 32 MB at once', false);
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}
