// Configuration: one zod schema over the environment (and an optional JSON config file named
// by MADOGUCHI_CONFIG_FILE), parsed once at start. Nothing else in Madoguchi reads
// process.env. Environment variables win over the file; command-line flags win over both.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { LOG_LEVELS } from '../lib/logger.ts';

const boolFromString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const intFromString = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** The variables operators script against. Names are part of the interface; keep them. */
export const ZEnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .max(2000)
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  MADOGUCHI_DATA_DIR: z.string().min(1).max(1000).optional(),
  MADOGUCHI_PORT: intFromString(0, 65535).optional(),
  MADOGUCHI_HOST: z.string().min(1).max(255).optional(),
  MADOGUCHI_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2000).optional(),
  MADOGUCHI_MASTER_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/_-]{43}=?$/, 'must be 32 bytes encoded as base64 (44 characters) or base64url (43)')
    .optional(),
  MADOGUCHI_PREVIOUS_MASTER_KEYS: z
    .string()
    .regex(/^[A-Za-z0-9+/_=,-]*$/, 'must be a comma-separated list of base64 keys')
    .optional(),
  MADOGUCHI_SMTP_URL: z
    .string()
    .max(2000)
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@host:587')
    .optional(),
  MADOGUCHI_MAIL_FROM: z.string().min(3).max(320).optional(),
  MADOGUCHI_LOG_LEVEL: z.enum(LOG_LEVELS).optional(),
  MADOGUCHI_REQUIRE_MFA_ROLES: z
    .string()
    .regex(/^[a-z_,]*$/, 'must be a comma-separated list of roles')
    .optional(),
  MADOGUCHI_SESSION_IDLE_MINUTES: intFromString(1, 24 * 60).optional(),
  MADOGUCHI_SESSION_ABSOLUTE_HOURS: intFromString(1, 24 * 30).optional(),
  MADOGUCHI_TRUST_PROXY: boolFromString.optional(),
  MADOGUCHI_PUBLIC_RATE_LIMIT: intFromString(1, 1_000_000).optional(),
  MADOGUCHI_CONFIG_FILE: z.string().min(1).max(1000).optional(),
});

export const STAFF_ROLES = ['admin', 'privacy_officer', 'handler', 'auditor', 'system_owner'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface Config {
  database: { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };
  dataDir: string;
  http: { host: string; port: number; baseUrl: string; trustProxy: boolean; publicRateLimitPerMinute: number };
  /** Master keys: the current one and older ones still accepted for unwrapping. Absent in the
   * embedded default until the key file is read or created (see keyring). */
  masterKey: { current: Buffer; previous: Buffer[] } | null;
  smtp: { url: string; from: string } | null;
  mailFrom: string;
  logLevel: (typeof LOG_LEVELS)[number];
  auth: {
    mfaRequiredRoles: StaffRole[];
    sessionIdleMinutes: number;
    sessionAbsoluteHours: number;
  };
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface ConfigOverrides {
  port?: number;
  dataDir?: string;
}

function decodeKey(text: string, name: string): Buffer {
  const buf = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (buf.length !== 32) throw new ConfigError([`${name}: must decode to exactly 32 bytes`]);
  return buf;
}

function readConfigFile(file: string, cwd: string): Record<string, string> {
  const full = path.resolve(cwd, file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(full, 'utf8'));
  } catch (err) {
    throw new ConfigError([`MADOGUCHI_CONFIG_FILE: cannot read ${full} as JSON (${(err as Error).message})`]);
  }
  const shape = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).safeParse(parsed);
  if (!shape.success) {
    throw new ConfigError([`MADOGUCHI_CONFIG_FILE: ${full} must be a JSON object of VARIABLE: value`]);
  }
  const unknown = Object.keys(shape.data).filter((k) => !(k in ZEnvSchema.shape));
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map((k) => `MADOGUCHI_CONFIG_FILE: unknown setting ${k}`));
  }
  return Object.fromEntries(Object.entries(shape.data).map(([k, v]) => [k, String(v)]));
}

/** Parses the environment once. Throws ConfigError listing every bad variable by name. */
export function loadConfig(
  env: Record<string, string | undefined>,
  overrides: ConfigOverrides = {},
  cwd: string = process.cwd(),
): Config {
  const fileName = env.MADOGUCHI_CONFIG_FILE;
  const fromFile = fileName ? readConfigFile(fileName, cwd) : {};
  const relevant: Record<string, string> = { ...fromFile };
  for (const key of Object.keys(ZEnvSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') relevant[key] = value;
  }
  const parsed = ZEnvSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`));
  }
  const e = parsed.data;
  const dataDir = path.resolve(cwd, overrides.dataDir ?? e.MADOGUCHI_DATA_DIR ?? 'data');
  const port = overrides.port ?? e.MADOGUCHI_PORT ?? 3000;
  const host = e.MADOGUCHI_HOST ?? '127.0.0.1';
  const baseUrl = (e.MADOGUCHI_BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');

  const problems: string[] = [];
  if (e.DATABASE_URL && !e.MADOGUCHI_MASTER_KEY) {
    problems.push(
      'MADOGUCHI_MASTER_KEY: required when DATABASE_URL is set (generate one with `madoguchi keys generate`)',
    );
  }
  const roles = (e.MADOGUCHI_REQUIRE_MFA_ROLES ?? 'admin,privacy_officer')
    .split(',')
    .filter((r) => r.length > 0);
  const badRoles = roles.filter((r) => !(STAFF_ROLES as readonly string[]).includes(r));
  if (badRoles.length > 0) {
    problems.push(`MADOGUCHI_REQUIRE_MFA_ROLES: unknown role(s) ${badRoles.join(', ')}; roles are ${STAFF_ROLES.join(', ')}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const masterKey = e.MADOGUCHI_MASTER_KEY
    ? {
        current: decodeKey(e.MADOGUCHI_MASTER_KEY, 'MADOGUCHI_MASTER_KEY'),
        previous: (e.MADOGUCHI_PREVIOUS_MASTER_KEYS ?? '')
          .split(',')
          .filter((k) => k.length > 0)
          .map((k) => decodeKey(k, 'MADOGUCHI_PREVIOUS_MASTER_KEYS')),
      }
    : null;

  const mailFrom = e.MADOGUCHI_MAIL_FROM ?? 'Madoguchi <no-reply@madoguchi.invalid>';
  return {
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
    dataDir,
    http: {
      host,
      port,
      baseUrl,
      trustProxy: e.MADOGUCHI_TRUST_PROXY ?? false,
      publicRateLimitPerMinute: e.MADOGUCHI_PUBLIC_RATE_LIMIT ?? 120,
    },
    masterKey,
    smtp: e.MADOGUCHI_SMTP_URL ? { url: e.MADOGUCHI_SMTP_URL, from: mailFrom } : null,
    mailFrom,
    logLevel: e.MADOGUCHI_LOG_LEVEL ?? 'info',
    auth: {
      mfaRequiredRoles: roles as StaffRole[],
      sessionIdleMinutes: e.MADOGUCHI_SESSION_IDLE_MINUTES ?? 30,
      sessionAbsoluteHours: e.MADOGUCHI_SESSION_ABSOLUTE_HOURS ?? 12,
    },
  };
}

/** The process environment, handed to loadConfig by the entry points; the only reader of process.env. */
export function processEnvironment(): Record<string, string | undefined> {
  return process.env;
}

/** Names a connection's secret may be read from: upper-case, digits and _, not Madoguchi's own settings. */
export const CONNECTION_ENV_PATTERN = /^(?!MADOGUCHI_|DATABASE_URL$)[A-Z_][A-Z0-9_]{0,99}$/;

/**
 * The secret (a connection URL) that a stored fulfilment connection names by environment
 * variable, read from the same environment snapshot loadConfig parsed. Undefined when the
 * variable is unset or empty; there is no default.
 */
export function readConnectionSecret(env: Record<string, string | undefined>, name: string): string | undefined {
  if (!CONNECTION_ENV_PATTERN.test(name)) return undefined;
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}
