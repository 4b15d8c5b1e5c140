// Connections to company systems. The data map names a connection; its address and secret live
// here, never in the map: either the name of an environment variable holding the connection URL
// (read through the configuration module, the only reader of the environment) or the URL stored
// encrypted in the vault. Also what turns a connection into a connector (by URL scheme), which
// connection serves which system, and the `NAME=URL` form the `dsr` commands take. Engine runs
// borrow connectors kept open per application context (SharedConnectorLease), so each run does
// not pay for new connections.
import { createHash } from 'node:crypto';
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
// Connectors kept open between engine runs

/** How long a connector no run uses stays open. */
export const SHARED_CONNECTOR_IDLE_MS = 60_000;

interface SharedEntry {
  name: string;
  fingerprint: string;
  connector: Connector;
  /** Runs holding it now. */
  users: number;
  /** Superseded (connection changed, removed, context closed): closed once the last run lets go. */
  retired: boolean;
  timer: ReturnType<typeof setTimeout> | null;
}

interface SharedConnectors {
  entries: Map<string, SharedEntry>;
  closed: boolean;
}

// Keyed by the context's database handle, so a context (and its connectors) can be collected
// without anyone unregistering it.
const sharedByDb = new WeakMap<object, SharedConnectors>();

function sharedFor(db: object): SharedConnectors {
  let shared = sharedByDb.get(db);
  if (!shared) sharedByDb.set(db, (shared = { entries: new Map(), closed: false }));
  return shared;
}

// The URL is part of the key so that a changed secret (a new environment, a rotated password)
// never reuses a connection opened with the old one; hashed so the key itself holds no secret.
function fingerprintOf(spec: ConnectionSpec): string {
  return createHash('sha256').update(JSON.stringify([spec.kind, spec.url, spec.options])).digest('base64url');
}

async function closeEntry(entry: SharedEntry): Promise<void> {
  if (entry.timer) clearTimeout(entry.timer);
  entry.timer = null;
  await entry.connector.close().catch(() => {});
}

function retire(shared: SharedConnectors, key: string, entry: SharedEntry): Promise<void> {
  shared.entries.delete(key);
  entry.retired = true;
  return entry.users === 0 ? closeEntry(entry) : Promise.resolve();
}

/**
 * The connectors one engine run uses, borrowed from those its context keeps open. `release()`
 * hands them back at the end of the run (it never closes one another run may be using); each is
 * closed after SHARED_CONNECTOR_IDLE_MS without use, when its connection is saved or removed,
 * and when the context closes (closeSharedConnectors).
 */
export class SharedConnectorLease implements ConnectorSource {
  private readonly held = new Set<SharedEntry>();
  private released = false;
  constructor(
    private readonly db: object,
    private readonly specs: ReadonlyMap<string, ConnectionSpec>,
  ) {}

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
    const held = [...this.held].find((e) => e.name === spec.name);
    if (held) return held.connector;
    const shared = sharedFor(this.db);
    const fingerprint = fingerprintOf(spec);
    const key = `${spec.name}\u0000${fingerprint}`;
    let entry = shared.entries.get(key);
    if (!entry) {
      // The same name opened with another URL or options is out of date.
      for (const [k, e] of shared.entries) if (e.name === spec.name) void retire(shared, k, e);
      entry = { name: spec.name, fingerprint, connector: openConnector(spec), users: 0, retired: shared.closed, timer: null };
      if (!shared.closed) shared.entries.set(key, entry);
    }
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    entry.users += 1;
    this.held.add(entry);
    return entry.connector;
  }

  /** Ends the run's use of its connectors; idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const list = [...this.held];
    this.held.clear();
    const closing: Promise<void>[] = [];
    for (const entry of list) {
      entry.users -= 1;
      if (entry.users > 0) continue;
      if (entry.retired) {
        closing.push(closeEntry(entry));
        continue;
      }
      const shared = sharedFor(this.db);
      const key = `${entry.name}\u0000${entry.fingerprint}`;
      entry.timer = setTimeout(() => {
        entry.timer = null;
        if (entry.users === 0 && shared.entries.get(key) === entry) void retire(shared, key, entry);
      }, SHARED_CONNECTOR_IDLE_MS);
      // An idle connector never keeps the process alive; the context's close ends it anyway.
      entry.timer.unref();
    }
    await Promise.all(closing);
  }
}

/** Closes the kept connectors of a connection (after it was saved or removed); those in use close when their run ends. */
export async function forgetSharedConnection(db: object, name: string): Promise<void> {
  const shared = sharedByDb.get(db);
  if (!shared) return;
  const closing: Promise<void>[] = [];
  for (const [k, e] of shared.entries) if (e.name === name) closing.push(retire(shared, k, e));
  await Promise.all(closing);
}

/** Closes every kept connector of a context; for when the context closes. Runs still going close theirs when they end. */
export async function closeSharedConnectors(db: object): Promise<void> {
  const shared = sharedFor(db);
  shared.closed = true;
  await Promise.all([...shared.entries].map(([k, e]) => retire(shared, k, e)));
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
  const saved = await ctx.db.transaction().execute(async (trx) => {
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
  await forgetSharedConnection(ctx.db, input.name);
  return saved;
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
  await forgetSharedConnection(ctx.db, name);
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
