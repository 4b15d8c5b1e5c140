// The `email.send` job: delivers one outbox message. Its final writes go through the job's
// lease-guarded completion, so a message is marked sent exactly once; a message that is no
// longer pending is left alone, which makes a second run harmless. Delivery that may work later
// (the server is down, a 4xx answer) throws, and the queue retries with backoff.
import { defineJob } from '../../jobs/job.types.ts';
import { deliverOutboxMessage } from './mail.service.ts';
import { EMAIL_SEND_JOB_TYPE, EMAIL_SEND_MAX_ATTEMPTS, ZEmailSendPayload } from './mail.types.ts';

export class EmailDeliveryDeferredError extends Error {
  constructor(outboxId: string, reason: string) {
    super(`email ${outboxId} not delivered yet: ${reason}`);
    this.name = 'EmailDeliveryDeferredError';
  }
}

export const emailSendJob = defineJob({
  type: EMAIL_SEND_JOB_TYPE,
  payload: ZEmailSendPayload,
  maxAttempts: EMAIL_SEND_MAX_ATTEMPTS,
  async handler({ outboxId }, jctx) {
    const result = await deliverOutboxMessage(jctx.app, outboxId, (fn) => jctx.completeWith(fn));
    if (result.status === 'retry') throw new EmailDeliveryDeferredError(outboxId, result.reason);
  },
});
