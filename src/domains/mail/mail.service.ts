// Email use cases: queue a message in the caller's transaction (rendered, encrypted, with its
// send job), deliver a queued message over SMTP or hold it for the development mailbox, and
// read the outbox as an administrator. Addresses and bodies live only in the encrypted blob;
// audit entries and logs name the outbox id and the template.
import { ZodError } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import { AppError, type ErrorDetail, type Language } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { enqueueJob } from '../../jobs/queue.ts';
import { SYSTEM_ACTOR, type Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { findOrganization } from '../organization/organization.repository.ts';
import * as repo from './mail.repository.ts';
import { sendViaSmtp } from './mail.smtp.ts';
import { renderEmail, type EmailTemplateName, type EmailVariables } from './mail.templates.ts';
import {
  EMAIL_SEND_JOB_TYPE,
  EMAIL_SEND_MAX_ATTEMPTS,
  ZEmailRecipient,
  ZRelated,
  ZStoredEmail,
  type MailboxMessage,
  type MailboxSummary,
  type MailMode,
  type StoredEmail,
} from './mail.types.ts';

const FALLBACK_ORGANIZATION_NAME = 'Madoguchi';
const BLOB_KIND = 'email';

interface QueueEmailCommon {
  to: string;
  language: Language;
  /** What the mail is about (a request, a staff account), kept on the outbox row. */
  related?: { type: string; id: string };
  /** Who caused the mail; the system by default. */
  actor?: Actor;
  /** The HTTP request id or job id under which it was queued. */
  requestId?: string | null;
}

export type QueueEmailInput = {
  [N in EmailTemplateName]: QueueEmailCommon & { template: N; variables: EmailVariables<N> };
}[EmailTemplateName];

function zodDetails(err: ZodError, prefix: string): ErrorDetail[] {
  return err.issues.slice(0, 20).map((i) => ({
    path: [prefix, ...i.path.map(String)].join('.'),
    reason: i.code,
  }));
}

async function organizationName(trx: Db, language: Language): Promise<string> {
  const org = await findOrganization(trx);
  if (!org) return FALLBACK_ORGANIZATION_NAME;
  return language === 'ja' ? org.name_ja : org.name_en;
}

/**
 * Renders the mail, stores it encrypted, adds its outbox row and enqueues its send job, all in
 * the caller's transaction: if that rolls back, nothing is sent.
 */
export async function queueEmail(
  trx: Db,
  ctx: Pick<AppContext, 'vault' | 'clock'>,
  input: QueueEmailInput,
): Promise<{ id: string }> {
  const now = ctx.clock.now();
  const to = ZEmailRecipient.safeParse(input.to);
  if (!to.success) throw new AppError('validation_failed', { details: zodDetails(to.error, 'to') });
  const related = input.related === undefined ? null : ZRelated.safeParse(input.related);
  if (related && !related.success) throw new AppError('validation_failed', { details: zodDetails(related.error, 'related') });

  let rendered: StoredEmail;
  try {
    const message = renderEmail(input.template, input.language, input.variables, {
      organizationName: await organizationName(trx, input.language),
    });
    rendered = { to: to.data, ...message };
  } catch (err) {
    if (err instanceof ZodError) throw new AppError('validation_failed', { details: zodDetails(err, 'variables') });
    throw err;
  }

  const blob = await ctx.vault.storeJson(trx, { kind: BLOB_KIND, value: rendered, now });
  const id = newId('mail');
  await repo.insertOutbox(trx, {
    id,
    template: input.template,
    language: input.language,
    blobId: blob.id,
    relatedType: related?.data?.type ?? null,
    relatedId: related?.data?.id ?? null,
    now,
  });
  await enqueueJob(
    trx,
    { type: EMAIL_SEND_JOB_TYPE, payload: { outboxId: id }, idempotencyKey: id, maxAttempts: EMAIL_SEND_MAX_ATTEMPTS },
    now,
  );
  await appendAudit(trx, {
    action: 'email.queued',
    actor: input.actor ?? SYSTEM_ACTOR,
    target: { type: 'outbox', id },
    requestId: input.requestId ?? null,
    details: { outboxId: id, template: input.template },
    at: now,
  });
  return { id };
}

export type DeliveryResult =
  | { status: 'sent'; providerMessageId: string | null }
  | { status: 'held' }
  /** Refused for good (a 5xx answer, unreadable content): the row is marked failed. */
  | { status: 'failed'; reason: string }
  /** Could not be delivered now (server unreachable, 4xx): the row stays pending. */
  | { status: 'retry'; reason: string }
  /** Nothing to do: the message was already sent, held or failed, or no longer exists. */
  | { status: 'unchanged'; current: 'sent' | 'held' | 'failed' | 'missing' };

export type CompleteFn = <T>(fn: (trx: Db) => Promise<T>) => Promise<T>;

function messageIdFor(outboxId: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'madoguchi.invalid';
  return `<${outboxId}@${domain}>`;
}

/**
 * Delivers one queued message. `complete` runs the final writes; the send job passes its
 * lease-guarded `completeWith`, so the outcome commits together with the job's success. Safe to
 * call again: only a pending message is sent. No SMTP configured: the message is held for the
 * development mailbox.
 */
export async function deliverOutboxMessage(
  ctx: AppContext,
  outboxId: string,
  complete: CompleteFn = (fn) => ctx.db.transaction().execute(fn),
): Promise<DeliveryResult> {
  const row = await repo.findOutbox(ctx.db, outboxId);
  if (!row) {
    await complete(async () => undefined);
    return { status: 'unchanged', current: 'missing' };
  }
  if (row.status !== 'pending') {
    await complete(async () => undefined);
    return { status: 'unchanged', current: row.status };
  }
  const smtp = ctx.config.smtp;
  if (!smtp) {
    await complete((trx) => repo.markOutboxHeld(trx, outboxId));
    ctx.logger.info({ outboxId, template: row.template }, 'no SMTP server configured: message held in the development mailbox');
    return { status: 'held' };
  }

  let message: StoredEmail;
  try {
    message = ZStoredEmail.parse(await ctx.vault.readJson(ctx.db, row.blob_id));
  } catch (err) {
    // Its content was disposed of (or damaged) before it could be sent; retrying cannot help.
    const reason = err instanceof AppError ? `content ${err.code}` : 'content unreadable';
    await markFailed(ctx, row.id, row.template, reason, complete);
    return { status: 'failed', reason };
  }

  const outcome = await sendViaSmtp(smtp.url, {
    from: smtp.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: messageIdFor(row.id, smtp.from),
  });
  if (outcome.ok) {
    const now = ctx.clock.now();
    await complete(async (trx) => {
      if (!(await repo.markOutboxSent(trx, row.id, { providerMessageId: outcome.providerMessageId, at: now }))) return;
      await appendAudit(trx, {
        action: 'email.sent',
        actor: SYSTEM_ACTOR,
        target: { type: 'outbox', id: row.id },
        details: { outboxId: row.id, template: row.template },
        at: now,
      });
    });
    ctx.logger.info({ outboxId: row.id, template: row.template }, 'email sent');
    return { status: 'sent', providerMessageId: outcome.providerMessageId };
  }
  if (outcome.permanent) {
    await markFailed(ctx, row.id, row.template, outcome.summary, complete);
    return { status: 'failed', reason: outcome.summary };
  }
  await repo.recordOutboxAttemptFailed(ctx.db, row.id, outcome.summary);
  ctx.logger.warn({ outboxId: row.id, template: row.template, reason: outcome.summary }, 'email not delivered; will retry');
  return { status: 'retry', reason: outcome.summary };
}

async function markFailed(ctx: AppContext, outboxId: string, template: string, reason: string, complete: CompleteFn): Promise<void> {
  const now = ctx.clock.now();
  await complete(async (trx) => {
    if (!(await repo.markOutboxFailed(trx, outboxId, reason))) return;
    await appendAudit(trx, {
      action: 'email.failed',
      actor: SYSTEM_ACTOR,
      target: { type: 'outbox', id: outboxId },
      details: { outboxId, template, reason },
      at: now,
    });
  });
  ctx.logger.error({ outboxId, template, reason }, 'email refused by the SMTP server; marked failed');
}

/**
 * `madoguchi mail test --to …`: queues the test message and tries to deliver it at once, so the
 * operator sees the result. The queued job finds it already done, or retries it if the server
 * could not be reached.
 */
export async function sendTestEmail(
  ctx: AppContext,
  input: { to: string; language?: Language },
): Promise<{ id: string; mode: MailMode; result: DeliveryResult }> {
  const { id } = await ctx.db.transaction().execute((trx) =>
    queueEmail(trx, ctx, {
      to: input.to,
      template: 'dev.test',
      language: input.language ?? 'ja',
      variables: { sentAt: ctx.clock.now() },
      actor: { type: 'system', id: 'cli:mail-test' },
    }),
  );
  return { id, mode: mailMode(ctx), result: await deliverOutboxMessage(ctx, id) };
}

// --- the development mailbox --------------------------------------------------------------

export function mailMode(ctx: Pick<AppContext, 'config'>): MailMode {
  return ctx.config.smtp ? 'smtp' : 'development';
}

export const MAILBOX_LIMIT_DEFAULT = 50;
export const MAILBOX_LIMIT_MAX = 200;

function encodeCursor(row: { created_at: Date; id: string }): string {
  return Buffer.from(`${row.created_at.toISOString()}|${row.id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | undefined): { createdAt: Date; id: string } | null {
  if (cursor === undefined) return null;
  const bad = () => new AppError('validation_failed', { details: [{ path: 'cursor', reason: 'invalid_format' }] });
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([A-Za-z0-9_-]{1,64})$/.exec(text);
  if (!match?.[1] || !match[2]) throw bad();
  const createdAt = new Date(match[1]);
  if (Number.isNaN(createdAt.getTime())) throw bad();
  return { createdAt, id: match[2] };
}

async function readContent(ctx: AppContext, blobId: string): Promise<StoredEmail | null> {
  try {
    return ZStoredEmail.parse(await ctx.vault.readJson(ctx.db, blobId));
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') return null;
    throw err;
  }
}

function summaryOf(row: repo.OutboxRow, content: StoredEmail | null): MailboxSummary {
  return {
    id: row.id,
    template: row.template,
    language: row.language,
    status: row.status,
    created_at: row.created_at.toISOString(),
    sent_at: row.sent_at ? row.sent_at.toISOString() : null,
    subject: content?.subject ?? null,
    recipient: content?.to ?? null,
  };
}

interface Viewer {
  actor: Actor;
  requestId?: string | null;
}

async function auditView(ctx: AppContext, viewer: Viewer, details: { outboxIds: string[] }, target?: string): Promise<void> {
  const at = ctx.clock.now();
  await ctx.db.transaction().execute((trx) =>
    appendAudit(trx, {
      action: 'email.viewed',
      actor: viewer.actor,
      target: target === undefined ? undefined : { type: 'outbox', id: target },
      requestId: viewer.requestId ?? null,
      details: { outboxIds: details.outboxIds, count: details.outboxIds.length },
      at,
    }),
  );
}

/** Newest first. Decrypts each listed message's subject and recipient; the view is audited. */
export async function listMailbox(
  ctx: AppContext,
  viewer: Viewer,
  options: { limit?: number; cursor?: string } = {},
): Promise<{ mode: MailMode; messages: MailboxSummary[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? MAILBOX_LIMIT_DEFAULT), 1), MAILBOX_LIMIT_MAX);
  const rows = await repo.listOutbox(ctx.db, { limit: limit + 1, before: decodeCursor(options.cursor) });
  const page = rows.slice(0, limit);
  const messages: MailboxSummary[] = [];
  for (const row of page) messages.push(summaryOf(row, await readContent(ctx, row.blob_id)));
  await auditView(ctx, viewer, { outboxIds: page.map((r) => r.id) });
  const last = page[page.length - 1];
  return { mode: mailMode(ctx), messages, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

/** One message with its bodies; audited. An unknown id is `not_found`. */
export async function getMailboxMessage(
  ctx: AppContext,
  viewer: Viewer,
  id: string,
): Promise<{ mode: MailMode; message: MailboxMessage }> {
  const row = await repo.findOutbox(ctx.db, id);
  if (!row) throw new AppError('not_found');
  const content = await readContent(ctx, row.blob_id);
  await auditView(ctx, viewer, { outboxIds: [row.id] }, row.id);
  return {
    mode: mailMode(ctx),
    message: {
      ...summaryOf(row, content),
      attempts: row.attempts,
      last_error: row.last_error,
      text: content?.text ?? null,
      html: content?.html ?? null,
    },
  };
}
