// Recurring jobs. Time is cut into slots (every N ms, hourly at a minute, daily at a time of
// day); on each check the scheduler enqueues the current slot's job under the key
// `schedule:<name>:<slot start ISO>`. The queue's idempotency key makes that enqueue happen
// once per slot however many processes run a scheduler, and a slot missed while everything
// was down runs once when the next check comes, not once per missed slot.
import type { AppContext } from '../app/context.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../lib/clock.ts';
import { errorName } from './job-errors.ts';
import { enqueueJob } from './queue.ts';
import { assertJobType } from './registry.ts';

/** Japan Standard Time has no daylight saving, so a fixed offset is exact for it. */
export const JST_OFFSET_MINUTES = 9 * 60;

export type ScheduleEvery =
  | number
  | { hourly: { minute: number } }
  /** Local time of day at a fixed UTC offset (default +09:00, Japan). */
  | { daily: { hour: number; minute: number; utcOffsetMinutes?: number } };

export interface ScheduleInput {
  name: string;
  every: ScheduleEvery;
  jobType: string;
  payload?: Record<string, unknown>;
  maxAttempts?: number;
  priority?: number;
}

export interface Schedule {
  name: string;
  jobType: string;
  payload: Record<string, unknown>;
  /** Slots start at offsetMs + k · periodMs after the epoch. */
  periodMs: number;
  offsetMs: number;
  maxAttempts?: number;
  priority?: number;
}

const SCHEDULE_NAME = /^[a-z][a-z0-9_.-]{0,63}$/;

function wholeIn(value: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`${what} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function slotGrid(every: ScheduleEvery): { periodMs: number; offsetMs: number } {
  if (typeof every === 'number') {
    return { periodMs: wholeIn(every, 1_000, 31 * DAY_MS, 'every (ms)'), offsetMs: 0 };
  }
  if ('hourly' in every) {
    return { periodMs: HOUR_MS, offsetMs: wholeIn(every.hourly.minute, 0, 59, 'hourly.minute') * MINUTE_MS };
  }
  const hour = wholeIn(every.daily.hour, 0, 23, 'daily.hour');
  const minute = wholeIn(every.daily.minute, 0, 59, 'daily.minute');
  const offset = wholeIn(every.daily.utcOffsetMinutes ?? JST_OFFSET_MINUTES, -14 * 60, 14 * 60, 'daily.utcOffsetMinutes');
  const utcMinuteOfDay = (((hour * 60 + minute - offset) % 1440) + 1440) % 1440;
  return { periodMs: DAY_MS, offsetMs: utcMinuteOfDay * MINUTE_MS };
}

/** Declares a recurring job; a bad name or time is a programming error and throws. */
export function defineSchedule(input: ScheduleInput): Schedule {
  if (!SCHEDULE_NAME.test(input.name)) {
    throw new TypeError(`schedule name "${input.name.slice(0, 64)}" must be lower-case letters, digits, _ . - (at most 64)`);
  }
  assertJobType(input.jobType);
  return {
    name: input.name,
    jobType: input.jobType,
    payload: input.payload ?? {},
    ...slotGrid(input.every),
    ...(input.maxAttempts === undefined ? {} : { maxAttempts: input.maxAttempts }),
    ...(input.priority === undefined ? {} : { priority: input.priority }),
  };
}

/** The start of the slot that contains `now`. */
export function slotStart(schedule: Pick<Schedule, 'periodMs' | 'offsetMs'>, now: Date): Date {
  const k = Math.floor((now.getTime() - schedule.offsetMs) / schedule.periodMs);
  return new Date(k * schedule.periodMs + schedule.offsetMs);
}

export function scheduleIdempotencyKey(schedule: Pick<Schedule, 'name'>, slot: Date): string {
  return `schedule:${schedule.name}:${slot.toISOString()}`;
}

export interface ScheduledEnqueue {
  name: string;
  slot: Date;
  jobId: string;
  created: boolean;
}

/** One check: enqueues the current slot of every schedule (no-op for slots already enqueued). */
export async function enqueueDueSchedules(ctx: AppContext, schedules: readonly Schedule[]): Promise<ScheduledEnqueue[]> {
  const now = ctx.clock.now();
  const results: ScheduledEnqueue[] = [];
  for (const schedule of schedules) {
    const slot = slotStart(schedule, now);
    const { id, created } = await enqueueJob(
      ctx.db,
      {
        type: schedule.jobType,
        payload: schedule.payload,
        runAt: slot,
        idempotencyKey: scheduleIdempotencyKey(schedule, slot),
        ...(schedule.maxAttempts === undefined ? {} : { maxAttempts: schedule.maxAttempts }),
        ...(schedule.priority === undefined ? {} : { priority: schedule.priority }),
      },
      now,
    );
    if (created) ctx.logger.info({ schedule: schedule.name, slot: slot.toISOString(), jobId: id }, 'scheduled job enqueued');
    results.push({ name: schedule.name, slot, jobId: id, created });
  }
  return results;
}

export interface SchedulerOptions {
  /** How often to check (default: every 30 s, or the shortest period if that is shorter). */
  checkMs?: number;
  /** Called after a check that enqueued something, e.g. `() => worker.wake()`. */
  onEnqueued?: (enqueued: ScheduledEnqueue[]) => void;
}

export interface Scheduler {
  /** Runs one check now (after any check in progress). */
  tick(): Promise<ScheduledEnqueue[]>;
  stop(): Promise<void>;
}

/** Checks the schedules at once and then on a timer until stopped. */
export function startScheduler(ctx: AppContext, schedules: readonly Schedule[], options: SchedulerOptions = {}): Scheduler {
  const shortest = schedules.reduce((min, s) => Math.min(min, s.periodMs), 30_000);
  const checkMs = Math.max(50, options.checkMs ?? shortest);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // Checks run one after another, never overlapping.
  let chain: Promise<unknown> = Promise.resolve();

  const tick = (): Promise<ScheduledEnqueue[]> => {
    const run = chain.then(async () => {
      const enqueued = await enqueueDueSchedules(ctx, schedules);
      const created = enqueued.filter((e) => e.created);
      if (created.length > 0) options.onEnqueued?.(created);
      return enqueued;
    });
    chain = run.catch(() => undefined);
    return run;
  };

  const loop = (): void => {
    if (stopped) return;
    tick()
      .catch((err: unknown) => ctx.logger.warn({ errorName: errorName(err) }, 'schedule check failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, checkMs);
      });
  };
  loop();

  return {
    tick,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await chain;
    },
  };
}
