// The one app route every key may call: which key this is and what it may do. SDKs use it to
// check their configuration; other /api/app routes declare `requireApiKey(ctx, scope)`.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { currentApiKey, requireApiKey } from '../../auth.ts';

export function apiKeyInfoRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/app/key',
      {
        onRequest: requireApiKey(ctx, null),
        schema: {
          tags: ['app'],
          summary: 'The API key in use: its name, prefix and scopes',
          security: [{ apiKey: [] }],
          response: { 200: z.object({ id: z.string(), name: z.string(), prefix: z.string(), scopes: z.array(z.string()) }) },
        },
      },
      async (request) => {
        const key = currentApiKey(request);
        return { id: key.id, name: key.name, prefix: key.prefix, scopes: key.scopes };
      },
    );
  };
}
