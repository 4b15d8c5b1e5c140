// Public, read-only facts about the organisation (the privacy centre's pages themselves are the
// web application, served by web.routes.ts). Public routes are rate-limited per client.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { getOrganization } from '../../../domains/organization/organization.service.ts';
import { AppError } from '../../../lib/errors.ts';

const ZPublicOrganization = z.object({
  id: z.string(),
  name: z.object({ ja: z.string(), en: z.string() }),
});

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
  };
}
