// The job `requests.fulfillment_start`: request.core enqueues it in the transaction that moves a
// request into `in_progress`; it runs the fulfilment provider and then records on the timeline
// that fulfilment started, together with the job's success. A second run finds that event and
// does nothing; a request withdrawn before the job ran is left alone.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import { defineJob } from '../../jobs/job.types.ts';
import { SYSTEM_ACTOR } from '../audit/audit.actions.ts';
import { addEvent, findRequest, FULFILLMENT_START_JOB, lockRequest } from '../requests/request.core.ts';
import { FULFILLMENT_STARTED_EVENT, resolveFulfillment } from './fulfillment.port.ts';
import { hasRequestEvent } from './fulfillment-start.repository.ts';

export const ZFulfillmentStartPayload = z.strictObject({ requestId: z.string().min(1).max(100) });

export type FulfillmentStartOutcome = 'started' | 'already_started' | 'not_in_progress' | 'not_found';

/** Runs the provider for one request; `complete` commits the final writes (the job's lease). */
export async function startFulfillment(
  ctx: AppContext,
  requestId: string,
  complete: <T>(fn: (trx: Db) => Promise<T>) => Promise<T> = (fn) => ctx.db.transaction().execute(fn),
): Promise<FulfillmentStartOutcome> {
  const row = await findRequest(ctx.db, requestId);
  if (!row) return 'not_found';
  if (row.status !== 'in_progress') return 'not_in_progress';
  if (await hasRequestEvent(ctx.db, requestId, FULFILLMENT_STARTED_EVENT)) return 'already_started';
  const provider = resolveFulfillment(ctx);
  const started = await provider.start(ctx, row);
  const providerName = started?.provider ?? provider.name;
  return complete(async (trx) => {
    await lockRequest(trx, requestId);
    if (await hasRequestEvent(trx, requestId, FULFILLMENT_STARTED_EVENT)) return 'already_started' as const;
    await addEvent(trx, ctx, requestId, {
      kind: FULFILLMENT_STARTED_EVENT,
      actor: SYSTEM_ACTOR,
      data: { provider: providerName },
      visibleToRequester: false,
    });
    return 'started' as const;
  });
}

export const fulfillmentStartJob = defineJob({
  type: FULFILLMENT_START_JOB,
  payload: ZFulfillmentStartPayload,
  maxAttempts: 8,
  // The engine may query many systems; the worker renews the lease while it runs.
  leaseMs: 5 * 60_000,
  async handler({ requestId }, job) {
    const outcome = await startFulfillment(job.app, requestId, (fn) => job.completeWith(fn));
    job.logger.info({ requestId, outcome }, 'fulfilment start');
  },
});
