// Policies, the Art. 32 notice and the purposes of use, for staff: read documents and
// versions, preview a version rendered in either language, compare two versions, write and
// publish drafts, check the notice, and keep the purposes registry. Publishing answers 422
// `translation_missing` or `notice_incomplete` with the list of gaps.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { NOTICE_ITEMS } from '../../../domains/policies/notice-input.ts';
import {
  ZCreateDraftInput,
  ZUpdateDraftInput,
  checkNotice,
  checkPolicyVersion,
  createPolicyDraft,
  deletePolicyDraft,
  diffPolicyVersions,
  getPolicyDocument,
  getPolicyVersion,
  listPolicyDocuments,
  publishPolicyVersion,
  renderPolicyVersion,
  updatePolicyDraft,
} from '../../../domains/policies/policy.service.ts';
import {
  ZAdminRenderedVersionView,
  ZNoticeGapView,
  ZPolicyDiffView,
  ZPolicyDocumentView,
  ZPolicyKind,
  ZPolicyVersionView,
  toAdminRenderedVersionView,
  toPolicyDocumentView,
  toPolicyVersionView,
} from '../../../domains/policies/policy.views.ts';
import { ZCreatePurposeInput, ZPurposeView, ZUpdatePurposeInput, toPurposeView } from '../../../domains/purposes/purpose.ts';
import { createPurpose, getPurpose, listPurposes, listPurposeVersions, retirePurpose, updatePurpose } from '../../../domains/purposes/purpose.service.ts';
import { currentStaff, requirePermission } from '../../auth.ts';

const staffSession = [{ staffSession: [] }];
const tags = ['admin: policies'];
const purposeTags = ['admin: purposes of use'];

const ZKindParams = z.strictObject({ kind: ZPolicyKind });
const ZVersionParams = z.strictObject({ kind: ZPolicyKind, number: z.coerce.number().int().min(1).max(1_000_000) });
const ZCodeParams = z.strictObject({ code: z.string().min(2).max(64) });
const ZLangQuery = z.object({ lang: z.enum(['ja', 'en']).optional() });

const ZTranslationGapView = z.object({ path: z.string(), language: z.enum(['ja', 'en']) });

export function policyAdminRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/admin/policies',
      {
        onRequest: requirePermission(ctx, 'policies.read'),
        schema: { tags, summary: 'Every policy document with its versions', security: staffSession, response: { 200: z.object({ documents: z.array(ZPolicyDocumentView) }) } },
      },
      async () => ({ documents: (await listPolicyDocuments(ctx)).map(toPolicyDocumentView) }),
    );

    app.get(
      '/api/admin/policies/:kind',
      {
        onRequest: requirePermission(ctx, 'policies.read'),
        schema: { tags, summary: 'One policy document with its versions', security: staffSession, params: ZKindParams, response: { 200: z.object({ document: ZPolicyDocumentView }) } },
      },
      async (request) => ({ document: toPolicyDocumentView(await getPolicyDocument(ctx, request.params.kind)) }),
    );

    app.get(
      '/api/admin/policies/:kind/versions/:number',
      {
        onRequest: requirePermission(ctx, 'policies.read'),
        schema: {
          tags,
          summary: 'One version: its structured content and what would stop it from being published',
          security: staffSession,
          params: ZVersionParams,
          response: {
            200: z.object({
              version: ZPolicyVersionView,
              readiness: z.object({ translationGaps: z.array(ZTranslationGapView), noticeGaps: z.array(ZNoticeGapView) }),
            }),
          },
        },
      },
      async (request) => {
        const { kind, number } = request.params;
        const version = await getPolicyVersion(ctx, kind, number);
        return { version: toPolicyVersionView(version), readiness: await checkPolicyVersion(ctx, kind, number) };
      },
    );

    app.get(
      '/api/admin/policies/:kind/versions/:number/rendered',
      {
        onRequest: requirePermission(ctx, 'policies.read'),
        schema: {
          tags,
          summary: 'Preview a version (drafts included) rendered in Japanese or English',
          security: staffSession,
          params: ZVersionParams,
          querystring: ZLangQuery,
          response: { 200: ZAdminRenderedVersionView },
        },
      },
      async (request) => {
        const rendered = await renderPolicyVersion(ctx, request.params.kind, request.params.number, request.query.lang ?? 'ja', { includeDrafts: true });
        return toAdminRenderedVersionView(rendered);
      },
    );

    app.get(
      '/api/admin/policies/:kind/diff',
      {
        onRequest: requirePermission(ctx, 'policies.read'),
        schema: {
          tags,
          summary: 'Compare two versions, article by article, in both languages',
          description: 'Changed sentences carry word-level segments; `text` has the same comparison as plain text with [-removed-] and {+added+} marks.',
          security: staffSession,
          params: ZKindParams,
          querystring: z.object({ from: z.coerce.number().int().min(1).max(1_000_000), to: z.coerce.number().int().min(1).max(1_000_000) }),
          response: { 200: ZPolicyDiffView },
        },
      },
      async (request) => {
        const result = await diffPolicyVersions(ctx, request.params.kind, request.query.from, request.query.to);
        return { from: result.from, to: result.to, identical: result.diff.identical, articles: result.diff.articles, text: result.text };
      },
    );

    app.post(
      '/api/admin/policies/:kind/versions',
      {
        onRequest: requirePermission(ctx, 'policies.manage'),
        schema: {
          tags,
          summary: 'Start a draft',
          description: 'Without `content`, the draft starts from `fromVersion` or from the latest published version. One draft per document at a time (409 otherwise).',
          security: staffSession,
          params: ZKindParams,
          body: ZCreateDraftInput,
          response: { 201: z.object({ version: ZPolicyVersionView }) },
        },
      },
      async (request, reply) => {
        const actor = currentStaff(request);
        const version = await createPolicyDraft(ctx, request.params.kind, request.body, { type: 'staff', id: actor.id }, { requestId: request.id });
        return reply.status(201).send({ version: toPolicyVersionView(version) });
      },
    );

    app.put(
      '/api/admin/policies/:kind/versions/:number',
      {
        onRequest: requirePermission(ctx, 'policies.manage'),
        schema: {
          tags,
          summary: 'Change a draft (content, effective date, revision summary)',
          security: staffSession,
          params: ZVersionParams,
          body: ZUpdateDraftInput,
          response: { 200: z.object({ version: ZPolicyVersionView }) },
        },
      },
      async (request) => {
        const actor = currentStaff(request);
        const version = await updatePolicyDraft(ctx, request.params.kind, request.params.number, request.body, { type: 'staff', id: actor.id }, { requestId: request.id });
        return { version: toPolicyVersionView(version) };
      },
    );

    app.delete(
      '/api/admin/policies/:kind/versions/:number',
      {
        onRequest: requirePermission(ctx, 'policies.manage'),
        schema: { tags, summary: 'Discard a draft', security: staffSession, params: ZVersionParams, response: { 200: z.object({ deleted: z.literal(true) }) } },
      },
      async (request) => {
        const actor = currentStaff(request);
        await deletePolicyDraft(ctx, request.params.kind, request.params.number, { type: 'staff', id: actor.id }, { requestId: request.id });
        return { deleted: true as const };
      },
    );

    app.post(
      '/api/admin/policies/:kind/versions/:number/publish',
      {
        onRequest: requirePermission(ctx, 'policies.manage'),
        schema: {
          tags,
          summary: 'Publish a draft',
          description:
            'The effective date must be today or later (Japan time) and after the latest published version. Refused with 422 `translation_missing` (details list each text missing in ja or en) or `notice_incomplete` (details list each value a generated block cannot fill; `reason` is the Art. 32 item).',
          security: staffSession,
          params: ZVersionParams,
          response: { 200: z.object({ version: ZPolicyVersionView }) },
        },
      },
      async (request) => {
        const actor = currentStaff(request);
        const version = await publishPolicyVersion(ctx, request.params.kind, request.params.number, { type: 'staff', id: actor.id }, { requestId: request.id });
        return { version: toPolicyVersionView(version) };
      },
    );

    app.get(
      '/api/admin/notice/check',
      {
        onRequest: requirePermission(ctx, 'policies.read'),
        schema: {
          tags,
          summary: 'Whether the Art. 32 notice can state every required item now',
          description: 'Checks the open draft of the notice, or else the version in force, against the current organisation, settings, purposes and data map.',
          security: staffSession,
          response: {
            200: z.object({ version: z.number().nullable(), complete: z.boolean(), missingItems: z.array(z.enum(NOTICE_ITEMS)), gaps: z.array(ZNoticeGapView) }),
          },
        },
      },
      async () => checkNotice(ctx),
    );

    // Purposes of use ------------------------------------------------------------------------

    app.get(
      '/api/admin/purposes',
      {
        onRequest: requirePermission(ctx, 'policies.read'),
        schema: {
          tags: purposeTags,
          summary: 'The purposes-of-use registry',
          security: staffSession,
          querystring: z.object({ includeRetired: z.enum(['true', 'false']).optional() }),
          response: { 200: z.object({ purposes: z.array(ZPurposeView) }) },
        },
      },
      async (request) => ({ purposes: (await listPurposes(ctx.db, { includeRetired: request.query.includeRetired === 'true' })).map(toPurposeView) }),
    );

    app.get(
      '/api/admin/purposes/:code',
      {
        onRequest: requirePermission(ctx, 'policies.read'),
        schema: { tags: purposeTags, summary: 'One purpose of use', security: staffSession, params: ZCodeParams, response: { 200: z.object({ purpose: ZPurposeView }) } },
      },
      async (request) => ({ purpose: toPurposeView(await getPurpose(ctx.db, request.params.code)) }),
    );

    app.get(
      '/api/admin/purposes/:code/versions',
      {
        onRequest: requirePermission(ctx, 'policies.read'),
        schema: {
          tags: purposeTags,
          summary: 'Every version of a purpose, newest first',
          security: staffSession,
          params: ZCodeParams,
          response: {
            200: z.object({
              versions: z.array(
                z.object({
                  version: z.number(),
                  change: z.enum(['created', 'updated', 'retired']),
                  snapshot: z.unknown(),
                  actor: z.object({ type: z.string(), id: z.string().nullable() }),
                  at: z.iso.datetime(),
                }),
              ),
            }),
          },
        },
      },
      async (request) => ({ versions: (await listPurposeVersions(ctx.db, request.params.code)).map((v) => ({ ...v, at: v.at.toISOString() })) }),
    );

    app.post(
      '/api/admin/purposes',
      {
        onRequest: requirePermission(ctx, 'policies.manage'),
        schema: { tags: purposeTags, summary: 'Add a purpose of use', security: staffSession, body: ZCreatePurposeInput, response: { 201: z.object({ purpose: ZPurposeView }) } },
      },
      async (request, reply) => {
        const actor = currentStaff(request);
        const purpose = await createPurpose(ctx, request.body, { type: 'staff', id: actor.id }, { requestId: request.id });
        return reply.status(201).send({ purpose: toPurposeView(purpose) });
      },
    );

    app.put(
      '/api/admin/purposes/:code',
      {
        onRequest: requirePermission(ctx, 'policies.manage'),
        schema: {
          tags: purposeTags,
          summary: 'Change a purpose of use (makes a new version)',
          security: staffSession,
          params: ZCodeParams,
          body: ZUpdatePurposeInput,
          response: { 200: z.object({ purpose: ZPurposeView }) },
        },
      },
      async (request) => {
        const actor = currentStaff(request);
        const purpose = await updatePurpose(ctx, request.params.code, request.body, { type: 'staff', id: actor.id }, { requestId: request.id });
        return { purpose: toPurposeView(purpose) };
      },
    );

    app.post(
      '/api/admin/purposes/:code/retire',
      {
        onRequest: requirePermission(ctx, 'policies.manage'),
        schema: {
          tags: purposeTags,
          summary: 'Retire a purpose of use',
          description: 'It leaves the published lists at once; its code stays reserved, since records keep pointing at it.',
          security: staffSession,
          params: ZCodeParams,
          response: { 200: z.object({ purpose: ZPurposeView }) },
        },
      },
      async (request) => {
        const actor = currentStaff(request);
        return { purpose: toPurposeView(await retirePurpose(ctx, request.params.code, { type: 'staff', id: actor.id }, { requestId: request.id })) };
      },
    );
  };
}
