// Liveness and readiness: `/healthz` answers while the process runs, `/readyz` only when the
// database answers too.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { isDatabaseReachable } from '../../db/database.ts';
import { AppError } from '../../lib/errors.ts';

const ZHealth = z.object({ status: z.literal('ok') });

export function healthRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/healthz', { schema: { tags: ['health'], summary: 'The process is alive', response: { 200: ZHealth } } }, async () => ({
      status: 'ok' as const,
    }));
    app.get(
      '/readyz',
      { schema: { tags: ['health'], summary: 'The database answers', response: { 200: ZHealth } } },
      async () => {
        if (!(await isDatabaseReachable(ctx.db))) throw new AppError('service_unavailable');
        return { status: 'ok' as const };
      },
    );
  };
}
