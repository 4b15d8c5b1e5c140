// Reference lists the staff console needs beside the requests themselves: who a request can
// be assigned to (and whose names the timeline shows), and the reasons a decision may give
// with their legal grounds, in both languages, from the one list letters are written from.
import type { Db } from '../../db/database.ts';
import type { Localized } from '../policies/localized.ts';
import { PERMISSIONS } from '../staff/permissions.ts';
import { DECISION_REASON_CODES, PART_REASONS, decisionReason, type DecisionReasonCode } from './decision.rules.ts';
import { activeStaffWithRoles } from './desk.repository.ts';

export interface AssignableStaff {
  id: string;
  displayName: string;
  role: string;
}

/** Active staff whose role works requests: the only people a request can be assigned to. */
export async function listAssignableStaff(db: Db): Promise<AssignableStaff[]> {
  const rows = await activeStaffWithRoles(db, PERMISSIONS['requests.work']);
  return rows.map((r) => ({ id: r.id, displayName: r.displayName, role: r.role }));
}

export interface DecisionReasonEntry {
  code: DecisionReasonCode;
  /** Its number in the policy's list (1–9); null for a reason about a measure. */
  policyNumber: number | null;
  label: Localized;
  legalGround: Localized;
  /** Whether a withheld part of a partial disclosure may rest on it. */
  forParts: boolean;
}

export function listDecisionReasons(): DecisionReasonEntry[] {
  return DECISION_REASON_CODES.map((code) => {
    const r = decisionReason(code);
    return {
      code,
      policyNumber: r.policyNumber,
      label: { ja: r.label.ja, en: r.label.en },
      legalGround: { ja: r.legalGround.ja, en: r.legalGround.en },
      forParts: (PART_REASONS as readonly string[]).includes(code),
    };
  });
}
