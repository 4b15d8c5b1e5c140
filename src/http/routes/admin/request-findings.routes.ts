// What was found for a request, and how the answer reaches the person. Staff attach findings
// (entered records as JSON, or a file: a scan, a photo, a CSV or JSON export), open one (each
// opening audited), and take one out of the answer; they see the request's deliveries, print a
// paper answer, mark it posted, and revoke or reissue a download link. Handlers stay thin: the
// services check states and audit.
import multipart from '@fastify/multipart';
import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import type { Actor } from '../../../domains/audit/audit.actions.ts';
import {
  listDeliveries,
  markPosted,
  paperLetterPdf,
  reissueDelivery,
  revokeDelivery,
  type DeliveryView,
} from '../../../domains/delivery/delivery.service.ts';
import {
  addManualFinding,
  listFindings,
  MAX_FINDING_JSON_BYTES,
  openFinding,
  removeFinding,
  ZFindingRecord,
  ZManualFindingJson,
  type FindingView,
} from '../../../domains/requests/findings.service.ts';
import { MAX_UPLOAD_BYTES } from '../../../domains/requests/request.ts';
import { AppError } from '../../../lib/errors.ts';
import { currentStaff, requirePermission } from '../../auth.ts';

const staffSession = [{ staffSession: [] }];
const tags = ['admin: request findings and delivery'];

const ZId = z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/, 'an id');
const ZParams = z.strictObject({ id: ZId });
const ZFindingParams = z.strictObject({ id: ZId, findingId: ZId });
const ZDeliveryParams = z.strictObject({ id: ZId, deliveryId: ZId });

const MULTIPART_LIMITS = {
  // One byte over lets the content check answer upload_too_large itself.
  fileSize: MAX_UPLOAD_BYTES + 1,
  files: 1,
  fields: 3,
  fieldSize: 1000,
  fieldNameSize: 100,
  parts: 4,
};
const FINDING_FIELDS = new Set(['systemName', 'collection', 'label']);

// A multipart request has no parsed body (its parts are read in the handler); a JSON body is
// validated by its schema as usual.
function jsonOrMultipartValidator<S>(route: Parameters<FastifySchemaCompiler<S>>[0]): ReturnType<FastifySchemaCompiler<S>> {
  const validate = validatorCompiler({ ...route, schema: route.schema as z.ZodType });
  if (route.httpPart !== 'body') return validate;
  return (data: unknown) => (data === null || data === undefined ? { value: data } : validate(data));
}

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d === null ? null : d.toISOString());

const ZFindingView = z.object({
  id: z.string(),
  source: z.enum(['manual', 'engine']),
  systemName: z.string(),
  collection: z.string(),
  label: z.string().nullable(),
  rowCount: z.number().int(),
  file: z.object({ fileName: z.string(), contentType: z.string() }).nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.iso.datetime(),
  removedAt: z.iso.datetime().nullable(),
});

function findingView(f: FindingView): z.infer<typeof ZFindingView> {
  return {
    id: f.id,
    source: f.source,
    systemName: f.systemName,
    collection: f.collection,
    label: f.label,
    rowCount: f.rowCount,
    file: f.file ? { fileName: f.file.fileName, contentType: f.file.contentType } : null,
    createdBy: f.createdBy,
    createdAt: iso(f.createdAt),
    removedAt: isoOrNull(f.removedAt),
  };
}

const ZDeliveryView = z.object({
  id: z.string(),
  decisionId: z.string().nullable(),
  method: z.enum(['electronic', 'paper']),
  state: z.enum(['active', 'expired', 'used_up', 'revoked', 'paper']),
  expiresAt: z.iso.datetime().nullable(),
  maxDownloads: z.number().int(),
  downloads: z.number().int(),
  createdAt: z.iso.datetime(),
  lastDownloadedAt: z.iso.datetime().nullable(),
  expiryWarnedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
  postedAt: z.iso.datetime().nullable(),
});

function deliveryView(d: DeliveryView): z.infer<typeof ZDeliveryView> {
  return {
    id: d.id,
    decisionId: d.decisionId,
    method: d.method,
    state: d.state,
    expiresAt: isoOrNull(d.expiresAt),
    maxDownloads: d.maxDownloads,
    downloads: d.downloads,
    createdAt: iso(d.createdAt),
    lastDownloadedAt: isoOrNull(d.lastDownloadedAt),
    expiryWarnedAt: isoOrNull(d.expiryWarnedAt),
    revokedAt: isoOrNull(d.revokedAt),
    postedAt: isoOrNull(d.postedAt),
  };
}

function staffActor(id: string): Actor {
  return { type: 'staff', id };
}

/** RFC 5987 for names in Japanese, with an ASCII fallback for old clients. */
function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^A-Za-z0-9._-]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export function requestFindingsRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(multipart, { limits: MULTIPART_LIMITS, throwFileSizeLimit: true });

    app.get(
      '/api/admin/requests/:id/findings',
      {
        onRequest: requirePermission(ctx, 'requests.read'),
        schema: {
          tags,
          summary: 'What was found for a request (metadata only: systems, collections, row counts, files)',
          security: staffSession,
          params: ZParams,
          querystring: z.strictObject({ includeRemoved: z.enum(['true', 'false']).optional() }),
          response: { 200: z.object({ findings: z.array(ZFindingView) }) },
        },
      },
      async (request) => {
        const findings = await listFindings(ctx.db, request.params.id, { includeRemoved: request.query.includeRemoved === 'true' });
        return { findings: findings.map(findingView) };
      },
    );

    app.post(
      '/api/admin/requests/:id/findings',
      {
        onRequest: requirePermission(ctx, 'requests.work'),
        bodyLimit: MAX_FINDING_JSON_BYTES + 64 * 1024,
        validatorCompiler: jsonOrMultipartValidator,
        schema: {
          tags,
          summary: 'Attach what was found in one system: entered records (JSON) or a file (multipart)',
          description:
            'JSON: { systemName, collection, label?, records } with at most 10,000 flat records (5 MB); `records: []` records that nothing was found. ' +
            'Or multipart/form-data with the fields systemName, collection, label? and one file part `file`: a JPEG, PNG, PDF or HEIC ' +
            'scan or photo (at most 10 MB, checked by content), or a CSV (UTF-8, header row) or JSON export named .csv or .json, ' +
            'which becomes the records. Only while the request is in progress or in review (else 409 invalid_transition). ' +
            'Records and files are stored encrypted.',
          security: staffSession,
          params: ZParams,
          consumes: ['application/json', 'multipart/form-data'],
          body: ZManualFindingJson,
          response: { 201: z.object({ finding: ZFindingView }) },
        },
      },
      async (request, reply) => {
        const staff = currentStaff(request);
        const meta = { requestId: request.id };
        if (!request.isMultipart()) {
          if (!request.body) {
            throw new AppError('validation_failed', { details: [{ path: 'body', reason: 'required', message: 'send JSON with systemName, collection and records, or multipart with a file' }] });
          }
          const finding = await addManualFinding(ctx, request.params.id, staffActor(staff.id), request.body, meta);
          return reply.status(201).send({ finding: findingView(finding) });
        }
        const fields: Record<string, string> = {};
        let file: { bytes: Buffer; fileName: string } | undefined;
        try {
          for await (const part of request.parts()) {
            if (part.type === 'file') {
              if (part.fieldname !== 'file' || file !== undefined) {
                throw new AppError('validation_failed', { details: [{ path: part.fieldname.slice(0, 40), reason: 'unexpected_file', message: 'send one file, in the part named "file"' }] });
              }
              file = { bytes: await part.toBuffer(), fileName: part.filename };
            } else if (FINDING_FIELDS.has(part.fieldname)) {
              if (part.valueTruncated) throw new AppError('validation_failed', { details: [{ path: part.fieldname, reason: 'too_long' }] });
              fields[part.fieldname] = String(part.value);
            } else {
              throw new AppError('validation_failed', { details: [{ path: part.fieldname.slice(0, 40), reason: 'unknown_field', message: 'only systemName, collection, label and file are accepted' }] });
            }
          }
        } catch (err) {
          const errors = app.multipartErrors;
          if (err instanceof errors.RequestFileTooLargeError) throw new AppError('upload_too_large', { details: [{ path: 'file', reason: 'too_large' }] });
          if (err instanceof errors.FilesLimitError || err instanceof errors.PartsLimitError || err instanceof errors.FieldsLimitError) {
            throw new AppError('payload_too_large', { details: [{ reason: 'too_many_parts', message: 'one file and the fields systemName, collection, label' }] });
          }
          throw err;
        }
        if (!file || file.bytes.length === 0) {
          throw new AppError('validation_failed', { details: [{ path: 'file', reason: 'required', message: 'attach the file in a part named "file"' }] });
        }
        const finding = await addManualFinding(
          ctx,
          request.params.id,
          staffActor(staff.id),
          {
            systemName: fields.systemName ?? '',
            collection: fields.collection ?? '',
            // A form sends an empty field for "no label".
            label: fields.label?.trim() ? fields.label : undefined,
            file,
          },
          meta,
        );
        return reply.status(201).send({ finding: findingView(finding) });
      },
    );

    app.get(
      '/api/admin/requests/:id/findings/:findingId',
      {
        onRequest: requirePermission(ctx, 'requests.work'),
        schema: {
          tags,
          summary: 'Open one finding: its metadata and decrypted records',
          description: 'Every opening is audited (request.finding_opened). An attached file is at …/file.',
          security: staffSession,
          params: ZFindingParams,
          response: { 200: z.object({ finding: ZFindingView, records: z.array(ZFindingRecord).nullable() }) },
        },
      },
      async (request, reply) => {
        const staff = currentStaff(request);
        const opened = await openFinding(ctx, request.params.id, request.params.findingId, staffActor(staff.id), { requestId: request.id });
        reply.header('cache-control', 'no-store');
        return { finding: findingView(opened.finding), records: opened.records as z.infer<typeof ZFindingRecord>[] | null };
      },
    );

    app.get(
      '/api/admin/requests/:id/findings/:findingId/file',
      {
        onRequest: requirePermission(ctx, 'requests.work'),
        schema: {
          tags,
          summary: 'Download the file attached to a finding (decrypted)',
          description: 'Every opening is audited (request.finding_opened). 404 when the finding has no file.',
          security: staffSession,
          params: ZFindingParams,
          produces: ['application/pdf', 'image/jpeg', 'image/png', 'image/heic'],
        },
      },
      async (request, reply) => {
        const staff = currentStaff(request);
        const opened = await openFinding(ctx, request.params.id, request.params.findingId, staffActor(staff.id), { requestId: request.id });
        if (!opened.file) throw new AppError('not_found');
        return reply
          .header('content-type', opened.file.contentType)
          .header('content-disposition', attachment(opened.file.fileName))
          .header('cache-control', 'no-store')
          .header('x-content-type-options', 'nosniff')
          .send(opened.file.bytes);
      },
    );

    app.delete(
      '/api/admin/requests/:id/findings/:findingId',
      {
        onRequest: requirePermission(ctx, 'requests.work'),
        schema: {
          tags,
          summary: 'Take a finding out of the answer',
          description: 'Kept encrypted until the retention rule disposes of it; audited. Only while the request is in progress or in review.',
          security: staffSession,
          params: ZFindingParams,
          response: { 200: z.object({ finding: ZFindingView }) },
        },
      },
      async (request) => {
        const staff = currentStaff(request);
        return { finding: findingView(await removeFinding(ctx, request.params.id, request.params.findingId, staffActor(staff.id), { requestId: request.id })) };
      },
    );

    app.get(
      '/api/admin/requests/:id/deliveries',
      {
        onRequest: requirePermission(ctx, 'requests.read'),
        schema: {
          tags,
          summary: "The request's answers: download links (state, expiry, downloads) and paper letters",
          security: staffSession,
          params: ZParams,
          response: { 200: z.object({ deliveries: z.array(ZDeliveryView) }) },
        },
      },
      async (request) => ({ deliveries: (await listDeliveries(ctx, request.params.id)).map(deliveryView) }),
    );

    app.get(
      '/api/admin/requests/:id/deliveries/:deliveryId/print.pdf',
      {
        onRequest: requirePermission(ctx, 'requests.work'),
        schema: {
          tags,
          summary: 'The paper answer as a printable PDF (the letter with the findings as appendix tables)',
          description: 'Opening it is audited.',
          security: staffSession,
          params: ZDeliveryParams,
          produces: ['application/pdf'],
        },
      },
      async (request, reply) => {
        const staff = currentStaff(request);
        const { reference, bytes } = await paperLetterPdf(ctx, request.params.id, request.params.deliveryId, staffActor(staff.id), { requestId: request.id });
        return reply
          .header('content-type', 'application/pdf')
          .header('content-disposition', attachment(`${reference}.pdf`))
          .header('cache-control', 'no-store')
          .send(bytes);
      },
    );

    const action = (path: string, summary: string, description: string, run: typeof revokeDelivery) =>
      app.post(
        `/api/admin/requests/:id/deliveries/:deliveryId/${path}`,
        {
          onRequest: requirePermission(ctx, 'requests.work'),
          schema: { tags, summary, description, security: staffSession, params: ZDeliveryParams, response: { 200: z.object({ delivery: ZDeliveryView }) } },
        },
        async (request) => {
          const staff = currentStaff(request);
          return { delivery: deliveryView(await run(ctx, request.params.id, request.params.deliveryId, staffActor(staff.id), { requestId: request.id })) };
        },
      );

    action('revoke', 'Revoke a download link', 'The link stops working at once (410 for the requester). 409 when it was already revoked.', revokeDelivery);
    action(
      'reissue',
      'Send a new download link for the same package',
      'The old link stops; the new one gets the configured lifetime and downloads and is mailed to the verified address. Answers the new delivery.',
      reissueDelivery,
    );
    action('posted', 'Mark the paper answer posted', 'Recorded on the timeline; the requester is told by mail. 409 when already marked.', markPosted);
  };
}
