// The job types and recurring schedules of the running application: the one list a worker
// process registers. Each domain adds its definitions (from its own x.jobs.ts) with one line.
import { emailSendJob } from '../domains/mail/mail.jobs.ts';
import { reviewReminderJob, reviewReminderSchedule } from '../domains/inventory/inventory.jobs.ts';
import type { JobDefinition } from './job.types.ts';
import { createJobRegistry, type JobRegistry } from './registry.ts';
import type { Schedule } from './scheduler.ts';

export const APP_JOBS: readonly JobDefinition[] = [emailSendJob, reviewReminderJob];

export const APP_SCHEDULES: readonly Schedule[] = [reviewReminderSchedule];

export function createAppJobRegistry(): JobRegistry {
  return createJobRegistry(APP_JOBS);
}
