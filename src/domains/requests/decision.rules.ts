// What a decision on a request may say, as plain rules that read like the Act and the policy.
//
// Disclosure (purpose notification Art. 32(2), disclosure Art. 33(1), records of provision
// Art. 33(5)) is answered in full, in part, or not at all. A part is withheld only on a ground
// that concerns the data itself: it is not held or not "retained personal data" (Art. 33(3),
// Art. 16(4)), or disclosing it could harm someone, seriously hinder the business or break
// another law (Art. 33(2) proviso). Answering nothing may rest on any of the policy's nine
// reasons, including the procedural ones (identity, agency, documents, fee).
//
// Correction (Art. 34), suspension or erasure (Art. 35(1), (5)) and stopping provision
// (Art. 35(3), (5)) are answered done, not done, or, where the Act allows it (Art. 35(2), (4),
// (6): the measure would cost a large amount or is otherwise difficult), by an alternative
// measure. The principal is told either way (Art. 34(3), Art. 35(7)).
//
// Whenever something is refused or replaced, the reason is given and explained (Art. 36;
// policy section 3: "we will notify you of this decision along with the reasons"): each
// withheld part and each refusal carries exactly one reason code and an explanation.
import type { Localized } from '../policies/localized.ts';
import type { RuleProblem } from '../organization/request-settings.rules.ts';
import type { RequestEvent } from './request-state.rules.ts';
import {
  DISCLOSURE_OUTCOMES,
  DISCLOSURE_TYPES,
  MEASURE_OUTCOMES,
  WITHHOLDING_REASONS,
  WITHHOLDING_REASON_CODES,
  type DecisionOutcome,
  type RequestType,
  type WithholdingReasonCode,
} from './request.ts';

export type { RuleProblem };

export const MAX_WITHHELD_PARTS = 50;
export const MAX_PART_LENGTH = 200;
export const MAX_EXPLANATION_LENGTH = 2000;
export const MAX_DETAILS_LENGTH = 4000;

/** Reasons for not taking (or replacing) a requested measure that the nine reasons of the
 * policy do not cover, each with the provision it rests on. Codes are a public contract. */
export const MEASURE_REASONS = {
  content_accurate: {
    label: {
      ja: '調査の結果、保有個人データの内容が事実であることが確認されたため',
      en: 'Our investigation found that the retained personal data is accurate',
    },
    legalGround: { ja: '個人情報保護法第34条第2項', en: 'APPI Art. 34(2)' },
  },
  other_law_procedure: {
    label: {
      ja: '他の法令の規定により、訂正等について特別の手続が定められているため',
      en: 'Another law sets a special procedure for this correction',
    },
    legalGround: { ja: '個人情報保護法第34条第2項', en: 'APPI Art. 34(2)' },
  },
  grounds_not_met: {
    label: {
      ja: '利用目的を超えた取扱い、不適正な利用、不正な取得、違法な第三者提供、利用する必要がなくなった場合その他の請求の要件に該当しないため',
      en: 'None of the grounds for the request applies (use beyond the purpose, improper use or acquisition, unlawful provision to a third party, data no longer needed, or another case that harms your rights)',
    },
    legalGround: { ja: '個人情報保護法第35条第1項・第3項・第5項', en: 'APPI Art. 35(1), (3) and (5)' },
  },
  measure_difficult: {
    label: {
      ja: 'ご請求の措置には多額の費用を要するなど実施が困難なため、ご本人の権利利益を保護するために必要な代わりの措置をとりました',
      en: 'The requested measure would cost a large amount or is otherwise difficult, so we took another measure that protects your rights and interests',
    },
    legalGround: { ja: '個人情報保護法第35条第2項・第4項・第6項ただし書', en: 'APPI Art. 35(2), (4) and (6), proviso' },
  },
} as const satisfies Record<string, { label: Localized; legalGround: Localized }>;
export type MeasureReasonCode = keyof typeof MEASURE_REASONS;
export const MEASURE_REASON_CODES = Object.keys(MEASURE_REASONS) as MeasureReasonCode[];

export type DecisionReasonCode = WithholdingReasonCode | MeasureReasonCode;
export const DECISION_REASON_CODES: readonly DecisionReasonCode[] = [...WITHHOLDING_REASON_CODES, ...MEASURE_REASON_CODES];

export interface DecisionReasonText {
  code: DecisionReasonCode;
  /** Its number in the policy's list of reasons (1–9), or null for a measure reason. */
  policyNumber: number | null;
  label: Localized;
  legalGround: Localized;
}

export function isDecisionReasonCode(code: string): code is DecisionReasonCode {
  return (DECISION_REASON_CODES as readonly string[]).includes(code);
}

export function decisionReason(code: DecisionReasonCode): DecisionReasonText {
  if (code in WITHHOLDING_REASONS) {
    const r = WITHHOLDING_REASONS[code as WithholdingReasonCode];
    return { code, policyNumber: r.number, label: r.label, legalGround: r.legalGround };
  }
  const m = MEASURE_REASONS[code as MeasureReasonCode];
  return { code, policyNumber: null, label: m.label, legalGround: m.legalGround };
}

/** Reasons that concern the data itself; the only ones a withheld part may rest on. */
export const PART_REASONS: readonly WithholdingReasonCode[] = [
  'not_held',
  'not_retained_personal_data',
  'harm_to_interests',
  'business_impediment',
  'violates_other_law',
];

/** Reasons about the request itself (who asks, with what papers): they end any kind of request. */
const PROCEDURAL_REASONS: readonly WithholdingReasonCode[] = ['identity_unconfirmed', 'agent_authority_unconfirmed', 'documents_incomplete'];

export function isDisclosureType(type: RequestType): boolean {
  return DISCLOSURE_TYPES.includes(type);
}

/** The outcomes a request of `type` can have. */
export function outcomesFor(type: RequestType): readonly DecisionOutcome[] {
  if (isDisclosureType(type)) return DISCLOSURE_OUTCOMES;
  // The Act allows an alternative measure only for Art. 35 requests; a correction is made or not.
  return type === 'correction' ? MEASURE_OUTCOMES.filter((o) => o !== 'alternative') : MEASURE_OUTCOMES;
}

/** The reasons a whole decision of `outcome` on a `type` request may give (none for a decision
 * that grants the request). */
export function reasonsFor(type: RequestType, outcome: DecisionOutcome): readonly DecisionReasonCode[] {
  switch (outcome) {
    case 'full':
    case 'partial':
    case 'done':
      return [];
    case 'none':
      return isDisclosureType(type) ? WITHHOLDING_REASON_CODES : [];
    case 'not_done':
      if (type === 'correction') return [...PROCEDURAL_REASONS, 'not_held', 'not_retained_personal_data', 'content_accurate', 'other_law_procedure'];
      if (type === 'suspension' || type === 'stop_provision') return [...PROCEDURAL_REASONS, 'not_held', 'not_retained_personal_data', 'grounds_not_met'];
      return [];
    case 'alternative':
      return type === 'suspension' || type === 'stop_provision' ? ['measure_difficult'] : [];
  }
}

/** Whether the outcome refuses or replaces what was asked, so it needs a reason (Art. 36). */
export function needsReason(outcome: DecisionOutcome): boolean {
  return outcome === 'none' || outcome === 'not_done' || outcome === 'alternative';
}

/** Outcomes that answer without disclosing or without the measure: the request closes with the
 * reason; every other outcome completes it. */
export function closesRequest(outcome: DecisionOutcome): boolean {
  return outcome === 'none' || outcome === 'not_done';
}

/** The state-machine event an approved decision of `outcome` fires. */
export function finalEventFor(outcome: DecisionOutcome): Extract<RequestEvent, 'approve_completed' | 'approve_closed'> {
  return closesRequest(outcome) ? 'approve_closed' : 'approve_completed';
}

export interface WithheldPartInput {
  part: string;
  reason: string;
  explanation: string;
}

/** A decision as drafted (strings as typed; the rules say what is wrong with them). */
export interface DecisionDraft {
  outcome: string;
  withheld: readonly WithheldPartInput[];
  reason: string | null;
  explanation: string | null;
  /** For a measure, what was changed or done; for a disclosure, an optional note to the letter. */
  details: string | null;
}

function blank(text: string | null | undefined): boolean {
  return text === null || text === undefined || text.trim() === '';
}

function tooLong(text: string | null, max: number): boolean {
  return text !== null && [...text].length > max;
}

/** Everything wrong with `draft` as the answer to a `type` request; empty when it may be saved. */
export function decisionProblems(type: RequestType, draft: DecisionDraft): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const add = (path: (string | number)[], reason: string, message: string) => problems.push({ path, reason, message });

  const outcomes = outcomesFor(type);
  if (!(outcomes as readonly string[]).includes(draft.outcome)) {
    add(['outcome'], 'outcome_not_for_type', `A ${type} request is answered ${outcomes.join(', ')}.`);
    return problems;
  }
  const outcome = draft.outcome as DecisionOutcome;

  // Withheld parts belong to a partial disclosure and nothing else.
  if (outcome === 'partial' && draft.withheld.length === 0) {
    add(['withheld'], 'required', 'A partial disclosure names at least one withheld part, each with its reason and an explanation.');
  }
  if (outcome !== 'partial' && draft.withheld.length > 0) {
    add(['withheld'], 'not_expected', 'Only a partial disclosure lists withheld parts; a refusal gives its reason for the whole request.');
  }
  if (draft.withheld.length > MAX_WITHHELD_PARTS) {
    add(['withheld'], 'too_many', `At most ${MAX_WITHHELD_PARTS} withheld parts.`);
  }
  const seen = new Set<string>();
  draft.withheld.forEach((p, i) => {
    if (blank(p.part)) add(['withheld', i, 'part'], 'required', 'Say which part is withheld.');
    else if (tooLong(p.part, MAX_PART_LENGTH)) add(['withheld', i, 'part'], 'too_long', `At most ${MAX_PART_LENGTH} characters.`);
    const key = p.part.trim().normalize('NFKC').toLowerCase();
    if (!blank(p.part) && seen.has(key)) add(['withheld', i, 'part'], 'duplicate', 'Each part is listed once, with the one reason it is withheld for.');
    seen.add(key);
    if (!(PART_REASONS as readonly string[]).includes(p.reason)) {
      add(['withheld', i, 'reason'], 'reason_not_allowed', `A part is withheld for one of: ${PART_REASONS.join(', ')}.`);
    }
    if (blank(p.explanation)) add(['withheld', i, 'explanation'], 'required', 'Explain why this part is withheld (APPI Art. 36).');
    else if (tooLong(p.explanation, MAX_EXPLANATION_LENGTH)) add(['withheld', i, 'explanation'], 'too_long', `At most ${MAX_EXPLANATION_LENGTH} characters.`);
  });

  // A reason and its explanation go with a refusal or a replaced measure, never with a grant.
  if (needsReason(outcome)) {
    const allowed = reasonsFor(type, outcome);
    if (blank(draft.reason)) add(['reason'], 'required', `Give the reason: one of ${allowed.join(', ')}.`);
    else if (!(allowed as readonly string[]).includes(draft.reason ?? '')) add(['reason'], 'reason_not_allowed', `For this answer the reason is one of: ${allowed.join(', ')}.`);
    if (blank(draft.explanation)) add(['explanation'], 'required', 'Explain the reason to the person (APPI Art. 36).');
    else if (tooLong(draft.explanation, MAX_EXPLANATION_LENGTH)) add(['explanation'], 'too_long', `At most ${MAX_EXPLANATION_LENGTH} characters.`);
  } else {
    if (!blank(draft.reason)) add(['reason'], 'not_expected', 'A decision that grants the request gives no reason; withheld parts carry their own.');
    if (!blank(draft.explanation)) add(['explanation'], 'not_expected', 'An explanation goes with a reason; use details for a note.');
  }

  // What was done is the substance of the notice under Art. 34(3) and Art. 35(7).
  if ((outcome === 'done' || outcome === 'alternative') && blank(draft.details)) {
    add(['details'], 'required', outcome === 'done' ? 'Say what was changed, added, deleted or stopped.' : 'Describe the alternative measure taken.');
  }
  if (tooLong(draft.details, MAX_DETAILS_LENGTH)) add(['details'], 'too_long', `At most ${MAX_DETAILS_LENGTH} characters.`);
  return problems;
}

/** Every reason code a decision rests on, in order, without repeats (for the record and mails). */
export function reasonCodesOf(decision: { reason: string | null; withheld: readonly { reason: string }[] }): DecisionReasonCode[] {
  const codes: DecisionReasonCode[] = [];
  for (const code of [decision.reason, ...decision.withheld.map((p) => p.reason)]) {
    if (code && isDecisionReasonCode(code) && !codes.includes(code)) codes.push(code);
  }
  return codes;
}
