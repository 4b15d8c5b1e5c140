import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_REQUEST_SETTINGS, type RequestSettings } from '../../src/domains/organization/request-settings.ts';
import { extraCostProblem, feeFor } from '../../src/domains/requests/fee.rules.ts';

function settingsWith(fees: Partial<RequestSettings['fees']>): RequestSettings {
  return { ...DEFAULT_REQUEST_SETTINGS, fees: { ...DEFAULT_REQUEST_SETTINGS.fees, ...fees } };
}

const policy = DEFAULT_REQUEST_SETTINGS; // ¥1,000 for the chargeable requests, paper at cost
const fixedPaper = settingsWith({ paperDeliveryYen: 300 });

describe('APPI Art. 38(1): a fee may be charged for notifying purposes of use and for disclosure', () => {
  for (const type of ['purpose_notification', 'disclosure', 'provision_record_disclosure'] as const) {
    test(`${type}: the requester pays the organisation's fee`, () => {
      const fee = feeFor(policy, { type, deliveryMethod: 'electronic' });
      assert.deepEqual(fee, { applies: true, baseYen: 1000, paperYen: 0, extraYen: 0, totalYen: 1000, paperAtCost: false });
    });
  }

  test('an organisation that charges nothing asks for nothing', () => {
    const free = settingsWith({ perRequest: { ...policy.fees.perRequest, disclosure: 0 } });
    const fee = feeFor(free, { type: 'disclosure', deliveryMethod: 'electronic' });
    assert.equal(fee.applies, false);
    assert.equal(fee.totalYen, 0);
  });
});

describe('Art. 34 and 35 provide no fee: correction, suspension and stopping provision are free', () => {
  for (const type of ['correction', 'suspension', 'stop_provision'] as const) {
    test(`${type}: no fee, even on paper and even with costs entered`, () => {
      const fee = feeFor(fixedPaper, { type, deliveryMethod: 'paper' }, 800);
      assert.deepEqual(fee, { applies: false, baseYen: 0, paperYen: 0, extraYen: 0, totalYen: 0, paperAtCost: false });
    });

    test(`${type}: staff cannot add an extra cost`, () => {
      assert.equal(extraCostProblem(policy, { type, deliveryMethod: 'paper' }, ['paper_at_cost'], 500)?.reason, 'fee_not_applicable');
    });
  }
});

describe('Art. 38(2): extra costs within actual cost', () => {
  test('paper with a fixed charge in the settings adds that charge', () => {
    const fee = feeFor(fixedPaper, { type: 'disclosure', deliveryMethod: 'paper' });
    assert.deepEqual(fee, { applies: true, baseYen: 1000, paperYen: 300, extraYen: 0, totalYen: 1300, paperAtCost: false });
  });

  test('paper at cost adds what staff entered as the actual mailing cost', () => {
    assert.equal(feeFor(policy, { type: 'disclosure', deliveryMethod: 'paper' }).paperAtCost, true);
    const fee = feeFor(policy, { type: 'disclosure', deliveryMethod: 'paper' }, 460);
    assert.deepEqual(fee, { applies: true, baseYen: 1000, paperYen: 0, extraYen: 460, totalYen: 1460, paperAtCost: true });
  });

  test('electronic delivery carries no paper charge', () => {
    assert.equal(feeFor(fixedPaper, { type: 'disclosure', deliveryMethod: 'electronic' }).totalYen, 1000);
  });

  test('paper at cost is refused when paper was not asked for, or when the settings fix the charge', () => {
    assert.equal(extraCostProblem(policy, { type: 'disclosure', deliveryMethod: 'electronic' }, ['paper_at_cost'], 400)?.reason, 'paper_not_requested');
    assert.equal(extraCostProblem(fixedPaper, { type: 'disclosure', deliveryMethod: 'paper' }, ['paper_at_cost'], 400)?.reason, 'paper_has_fixed_charge');
    assert.equal(extraCostProblem(policy, { type: 'disclosure', deliveryMethod: 'paper' }, ['paper_at_cost'], 400), null);
  });

  test('a special method is charged at cost only when the settings say so', () => {
    const request = { type: 'disclosure', deliveryMethod: 'electronic' } as const;
    assert.equal(extraCostProblem(policy, request, ['special_method'], 2000), null);
    const notCharged = settingsWith({ specialMethodAtCost: false });
    assert.equal(extraCostProblem(notCharged, request, ['special_method'], 2000)?.reason, 'special_method_not_charged');
  });

  test('the whole fee stays within the bound of the settings', () => {
    assert.equal(extraCostProblem(policy, { type: 'disclosure', deliveryMethod: 'paper' }, ['paper_at_cost'], 99_500)?.reason, 'too_large');
  });
});
