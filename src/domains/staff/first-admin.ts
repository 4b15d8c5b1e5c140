// The first administrator of a new installation. `madoguchi start` calls this: with no staff
// at all it creates the administrator; while that administrator has still not chosen a
// password (the first link was missed or expired), each start issues a fresh one-time link.
import type { AppContext } from '../../app/context.ts';
import { SYSTEM_ACTOR } from '../audit/audit.actions.ts';
import { createStaff, issueSetupLink } from './staff.service.ts';

export async function ensureFirstAdministrator(
  ctx: AppContext,
  email = 'admin@example.com',
): Promise<{ email: string; setupLink: string } | null> {
  const actor = { ...SYSTEM_ACTOR, id: 'madoguchi start' };
  const staff = await ctx.db.selectFrom('staff').select(['id', 'email', 'role', 'password_hash', 'status']).limit(2).execute();
  if (staff.length === 0) {
    const created = await createStaff(ctx, { email, role: 'admin', displayName: 'Administrator' }, actor);
    return { email: created.staff.email, setupLink: created.setupLink };
  }
  if (staff.length === 1) {
    const only = staff[0];
    if (only && only.role === 'admin' && only.password_hash === null && only.status === 'active') {
      const link = await issueSetupLink(ctx, only.id, actor);
      return { email: only.email, setupLink: link.setupLink };
    }
  }
  return null;
}
