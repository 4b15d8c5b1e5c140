// Public: the download of an answer package. The link from the mail names the delivery; the
// request's tracking token (Authorization: Bearer) proves the caller is the requester. An
// unknown link, a missing or foreign token: 404, whatever exists; a link past its expiry, its
// downloads or revoked: 410 link_expired. Rate-limited per client like every public route.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { downloadPackage } from '../../../domains/delivery/delivery.service.ts';
import { AppError } from '../../../lib/errors.ts';

const tags = ['public'];

const ZParams = z.strictObject({
  token: z.string().min(1).max(200).describe('The token of the download link in the mail (the `d` parameter)'),
});
const ZHeaders = z.object({
  authorization: z.string().max(400).optional().describe('Bearer <trackingToken>, as returned when the request was submitted'),
});

function bearerToken(header: string | undefined): string {
  const match = /^Bearer\s+([A-Za-z0-9_-]{16,200})$/.exec(header?.trim() ?? '');
  if (!match?.[1]) throw new AppError('not_found');
  return match[1];
}

/** ASCII fallback and the RFC 5987 form; the reference is ASCII anyway. */
function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^A-Za-z0-9._-]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export function publicDeliveryRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const rateLimit = { max: ctx.config.http.publicRateLimitPerMinute, timeWindow: '1 minute' };

    app.get(
      '/api/public/deliveries/:token',
      {
        config: { rateLimit },
        schema: {
          tags,
          summary: 'Download the answer to a request (a ZIP package)',
          description:
            'Needs `Authorization: Bearer <trackingToken>` of the request the link belongs to. Answers application/zip ' +
            '(letter.pdf, summary.html, data.json, csv/…, files/…). Each download counts against the link\'s limit. ' +
            'Refusals: 404 not_found (unknown link, missing or foreign tracking token), 410 link_expired (expired, used up or revoked), 429 rate_limited.',
          params: ZParams,
          headers: ZHeaders,
          produces: ['application/zip'],
        },
      },
      async (request, reply) => {
        const trackingToken = bearerToken(request.headers.authorization);
        const { reference, bytes } = await downloadPackage(ctx, request.params.token, trackingToken, { requestId: request.id });
        return reply
          .header('content-type', 'application/zip')
          .header('content-disposition', attachment(`${reference}.zip`))
          .header('cache-control', 'no-store')
          .header('x-content-type-options', 'nosniff')
          .send(bytes);
      },
    );
  };
}
