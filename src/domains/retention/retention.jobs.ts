// The daily retention run. The scheduler enqueues one job per day (its idempotency key is the
// slot), and the run itself re-checks each request under its lock, so a retried or doubled job
// disposes of nothing twice.
import { z } from 'zod';
import { defineJob } from '../../jobs/job.types.ts';
import { defineSchedule } from '../../jobs/scheduler.ts';
import { runRetention } from './retention.service.ts';

export const RETENTION_JOB_TYPE = 'retention.run';

export const retentionJob = defineJob({
  type: RETENTION_JOB_TYPE,
  payload: z.strictObject({}),
  maxAttempts: 5,
  // A backlog of many requests can take a while; the worker renews the lease meanwhile.
  leaseMs: 120_000,
  async handler(_payload, job) {
    const run = await runRetention(job.app, { now: job.app.clock.now(), dryRun: false, requestId: job.jobId });
    job.logger.info({ requests: run.disposed, items: run.items, failed: run.failed.length }, 'retention run finished');
    // A retry runs the whole pass again; what was disposed of is skipped, the failed ones are retried.
    if (run.failed.length > 0) throw new Error(`retention could not dispose of ${run.failed.length} request(s): ${run.failed.map((f) => f.id).join(', ').slice(0, 500)}`);
  },
});

/** Every night at 03:30 Japan time, when the desk is quiet. */
export const retentionSchedule = defineSchedule({
  name: 'retention.daily',
  every: { daily: { hour: 3, minute: 30 } },
  jobType: RETENTION_JOB_TYPE,
  maxAttempts: 5,
});
