// The nightly ANALYZE of the embedded mode: after it runs, the planner knows how many rows a
// table holds (PGlite has no autovacuum to tell it).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { analyzeSchedule } from '../../src/db/maintenance.jobs.ts';
import { createAppJobRegistry } from '../../src/jobs/app-jobs.ts';
import { enqueueDueSchedules } from '../../src/jobs/scheduler.ts';
import { runJobsUntilIdle } from '../../src/jobs/worker.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';

async function estimatedRows(t: TestApp, table: string): Promise<number> {
  const res = await sql<{ reltuples: number }>`select reltuples::float8 as reltuples from pg_class where relname = ${table}`.execute(t.ctx.db);
  return Number(res.rows[0]?.reltuples ?? -1);
}

for (const engine of ENGINES) {
  describe(`database maintenance (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(async () => {
      await t.close();
    });

    test('the nightly job refreshes the planner statistics in the embedded mode', async () => {
      await sql`insert into throttle_counters (key, window_start, count)
        select 'k' || g, now(), 1 from generate_series(1, 500) g`.execute(t.ctx.db);
      const created = await enqueueDueSchedules(t.ctx, [analyzeSchedule]);
      assert.equal(created[0]?.created, true);
      const summary = await runJobsUntilIdle(t.ctx, createAppJobRegistry());
      assert.ok(summary.succeeded >= 1, 'the job ran');
      if (engine === 'pglite') {
        assert.equal(await estimatedRows(t, 'throttle_counters'), 500, 'the planner counts the 500 rows');
      }
      const job = await t.ctx.db.selectFrom('jobs').select('status').where('type', '=', 'db.analyze').executeTakeFirstOrThrow();
      assert.equal(job.status, 'succeeded');
    });
  });
}
