// Use cases of the cookie banner: staff edit its texts and register the tags under each
// category (every change is a new banner version with a snapshot of what it shows, audited);
// the website fetches its configuration; a visitor's choice is kept as proof (a keyed hash of
// the visitor id, address and browser, the categories, the banner version, GPC); and the
// external-transmission notice is generated from the tags.
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import { AppError, type Language } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { getOrganizationState } from '../organization/organization.service.ts';
import { parseOrThrow } from '../policies/validation.ts';
import {
  COOKIE_CATEGORIES,
  DEFAULT_BANNER_SETTINGS,
  ZBannerChoice,
  ZBannerSettings,
  ZCookieTagInput,
  pick,
  type BannerSettings,
  type BannerState,
  type CookieCategory,
  type CookieTag,
  type TBannerChoice,
  type TCookieTagInput,
} from './banner.ts';
import * as repo from './banner.repository.ts';
import { evidenceHash } from './subject-key.ts';
import { renderTransmissionNotice, type TransmissionNotice } from './transmission-notice.rules.ts';

export interface Meta {
  requestId?: string | null;
}

function settingsOf(row: repo.SettingsRow | undefined): BannerSettings {
  const parsed = ZBannerSettings.safeParse(row?.settings);
  return parsed.success ? parsed.data : DEFAULT_BANNER_SETTINGS;
}

export async function getBannerState(db: Db): Promise<BannerState> {
  const row = await repo.findSettings(db);
  return {
    version: row?.version ?? 0,
    settings: settingsOf(row),
    tags: (await repo.listTags(db)).map(repo.toTag),
    updatedAt: row && row.version > 0 ? row.updated_at : null,
  };
}

/** Makes the next banner version inside `trx` (settings replaced when given) and snapshots it. */
async function nextVersion(trx: Db, now: Date, actor: Actor, settings?: BannerSettings): Promise<BannerState> {
  const row = await repo.lockSettings(trx, DEFAULT_BANNER_SETTINGS, now);
  const version = row.version + 1;
  const next = settings ?? settingsOf(row);
  await repo.saveSettings(trx, { settings: next, version, now, by: actor.id });
  const tags = (await repo.listTags(trx)).map(repo.toTag);
  await repo.insertVersionSnapshot(trx, version, { settings: next, tags }, now);
  return { version, settings: next, tags, updatedAt: now };
}

export async function updateBannerSettings(ctx: AppContext, input: unknown, actor: Actor, meta: Meta = {}): Promise<BannerState> {
  const settings = parseOrThrow(ZBannerSettings, input, 'settings');
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    // Locked before the audit entry, like every banner change, so writers queue in one order.
    await repo.lockSettings(trx, DEFAULT_BANNER_SETTINGS, now);
    await appendAudit(trx, {
      action: 'cookie_settings.updated',
      actor,
      target: { type: 'cookie_banner', id: 'banner' },
      requestId: meta.requestId ?? null,
      details: { policyUrl: settings.policyUrl !== null },
      at: now,
    });
    return nextVersion(trx, now, actor, settings);
  });
}

export const MAX_TAGS = 200;

export async function createCookieTag(ctx: AppContext, input: TCookieTagInput, actor: Actor, meta: Meta = {}): Promise<{ tag: CookieTag; bannerVersion: number }> {
  const fields = parseOrThrow(ZCookieTagInput, input, '');
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    await repo.lockSettings(trx, DEFAULT_BANNER_SETTINGS, now);
    if ((await repo.countTags(trx)) >= MAX_TAGS) {
      throw new AppError('validation_failed', { details: [{ path: '', reason: 'too_many_tags', message: `at most ${MAX_TAGS} tags` }] });
    }
    const id = newId('tag');
    await repo.insertTag(trx, id, fields, now);
    await appendAudit(trx, {
      action: 'cookie_tag.created',
      actor,
      target: { type: 'cookie_tag', id },
      requestId: meta.requestId ?? null,
      details: { category: fields.category },
      at: now,
    });
    const state = await nextVersion(trx, now, actor);
    const tag = state.tags.find((t) => t.id === id);
    if (!tag) throw new Error('cookie tag vanished inside its own transaction');
    return { tag, bannerVersion: state.version };
  });
}

export async function updateCookieTag(
  ctx: AppContext,
  id: string,
  input: TCookieTagInput & { expectedVersion?: number | undefined },
  actor: Actor,
  meta: Meta = {},
): Promise<{ tag: CookieTag; bannerVersion: number }> {
  const { expectedVersion, ...rest } = input;
  const fields = parseOrThrow(ZCookieTagInput, rest, '');
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    await repo.lockSettings(trx, DEFAULT_BANNER_SETTINGS, now);
    const row = await repo.lockTag(trx, id);
    if (!row) throw new AppError('not_found');
    if (expectedVersion !== undefined && expectedVersion !== row.version) {
      throw new AppError('conflict', { details: [{ reason: 'version_changed', message: `the tag is at version ${row.version}` }] });
    }
    await repo.updateTag(trx, id, fields, row.version + 1, now);
    await appendAudit(trx, {
      action: 'cookie_tag.updated',
      actor,
      target: { type: 'cookie_tag', id },
      requestId: meta.requestId ?? null,
      details: { category: fields.category, version: row.version + 1 },
      at: now,
    });
    const state = await nextVersion(trx, now, actor);
    const tag = state.tags.find((t) => t.id === id);
    if (!tag) throw new Error('cookie tag vanished inside its own transaction');
    return { tag, bannerVersion: state.version };
  });
}

export async function deleteCookieTag(ctx: AppContext, id: string, actor: Actor, meta: Meta = {}): Promise<{ bannerVersion: number }> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    await repo.lockSettings(trx, DEFAULT_BANNER_SETTINGS, now);
    const row = await repo.lockTag(trx, id);
    if (!row) throw new AppError('not_found');
    await repo.deleteTag(trx, id);
    await appendAudit(trx, {
      action: 'cookie_tag.deleted',
      actor,
      target: { type: 'cookie_tag', id },
      requestId: meta.requestId ?? null,
      details: { category: row.category },
      at: now,
    });
    return { bannerVersion: (await nextVersion(trx, now, actor)).version };
  });
}

// ---------------------------------------------------------------------------------------------
// The public side

export interface BannerConfig {
  version: number;
  language: Language;
  /** The request carried Sec-GPC: 1; the banner treats analytics and marketing as refused. */
  gpc: boolean;
  title: string;
  message: string;
  policyUrl: string | null;
  categories: Array<{
    key: CookieCategory;
    title: string;
    description: string;
    required: boolean;
    tags: Array<{ name: string; recipient: string; dataSent: string; companyPurpose: string; recipientPurpose: string; optOutUrl: string | null }>;
  }>;
}

export function toBannerConfig(state: BannerState, language: Language, gpc: boolean): BannerConfig {
  const s = state.settings;
  return {
    version: state.version,
    language,
    gpc,
    title: pick(s.title, language),
    message: pick(s.message, language),
    policyUrl: s.policyUrl,
    categories: COOKIE_CATEGORIES.map((key) => ({
      key,
      title: pick(s.categories[key].title, language),
      description: pick(s.categories[key].description, language),
      required: key === 'necessary',
      tags: state.tags
        .filter((t) => t.category === key)
        .map((t) => ({
          name: t.name,
          recipient: t.recipient,
          dataSent: pick(t.dataSent, language),
          companyPurpose: pick(t.companyPurpose, language),
          recipientPurpose: pick(t.recipientPurpose, language),
          optOutUrl: t.optOutUrl,
        })),
    })),
  };
}

export interface BannerEvidence {
  ip: string | null;
  userAgent: string | null;
  /** The Origin of the page that sent the choice. */
  origin: string | null;
  /** The request carried Sec-GPC: 1. */
  gpcHeader: boolean;
}

export interface BannerChoiceView {
  id: string;
  bannerVersion: number;
  language: Language;
  analytics: boolean;
  marketing: boolean;
  gpc: boolean;
  method: 'accept_all' | 'reject_all' | 'custom';
  origin: string | null;
  at: Date;
}

function toChoiceView(row: repo.CookieConsentRow): BannerChoiceView {
  return {
    id: row.id,
    bannerVersion: row.banner_version,
    language: row.language,
    analytics: row.analytics,
    marketing: row.marketing,
    gpc: row.gpc,
    method: row.method,
    origin: row.origin,
    at: row.at,
  };
}

/** Keeps only scheme, host and port of the page origin (never a path or query). */
function originOf(value: string | null): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin.slice(0, 300) : null;
  } catch {
    return null;
  }
}

/**
 * Records a visitor's choice as proof. Global Privacy Control, from the page or the request
 * header, refuses analytics and marketing whatever was clicked. A version the banner never had
 * is refused (nothing stored).
 */
export async function recordBannerChoice(ctx: AppContext, input: TBannerChoice, evidence: BannerEvidence, meta: Meta = {}): Promise<BannerChoiceView> {
  const choice = parseOrThrow(ZBannerChoice, input, 'body');
  const current = (await repo.findSettings(ctx.db))?.version ?? 0;
  if (choice.bannerVersion > current) {
    throw new AppError('validation_failed', { details: [{ path: 'body.bannerVersion', reason: 'banner_version_unknown', message: 'the banner never had this version' }] });
  }
  const gpc = choice.gpc || evidence.gpcHeader;
  const analytics = gpc ? false : choice.choices.analytics;
  const marketing = gpc ? false : choice.choices.marketing;
  const visitorKey = await evidenceHash(ctx.db, ctx, 'visitor', choice.visitorId);
  const ipHash = evidence.ip ? await evidenceHash(ctx.db, ctx, 'ip', evidence.ip) : null;
  const uaHash = evidence.userAgent ? await evidenceHash(ctx.db, ctx, 'ua', evidence.userAgent.slice(0, 1000)) : null;
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const row: repo.CookieConsentRow = {
      id: newId('ckc'),
      visitor_key: visitorKey,
      banner_version: choice.bannerVersion,
      language: choice.language,
      analytics,
      marketing,
      gpc,
      method: choice.method,
      origin: originOf(evidence.origin),
      ip_hash: ipHash,
      ua_hash: uaHash,
      at: now,
    };
    await repo.insertCookieConsent(trx, row);
    const accepted = [analytics ? 'analytics' : null, marketing ? 'marketing' : null].filter((c): c is string => c !== null);
    await appendAudit(trx, {
      action: accepted.length > 0 ? 'consent.granted' : 'consent.withdrawn',
      actor: { type: 'system', id: 'cookie-banner' },
      target: { type: 'cookie_consent', id: row.id },
      requestId: meta.requestId ?? null,
      subjectRef: visitorKey,
      details: { channel: 'banner', bannerVersion: choice.bannerVersion, accepted, gpc, method: choice.method },
      at: now,
    });
    return toChoiceView(row);
  });
}

export const CHOICE_LIST_LIMIT = 200;

export async function listBannerChoices(ctx: Pick<AppContext, 'db' | 'vault' | 'clock'>, filters: { visitorId?: string | undefined; before?: Date | undefined; limit?: number | undefined }): Promise<BannerChoiceView[]> {
  const visitorKey = filters.visitorId ? await evidenceHash(ctx.db, ctx, 'visitor', filters.visitorId) : undefined;
  const limit = Math.max(1, Math.min(filters.limit ?? 50, CHOICE_LIST_LIMIT));
  return (await repo.listCookieConsents(ctx.db, { visitorKey, before: filters.before }, limit)).map(toChoiceView);
}

export async function bannerChoiceCounts(db: Db): Promise<{ total: number; analytics: number; marketing: number; gpc: number }> {
  return repo.cookieConsentCounts(db);
}

/** What a past version of the banner showed (settings and tags). */
export async function bannerVersionSnapshot(db: Db, version: number): Promise<Record<string, unknown>> {
  if (version === 0) return { settings: DEFAULT_BANNER_SETTINGS, tags: [] };
  const snapshot = await repo.findVersionSnapshot(db, version);
  if (!snapshot) throw new AppError('not_found');
  return snapshot;
}

export async function transmissionNotice(ctx: Pick<AppContext, 'db'>, language: Language): Promise<TransmissionNotice & { bannerVersion: number }> {
  const state = await getBannerState(ctx.db);
  const organizationName = (await getOrganizationState(ctx.db))?.profile?.name ?? null;
  return { ...renderTransmissionNotice({ organizationName, settings: state.settings, tags: state.tags, language }), bannerVersion: state.version };
}
