// API keys for the company's own applications (consent decisions, request intake through the
// SDK). A key looks like `mdg_<prefix>_<secret>`: the prefix identifies it in lists and logs,
// the whole key is stored only as a hash and shown once. Keys carry scopes, can expire and be
// revoked; each use records last_used_at (at most once a minute).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { DAY_MS, MINUTE_MS } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { hashToken, newId } from '../../lib/ids.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import * as repo from './api-key.repository.ts';
import type { RequestMeta } from './staff.ts';

/** What a key may be used for. Add a scope here when an /api/app route needs a new one. */
export const API_KEY_SCOPES = [
  'consent:read',
  'consent:write',
  'requests:create',
  'requests:read',
  'provisions:write',
  'inventory:read',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
export const ZApiKeyScope = z.enum(API_KEY_SCOPES);

export const API_KEY_LIST_LIMIT = 1000;
const LAST_USED_INTERVAL_MS = MINUTE_MS;
const KEY_SHAPE = /^mdg_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export const ZCreateApiKeyInput = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(ZApiKeyScope).min(1).max(API_KEY_SCOPES.length),
  /** Days until the key stops working; absent means it works until revoked. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type TCreateApiKeyInput = z.infer<typeof ZCreateApiKeyInput>;

export const ZApiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  createdBy: z.string().nullable(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
  expiresAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});
export type ApiKeyView = z.infer<typeof ZApiKeyView>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toApiKeyView(row: repo.ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: iso(row.last_used_at),
    expiresAt: iso(row.expires_at),
    revokedAt: iso(row.revoked_at),
  };
}

/** The caller behind an /api/app request. */
export interface ApiKeyPrincipal {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
}

export async function createApiKey(
  ctx: AppContext,
  input: TCreateApiKeyInput,
  actor: Actor,
  meta: RequestMeta = {},
): Promise<{ apiKey: ApiKeyView; key: string }> {
  const parsed = ZCreateApiKeyInput.safeParse(input);
  if (!parsed.success) throw new AppError('validation_failed');
  const now = ctx.clock.now();
  const prefix = randomBytes(6).toString('hex');
  const key = `mdg_${prefix}_${randomBytes(32).toString('base64url')}`;
  const id = newId('key');
  const scopes = [...new Set(parsed.data.scopes)].sort();
  const expiresAt = parsed.data.expiresInDays === undefined ? null : new Date(now.getTime() + parsed.data.expiresInDays * DAY_MS);
  return ctx.db.transaction().execute(async (trx) => {
    await repo.insertApiKey(trx, {
      id,
      name: parsed.data.name,
      prefix,
      keyHash: hashToken(key),
      scopes,
      createdBy: actor.type === 'staff' ? actor.id : null,
      now,
      expiresAt,
    });
    await appendAudit(trx, {
      action: 'api_key.created',
      actor,
      target: { type: 'api_key', id },
      requestId: meta.requestId ?? null,
      details: { prefix, scopes, expiresAt: expiresAt ? expiresAt.toISOString() : null },
      at: now,
    });
    const row = await repo.findApiKeyById(trx, id);
    if (!row) throw new Error('api key row vanished inside its own transaction');
    return { apiKey: toApiKeyView(row), key };
  });
}

export async function listApiKeys(ctx: AppContext): Promise<ApiKeyView[]> {
  return (await repo.listApiKeys(ctx.db, API_KEY_LIST_LIMIT)).map(toApiKeyView);
}

/** Revoking twice is harmless: the second call changes and records nothing. */
export async function revokeApiKey(ctx: AppContext, id: string, actor: Actor, meta: RequestMeta = {}): Promise<ApiKeyView> {
  const now = ctx.clock.now();
  const view = await ctx.db.transaction().execute(async (trx) => {
    const row = await repo.lockApiKeyById(trx, id);
    if (!row) throw new AppError('not_found');
    if (row.revoked_at === null) {
      await repo.revokeApiKey(trx, id, now);
      await appendAudit(trx, {
        action: 'api_key.revoked',
        actor,
        target: { type: 'api_key', id },
        requestId: meta.requestId ?? null,
        details: { prefix: row.prefix },
        at: now,
      });
    }
    const updated = await repo.findApiKeyById(trx, id);
    if (!updated) throw new AppError('not_found');
    return toApiKeyView(updated);
  });
  // A revoked key stops working at once in this process.
  keyCacheOf(ctx).clear();
  return view;
}

/**
 * Checks a presented key: unknown, malformed, revoked and expired keys are all
 * `unauthenticated`; a good key without the scope is `forbidden`. `scope` null accepts any
 * working key.
 */
export async function authenticateApiKey(ctx: AppContext, presented: string, scope: ApiKeyScope | null): Promise<ApiKeyPrincipal> {
  const match = KEY_SHAPE.exec(presented);
  if (!match) throw new AppError('unauthenticated');
  const hash = hashToken(presented);
  const now = ctx.clock.now();
  const cache = keyCacheOf(ctx);
  let entry = cache.get(hash);
  if (!entry || now.getTime() - entry.fetchedAt >= KEY_CACHE_MS || now.getTime() < entry.fetchedAt) {
    const row = await repo.findApiKeyByHash(ctx.db, hash);
    if (cache.size >= KEY_CACHE_MAX) cache.clear();
    entry = { row: row ?? null, fetchedAt: now.getTime(), touchedAt: entry?.touchedAt ?? 0 };
    cache.set(hash, entry);
  }
  const row = entry.row;
  if (!row || row.prefix !== match[1] || row.revoked_at !== null) throw new AppError('unauthenticated');
  if (row.expires_at !== null && row.expires_at.getTime() <= now.getTime()) throw new AppError('unauthenticated');
  const scopes = row.scopes.filter((s): s is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(s));
  if (scope !== null && !scopes.includes(scope)) throw new AppError('forbidden');
  if (now.getTime() - entry.touchedAt >= LAST_USED_INTERVAL_MS || now.getTime() < entry.touchedAt) {
    entry.touchedAt = now.getTime();
    await repo.touchApiKey(ctx.db, row.id, now, LAST_USED_INTERVAL_MS);
  }
  return { id: row.id, name: row.name, prefix: row.prefix, scopes };
}

// Applications call the decision API many times a second with the same key: the key's row is
// kept in memory for a few seconds (a revocation in this process clears it at once; another
// process sees it within KEY_CACHE_MS), and last_used_at is written at most once a minute.
const KEY_CACHE_MS = 5_000;
const KEY_CACHE_MAX = 1_000;
type KeyCacheEntry = { row: Awaited<ReturnType<typeof repo.findApiKeyByHash>> | null; fetchedAt: number; touchedAt: number };
const keyCaches = new WeakMap<object, Map<string, KeyCacheEntry>>();

function keyCacheOf(ctx: Pick<AppContext, 'db'>): Map<string, KeyCacheEntry> {
  let cache = keyCaches.get(ctx.db);
  if (!cache) {
    cache = new Map();
    keyCaches.set(ctx.db, cache);
  }
  return cache;
}
