// Errors the job machinery understands, and the one function that turns any thrown value into
// the short text kept in jobs.last_error. That text is read by operators, so it carries an
// error name and a message with obvious personal data (emails, long numbers) masked; handlers
// must still throw messages that name ids and reasons only.
import { ZodError } from 'zod';
import { AppError } from '../lib/errors.ts';

/** Thrown by a handler when retrying cannot help (a permanent refusal): the job goes dead now. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/** The job was taken over by another worker: nothing this worker does for it may commit. */
export class LeaseLostError extends Error {
  constructor(readonly jobId: string) {
    super(`lease on job ${jobId} was lost to another worker`);
    this.name = 'LeaseLostError';
  }
}

/** The worker is shutting down and no longer stands behind this run. */
export class WorkerStoppedError extends Error {
  constructor() {
    super('the worker stopped before the job finished');
    this.name = 'WorkerStoppedError';
  }
}

export const LAST_ERROR_MAX_CHARS = 300;

function mask(text: string): string {
  return text
    .replace(/[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+/g, '[email]')
    .replace(/\+?\d[\d\s-]{6,}\d/g, '[number]')
    .replace(/\s+/g, ' ')
    .trim();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Paths and issue codes of a zod failure; never the offending values. */
export function describeZodIssues(error: ZodError, maxIssues = 5): string {
  const parts = error.issues
    .slice(0, maxIssues)
    .map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(root)'} (${i.code})`);
  const more = error.issues.length > maxIssues ? ` and ${error.issues.length - maxIssues} more` : '';
  return `${parts.join(', ')}${more}`;
}

/** The short, personal-data-free summary stored as last_error. */
export function describeJobError(err: unknown): string {
  let text: string;
  if (err instanceof AppError) text = `AppError: ${err.code}`;
  else if (err instanceof ZodError) text = `ZodError: invalid ${describeZodIssues(err)}`;
  else if (err instanceof Error) text = `${mask(err.name) || 'Error'}: ${mask(err.message)}`;
  else text = `NonError: a ${typeof err} was thrown`;
  return truncate(text, LAST_ERROR_MAX_CHARS);
}

/** For logs: the error's class name only. */
export function errorName(err: unknown): string {
  if (err instanceof AppError) return `AppError:${err.code}`;
  return err instanceof Error ? truncate(err.name, 60) : typeof err;
}
