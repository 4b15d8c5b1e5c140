// The dashboard's numbers for staff who read requests: open requests by status and type, due
// soon and overdue, time to answer (mean and 90th percentile), and requests per month.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { REQUEST_STATUSES, REQUEST_TYPES } from '../../../domains/requests/request.ts';
import { DUE_SOON_DAYS_DEFAULT, STATS_MONTHS_DEFAULT, STATS_MONTHS_MAX, getRequestStats } from '../../../domains/requests/stats.service.ts';
import { requirePermission } from '../../auth.ts';

const staffSession = [{ staffSession: [] }];

const ZStatsView = z.object({
  asOf: z.iso.datetime(),
  open: z.object({
    total: z.number().int(),
    byStatus: z.array(z.object({ status: z.enum(REQUEST_STATUSES), count: z.number().int() })),
    byType: z.array(z.object({ type: z.enum(REQUEST_TYPES), count: z.number().int() })),
    cells: z.array(z.object({ status: z.enum(REQUEST_STATUSES), type: z.enum(REQUEST_TYPES), count: z.number().int() })),
  }),
  deadlines: z.object({ dueSoonDays: z.number().int(), dueSoon: z.number().int(), overdue: z.number().int(), paused: z.number().int() }),
  completion: z.object({ since: z.iso.datetime(), count: z.number().int(), averageDays: z.number().nullable(), p90Days: z.number().nullable() }),
  months: z.array(z.object({ month: z.string(), received: z.number().int(), answered: z.number().int() })),
});

export function requestStatsRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/admin/requests/stats',
      {
        onRequest: requirePermission(ctx, 'requests.read'),
        schema: {
          tags: ['admin: requests'],
          summary: 'Dashboard figures: open requests by status and type, deadlines, time to answer, requests per month',
          description:
            `Months are calendar months in Japan, oldest first (default ${STATS_MONTHS_DEFAULT}). "Due soon" counts open requests whose clock runs and whose due day is within \`dueSoonDays\` (default ${DUE_SOON_DAYS_DEFAULT}). ` +
            'Time to answer is the number of days from receipt to completion or closure of the requests answered since the first month shown (withdrawn requests are not counted).',
          security: staffSession,
          querystring: z.strictObject({
            months: z.coerce.number().int().min(1).max(STATS_MONTHS_MAX).optional(),
            dueSoonDays: z.coerce.number().int().min(0).max(90).optional(),
          }),
          response: { 200: ZStatsView },
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        const stats = await getRequestStats(ctx, {
          ...(request.query.months === undefined ? {} : { months: request.query.months }),
          ...(request.query.dueSoonDays === undefined ? {} : { dueSoonDays: request.query.dueSoonDays }),
        });
        return { ...stats, asOf: stats.asOf.toISOString(), completion: { ...stats.completion, since: stats.completion.since.toISOString() } };
      },
    );
  };
}
