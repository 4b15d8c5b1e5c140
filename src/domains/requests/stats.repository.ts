// SQL behind the desk's dashboard: counts of open requests by status and type, how many are
// due soon or overdue, how long closed requests took, and how many arrived and finished per
// month. Only counts and durations leave the database; no row of a request is read.
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import { FINAL_STATUSES } from './request.ts';

/** Japan has kept one offset all year since 1951; months are counted on its wall clock. */
const JST_OFFSET = sql.raw(`interval '9 hours'`);

export interface OpenCountRow {
  status: string;
  type: string;
  count: number;
}

export async function countOpenByStatusAndType(db: Db): Promise<OpenCountRow[]> {
  const rows = await db
    .selectFrom('requests')
    .select(['status', 'type', (eb) => eb.fn.countAll<number>().as('count')])
    .where('status', 'not in', [...FINAL_STATUSES])
    .groupBy(['status', 'type'])
    .execute();
  return rows.map((r) => ({ status: r.status, type: r.type, count: Number(r.count) }));
}

/** Open requests whose clock is running, due in [now, until], and those already past due. */
export async function countDeadlines(db: Db, now: Date, until: Date): Promise<{ dueSoon: number; overdue: number; paused: number }> {
  const row = await db
    .selectFrom('requests')
    .select([
      sql<number>`count(*) filter (where paused_at is null and due_at >= ${now} and due_at <= ${until})`.as('due_soon'),
      sql<number>`count(*) filter (where paused_at is null and due_at < ${now})`.as('overdue'),
      sql<number>`count(*) filter (where paused_at is not null)`.as('paused'),
    ])
    .where('status', 'not in', [...FINAL_STATUSES])
    .executeTakeFirstOrThrow();
  return { dueSoon: Number(row.due_soon), overdue: Number(row.overdue), paused: Number(row.paused) };
}

/**
 * Days from receipt to the answer for requests answered (completed, or closed with a reason)
 * since `since`: how many, the mean and the 90th percentile. Withdrawn requests are left out:
 * the office did not answer them.
 */
export async function completionDurations(db: Db, since: Date): Promise<{ count: number; averageDays: number | null; p90Days: number | null }> {
  const days = sql<number>`extract(epoch from (completed_at - received_at)) / 86400.0`;
  const row = await db
    .selectFrom('requests')
    .select([
      sql<number>`count(*)`.as('count'),
      sql<number | null>`avg(${days})::float8`.as('average_days'),
      sql<number | null>`(percentile_cont(0.9) within group (order by ${days}))::float8`.as('p90_days'),
    ])
    .where('status', 'in', ['completed', 'closed'])
    .where('completed_at', 'is not', null)
    .where('completed_at', '>=', since)
    .executeTakeFirstOrThrow();
  const num = (v: number | string | null) => (v === null ? null : Number(v));
  return { count: Number(row.count), averageDays: num(row.average_days), p90Days: num(row.p90_days) };
}

export interface MonthCountRow {
  /** YYYY-MM on the Japanese calendar. */
  month: string;
  count: number;
}

/** Requests received per month (Japan time) since `since`. */
export async function countReceivedByMonth(db: Db, since: Date): Promise<MonthCountRow[]> {
  const month = sql<string>`to_char((received_at at time zone 'UTC') + ${JST_OFFSET}, 'YYYY-MM')`;
  const rows = await db
    .selectFrom('requests')
    .select([month.as('month'), (eb) => eb.fn.countAll<number>().as('count')])
    .where('received_at', '>=', since)
    .groupBy(month)
    .execute();
  return rows.map((r) => ({ month: r.month, count: Number(r.count) }));
}

/** Requests answered (completed or closed) per month (Japan time) since `since`. */
export async function countAnsweredByMonth(db: Db, since: Date): Promise<MonthCountRow[]> {
  const month = sql<string>`to_char((completed_at at time zone 'UTC') + ${JST_OFFSET}, 'YYYY-MM')`;
  const rows = await db
    .selectFrom('requests')
    .select([month.as('month'), (eb) => eb.fn.countAll<number>().as('count')])
    .where('status', 'in', ['completed', 'closed'])
    .where('completed_at', 'is not', null)
    .where('completed_at', '>=', since)
    .groupBy(month)
    .execute();
  return rows.map((r) => ({ month: r.month, count: Number(r.count) }));
}
