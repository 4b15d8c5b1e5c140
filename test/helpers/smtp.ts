// A real SMTP server for tests (the smtp-server package) on 127.0.0.1 and a random port. It
// accepts every message without authentication, keeps the raw bytes and a minimal MIME
// reading of each (headers with encoded words decoded, the text and HTML parts of the
// multipart/alternative body that nodemailer writes), and can be told to refuse recipients
// with a given SMTP code, as a mail server refusing an address would.
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface CapturedMail {
  envelopeFrom: string | null;
  envelopeTo: string[];
  raw: Buffer;
  headers: Map<string, string>;
  subject: string;
  messageId: string | null;
  text: string | null;
  html: string | null;
}

export interface TestSmtp {
  port: number;
  /** For MADOGUCHI_SMTP_URL. */
  url: string;
  messages: CapturedMail[];
  /** Resolves once at least `count` messages have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface TestSmtpOptions {
  /** Listen on this port (a test that brings a server "back up" reuses the old port). */
  port?: number;
  /** Refuse every recipient with this reply, e.g. { code: 550, message: 'No such user' }. */
  refuseRecipients?: { code: number; message: string };
}

// --- a minimal MIME reader ---------------------------------------------------------------

function splitHead(raw: string): { head: string; body: string } {
  const at = raw.indexOf('\r\n\r\n');
  return at < 0 ? { head: raw, body: '' } : { head: raw.slice(0, at), body: raw.slice(at + 4) };
}

function parseHeaders(head: string): Map<string, string> {
  const headers = new Map<string, string>();
  const unfolded = head.replace(/\r\n(?=[ \t])/g, '');
  for (const line of unfolded.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

function latin1ToUtf8(text: string): string {
  return Buffer.from(text, 'latin1').toString('utf8');
}

function decodeQuotedPrintable(text: string, underscoreIsSpace: boolean): Buffer {
  const soft = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i] ?? '';
    const hex = soft.slice(i + 1, i + 3);
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === '_' && underscoreIsSpace) {
      bytes.push(0x20);
    } else {
      bytes.push(soft.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** RFC 2047 encoded words (`=?UTF-8?B?…?=`); whitespace between two of them is dropped. */
export function decodeEncodedWords(value: string): string {
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  return latin1ToUtf8(value)
    .replace(/(\?=)\s+(?==\?)/g, '$1')
    .replace(word, (_m, _charset: string, encoding: string, data: string) =>
      (encoding.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : decodeQuotedPrintable(data, true)).toString('utf8'),
    );
}

function param(value: string, name: string): string | null {
  const match = new RegExp(`;\\s*${name}="?([^";]+)"?`, 'i').exec(value);
  return match?.[1] ?? null;
}

function decodeBody(body: string, headers: Map<string, string>): string {
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body, false).toString('utf8');
  return latin1ToUtf8(body);
}

function collectParts(raw: string, found: { text: string | null; html: string | null }): void {
  const { head, body } = splitHead(raw);
  const headers = parseHeaders(head);
  const type = headers.get('content-type') ?? 'text/plain';
  const mediaType = (type.split(';')[0] ?? '').trim().toLowerCase();
  if (mediaType.startsWith('multipart/')) {
    const boundary = param(type, 'boundary');
    if (!boundary) return;
    const sections = body.split(`--${boundary}`).slice(1);
    for (const section of sections) {
      if (section.startsWith('--')) break;
      collectParts(section.replace(/^\r\n/, '').replace(/\r\n$/, ''), found);
    }
    return;
  }
  if (mediaType === 'text/plain' && found.text === null) found.text = decodeBody(body, headers);
  if (mediaType === 'text/html' && found.html === null) found.html = decodeBody(body, headers);
}

export function readMessage(raw: Buffer): Omit<CapturedMail, 'envelopeFrom' | 'envelopeTo'> {
  const text = raw.toString('latin1');
  const headers = parseHeaders(splitHead(text).head);
  const found: { text: string | null; html: string | null } = { text: null, html: null };
  collectParts(text, found);
  const decoded = new Map([...headers].map(([k, v]) => [k, decodeEncodedWords(v)]));
  return {
    raw,
    headers: decoded,
    subject: decoded.get('subject') ?? '',
    messageId: decoded.get('message-id') ?? null,
    text: found.text,
    html: found.html,
  };
}

// --- the server ----------------------------------------------------------------------------

function address(a: SMTPServerAddress | false): string | null {
  return a ? a.address : null;
}

export async function startTestSmtp(options: TestSmtpOptions = {}): Promise<TestSmtp> {
  const messages: CapturedMail[] = [];
  const waiters: Array<() => void> = [];
  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP on loopback: without STARTTLS nodemailer does not try to upgrade to a
    // certificate it would (rightly) refuse.
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      const refuse = options.refuseRecipients;
      if (refuse) {
        const err = Object.assign(new Error(refuse.message), { responseCode: refuse.code });
        callback(err);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        messages.push({
          envelopeFrom: address(session.envelope.mailFrom),
          envelopeTo: session.envelope.rcptTo.map((r) => r.address),
          ...readMessage(Buffer.concat(chunks)),
        });
        for (const wake of waiters.splice(0)) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const bound = server.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : 0;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} message(s), received ${messages.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port on 127.0.0.1 where nothing listens (an SMTP server that is down). */
export async function closedPort(): Promise<number> {
  const probe = await startTestSmtp();
  await probe.close();
  return probe.port;
}
