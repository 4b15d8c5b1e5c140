// The public request API that company websites integrate with: submit a request with its
// identity documents (multipart), verify the email address with the mailed code, follow the
// request with its tracking token (Authorization: Bearer), send further documents, withdraw.
// Multipart parsing is registered inside this plugin only, with tight limits, so no other
// route accepts uploads. A missing, malformed or foreign tracking token answers 404 exactly
// like an unknown id: one request's token never reveals another request.
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { validatorCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z, type ZodError } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import {
  addRequesterDocuments,
  getPublicStatus,
  resendVerification,
  submitRequest,
  verifyEmail,
  withdrawRequest,
  type PublicStatus,
} from '../../../domains/requests/intake.service.ts';
import {
  MAX_DOCUMENTS_PER_REQUEST,
  MAX_UPLOAD_BYTES,
  REQUEST_STATUSES,
  REQUEST_TYPES,
  ZDeclaredDocument,
  ZRequestSubmission,
} from '../../../domains/requests/request.ts';
import { AppError, type ErrorDetail } from '../../../lib/errors.ts';

const tags = ['public: requests'];

/** The `request` part: generous for Japanese text (3 bytes a character) under the schema's limits. */
const MAX_JSON_FIELD_BYTES = 128 * 1024;

const MULTIPART_LIMITS = {
  // One byte over the limit lets the content check answer `upload_too_large` for a file that
  // is just too big; anything larger is cut off by the parser itself.
  fileSize: MAX_UPLOAD_BYTES + 1,
  files: MAX_DOCUMENTS_PER_REQUEST,
  fields: 4,
  fieldSize: MAX_JSON_FIELD_BYTES,
  fieldNameSize: 100,
  parts: MAX_DOCUMENTS_PER_REQUEST + 4,
  headerPairs: 20,
};

const ZId = z.string().regex(/^req_[A-Za-z0-9_-]{1,40}$/, 'a request id such as req_…');
const ZIdParams = z.strictObject({ id: z.string().min(1).max(64) });
const ZBearerHeaders = z.object({
  authorization: z.string().max(400).optional().describe('Bearer <trackingToken>, as returned when the request was submitted'),
});

const ZDate = z.iso.datetime();

const ZSubmitted = z.object({
  id: ZId,
  /** The reference to quote in letters and on the phone. */
  reference: z.string(),
  status: z.enum(REQUEST_STATUSES),
  /** Shown once: keep it to follow the request. */
  trackingToken: z.string(),
});

const ZBank = z.object({
  bankName: z.string(),
  branchName: z.string(),
  accountType: z.enum(['ordinary', 'checking']),
  accountNumber: z.string(),
  accountHolder: z.string(),
});

const ZNextStep = z.discriminatedUnion('action', [
  z.object({ action: z.literal('verify_email') }),
  z.object({ action: z.literal('send_documents'), message: z.string().nullable(), dueAt: ZDate.nullable() }),
  z.object({ action: z.literal('pay_fee'), amountYen: z.number().int(), bankTransfer: ZBank.nullable(), dueAt: ZDate.nullable() }),
  z.object({ action: z.literal('wait') }),
  z.object({ action: z.literal('download') }),
  z.object({ action: z.literal('none') }),
]);

const ZStatusView = z.object({
  id: z.string(),
  reference: z.string(),
  type: z.enum(REQUEST_TYPES),
  status: z.enum(REQUEST_STATUSES),
  language: z.enum(['ja', 'en']),
  receivedAt: ZDate,
  /** The answer target date; it moves on while the office waits on the requester. */
  dueAt: ZDate,
  clockPaused: z.boolean(),
  emailVerified: z.boolean(),
  completedAt: ZDate.nullable(),
  closedReason: z.string().nullable(),
  next: ZNextStep,
  messages: z.array(z.object({ at: ZDate, text: z.string() })),
  timeline: z.array(z.object({ at: ZDate, status: z.enum(REQUEST_STATUSES) })),
  deliveries: z.array(
    z.object({
      method: z.enum(['electronic', 'paper']),
      createdAt: ZDate,
      expiresAt: ZDate.nullable(),
      downloadsLeft: z.number().int().nullable(),
      /** The download link went to the verified address; it cannot be shown again here. */
      active: z.boolean(),
    }),
  ),
  canAddDocuments: z.boolean(),
  canWithdraw: z.boolean(),
});

const ZStatusOnly = z.object({ id: z.string(), status: z.enum(REQUEST_STATUSES) });

const binary = (description: string) => z.string().meta({ format: 'binary', description });

/** What the multipart bodies hold, for the OpenAPI document (the parts are read by hand). */
const ZSubmissionParts = z.object({
  request: ZRequestSubmission.meta({
    description:
      'The request as JSON (send the part as text or with Content-Type application/json). `documents` declares each file part, in order: its role and its document type code from the organisation\'s identity-document settings.',
  }),
  documents: z
    .array(binary(`A JPEG, PNG, PDF or HEIC file of at most ${MAX_UPLOAD_BYTES / 1024 / 1024} MB, recognised by its content`))
    .max(MAX_DOCUMENTS_PER_REQUEST)
    .optional(),
});

const ZDocumentsParts = z.object({
  documents: z.array(ZDeclaredDocument).min(1).max(MAX_DOCUMENTS_PER_REQUEST).meta({
    description: 'JSON: one { role, type } per file part, in order.',
  }),
  files: z.array(binary('A JPEG, PNG, PDF or HEIC file of at most 10 MB')).min(1).max(MAX_DOCUMENTS_PER_REQUEST),
});

const ZDeclaredList = z.array(ZDeclaredDocument).max(50);

// Multipart bodies are parsed in the handler; the body schema is there for the OpenAPI
// document, so its validator lets everything through and other parts keep zod.
function multipartValidator<S>(route: Parameters<FastifySchemaCompiler<S>>[0]): ReturnType<FastifySchemaCompiler<S>> {
  if (route.httpPart === 'body') return () => true;
  return validatorCompiler({ ...route, schema: route.schema as z.ZodType });
}

const ERROR_RESPONSE_NOTE =
  'Refusals: 400 validation_failed / malformed_json (details name the field, e.g. request.person.dateOfBirth), ' +
  '413 upload_too_large, 415 upload_type_not_allowed, 422 upload_corrupt / document_type_not_accepted / too_many_documents, ' +
  '429 rate_limited. Nothing is stored when a request is refused.';

const ZOD_REASONS: Record<string, string> = {
  invalid_type: 'wrong_type',
  too_big: 'too_long',
  too_small: 'too_short',
  unrecognized_keys: 'unknown_field',
  invalid_format: 'invalid_format',
  invalid_value: 'invalid_value',
};

function zodDetails(err: ZodError, prefix: string): ErrorDetail[] {
  return err.issues.slice(0, 30).map((issue) => {
    const base = [prefix, ...issue.path.map(String)].join('.');
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const custom = issue.code === 'custom' ? (issue.params as { reason?: unknown } | undefined)?.reason : undefined;
    return {
      path: keys[0] === undefined ? base : `${base}.${keys[0]}`,
      reason: typeof custom === 'string' ? custom : (ZOD_REASONS[issue.code] ?? issue.code),
      message: issue.message,
    };
  });
}

function parseJsonField(value: unknown, path: string): unknown {
  if (typeof value !== 'string') return value; // already parsed: sent as application/json
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new AppError('malformed_json', { details: [{ path, reason: 'invalid_json' }] });
  }
}

/** Reads every part into memory (bounded by the limits above), mapping parser limits to codes. */
async function readParts(
  app: FastifyInstance,
  request: FastifyRequest,
  expected: { fields: readonly string[]; files: string },
): Promise<{ fields: Map<string, unknown>; files: Buffer[] }> {
  if (!request.isMultipart()) {
    throw new AppError('unsupported_media_type', { details: [{ reason: 'multipart_required', message: 'send multipart/form-data' }] });
  }
  const fields = new Map<string, unknown>();
  const files: Buffer[] = [];
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== expected.files) {
          throw new AppError('validation_failed', { details: [{ path: part.fieldname.slice(0, 100), reason: 'unknown_field' }] });
        }
        files.push(await part.toBuffer());
        continue;
      }
      if (!expected.fields.includes(part.fieldname)) {
        throw new AppError('validation_failed', { details: [{ path: part.fieldname.slice(0, 100), reason: 'unknown_field' }] });
      }
      if (fields.has(part.fieldname)) {
        throw new AppError('validation_failed', { details: [{ path: part.fieldname, reason: 'duplicate_field' }] });
      }
      if (part.valueTruncated) {
        throw new AppError('payload_too_large', { details: [{ path: part.fieldname, reason: 'too_long', message: `at most ${MAX_JSON_FIELD_BYTES} bytes` }] });
      }
      fields.set(part.fieldname, part.value);
    }
  } catch (err) {
    const errors = app.multipartErrors;
    if (err instanceof errors.FilesLimitError) {
      throw new AppError('too_many_documents', {
        details: [{ path: expected.files, reason: 'too_many', message: `at most ${MAX_DOCUMENTS_PER_REQUEST} files` }],
      });
    }
    if (err instanceof errors.RequestFileTooLargeError) {
      throw new AppError('upload_too_large', { details: [{ path: `${expected.files}.${files.length}`, reason: 'too_large' }] });
    }
    if (err instanceof errors.PartsLimitError || err instanceof errors.FieldsLimitError) {
      throw new AppError('payload_too_large', { details: [{ reason: 'too_many_parts' }] });
    }
    if (err instanceof Error && 'code' in err && err.code === 'FST_INVALID_JSON_FIELD_ERROR') {
      throw new AppError('malformed_json', { details: [{ reason: 'invalid_json' }] });
    }
    if (err instanceof Error && 'code' in err && err.code === 'FST_PROTO_VIOLATION') {
      throw new AppError('validation_failed', { details: [{ reason: 'invalid_field_name' }] });
    }
    throw err;
  }
  return { fields, files };
}

function bearerToken(header: string | undefined): string {
  const match = /^Bearer\s+([A-Za-z0-9_-]{16,200})$/.exec(header?.trim() ?? '');
  if (!match?.[1]) throw new AppError('not_found');
  return match[1];
}

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

function toStatusView(s: PublicStatus): z.infer<typeof ZStatusView> {
  let next: z.infer<typeof ZNextStep>;
  switch (s.next.action) {
    case 'send_documents':
      next = { action: 'send_documents', message: s.next.message, dueAt: isoOrNull(s.next.dueAt) };
      break;
    case 'pay_fee':
      next = { action: 'pay_fee', amountYen: s.next.amountYen, bankTransfer: s.next.bankTransfer, dueAt: isoOrNull(s.next.dueAt) };
      break;
    default:
      next = { action: s.next.action };
  }
  return {
    id: s.id,
    reference: s.reference,
    type: s.type,
    status: s.status,
    language: s.language,
    receivedAt: iso(s.receivedAt),
    dueAt: iso(s.dueAt),
    clockPaused: s.clockPaused,
    emailVerified: s.emailVerified,
    completedAt: isoOrNull(s.completedAt),
    closedReason: s.closedReason,
    next,
    messages: s.messages.map((m) => ({ at: iso(m.at), text: m.text })),
    timeline: s.timeline.map((e) => ({ at: iso(e.at), status: e.status })),
    deliveries: s.deliveries.map((d) => ({
      method: d.method,
      createdAt: iso(d.createdAt),
      expiresAt: isoOrNull(d.expiresAt),
      downloadsLeft: d.downloadsLeft,
      active: d.active,
    })),
    canAddDocuments: s.canAddDocuments,
    canWithdraw: s.canWithdraw,
  };
}

function noStore(reply: FastifyReply): void {
  // Status pages and tokens must not sit in shared caches.
  reply.header('cache-control', 'no-store');
}

export function publicRequestRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(multipart, { limits: MULTIPART_LIMITS, throwFileSizeLimit: true });
    const rateLimit = { max: ctx.config.http.publicRateLimitPerMinute, timeWindow: '1 minute' };

    app.post(
      '/api/public/requests',
      {
        config: { rateLimit },
        validatorCompiler: multipartValidator,
        schema: {
          tags,
          summary: 'Submit a request (disclosure, correction, suspension, …) with identity documents',
          description:
            'multipart/form-data with one `request` part (JSON, see the schema) and zero or more `documents` file parts ' +
            'in the order of `request.documents`. Answers 201 with the tracking token (shown once) and sends a ' +
            'verification email with a one-time code; nothing happens on the request until the address is verified. ' +
            ERROR_RESPONSE_NOTE,
          consumes: ['multipart/form-data'],
          body: ZSubmissionParts,
          response: { 201: ZSubmitted },
        },
      },
      async (request, reply) => {
        const { fields, files } = await readParts(app, request, { fields: ['request'], files: 'documents' });
        if (!fields.has('request')) {
          throw new AppError('validation_failed', { details: [{ path: 'request', reason: 'required', message: 'the request part (JSON) is missing' }] });
        }
        const raw = parseJsonField(fields.get('request'), 'request');
        const declared = (raw as { documents?: unknown } | null)?.documents;
        if (Array.isArray(declared) && declared.length > MAX_DOCUMENTS_PER_REQUEST) {
          throw new AppError('too_many_documents', {
            details: [{ path: 'request.documents', reason: 'too_many', message: `at most ${MAX_DOCUMENTS_PER_REQUEST} documents` }],
          });
        }
        const parsed = ZRequestSubmission.safeParse(raw);
        if (!parsed.success) throw new AppError('validation_failed', { details: zodDetails(parsed.error, 'request') });
        const created = await submitRequest(ctx, { submission: parsed.data, files, ip: request.ip, requestId: request.id });
        noStore(reply);
        return reply.status(201).send({ id: created.id, reference: created.reference, status: created.status, trackingToken: created.trackingToken });
      },
    );

    app.post(
      '/api/public/requests/:id/email-verification',
      {
        config: { rateLimit },
        schema: {
          tags,
          summary: 'Verify the email address of a request with the six-digit code from the email',
          description:
            'A wrong code answers 422 verification_code_invalid; an expired code, or one tried five times, 410 ' +
            'verification_code_expired (ask for a new one). A request already verified answers 200 with its status.',
          params: ZIdParams,
          body: z.strictObject({ code: z.string().trim().regex(/^\d{6}$/, 'the six digits from the email') }),
          response: { 200: ZStatusOnly.extend({ alreadyVerified: z.boolean() }) },
        },
      },
      async (request) => {
        const result = await verifyEmail(ctx, request.params.id, request.body.code, { ip: request.ip, requestId: request.id });
        return { id: result.id, status: result.status, alreadyVerified: result.alreadyVerified };
      },
    );

    app.post(
      '/api/public/requests/:id/email-verification/resend',
      {
        config: { rateLimit },
        schema: {
          tags,
          summary: 'Send a new verification code (at most three codes per request)',
          params: ZIdParams,
          headers: ZBearerHeaders,
          response: { 200: ZStatusOnly.extend({ expiresAt: ZDate, sendsLeft: z.number().int() }) },
        },
      },
      async (request) => {
        const result = await resendVerification(ctx, request.params.id, bearerToken(request.headers.authorization));
        return { id: result.id, status: result.status, expiresAt: iso(result.expiresAt), sendsLeft: result.sendsLeft };
      },
    );

    app.get(
      '/api/public/requests/:id',
      {
        config: { rateLimit },
        schema: {
          tags,
          summary: 'The status of a request, what the requester must do next, and messages from the office',
          description: 'Needs `Authorization: Bearer <trackingToken>`. A wrong, missing or foreign token answers 404.',
          params: ZIdParams,
          headers: ZBearerHeaders,
          response: { 200: ZStatusView },
        },
      },
      async (request, reply) => {
        const status = await getPublicStatus(ctx, request.params.id, bearerToken(request.headers.authorization));
        noStore(reply);
        return toStatusView(status);
      },
    );

    app.post(
      '/api/public/requests/:id/documents',
      {
        config: { rateLimit },
        validatorCompiler: multipartValidator,
        schema: {
          tags,
          summary: 'Send further documents (while identity is reviewed or documents are awaited)',
          description:
            'multipart/form-data with a `documents` part (JSON array of { role, type }, one per file) and the `files` ' +
            `file parts in the same order. At most ${MAX_DOCUMENTS_PER_REQUEST} documents per request in all. Needs the Bearer tracking token. ` +
            ERROR_RESPONSE_NOTE,
          consumes: ['multipart/form-data'],
          params: ZIdParams,
          headers: ZBearerHeaders,
          body: ZDocumentsParts,
          response: { 200: ZStatusOnly.extend({ documentCount: z.number().int() }) },
        },
      },
      async (request) => {
        const token = bearerToken(request.headers.authorization);
        const { fields, files } = await readParts(app, request, { fields: ['documents'], files: 'files' });
        if (!fields.has('documents')) {
          throw new AppError('validation_failed', { details: [{ path: 'documents', reason: 'required', message: 'declare the files in a documents part (JSON)' }] });
        }
        const parsed = ZDeclaredList.safeParse(parseJsonField(fields.get('documents'), 'documents'));
        if (!parsed.success) throw new AppError('validation_failed', { details: zodDetails(parsed.error, 'documents') });
        const result = await addRequesterDocuments(ctx, request.params.id, token, {
          declared: parsed.data,
          files,
          ip: request.ip,
          requestId: request.id,
        });
        return result;
      },
    );

    app.post(
      '/api/public/requests/:id/withdraw',
      {
        config: { rateLimit },
        schema: {
          tags,
          summary: 'Withdraw a request that is not finished yet',
          description: 'Needs the Bearer tracking token. A finished request answers 409 invalid_transition.',
          params: ZIdParams,
          headers: ZBearerHeaders,
          response: { 200: ZStatusOnly },
        },
      },
      async (request) => withdrawRequest(ctx, request.params.id, bearerToken(request.headers.authorization), { requestId: request.id }),
    );
  };
}
