// Serves the minimal staff pages (password setup, sign-in with TOTP, development mailbox)
// until the full admin console replaces them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import { pickLanguage } from '../../lib/language.ts';

const SCRIPT = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'static', 'admin-lite.js'), 'utf8');

function page(lang: 'ja' | 'en'): string {
  const title = lang === 'ja' ? 'Madoguchi 管理画面' : 'Madoguchi admin';
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>
body{font:16px/1.6 system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:0;color:#1b1b1b}
header{background:#17324d;color:#fff;padding:.75rem 1rem}main{max-width:40rem;margin:1.5rem auto;padding:0 1rem}
label{display:block;margin-top:1rem;font-weight:600}input{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1.25rem;font:inherit;background:#17324d;color:#fff;border:0;border-radius:4px;cursor:pointer}
.error{color:#a11d1d;font-weight:600}.banner{background:#fff3cd;border:1px solid #b38600;padding:.5rem}
.secret{font-size:1.2rem;letter-spacing:.1em;word-break:break-all}pre{white-space:pre-wrap;background:#f5f5f5;padding:.5rem}
</style></head><body><header>${title}</header><main id="main"><noscript>JavaScript is required.</noscript></main>
<script src="/admin/assets/admin-lite.js"></script></body></html>`;
}

export function adminLiteRoutes(): FastifyPluginAsync {
  return async (app) => {
    const serve = async (request: { headers: Record<string, string | string[] | undefined> }, reply: { type(t: string): unknown; header(k: string, v: string): unknown }) => {
      reply.type('text/html; charset=utf-8');
      reply.header('cache-control', 'no-store');
      const header = request.headers['accept-language'];
      return page(pickLanguage(typeof header === 'string' ? header : undefined));
    };
    app.get('/admin', { schema: { hide: true } }, serve);
    app.get('/admin/', { schema: { hide: true } }, serve);
    app.get('/admin/setup-password', { schema: { hide: true } }, serve);
    app.get('/admin/dev-mailbox', { schema: { hide: true } }, serve);
    app.get('/admin/assets/admin-lite.js', { schema: { hide: true } }, async (_request, reply) => {
      reply.type('text/javascript; charset=utf-8');
      return SCRIPT;
    });
  };
}
