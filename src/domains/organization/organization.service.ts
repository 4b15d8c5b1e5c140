// Use cases for the organisation profile. Seeding the sample organisation happens once per
// database, guarded by a state flag so several processes starting together seed it once.
import type { AppContext } from '../../app/context.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { SYSTEM_ACTOR } from '../audit/audit.actions.ts';
import * as repo from './organization.repository.ts';
import { SAMPLE_ORGANIZATION } from './sample-organization.ts';

export async function seedSampleOrganization(ctx: AppContext): Promise<{ seeded: boolean }> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    if (!(await repo.claimState(trx, 'sample_organization_seeded', { at: now.toISOString() }, now))) {
      return { seeded: false };
    }
    if (await repo.findOrganization(trx)) return { seeded: false };
    await repo.insertOrganization(trx, { id: SAMPLE_ORGANIZATION.id, nameJa: SAMPLE_ORGANIZATION.nameJa, nameEn: SAMPLE_ORGANIZATION.nameEn, now });
    await appendAudit(trx, {
      action: 'organization.seeded',
      actor: SYSTEM_ACTOR,
      target: { type: 'organization', id: SAMPLE_ORGANIZATION.id },
      at: now,
    });
    return { seeded: true };
  });
}

export async function getOrganization(ctx: AppContext) {
  const row = await repo.findOrganization(ctx.db);
  return row ? { id: row.id, nameJa: row.name_ja, nameEn: row.name_en } : null;
}
