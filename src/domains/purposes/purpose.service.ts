// Use cases for the purposes-of-use registry: list, read, create, change and retire a purpose,
// each change a new version with an audit entry in the same transaction. A purpose is never
// deleted: consent records and the data map keep pointing at its code.
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../lib/errors.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { parseOrThrow } from '../policies/validation.ts';
import * as repo from './purpose.repository.ts';
import {
  ZCreatePurposeInput,
  ZUpdatePurposeInput,
  toNoticePurpose,
  type CreatePurposeInput,
  type NoticePurpose,
  type Purpose,
  type PurposeFields,
} from './purpose.ts';

export interface Meta {
  requestId?: string | null;
}

export async function listPurposes(db: Db, options: { includeRetired?: boolean } = {}): Promise<Purpose[]> {
  return (await repo.listPurposes(db, { includeRetired: options.includeRetired ?? false })).map(repo.toPurpose);
}

export async function getPurpose(db: Db, code: string): Promise<Purpose> {
  const row = await repo.findPurpose(db, code);
  if (!row) throw new AppError('not_found');
  return repo.toPurpose(row);
}

/** The purposes of use the notice lists: every active purpose, in the registry's order. */
export async function activeNoticePurposes(db: Db): Promise<NoticePurpose[]> {
  return (await listPurposes(db)).map(toNoticePurpose);
}

export interface PurposeVersionView {
  version: number;
  change: 'created' | 'updated' | 'retired';
  snapshot: unknown;
  actor: { type: string; id: string | null };
  at: Date;
}

export async function listPurposeVersions(db: Db, code: string): Promise<PurposeVersionView[]> {
  await getPurpose(db, code);
  return (await repo.listPurposeVersions(db, code)).map((r) => ({
    version: r.version,
    change: r.change,
    snapshot: r.snapshot,
    actor: { type: r.actor_type, id: r.actor_id },
    at: r.created_at,
  }));
}

/** Inside the caller's transaction (the seed uses it too). */
export async function insertPurposeInTransaction(trx: Db, input: CreatePurposeInput, actor: Actor, now: Date, meta: Meta = {}): Promise<Purpose> {
  const parsed = parseOrThrow(ZCreatePurposeInput, input, '');
  if (await repo.findPurpose(trx, parsed.code)) throw new AppError('already_exists');
  const purpose: Purpose = { ...parsed, status: 'active', version: 1, updatedAt: now };
  await repo.insertPurpose(trx, purpose);
  await repo.insertPurposeVersion(trx, { purpose, change: 'created', actorType: actor.type, actorId: actor.id, now });
  await appendAudit(trx, {
    action: 'purpose.created',
    actor,
    target: { type: 'purpose', id: purpose.code },
    requestId: meta.requestId ?? null,
    details: { version: 1, basis: purpose.basis, categories: purpose.dataCategories.length },
    at: now,
  });
  return purpose;
}

export async function createPurpose(ctx: AppContext, input: CreatePurposeInput, actor: Actor, meta: Meta = {}): Promise<Purpose> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute((trx) => insertPurposeInTransaction(trx, input, actor, now, meta));
}

function changedFields(before: Purpose, after: PurposeFields): string[] {
  const fields: (keyof PurposeFields)[] = ['title', 'description', 'dataCategories', 'basis', 'sortOrder'];
  return fields.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]));
}

export async function updatePurpose(
  ctx: AppContext,
  code: string,
  input: PurposeFields & { expectedVersion?: number | undefined },
  actor: Actor,
  meta: Meta = {},
): Promise<Purpose> {
  const { expectedVersion, ...fields } = parseOrThrow(ZUpdatePurposeInput, input, '');
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await repo.lockPurpose(trx, code);
    if (!row) throw new AppError('not_found');
    const before = repo.toPurpose(row);
    if (expectedVersion !== undefined && expectedVersion !== before.version) {
      throw new AppError('conflict', { details: [{ reason: 'version_changed', message: `current version is ${before.version}` }] });
    }
    const changed = changedFields(before, fields);
    if (changed.length === 0) return before;
    const purpose: Purpose = { ...before, ...fields, version: before.version + 1, updatedAt: now };
    await repo.updatePurpose(trx, purpose);
    await repo.insertPurposeVersion(trx, { purpose, change: 'updated', actorType: actor.type, actorId: actor.id, now });
    await appendAudit(trx, {
      action: 'purpose.updated',
      actor,
      target: { type: 'purpose', id: code },
      requestId: meta.requestId ?? null,
      details: { version: purpose.version, changed },
      at: now,
    });
    return purpose;
  });
}

export async function retirePurpose(ctx: AppContext, code: string, actor: Actor, meta: Meta = {}): Promise<Purpose> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await repo.lockPurpose(trx, code);
    if (!row) throw new AppError('not_found');
    const before = repo.toPurpose(row);
    if (before.status === 'retired') return before;
    const purpose: Purpose = { ...before, status: 'retired', version: before.version + 1, updatedAt: now };
    await repo.updatePurpose(trx, purpose);
    await repo.insertPurposeVersion(trx, { purpose, change: 'retired', actorType: actor.type, actorId: actor.id, now });
    await appendAudit(trx, {
      action: 'purpose.retired',
      actor,
      target: { type: 'purpose', id: code },
      requestId: meta.requestId ?? null,
      details: { version: purpose.version },
      at: now,
    });
    return purpose;
  });
}
