// The fee of one request, as APPI Art. 38 allows it. A fee may be charged only for notifying
// the purposes of use (Art. 32(2)) and for disclosure, including the records of provision to
// third parties (Art. 33(1), (5)); correction, suspension and stopping provision are free
// whatever the requester asks for. On a chargeable request the amount is the organisation's
// fee for its type, plus the cost of paper when the requester chose paper (a fixed amount
// from the settings, or the actual mailing cost that staff enter when the settings say "at
// cost"), plus the actual cost of a special method the requester asked for. Pure functions.
import type { RequestSettings } from '../organization/request-settings.ts';
import { feeAllowed } from '../organization/request-settings.rules.ts';
import { MAX_FEE_YEN } from '../organization/request-settings.ts';
import type { DeliveryMethod, RequestType } from './request.ts';

export interface FeeBreakdown {
  /** Whether the requester is asked to pay anything at all. */
  applies: boolean;
  /** The organisation's fee for this type of request. */
  baseYen: number;
  /** The fixed paper charge from the settings (0 when paper is charged at cost). */
  paperYen: number;
  /** What staff entered: the actual cost of paper or of a special method. */
  extraYen: number;
  totalYen: number;
  /** Paper was chosen and the settings charge it at cost: staff should enter the cost. */
  paperAtCost: boolean;
}

const NOTHING: FeeBreakdown = { applies: false, baseYen: 0, paperYen: 0, extraYen: 0, totalYen: 0, paperAtCost: false };

/** The fee a request carries under the settings in force, with what staff added. */
export function feeFor(
  settings: Pick<RequestSettings, 'fees'>,
  request: { type: RequestType; deliveryMethod: DeliveryMethod },
  extraYen = 0,
): FeeBreakdown {
  if (!feeAllowed(request.type)) return NOTHING;
  const baseYen = settings.fees.perRequest[request.type];
  const paper = request.deliveryMethod === 'paper';
  const paperYen = paper ? (settings.fees.paperDeliveryYen ?? 0) : 0;
  const extra = Math.max(0, Math.trunc(extraYen));
  const totalYen = baseYen + paperYen + extra;
  return {
    applies: totalYen > 0,
    baseYen,
    paperYen,
    extraYen: extra,
    totalYen,
    paperAtCost: paper && settings.fees.paperDeliveryYen === null,
  };
}

/** What an extra cost is for. */
export const EXTRA_COST_BASES = ['paper_at_cost', 'special_method'] as const;
export type ExtraCostBasis = (typeof EXTRA_COST_BASES)[number];

export interface ExtraCostProblem {
  reason: 'fee_not_applicable' | 'paper_not_requested' | 'paper_has_fixed_charge' | 'special_method_not_charged' | 'too_large';
  message: string;
}

/**
 * Whether staff may add an actual cost on the given bases: never on a request without a fee;
 * paper at cost only when paper was chosen and the settings have no fixed paper charge; a
 * special method only when the settings say such methods are charged at cost.
 */
export function extraCostProblem(
  settings: Pick<RequestSettings, 'fees'>,
  request: { type: RequestType; deliveryMethod: DeliveryMethod },
  bases: readonly ExtraCostBasis[],
  amountYen: number,
): ExtraCostProblem | null {
  if (!feeAllowed(request.type)) {
    return { reason: 'fee_not_applicable', message: 'APPI Art. 38 allows no fee, and so no extra cost, on this type of request' };
  }
  if (bases.includes('paper_at_cost')) {
    if (request.deliveryMethod !== 'paper') return { reason: 'paper_not_requested', message: 'the requester did not ask for paper' };
    if (settings.fees.paperDeliveryYen !== null) {
      return { reason: 'paper_has_fixed_charge', message: 'the settings charge a fixed amount for paper; it is already in the fee' };
    }
  }
  if (bases.includes('special_method') && !settings.fees.specialMethodAtCost) {
    return { reason: 'special_method_not_charged', message: 'the settings do not charge special methods at cost' };
  }
  const base = feeFor(settings, request, 0);
  if (base.totalYen + amountYen > MAX_FEE_YEN) {
    return { reason: 'too_large', message: `the whole fee may not exceed ${MAX_FEE_YEN} yen` };
  }
  return null;
}
