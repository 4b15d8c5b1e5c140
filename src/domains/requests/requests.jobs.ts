// The deadline sweep of the request desk, every 15 minutes: requests left waiting on the
// requester past their reply day close (documents incomplete, fee unpaid) with a mail saying
// why; requests whose email address was never verified close after seven days, silently (the
// address was never proved); and staff are reminded once before the target day (the assignee,
// or every privacy officer when nobody is assigned) and once at escalation (the privacy
// officers). Each request is handled in its own transaction under its row lock, and every
// condition is checked again there, so two runs of the same slot change nothing twice.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { defineJob } from '../../jobs/job.types.ts';
import { defineSchedule } from '../../jobs/scheduler.ts';
import { DAY_MS, MINUTE_MS } from '../../lib/clock.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { queueEmail } from '../mail/mail.service.ts';
import * as repo from './desk.repository.ts';
import { closeWithReason } from './desk.service.ts';
import { isFinal } from './request-state.rules.ts';
import { lockRequest, publicUrl } from './request.core.ts';
import type { RequestStatus, RequestType } from './request.ts';

export const DEADLINE_SWEEP_JOB_TYPE = 'requests.deadline_sweep';
/** A request whose address is not verified within this many days closes. */
export const UNVERIFIED_EXPIRY_DAYS = 7;
/** Staff are reminded this many days before the target day. */
export const STAFF_REMINDER_DAYS_BEFORE = 3;
/** Requests handled per kind and run; the next run takes the rest. */
const BATCH = 500;

const SWEEP_ACTOR: Actor = { type: 'system', id: 'job:requests.deadline_sweep' };

export interface SweepRun {
  documentsClosed: string[];
  feeClosed: string[];
  unverifiedClosed: string[];
  dueSoonReminded: string[];
  escalated: string[];
}

type Outcome = 'done' | 'skip';

function requestUrl(ctx: Pick<AppContext, 'config'>, id: string): string {
  return publicUrl(ctx, `/admin/requests/${encodeURIComponent(id)}`);
}

/** Runs the sweep once at the clock's now; safe to run twice. */
export async function sweepRequestDeadlines(ctx: AppContext, meta: { requestId?: string | null } = {}): Promise<SweepRun> {
  const now = ctx.clock.now();
  const requestId = meta.requestId ?? null;
  const run: SweepRun = { documentsClosed: [], feeClosed: [], unverifiedClosed: [], dueSoonReminded: [], escalated: [] };

  for (const id of await repo.idsWaitingPastReply(ctx.db, 'awaiting_documents', now, BATCH)) {
    const outcome = await ctx.db.transaction().execute(async (trx): Promise<Outcome> => {
      const row = await lockRequest(trx, id);
      if (row.status !== 'awaiting_documents' || !row.reply_due_at || row.reply_due_at > now) return 'skip';
      await closeWithReason(trx, ctx, row, { event: 'documents_deadline_passed', reason: 'documents_incomplete', actor: SWEEP_ACTOR, requestId });
      return 'done';
    });
    if (outcome === 'done') run.documentsClosed.push(id);
  }

  for (const id of await repo.idsWaitingPastReply(ctx.db, 'awaiting_fee', now, BATCH)) {
    const outcome = await ctx.db.transaction().execute(async (trx): Promise<Outcome> => {
      const row = await lockRequest(trx, id);
      if (row.status !== 'awaiting_fee' || !row.reply_due_at || row.reply_due_at > now) return 'skip';
      await closeWithReason(trx, ctx, row, { event: 'fee_deadline_passed', reason: 'fee_unpaid', actor: SWEEP_ACTOR, requestId });
      return 'done';
    });
    if (outcome === 'done') run.feeClosed.push(id);
  }

  const unverifiedBefore = new Date(now.getTime() - UNVERIFIED_EXPIRY_DAYS * DAY_MS);
  for (const id of await repo.idsUnverifiedSince(ctx.db, unverifiedBefore, BATCH)) {
    const outcome = await ctx.db.transaction().execute(async (trx): Promise<Outcome> => {
      const row = await lockRequest(trx, id);
      if (row.status !== 'received' || row.email_verified_at !== null || row.received_at > unverifiedBefore) return 'skip';
      // closeWithReason sends nothing to an address that was never verified.
      await closeWithReason(trx, ctx, row, { event: 'expire_unverified', reason: 'email_not_verified', actor: SWEEP_ACTOR, requestId });
      return 'done';
    });
    if (outcome === 'done') run.unverifiedClosed.push(id);
  }

  const reminders: Array<{ which: 'target' | 'escalation'; threshold: Date; into: string[] }> = [
    { which: 'target', threshold: new Date(now.getTime() + STAFF_REMINDER_DAYS_BEFORE * DAY_MS), into: run.dueSoonReminded },
    { which: 'escalation', threshold: now, into: run.escalated },
  ];
  for (const { which, threshold, into } of reminders) {
    for (const id of await repo.idsToRemind(ctx.db, which, threshold, BATCH)) {
      const outcome = await ctx.db.transaction().execute(async (trx): Promise<Outcome> => {
        const row = await lockRequest(trx, id);
        const status = row.status as RequestStatus;
        const already = which === 'target' ? row.reminded_target_at : row.reminded_escalation_at;
        const at = which === 'target' ? row.due_at : row.escalation_at;
        if (isFinal(status) || status === 'received' || row.paused_at !== null || already !== null || at > threshold) return 'skip';
        const assignee = which === 'target' && row.assignee_id ? (await repo.findStaffSummaries(trx, [row.assignee_id])).filter((s) => s.status === 'active') : [];
        const recipients = assignee.length > 0 ? assignee : await repo.activeStaffWithRoles(trx, ['privacy_officer']);
        for (const staff of recipients) {
          const common = { displayName: staff.displayName, reference: row.reference, requestType: row.type as RequestType, dueAt: row.due_at, requestUrl: requestUrl(ctx, row.id) };
          await queueEmail(
            trx,
            ctx,
            which === 'target'
              ? { template: 'request.staff_due_soon', to: staff.email, language: 'ja', related: { type: 'request', id: row.id }, requestId, variables: common }
              : {
                  template: 'request.staff_escalated',
                  to: staff.email,
                  language: 'ja',
                  related: { type: 'request', id: row.id },
                  requestId,
                  variables: { ...common, escalationAt: row.escalation_at },
                },
          );
        }
        const updated = await repo.updateRequestColumns(trx, row, which === 'target' ? { reminded_target_at: now } : { reminded_escalation_at: now }, now);
        if (!updated) return 'skip';
        await appendAudit(trx, {
          action: 'request.deadline_reminded',
          actor: SWEEP_ACTOR,
          target: { type: 'request', id: row.id },
          requestId,
          details: {
            kind: which === 'target' ? 'due_soon' : 'escalated',
            recipients: recipients.map((s) => s.id),
            to: assignee.length > 0 ? 'assignee' : 'privacy_officers',
            dueAt: row.due_at.toISOString(),
            ...(which === 'escalation' ? { escalationAt: row.escalation_at.toISOString() } : {}),
          },
          at: now,
        });
        return 'done';
      });
      if (outcome === 'done') into.push(id);
    }
  }
  return run;
}

export const deadlineSweepJob = defineJob({
  type: DEADLINE_SWEEP_JOB_TYPE,
  payload: z.strictObject({}),
  maxAttempts: 3,
  async handler(_payload, job) {
    const run = await sweepRequestDeadlines(job.app, { requestId: job.jobId });
    job.logger.info(
      {
        documentsClosed: run.documentsClosed.length,
        feeClosed: run.feeClosed.length,
        unverifiedClosed: run.unverifiedClosed.length,
        dueSoonReminded: run.dueSoonReminded.length,
        escalated: run.escalated.length,
      },
      'request deadline sweep',
    );
  },
});

/** Every 15 minutes; the scheduler's idempotency key makes each slot run once. */
export const deadlineSweepSchedule = defineSchedule({
  name: 'requests.deadline-sweep',
  every: 15 * MINUTE_MS,
  jobType: DEADLINE_SWEEP_JOB_TYPE,
});
