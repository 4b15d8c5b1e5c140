import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { retentionUntil } from '../../src/domains/requests/request.core.ts';
import {
  countByKind,
  DISPOSAL_KIND_RULES,
  disposalPlan,
  isRetentionDue,
  RETENTION_RULES,
  retentionMonths,
  rulesApplied,
  type RetentionCandidate,
} from '../../src/domains/retention/retention.rules.ts';

const COMPLETED = new Date('2026-12-10T05:00:00.000Z');
const UNTIL = retentionUntil(COMPLETED, 12);
const MINUTE = 60_000;

/** A completed disclosure with one of everything the desk stores. */
function fullCandidate(overrides: Partial<RetentionCandidate> = {}): RetentionCandidate {
  return {
    request: { id: 'req_1', retentionUntil: UNTIL, disposedAt: null, subjectBlobId: 'blob_subject', hasLookupHashes: true },
    documents: [
      { id: 'rdoc_licence', blobId: 'blob_licence', status: 'received' },
      { id: 'rdoc_mynumber', blobId: 'blob_mynumber', status: 'destroyed' },
    ],
    events: [
      { id: 'rev_note', textBlobId: 'blob_note' },
      { id: 'rev_message', textBlobId: 'blob_message' },
    ],
    payments: [{ id: 'rpay_1', payerBlobId: 'blob_payer' }],
    findings: [{ id: 'rfnd_1', recordsBlobId: 'blob_records', fileBlobId: 'blob_file' }],
    decisions: [
      { id: 'rdec_1', detailsBlobId: 'blob_details_v1', letterBlobId: null },
      { id: 'rdec_2', detailsBlobId: 'blob_details_v2', letterBlobId: 'blob_letter' },
    ],
    deliveries: [{ id: 'rdel_1', packageBlobId: 'blob_package', letterBlobId: 'blob_print' }],
    emails: [{ id: 'out_1', blobId: 'blob_mail' }],
    engineRuns: [{ id: 'frun_1', planBlobId: 'blob_plan' }],
    tasks: [{ id: 'ftask_1', checklistBlobId: 'blob_checklist', resultBlobId: 'blob_result' }],
    goneBlobIds: new Set(['blob_mynumber']),
    ...overrides,
  };
}

describe('retention: when a request is due', () => {
  test('documents are kept for exactly the configured months after completion', () => {
    assert.equal(UNTIL.toISOString(), '2027-12-10T05:00:00.000Z');
    assert.equal(isRetentionDue({ retentionUntil: UNTIL, disposedAt: null }, new Date(UNTIL.getTime() - MINUTE)), false);
    assert.equal(isRetentionDue({ retentionUntil: UNTIL, disposedAt: null }, UNTIL), true, 'due at the retention instant itself');
    assert.equal(isRetentionDue({ retentionUntil: UNTIL, disposedAt: null }, new Date(UNTIL.getTime() + MINUTE)), true);
  });

  test('an open request (no retention date yet) is never due', () => {
    assert.equal(isRetentionDue({ retentionUntil: null, disposedAt: null }, new Date('2100-01-01')), false);
    assert.deepEqual(disposalPlan(fullCandidate({ request: { ...fullCandidate().request, retentionUntil: null } }), new Date('2100-01-01')), []);
  });

  test('a request already disposed of is not disposed of again', () => {
    const disposed = fullCandidate({ request: { ...fullCandidate().request, disposedAt: new Date(UNTIL.getTime() + MINUTE) } });
    assert.equal(isRetentionDue(disposed.request, new Date(UNTIL.getTime() + 2 * MINUTE)), false);
    assert.deepEqual(disposalPlan(disposed, new Date(UNTIL.getTime() + 2 * MINUTE)), []);
  });

  test('nothing is planned a minute before the retention date', () => {
    assert.deepEqual(disposalPlan(fullCandidate(), new Date(UNTIL.getTime() - MINUTE)), []);
  });
});

describe('retention: what is disposed of, under which rule', () => {
  const plan = disposalPlan(fullCandidate(), new Date(UNTIL.getTime() + MINUTE));

  test('every stored piece of personal data is listed, each under its rule', () => {
    assert.deepEqual(
      plan.map((i) => `${i.kind} ${i.id} ${i.rule}`),
      [
        'document blob_licence documents_after_completion',
        'subject blob_subject contact_data_after_completion',
        'lookup_hashes req_1 contact_data_after_completion',
        'payer_name blob_payer contact_data_after_completion',
        'event_text blob_note correspondence_after_completion',
        'event_text blob_message correspondence_after_completion',
        'email blob_mail correspondence_after_completion',
        'finding_records blob_records answer_data_after_completion',
        'finding_file blob_file answer_data_after_completion',
        'decision_details blob_details_v1 answer_data_after_completion',
        'decision_details blob_details_v2 answer_data_after_completion',
        'decision_letter blob_letter answer_data_after_completion',
        'delivery_package blob_package answer_data_after_completion',
        'delivery_letter blob_print answer_data_after_completion',
        'engine_plan blob_plan answer_data_after_completion',
        'task_checklist blob_checklist answer_data_after_completion',
        'task_result blob_result answer_data_after_completion',
      ],
    );
  });

  test('each item points back to the row that held it', () => {
    const byId = new Map(plan.map((i) => [i.id, i.rowId]));
    assert.equal(byId.get('blob_licence'), 'rdoc_licence');
    assert.equal(byId.get('blob_subject'), 'req_1');
    assert.equal(byId.get('blob_payer'), 'rpay_1');
    assert.equal(byId.get('blob_letter'), 'rdec_2');
    assert.equal(byId.get('blob_checklist'), 'ftask_1');
    assert.equal(byId.get('blob_print'), 'rdel_1');
    assert.equal(byId.get('blob_mail'), 'out_1');
  });

  test('a My Number side destroyed earlier is not listed again', () => {
    assert.ok(!plan.some((i) => i.id === 'blob_mynumber'));
    // Even if its blob were somehow still there, a destroyed document is not a retention item.
    const stillThere = disposalPlan(fullCandidate({ goneBlobIds: new Set() }), new Date(UNTIL.getTime() + MINUTE));
    assert.ok(!stillThere.some((i) => i.id === 'blob_mynumber'));
  });

  test('blobs already gone are left out, and a blob two rows share is listed once', () => {
    const candidate = fullCandidate({
      goneBlobIds: new Set(['blob_mynumber', 'blob_file', 'blob_subject']),
      deliveries: [{ id: 'rdel_1', packageBlobId: 'blob_package', letterBlobId: 'blob_letter' }],
    });
    const ids = disposalPlan(candidate, new Date(UNTIL.getTime() + MINUTE)).map((i) => i.id);
    assert.ok(!ids.includes('blob_file'));
    assert.ok(!ids.includes('blob_subject'));
    assert.equal(ids.filter((id) => id === 'blob_letter').length, 1);
  });

  test('the lookup hashes are cleared only when there are any', () => {
    const none = fullCandidate({ request: { ...fullCandidate().request, hasLookupHashes: false } });
    assert.ok(!disposalPlan(none, new Date(UNTIL.getTime() + MINUTE)).some((i) => i.kind === 'lookup_hashes'));
  });

  test('what accountability needs is not an item: outcomes, withheld reasons and the timeline kinds live on rows, not blobs', () => {
    // The plan lists vault blobs (and the lookup hashes); the request row, decision outcomes,
    // withheld reason codes with explanations and the timeline rows are never in it.
    const rowsListed = new Set(plan.filter((i) => i.kind !== 'lookup_hashes').map((i) => i.id));
    for (const kept of ['req_1', 'rdec_1', 'rdec_2', 'rev_note', 'rev_message']) assert.ok(!rowsListed.has(kept), kept);
  });

  test('counts per kind and the rules applied summarise the plan', () => {
    assert.deepEqual(countByKind(plan), {
      document: 1,
      subject: 1,
      lookup_hashes: 1,
      payer_name: 1,
      event_text: 2,
      email: 1,
      finding_records: 1,
      finding_file: 1,
      decision_details: 2,
      decision_letter: 1,
      delivery_package: 1,
      delivery_letter: 1,
      engine_plan: 1,
      task_checklist: 1,
      task_result: 1,
    });
    assert.deepEqual(rulesApplied(plan), Object.keys(RETENTION_RULES));
    assert.deepEqual(rulesApplied(plan.filter((i) => i.kind === 'document')), ['documents_after_completion']);
  });

  test('every kind belongs to a rule that exists', () => {
    for (const rule of Object.values(DISPOSAL_KIND_RULES)) assert.ok(rule in RETENTION_RULES, rule);
  });
});

describe('retention: the months recorded with a disposal', () => {
  test('twelve months, also across a month-end clamp', () => {
    assert.equal(retentionMonths(COMPLETED, UNTIL), 12);
    const jan31 = new Date('2027-01-31T00:00:00Z');
    assert.equal(retentionUntil(jan31, 1).toISOString(), '2027-02-28T00:00:00.000Z');
    assert.equal(retentionMonths(jan31, retentionUntil(jan31, 1)), 1);
    assert.equal(retentionMonths(jan31, retentionUntil(jan31, 24)), 24);
  });
});
