// Consent for staff: an overview, a person's records looked up by identity (in the body, never
// the address), importing paper and earlier records, restrictions and lifting them, the cookie
// banner's settings and tags, the visitors' choices kept as proof, and the external-
// transmission notice generated from the tags.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { ZBannerSettings, ZCookieTagInput, ZVisitorId, type BannerState, type CookieTag } from '../../../domains/consent/banner.ts';
import {
  bannerChoiceCounts,
  bannerVersionSnapshot,
  createCookieTag,
  deleteCookieTag,
  getBannerState,
  listBannerChoices,
  transmissionNotice,
  updateBannerSettings,
  updateCookieTag,
  type BannerChoiceView,
} from '../../../domains/consent/banner.service.ts';
import { RESTRICTION_KINDS, ZSubject } from '../../../domains/consent/consent.ts';
import * as consentRepo from '../../../domains/consent/consent.repository.ts';
import { ZImportInput, consentHistory, historyByKey, importConsents } from '../../../domains/consent/consent.service.ts';
import { ZHistoryView, ZRestrictionView, toHistoryView, toRestrictionView } from '../../../domains/consent/consent.views.ts';
import { ZLiftInput, liftRestriction, listRestrictions } from '../../../domains/consent/restriction.service.ts';
import { currentStaff, requirePermission } from '../../auth.ts';

const staffSession = [{ staffSession: [] }];
const tags = ['admin: consent'];
const ZId = z.strictObject({ id: z.string().min(1).max(64) });
const ZLocalizedView = z.object({ ja: z.string(), en: z.string() });

const ZTagView = z.object({
  id: z.string(),
  category: z.enum(['necessary', 'analytics', 'marketing']),
  name: z.string(),
  recipient: z.string(),
  dataSent: ZLocalizedView,
  companyPurpose: ZLocalizedView,
  recipientPurpose: ZLocalizedView,
  optOutUrl: z.string().nullable(),
  sortOrder: z.number(),
  version: z.number(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

function toTagView(t: CookieTag): z.infer<typeof ZTagView> {
  return { ...t, createdAt: t.createdAt.toISOString(), updatedAt: t.updatedAt.toISOString() };
}

const ZBannerView = z.object({ version: z.number(), settings: ZBannerSettings, tags: z.array(ZTagView), updatedAt: z.iso.datetime().nullable() });

function toBannerView(s: BannerState): z.infer<typeof ZBannerView> {
  return { version: s.version, settings: s.settings, tags: s.tags.map(toTagView), updatedAt: s.updatedAt ? s.updatedAt.toISOString() : null };
}

const ZChoiceView = z.object({
  id: z.string(),
  bannerVersion: z.number(),
  language: z.enum(['ja', 'en']),
  analytics: z.boolean(),
  marketing: z.boolean(),
  gpc: z.boolean(),
  method: z.enum(['accept_all', 'reject_all', 'custom']),
  origin: z.string().nullable(),
  at: z.iso.datetime(),
});

function toChoiceView(c: BannerChoiceView): z.infer<typeof ZChoiceView> {
  return { ...c, at: c.at.toISOString() };
}

export function consentAdminRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const actorOf = (request: Parameters<typeof currentStaff>[0]) => ({ type: 'staff' as const, id: currentStaff(request).id });

    app.get(
      '/api/admin/consent/overview',
      {
        onRequest: requirePermission(ctx, 'consent.read'),
        schema: {
          tags,
          summary: 'Counts: people, consents per purpose, standing restrictions, banner choices',
          security: staffSession,
          response: {
            200: z.object({
              subjects: z.number(),
              purposes: z.array(z.object({ purpose: z.string(), granted: z.number(), withdrawn: z.number() })),
              restrictions: z.object({ suspension: z.number(), stop_provision: z.number() }),
              bannerChoices: z.object({ total: z.number(), analytics: z.number(), marketing: z.number(), gpc: z.number() }),
              feedSeq: z.number(),
            }),
          },
        },
      },
      async () => {
        const counts = await consentRepo.countsByPurpose(ctx.db);
        const purposes = new Map<string, { purpose: string; granted: number; withdrawn: number }>();
        for (const c of counts) {
          const p = purposes.get(c.purpose_code) ?? { purpose: c.purpose_code, granted: 0, withdrawn: 0 };
          p[c.state] = c.count;
          purposes.set(c.purpose_code, p);
        }
        const restrictions = { suspension: 0, stop_provision: 0 };
        for (const r of await consentRepo.countActiveRestrictions(ctx.db)) restrictions[r.kind] = r.count;
        return {
          subjects: await consentRepo.countSubjects(ctx.db),
          purposes: [...purposes.values()],
          restrictions,
          bannerChoices: await bannerChoiceCounts(ctx.db),
          feedSeq: await consentRepo.feedHead(ctx.db),
        };
      },
    );

    app.post(
      '/api/admin/consent/lookup',
      {
        onRequest: requirePermission(ctx, 'consent.read'),
        schema: {
          tags,
          summary: "A person's consents, history, receipts and restrictions",
          description: 'The identity travels in the body so that it never appears in an address or a log. `subjectKey` looks up by the keyed hash instead.',
          security: staffSession,
          body: z.union([z.strictObject({ subject: ZSubject }), z.strictObject({ subjectKey: z.string().regex(/^[A-Za-z0-9_-]{22}$/) })]),
          response: { 200: ZHistoryView },
        },
      },
      async (request) => {
        const body = request.body;
        return toHistoryView('subject' in body ? await consentHistory(ctx, body.subject) : await historyByKey(ctx.db, body.subjectKey));
      },
    );

    app.post(
      '/api/admin/consent/import',
      {
        onRequest: requirePermission(ctx, 'consent.manage'),
        bodyLimit: 2 * 1024 * 1024,
        schema: {
          tags,
          summary: 'Import consents given on paper or kept elsewhere (up to 1,000 records)',
          description: 'All or nothing: a record naming an unknown or stated purpose, an unpublished policy version or a date in the future refuses the import, with each problem listed.',
          security: staffSession,
          body: ZImportInput,
          response: { 201: z.object({ imported: z.number(), receipts: z.array(z.string()) }) },
        },
      },
      async (request, reply) => reply.status(201).send(await importConsents(ctx, request.body, actorOf(request), { requestId: request.id })),
    );

    app.get(
      '/api/admin/consent/restrictions',
      {
        onRequest: requirePermission(ctx, 'consent.read'),
        schema: {
          tags,
          summary: 'Restrictions (suspensions of use, stops of provision), newest first',
          security: staffSession,
          querystring: z.strictObject({
            active: z.enum(['true', 'false']).optional(),
            requestId: z.string().min(1).max(64).optional(),
            kind: z.enum(RESTRICTION_KINDS).optional(),
          }),
          response: { 200: z.object({ restrictions: z.array(ZRestrictionView) }) },
        },
      },
      async (request) => {
        const q = request.query;
        const list = await listRestrictions(ctx.db, { active: q.active === undefined ? undefined : q.active === 'true', requestId: q.requestId, kind: q.kind });
        return { restrictions: list.map(toRestrictionView) };
      },
    );

    app.post(
      '/api/admin/consent/restrictions/:id/lift',
      {
        onRequest: requirePermission(ctx, 'consent.manage'),
        schema: {
          tags,
          summary: 'Lift a restriction',
          description: 'Applications may use the data again from the next change-feed event. Lifting one already lifted answers 409.',
          security: staffSession,
          params: ZId,
          body: ZLiftInput,
          response: { 200: z.object({ restriction: ZRestrictionView }) },
        },
      },
      async (request) => ({ restriction: toRestrictionView(await liftRestriction(ctx, request.params.id, request.body, actorOf(request), { requestId: request.id })) }),
    );

    // ---------------------------------------------------------------------------------------
    // The cookie banner

    app.get(
      '/api/admin/consent/banner',
      {
        onRequest: requirePermission(ctx, 'consent.read'),
        schema: { tags, summary: "The cookie banner's settings, tags and current version", security: staffSession, response: { 200: ZBannerView } },
      },
      async () => toBannerView(await getBannerState(ctx.db)),
    );

    app.put(
      '/api/admin/consent/banner',
      {
        onRequest: requirePermission(ctx, 'consent.manage'),
        schema: {
          tags,
          summary: "Change the banner's texts and policy link (a new banner version)",
          security: staffSession,
          body: z.strictObject({ settings: ZBannerSettings }),
          response: { 200: ZBannerView },
        },
      },
      async (request) => toBannerView(await updateBannerSettings(ctx, request.body.settings, actorOf(request), { requestId: request.id })),
    );

    app.post(
      '/api/admin/consent/banner/tags',
      {
        onRequest: requirePermission(ctx, 'consent.manage'),
        schema: {
          tags,
          summary: 'Register a tag under a category (a new banner version)',
          description: 'Name and recipient (with the service name), what is sent, the company\'s and the recipient\'s purposes, and the opt-out link: what the external-transmission notice lists for each tag.',
          security: staffSession,
          body: ZCookieTagInput,
          response: { 201: z.object({ tag: ZTagView, bannerVersion: z.number() }) },
        },
      },
      async (request, reply) => {
        const created = await createCookieTag(ctx, request.body, actorOf(request), { requestId: request.id });
        return reply.status(201).send({ tag: toTagView(created.tag), bannerVersion: created.bannerVersion });
      },
    );

    app.put(
      '/api/admin/consent/banner/tags/:id',
      {
        onRequest: requirePermission(ctx, 'consent.manage'),
        schema: {
          tags,
          summary: 'Change a tag (a new banner version)',
          security: staffSession,
          params: ZId,
          body: ZCookieTagInput.extend({ expectedVersion: z.number().int().min(1).max(1_000_000).optional() }),
          response: { 200: z.object({ tag: ZTagView, bannerVersion: z.number() }) },
        },
      },
      async (request) => {
        const updated = await updateCookieTag(ctx, request.params.id, request.body, actorOf(request), { requestId: request.id });
        return { tag: toTagView(updated.tag), bannerVersion: updated.bannerVersion };
      },
    );

    app.delete(
      '/api/admin/consent/banner/tags/:id',
      {
        onRequest: requirePermission(ctx, 'consent.manage'),
        schema: { tags, summary: 'Remove a tag (a new banner version)', security: staffSession, params: ZId, response: { 200: z.object({ bannerVersion: z.number() }) } },
      },
      async (request) => deleteCookieTag(ctx, request.params.id, actorOf(request), { requestId: request.id }),
    );

    app.get(
      '/api/admin/consent/banner/versions/:version',
      {
        onRequest: requirePermission(ctx, 'consent.read'),
        schema: {
          tags,
          summary: 'What a banner version showed (its settings and tags), as a proof cites it',
          security: staffSession,
          params: z.strictObject({ version: z.coerce.number().int().min(0).max(1_000_000) }),
          response: { 200: z.object({ version: z.number(), snapshot: z.record(z.string(), z.unknown()) }) },
        },
      },
      async (request) => ({ version: request.params.version, snapshot: await bannerVersionSnapshot(ctx.db, request.params.version) }),
    );

    app.get(
      '/api/admin/consent/banner/choices',
      {
        onRequest: requirePermission(ctx, 'consent.read'),
        schema: {
          tags,
          summary: "Visitors' banner choices kept as proof, newest first",
          description: '`visitorId` (the id the banner keeps in the visitor\'s browser) narrows the list to one visitor; it is hashed before the lookup.',
          security: staffSession,
          querystring: z.strictObject({
            visitorId: ZVisitorId.optional(),
            before: z.iso.datetime({ offset: true }).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          }),
          response: { 200: z.object({ choices: z.array(ZChoiceView) }) },
        },
      },
      async (request) => {
        const q = request.query;
        const choices = await listBannerChoices(ctx, { visitorId: q.visitorId, before: q.before ? new Date(q.before) : undefined, limit: q.limit });
        return { choices: choices.map(toChoiceView) };
      },
    );

    app.get(
      '/api/admin/consent/transmission-notice',
      {
        onRequest: requirePermission(ctx, 'consent.read'),
        schema: {
          tags,
          summary: 'The external-transmission notice (外部送信に関する公表事項), generated from the tags',
          description: 'Japanese by default (`?lang=en` for the English site): for each tag, the recipient, what is sent, both purposes and how to opt out, plus the whole text ready to publish.',
          security: staffSession,
          querystring: z.strictObject({ lang: z.enum(['ja', 'en']).default('ja') }),
          response: {
            200: z.object({
              language: z.enum(['ja', 'en']),
              bannerVersion: z.number(),
              title: z.string(),
              introduction: z.string(),
              items: z.array(
                z.object({
                  number: z.number(),
                  name: z.string(),
                  category: z.enum(['necessary', 'analytics', 'marketing']),
                  categoryTitle: z.string(),
                  recipient: z.string(),
                  dataSent: z.string(),
                  companyPurpose: z.string(),
                  recipientPurpose: z.string(),
                  optOut: z.string(),
                }),
              ),
              text: z.string(),
            }),
          },
        },
      },
      async (request) => transmissionNotice(ctx, request.query.lang),
    );
  };
}
