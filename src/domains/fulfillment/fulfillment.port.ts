// The seam between the request desk and whoever finds a person's data. When a request enters
// work, the job `requests.fulfillment_start` hands it to one provider: by default the manual
// desk, which puts a task on the timeline for staff to attach what they found; the engine of
// issue 5 is another provider that queries the data map and writes findings with source
// 'engine' (addEngineFindings). The desk never knows which one ran: both leave findings, and
// the decision and delivery read findings only.
import type { AppContext } from '../../app/context.ts';
import { SYSTEM_ACTOR } from '../audit/audit.actions.ts';
import { addEvent, lockRequest, type RequestRow } from '../requests/request.core.ts';
import { hasRequestEvent } from './fulfillment-start.repository.ts';

export interface FulfillmentProvider {
  /** Short, stable, recorded on the timeline (e.g. `manual`, `engine`). */
  name: string;
  /**
   * Starts answering `request` (status `in_progress`). Runs after the status change committed,
   * in a job that may be retried: it must be safe to call again for the same request. A provider
   * that hands a request on to another (the engine with nothing connected hands it to the manual
   * desk) says which one answered, and the timeline records that one.
   */
  start(ctx: AppContext, request: RequestRow): Promise<void | FulfillmentStarted>;
}

export interface FulfillmentStarted {
  /** The provider that actually took the request. */
  provider: string;
}

export const MANUAL_FULFILLMENT_EVENT = 'fulfillment.manual';
export const FULFILLMENT_STARTED_EVENT = 'fulfillment.started';

/** The manual desk: one timeline task asking staff to attach what they found, once. */
export const manualFulfillment: FulfillmentProvider = {
  name: 'manual',
  async start(ctx, request) {
    await ctx.db.transaction().execute(async (trx) => {
      await lockRequest(trx, request.id);
      if (await hasRequestEvent(trx, request.id, MANUAL_FULFILLMENT_EVENT)) return;
      await addEvent(trx, ctx, request.id, {
        kind: MANUAL_FULFILLMENT_EVENT,
        actor: SYSTEM_ACTOR,
        data: { provider: 'manual', task: 'attach_findings' },
        text: 'Attach what was found in each system (files or entered records) before submitting for review.',
        visibleToRequester: false,
      });
    });
  },
};

export function resolveFulfillment(ctx: Pick<AppContext, 'fulfillment'>): FulfillmentProvider {
  return ctx.fulfillment ?? manualFulfillment;
}
