// The cookie banner for the company's website, on any origin: the script itself (cached,
// gzipped when the browser accepts it), its configuration in Japanese or English (GPC from the
// Sec-GPC header), and the visitor's choice recorded as proof. CORS is open to every origin and
// never carries credentials: nothing here reads a cookie.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { ZBannerChoice, type BannerState } from '../../../domains/consent/banner.ts';
import { getBannerState, recordBannerChoice, toBannerConfig } from '../../../domains/consent/banner.service.ts';
import { pickLanguage } from '../../../lib/language.ts';

const tags = ['public: cookie banner'];
const SCRIPT = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'static', 'banner.js'));
const SCRIPT_GZIP = gzipSync(SCRIPT, { level: 9 });
const SCRIPT_ETAG = `"${createHash('sha256').update(SCRIPT).digest('base64url').slice(0, 22)}"`;
/** How long the configuration is reused inside this process: a page view should not cost two queries. */
const STATE_TTL_MS = 2000;

function gpcHeader(request: FastifyRequest): boolean {
  return request.headers['sec-gpc'] === '1';
}

/** Every origin, no credentials; a preflight may ask for any header (some browsers add their own). */
function cors(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('access-control-allow-origin', '*');
  reply.header('cross-origin-resource-policy', 'cross-origin');
  reply.header('vary', 'Origin, Accept-Language, Sec-GPC');
  if (request.method === 'OPTIONS') {
    const asked = request.headers['access-control-request-headers'];
    reply.header('access-control-allow-methods', 'GET, POST, OPTIONS');
    reply.header('access-control-allow-headers', typeof asked === 'string' && /^[A-Za-z0-9\-_, ]{1,500}$/.test(asked) ? asked : 'content-type');
    reply.header('access-control-max-age', '600');
  }
}

/** Set before validation, so that a refusal is readable by the page too. */
async function corsHook(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  cors(request, reply);
}

const ZCategoryView = z.object({
  key: z.enum(['necessary', 'analytics', 'marketing']),
  title: z.string(),
  description: z.string(),
  required: z.boolean(),
  tags: z.array(
    z.object({ name: z.string(), recipient: z.string(), dataSent: z.string(), companyPurpose: z.string(), recipientPurpose: z.string(), optOutUrl: z.string().nullable() }),
  ),
});

export function publicBannerRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const rateLimit = { max: ctx.config.http.publicRateLimitPerMinute, timeWindow: '1 minute' };
    let cached: { state: BannerState; until: number } | null = null;
    const bannerState = async (): Promise<BannerState> => {
      const now = Date.now();
      if (cached && cached.until > now) return cached.state;
      const state = await getBannerState(ctx.db);
      cached = { state, until: now + STATE_TTL_MS };
      return state;
    };

    app.get('/banner.js', { schema: { hide: true } }, async (request, reply) => {
      reply.header('access-control-allow-origin', '*');
      reply.header('cross-origin-resource-policy', 'cross-origin');
      reply.header('cache-control', 'public, max-age=600, stale-while-revalidate=86400');
      reply.header('etag', SCRIPT_ETAG);
      reply.header('vary', 'Accept-Encoding');
      reply.type('text/javascript; charset=utf-8');
      if (request.headers['if-none-match'] === SCRIPT_ETAG) return reply.status(304).send();
      const encodings = request.headers['accept-encoding'];
      if (typeof encodings === 'string' && /\bgzip\b/.test(encodings)) {
        reply.header('content-encoding', 'gzip');
        return reply.send(SCRIPT_GZIP);
      }
      return reply.send(SCRIPT);
    });

    for (const url of ['/api/public/banner/config', '/api/public/banner/consent']) {
      app.options(url, { schema: { hide: true }, onRequest: corsHook }, async (_request, reply) => reply.status(204).send());
    }

    app.get(
      '/api/public/banner/config',
      {
        onRequest: corsHook,
        schema: {
          tags,
          summary: "The banner's texts, categories and tags, in Japanese or English",
          description:
            '`?lang=ja|en` wins over Accept-Language. `gpc` is true when the request carried `Sec-GPC: 1`; the banner then treats analytics and marketing as refused. Open to every origin (CORS), no credentials.',
          querystring: z.strictObject({ lang: z.enum(['ja', 'en']).optional() }),
          response: {
            200: z.object({
              version: z.number(),
              language: z.enum(['ja', 'en']),
              gpc: z.boolean(),
              title: z.string(),
              message: z.string(),
              policyUrl: z.string().nullable(),
              categories: z.array(ZCategoryView),
            }),
          },
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'public, max-age=60');
        const lang = request.query.lang ?? pickLanguage(request.headers['accept-language']);
        reply.header('content-language', lang);
        return toBannerConfig(await bannerState(), lang, gpcHeader(request));
      },
    );

    app.post(
      '/api/public/banner/consent',
      {
        onRequest: corsHook,
        config: { rateLimit },
        schema: {
          tags,
          summary: "Record a visitor's choice on the banner (the proof)",
          description:
            'Kept: a keyed hash of the visitor id, of the address and of the browser; the categories accepted; the banner version shown; the language; GPC. With GPC (in the body or the `Sec-GPC` header) analytics and marketing are recorded as refused whatever was clicked. A banner version that never existed answers 400 and nothing is stored.',
          body: ZBannerChoice,
          response: {
            201: z.object({ id: z.string(), bannerVersion: z.number(), analytics: z.boolean(), marketing: z.boolean(), gpc: z.boolean(), at: z.iso.datetime() }),
          },
        },
      },
      async (request, reply) => {
        const ua = request.headers['user-agent'];
        const origin = request.headers.origin;
        const saved = await recordBannerChoice(
          ctx,
          request.body,
          { ip: request.ip, userAgent: typeof ua === 'string' ? ua : null, origin: typeof origin === 'string' ? origin : null, gpcHeader: gpcHeader(request) },
          { requestId: request.id },
        );
        return reply.status(201).send({ id: saved.id, bannerVersion: saved.bannerVersion, analytics: saved.analytics, marketing: saved.marketing, gpc: saved.gpc, at: saved.at.toISOString() });
      },
    );
  };
}
