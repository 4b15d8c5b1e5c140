// API keys for the company's applications: list (never the secret), create (the key is in
// this one answer only) and revoke.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { createApiKey, listApiKeys, revokeApiKey, ZApiKeyView, ZCreateApiKeyInput } from '../../../domains/staff/api-key.service.ts';
import { currentStaff, requirePermission } from '../../auth.ts';

const ZKeyId = z.strictObject({ id: z.string().min(1).max(64) });
const staffSession = [{ staffSession: [] }];
const tags = ['admin: API keys'];

export function apiKeyRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/admin/api-keys',
      {
        onRequest: requirePermission(ctx, 'api_keys.read'),
        schema: { tags, summary: 'List API keys (without their secrets)', security: staffSession, response: { 200: z.object({ apiKeys: z.array(ZApiKeyView) }) } },
      },
      async () => ({ apiKeys: await listApiKeys(ctx) }),
    );

    app.post(
      '/api/admin/api-keys',
      {
        onRequest: requirePermission(ctx, 'api_keys.manage'),
        schema: {
          tags,
          summary: 'Create an API key',
          description: 'The answer holds the key (`mdg_<prefix>_<secret>`) this once; Madoguchi keeps only its hash. Applications send it as `Authorization: Bearer <key>`.',
          security: staffSession,
          body: ZCreateApiKeyInput,
          response: { 201: z.object({ apiKey: ZApiKeyView, key: z.string() }) },
        },
      },
      async (request, reply) => {
        const actor = currentStaff(request);
        const created = await createApiKey(ctx, request.body, { type: 'staff', id: actor.id }, { requestId: request.id });
        reply.header('cache-control', 'no-store');
        return reply.status(201).send(created);
      },
    );

    app.post(
      '/api/admin/api-keys/:id/revoke',
      {
        onRequest: requirePermission(ctx, 'api_keys.manage'),
        schema: { tags, summary: 'Revoke an API key', description: 'The key stops working at once.', security: staffSession, params: ZKeyId, response: { 200: z.object({ apiKey: ZApiKeyView }) } },
      },
      async (request) => {
        const actor = currentStaff(request);
        return { apiKey: await revokeApiKey(ctx, request.params.id, { type: 'staff', id: actor.id }, { requestId: request.id }) };
      },
    );
  };
}
