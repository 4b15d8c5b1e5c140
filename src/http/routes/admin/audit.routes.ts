// The audit log for staff who may read it: the filtered list, newest first, and a check of the
// whole hash chain on demand.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { ACTOR_TYPES, AUDIT_ACTIONS } from '../../../domains/audit/audit.actions.ts';
import { LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, listAudit, verifyAuditChain, type AuditEntry } from '../../../domains/audit/audit.service.ts';
import { requirePermission } from '../../auth.ts';

const staffSession = [{ staffSession: [] }];
const tags = ['admin: audit log'];

const ZRef = z.string().min(1).max(200);

export const ZAuditListQuery = z.strictObject({
  action: z.enum(AUDIT_ACTIONS).optional(),
  actorType: z.enum(ACTOR_TYPES).optional(),
  actorId: ZRef.optional(),
  targetType: z.string().min(1).max(100).optional(),
  targetId: ZRef.optional(),
  subjectRef: ZRef.optional(),
  requestId: ZRef.optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('first instant to include (inclusive)'),
  to: z.iso.datetime({ offset: true }).optional().describe('instant to stop at (exclusive)'),
  cursor: z
    .string()
    .regex(/^[1-9]\d{0,15}$/)
    .optional()
    .describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(LIST_LIMIT_MAX).default(LIST_LIMIT_DEFAULT),
});

export const ZAuditEntryView = z.object({
  seq: z.number().int(),
  id: z.string(),
  at: z.iso.datetime(),
  actor: z.object({ type: z.string(), id: z.string().nullable() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string().nullable() }).nullable(),
  requestId: z.string().nullable(),
  subjectRef: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});

const ZAuditPage = z.object({ entries: z.array(ZAuditEntryView), nextCursor: z.string().nullable() });

const ZVerifyResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), entries: z.number().int(), headSeq: z.number().int() }),
  z.object({
    ok: z.literal(false),
    entries: z.number().int(),
    headSeq: z.number().int(),
    firstBroken: z.object({
      seq: z.number().int(),
      id: z.string().nullable(),
      reason: z.enum(['hash_mismatch', 'prev_hash_mismatch', 'sequence_gap', 'head_mismatch']),
    }),
  }),
]);

function view(entry: AuditEntry): z.infer<typeof ZAuditEntryView> {
  return {
    seq: entry.seq,
    id: entry.id,
    at: entry.at.toISOString(),
    actor: { type: entry.actor.type, id: entry.actor.id },
    action: entry.action,
    target: entry.target ? { type: entry.target.type, id: entry.target.id } : null,
    requestId: entry.requestId,
    subjectRef: entry.subjectRef,
    details: entry.details,
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}

export function auditRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/admin/audit',
      {
        onRequest: requirePermission(ctx, 'audit.read'),
        schema: {
          tags,
          summary: 'List audit entries, newest first',
          description:
            'Every filter narrows the list; `from`/`to` select on the time of the action. Pages hold at most 200 entries; pass `nextCursor` back as `cursor` for the next (older) page.',
          security: staffSession,
          querystring: ZAuditListQuery,
          response: { 200: ZAuditPage },
        },
      },
      async (request) => {
        const q = request.query;
        const page = await listAudit(ctx.db, {
          ...q,
          from: q.from === undefined ? undefined : new Date(q.from),
          to: q.to === undefined ? undefined : new Date(q.to),
        });
        return { entries: page.entries.map(view), nextCursor: page.nextCursor };
      },
    );

    app.post(
      '/api/admin/audit/verify',
      {
        onRequest: requirePermission(ctx, 'audit.read'),
        schema: {
          tags,
          summary: 'Verify the hash chain of the whole audit log',
          description:
            'Recomputes every hash from the first entry to the chain head. `ok: false` names the first broken entry and why: hash_mismatch (changed), prev_hash_mismatch (reordered, or its predecessor rewritten), sequence_gap (entries deleted), head_mismatch (entries cut off the end or added outside the log).',
          security: staffSession,
          response: { 200: ZVerifyResult },
        },
      },
      async () => verifyAuditChain(ctx.db),
    );
  };
}
