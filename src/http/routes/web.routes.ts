// Serves the React web application built into web/dist: the privacy centre's pages get
// index.html, the admin console's get admin.html (the apps route on the client), and the
// hashed assets are cached for a year. The HTML itself is never cached, so a new build is
// picked up on the next visit.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { WEB_DIST } from '../web-build.ts';

/** Client-side routes of the privacy centre; anything else under / stays a 404. */
export const PUBLIC_PAGES = [
  '/',
  '/policies',
  '/policies/*',
  '/notice',
  '/privacy-notice',
  '/requests/new',
  '/requests/:id',
  '/requests/:id/*',
] as const;

export const ADMIN_PAGES = ['/admin', '/admin/', '/admin/*'] as const;

const NOT_BUILT =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Madoguchi</title></head><body><main>' +
  '<h1>The web application is not built</h1><p lang="ja">Web アプリケーションがビルドされていません。<code>npm run build:web</code> を実行してください。</p>' +
  '<p>Run <code>npm run build:web</code> (or start Madoguchi with <code>npm start</code>, which builds it).</p></main></body></html>';

export function webRoutes(distDir: string = WEB_DIST): FastifyPluginAsync {
  return async (app) => {
    await app.register(fastifyStatic, {
      root: path.join(distDir, 'assets'),
      prefix: '/assets/',
      // File names carry a content hash: a changed file is a new URL.
      maxAge: '365d',
      immutable: true,
      index: false,
      suppressWarning: true,
      decorateReply: false,
    });

    const sendPage = async (reply: FastifyReply, file: 'index.html' | 'admin.html'): Promise<FastifyReply> => {
      reply.header('cache-control', 'no-cache');
      const full = path.join(distDir, file);
      if (!existsSync(full)) return reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT);
      return reply.type('text/html; charset=utf-8').send(await readFile(full));
    };

    for (const url of PUBLIC_PAGES) app.get(url, { schema: { hide: true } }, (_request, reply) => sendPage(reply, 'index.html'));
    for (const url of ADMIN_PAGES) app.get(url, { schema: { hide: true } }, (_request, reply) => sendPage(reply, 'admin.html'));
  };
}
