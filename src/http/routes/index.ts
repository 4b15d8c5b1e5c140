// Every route module, registered in one place. Public routes share a rate-limited scope.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { adminLiteRoutes } from './admin-lite.routes.ts';
import { docsRoutes } from './docs.routes.ts';
import { healthRoutes } from './health.routes.ts';
import { publicOrganizationRoutes } from './public/organization.routes.ts';

export async function registerRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(healthRoutes(ctx));
  await app.register(docsRoutes());
  await app.register(adminLiteRoutes());
  await app.register(publicOrganizationRoutes(ctx));
}
