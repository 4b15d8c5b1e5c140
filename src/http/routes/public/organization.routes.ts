// Public, read-only facts about the organisation, and the privacy centre's home page until the
// full web application replaces it. Public routes are rate-limited per client.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { getOrganization } from '../../../domains/organization/organization.service.ts';
import { AppError } from '../../../lib/errors.ts';
import { pickLanguage } from '../../../lib/language.ts';

const ZPublicOrganization = z.object({
  id: z.string(),
  name: z.object({ ja: z.string(), en: z.string() }),
});

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function publicOrganizationRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const rateLimit = { max: ctx.config.http.publicRateLimitPerMinute, timeWindow: '1 minute' };
    app.get(
      '/api/public/organization',
      {
        config: { rateLimit },
        schema: {
          tags: ['public'],
          summary: 'The organisation that runs this privacy centre',
          response: { 200: ZPublicOrganization },
        },
      },
      async () => {
        const org = await getOrganization(ctx);
        if (!org) throw new AppError('not_found');
        return { id: org.id, name: { ja: org.nameJa, en: org.nameEn } };
      },
    );

    app.get('/', { config: { rateLimit }, schema: { hide: true } }, async (request, reply) => {
      const lang = pickLanguage(request.headers['accept-language']);
      const org = await getOrganization(ctx);
      const name = org ? (lang === 'ja' ? org.nameJa : org.nameEn) : 'Madoguchi';
      const text =
        lang === 'ja'
          ? { title: `${name} 個人情報のお問い合わせ窓口`, body: 'この窓口では、当社が保有する個人情報の開示・訂正・利用停止等のご請求を受け付けます。ご請求フォームは準備中です。' }
          : { title: `${name} privacy centre`, body: 'This is where you can ask us to disclose, correct, stop using or delete the personal information we hold about you. The request form is being prepared.' };
      reply.type('text/html; charset=utf-8');
      return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(text.title)}</title>
<style>body{font:16px/1.7 system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}a{color:#0b4f8a}</style></head>
<body><main><h1>${esc(text.title)}</h1><p>${esc(text.body)}</p><p><a href="/api/docs">API</a></p></main></body></html>`;
    });
  };
}
