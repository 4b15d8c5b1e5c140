// Handing one message to the configured SMTP server (nodemailer) and sorting the outcome into
// delivered, worth retrying (connection trouble, 4xx) or refused for good (5xx). The summary of
// a failure names codes only: SMTP replies often quote the recipient's address.
import nodemailer from 'nodemailer';

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** A stable Message-ID, so a receiving server can drop a copy sent again after a crash. */
  messageId: string;
}

export type SmtpOutcome =
  | { ok: true; providerMessageId: string | null }
  | { ok: false; permanent: boolean; summary: string };

const CONNECTION_TIMEOUT_MS = 15_000;
const SOCKET_TIMEOUT_MS = 30_000;

function numberProp(err: object, name: string): number | undefined {
  const value: unknown = (err as Record<string, unknown>)[name];
  return typeof value === 'number' ? value : undefined;
}

function stringProp(err: object, name: string): string | undefined {
  const value: unknown = (err as Record<string, unknown>)[name];
  return typeof value === 'string' && /^[A-Z_]{2,30}$/.test(value) ? value : undefined;
}

/** Sorts a nodemailer failure. Exported for the tests of the rule itself. */
export function classifySmtpError(err: unknown): { permanent: boolean; summary: string } {
  if (typeof err !== 'object' || err === null) return { permanent: false, summary: 'unknown failure' };
  const responseCode = numberProp(err, 'responseCode');
  const code = stringProp(err, 'code');
  const summary = [code, responseCode === undefined ? undefined : `SMTP ${responseCode}`].filter(Boolean).join(' ') || 'unknown failure';
  if (responseCode !== undefined) return { permanent: responseCode >= 500 && responseCode < 600, summary };
  // Refused before talking to the server: a message nodemailer cannot build never will be.
  if (code === 'EENVELOPE' || code === 'EMESSAGE') return { permanent: true, summary };
  return { permanent: false, summary };
}

export async function sendViaSmtp(url: string, message: OutgoingEmail): Promise<SmtpOutcome> {
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: CONNECTION_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
  });
  try {
    const info = await transport.sendMail({
      from: message.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId: message.messageId,
    });
    return { ok: true, providerMessageId: typeof info.messageId === 'string' ? info.messageId.slice(0, 300) : null };
  } catch (err) {
    return { ok: false, ...classifySmtpError(err) };
  } finally {
    transport.close();
  }
}
