// Housekeeping of the public intake: once a day, the throttle windows that can no longer limit
// anything are deleted, so the counters table holds only the current day's keyed hashes.
import { z } from 'zod';
import { defineJob } from '../../jobs/job.types.ts';
import { defineSchedule } from '../../jobs/scheduler.ts';
import { LONGEST_THROTTLE_WINDOW_MS } from './intake.service.ts';
import { purgeThrottles } from './throttle.ts';

export const THROTTLE_PURGE_JOB_TYPE = 'requests.throttle_purge';

export const throttlePurgeJob = defineJob({
  type: THROTTLE_PURGE_JOB_TYPE,
  payload: z.strictObject({}),
  maxAttempts: 3,
  async handler(_payload, job) {
    const before = new Date(job.app.clock.now().getTime() - LONGEST_THROTTLE_WINDOW_MS);
    const { deleted } = await job.completeWith((trx) => purgeThrottles(trx, before));
    job.logger.info({ deleted }, 'old throttle windows purged');
  },
});

/** Every night at 03:30 Japan time. */
export const throttlePurgeSchedule = defineSchedule({
  name: 'requests.throttle-purge',
  every: { daily: { hour: 3, minute: 30 } },
  jobType: THROTTLE_PURGE_JOB_TYPE,
});
