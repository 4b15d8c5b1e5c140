// Turning an email's content into what is sent: a subject, a plain-text body and a simple HTML
// body. Templates describe their content as blocks (paragraphs, a link, a code, a list) and
// never write markup themselves, so every variable reaches the HTML escaped and both bodies
// always say the same thing. Pure functions, no I/O.
import type { Language } from '../../lib/errors.ts';

export type EmailBlock =
  | { kind: 'paragraph'; text: string }
  | { kind: 'link'; url: string; label: string }
  | { kind: 'code'; text: string }
  | { kind: 'list'; items: string[] }
  /** Small print: why the person received this mail, what to do if it was not meant for them. */
  | { kind: 'note'; text: string };

export interface EmailContent {
  subject: string;
  /** The salutation line, e.g. "山田 花子 様". */
  greeting?: string;
  blocks: EmailBlock[];
  /** Lines under the signature separator. */
  signature: string[];
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      default:
        return '&#39;';
    }
  });
}

/** Only web links may become an href; anything else (javascript:, data:) is refused loudly,
 * because a template that produced one has a bug the schema should have caught. */
function safeHref(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TypeError('email links must be http or https');
  }
  return parsed.toString();
}

/** Header lines must stay one line whatever a variable held. */
function singleLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').trim();
}

function textBlock(block: EmailBlock, language: Language): string {
  switch (block.kind) {
    case 'paragraph':
      return block.text;
    case 'link':
      return `${block.label}\n${block.url}`;
    case 'code':
      return `    ${block.text}`;
    case 'list':
      return block.items.map((item) => `${language === 'ja' ? '・' : '- '}${item}`).join('\n');
    case 'note':
      return block.text;
  }
}

const MUTED = 'font-size:13px;line-height:1.7;color:#555555;';

function htmlBlock(block: EmailBlock): string {
  const lines = (text: string) => escapeHtml(text).replace(/\n/g, '<br>');
  switch (block.kind) {
    case 'paragraph':
      return `<p style="margin:0 0 16px;">${lines(block.text)}</p>`;
    case 'link': {
      const href = escapeHtml(safeHref(block.url));
      return (
        `<p style="margin:0 0 8px;"><a href="${href}" style="display:inline-block;padding:10px 18px;` +
        `background:#0b4f8a;color:#ffffff;text-decoration:none;border-radius:4px;">${lines(block.label)}</a></p>` +
        `<p style="margin:0 0 16px;${MUTED}word-break:break-all;">${escapeHtml(block.url)}</p>`
      );
    }
    case 'code':
      return (
        `<p style="margin:0 0 16px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:24px;` +
        `letter-spacing:4px;font-weight:bold;">${escapeHtml(block.text)}</p>`
      );
    case 'list':
      return `<ul style="margin:0 0 16px;padding-left:20px;">${block.items.map((i) => `<li>${lines(i)}</li>`).join('')}</ul>`;
    case 'note':
      return `<p style="margin:0 0 16px;${MUTED}">${lines(block.text)}</p>`;
  }
}

export function renderContent(content: EmailContent, language: Language): RenderedEmail {
  const subject = singleLine(content.subject);
  const parts = [
    ...(content.greeting ? [content.greeting] : []),
    ...content.blocks.map((b) => textBlock(b, language)),
  ];
  // "-- " (with the space) is the separator mail programs recognise as the start of a signature.
  const text = `${parts.join('\n\n')}\n\n-- \n${content.signature.join('\n')}\n`;
  const html =
    `<!doctype html><html lang="${language}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="margin:0;padding:0;background:#f4f4f2;">` +
    `<div style="max-width:560px;margin:0 auto;padding:24px;background:#ffffff;color:#1b1b1b;font-size:15px;` +
    `line-height:1.8;font-family:'Hiragino Sans','Noto Sans JP','Yu Gothic',system-ui,sans-serif;">` +
    (content.greeting ? `<p style="margin:0 0 16px;">${escapeHtml(content.greeting)}</p>` : '') +
    content.blocks.map(htmlBlock).join('') +
    `<hr style="border:none;border-top:1px solid #dddddd;margin:24px 0 12px;">` +
    `<p style="margin:0;${MUTED}">${content.signature.map(escapeHtml).join('<br>')}</p>` +
    `</div></body></html>\n`;
  return { subject, text, html };
}

/** A date and time as people in Japan read it; staff and requesters are served in Japan time
 * whatever the server's own time zone is. */
export function formatDateTime(at: Date, language: Language): string {
  if (language === 'ja') {
    const text = new Intl.DateTimeFormat('ja-JP', {
      timeZone: 'Asia/Tokyo',
      year: 'numeric',
      month: 'long',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    }).format(at);
    return `${text}（日本時間）`;
  }
  const text = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(at);
  return `${text} (Japan time)`;
}
