// The decision rule, read like the policy: within the stated purposes; beyond them only with
// consent; never while a suspension or a stop of provision decided on request stands.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConsentAction, PurposeFacts, Restriction, SubjectState } from '../../src/domains/consent/consent.ts';
import { EMPTY_SUBJECT, decide } from '../../src/domains/consent/consent.rules.ts';

const registry = new Map<string, PurposeFacts>([
  ['order_fulfilment', { code: 'order_fulfilment', basis: 'stated', active: true, version: 1 }],
  ['newsletter', { code: 'newsletter', basis: 'consent', active: true, version: 2 }],
  ['partner_offers', { code: 'partner_offers', basis: 'consent', active: true, version: 1 }],
  ['old_campaign', { code: 'old_campaign', basis: 'consent', active: false, version: 3 }],
]);

function subject(consents: Record<string, ConsentAction> = {}, restrictions: Restriction[] = []): SubjectState {
  return { consents: new Map(Object.entries(consents)), restrictions };
}

const suspensionAll: Restriction = { id: 'rst_all', kind: 'suspension', purposes: null, recipient: null, requestId: 'req_1' };
const suspensionNewsletter: Restriction = { id: 'rst_nl', kind: 'suspension', purposes: ['newsletter'], recipient: null, requestId: 'req_2' };
const stopAll: Restriction = { id: 'rst_stop', kind: 'stop_provision', purposes: null, recipient: null, requestId: 'req_3' };
const stopPartner: Restriction = { id: 'rst_partner', kind: 'stop_provision', purposes: null, recipient: 'partner-a', requestId: 'req_4' };

const reasons = (s: SubjectState, purposes: string[], recipient?: string) => decide(s, registry, purposes, recipient).map((d) => [d.purpose, d.allowed, d.reason]);

describe('consent decisions', () => {
  test('a stated purpose of use is allowed without consent', () => {
    assert.deepEqual(reasons(EMPTY_SUBJECT, ['order_fulfilment']), [['order_fulfilment', true, 'stated_purpose']]);
  });

  test('a purpose the registry does not hold is not a purpose of use: not_declared', () => {
    assert.deepEqual(reasons(subject({ newsletter: 'granted' }), ['profiling']), [['profiling', false, 'not_declared']]);
  });

  test('a retired purpose is no longer declared, whatever was consented', () => {
    assert.deepEqual(reasons(subject({ old_campaign: 'granted' }), ['old_campaign']), [['old_campaign', false, 'not_declared']]);
  });

  test('beyond the stated purposes only with consent: none given is consent_required', () => {
    assert.deepEqual(reasons(EMPTY_SUBJECT, ['newsletter']), [['newsletter', false, 'consent_required']]);
  });

  test('a consent given allows the purpose; it does not extend to another consent purpose', () => {
    assert.deepEqual(reasons(subject({ newsletter: 'granted' }), ['newsletter', 'partner_offers']), [
      ['newsletter', true, 'consent_given'],
      ['partner_offers', false, 'consent_required'],
    ]);
  });

  test('a consent withdrawn refuses the purpose: consent_withdrawn', () => {
    assert.deepEqual(reasons(subject({ newsletter: 'withdrawn' }), ['newsletter']), [['newsletter', false, 'consent_withdrawn']]);
  });

  test('a suspension of every purpose refuses stated and consented uses alike, naming the request', () => {
    const decided = decide(subject({ newsletter: 'granted' }, [suspensionAll]), registry, ['order_fulfilment', 'newsletter']);
    assert.deepEqual(
      decided.map((d) => [d.purpose, d.allowed, d.reason, d.requestId, d.restrictionId]),
      [
        ['order_fulfilment', false, 'suspended_by_request', 'req_1', 'rst_all'],
        ['newsletter', false, 'suspended_by_request', 'req_1', 'rst_all'],
      ],
    );
  });

  test('a suspension of some purposes leaves the others as they were', () => {
    assert.deepEqual(reasons(subject({ newsletter: 'granted', partner_offers: 'granted' }, [suspensionNewsletter]), ['newsletter', 'partner_offers', 'order_fulfilment']), [
      ['newsletter', false, 'suspended_by_request'],
      ['partner_offers', true, 'consent_given'],
      ['order_fulfilment', true, 'stated_purpose'],
    ]);
  });

  test('a stop of provision to everyone refuses any provision, but not the company’s own use', () => {
    const s = subject({ partner_offers: 'granted' }, [stopAll]);
    assert.deepEqual(reasons(s, ['partner_offers'], 'partner-b'), [['partner_offers', false, 'provision_stopped']]);
    assert.deepEqual(reasons(s, ['partner_offers']), [['partner_offers', true, 'consent_given']]);
  });

  test('a stop of provision to one recipient refuses that recipient only', () => {
    const s = subject({ partner_offers: 'granted' }, [stopPartner]);
    const toA = decide(s, registry, ['partner_offers'], 'partner-a')[0];
    assert.equal(toA?.reason, 'provision_stopped');
    assert.equal(toA?.requestId, 'req_4');
    assert.deepEqual(reasons(s, ['partner_offers'], 'partner-b'), [['partner_offers', true, 'consent_given']]);
  });

  test('precedence: not declared, then suspension, then stop of provision, then consent', () => {
    const s = subject({ newsletter: 'withdrawn' }, [stopAll, suspensionNewsletter]);
    assert.deepEqual(reasons(s, ['unknown_purpose', 'newsletter', 'order_fulfilment'], 'partner-a'), [
      ['unknown_purpose', false, 'not_declared'],
      ['newsletter', false, 'suspended_by_request'],
      ['order_fulfilment', false, 'provision_stopped'],
    ]);
  });

  test('answers come in the order asked, one per purpose', () => {
    const asked = ['partner_offers', 'order_fulfilment', 'newsletter'];
    assert.deepEqual(
      decide(EMPTY_SUBJECT, registry, asked).map((d) => d.purpose),
      asked,
    );
  });
});
