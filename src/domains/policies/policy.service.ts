// Use cases for policy documents: drafts, publication with an effective date, reading any
// version rendered in Japanese or English with its revision history, comparing two versions,
// and checking the Art. 32 notice. Publishing is refused while a translation is missing
// (`translation_missing`) or while a generated block cannot be filled (`notice_incomplete`),
// each with the list of gaps.
//
// The version in force is the published one with the latest effective date on or before
// today in Japan; later ones are announced as upcoming. The version in force and upcoming ones
// render from live data; older ones from the snapshot taken when they were published, which
// is what they showed at the time.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import { AppError, type ErrorDetail, type Language } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { ZLocalized, type Localized } from './localized.ts';
import { ZNoticeInput, type NoticeGap, type NoticeInput } from './notice-input.ts';
import { buildNoticeInput, defaultNoticeSources, type NoticeSources } from './notice-sources.ts';
import { checkNoticeCompleteness, generatedGaps, type NoticeCompleteness } from './notice.rules.ts';
import {
  POLICY_KIND_TITLES,
  POLICY_KINDS,
  ZEffectiveDate,
  ZPolicyContent,
  generatedKeysOf,
  type PolicyContent,
  type PolicyKind,
  type PolicyVersion,
  type PolicyVersionStatus,
} from './policy.ts';
import { effectiveDateProblem, revisionDates, revisionHistoryLines, translationGaps, type TranslationGap } from './policy-content.rules.ts';
import { diffPolicies, diffToText, type PolicyDiff } from './policy-diff.rules.ts';
import { dateInJapan } from './policy-format.ts';
import { renderPolicy, type RenderedPolicy } from './policy-render.ts';
import * as repo from './policy.repository.ts';
import { parseOrThrow } from './validation.ts';

export interface Meta {
  requestId?: string | null;
}

export interface VersionSummary {
  number: number;
  status: PolicyVersionStatus;
  effectiveDate: string | null;
  summary: Localized;
  /** in_force: the version the public reads today; upcoming: published, effective later;
   * past: replaced by a later one; draft: not published. */
  standing: 'draft' | 'in_force' | 'upcoming' | 'past';
  createdAt: Date;
  publishedAt: Date | null;
}

function toVersion(row: repo.PolicyVersionRow): PolicyVersion {
  return {
    id: row.id,
    kind: row.kind as PolicyKind,
    number: row.number,
    status: row.status,
    effectiveDate: row.effective_date,
    summary: { ja: row.summary_ja, en: row.summary_en },
    content: ZPolicyContent.parse(row.content),
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
    publishedAt: row.published_at,
    publishedBy: row.published_by,
  };
}

function today(ctx: AppContext): string {
  return dateInJapan(ctx.clock.now());
}

function standingOf(row: { status: PolicyVersionStatus; effective_date: string | null; number: number }, inForce: number | null, day: string): VersionSummary['standing'] {
  if (row.status === 'draft') return 'draft';
  if (row.number === inForce) return 'in_force';
  return row.effective_date !== null && row.effective_date > day ? 'upcoming' : 'past';
}

export interface PolicyDocumentView {
  kind: PolicyKind;
  title: Localized;
  historyBefore: string[];
  inForce: { number: number; effectiveDate: string } | null;
  upcoming: { number: number; effectiveDate: string } | null;
  draft: number | null;
  versions: VersionSummary[];
}

async function documentView(db: Db, kind: PolicyKind, day: string): Promise<PolicyDocumentView> {
  const doc = await repo.findDocument(db, kind);
  const rows = doc ? await repo.listVersionSummaries(db, kind) : [];
  const inForceRow = doc ? await repo.findInForce(db, kind, day) : undefined;
  const inForce = inForceRow?.number ?? null;
  const versions: VersionSummary[] = rows.map((r) => ({
    number: r.number,
    status: r.status,
    effectiveDate: r.effective_date,
    summary: { ja: r.summary_ja, en: r.summary_en },
    standing: standingOf(r, inForce, day),
    createdAt: r.created_at,
    publishedAt: r.published_at,
  }));
  const upcoming = versions
    .filter((v) => v.standing === 'upcoming')
    .sort((a, b) => (a.effectiveDate ?? '').localeCompare(b.effectiveDate ?? ''))[0];
  return {
    kind,
    title: inForceRow ? toVersion(inForceRow).content.title : POLICY_KIND_TITLES[kind],
    historyBefore: doc?.history_before ?? [],
    inForce: inForceRow?.effective_date ? { number: inForceRow.number, effectiveDate: inForceRow.effective_date } : null,
    upcoming: upcoming?.effectiveDate ? { number: upcoming.number, effectiveDate: upcoming.effectiveDate } : null,
    draft: versions.find((v) => v.status === 'draft')?.number ?? null,
    versions,
  };
}

export async function listPolicyDocuments(ctx: AppContext): Promise<PolicyDocumentView[]> {
  const day = today(ctx);
  const out: PolicyDocumentView[] = [];
  for (const kind of POLICY_KINDS) out.push(await documentView(ctx.db, kind, day));
  return out;
}

export async function getPolicyDocument(ctx: AppContext, kind: PolicyKind): Promise<PolicyDocumentView> {
  return documentView(ctx.db, kind, today(ctx));
}

export async function getPolicyVersion(ctx: AppContext, kind: PolicyKind, number: number): Promise<PolicyVersion> {
  const row = await repo.findVersion(ctx.db, kind, number);
  if (!row) throw new AppError('not_found');
  return toVersion(row);
}

export const ZCreateDraftInput = z.strictObject({
  /** Defaults to the content of `fromVersion`, else of the latest published version. */
  content: ZPolicyContent.optional(),
  fromVersion: z.number().int().min(1).optional(),
  effectiveDate: ZEffectiveDate.nullable().optional(),
  summary: ZLocalized(1000).optional(),
});
export type CreateDraftInput = z.infer<typeof ZCreateDraftInput>;

export const ZUpdateDraftInput = z.strictObject({
  content: ZPolicyContent.optional(),
  effectiveDate: ZEffectiveDate.nullable().optional(),
  summary: ZLocalized(1000).optional(),
});
export type UpdateDraftInput = z.infer<typeof ZUpdateDraftInput>;

export async function createPolicyDraft(ctx: AppContext, kind: PolicyKind, input: CreateDraftInput, actor: Actor, meta: Meta = {}): Promise<PolicyVersion> {
  const parsed = parseOrThrow(ZCreateDraftInput, input, '');
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    await repo.insertDocument(trx, { kind, historyBefore: [], now });
    await repo.lockDocument(trx, kind);
    if (await repo.findDraft(trx, kind)) throw new AppError('conflict', { details: [{ reason: 'draft_exists' }] });
    const latest = await repo.maxVersionNumber(trx, kind);
    let content = parsed.content;
    if (!content) {
      let base: repo.PolicyVersionRow | undefined;
      if (parsed.fromVersion !== undefined) {
        base = await repo.findVersion(trx, kind, parsed.fromVersion);
        if (!base) throw new AppError('not_found');
      } else {
        const published = await repo.listPublishedDates(trx, kind);
        const last = published[published.length - 1];
        base = last ? await repo.findVersion(trx, kind, last.number) : undefined;
      }
      if (!base) throw new AppError('validation_failed', { details: [{ path: 'content', reason: 'required', message: 'the document has no version to start from' }] });
      content = toVersion(base).content;
    }
    const number = latest + 1;
    const id = newId('pv');
    await repo.insertVersion(trx, {
      id,
      kind,
      number,
      status: 'draft',
      effectiveDate: parsed.effectiveDate ?? null,
      summary: parsed.summary ?? { ja: '', en: '' },
      content,
      generatedSnapshot: null,
      actorId: actor.id,
      now,
    });
    await appendAudit(trx, {
      action: 'policy.draft_created',
      actor,
      target: { type: 'policy_version', id },
      requestId: meta.requestId ?? null,
      details: { kind, number },
      at: now,
    });
    const row = await repo.findVersion(trx, kind, number);
    if (!row) throw new AppError('internal_error');
    return toVersion(row);
  });
}

async function lockedDraft(trx: Db, kind: PolicyKind, number: number): Promise<repo.PolicyVersionRow> {
  if (!(await repo.lockDocument(trx, kind))) throw new AppError('not_found');
  const row = await repo.findVersion(trx, kind, number);
  if (!row) throw new AppError('not_found');
  if (row.status !== 'draft') throw new AppError('conflict', { details: [{ reason: 'not_a_draft', message: 'a published version cannot change; create a new draft' }] });
  return row;
}

export async function updatePolicyDraft(
  ctx: AppContext,
  kind: PolicyKind,
  number: number,
  input: UpdateDraftInput,
  actor: Actor,
  meta: Meta = {},
): Promise<PolicyVersion> {
  const parsed = parseOrThrow(ZUpdateDraftInput, input, '');
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await lockedDraft(trx, kind, number);
    const current = toVersion(row);
    const next = {
      content: parsed.content ?? current.content,
      effectiveDate: parsed.effectiveDate === undefined ? current.effectiveDate : parsed.effectiveDate,
      summary: parsed.summary ?? current.summary,
    };
    await repo.updateDraft(trx, row.id, { ...next, now });
    await appendAudit(trx, {
      action: 'policy.draft_updated',
      actor,
      target: { type: 'policy_version', id: row.id },
      requestId: meta.requestId ?? null,
      details: { kind, number, changed: Object.keys(parsed) },
      at: now,
    });
    return { ...current, ...next, updatedAt: now };
  });
}

export async function deletePolicyDraft(ctx: AppContext, kind: PolicyKind, number: number, actor: Actor, meta: Meta = {}): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const row = await lockedDraft(trx, kind, number);
    await repo.deleteDraft(trx, row.id);
    await appendAudit(trx, {
      action: 'policy.draft_deleted',
      actor,
      target: { type: 'policy_version', id: row.id },
      requestId: meta.requestId ?? null,
      details: { kind, number },
      at: now,
    });
  });
}

const DETAIL_LIMIT = 200;

export function translationGapDetails(gaps: readonly TranslationGap[]): ErrorDetail[] {
  return gaps.slice(0, DETAIL_LIMIT).map((g) => ({
    path: `content.${g.path}.${g.language}`,
    reason: 'translation_missing',
    message: g.language === 'ja' ? 'Japanese text is missing' : 'English text is missing',
  }));
}

export function noticeGapDetails(gaps: readonly NoticeGap[]): ErrorDetail[] {
  return gaps.slice(0, DETAIL_LIMIT).map((g) => ({
    path: g.language ? `${g.field}.${g.language}` : g.field,
    reason: g.item,
  }));
}

/** What stops a version from being published, as the publish call would report it. */
export interface PublishReadiness {
  translationGaps: TranslationGap[];
  noticeGaps: NoticeGap[];
}

function readinessOf(kind: PolicyKind, content: PolicyContent, summary: Localized, input: NoticeInput): PublishReadiness {
  const tGaps = translationGaps(content, summary);
  const nGaps =
    kind === 'appi-notice' ? checkNoticeCompleteness(input, content).gaps : generatedGaps(generatedKeysOf(content), input);
  return { translationGaps: tGaps, noticeGaps: nGaps };
}

export async function checkPolicyVersion(
  ctx: AppContext,
  kind: PolicyKind,
  number: number,
  sources: NoticeSources = defaultNoticeSources(),
): Promise<PublishReadiness> {
  const version = await getPolicyVersion(ctx, kind, number);
  return readinessOf(kind, version.content, version.summary, await buildNoticeInput(ctx.db, sources));
}

export async function publishPolicyVersion(
  ctx: AppContext,
  kind: PolicyKind,
  number: number,
  actor: Actor,
  meta: Meta = {},
  sources: NoticeSources = defaultNoticeSources(),
): Promise<PolicyVersion> {
  const now = ctx.clock.now();
  const day = dateInJapan(now);
  return ctx.db.transaction().execute(async (trx) => {
    const row = await lockedDraft(trx, kind, number);
    const version = toVersion(row);
    const published = await repo.listPublishedDates(trx, kind);
    const latest = published[published.length - 1]?.effective_date ?? null;
    const problem = effectiveDateProblem(version.effectiveDate, day, latest);
    if (problem) throw new AppError('validation_failed', { details: [{ path: 'effectiveDate', reason: problem }] });
    const input = await buildNoticeInput(trx, sources);
    const readiness = readinessOf(kind, version.content, version.summary, input);
    if (readiness.translationGaps.length > 0) throw new AppError('translation_missing', { details: translationGapDetails(readiness.translationGaps) });
    if (readiness.noticeGaps.length > 0) throw new AppError('notice_incomplete', { details: noticeGapDetails(readiness.noticeGaps) });
    await repo.markPublished(trx, row.id, { actorId: actor.id, snapshot: input, now });
    await appendAudit(trx, {
      action: 'policy.published',
      actor,
      target: { type: 'policy_version', id: row.id },
      requestId: meta.requestId ?? null,
      details: { kind, number, effectiveDate: version.effectiveDate },
      at: now,
    });
    return { ...version, status: 'published', publishedAt: now, publishedBy: actor.id };
  });
}

export interface RenderedVersion {
  kind: PolicyKind;
  number: number;
  status: PolicyVersionStatus;
  standing: VersionSummary['standing'];
  effectiveDate: string | null;
  summary: string;
  rendered: RenderedPolicy;
}

/**
 * A version rendered in one language. `which` is a version number or 'in_force'. Drafts are
 * only rendered when `includeDrafts` (the admin preview); the public sees published versions.
 */
export async function renderPolicyVersion(
  ctx: AppContext,
  kind: PolicyKind,
  which: number | 'in_force',
  lang: Language,
  options: { includeDrafts?: boolean; sources?: NoticeSources } = {},
): Promise<RenderedVersion> {
  const db = ctx.db;
  const day = today(ctx);
  const doc = await repo.findDocument(db, kind);
  if (!doc) throw new AppError('not_found');
  const inForceRow = await repo.findInForce(db, kind, day);
  const row = which === 'in_force' ? inForceRow : await repo.findVersion(db, kind, which);
  if (!row) throw new AppError('not_found');
  if (row.status === 'draft' && !options.includeDrafts) throw new AppError('not_found');
  const version = toVersion(row);
  const standing = standingOf(row, inForceRow?.number ?? null, day);

  let input: NoticeInput;
  const snapshot = standing === 'past' ? ZNoticeInput.safeParse(row.generated_snapshot) : null;
  if (snapshot?.success) input = snapshot.data;
  else input = await buildNoticeInput(db, options.sources ?? defaultNoticeSources());

  const published = (await repo.listPublishedDates(db, kind)).map((p) => p.effective_date);
  const own = version.effectiveDate;
  const dates = revisionDates(doc.history_before, own ? [...published, own] : published, own ?? '9999-12-31');
  const rendered = renderPolicy(version.content, input, lang, revisionHistoryLines(dates, lang));
  return {
    kind,
    number: version.number,
    status: version.status,
    standing,
    effectiveDate: version.effectiveDate,
    summary: version.summary[lang],
    rendered,
  };
}

export interface PolicyDiffResult {
  from: number;
  to: number;
  diff: PolicyDiff;
  text: { ja: string; en: string };
}

export async function diffPolicyVersions(ctx: AppContext, kind: PolicyKind, from: number, to: number): Promise<PolicyDiffResult> {
  const [a, b] = await Promise.all([getPolicyVersion(ctx, kind, from), getPolicyVersion(ctx, kind, to)]);
  const diff = diffPolicies(a.content, b.content);
  return { from, to, diff, text: { ja: diffToText(diff, 'ja'), en: diffToText(diff, 'en') } };
}

/** The Art. 32 notice as it would be published now: the open draft if there is one, else the
 * version in force, checked against today's data. */
export async function checkNotice(ctx: AppContext, sources: NoticeSources = defaultNoticeSources()): Promise<NoticeCompleteness & { version: number | null }> {
  const draft = await repo.findDraft(ctx.db, 'appi-notice');
  const row = draft ?? (await repo.findInForce(ctx.db, 'appi-notice', today(ctx)));
  const input = await buildNoticeInput(ctx.db, sources);
  // With no notice document at all, every item is missing its block.
  const content = row ? toVersion(row).content : EMPTY_CONTENT;
  return { ...checkNoticeCompleteness(input, content), version: row?.number ?? null };
}

const EMPTY_CONTENT: PolicyContent = { title: { ja: '', en: '' }, numbering: 'sections', preamble: [], articles: [], closing: [] };
