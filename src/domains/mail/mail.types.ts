// Shapes shared by the outbox, the send job and the development mailbox: what an encrypted
// message holds, the send job's declaration, and the views the admin API answers with.
import { z } from 'zod';

export const EMAIL_SEND_JOB_TYPE = 'email.send';
/** With the default backoff (5 s doubling, capped at 1 h) ten attempts span about 4 hours. */
export const EMAIL_SEND_MAX_ATTEMPTS = 10;

export const ZEmailSendPayload = z.strictObject({ outboxId: z.string().min(1).max(64) });

/** The content of one message as stored (encrypted) in the vault. */
export const ZStoredEmail = z.object({
  to: z.string().max(254),
  subject: z.string().max(1000),
  text: z.string().max(200_000),
  html: z.string().max(400_000),
});
export type StoredEmail = z.infer<typeof ZStoredEmail>;

export const ZEmailRecipient = z.email({ error: 'must be an email address' }).max(254);

export const ZRelated = z.strictObject({
  type: z.string().min(1).max(50).regex(/^[a-z][a-z0-9_]*$/),
  id: z.string().min(1).max(100),
});

export const OUTBOX_STATUSES = ['pending', 'sent', 'held', 'failed'] as const;

export const ZMailboxSummary = z.object({
  id: z.string(),
  template: z.string(),
  language: z.enum(['ja', 'en']),
  status: z.enum(OUTBOX_STATUSES),
  created_at: z.iso.datetime(),
  sent_at: z.iso.datetime().nullable(),
  /** Null once the message's content has been disposed of. */
  subject: z.string().nullable(),
  recipient: z.string().nullable(),
});
export type MailboxSummary = z.infer<typeof ZMailboxSummary>;

export const ZMailboxMessage = ZMailboxSummary.extend({
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  text: z.string().nullable(),
  html: z.string().nullable(),
});
export type MailboxMessage = z.infer<typeof ZMailboxMessage>;

/** `development`: no SMTP server is configured and mail stays here; `smtp`: mail is sent. */
export type MailMode = 'development' | 'smtp';
