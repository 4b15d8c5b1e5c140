import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_REQUEST_SETTINGS, REQUEST_TYPES, ZRequestSettings, type RequestSettings } from '../../src/domains/organization/request-settings.ts';
import { evaluateIdentityDocuments, feeAllowed, feeProblems } from '../../src/domains/organization/request-settings.rules.ts';
import { SAMPLE_REQUEST_SETTINGS } from '../../src/domains/organization/sample-organization.ts';

function withFees(fees: Partial<RequestSettings['fees']['perRequest']>): RequestSettings {
  const s = structuredClone(DEFAULT_REQUEST_SETTINGS);
  s.fees.perRequest = { ...s.fees.perRequest, ...fees };
  return s;
}

describe('request settings: the policy values are the defaults', () => {
  test('¥1,000 for the three fee-eligible requests, nothing for the others, 14/30 days, one year', () => {
    assert.deepEqual(DEFAULT_REQUEST_SETTINGS.fees.perRequest, {
      purpose_notification: 1000,
      disclosure: 1000,
      provision_record_disclosure: 1000,
      correction: 0,
      suspension: 0,
      stop_provision: 0,
    });
    assert.deepEqual(DEFAULT_REQUEST_SETTINGS.deadlines, { targetDays: 14, escalationDays: 30, pauseWhileWaiting: true, replyDays: 14 });
    assert.equal(DEFAULT_REQUEST_SETTINGS.documentRetentionMonths, 12);
    assert.equal(DEFAULT_REQUEST_SETTINGS.identity.photoDocumentsRequired, 1);
    assert.equal(DEFAULT_REQUEST_SETTINGS.identity.nonPhotoDocumentsRequired, 2);
    assert.ok(ZRequestSettings.safeParse(DEFAULT_REQUEST_SETTINGS).success);
    assert.ok(ZRequestSettings.safeParse(SAMPLE_REQUEST_SETTINGS).success);
  });
});

describe('fees (APPI Art. 38): only purpose notification and disclosure may be charged', () => {
  test('the law allows a fee for the first kind only', () => {
    assert.deepEqual(
      REQUEST_TYPES.filter((t) => feeAllowed(t)),
      ['purpose_notification', 'disclosure', 'provision_record_disclosure'],
    );
  });

  for (const type of ['correction', 'suspension', 'stop_provision'] as const) {
    test(`a fee on ${type} is refused with reason fee_not_allowed`, () => {
      const settings = withFees({ [type]: 300 });
      assert.deepEqual(
        feeProblems(settings.fees.perRequest).map((p) => ({ path: p.path.join('.'), reason: p.reason })),
        [{ path: `fees.perRequest.${type}`, reason: 'fee_not_allowed' }],
      );
      const parsed = ZRequestSettings.safeParse(settings);
      assert.equal(parsed.success, false);
      const issue = parsed.error?.issues[0];
      assert.deepEqual(issue?.path, ['fees', 'perRequest', type]);
      assert.deepEqual((issue as { params?: unknown } | undefined)?.params, { reason: 'fee_not_allowed' });
    });
  }

  test('a different fee, or none, on the fee-eligible requests is accepted', () => {
    assert.ok(ZRequestSettings.safeParse(withFees({ purpose_notification: 500, disclosure: 0, provision_record_disclosure: 800 })).success);
  });

  test('fees are whole yen within a bound', () => {
    assert.equal(ZRequestSettings.safeParse(withFees({ disclosure: 10.5 })).success, false);
    assert.equal(ZRequestSettings.safeParse(withFees({ disclosure: -1 })).success, false);
    assert.equal(ZRequestSettings.safeParse(withFees({ disclosure: 1_000_000 })).success, false);
  });

  test('escalation cannot come before the target day', () => {
    const s = structuredClone(DEFAULT_REQUEST_SETTINGS);
    s.deadlines = { ...s.deadlines, targetDays: 20, escalationDays: 10 };
    const parsed = ZRequestSettings.safeParse(s);
    assert.equal(parsed.success, false);
    assert.deepEqual(parsed.error?.issues[0]?.path, ['deadlines', 'escalationDays']);
  });
});

describe('identity documents: one photo document, or two without a photo; agents add their authority', () => {
  const rule = DEFAULT_REQUEST_SETTINGS.identity;

  test('one official photo document is enough', () => {
    assert.deepEqual(evaluateIdentityDocuments(rule, { documents: ['drivers_license'] }), { accepted: true, shortfalls: [] });
    assert.equal(evaluateIdentityDocuments(rule, { documents: ['my_number_card'] }).accepted, true);
  });

  test('one non-photo document is not, two different ones are, the same one twice is not', () => {
    assert.deepEqual(evaluateIdentityDocuments(rule, { documents: ['health_insurance'] }), {
      accepted: false,
      shortfalls: [{ reason: 'principal_identity', photoNeeded: 1, nonPhotoNeeded: 1 }],
    });
    assert.equal(evaluateIdentityDocuments(rule, { documents: ['health_insurance', 'resident_record'] }).accepted, true);
    assert.equal(evaluateIdentityDocuments(rule, { documents: ['health_insurance', 'health_insurance'] }).accepted, false);
    assert.equal(evaluateIdentityDocuments(rule, { documents: ['library_card'] }).accepted, false);
  });

  test('a statutory agent shows one document of the legal relationship and their own identity', () => {
    const ok = evaluateIdentityDocuments(rule, {
      documents: [],
      agent: { kind: 'statutory', authorityDocuments: ['family_register'], identityDocuments: ['passport'] },
    });
    assert.deepEqual(ok, { accepted: true, shortfalls: [] });
    const noId = evaluateIdentityDocuments(rule, {
      documents: [],
      agent: { kind: 'statutory', authorityDocuments: ['guardianship_registration'], identityDocuments: [] },
    });
    assert.deepEqual(noId.shortfalls, [{ reason: 'agent_identity', photoNeeded: 1, nonPhotoNeeded: 2 }]);
  });

  test('an appointed agent needs every authority document: the power of attorney alone is not enough', () => {
    const result = evaluateIdentityDocuments(rule, {
      documents: [],
      agent: { kind: 'appointed', authorityDocuments: ['power_of_attorney'], identityDocuments: ['drivers_license'] },
    });
    assert.deepEqual(result, {
      accepted: false,
      shortfalls: [{ reason: 'agent_authority', kind: 'appointed', missingCodes: ['principal_seal_certificate'] }],
    });
  });

  test('an organisation may waive the agent’s own identity documents', () => {
    const waived = { ...rule, agentIdentityRequired: false };
    assert.equal(
      evaluateIdentityDocuments(waived, { documents: [], agent: { kind: 'appointed', authorityDocuments: ['power_of_attorney', 'principal_seal_certificate'], identityDocuments: [] } }).accepted,
      true,
    );
  });
});
