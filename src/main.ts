// Running Madoguchi: the HTTP server, the job worker and the scheduler, together in one
// process (`madoguchi start`, the embedded default) or apart (`serve`, `worker`) for
// deployments with several processes that coordinate only through PostgreSQL.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from './app/context.ts';
import { buildServer } from './http/server.ts';
import { APP_SCHEDULES, createAppJobRegistry } from './jobs/app-jobs.ts';
import { startScheduler } from './jobs/scheduler.ts';
import { startWorker } from './jobs/worker.ts';

export interface RunOptions {
  http: boolean;
  worker: boolean;
  scheduler: boolean;
  concurrency?: number;
}

export interface Running {
  url: string | null;
  app: FastifyInstance | null;
  stop(): Promise<void>;
}

export async function run(ctx: AppContext, options: RunOptions): Promise<Running> {
  const stops: Array<() => Promise<void>> = [];
  let url: string | null = null;
  let app: FastifyInstance | null = null;
  try {
    if (options.worker) {
      const worker = startWorker(ctx, createAppJobRegistry(), options.concurrency ? { concurrency: options.concurrency } : {});
      stops.push(() => worker.stop());
    }
    if (options.scheduler) {
      const scheduler = startScheduler(ctx, APP_SCHEDULES);
      stops.push(() => scheduler.stop());
    }
    if (options.http) {
      app = await buildServer(ctx);
      await app.listen({ host: ctx.config.http.host, port: ctx.config.http.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : ctx.config.http.port;
      url = `http://${ctx.config.http.host}:${port}`;
      const server = app;
      stops.unshift(() => server.close());
    }
  } catch (err) {
    for (const stop of stops) await stop().catch(() => {});
    throw err;
  }
  return {
    url,
    app,
    stop: async () => {
      for (const stop of stops) await stop();
    },
  };
}
