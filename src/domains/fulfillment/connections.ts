// Connections to company systems. The data map names a connection; its address and secret live
// here, never in the map: either the name of an environment variable holding the connection URL
// (read through the configuration module, the only reader of the environment) or the URL stored
// encrypted in the vault. Also what turns a connection into a connector (by URL scheme), which
// connection serves which system, and the `NAME=URL` form the `dsr` commands take.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { CONNECTION_ENV_PATTERN, readConnectionSecret } from '../../config/config.ts';
import {
  CONNECTOR_KINDS,
  ZConnectorOptions,
  type Connector,
  type ConnectionCheck,
  type ConnectorKind,
  type ConnectorOptions,
  type ProbeTarget,
} from '../../connectors/connector.ts';
import { createHttpConnector } from '../../connectors/http.connector.ts';
import { createManualConnector } from '../../connectors/manual.connector.ts';
import { createMysqlConnector } from '../../connectors/mysql.connector.ts';
import { createPostgresConnector } from '../../connectors/postgres.connector.ts';
import { createRedisConnector } from '../../connectors/redis.connector.ts';
import { AppError } from '../../lib/errors.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import type { DataMap } from '../inventory/datamap.types.ts';
import * as repo from './engine.repository.ts';
import type { PlanNode } from './planner.ts';
import type { ConnectorSource } from './traversal.ts';

/** Connection names: a data map's `connection`, a system name or a Fides key. */
export const CONNECTION_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.<>-]{0,199}$/;
export const CONNECTION_SECRET_KIND = 'fulfillment.connection_secret';

export interface ConnectionSpec {
  name: string;
  kind: ConnectorKind;
  /** The connection URL with its secret; never logged or shown (see redactUrl). */
  url: string;
  options: ConnectorOptions;
}

const SCHEMES: Record<string, ConnectorKind> = {
  'postgres:': 'postgresql',
  'postgresql:': 'postgresql',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
  'redis:': 'redis',
  'rediss:': 'redis',
  'http:': 'http',
  'https:': 'http',
  'manual:': 'manual',
};

export function connectorKindOfUrl(url: string): ConnectorKind | null {
  try {
    return SCHEMES[new URL(url).protocol] ?? null;
  } catch {
    return null;
  }
}

/** The URL without user, password, query or fragment: what may be printed. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.protocol === 'manual:') return 'manual:';
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

export function openConnector(spec: ConnectionSpec): Connector {
  const input = { name: spec.name, url: spec.url, options: spec.options };
  switch (spec.kind) {
    case 'postgresql':
      return createPostgresConnector(input);
    case 'mysql':
      return createMysqlConnector(input);
    case 'redis':
      return createRedisConnector(input);
    case 'http':
      return createHttpConnector(input);
    case 'manual':
      return createManualConnector({ name: spec.name, options: spec.options });
  }
}

/** Parses `NAME=URL` from the command line; the error never repeats the URL. */
export function parseConnectionArgument(text: string): { name: string; url: string } {
  const eq = text.indexOf('=');
  const name = eq > 0 ? text.slice(0, eq) : '';
  const url = eq > 0 ? text.slice(eq + 1) : '';
  if (!CONNECTION_NAME_PATTERN.test(name)) throw new Error(`'${name.slice(0, 60) || text.slice(0, 20)}…' must be NAME=URL, NAME being a connection name or Fides key`);
  if (connectorKindOfUrl(url) === null) {
    throw new Error(`connection ${name}: the URL must start with postgres://, mysql://, mariadb://, redis://, http(s):// or manual:`);
  }
  return { name, url };
}

/** Which connection names can serve a system: its `connection`, its own name, then its datasets' names (Fides keys). */
export function connectionCandidates(node: Pick<PlanNode, 'connection' | 'system' | 'dataset'>): string[] {
  return [...new Set([node.connection, node.system, node.dataset].filter((n): n is string => typeof n === 'string'))];
}

/**
 * Opens a connector per connection the first time a collection needs it and closes them all at
 * the end. A manual system gets the manual connector without any configuration.
 */
export class ConnectorPool implements ConnectorSource {
  private readonly open = new Map<string, Connector>();
  constructor(private readonly specs: ReadonlyMap<string, ConnectionSpec>) {}

  forNode(node: PlanNode): Connector | null {
    const spec = connectionCandidates(node)
      .map((n) => this.specs.get(n))
      .find((s): s is ConnectionSpec => s !== undefined);
    if (!spec) {
      if (node.systemKind !== 'manual') return null;
      return this.get({ name: node.system, kind: 'manual', url: 'manual:', options: {} });
    }
    return this.get(spec);
  }

  private get(spec: ConnectionSpec): Connector {
    let c = this.open.get(spec.name);
    if (!c) this.open.set(spec.name, (c = openConnector(spec)));
    return c;
  }

  /** Connection names of the map's systems that no spec serves (manual systems need none). */
  static missing(map: DataMap, specs: ReadonlyMap<string, ConnectionSpec>): string[] {
    const out: string[] = [];
    for (const s of map.systems) {
      if (s.kind === 'manual') continue;
      const names = [s.connection, s.name, ...s.datasets.map((d) => d.name)].filter((n): n is string => typeof n === 'string');
      if (!names.some((n) => specs.has(n))) out.push(s.connection ?? s.name);
    }
    return out;
  }

  async closeAll(): Promise<void> {
    const list = [...this.open.values()];
    this.open.clear();
    await Promise.all(list.map((c) => c.close().catch(() => {})));
  }
}

// ---------------------------------------------------------------------------------------------
// Stored connections

export const ZConnectionInput = z
  .strictObject({
    name: z.string().regex(CONNECTION_NAME_PATTERN, 'must be letters, digits, _ . < > - (at most 200 characters)'),
    kind: z.enum(CONNECTOR_KINDS).optional(),
    /** The environment variable that holds the connection URL. */
    env: z.string().regex(CONNECTION_ENV_PATTERN, 'must be an environment variable name in capitals (not a MADOGUCHI_ setting)').optional(),
    /** The connection URL, stored encrypted. */
    url: z.string().min(8).max(2000).optional(),
    options: ZConnectorOptions.optional(),
  })
  .refine((v) => v.kind === 'manual' || (v.env === undefined) !== (v.url === undefined), {
    message: 'give either env (a variable name) or url (stored encrypted), not both',
    path: ['env'],
  })
  .refine((v) => v.env === undefined || v.kind !== undefined, { message: 'kind is required with env', path: ['kind'] })
  .refine((v) => v.url === undefined || connectorKindOfUrl(v.url) !== null, { message: 'the URL scheme is not one Madoguchi connects to', path: ['url'] })
  .refine((v) => v.url === undefined || v.kind === undefined || connectorKindOfUrl(v.url) === v.kind, { message: 'the URL scheme does not match kind', path: ['kind'] });
export type TConnectionInput = z.infer<typeof ZConnectionInput>;

export interface ConnectionView {
  name: string;
  kind: ConnectorKind;
  secretSource: 'env' | 'vault' | 'none';
  envVar: string | null;
  options: ConnectorOptions;
  lastTestedAt: Date | null;
  lastTest: Record<string, unknown> | null;
}

function toView(row: repo.ConnectionRow): ConnectionView {
  const options = ZConnectorOptions.safeParse(row.options);
  return {
    name: row.name,
    kind: row.kind,
    secretSource: row.secret_env !== null ? 'env' : row.secret_blob_id !== null ? 'vault' : 'none',
    envVar: row.secret_env,
    options: options.success ? options.data : {},
    lastTestedAt: row.last_tested_at,
    lastTest: row.last_test,
  };
}

function invalid(issues: z.core.$ZodIssue[]): AppError {
  return new AppError('validation_failed', {
    details: issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', reason: i.code, message: i.message })),
  });
}

/** Creates or replaces a stored connection; the URL (if given) goes into the vault. */
export async function saveConnection(ctx: AppContext, actor: Actor, raw: unknown): Promise<{ created: boolean; view: ConnectionView }> {
  const parsed = ZConnectionInput.safeParse(raw);
  if (!parsed.success) throw invalid(parsed.error.issues);
  const input = parsed.data;
  const kind: ConnectorKind = input.kind ?? (input.url ? connectorKindOfUrl(input.url) : null) ?? 'manual';
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const existing = await repo.lockConnection(trx, input.name);
    let blobId: string | null = null;
    if (input.url !== undefined) {
      blobId = (await ctx.vault.store(trx, { kind: CONNECTION_SECRET_KIND, contentType: 'text/plain', bytes: Buffer.from(input.url, 'utf8'), now })).id;
    }
    if (existing?.secret_blob_id) await ctx.vault.dispose(trx, existing.secret_blob_id, now);
    const options = JSON.stringify(input.options ?? {});
    if (existing) {
      await repo.updateConnection(trx, input.name, { kind, secret_env: input.env ?? null, secret_blob_id: blobId, options, updated_at: now });
    } else {
      await repo.insertConnection(trx, { name: input.name, kind, secret_env: input.env ?? null, secret_blob_id: blobId, options, created_by: actor.id, created_at: now, updated_at: now });
    }
    await appendAudit(trx, {
      action: existing ? 'connection.updated' : 'connection.created',
      actor,
      target: { type: 'connection', id: input.name },
      details: { kind, secretSource: input.env !== undefined ? 'env' : blobId !== null ? 'vault' : 'none' },
      at: now,
    });
    const row = await repo.findConnection(trx, input.name);
    if (!row) throw new AppError('not_found');
    return { created: !existing, view: toView(row) };
  });
}

export async function listConnections(ctx: AppContext): Promise<ConnectionView[]> {
  return (await repo.listConnections(ctx.db)).map(toView);
}

export async function removeConnection(ctx: AppContext, actor: Actor, name: string): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const row = await repo.lockConnection(trx, name);
    if (!row) throw new AppError('not_found');
    if (row.secret_blob_id) await ctx.vault.dispose(trx, row.secret_blob_id, now);
    await repo.deleteConnection(trx, name);
    await appendAudit(trx, { action: 'connection.deleted', actor, target: { type: 'connection', id: name }, details: { kind: row.kind }, at: now });
  });
}

/**
 * The spec of a stored connection, secret included. `env` is the environment snapshot the entry
 * point parsed the configuration from. A variable that is unset is `validation_failed`.
 */
export async function resolveConnection(ctx: AppContext, env: Record<string, string | undefined>, name: string): Promise<ConnectionSpec> {
  const row = await repo.findConnection(ctx.db, name);
  if (!row) throw new AppError('not_found', { details: [{ path: 'connection', reason: 'unknown_connection', message: `no connection is named ${name.slice(0, 200)}` }] });
  const options = ZConnectorOptions.safeParse(row.options);
  let url = 'manual:';
  if (row.secret_env !== null) {
    const value = readConnectionSecret(env, row.secret_env);
    if (value === undefined) {
      throw new AppError('validation_failed', { details: [{ path: 'connection', reason: 'secret_unset', message: `the environment variable ${row.secret_env} is not set` }] });
    }
    url = value;
  } else if (row.secret_blob_id !== null) {
    url = (await ctx.vault.read(ctx.db, row.secret_blob_id)).bytes.toString('utf8');
  }
  const kind = connectorKindOfUrl(url);
  if (kind !== row.kind) {
    throw new AppError('validation_failed', { details: [{ path: 'connection', reason: 'kind_mismatch', message: `the URL of ${name} is not a ${row.kind} URL` }] });
  }
  return { name, kind: row.kind, url, options: options.success ? options.data : {} };
}

/** Specs for every stored connection a data map's systems name (missing ones are left out). */
export async function resolveConnectionsForMap(ctx: AppContext, env: Record<string, string | undefined>, map: DataMap): Promise<Map<string, ConnectionSpec>> {
  const specs = new Map<string, ConnectionSpec>();
  const names = new Set<string>();
  for (const s of map.systems) for (const n of [s.connection, s.name, ...s.datasets.map((d) => d.name)]) if (typeof n === 'string') names.add(n);
  for (const name of names) {
    if (!(await repo.findConnection(ctx.db, name))) continue;
    specs.set(name, await resolveConnection(ctx, env, name));
  }
  return specs;
}

/** Checks reachability and write permission of a stored connection; records and audits the result. */
export async function testConnection(
  ctx: AppContext,
  env: Record<string, string | undefined>,
  actor: Actor,
  name: string,
  targets?: readonly ProbeTarget[],
): Promise<ConnectionCheck> {
  const spec = await resolveConnection(ctx, env, name);
  const connector = openConnector(spec);
  let check: ConnectionCheck;
  try {
    check = await connector.test(targets);
  } finally {
    await connector.close();
  }
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await repo.recordConnectionTest(trx, name, now, { reachable: check.reachable, canWrite: check.canWrite, detail: check.detail, latencyMs: check.latencyMs });
    await appendAudit(trx, {
      action: 'connection.tested',
      actor,
      target: { type: 'connection', id: name },
      details: { reachable: check.reachable, canWrite: check.canWrite, latencyMs: check.latencyMs },
      at: now,
    });
  });
  return check;
}
