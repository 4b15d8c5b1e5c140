// The job `fulfillment.execute`: approving a suspension, correction or stop of provision as done
// enqueues it in the approval's transaction; it carries the measure out in the company's
// systems (engine-execute.service.ts) after the approval committed. Failures worth retrying
// (a system down) make the job retry with backoff; the erasure resumes where it stopped.
// Loaded by every process that registers jobs: the engine itself is imported on first run.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import { defineJob } from '../../jobs/job.types.ts';
import { enqueueDefined } from '../../jobs/queue.ts';
import type { RequestRow } from '../requests/request.core.ts';

export const FULFILLMENT_EXECUTE_JOB = 'fulfillment.execute';

export const ZFulfillmentExecutePayload = z.strictObject({
  requestId: z.string().min(1).max(100),
  decisionId: z.string().min(1).max(100),
});

/** Request types whose approved "done" the engine carries out. */
const EXECUTED_TYPES: readonly string[] = ['suspension', 'correction', 'stop_provision'];

export const fulfillmentExecuteJob = defineJob({
  type: FULFILLMENT_EXECUTE_JOB,
  payload: ZFulfillmentExecutePayload,
  maxAttempts: 8,
  leaseMs: 5 * 60_000,
  async handler({ requestId, decisionId }, job) {
    const { executeApprovedMeasure } = await import('./engine-execute.service.ts');
    const result = await executeApprovedMeasure(job.app, requestId, decisionId, { traceId: job.jobId });
    job.logger.info({ requestId, decisionId, status: result.status, changed: result.changed, failed: result.retryable.length }, 'fulfilment execute');
    if (result.retryable.length > 0) {
      throw new Error(`fulfilment execution incomplete: ${result.retryable.map((f) => `${f.node} ${f.code}`).join(', ').slice(0, 200)}`);
    }
  },
});

/**
 * In the approval's transaction: when the approved decision is a measure taken ("done") of a
 * type the engine carries out, enqueue its execution (once per decision).
 */
export async function enqueueFulfillmentExecution(trx: Db, ctx: Pick<AppContext, 'clock'>, row: Pick<RequestRow, 'id' | 'type'>, decision: { id: string; outcome: string }): Promise<void> {
  if (!EXECUTED_TYPES.includes(row.type) || decision.outcome !== 'done') return;
  await enqueueDefined(trx, fulfillmentExecuteJob, { requestId: row.id, decisionId: decision.id }, { idempotencyKey: `fulfil-execute:${decision.id}` }, ctx.clock.now());
}
