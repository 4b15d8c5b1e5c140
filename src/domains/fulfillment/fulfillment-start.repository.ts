// Queries of the fulfilment seam: whether a request's timeline already records a step, so that
// starting fulfilment twice (a retried job, a second worker) does the work once.
import type { Db } from '../../db/database.ts';

export async function hasRequestEvent(db: Db, requestId: string, kind: string): Promise<boolean> {
  const row = await db
    .selectFrom('request_events')
    .select('id')
    .where('request_id', '=', requestId)
    .where('kind', '=', kind)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
