// Turns zod issues into the one validation error, for input that reaches a service without
// passing an HTTP schema first (the CLI, the seed, other services). A rule that explains
// itself (`fee_not_allowed`) sends its reason in the issue's params.
import type { z } from 'zod';
import { AppError } from '../../lib/errors.ts';

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, basePath: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new AppError('validation_failed', {
    details: parsed.error.issues.slice(0, 50).map((issue) => {
      const params = 'params' in issue ? (issue.params as { reason?: unknown } | undefined) : undefined;
      const reason = typeof params?.reason === 'string' ? params.reason : issue.code;
      return { path: [basePath, ...issue.path.map(String)].filter((p) => p !== '').join('.'), reason, message: issue.message };
    }),
  });
}
