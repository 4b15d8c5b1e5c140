// Pure rules over the request settings, written to read like the law they implement.
//
// Fees (APPI Art. 38(1)): a business may charge for notifying the purposes of use (Art. 32(2))
// and for disclosure, including disclosure of the records of provision to third parties
// (Art. 33(1), (5)). The Act provides no fee for correction (Art. 34), suspension or erasure
// (Art. 35(1), (5)) or stopping provision (Art. 35(3), (5)), so a fee there is refused.
//
// Identity (Cabinet Order Art. 12, and the policy): one official document with a photograph,
// or a set number of different documents without one. An agent adds proof of authority: a
// statutory agent (of a minor or an adult ward) one of the documents that show the legal
// relationship, an appointed agent every listed document (the power of attorney and what
// authenticates it); and, unless the organisation waives it, proves their own identity.
import type { IdentityRule, RequestType } from './request-settings.ts';

export const FEE_ELIGIBLE_REQUEST_TYPES: readonly RequestType[] = ['purpose_notification', 'disclosure', 'provision_record_disclosure'];

export function feeAllowed(type: RequestType): boolean {
  return FEE_ELIGIBLE_REQUEST_TYPES.includes(type);
}

export interface RuleProblem {
  path: (string | number)[];
  reason: string;
  message: string;
}

export function feeProblems(perRequest: Readonly<Record<RequestType, number>>): RuleProblem[] {
  const problems: RuleProblem[] = [];
  for (const [type, amount] of Object.entries(perRequest) as [RequestType, number][]) {
    if (amount > 0 && !feeAllowed(type)) {
      problems.push({
        path: ['fees', 'perRequest', type],
        reason: 'fee_not_allowed',
        message: 'APPI Art. 38 allows a fee only for notifying purposes of use and for disclosure; set this fee to 0.',
      });
    }
  }
  return problems;
}

export function deadlineProblems(deadlines: { targetDays: number; escalationDays: number }): RuleProblem[] {
  if (deadlines.escalationDays >= deadlines.targetDays) return [];
  return [
    {
      path: ['deadlines', 'escalationDays'],
      reason: 'escalation_before_target',
      message: 'Escalation cannot come before the target answer day.',
    },
  ];
}

export type AgentKind = 'statutory' | 'appointed';

export interface SubmittedIdentity {
  /** Codes of the principal's own documents. */
  documents: readonly string[];
  /** Present when an agent makes the request. */
  agent?: {
    kind: AgentKind;
    /** Codes of the documents proving the agent's authority. */
    authorityDocuments: readonly string[];
    /** Codes of the agent's own identity documents. */
    identityDocuments: readonly string[];
  };
}

export type IdentityShortfall =
  | { reason: 'principal_identity'; photoNeeded: number; nonPhotoNeeded: number }
  /** statutory: any one of `missingCodes` would do; appointed: all of them are needed. */
  | { reason: 'agent_authority'; kind: AgentKind; missingCodes: string[] }
  | { reason: 'agent_identity'; photoNeeded: number; nonPhotoNeeded: number };

function identityShortfall(rule: IdentityRule, codes: readonly string[]): { photoNeeded: number; nonPhotoNeeded: number } | null {
  const distinct = new Set(codes);
  const photo = rule.photoDocuments.filter((d) => distinct.has(d.code)).length;
  const nonPhoto = rule.nonPhotoDocuments.filter((d) => distinct.has(d.code)).length;
  if (photo >= rule.photoDocumentsRequired || nonPhoto >= rule.nonPhotoDocumentsRequired) return null;
  return {
    photoNeeded: rule.photoDocumentsRequired - photo,
    nonPhotoNeeded: rule.nonPhotoDocumentsRequired - nonPhoto,
  };
}

/**
 * Whether the submitted documents satisfy the rule; lists what is still missing. When an agent
 * makes the request the principal's own documents are not asked for: the agent proves their
 * authority and, if required, their identity.
 */
export function evaluateIdentityDocuments(rule: IdentityRule, submitted: SubmittedIdentity): { accepted: boolean; shortfalls: IdentityShortfall[] } {
  const shortfalls: IdentityShortfall[] = [];
  if (!submitted.agent) {
    const gap = identityShortfall(rule, submitted.documents);
    if (gap) shortfalls.push({ reason: 'principal_identity', ...gap });
    return { accepted: shortfalls.length === 0, shortfalls };
  }
  const { agent } = submitted;
  if (agent.kind === 'statutory') {
    const accepted = rule.statutoryAgentDocuments;
    if (!accepted.some((d) => agent.authorityDocuments.includes(d.code))) {
      shortfalls.push({ reason: 'agent_authority', kind: 'statutory', missingCodes: accepted.map((d) => d.code) });
    }
  } else {
    const missing = rule.appointedAgentDocuments.filter((d) => !agent.authorityDocuments.includes(d.code));
    if (missing.length > 0) shortfalls.push({ reason: 'agent_authority', kind: 'appointed', missingCodes: missing.map((d) => d.code) });
  }
  if (rule.agentIdentityRequired) {
    const gap = identityShortfall(rule, agent.identityDocuments);
    if (gap) shortfalls.push({ reason: 'agent_identity', ...gap });
  }
  return { accepted: shortfalls.length === 0, shortfalls };
}
