// Public, read-only: the published policies (the version in force and past ones), the APPI
// Art. 32 notice and the purposes of use, in Japanese or English (`?lang=ja|en`, else the
// Accept-Language header, else Japanese). Rate-limited per client like every public route.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { POLICY_KINDS, isPolicyKind, type PolicyKind } from '../../../domains/policies/policy.ts';
import { getPolicyDocument, renderPolicyVersion } from '../../../domains/policies/policy.service.ts';
import { ZPolicyKind, ZRenderedVersionView, ZStanding, toRenderedVersionView } from '../../../domains/policies/policy.views.ts';
import { PURPOSE_BASES } from '../../../domains/purposes/purpose.ts';
import { listPurposes } from '../../../domains/purposes/purpose.service.ts';
import { AppError, type Language } from '../../../lib/errors.ts';
import { pickLanguage } from '../../../lib/language.ts';

const tags = ['public'];
const ZLangQuery = z.object({ lang: z.enum(['ja', 'en']).optional() });
// The kind is checked by hand so an unknown document answers 404 like any unknown page.
const ZKind = z.string().min(1).max(60);
const ZKindParams = z.strictObject({ kind: ZKind });
const ZVersionParams = z.strictObject({ kind: ZKind, number: z.coerce.number().int().min(1).max(1_000_000) });

function kindOf(kind: string): PolicyKind {
  if (!isPolicyKind(kind)) throw new AppError('not_found');
  return kind;
}

const ZPublicVersion = z.object({ number: z.number(), effectiveDate: z.string(), standing: ZStanding, summary: z.string() });

/** The query wins over the header, so a link can fix the language. */
function languageOf(request: FastifyRequest, query: { lang?: Language | undefined }, reply: FastifyReply): Language {
  const lang = query.lang ?? pickLanguage(request.headers['accept-language']);
  reply.header('content-language', lang).header('vary', 'Accept-Language');
  return lang;
}

async function publishedVersions(ctx: AppContext, kind: PolicyKind, lang: Language) {
  const doc = await getPolicyDocument(ctx, kind);
  return doc.versions.flatMap((v) =>
    v.status === 'published' && v.effectiveDate !== null
      ? [{ number: v.number, effectiveDate: v.effectiveDate, standing: v.standing, summary: v.summary[lang] }]
      : [],
  );
}

export function publicPolicyRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const rateLimit = { max: ctx.config.http.publicRateLimitPerMinute, timeWindow: '1 minute' };

    app.get(
      '/api/public/policies',
      {
        config: { rateLimit },
        schema: {
          tags,
          summary: 'The published policies in force',
          querystring: ZLangQuery,
          response: {
            200: z.object({
              language: z.enum(['ja', 'en']),
              policies: z.array(z.object({ kind: ZPolicyKind, title: z.string(), number: z.number(), effectiveDate: z.string() })),
            }),
          },
        },
      },
      async (request, reply) => {
        const lang = languageOf(request, request.query, reply);
        const policies = [];
        for (const kind of POLICY_KINDS) {
          const doc = await getPolicyDocument(ctx, kind);
          if (doc.inForce) policies.push({ kind, title: doc.title[lang], number: doc.inForce.number, effectiveDate: doc.inForce.effectiveDate });
        }
        return { language: lang, policies };
      },
    );

    app.get(
      '/api/public/policies/:kind',
      {
        config: { rateLimit },
        schema: {
          tags,
          summary: 'A policy as in force today, with its revision history and its published versions',
          params: ZKindParams,
          querystring: ZLangQuery,
          response: { 200: ZRenderedVersionView.extend({ versions: z.array(ZPublicVersion) }) },
        },
      },
      async (request, reply) => {
        const lang = languageOf(request, request.query, reply);
        const kind = kindOf(request.params.kind);
        const rendered = await renderPolicyVersion(ctx, kind, 'in_force', lang);
        return { ...toRenderedVersionView(rendered), versions: await publishedVersions(ctx, kind, lang) };
      },
    );

    app.get(
      '/api/public/policies/:kind/versions',
      {
        config: { rateLimit },
        schema: { tags, summary: 'Published versions of a policy, newest first', params: ZKindParams, querystring: ZLangQuery, response: { 200: z.object({ versions: z.array(ZPublicVersion) }) } },
      },
      async (request, reply) => {
        const lang = languageOf(request, request.query, reply);
        const versions = await publishedVersions(ctx, kindOf(request.params.kind), lang);
        if (versions.length === 0) throw new AppError('not_found');
        return { versions };
      },
    );

    app.get(
      '/api/public/policies/:kind/versions/:number',
      {
        config: { rateLimit },
        schema: { tags, summary: 'One published version of a policy, as it read then', params: ZVersionParams, querystring: ZLangQuery, response: { 200: ZRenderedVersionView } },
      },
      async (request, reply) => {
        const lang = languageOf(request, request.query, reply);
        return toRenderedVersionView(await renderPolicyVersion(ctx, kindOf(request.params.kind), request.params.number, lang));
      },
    );

    app.get(
      '/api/public/notice',
      {
        config: { rateLimit },
        schema: {
          tags,
          summary: 'The public notice on retained personal data (APPI Art. 32)',
          description: 'The same as /api/public/policies/appi-notice.',
          querystring: ZLangQuery,
          response: { 200: ZRenderedVersionView },
        },
      },
      async (request, reply) => {
        const lang = languageOf(request, request.query, reply);
        return toRenderedVersionView(await renderPolicyVersion(ctx, 'appi-notice', 'in_force', lang));
      },
    );

    app.get(
      '/api/public/purposes',
      {
        config: { rateLimit },
        schema: {
          tags,
          summary: 'The purposes of use of personal data',
          querystring: ZLangQuery,
          response: {
            200: z.object({
              language: z.enum(['ja', 'en']),
              purposes: z.array(z.object({ code: z.string(), title: z.string(), description: z.string(), basis: z.enum(PURPOSE_BASES) })),
            }),
          },
        },
      },
      async (request, reply) => {
        const lang = languageOf(request, request.query, reply);
        const purposes = await listPurposes(ctx.db);
        return { language: lang, purposes: purposes.map((p) => ({ code: p.code, title: p.title[lang], description: p.description[lang], basis: p.basis })) };
      },
    );
  };
}
