// Corrections staff write into an approved correction decision, in a form the engine can apply:
// one line per corrected field, `訂正 system:dataset.collection.field = new value` (or
// `correct …`). Other lines are prose for the letter. A decision without such lines leaves the
// correction to staff, who make it in each system themselves.

export interface CorrectionLine {
  /** The collection as the plan names it: `system:dataset.collection`. */
  node: string;
  field: string;
  value: string;
}

// The node runs to the last dot before the field; the field is one top-level name.
const LINE = /^\s*(?:correct|訂正)\s*[:：]?\s*([^\s:：=＝]+:[^\s=＝]+)\.([^\s.=＝]+)\s*[=＝]\s*(\S(?:.*\S)?)\s*$/iu;

export const MAX_CORRECTION_LINES = 200;

/** The correction lines of a decision's details, in order; the same field twice keeps the last. */
export function parseCorrectionLines(details: string | null): CorrectionLine[] {
  if (details === null) return [];
  const byTarget = new Map<string, CorrectionLine>();
  for (const line of details.split(/\r?\n/)) {
    const m = LINE.exec(line);
    const node = m?.[1];
    const field = m?.[2];
    const value = m?.[3];
    if (node === undefined || field === undefined || value === undefined) continue;
    const key = `${node}\n${field}`;
    byTarget.delete(key);
    byTarget.set(key, { node, field, value });
    if (byTarget.size >= MAX_CORRECTION_LINES) break;
  }
  return [...byTarget.values()];
}
