// The organisation for staff: read the profile, request settings and security statement;
// change each (a new version, audited); list the saved versions. A fee on correction,
// suspension or stopping provision is refused with reason `fee_not_allowed`.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { ZOrganizationProfile, ZSecuritySettings } from '../../../domains/organization/organization.ts';
import {
  getOrganizationState,
  listOrganizationRevisions,
  updateOrganizationProfile,
  updateRequestSettings,
  updateSecuritySettings,
  type OrganizationState,
} from '../../../domains/organization/organization.service.ts';
import { ZRequestSettingsShape } from '../../../domains/organization/request-settings.ts';
import { AppError } from '../../../lib/errors.ts';
import { currentStaff, requirePermission } from '../../auth.ts';

const staffSession = [{ staffSession: [] }];
const tags = ['admin: organisation'];
const ZExpectedVersion = z.number().int().min(0).max(1_000_000).optional();

const ZOrganizationView = z.object({
  id: z.string(),
  profile: ZOrganizationProfile.nullable(),
  profileVersion: z.number(),
  settings: ZRequestSettingsShape,
  settingsVersion: z.number(),
  /** True while the organisation has not saved settings and the policy's defaults apply. */
  usingDefaultSettings: z.boolean(),
  security: ZSecuritySettings,
  securityVersion: z.number(),
  updatedAt: z.iso.datetime(),
});

function toView(s: OrganizationState): z.infer<typeof ZOrganizationView> {
  return {
    id: s.id,
    profile: s.profile,
    profileVersion: s.profileVersion,
    settings: s.settings,
    settingsVersion: s.settingsVersion,
    usingDefaultSettings: s.settingsVersion === 0,
    security: s.security,
    securityVersion: s.securityVersion,
    updatedAt: s.updatedAt.toISOString(),
  };
}

const ZRevisionView = z.object({
  section: z.enum(['profile', 'settings', 'security']),
  version: z.number(),
  data: z.unknown(),
  actor: z.object({ type: z.string(), id: z.string().nullable() }),
  at: z.iso.datetime(),
});

export function organizationAdminRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const response = { 200: z.object({ organization: ZOrganizationView }) };

    app.get(
      '/api/admin/organization',
      {
        onRequest: requirePermission(ctx, 'organization.read'),
        schema: { tags, summary: 'The organisation profile, request settings and security statement', security: staffSession, response },
      },
      async () => {
        const state = await getOrganizationState(ctx.db);
        if (!state) throw new AppError('not_found');
        return { organization: toView(state) };
      },
    );

    app.put(
      '/api/admin/organization/profile',
      {
        onRequest: requirePermission(ctx, 'organization.manage'),
        schema: {
          tags,
          summary: 'Change the organisation profile',
          description:
            'Names, head office, representative, Personal Information Handling Officer, request and complaint contacts, and the accredited organisation ({"status":"none"} states that there is none; null leaves the notice item open). Send `expectedVersion` to be refused (409) if someone saved in between.',
          security: staffSession,
          body: z.strictObject({ profile: ZOrganizationProfile, expectedVersion: ZExpectedVersion }),
          response,
        },
      },
      async (request) => {
        const actor = currentStaff(request);
        const state = await updateOrganizationProfile(ctx, request.body.profile, { type: 'staff', id: actor.id }, { requestId: request.id, expectedVersion: request.body.expectedVersion });
        return { organization: toView(state) };
      },
    );

    app.put(
      '/api/admin/organization/settings',
      {
        onRequest: requirePermission(ctx, 'organization.manage'),
        schema: {
          tags,
          summary: 'Change the request settings',
          description:
            'Identity documents and the rule that accepts them, fees per request type (APPI Art. 38 allows a fee only for purpose notification and disclosure: anything else answers 400 with reason `fee_not_allowed`), extra costs, bank-transfer details, answer deadlines, document retention and download-link limits.',
          security: staffSession,
          body: z.strictObject({ settings: ZRequestSettingsShape, expectedVersion: ZExpectedVersion }),
          response,
        },
      },
      async (request) => {
        const actor = currentStaff(request);
        const state = await updateRequestSettings(ctx, request.body.settings, { type: 'staff', id: actor.id }, { requestId: request.id, expectedVersion: request.body.expectedVersion });
        return { organization: toView(state) };
      },
    );

    app.put(
      '/api/admin/organization/security',
      {
        onRequest: requirePermission(ctx, 'organization.manage'),
        schema: {
          tags,
          summary: 'Change the published security control measures',
          description: 'The measures stated in the Art. 32 notice, and for each foreign country where retained data is handled, its name and the measures taken there. `foreignCountries: []` states that data is handled only in Japan.',
          security: staffSession,
          body: z.strictObject({ security: ZSecuritySettings, expectedVersion: ZExpectedVersion }),
          response,
        },
      },
      async (request) => {
        const actor = currentStaff(request);
        const state = await updateSecuritySettings(ctx, request.body.security, { type: 'staff', id: actor.id }, { requestId: request.id, expectedVersion: request.body.expectedVersion });
        return { organization: toView(state) };
      },
    );

    app.get(
      '/api/admin/organization/revisions',
      {
        onRequest: requirePermission(ctx, 'organization.read'),
        schema: {
          tags,
          summary: 'Saved versions of the profile, settings and security statement, newest first',
          security: staffSession,
          querystring: z.object({
            section: z.enum(['profile', 'settings', 'security']).optional(),
            limit: z.coerce.number().int().min(1).max(200).optional(),
          }),
          response: { 200: z.object({ revisions: z.array(ZRevisionView) }) },
        },
      },
      async (request) => {
        const revisions = await listOrganizationRevisions(ctx.db, { section: request.query.section, limit: request.query.limit });
        return { revisions: revisions.map((r) => ({ ...r, at: r.at.toISOString() })) };
      },
    );
  };
}
