// Staff management for administrators: list and read accounts, create one (answering its
// one-time password-setup link), change a role, disable an account (its sessions end), reset
// a lost second factor, and hand out a new setup link. Every change is audited.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import {
  changeStaffRole,
  createStaff,
  disableStaff,
  getStaff,
  issueSetupLink,
  listStaff,
  resetStaffMfa,
} from '../../../domains/staff/staff.service.ts';
import { ZCreateStaffInput, ZStaffRole, ZStaffView } from '../../../domains/staff/staff.ts';
import { currentStaff, requirePermission } from '../../auth.ts';

const ZStaffId = z.strictObject({ id: z.string().min(1).max(64) });
const ZSetupLink = z.object({ setupLink: z.string(), setupLinkExpiresAt: z.iso.datetime() });
const staffSession = [{ staffSession: [] }];
const tags = ['admin: staff'];

export function staffRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/admin/staff',
      {
        onRequest: requirePermission(ctx, 'staff.read'),
        schema: { tags, summary: 'List staff accounts', security: staffSession, response: { 200: z.object({ staff: z.array(ZStaffView) }) } },
      },
      async () => ({ staff: await listStaff(ctx) }),
    );

    app.get(
      '/api/admin/staff/:id',
      {
        onRequest: requirePermission(ctx, 'staff.read'),
        schema: { tags, summary: 'One staff account', security: staffSession, params: ZStaffId, response: { 200: z.object({ staff: ZStaffView }) } },
      },
      async (request) => ({ staff: await getStaff(ctx, request.params.id) }),
    );

    app.post(
      '/api/admin/staff',
      {
        onRequest: requirePermission(ctx, 'staff.manage'),
        schema: {
          tags,
          summary: 'Create a staff account',
          description: 'Answers a one-time link (valid 72 hours) on which the person chooses a password. Give it to them over a trusted channel.',
          security: staffSession,
          body: ZCreateStaffInput,
          response: { 201: ZSetupLink.extend({ staff: ZStaffView }) },
        },
      },
      async (request, reply) => {
        const actor = currentStaff(request);
        const created = await createStaff(ctx, request.body, { type: 'staff', id: actor.id }, { requestId: request.id });
        reply.header('cache-control', 'no-store');
        return reply.status(201).send(created);
      },
    );

    app.post(
      '/api/admin/staff/:id/role',
      {
        onRequest: requirePermission(ctx, 'staff.manage'),
        schema: {
          tags,
          summary: "Change a staff member's role",
          description: 'The last active administrator cannot be demoted (409 conflict).',
          security: staffSession,
          params: ZStaffId,
          body: z.strictObject({ role: ZStaffRole }),
          response: { 200: z.object({ staff: ZStaffView }) },
        },
      },
      async (request) => {
        const actor = currentStaff(request);
        return { staff: await changeStaffRole(ctx, request.params.id, request.body.role, { type: 'staff', id: actor.id }, { requestId: request.id }) };
      },
    );

    app.post(
      '/api/admin/staff/:id/disable',
      {
        onRequest: requirePermission(ctx, 'staff.manage'),
        schema: {
          tags,
          summary: 'Disable a staff account',
          description: 'Its sessions and open setup links end at once. The last active administrator cannot be disabled.',
          security: staffSession,
          params: ZStaffId,
          response: { 200: z.object({ staff: ZStaffView }) },
        },
      },
      async (request) => {
        const actor = currentStaff(request);
        return { staff: await disableStaff(ctx, request.params.id, { type: 'staff', id: actor.id }, { requestId: request.id }) };
      },
    );

    app.post(
      '/api/admin/staff/:id/reset-mfa',
      {
        onRequest: requirePermission(ctx, 'staff.manage'),
        schema: {
          tags,
          summary: "Remove a staff member's authenticator (lost phone)",
          description: 'The secret is destroyed and every session of the account ends; the next sign-in asks for a new authenticator when the role requires one.',
          security: staffSession,
          params: ZStaffId,
          response: { 200: z.object({ staff: ZStaffView }) },
        },
      },
      async (request) => {
        const actor = currentStaff(request);
        return { staff: await resetStaffMfa(ctx, request.params.id, { type: 'staff', id: actor.id }, { requestId: request.id }) };
      },
    );

    app.post(
      '/api/admin/staff/:id/setup-link',
      {
        onRequest: requirePermission(ctx, 'staff.manage'),
        schema: {
          tags,
          summary: 'Issue a new one-time password-setup link',
          description: 'For a forgotten password or an expired first link; earlier links stop working.',
          security: staffSession,
          params: ZStaffId,
          response: { 200: ZSetupLink },
        },
      },
      async (request, reply) => {
        const actor = currentStaff(request);
        reply.header('cache-control', 'no-store');
        return issueSetupLink(ctx, request.params.id, { type: 'staff', id: actor.id }, { requestId: request.id });
      },
    );
  };
}
