// The desk's dashboard in numbers: what is open (by status and type), what is due soon or
// overdue, how long answers took (mean and 90th percentile), and requests received and
// answered per month on the Japanese calendar. Counts only: nothing personal is read.
import type { Db } from '../../db/database.ts';
import type { Clock } from '../../lib/clock.ts';
import * as repo from './stats.repository.ts';
import { FINAL_STATUSES, REQUEST_STATUSES, REQUEST_TYPES, type RequestStatus, type RequestType } from './request.ts';

const DAY_MS = 86_400_000;
const JST_OFFSET_MS = 9 * 3_600_000;

export const STATS_MONTHS_DEFAULT = 12;
export const STATS_MONTHS_MAX = 36;
export const DUE_SOON_DAYS_DEFAULT = 7;

export interface RequestStats {
  asOf: Date;
  open: {
    total: number;
    byStatus: Array<{ status: RequestStatus; count: number }>;
    byType: Array<{ type: RequestType; count: number }>;
    /** Each status × type pair that has open requests. */
    cells: Array<{ status: RequestStatus; type: RequestType; count: number }>;
  };
  deadlines: { dueSoonDays: number; dueSoon: number; overdue: number; paused: number };
  /** Requests answered since the first month shown. */
  completion: { since: Date; count: number; averageDays: number | null; p90Days: number | null };
  months: Array<{ month: string; received: number; answered: number }>;
}

/**
 * The last `count` calendar months in Japan, oldest first, as YYYY-MM, and the instant the
 * first of them began.
 */
export function japanMonths(now: Date, count: number): { months: string[]; since: Date } {
  const local = new Date(now.getTime() + JST_OFFSET_MS);
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth();
  const months: string[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(year, month - i, 1));
    months.push(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
  }
  const since = new Date(Date.UTC(year, month - (count - 1), 1) - JST_OFFSET_MS);
  return { months, since };
}

const isStatus = (s: string): s is RequestStatus => (REQUEST_STATUSES as readonly string[]).includes(s);
const isType = (s: string): s is RequestType => (REQUEST_TYPES as readonly string[]).includes(s);

export async function getRequestStats(
  ctx: { db: Db; clock: Clock },
  options: { months?: number; dueSoonDays?: number } = {},
): Promise<RequestStats> {
  const now = ctx.clock.now();
  const monthCount = Math.min(Math.max(1, options.months ?? STATS_MONTHS_DEFAULT), STATS_MONTHS_MAX);
  const dueSoonDays = Math.max(0, options.dueSoonDays ?? DUE_SOON_DAYS_DEFAULT);
  const { months, since } = japanMonths(now, monthCount);

  const cells = (await repo.countOpenByStatusAndType(ctx.db)).flatMap((r) =>
    isStatus(r.status) && isType(r.type) ? [{ status: r.status, type: r.type, count: r.count }] : [],
  );
  const deadlines = await repo.countDeadlines(ctx.db, now, new Date(now.getTime() + dueSoonDays * DAY_MS));
  const completion = await repo.completionDurations(ctx.db, since);
  const received = new Map((await repo.countReceivedByMonth(ctx.db, since)).map((r) => [r.month, r.count]));
  const answered = new Map((await repo.countAnsweredByMonth(ctx.db, since)).map((r) => [r.month, r.count]));

  const sum = (pick: (c: (typeof cells)[number]) => boolean) => cells.filter(pick).reduce((n, c) => n + c.count, 0);
  return {
    asOf: now,
    open: {
      total: sum(() => true),
      // Every status and type is listed, zero or not, so a chart keeps its shape.
      byStatus: REQUEST_STATUSES.filter((s) => !FINAL_STATUSES.includes(s)).map((status) => ({
        status,
        count: sum((c) => c.status === status),
      })),
      byType: REQUEST_TYPES.map((type) => ({ type, count: sum((c) => c.type === type) })),
      cells,
    },
    deadlines: { dueSoonDays, ...deadlines },
    completion: { since, ...completion },
    months: months.map((month) => ({ month, received: received.get(month) ?? 0, answered: answered.get(month) ?? 0 })),
  };
}
