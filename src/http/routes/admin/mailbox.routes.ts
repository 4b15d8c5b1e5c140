// The development mailbox: administrators read what Madoguchi has queued or sent. With no
// SMTP server configured (the embedded default) this is where mail ends up, and `mode` tells
// the console to say so plainly. Every view is audited, since messages hold personal data.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { getMailboxMessage, listMailbox, MAILBOX_LIMIT_MAX } from '../../../domains/mail/mail.service.ts';
import { ZMailboxMessage, ZMailboxSummary } from '../../../domains/mail/mail.types.ts';
import { currentStaff, requirePermission } from '../../auth.ts';

const ZMode = z.enum(['development', 'smtp']);
const staffSession = [{ staffSession: [] }];
const tags = ['admin: mailbox'];

export function mailboxRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/admin/dev-mailbox',
      {
        onRequest: requirePermission(ctx, 'mailbox.read'),
        schema: {
          tags,
          summary: 'Messages in the outbox, newest first',
          description:
            "mode 'development': no SMTP server is configured, so messages are held here and never leave the server. " +
            "mode 'smtp': messages are sent; this list shows what was sent and its status.",
          security: staffSession,
          querystring: z.strictObject({
            limit: z.coerce.number().int().min(1).max(MAILBOX_LIMIT_MAX).optional(),
            cursor: z.string().min(1).max(200).optional(),
          }),
          response: {
            200: z.object({ mode: ZMode, messages: z.array(ZMailboxSummary), nextCursor: z.string().nullable() }),
          },
        },
      },
      async (request, reply) => {
        const staff = currentStaff(request);
        reply.header('cache-control', 'no-store');
        return listMailbox(
          ctx,
          { actor: { type: 'staff', id: staff.id }, requestId: request.id },
          {
            ...(request.query.limit === undefined ? {} : { limit: request.query.limit }),
            ...(request.query.cursor === undefined ? {} : { cursor: request.query.cursor }),
          },
        );
      },
    );

    app.get(
      '/api/admin/dev-mailbox/:id',
      {
        onRequest: requirePermission(ctx, 'mailbox.read'),
        schema: {
          tags,
          summary: 'One message with its text and HTML bodies',
          security: staffSession,
          params: z.strictObject({ id: z.string().min(1).max(64) }),
          response: { 200: z.object({ mode: ZMode, message: ZMailboxMessage }) },
        },
      },
      async (request, reply) => {
        const staff = currentStaff(request);
        reply.header('cache-control', 'no-store');
        return getMailboxMessage(ctx, { actor: { type: 'staff', id: staff.id }, requestId: request.id }, request.params.id);
      },
    );
  };
}
