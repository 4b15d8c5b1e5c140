// The fulfilment engine as the request desk's provider (the seam of fulfillment.port.ts). It is
// always installed by bootstrap: for a request whose type the engine answers, and a data map
// with at least one connected system, it searches (or prepares an erasure) from the request's
// identities; otherwise it hands the request to the manual desk. Kept free of the connectors
// themselves (loaded on first use) so that every CLI command can boot without them.
import type { AppContext } from '../../app/context.ts';
import type { RequestRow } from '../requests/request.core.ts';
import type { EngineContext } from './engine.service.ts';
import type { FulfillmentProvider, FulfillmentStarted } from './fulfillment.port.ts';

export const ENGINE_PROVIDER_NAME = 'engine';

export interface EngineProviderOptions {
  /** Retry and paging of the engine's queries (tests shorten the retries). */
  engine?: EngineContext['options'];
}

/** The engine provider; `options` tune the engine's own retries, not the job's. */
export function createEngineFulfillment(options: EngineProviderOptions = {}): FulfillmentProvider {
  return {
    name: ENGINE_PROVIDER_NAME,
    async start(ctx: AppContext, request: RequestRow): Promise<FulfillmentStarted> {
      const { startEngineFulfillment } = await import('./engine-prepare.service.ts');
      return startEngineFulfillment(ctx, request, options.engine ? { engine: options.engine } : {});
    },
  };
}

export const engineFulfillment: FulfillmentProvider = createEngineFulfillment();
