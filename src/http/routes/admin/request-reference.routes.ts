// Lists the request console reads beside the requests: the staff a request can be assigned
// to (open to every role that reads requests, unlike the staff administration list), and the
// reasons a decision may give with their legal grounds in Japanese and English.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { STAFF_ROLES } from '../../../config/config.ts';
import { listAssignableStaff, listDecisionReasons } from '../../../domains/requests/console-reference.service.ts';
import { DECISION_REASON_CODES } from '../../../domains/requests/decision.rules.ts';
import { requirePermission } from '../../auth.ts';

const staffSession = [{ staffSession: [] }];
const tags = ['admin: requests'];
const ZLoc = z.object({ ja: z.string(), en: z.string() });

export function requestReferenceRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/admin/requests/assignees',
      {
        onRequest: requirePermission(ctx, 'requests.read'),
        schema: {
          tags,
          summary: 'Active staff who work requests: who a request can be assigned to',
          security: staffSession,
          response: {
            200: z.object({ staff: z.array(z.object({ id: z.string(), displayName: z.string(), role: z.enum(STAFF_ROLES) })) }),
          },
        },
      },
      async () => ({
        staff: (await listAssignableStaff(ctx.db)).flatMap((s) =>
          (STAFF_ROLES as readonly string[]).includes(s.role) ? [{ ...s, role: s.role as (typeof STAFF_ROLES)[number] }] : [],
        ),
      }),
    );

    app.get(
      '/api/admin/requests/decision-reasons',
      {
        onRequest: requirePermission(ctx, 'requests.read'),
        schema: {
          tags,
          summary: "The reasons a decision may give: the policy's nine and the reasons about a measure, each with its legal ground",
          description: '`forParts` marks the reasons a withheld part of a partial disclosure may rest on. Which reasons a given request allows is in its decision (`choices`).',
          security: staffSession,
          response: {
            200: z.object({
              reasons: z.array(
                z.object({
                  code: z.enum(DECISION_REASON_CODES as [string, ...string[]]),
                  policyNumber: z.number().int().nullable(),
                  label: ZLoc,
                  legalGround: ZLoc,
                  forParts: z.boolean(),
                }),
              ),
            }),
          },
        },
      },
      async (_request, reply) => {
        reply.header('cache-control', 'private, max-age=3600');
        return { reasons: listDecisionReasons() };
      },
    );
  };
}
