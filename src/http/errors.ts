// The one error handler. Every failure leaves as `{ error: { code, message, requestId,
// details } }` with the status fixed by the code; the message is in the language the client
// asked for. Unknown errors (database, bugs) become `internal_error` with the request id:
// never a stack trace, SQL or a value the client did not send.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, ERROR_CATALOG, type ErrorCode, type ErrorDetail } from '../lib/errors.ts';
import { pickLanguage } from '../lib/language.ts';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string; details?: ErrorDetail[] };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: AppError): FastifyReply {
  const lang = pickLanguage(request.headers['accept-language']);
  const body: ErrorBody = {
    error: {
      code: err.code,
      message: ERROR_CATALOG[err.code][lang],
      requestId: request.id,
      ...(err.details.length > 0 ? { details: err.details } : {}),
    },
  };
  return reply.status(err.status).header('content-language', lang).send(body);
}

function fromFastifyError(err: FastifyError): AppError | null {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('malformed_json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
      return new AppError('payload_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('unsupported_media_type');
    case 'FST_ERR_VALIDATION':
      return new AppError('validation_failed');
    default:
      break;
  }
  if (err.statusCode === 429) return new AppError('rate_limited');
  if (err instanceof SyntaxError && err.statusCode === 400) return new AppError('malformed_json');
  return null;
}

const ZOD_REASON: Record<string, string> = {
  invalid_type: 'wrong_type',
  too_big: 'too_long',
  too_small: 'too_short',
  unrecognized_keys: 'unknown_field',
  invalid_format: 'invalid_format',
  invalid_value: 'invalid_value',
};

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) return sendError(request, reply, error);

    if (hasZodFastifySchemaValidationErrors(error)) {
      const context = error.validationContext ?? 'body';
      const details: ErrorDetail[] = error.validation.slice(0, 50).map((v) => {
        // fastify-type-provider-zod 7 puts the zod issue code in `keyword`, its path in
        // `instancePath` (`/a/b`) and the rest of the issue in `params`.
        const params = v.params as { keys?: unknown };
        const keys = v.keyword === 'unrecognized_keys' && Array.isArray(params.keys) ? params.keys.map(String) : [];
        const basePath = [context, ...v.instancePath.split('/').filter((p) => p.length > 0)].join('.');
        return {
          path: keys.length > 0 ? `${basePath}.${keys[0]}` : basePath,
          reason: ZOD_REASON[v.keyword] ?? v.keyword,
          message: v.message,
        };
      });
      return sendError(request, reply, new AppError('validation_failed', { details }));
    }

    const mapped = fromFastifyError(error);
    if (mapped) return sendError(request, reply, mapped);

    if (isResponseSerializationError(error)) {
      request.log.error({ route: request.routeOptions.url }, 'response did not match its schema');
    } else {
      request.log.error(
        { errName: error.name, errCode: error.code, stack: error.stack?.split('\n').slice(1, 8).join('\n') },
        'unexpected error',
      );
    }
    return sendError(request, reply, new AppError('internal_error'));
  });

  app.setNotFoundHandler((request, reply) => sendError(request, reply, new AppError('not_found')));
}
