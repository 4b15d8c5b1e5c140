// Use cases for the organisation: its profile (names, address, representative, officer,
// contacts, accredited organisation), its request settings and its security statement. Each
// section is saved as a new version with an audit entry ('organization.updated' or
// 'settings.updated') in the same transaction, so what was in force on any day can be shown.
//
// Seeding the sample organisation happens once per database, guarded by state flags so
// several processes starting together seed it once.
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import { canonicalJson, type CanonicalValue } from '../../lib/canonical.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { SYSTEM_ACTOR, type Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { seedSamplePolicies } from '../policies/sample-policies.ts';
import { insertPurposeInTransaction } from '../purposes/purpose.service.ts';
import { SAMPLE_PURPOSES } from '../purposes/sample-purposes.ts';
import { toNoticePurpose } from '../purposes/purpose.ts';
import { parseOrThrow } from '../policies/validation.ts';
import {
  EMPTY_SECURITY_SETTINGS,
  ZOrganizationProfile,
  ZSecuritySettings,
  type OrganizationProfile,
  type SecuritySettings,
} from './organization.ts';
import * as repo from './organization.repository.ts';
import { DEFAULT_REQUEST_SETTINGS, ZRequestSettings, ZRequestSettingsShape, type RequestSettings } from './request-settings.ts';
import { SAMPLE_ORGANIZATION, SAMPLE_PROFILE, SAMPLE_REQUEST_SETTINGS, SAMPLE_SECURITY } from './sample-organization.ts';

export interface Meta {
  requestId?: string | null;
}

export interface OrganizationState {
  id: string;
  profile: OrganizationProfile | null;
  profileVersion: number;
  /** The saved settings, or the defaults while none are saved (version 0). */
  settings: RequestSettings;
  settingsVersion: number;
  security: SecuritySettings;
  securityVersion: number;
  updatedAt: Date;
}

export type OrganizationSection = repo.OrganizationSection;

function toState(row: repo.OrganizationRow): OrganizationState {
  return {
    id: row.id,
    profile: row.profile === null ? null : ZOrganizationProfile.parse(row.profile),
    profileVersion: row.profile_version,
    settings: row.settings === null ? DEFAULT_REQUEST_SETTINGS : ZRequestSettingsShape.parse(row.settings),
    settingsVersion: row.settings_version,
    security: row.security === null ? EMPTY_SECURITY_SETTINGS : ZSecuritySettings.parse(row.security),
    securityVersion: row.security_version,
    updatedAt: row.updated_at,
  };
}

export async function getOrganizationState(db: Db): Promise<OrganizationState | null> {
  const row = await repo.findOrganization(db);
  return row ? toState(row) : null;
}

/** The request settings in force: what the organisation saved, else the policy's defaults.
 * The requests, identity and delivery domains read fees, documents and limits from here. */
export async function getRequestSettings(db: Db): Promise<RequestSettings> {
  return (await getOrganizationState(db))?.settings ?? DEFAULT_REQUEST_SETTINGS;
}

/** Top-level fields that differ. jsonb does not keep key order, so values are compared in
 * canonical form. */
function changedKeys(before: object | null, after: object): string[] {
  const b = (before ?? {}) as Record<string, CanonicalValue>;
  return Object.entries(after as Record<string, CanonicalValue>)
    .filter(([k, v]) => canonicalJson(b[k]) !== canonicalJson(v))
    .map(([k]) => k);
}

const SECTION_ACTION = { profile: 'organization.updated', settings: 'settings.updated', security: 'organization.updated' } as const;

/**
 * Saves one section as its next version inside the caller's transaction. An unchanged
 * section makes no version. Creates the organisation row when none exists yet (an
 * installation started without the sample).
 */
export async function saveSectionInTransaction(
  trx: Db,
  section: OrganizationSection,
  data: OrganizationProfile | RequestSettings | SecuritySettings,
  actor: Actor,
  now: Date,
  options: { expectedVersion?: number | undefined; requestId?: string | null | undefined; organizationId?: string } = {},
): Promise<OrganizationState> {
  let row = await repo.lockOrganization(trx);
  if (!row) {
    if (section !== 'profile') throw new AppError('conflict', { details: [{ reason: 'organization_profile_first' }] });
    const profile = data as OrganizationProfile;
    await repo.insertOrganization(trx, { id: options.organizationId ?? newId('org'), nameJa: profile.name.ja, nameEn: profile.name.en, now });
    row = await repo.lockOrganization(trx);
    if (!row) throw new AppError('internal_error');
  }
  const state = toState(row);
  const currentVersion = section === 'profile' ? state.profileVersion : section === 'settings' ? state.settingsVersion : state.securityVersion;
  if (options.expectedVersion !== undefined && options.expectedVersion !== currentVersion) {
    throw new AppError('conflict', { details: [{ reason: 'version_changed', message: `current version is ${currentVersion}` }] });
  }
  const stored = section === 'profile' ? row.profile : section === 'settings' ? row.settings : row.security;
  const changed = changedKeys(stored === null ? null : (stored as object), data);
  if (stored !== null && changed.length === 0) return state;
  const version = currentVersion + 1;
  const names = section === 'profile' ? (data as OrganizationProfile).name : undefined;
  await repo.updateOrganizationSection(trx, row.id, { section, data, version, now, ...(names ? { names } : {}) });
  await repo.insertOrganizationRevision(trx, {
    id: newId('orv'),
    organizationId: row.id,
    section,
    version,
    data,
    actorType: actor.type,
    actorId: actor.id,
    now,
  });
  await appendAudit(trx, {
    action: SECTION_ACTION[section],
    actor,
    target: { type: 'organization', id: row.id },
    requestId: options.requestId ?? null,
    details: { section, version, changed },
    at: now,
  });
  const after = await repo.findOrganization(trx);
  if (!after) throw new AppError('internal_error');
  return toState(after);
}

async function saveSection(
  ctx: AppContext,
  section: OrganizationSection,
  data: OrganizationProfile | RequestSettings | SecuritySettings,
  actor: Actor,
  meta: Meta & { expectedVersion?: number | undefined },
): Promise<OrganizationState> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute((trx) =>
    saveSectionInTransaction(trx, section, data, actor, now, { expectedVersion: meta.expectedVersion, requestId: meta.requestId ?? null }),
  );
}

export async function updateOrganizationProfile(
  ctx: AppContext,
  profile: OrganizationProfile,
  actor: Actor,
  meta: Meta & { expectedVersion?: number | undefined } = {},
): Promise<OrganizationState> {
  return saveSection(ctx, 'profile', parseOrThrow(ZOrganizationProfile, profile, 'profile'), actor, meta);
}

/** Refuses a fee on correction, suspension or stopping provision (reason `fee_not_allowed`). */
export async function updateRequestSettings(
  ctx: AppContext,
  settings: RequestSettings,
  actor: Actor,
  meta: Meta & { expectedVersion?: number | undefined } = {},
): Promise<OrganizationState> {
  return saveSection(ctx, 'settings', parseOrThrow(ZRequestSettings, settings, 'settings'), actor, meta);
}

export async function updateSecuritySettings(
  ctx: AppContext,
  security: SecuritySettings,
  actor: Actor,
  meta: Meta & { expectedVersion?: number | undefined } = {},
): Promise<OrganizationState> {
  const parsed = parseOrThrow(ZSecuritySettings, security, 'security');
  const codes = parsed.foreignCountries?.map((c) => c.code) ?? [];
  const dup = codes.find((c, i) => codes.indexOf(c) !== i);
  if (dup) throw new AppError('validation_failed', { details: [{ path: 'security.foreignCountries', reason: 'duplicate', message: `country ${dup} is listed twice` }] });
  return saveSection(ctx, 'security', parsed, actor, meta);
}

export interface OrganizationRevision {
  section: OrganizationSection;
  version: number;
  data: unknown;
  actor: { type: string; id: string | null };
  at: Date;
}

export async function listOrganizationRevisions(
  db: Db,
  filter: { section?: OrganizationSection | undefined; limit?: number | undefined } = {},
): Promise<OrganizationRevision[]> {
  const org = await repo.findOrganization(db);
  if (!org) return [];
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
  const rows = await repo.listOrganizationRevisions(db, org.id, { section: filter.section, limit });
  return rows.map((r) => ({ section: r.section, version: r.version, data: r.data, actor: { type: r.actor_type, id: r.actor_id }, at: r.created_at }));
}

export async function seedSampleOrganization(ctx: AppContext): Promise<{ seeded: boolean }> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    let seeded = false;
    if (await repo.claimState(trx, 'sample_organization_seeded', { at: now.toISOString() }, now)) {
      if (!(await repo.findOrganization(trx))) {
        await repo.insertOrganization(trx, { id: SAMPLE_ORGANIZATION.id, nameJa: SAMPLE_ORGANIZATION.nameJa, nameEn: SAMPLE_ORGANIZATION.nameEn, now });
        await appendAudit(trx, {
          action: 'organization.seeded',
          actor: SYSTEM_ACTOR,
          target: { type: 'organization', id: SAMPLE_ORGANIZATION.id },
          at: now,
        });
        seeded = true;
      }
    }
    // A separate flag, so a database seeded before profiles and policies existed still gets
    // the sample's content once, and an organisation that is not the sample never does.
    if (await repo.claimState(trx, 'sample_content_seeded', { at: now.toISOString() }, now)) {
      const org = await repo.findOrganization(trx);
      if (org && org.id === SAMPLE_ORGANIZATION.id && org.profile === null) {
        await seedSampleContent(trx, now);
        seeded = true;
      }
    }
    return { seeded };
  });
}

/** The sample's profile, settings, security statement, purposes and published policies. */
async function seedSampleContent(trx: Db, now: Date): Promise<void> {
  await saveSectionInTransaction(trx, 'profile', SAMPLE_PROFILE, SYSTEM_ACTOR, now);
  await saveSectionInTransaction(trx, 'settings', SAMPLE_REQUEST_SETTINGS, SYSTEM_ACTOR, now);
  await saveSectionInTransaction(trx, 'security', SAMPLE_SECURITY, SYSTEM_ACTOR, now);
  const purposes = [];
  for (const p of SAMPLE_PURPOSES) purposes.push(await insertPurposeInTransaction(trx, p, SYSTEM_ACTOR, now));
  await seedSamplePolicies(trx, now, {
    organization: SAMPLE_PROFILE,
    settings: SAMPLE_REQUEST_SETTINGS,
    purposes: purposes.map(toNoticePurpose),
    securityMeasures: SAMPLE_SECURITY.measures,
    foreignCountries: SAMPLE_SECURITY.foreignCountries ?? [],
  });
}

export async function getOrganization(ctx: AppContext) {
  const row = await repo.findOrganization(ctx.db);
  return row ? { id: row.id, nameJa: row.name_ja, nameEn: row.name_en } : null;
}
