// The expiry reminder: every hour, each download link that nobody has used and that stops
// working within two days gets one mail to the verified address (shouldWarnOfExpiry), queued in
// the transaction that marks the link warned, so a second run or a second worker sends nothing
// twice. The mail cannot repeat the link (only its hash is kept); it points to the first mail.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { defineJob } from '../../jobs/job.types.ts';
import { defineSchedule } from '../../jobs/scheduler.ts';
import { SYSTEM_ACTOR } from '../audit/audit.actions.ts';
import { addEvent, emailRequester, lockRequest } from '../requests/request.core.ts';
import * as repo from './delivery.repository.ts';
import { EXPIRY_WARNING_MS, shouldWarnOfExpiry } from './delivery.rules.ts';

export const DOWNLOAD_EXPIRY_JOB_TYPE = 'requests.download_expiry_warnings';
const BATCH = 200;

function factsOf(d: repo.DeliveryRow) {
  return {
    method: d.method,
    expiresAt: d.expires_at,
    maxDownloads: d.max_downloads,
    downloads: d.downloads,
    revokedAt: d.revoked_at,
    createdAt: d.created_at,
    expiryWarnedAt: d.expiry_warned_at,
  };
}

/** Warns the holders of links about to expire unused; safe to run twice. */
export async function warnExpiringDownloads(ctx: AppContext): Promise<{ warned: number }> {
  const now = ctx.clock.now();
  const candidates = await repo.listExpiryWarningCandidates(ctx.db, now, new Date(now.getTime() + EXPIRY_WARNING_MS), BATCH);
  let warned = 0;
  for (const candidate of candidates) {
    if (!shouldWarnOfExpiry(factsOf(candidate), now)) continue;
    const sent = await ctx.db.transaction().execute(async (trx) => {
      const request = await lockRequest(trx, candidate.request_id);
      // Re-checked under the lock: the person may have downloaded, or another run warned.
      const d = await repo.lockDelivery(trx, candidate.request_id, candidate.id);
      if (!d || !shouldWarnOfExpiry(factsOf(d), now) || !d.expires_at) return false;
      await repo.markExpiryWarned(trx, d.id, now);
      // Contact data disposed of under retention: nobody to write to; the mark stops retries.
      if (!request.subject_blob_id) return false;
      await emailRequester(trx, ctx, request, 'request.download_expiring', { reference: request.reference, expiresAt: d.expires_at, sentAt: d.created_at });
      await addEvent(trx, ctx, request.id, { kind: 'delivery.expiry_warned', actor: SYSTEM_ACTOR, data: { deliveryId: d.id }, visibleToRequester: false });
      return true;
    });
    if (sent) warned += 1;
  }
  return { warned };
}

export const downloadExpiryJob = defineJob({
  type: DOWNLOAD_EXPIRY_JOB_TYPE,
  payload: z.strictObject({}),
  maxAttempts: 3,
  async handler(_payload, job) {
    const run = await warnExpiringDownloads(job.app);
    job.logger.info({ warned: run.warned }, 'download expiry warnings');
  },
});

/** Hourly, so a two-day warning lands within the hour wherever the link's expiry falls. */
export const downloadExpirySchedule = defineSchedule({
  name: 'requests.download-expiry-warnings',
  every: { hourly: { minute: 20 } },
  jobType: DOWNLOAD_EXPIRY_JOB_TYPE,
});
