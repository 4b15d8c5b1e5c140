// The annual-review reminder: once a day, every system whose ledger review is overdue
// (isReviewOverdue) and whose owner has not been reminded in the last 30 days gets one email to
// its owner, queued in the same transaction that records the reminder, so a second run of the
// job (or a second worker) sends nothing twice.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { defineJob } from '../../jobs/job.types.ts';
import { defineSchedule } from '../../jobs/scheduler.ts';
import { SYSTEM_ACTOR } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { queueEmail } from '../mail/mail.service.ts';
import { findStaffById } from '../staff/staff.repository.ts';
import { reviewDueOn, shouldRemindOfReview } from './datamap.rules.ts';
import { DEFAULT_REVIEW_INTERVAL_MONTHS, type SystemReview } from './datamap.types.ts';
import * as repo from './inventory.repository.ts';

export const REVIEW_REMINDER_JOB_TYPE = 'inventory.review_reminders';

function reviewOf(row: repo.SystemRow): SystemReview | undefined {
  if (row.last_reviewed_on === null || row.reviewer_staff_id === null) return undefined;
  return { lastReviewedOn: row.last_reviewed_on, reviewer: row.reviewer_staff_id, intervalMonths: row.review_interval_months ?? DEFAULT_REVIEW_INTERVAL_MONTHS };
}

export interface ReminderRun {
  reminded: string[];
  /** Overdue systems nobody could be told about: no owner, or the owner is not an active staff member. */
  noOwner: string[];
}

/** Reminds the owners of overdue systems; safe to run twice. */
export async function remindOverdueReviews(ctx: AppContext, meta: { requestId?: string | null } = {}): Promise<ReminderRun> {
  const now = ctx.clock.now();
  const run: ReminderRun = { reminded: [], noOwner: [] };
  for (const candidate of await repo.listSystems(ctx.db)) {
    if (!shouldRemindOfReview({ review: reviewOf(candidate) }, candidate.review_reminded_at, now)) continue;
    const outcome = await ctx.db.transaction().execute(async (trx) => {
      // Re-checked under the row lock: another worker may have reminded in the meantime.
      const row = await repo.lockSystemById(trx, candidate.id);
      if (!row) return 'skip' as const;
      const review = reviewOf(row);
      if (!shouldRemindOfReview({ review }, row.review_reminded_at, now)) return 'skip' as const;
      const owner = row.owner_staff_id === null ? undefined : await findStaffById(trx, row.owner_staff_id);
      if (!owner || owner.status !== 'active') return 'no_owner' as const;
      const dueOn = reviewDueOn({ review });
      await queueEmail(trx, ctx, {
        template: 'inventory.review_overdue',
        to: owner.email,
        language: 'ja',
        related: { type: 'inventory_system', id: row.id },
        requestId: meta.requestId ?? null,
        variables: {
          displayName: owner.display_name,
          systemName: row.title ?? row.name,
          ...(dueOn === null ? {} : { dueOn }),
          mapUrl: `${ctx.config.http.baseUrl}/admin/inventory/${encodeURIComponent(row.name)}`,
        },
      });
      await repo.markReviewReminded(trx, row.id, now);
      await appendAudit(trx, {
        action: 'datamap.review_reminded',
        actor: SYSTEM_ACTOR,
        target: { type: 'inventory_system', id: row.id },
        requestId: meta.requestId ?? null,
        details: { system: row.name, dueOn, owner: row.owner_staff_id },
        at: now,
      });
      return 'reminded' as const;
    });
    if (outcome === 'reminded') run.reminded.push(candidate.name);
    if (outcome === 'no_owner') run.noOwner.push(candidate.name);
  }
  return run;
}

export const reviewReminderJob = defineJob({
  type: REVIEW_REMINDER_JOB_TYPE,
  payload: z.strictObject({}),
  maxAttempts: 3,
  async handler(_payload, job) {
    const run = await remindOverdueReviews(job.app, { requestId: job.jobId });
    job.logger.info({ reminded: run.reminded.length, withoutOwner: run.noOwner.length }, 'ledger review reminders');
  },
});

/** Every morning at 09:00 Japan time. */
export const reviewReminderSchedule = defineSchedule({
  name: 'inventory.review-reminders',
  every: { daily: { hour: 9, minute: 0 } },
  jobType: REVIEW_REMINDER_JOB_TYPE,
});
