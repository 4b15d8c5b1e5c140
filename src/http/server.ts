// The HTTP server: Fastify with zod on every route, OpenAPI 3.1, security headers, a request
// id on every response, rate limits on public routes, metrics and health checks.
import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { AppContext } from '../app/context.ts';
import { installErrorHandler } from './errors.ts';
import { installMetrics } from './metrics.ts';
import { registerRoutes } from './routes/index.ts';

export type App = FastifyInstance;

export const JSON_BODY_LIMIT = 256 * 1024;

export async function buildServer(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    trustProxy: ctx.config.http.trustProxy,
    bodyLimit: JSON_BODY_LIMIT,
    // Never trust a client-supplied id: ids are ours and random.
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    routerOptions: { maxParamLength: 200 },
    ajv: { customOptions: { removeAdditional: false } },
    // Fastify's own request log writes the raw URL, which can carry a download token or a
    // verification code; the hook below logs the route pattern instead.
    disableRequestLogging: true,
  });

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request completed',
    );
  });

  installErrorHandler(app);

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        // Staff view identity documents and letters (blob URLs) inside the console.
        frameSrc: ["'self'", 'blob:'],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
      },
    },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
  });
  await app.register(cookie);
  // Registered globally but only applied where a route opts in (public routes do).
  await app.register(rateLimit, { global: false, max: ctx.config.http.publicRateLimitPerMinute, timeWindow: '1 minute' });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Madoguchi API',
        version: '1',
        description:
          'The privacy centre, request desk and records of Madoguchi. Public routes need no sign-in; ' +
          'admin routes need a staff session cookie and, for writes, the x-csrf-token header; app routes ' +
          'need an API key in the Authorization header. Errors always have the shape ' +
          '{ error: { code, message, requestId, details? } }.',
      },
      components: {
        securitySchemes: {
          staffSession: { type: 'apiKey', in: 'cookie', name: 'mdg_session' },
          apiKey: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });

  installMetrics(app);
  await registerRoutes(app, ctx);
  return app;
}
