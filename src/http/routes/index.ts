// Every route module, registered in one place. Public routes share a rate-limited scope.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { installAdminGate } from '../auth.ts';
import { adminLiteRoutes } from './admin-lite.routes.ts';
import { apiKeyRoutes } from './admin/api-keys.routes.ts';
import { auditRoutes } from './admin/audit.routes.ts';
import { authRoutes } from './admin/auth.routes.ts';
import { inventoryRoutes } from './admin/inventory.routes.ts';
import { mailboxRoutes } from './admin/mailbox.routes.ts';
import { organizationAdminRoutes } from './admin/organization.routes.ts';
import { policyAdminRoutes } from './admin/policies.routes.ts';
import { requestFindingsRoutes } from './admin/request-findings.routes.ts';
import { requestDecisionRoutes } from './admin/request-decisions.routes.ts';
import { requestDeskRoutes } from './admin/requests.routes.ts';
import { staffRoutes } from './admin/staff.routes.ts';
import { apiKeyInfoRoutes } from './app/api-key-info.routes.ts';
import { docsRoutes } from './docs.routes.ts';
import { healthRoutes } from './health.routes.ts';
import { publicOrganizationRoutes } from './public/organization.routes.ts';
import { publicDeliveryRoutes } from './public/deliveries.routes.ts';
import { publicPolicyRoutes } from './public/policies.routes.ts';
import { publicRequestRoutes } from './public/requests.routes.ts';

export async function registerRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // Before any route: every /api/admin request is authenticated ahead of body parsing.
  installAdminGate(app, ctx);
  await app.register(healthRoutes(ctx));
  await app.register(docsRoutes());
  await app.register(authRoutes(ctx));
  await app.register(staffRoutes(ctx));
  await app.register(apiKeyRoutes(ctx));
  await app.register(auditRoutes(ctx));
  await app.register(mailboxRoutes(ctx));
  await app.register(inventoryRoutes(ctx));
  await app.register(apiKeyInfoRoutes(ctx));
  await app.register(adminLiteRoutes());
  await app.register(publicOrganizationRoutes(ctx));
  await app.register(organizationAdminRoutes(ctx));
  await app.register(policyAdminRoutes(ctx));
  await app.register(requestDecisionRoutes(ctx));
  await app.register(requestDeskRoutes(ctx));
  await app.register(publicPolicyRoutes(ctx));
  await app.register(publicRequestRoutes(ctx));
  await app.register(requestFindingsRoutes(ctx));
  await app.register(publicDeliveryRoutes(ctx));
}
