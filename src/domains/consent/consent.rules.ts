// The decision rule, as the policy states it: data is used within the stated purposes of use,
// beyond them only with the person's consent (APPI Art. 18(1)), and not at all while a
// suspension of use or a stop of provision decided on the person's request stands (Art. 35).
// Pure: the caller loads the registry and the subject's state; the SDK carries a copy of this
// rule for its local mode, and both are tested to answer alike.
import type { PurposeDecision, PurposeFacts, Restriction, SubjectState } from './consent.ts';

export const EMPTY_SUBJECT: SubjectState = { consents: new Map(), restrictions: [] };

function suspensionFor(restrictions: readonly Restriction[], purpose: string): Restriction | null {
  for (const r of restrictions) {
    if (r.kind === 'suspension' && (r.purposes === null || r.purposes.includes(purpose))) return r;
  }
  return null;
}

function provisionStopFor(restrictions: readonly Restriction[], recipient: string): Restriction | null {
  for (const r of restrictions) {
    if (r.kind === 'stop_provision' && (r.recipient === null || r.recipient === recipient)) return r;
  }
  return null;
}

/**
 * One answer per purpose, in the order asked. In order of precedence: a purpose the registry
 * does not hold (or has retired) is not a purpose of use at all; a standing suspension, then a
 * stop of provision to the recipient (when the use is a provision), refuse whatever the
 * consent says; a purpose relied on as stated is allowed; a consent purpose needs a consent
 * that was given and not withdrawn since.
 */
export function decide(
  subject: SubjectState,
  registry: ReadonlyMap<string, PurposeFacts>,
  purposes: readonly string[],
  recipient?: string | null,
): PurposeDecision[] {
  return purposes.map((purpose): PurposeDecision => {
    const facts = registry.get(purpose);
    if (!facts || !facts.active) return { purpose, allowed: false, reason: 'not_declared' };
    const suspension = suspensionFor(subject.restrictions, purpose);
    if (suspension) return { purpose, allowed: false, reason: 'suspended_by_request', restrictionId: suspension.id, requestId: suspension.requestId };
    if (recipient !== undefined && recipient !== null) {
      const stop = provisionStopFor(subject.restrictions, recipient);
      if (stop) return { purpose, allowed: false, reason: 'provision_stopped', restrictionId: stop.id, requestId: stop.requestId };
    }
    switch (facts.basis) {
      case 'stated':
        return { purpose, allowed: true, reason: 'stated_purpose' };
      case 'consent': {
        const state = subject.consents.get(purpose);
        if (state === 'granted') return { purpose, allowed: true, reason: 'consent_given' };
        return { purpose, allowed: false, reason: state === 'withdrawn' ? 'consent_withdrawn' : 'consent_required' };
      }
    }
  });
}
