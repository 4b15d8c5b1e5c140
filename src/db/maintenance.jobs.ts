// Database upkeep the embedded mode needs: PGlite runs PostgreSQL without autovacuum, so the
// planner's statistics go stale as consents and requests grow and indexed lookups turn into
// scans. A nightly ANALYZE keeps them current. On a PostgreSQL server autovacuum does this,
// and the job does nothing.
import { sql } from 'kysely';
import { z } from 'zod';
import { defineJob } from '../jobs/job.types.ts';
import { defineSchedule } from '../jobs/scheduler.ts';

export const ANALYZE_JOB_TYPE = 'db.analyze';

export const analyzeJob = defineJob({
  type: ANALYZE_JOB_TYPE,
  payload: z.strictObject({}),
  maxAttempts: 3,
  async handler(_payload, job) {
    if (job.app.dbKind !== 'pglite') return;
    const started = Date.now();
    await sql`analyze`.execute(job.app.db);
    job.logger.info({ ms: Date.now() - started }, 'statistics refreshed');
  },
});

/** Every night at 04:10 Japan time, after retention. */
export const analyzeSchedule = defineSchedule({
  name: 'db.analyze',
  every: { daily: { hour: 4, minute: 10 } },
  jobType: ANALYZE_JOB_TYPE,
});
