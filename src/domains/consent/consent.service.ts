// Use cases of consent records: granting and withdrawing (one receipt per call, one event per
// purpose, the current state, the change feed and the audit entry, all in one transaction),
// importing earlier records, a person's history, decisions for up to 1,000 subjects at once,
// and the snapshot the SDK's local mode loads. Withdrawing takes exactly what granting takes.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import { AppError, type ErrorDetail } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Actor, AuditAction } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { getOrganizationState } from '../organization/organization.service.ts';
import { getPolicyDocument, getPolicyVersion } from '../policies/policy.service.ts';
import { isPolicyKind } from '../policies/policy.ts';
import { parseOrThrow } from '../policies/validation.ts';
import { listPurposes } from '../purposes/purpose.service.ts';
import type { Purpose } from '../purposes/purpose.ts';
import {
  MAX_BATCH_SUBJECTS,
  ZConsentInput,
  ZPolicyVersionRef,
  ZPurposeRef,
  ZSubject,
  type ConsentAction,
  type ConsentSource,
  type PurposeDecision,
  type PurposeFacts,
  type Restriction,
  type SubjectState,
  type SubjectType,
  type TConsentInput,
  type TDecisionItem,
  type TSubject,
} from './consent.ts';
import { buildReceipt, receiptHash, type ReceiptPurpose } from './consent-receipt.ts';
import { decide } from './consent.rules.ts';
import * as repo from './consent.repository.ts';
import { evidenceHash, subjectHasher, subjectKeyOf, subjectSecret } from './subject-key.ts';

type Ctx = Pick<AppContext, 'db' | 'vault' | 'clock'>;

export interface Meta {
  requestId?: string | null;
}

// ---------------------------------------------------------------------------------------------
// The registry as the decision rule sees it

/** Every purpose the registry knows, retired ones included (they decide as not declared). */
export async function loadRegistry(db: Db): Promise<Map<string, PurposeFacts>> {
  const purposes = await listPurposes(db, { includeRetired: true });
  return new Map(purposes.map((p) => [p.code, { code: p.code, basis: p.basis, active: p.status === 'active', version: p.version }]));
}

/** How long decisions reuse the registry they read: a purpose created or retired counts within a second. */
export const REGISTRY_TTL_MS = 1000;
const registryCache = new WeakMap<object, { until: number; registry: Promise<Map<string, PurposeFacts>> }>();

/** The registry for decisions, read at most once a second per database (it changes rarely; decisions are many). */
export function decisionRegistry(db: Db): Promise<Map<string, PurposeFacts>> {
  const now = performance.now();
  const cached = registryCache.get(db);
  if (cached && cached.until > now) return cached.registry;
  const registry = loadRegistry(db);
  registryCache.set(db, { until: now + REGISTRY_TTL_MS, registry });
  registry.catch(() => registryCache.delete(db));
  return registry;
}

// ---------------------------------------------------------------------------------------------
// Recording

interface PreparedRecord {
  subjectKey: string;
  subjectType: SubjectType;
  action: ConsentAction;
  source: ConsentSource;
  purposes: ReceiptPurpose[];
  notice: { kind: string; number: number } | null;
  ipHash: string | null;
  uaHash: string | null;
  at: Date;
}

export interface RecordedConsent {
  receiptId: string;
  receiptHash: string;
  subjectKey: string;
  action: ConsentAction;
  purposes: string[];
  source: ConsentSource;
  notice: { kind: string; number: number } | null;
  at: Date;
  /** The change-feed position of the last change this record made (0 when it changed nothing). */
  seq: number;
  receipt: Record<string, unknown>;
}

/** Consent purposes by code; the problems of the ones that cannot take a consent. */
function consentPurposes(all: readonly Purpose[], codes: readonly string[], basePath: string): { purposes: ReceiptPurpose[]; problems: ErrorDetail[] } {
  const byCode = new Map(all.map((p) => [p.code, p]));
  const problems: ErrorDetail[] = [];
  const purposes: ReceiptPurpose[] = [];
  const seen = new Set<string>();
  codes.forEach((code, i) => {
    if (seen.has(code)) return;
    seen.add(code);
    const p = byCode.get(code);
    if (!p || p.status !== 'active') {
      problems.push({ path: `${basePath}.${i}`, reason: 'purpose_unknown', message: 'not a purpose of use in the registry (or retired)' });
    } else if (p.basis !== 'consent') {
      problems.push({ path: `${basePath}.${i}`, reason: 'purpose_not_consent_based', message: 'this purpose is relied on as stated; it does not take consent' });
    } else {
      purposes.push({ code: p.code, version: p.version, title: p.title, dataCategories: p.dataCategories });
    }
  });
  return { purposes, problems };
}

/** The notice shown: the version named (it must be published), else the company policy in force. */
async function resolveNotice(ctx: AppContext, ref: { kind: string; number: number } | undefined, path: string): Promise<{ kind: string; number: number } | null> {
  if (!ref) {
    const doc = await getPolicyDocument(ctx, 'company-policy');
    return doc.inForce ? { kind: 'company-policy', number: doc.inForce.number } : null;
  }
  const unknown = new AppError('validation_failed', { details: [{ path, reason: 'policy_version_unknown', message: 'no published version of this policy has that number' }] });
  if (!isPolicyKind(ref.kind)) throw unknown;
  try {
    const version = await getPolicyVersion(ctx, ref.kind, ref.number);
    if (version.status !== 'published') throw unknown;
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') throw unknown;
    throw err;
  }
  return { kind: ref.kind, number: ref.number };
}

async function writeRecord(trx: Db, ctx: Ctx, rec: PreparedRecord, actor: Actor, auditAction: AuditAction, meta: Meta, controller: { ja: string; en: string } | null): Promise<RecordedConsent> {
  const receiptId = newId('crc');
  const receipt = buildReceipt({
    receiptId,
    at: rec.at,
    controller,
    subjectKey: rec.subjectKey,
    subjectType: rec.subjectType,
    action: rec.action,
    source: rec.source,
    purposes: rec.purposes,
    notice: rec.notice,
    evidence: { ipHash: rec.ipHash, userAgentHash: rec.uaHash },
    recordedBy: { type: actor.type, id: actor.id },
  });
  const hash = receiptHash(receipt);
  await repo.ensureSubject(trx, rec.subjectKey, rec.subjectType, rec.at);
  await repo.insertReceipt(trx, {
    id: receiptId,
    subject_key: rec.subjectKey,
    action: rec.action,
    source: rec.source,
    policy_kind: rec.notice?.kind ?? null,
    policy_number: rec.notice?.number ?? null,
    receipt: receipt as Record<string, unknown>,
    receipt_hash: hash,
    ip_hash: rec.ipHash,
    ua_hash: rec.uaHash,
    actor_type: actor.type,
    actor_id: actor.id,
    at: rec.at,
  });
  const events = rec.purposes.map((p) => ({
    id: newId('cev'),
    receipt_id: receiptId,
    subject_key: rec.subjectKey,
    purpose_code: p.code,
    purpose_version: p.version,
    action: rec.action,
    source: rec.source,
    at: rec.at,
  }));
  await repo.insertEvents(trx, events);
  const changed = await repo.upsertStates(
    trx,
    events.map((e) => ({ subject_key: e.subject_key, purpose_code: e.purpose_code, state: e.action, event_id: e.id, source: e.source, updated_at: e.at })),
  );
  // The audit entry first: every writer takes the audit head before the feed head.
  await appendAudit(trx, {
    action: auditAction,
    actor,
    target: { type: 'consent_receipt', id: receiptId },
    requestId: meta.requestId ?? null,
    subjectRef: rec.subjectKey,
    details: { action: rec.action, source: rec.source, purposes: rec.purposes.map((p) => p.code), receiptHash: hash, notice: rec.notice ? `${rec.notice.kind}@${rec.notice.number}` : null },
    at: ctx.clock.now(),
  });
  const seqs = await repo.appendChanges(
    trx,
    changed.map((c) => ({ subjectKey: c.subject_key, kind: 'consent' as const, data: { purpose: c.purpose_code, state: c.state }, at: rec.at })),
  );
  return {
    receiptId,
    receiptHash: hash,
    subjectKey: rec.subjectKey,
    action: rec.action,
    purposes: rec.purposes.map((p) => p.code),
    source: rec.source,
    notice: rec.notice,
    at: rec.at,
    seq: seqs[seqs.length - 1] ?? 0,
    receipt: receipt as Record<string, unknown>,
  };
}

/** Grants or withdraws consent to purposes for one person (an application, a web form). */
export async function recordConsent(ctx: AppContext, action: ConsentAction, input: TConsentInput, actor: Actor, meta: Meta = {}): Promise<RecordedConsent> {
  const parsed = parseOrThrow(ZConsentInput, input, '');
  const { purposes, problems } = consentPurposes(await listPurposes(ctx.db, { includeRetired: true }), parsed.purposes, 'purposes');
  if (problems.length > 0) throw new AppError('validation_failed', { details: problems });
  const notice = await resolveNotice(ctx, parsed.policyVersion, 'policyVersion');
  const subjectKey = await subjectKeyOf(ctx.db, ctx, parsed.subject);
  const ipHash = parsed.evidence?.ip ? await evidenceHash(ctx.db, ctx, 'ip', parsed.evidence.ip) : null;
  const uaHash = parsed.evidence?.userAgent ? await evidenceHash(ctx.db, ctx, 'ua', parsed.evidence.userAgent) : null;
  const controller = (await getOrganizationState(ctx.db))?.profile?.name ?? null;
  const now = ctx.clock.now();
  const record: PreparedRecord = { subjectKey, subjectType: parsed.subject.type, action, source: parsed.source, purposes, notice, ipHash, uaHash, at: now };
  const auditAction: AuditAction = parsed.source === 'import' ? 'consent.imported' : action === 'granted' ? 'consent.granted' : 'consent.withdrawn';
  return ctx.db.transaction().execute((trx) => writeRecord(trx, ctx, record, actor, auditAction, meta, controller));
}

export const MAX_IMPORT_RECORDS = 1000;

export const ZImportRecord = z.strictObject({
  subject: ZSubject,
  action: z.enum(['granted', 'withdrawn']),
  purposes: z.array(ZPurposeRef).min(1).max(50),
  source: z.enum(['paper', 'import']),
  /** When the person decided (the paper form's date); not in the future. */
  at: z.iso.datetime({ offset: true }),
  policyVersion: ZPolicyVersionRef.optional(),
});
export const ZImportInput = z.strictObject({ records: z.array(ZImportRecord).min(1).max(MAX_IMPORT_RECORDS) });
export type TImportInput = z.input<typeof ZImportInput>;

/**
 * Staff bring in consents given on paper or kept elsewhere, each with the date it was given.
 * All or nothing: one bad record refuses the whole import. A record older than the state
 * already held is kept in the history but does not overturn the newer state.
 */
export async function importConsents(ctx: AppContext, input: TImportInput, actor: Actor, meta: Meta = {}): Promise<{ imported: number; receipts: string[] }> {
  const parsed = parseOrThrow(ZImportInput, input, '');
  const now = ctx.clock.now();
  const all = await listPurposes(ctx.db, { includeRetired: true });
  const problems: ErrorDetail[] = [];
  const prepared: Array<Omit<PreparedRecord, 'subjectKey'> & { subject: TSubject }> = [];
  for (const [i, r] of parsed.records.entries()) {
    const checked = consentPurposes(all, r.purposes, `records.${i}.purposes`);
    problems.push(...checked.problems);
    const at = new Date(r.at);
    if (at.getTime() > now.getTime()) problems.push({ path: `records.${i}.at`, reason: 'in_future', message: 'the date a consent was given cannot be in the future' });
    let notice: { kind: string; number: number } | null = null;
    try {
      notice = r.policyVersion ? await resolveNotice(ctx, r.policyVersion, `records.${i}.policyVersion`) : null;
    } catch (err) {
      if (err instanceof AppError) problems.push(...err.details);
      else throw err;
    }
    prepared.push({ subject: r.subject, subjectType: r.subject.type, action: r.action, source: r.source, purposes: checked.purposes, notice, ipHash: null, uaHash: null, at });
    if (problems.length >= 50) break;
  }
  if (problems.length > 0) throw new AppError('validation_failed', { details: problems.slice(0, 50) });
  const hash = await subjectHasher(ctx.db, ctx);
  const controller = (await getOrganizationState(ctx.db))?.profile?.name ?? null;
  // Oldest first, so the state ends at the latest record of each person.
  const ordered = prepared.map((p) => ({ ...p, subjectKey: hash(p.subject) })).sort((a, b) => a.at.getTime() - b.at.getTime());
  return ctx.db.transaction().execute(async (trx) => {
    const receipts: string[] = [];
    for (const rec of ordered) {
      const { subject: _subject, ...record } = rec;
      receipts.push((await writeRecord(trx, ctx, record, actor, 'consent.imported', meta, controller)).receiptId);
    }
    return { imported: receipts.length, receipts };
  });
}

// ---------------------------------------------------------------------------------------------
// Reading

export function toRestriction(row: repo.RestrictionRow): Restriction {
  return { id: row.id, kind: row.kind, purposes: row.purposes, recipient: row.recipient, requestId: row.request_id };
}

export interface ConsentHistory {
  subjectKey: string;
  current: Array<{ purpose: string; state: ConsentAction; source: ConsentSource; updatedAt: Date }>;
  events: Array<{ id: string; receiptId: string; purpose: string; purposeVersion: number; action: ConsentAction; source: ConsentSource; at: Date }>;
  receipts: Array<{ id: string; action: ConsentAction; source: ConsentSource; notice: { kind: string; number: number } | null; receiptHash: string; at: Date; receipt: Record<string, unknown> }>;
  restrictions: Array<Restriction & { appliedAt: Date; liftedAt: Date | null; liftReason: string | null }>;
}

export const HISTORY_LIMIT = 500;

export async function historyByKey(db: Db, subjectKey: string, limit = HISTORY_LIMIT): Promise<ConsentHistory> {
  const [states, events, receipts, restrictions] = [
    await repo.findStates(db, [subjectKey]),
    await repo.listEvents(db, subjectKey, limit),
    await repo.listReceipts(db, subjectKey, limit),
    await repo.listRestrictionsOf(db, subjectKey, limit),
  ];
  return {
    subjectKey,
    current: states
      .map((s) => ({ purpose: s.purpose_code, state: s.state, source: s.source, updatedAt: s.updated_at }))
      .sort((a, b) => a.purpose.localeCompare(b.purpose)),
    events: events.map((e) => ({ id: e.id, receiptId: e.receipt_id, purpose: e.purpose_code, purposeVersion: e.purpose_version, action: e.action, source: e.source, at: e.at })),
    receipts: receipts.map((r) => ({
      id: r.id,
      action: r.action,
      source: r.source,
      notice: r.policy_kind !== null && r.policy_number !== null ? { kind: r.policy_kind, number: r.policy_number } : null,
      receiptHash: r.receipt_hash,
      at: r.at,
      receipt: r.receipt,
    })),
    restrictions: restrictions.map((r) => ({ ...toRestriction(r), appliedAt: r.applied_at, liftedAt: r.lifted_at, liftReason: r.lift_reason })),
  };
}

/** A person's consents as they stand, every event and receipt (newest first), and restrictions. */
export async function consentHistory(ctx: Ctx, subject: TSubject, limit = HISTORY_LIMIT): Promise<ConsentHistory> {
  const parsed = parseOrThrow(ZSubject, subject, 'subject');
  return historyByKey(ctx.db, await subjectKeyOf(ctx.db, ctx, parsed), limit);
}

// ---------------------------------------------------------------------------------------------
// Decisions

/** What is known about each subject key (subjects never seen have no consents and no restrictions). */
export async function subjectStates(db: Db, keys: readonly string[]): Promise<Map<string, SubjectState>> {
  const rows = await repo.findDecisionRows(db, [...new Set(keys)]);
  const out = new Map<string, { consents: Map<string, ConsentAction>; restrictions: Restriction[] }>();
  for (const row of rows) {
    let e = out.get(row.subject_key);
    if (!e) {
      e = { consents: new Map(), restrictions: [] };
      out.set(row.subject_key, e);
    }
    if (row.t === 'c') e.consents.set(row.a, row.b === 'granted' ? 'granted' : 'withdrawn');
    else e.restrictions.push({ id: row.id ?? '', kind: row.a === 'suspension' ? 'suspension' : 'stop_provision', purposes: row.purposes, recipient: row.recipient, requestId: row.request_id });
  }
  return out;
}

const NOBODY: SubjectState = { consents: new Map(), restrictions: [] };

/** Decisions for up to 1,000 subjects, each for its purposes (and recipient), in the order asked. */
export async function decideMany(ctx: Ctx, items: readonly TDecisionItem[]): Promise<PurposeDecision[][]> {
  if (items.length > MAX_BATCH_SUBJECTS) {
    throw new AppError('validation_failed', { details: [{ path: 'items', reason: 'too_long', message: `at most ${MAX_BATCH_SUBJECTS} subjects per batch` }] });
  }
  const hash = await subjectHasher(ctx.db, ctx);
  const keys = items.map((i) => hash(i.subject));
  const registry = await decisionRegistry(ctx.db);
  const states = await subjectStates(ctx.db, keys);
  return items.map((item, i) => decide(states.get(keys[i] ?? '') ?? NOBODY, registry, item.purposes, item.recipient ?? null));
}

// ---------------------------------------------------------------------------------------------
// The SDK's snapshot

export const SNAPSHOT_PAGE_MAX = 20_000;

export interface SnapshotPage {
  /** The change feed's head before this page was read: follow the feed from the first page's. */
  seq: number;
  subjectKey: { algorithm: 'HMAC-SHA256/128'; secret: string };
  purposes: PurposeFacts[];
  subjects: Array<{ key: string; consents: Array<{ purpose: string; state: ConsentAction }>; restrictions: Restriction[] }>;
  nextCursor: string | null;
}

export async function snapshotPage(ctx: Ctx, cursor: string | null, limit: number): Promise<SnapshotPage> {
  const size = Math.max(1, Math.min(limit, SNAPSHOT_PAGE_MAX));
  const seq = await repo.feedHead(ctx.db);
  const secret = await subjectSecret(ctx.db, ctx);
  const registry = await loadRegistry(ctx.db);
  const keys = await repo.subjectKeysAfter(ctx.db, cursor, size);
  const last = keys[keys.length - 1];
  const subjects: SnapshotPage['subjects'] = [];
  if (last !== undefined) {
    const byKey = new Map<string, SnapshotPage['subjects'][number]>();
    for (const key of keys) {
      const s = { key, consents: [], restrictions: [] };
      byKey.set(key, s);
      subjects.push(s);
    }
    for (const row of await repo.statesInRange(ctx.db, cursor, last)) byKey.get(row.subject_key)?.consents.push({ purpose: row.purpose_code, state: row.state });
    for (const row of await repo.activeRestrictionsInRange(ctx.db, cursor, last)) byKey.get(row.subject_key)?.restrictions.push(toRestriction(row));
  }
  return {
    seq,
    subjectKey: { algorithm: 'HMAC-SHA256/128', secret: secret.toString('base64') },
    purposes: [...registry.values()],
    subjects,
    nextCursor: keys.length === size && last !== undefined ? last : null,
  };
}

