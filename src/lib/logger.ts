// Structured logs (pino). Logs carry ids, codes and timings, never names, emails, tokens or
// document contents; the redaction list is a second line of defence for headers and fields
// that may hold secrets.
import { pino, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'madoguchi' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-csrf-token"]',
          'res.headers["set-cookie"]',
          '*.password',
          '*.token',
          '*.email',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? process.stderr,
  );
}
