// The job types and recurring schedules of the running application: the one list a worker
// process registers. Each domain adds its definitions (from its own x.jobs.ts) with one line.
import { emailSendJob } from '../domains/mail/mail.jobs.ts';
import { reviewReminderJob, reviewReminderSchedule } from '../domains/inventory/inventory.jobs.ts';
import { retentionJob, retentionSchedule } from '../domains/retention/retention.jobs.ts';
import { deadlineSweepJob, deadlineSweepSchedule } from '../domains/requests/requests.jobs.ts';
import { downloadExpiryJob, downloadExpirySchedule } from '../domains/delivery/delivery.jobs.ts';
import { fulfillmentStartJob } from '../domains/fulfillment/fulfillment.jobs.ts';
import { fulfillmentExecuteJob } from '../domains/fulfillment/engine.jobs.ts';
import { throttlePurgeJob, throttlePurgeSchedule } from '../domains/requests/intake.jobs.ts';
import { analyzeJob, analyzeSchedule } from '../db/maintenance.jobs.ts';
import type { JobDefinition } from './job.types.ts';
import { createJobRegistry, type JobRegistry } from './registry.ts';
import type { Schedule } from './scheduler.ts';

export const APP_JOBS: readonly JobDefinition[] = [analyzeJob, emailSendJob, reviewReminderJob, retentionJob, deadlineSweepJob, fulfillmentStartJob, fulfillmentExecuteJob, downloadExpiryJob, throttlePurgeJob];

export const APP_SCHEDULES: readonly Schedule[] = [analyzeSchedule, reviewReminderSchedule, retentionSchedule, deadlineSweepSchedule, downloadExpirySchedule, throttlePurgeSchedule];

export function createAppJobRegistry(): JobRegistry {
  return createJobRegistry(APP_JOBS);
}
