// The request desk for staff: list, filter, sort and search requests; open one with its
// timeline; assign, note, write to the requester; review identity (documents opened one by one,
// each opening audited; the acceptance rule; the checklist and the decision; a file showing an
// Individual Number destroyed); the fee (extra cost, payments, waiver); and withdrawal on the
// requester's behalf. Handlers stay thin: parse, check the permission, call the service,
// answer through an allowlisted view. Auditors read; handlers work; officers also waive fees
// and verify identity against the acceptance rule.
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import type { Actor } from '../../../domains/audit/audit.actions.ts';
import * as desk from '../../../domains/requests/desk.service.ts';
import { SORT_FIELDS } from '../../../domains/requests/desk.repository.ts';
import { ZExtraCost, ZRecordPayment, ZWaiveFee, recordPayment, setExtraCost, waiveFee } from '../../../domains/requests/fee.service.ts';
import {
  ZIdentityCheck,
  ZStaffDocument,
  checkIdentity,
  destroyMyNumberDocument,
  evaluateDocuments,
  listDocuments,
  openDocument,
  uploadStaffDocument,
  type DocumentView,
} from '../../../domains/requests/identity-review.service.ts';
import { REQUEST_EVENTS } from '../../../domains/requests/request-state.rules.ts';
import { DOCUMENT_ROLES, MAX_UPLOAD_BYTES, REQUEST_STATUSES, REQUEST_TYPES, type RequestStatus, type RequestType } from '../../../domains/requests/request.ts';
import { can } from '../../../domains/staff/permissions.ts';
import { AppError } from '../../../lib/errors.ts';
import { currentStaff, requirePermission } from '../../auth.ts';

const staffSession = [{ staffSession: [] }];
const tags = ['admin: requests'];

const ZId = z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/, 'an id');
const ZParams = z.strictObject({ id: ZId });
const ZDocParams = z.strictObject({ id: ZId, docId: ZId });
const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d === null ? null : d.toISOString());

function listOf(values: readonly string[]): RegExp {
  const one = `(?:${values.join('|')})`;
  return new RegExp(`^${one}(?:,${one})*$`);
}

export const ZRequestListQuery = z.strictObject({
  status: z.string().max(400).regex(listOf(REQUEST_STATUSES), 'statuses separated by commas').optional().describe('e.g. identity_review,awaiting_fee'),
  type: z.string().max(400).regex(listOf(REQUEST_TYPES), 'request types separated by commas').optional(),
  assignee: z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/).optional().describe('"me", "none" or a staff id'),
  dueSoon: z.coerce.number().int().min(0).max(90).optional().describe('open requests due within this many days (clock running)'),
  overdue: z.enum(['true', 'false']).optional().describe('open requests past their due day (clock running)'),
  q: z.string().trim().min(1).max(254).optional().describe('a request id, a reference (or its beginning), or an exact email address or name'),
  sort: z.enum(SORT_FIELDS).optional(),
  direction: z.enum(['asc', 'desc']).optional(),
  limit: z.coerce.number().int().min(1).max(desk.LIST_LIMIT_MAX).optional(),
  cursor: z.string().max(400).regex(/^[A-Za-z0-9_-]+$/).optional().describe('nextCursor of the previous page'),
});

const ZSummaryView = z.object({
  id: z.string(),
  reference: z.string(),
  type: z.enum(REQUEST_TYPES),
  status: z.enum(REQUEST_STATUSES),
  language: z.enum(['ja', 'en']),
  requesterKind: z.enum(['principal', 'statutory_agent', 'appointed_agent']),
  deliveryMethod: z.enum(['electronic', 'paper']),
  personName: z.string().nullable(),
  assigneeId: z.string().nullable(),
  receivedAt: z.iso.datetime(),
  dueAt: z.iso.datetime(),
  escalationAt: z.iso.datetime(),
  paused: z.boolean(),
  overdue: z.boolean(),
  replyDueAt: z.iso.datetime().nullable(),
  feeStatus: z.enum(['not_set', 'not_applicable', 'pending', 'paid', 'waived']),
  closedReason: z.string().nullable(),
  completedAt: z.iso.datetime().nullable(),
  updatedAt: z.iso.datetime(),
});

function summaryView(s: desk.RequestSummary): z.infer<typeof ZSummaryView> {
  return {
    id: s.id,
    reference: s.reference,
    type: s.type,
    status: s.status,
    language: s.language,
    requesterKind: s.requesterKind,
    deliveryMethod: s.deliveryMethod,
    personName: s.personName,
    assigneeId: s.assigneeId,
    receivedAt: iso(s.receivedAt),
    dueAt: iso(s.dueAt),
    escalationAt: iso(s.escalationAt),
    paused: s.paused,
    overdue: s.overdue,
    replyDueAt: isoOrNull(s.replyDueAt),
    feeStatus: s.feeStatus,
    closedReason: s.closedReason,
    completedAt: isoOrNull(s.completedAt),
    updatedAt: iso(s.updatedAt),
  };
}

const ZAddressView = z.object({ postalCode: z.string().optional(), text: z.string() });
const ZSubjectView = z.object({
  person: z.object({
    name: z.string(),
    nameKana: z.string().optional(),
    address: ZAddressView,
    dateOfBirth: z.string(),
    email: z.string().optional(),
    phone: z.string().optional(),
  }),
  agent: z.object({ name: z.string(), address: ZAddressView, dateOfBirth: z.string().optional(), relationship: z.string() }).nullable(),
  contact: z.object({ email: z.string(), phone: z.string().optional() }),
  concerns: z.object({
    description: z.string(),
    correction: z.object({ current: z.string(), requested: z.string() }).optional(),
    grounds: z.string().optional(),
  }),
});

const ZPaymentView = z.object({
  id: z.string(),
  kind: z.enum(['payment', 'waiver']),
  amountYen: z.number().int(),
  paidOn: z.string().nullable(),
  payerName: z.string().nullable(),
  reference: z.string().nullable(),
  recordedBy: z.string(),
  recordedAt: z.iso.datetime(),
});

const ZDetailView = ZSummaryView.extend({
  emailVerifiedAt: z.iso.datetime().nullable(),
  pausedMs: z.number().int(),
  identityVerifiedAt: z.iso.datetime().nullable(),
  identityVerifiedBy: z.string().nullable(),
  retentionUntil: z.iso.datetime().nullable(),
  disposedAt: z.iso.datetime().nullable(),
  version: z.number().int(),
  assignee: z.object({ id: z.string(), displayName: z.string() }).nullable(),
  subject: ZSubjectView.nullable(),
  fee: z.object({
    applies: z.boolean(),
    status: z.enum(['not_set', 'not_applicable', 'pending', 'paid', 'waived']),
    baseYen: z.number().int(),
    paperYen: z.number().int(),
    extraYen: z.number().int(),
    totalYen: z.number().int(),
    paperAtCost: z.boolean(),
    askedYen: z.number().int().nullable(),
    paidYen: z.number().int(),
  }),
  payments: z.array(ZPaymentView),
  documents: z.object({ total: z.number().int(), received: z.number().int(), destroyed: z.number().int() }),
  actions: z.array(z.enum(REQUEST_EVENTS)).describe('the state-machine events possible from the current status'),
});

function detailView(d: desk.RequestDetail): z.infer<typeof ZDetailView> {
  return {
    ...summaryView(d),
    emailVerifiedAt: isoOrNull(d.emailVerifiedAt),
    pausedMs: d.pausedMs,
    identityVerifiedAt: isoOrNull(d.identityVerifiedAt),
    identityVerifiedBy: d.identityVerifiedBy,
    retentionUntil: isoOrNull(d.retentionUntil),
    disposedAt: isoOrNull(d.disposedAt),
    version: d.version,
    assignee: d.assignee,
    subject: d.subject ? { ...d.subject, agent: d.subject.agent ?? null } : null,
    fee: d.fee,
    payments: d.payments.map((p) => ({ ...p, recordedAt: iso(p.recordedAt) })),
    documents: d.documents,
    actions: d.actions,
  };
}

const ZTimelineEntryView = z.object({
  id: z.string(),
  seq: z.number().int(),
  kind: z.string(),
  fromStatus: z.string().nullable(),
  toStatus: z.string().nullable(),
  actor: z.object({ type: z.string(), id: z.string().nullable() }),
  data: z.record(z.string(), z.unknown()),
  text: z.string().nullable(),
  visibleToRequester: z.boolean(),
  at: z.iso.datetime(),
});

const ZDocumentView = z.object({
  id: z.string(),
  role: z.enum(DOCUMENT_ROLES),
  documentType: z.string(),
  contentType: z.string(),
  byteSize: z.number().int(),
  status: z.enum(['received', 'destroyed', 'disposed']),
  uploadedBy: z.enum(['requester', 'staff']),
  uploadedAt: z.iso.datetime(),
  destroyedReason: z.string().nullable(),
  destroyedAt: z.iso.datetime().nullable(),
});

function documentView(d: DocumentView): z.infer<typeof ZDocumentView> {
  return { ...d, uploadedAt: iso(d.uploadedAt), destroyedAt: isoOrNull(d.destroyedAt) };
}

const ZEvaluationView = z.object({
  accepted: z.boolean(),
  shortfalls: z.array(
    z.object({
      reason: z.enum(['principal_identity', 'agent_authority', 'agent_identity']),
      photoNeeded: z.number().int().optional(),
      nonPhotoNeeded: z.number().int().optional(),
      kind: z.enum(['statutory', 'appointed']).optional(),
      missingCodes: z.array(z.string()).optional(),
    }),
  ),
  documents: z.object({
    principal_identity: z.array(z.string()),
    agent_identity: z.array(z.string()),
    agent_authority: z.array(z.string()),
    other: z.array(z.string()),
  }),
});

const ZDetailResponse = { 200: z.object({ request: ZDetailView }) };

const EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'application/pdf': 'pdf', 'image/heic': 'heic' };

function staffActor(id: string): Actor {
  return { type: 'staff', id };
}

function splitList<T extends string>(value: string | undefined): T[] | undefined {
  return value === undefined ? undefined : (value.split(',') as T[]);
}

export function requestDeskRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    // Scoped to this plugin: only the staff upload reads multipart bodies here.
    await app.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 4, parts: 5, fieldSize: 1024 } });

    const detail = async (id: string) => ({ request: detailView(await desk.getRequestDetail(ctx.db, ctx, id)) });

    app.get(
      '/api/admin/requests',
      {
        onRequest: requirePermission(ctx, 'requests.read'),
        schema: {
          tags,
          summary: 'List requests: filter by status, type, assignee, due soon or overdue; search; sort',
          description:
            'Filters combine. `q` finds a request id, a reference (exact or by its beginning, e.g. R-20261128) or an exact email address or name (matched through keyed hashes, never stored in clear). Sort by due_at (default, ascending), received_at or updated_at. Pages hold at most 200; pass `nextCursor` back as `cursor`.',
          security: staffSession,
          querystring: ZRequestListQuery,
          response: { 200: z.object({ requests: z.array(ZSummaryView), nextCursor: z.string().nullable() }) },
        },
      },
      async (request) => {
        const q = request.query;
        const status = splitList<RequestStatus>(q.status);
        const type = splitList<RequestType>(q.type);
        const page = await desk.listRequests(
          ctx.db,
          ctx,
          {
            ...(status ? { status } : {}),
            ...(type ? { type } : {}),
            ...(q.assignee === undefined ? {} : { assignee: q.assignee }),
            ...(q.dueSoon === undefined ? {} : { dueSoon: q.dueSoon }),
            ...(q.overdue === 'true' ? { overdue: true } : {}),
            ...(q.q === undefined ? {} : { q: q.q }),
            ...(q.sort === undefined ? {} : { sort: q.sort }),
            ...(q.direction === undefined ? {} : { direction: q.direction }),
            ...(q.limit === undefined ? {} : { limit: q.limit }),
            ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
          },
          { staffId: currentStaff(request).id },
        );
        return { requests: page.requests.map(summaryView), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/api/admin/requests/:id',
      {
        onRequest: requirePermission(ctx, 'requests.read'),
        schema: {
          tags,
          summary: 'One request: the person and what is asked, the clock, the fee and payments, and the actions possible now',
          security: staffSession,
          params: ZParams,
          response: ZDetailResponse,
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        return detail(request.params.id);
      },
    );

    app.get(
      '/api/admin/requests/:id/timeline',
      {
        onRequest: requirePermission(ctx, 'requests.read'),
        schema: {
          tags,
          summary: 'The timeline of a request, oldest first, with notes and messages decrypted',
          security: staffSession,
          params: ZParams,
          response: { 200: z.object({ events: z.array(ZTimelineEntryView) }) },
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        const events = await desk.getTimeline(ctx.db, ctx, request.params.id);
        return { events: events.map((e) => ({ ...e, at: iso(e.at) })) };
      },
    );

    app.post(
      '/api/admin/requests/:id/assign',
      {
        onRequest: requirePermission(ctx, 'requests.work'),
        schema: {
          tags,
          summary: 'Assign the request to a staff member who works requests, or to nobody (null)',
          security: staffSession,
          params: ZParams,
          body: z.strictObject({ assigneeId: ZId.nullable() }),
          response: ZDetailResponse,
        },
      },
      async (request) => {
        const staff = currentStaff(request);
        await desk.assignRequest(ctx, request.params.id, request.body.assigneeId, staffActor(staff.id), { requestId: request.id });
        return detail(request.params.id);
      },
    );

    app.post(
      '/api/admin/requests/:id/notes',
      {
        onRequest: requirePermission(ctx, 'requests.work'),
        schema: {
          tags,
          summary: 'Add an internal note to the timeline (stored encrypted, never shown to the requester)',
          security: staffSession,
          params: ZParams,
          body: z.strictObject({ text: desk.ZStaffText }),
          response: { 201: z.object({ eventId: z.string() }) },
        },
      },
      async (request, reply) => {
        const staff = currentStaff(request);
        const result = await desk.addNote(ctx, request.params.id, request.body.text, staffActor(staff.id), { requestId: request.id });
        return reply.status(201).send(result);
      },
    );

    app.post(
      '/api/admin/requests/:id/messages',
      {
        onRequest: requirePermission(ctx, 'requests.work'),
        schema: {
          tags,
          summary: "Write to the requester: shown on their status page and emailed to the verified address",
          description: 'Refused with email_not_verified while the address has not been verified.',
          security: staffSession,
          params: ZParams,
          body: z.strictObject({ text: desk.ZStaffText }),
          response: { 201: z.object({ eventId: z.string() }) },
        },
      },
      async (request, reply) => {
        const staff = currentStaff(request);
        const result = await desk.sendMessage(ctx, request.params.id, request.body.text, staffActor(staff.id), { requestId: request.id });
        return reply.status(201).send(result);
      },
    );

    app.get(
      '/api/admin/requests/:id/documents',
      {
        onRequest: requirePermission(ctx, 'requests.read'),
        schema: {
          tags,
          summary: 'The documents of a request (what they are, not their content)',
          security: staffSession,
          params: ZParams,
          response: { 200: z.object({ documents: z.array(ZDocumentView) }) },
        },
      },
      async (request) => ({ documents: (await listDocuments(ctx.db, request.params.id)).map(documentView) }),
    );

    app.get(
      '/api/admin/requests/:id/documents/:docId/content',
      {
        onRequest: requirePermission(ctx, 'requests.documents'),
        schema: {
          tags,
          summary: 'Open one document: the decrypted file, as an attachment (each opening is audited)',
          description: 'A document destroyed (an Individual Number) or disposed of (retention) answers 404.',
          security: staffSession,
          params: ZDocParams,
        },
      },
      async (request, reply) => {
        const staff = currentStaff(request);
        const opened = await openDocument(ctx, request.params.id, request.params.docId, staffActor(staff.id), { requestId: request.id });
        const extension = EXTENSIONS[opened.contentType] ?? 'bin';
        return reply
          .header('content-type', opened.contentType)
          .header('content-disposition', `attachment; filename="${opened.document.id}.${extension}"`)
          .header('cache-control', 'no-store')
          .header('x-content-type-options', 'nosniff')
          .send(opened.bytes);
      },
    );

    app.post(
      '/api/admin/requests/:id/documents',
      {
        onRequest: requirePermission(ctx, 'requests.work'),
        schema: {
          tags,
          summary: 'Add a document received on paper (multipart: fields `role` and `type`, one file part `document`)',
          description:
            'Checked by content like a requester upload (JPEG, PNG, PDF or HEIC, at most 10 MB). A request waiting for documents goes back to identity review.',
          security: staffSession,
          params: ZParams,
          consumes: ['multipart/form-data'],
          response: { 201: z.object({ document: ZDocumentView, status: z.enum(REQUEST_STATUSES) }) },
        },
      },
      async (request, reply) => {
        const staff = currentStaff(request);
        if (!request.isMultipart()) {
          throw new AppError('validation_failed', { details: [{ path: 'body', reason: 'multipart_required', message: 'send multipart/form-data with role, type and one document file' }] });
        }
        const fields: Record<string, string> = {};
        let bytes: Buffer | undefined;
        try {
          for await (const part of request.parts()) {
            if (part.type === 'file') {
              if (part.fieldname !== 'document' || bytes !== undefined) {
                throw new AppError('validation_failed', { details: [{ path: part.fieldname.slice(0, 40), reason: 'unexpected_file', message: 'send one file, in the part named "document"' }] });
              }
              bytes = await part.toBuffer();
            } else if (part.fieldname === 'role' || part.fieldname === 'type') {
              fields[part.fieldname] = String(part.value);
            } else {
              throw new AppError('validation_failed', { details: [{ path: part.fieldname.slice(0, 40), reason: 'unknown_field', message: 'only role, type and document are accepted' }] });
            }
          }
        } catch (err) {
          if (err instanceof Error && (err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('upload_too_large');
          throw err;
        }
        const declared = ZStaffDocument.safeParse(fields);
        if (!declared.success) {
          throw new AppError('validation_failed', {
            details: declared.error.issues.slice(0, 10).map((i) => ({ path: i.path.map(String).join('.') || 'body', reason: i.code, message: i.message })),
          });
        }
        if (!bytes || bytes.length === 0) {
          throw new AppError('validation_failed', { details: [{ path: 'document', reason: 'required', message: 'attach the scanned document' }] });
        }
        const result = await uploadStaffDocument(ctx, request.params.id, { ...declared.data, bytes }, staffActor(staff.id), { requestId: request.id });
        return reply.status(201).send({ document: documentView(result.document), status: result.status });
      },
    );

    app.get(
      '/api/admin/requests/:id/identity-evaluation',
      {
        onRequest: requirePermission(ctx, 'requests.read'),
        schema: {
          tags,
          summary: "How the organisation's acceptance rule judges the documents still held, and what is missing",
          security: staffSession,
          params: ZParams,
          response: { 200: ZEvaluationView },
        },
      },
      async (request) => evaluateDocuments(ctx.db, request.params.id),
    );

    app.post(
      '/api/admin/requests/:id/identity-check',
      {
        onRequest: requirePermission(ctx, 'requests.work'),
        schema: {
          tags,
          summary: 'Record the identity check: the checklist and the decision (verified, more documents, cannot verify)',
          description:
            '"verified" asks for the fee where one applies (the requester is emailed the amount and bank details) or starts work. It is refused (400) while the acceptance rule finds documents missing or the checklist has a mismatch, unless `overrideReason` is given; an override needs the requests.decide permission (privacy officer). "more_documents" emails the message with a reply deadline; "cannot_verify" closes the request with the policy\'s reason.',
          security: staffSession,
          params: ZParams,
          body: ZIdentityCheck,
          response: ZDetailResponse,
        },
      },
      async (request) => {
        const staff = currentStaff(request);
        const decision = request.body.decision;
        if (decision.kind === 'verified' && decision.overrideReason !== undefined && !can(staff.role, 'requests.decide')) {
          throw new AppError('forbidden', { details: [{ path: 'body.decision.overrideReason', reason: 'override_needs_officer' }] });
        }
        await checkIdentity(ctx, request.params.id, request.body, staffActor(staff.id), { requestId: request.id });
        return detail(request.params.id);
      },
    );

    app.post(
      '/api/admin/requests/:id/documents/:docId/my-number',
      {
        onRequest: requirePermission(ctx, 'requests.documents'),
        schema: {
          tags,
          summary: 'Mark a file as showing an Individual Number: it is destroyed at once and the requester is told why',
          security: staffSession,
          params: ZDocParams,
          response: { 200: z.object({ document: ZDocumentView }) },
        },
      },
      async (request) => {
        const staff = currentStaff(request);
        const doc = await destroyMyNumberDocument(ctx, request.params.id, request.params.docId, staffActor(staff.id), { requestId: request.id });
        return { document: documentView(doc) };
      },
    );

    app.post(
      '/api/admin/requests/:id/fee/extra-cost',
      {
        onRequest: requirePermission(ctx, 'requests.work'),
        schema: {
          tags,
          summary: 'Set the actual cost added to the fee (paper at cost, a special method), until the fee is settled',
          description: 'Refused with fee_not_applicable on correction, suspension and stopping provision (APPI Art. 38).',
          security: staffSession,
          params: ZParams,
          body: ZExtraCost,
          response: ZDetailResponse,
        },
      },
      async (request) => {
        const staff = currentStaff(request);
        await setExtraCost(ctx, request.params.id, request.body, staffActor(staff.id), { requestId: request.id });
        return detail(request.params.id);
      },
    );

    app.post(
      '/api/admin/requests/:id/payments',
      {
        onRequest: requirePermission(ctx, 'requests.work'),
        schema: {
          tags,
          summary: 'Record a payment of the fee; once the fee is covered the request moves on to work',
          security: staffSession,
          params: ZParams,
          body: ZRecordPayment,
          response: {
            201: z.object({
              paymentId: z.string(),
              paidYen: z.number().int(),
              outstandingYen: z.number().int(),
              settled: z.boolean(),
              request: ZDetailView,
            }),
          },
        },
      },
      async (request, reply) => {
        const staff = currentStaff(request);
        const result = await recordPayment(ctx, request.params.id, request.body, staffActor(staff.id), { requestId: request.id });
        const { request: view } = await detail(request.params.id);
        return reply.status(201).send({ paymentId: result.paymentId, paidYen: result.paidYen, outstandingYen: result.outstandingYen, settled: result.settled, request: view });
      },
    );

    app.post(
      '/api/admin/requests/:id/fee/waiver',
      {
        onRequest: requirePermission(ctx, 'requests.decide'),
        schema: {
          tags,
          summary: 'Waive what is still owed (privacy officer); the request moves on to work',
          security: staffSession,
          params: ZParams,
          body: ZWaiveFee,
          response: ZDetailResponse,
        },
      },
      async (request) => {
        const staff = currentStaff(request);
        await waiveFee(ctx, request.params.id, request.body, staffActor(staff.id), { requestId: request.id });
        return detail(request.params.id);
      },
    );

    app.post(
      '/api/admin/requests/:id/withdraw',
      {
        onRequest: requirePermission(ctx, 'requests.work'),
        schema: {
          tags,
          summary: "Withdraw the request on the requester's behalf (they asked by phone, letter, …)",
          security: staffSession,
          params: ZParams,
          body: z.strictObject({ reason: desk.ZStaffText, channel: z.enum(['phone', 'letter', 'email', 'in_person', 'other']) }),
          response: ZDetailResponse,
        },
      },
      async (request) => {
        const staff = currentStaff(request);
        await desk.withdrawOnBehalf(ctx, request.params.id, request.body, staffActor(staff.id), { requestId: request.id });
        return detail(request.params.id);
      },
    );
  };
}
