import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { REQUEST_STATUSES, type RequestStatus } from '../../src/domains/requests/request.ts';
import {
  REQUEST_EVENTS,
  canHappen,
  clockAfter,
  eventsFrom,
  initialClock,
  isFinal,
  nextStatus,
  type RequestEvent,
} from '../../src/domains/requests/request-state.rules.ts';
import { AppError } from '../../src/lib/errors.ts';

const DAY = 86_400_000;
const OPEN: RequestStatus[] = ['received', 'identity_review', 'awaiting_documents', 'awaiting_fee', 'in_progress', 'in_review'];

/** The lifecycle of issue 4, written out by hand: every move that may happen, and nothing else. */
const LIFECYCLE: [RequestStatus, RequestEvent, RequestStatus][] = [
  ['received', 'verify_email', 'identity_review'],
  ['received', 'expire_unverified', 'closed'],
  ['identity_review', 'request_documents', 'awaiting_documents'],
  ['awaiting_documents', 'documents_received', 'identity_review'],
  ['awaiting_documents', 'documents_deadline_passed', 'closed'],
  ['identity_review', 'identity_verified_fee_due', 'awaiting_fee'],
  ['identity_review', 'identity_verified', 'in_progress'],
  ['identity_review', 'identity_rejected', 'closed'],
  ['awaiting_fee', 'fee_settled', 'in_progress'],
  ['awaiting_fee', 'fee_deadline_passed', 'closed'],
  ['in_progress', 'submit_for_review', 'in_review'],
  ['in_review', 'return_to_progress', 'in_progress'],
  ['in_review', 'approve_completed', 'completed'],
  ['in_review', 'approve_closed', 'closed'],
  ...OPEN.map((s): [RequestStatus, RequestEvent, RequestStatus] => [s, 'withdraw', 'withdrawn']),
];

describe('the request state machine', () => {
  test('every move of the lifecycle is allowed and leads where the lifecycle says', () => {
    for (const [from, event, to] of LIFECYCLE) {
      assert.equal(nextStatus(from, event), to, `${from} --${event}-->`);
    }
  });

  test('every other pair of status and event is refused with invalid_transition (409)', () => {
    let refused = 0;
    for (const from of REQUEST_STATUSES) {
      for (const event of REQUEST_EVENTS) {
        const allowed = LIFECYCLE.some(([f, e]) => f === from && e === event);
        assert.equal(canHappen(from, event), allowed, `${from} / ${event}`);
        if (allowed) continue;
        refused += 1;
        assert.throws(
          () => nextStatus(from, event),
          (err: unknown) => err instanceof AppError && err.code === 'invalid_transition' && err.status === 409,
        );
      }
    }
    assert.equal(refused, REQUEST_STATUSES.length * REQUEST_EVENTS.length - LIFECYCLE.length);
  });

  test('a completed, closed or withdrawn request does not move again', () => {
    for (const status of ['completed', 'closed', 'withdrawn'] as const) {
      assert.equal(isFinal(status), true);
      assert.deepEqual(eventsFrom(status), []);
    }
  });

  test('the actions offered for a status are exactly the events possible from it', () => {
    assert.deepEqual(eventsFrom('identity_review'), ['request_documents', 'identity_verified_fee_due', 'identity_verified', 'identity_rejected', 'withdraw']);
    assert.deepEqual(eventsFrom('awaiting_fee'), ['fee_settled', 'fee_deadline_passed', 'withdraw']);
    assert.deepEqual(eventsFrom('received'), ['verify_email', 'expire_unverified', 'withdraw']);
  });

  test('the fee can only be settled while it is awaited, and a request is only approved from review', () => {
    assert.throws(
      () => nextStatus('identity_review', 'fee_settled'),
      (err: unknown) => err instanceof AppError && err.details.some((d) => d.message === '"fee_settled" is not possible while the request is "identity_review"'),
    );
    assert.throws(() => nextStatus('in_progress', 'approve_completed'), AppError);
  });
});

describe('the answer clock', () => {
  const received = new Date('2026-12-01T00:00:00Z');
  const deadlines = { targetDays: 14, escalationDays: 30 };

  test('the target and escalation days run from receipt', () => {
    const clock = initialClock(received, deadlines);
    assert.equal(clock.dueAt.toISOString(), '2026-12-15T00:00:00.000Z');
    assert.equal(clock.escalationAt.toISOString(), '2026-12-31T00:00:00.000Z');
    assert.equal(clock.pausedAt, null);
    assert.equal(clock.pausedMs, 0);
  });

  test('waiting on the requester pauses the clock, and the days waited push both deadlines back', () => {
    let clock = initialClock(received, deadlines);
    const asked = new Date(received.getTime() + 2 * DAY);
    clock = clockAfter(clock, 'identity_review', 'awaiting_documents', asked, true);
    assert.equal(clock.pausedAt?.toISOString(), asked.toISOString());
    assert.equal(clock.dueAt.toISOString(), '2026-12-15T00:00:00.000Z', 'the deadline itself moves only when the wait ends');

    const answered = new Date(asked.getTime() + 5 * DAY);
    clock = clockAfter(clock, 'awaiting_documents', 'identity_review', answered, true);
    assert.equal(clock.pausedAt, null);
    assert.equal(clock.pausedMs, 5 * DAY);
    assert.equal(clock.dueAt.toISOString(), '2026-12-20T00:00:00.000Z');
    assert.equal(clock.escalationAt.toISOString(), '2027-01-05T00:00:00.000Z');
  });

  test('going from waiting on documents to waiting on the fee keeps one pause', () => {
    let clock = initialClock(received, deadlines);
    const t1 = new Date(received.getTime() + DAY);
    clock = clockAfter(clock, 'identity_review', 'awaiting_documents', t1, true);
    clock = clockAfter(clock, 'awaiting_documents', 'identity_review', new Date(t1.getTime() + DAY), true);
    const t2 = new Date(t1.getTime() + 2 * DAY);
    clock = clockAfter(clock, 'identity_review', 'awaiting_fee', t2, true);
    const paid = new Date(t2.getTime() + 3 * DAY);
    clock = clockAfter(clock, 'awaiting_fee', 'in_progress', paid, true);
    assert.equal(clock.pausedMs, 4 * DAY);
    assert.equal(clock.dueAt.getTime(), received.getTime() + 18 * DAY);
  });

  test('a request that closes while waiting ends its pause', () => {
    let clock = initialClock(received, deadlines);
    clock = clockAfter(clock, 'identity_review', 'awaiting_fee', received, true);
    clock = clockAfter(clock, 'awaiting_fee', 'closed', new Date(received.getTime() + 14 * DAY), true);
    assert.equal(clock.pausedAt, null);
    assert.equal(clock.pausedMs, 14 * DAY);
  });

  test('when the settings do not pause, waiting does not move the deadlines', () => {
    let clock = initialClock(received, deadlines);
    clock = clockAfter(clock, 'identity_review', 'awaiting_documents', new Date(received.getTime() + DAY), false);
    assert.equal(clock.pausedAt, null);
    clock = clockAfter(clock, 'awaiting_documents', 'identity_review', new Date(received.getTime() + 6 * DAY), false);
    assert.equal(clock.dueAt.toISOString(), '2026-12-15T00:00:00.000Z');
    assert.equal(clock.pausedMs, 0);
  });
});
