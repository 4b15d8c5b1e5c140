// The API contract: OpenAPI 3.1 at /api/openapi.json and a readable reference at /api/docs,
// rendered on the server from the same document (no script, works in any browser).
import type { FastifyPluginAsync } from 'fastify';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Json; description?: string }>;
  requestBody?: { content?: Record<string, { schema?: Json }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Json }> }>;
  security?: Array<Record<string, string[]>>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function schemaBlock(schema: Json | undefined): string {
  if (schema === undefined) return '';
  return `<pre>${esc(JSON.stringify(schema, null, 2))}</pre>`;
}

export function renderReference(doc: { info?: { title?: string; description?: string }; paths?: Record<string, Record<string, Operation>> }): string {
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'other';
      const params = (op.parameters ?? [])
        .map(
          (p) =>
            `<li><code>${esc(p.name)}</code> <small>(${esc(p.in)}${p.required ? ', required' : ''})</small>${
              p.description ? ` — ${esc(p.description)}` : ''
            }</li>`,
        )
        .join('');
      const body = Object.entries(op.requestBody?.content ?? {})
        .map(([type, c]) => `<h4>Request body <small>${esc(type)}</small></h4>${schemaBlock(c.schema)}`)
        .join('');
      const responses = Object.entries(op.responses ?? {})
        .map(([status, r]) => {
          const schema = Object.values(r.content ?? {})[0]?.schema;
          return `<details><summary>${esc(status)} ${esc(r.description ?? '')}</summary>${schemaBlock(schema)}</details>`;
        })
        .join('');
      const auth = (op.security ?? []).flatMap((s) => Object.keys(s)).join(', ');
      const html = `<section class="op" id="${esc(`${method}-${path}`)}">
<h3><span class="m m-${method}">${method.toUpperCase()}</span> <code>${esc(path)}</code></h3>
${op.summary ? `<p>${esc(op.summary)}</p>` : ''}${op.description ? `<p>${esc(op.description)}</p>` : ''}
${auth ? `<p><small>Authentication: ${esc(auth)}</small></p>` : ''}
${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ''}${body}<h4>Responses</h4>${responses}</section>`;
      const list = byTag.get(tag) ?? [];
      list.push(html);
      byTag.set(tag, list);
    }
  }
  const tags = [...byTag.keys()].sort();
  const nav = tags.map((t) => `<li><a href="#tag-${esc(t)}">${esc(t)}</a></li>`).join('');
  const sections = tags
    .map((t) => `<h2 id="tag-${esc(t)}">${esc(t)}</h2>${(byTag.get(t) ?? []).join('\n')}`)
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info?.title ?? 'API')} — reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fff}
header,main{max-width:960px;margin:0 auto;padding:1rem}
header{border-bottom:1px solid #ddd}
pre{background:#f5f5f5;padding:.75rem;overflow:auto;font-size:13px}
.op{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.m{display:inline-block;min-width:4.5em;text-align:center;border-radius:4px;color:#fff;font-size:13px;padding:2px 6px}
.m-get{background:#1d5e9c}.m-post{background:#1f6b3a}.m-put,.m-patch{background:#7a4b00}.m-delete{background:#a11d1d}
nav ul{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;padding:0}
</style></head><body><header><h1>${esc(doc.info?.title ?? 'API')}</h1><p>${esc(doc.info?.description ?? '')}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1)</p><nav><ul>${nav}</ul></nav></header>
<main>${sections}</main></body></html>`;
}

export function docsRoutes(): FastifyPluginAsync {
  return async (app) => {
    app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    app.get('/api/docs', { schema: { hide: true } }, async (_request, reply) => {
      reply.type('text/html; charset=utf-8');
      return renderReference(app.swagger() as Parameters<typeof renderReference>[0]);
    });
  };
}
