// The completeness rule of the APPI Art. 32(1) public notice (with Cabinet Order Art. 10):
// the notice must state, in every language it is published in,
//   (i)   the business's name and address and its representative's name;
//   (ii)  the purposes of use of all retained personal data;
//   (iii) the procedures for requests (purpose notification, disclosure including the records
//         of provision to third parties, correction, suspension/erasure, stopping provision)
//         and the fee, where one is set;
//   (iv)  the security control measures taken, naming the foreign countries where retained
//         data is handled; where to send complaints; and the accredited personal information
//         protection organisation, if any (membership of none is itself stated).
// An item is missing when its data is missing or when the notice document has no block that
// states it. Pure: the publish service and the admin preview call the same function.
import type { Language } from '../../lib/errors.ts';
import { LANGUAGES } from './localized.ts';
import { NOTICE_ITEMS, type NoticeGap, type NoticeInput, type NoticeItem } from './notice-input.ts';
import { generatedKeysOf, type GeneratedBlockKey, type PolicyContent } from './policy.ts';
import { renderGeneratedBlock } from './policy-render.ts';

/** The generated blocks that state each item; the notice document must contain all of them. */
export const NOTICE_ITEM_BLOCKS: Record<NoticeItem, GeneratedBlockKey[]> = {
  business_identity: ['organization.identity'],
  purposes_of_use: ['purposes.list'],
  request_procedures: ['requests.procedures', 'requests.fees'],
  security_measures: ['security.measures'],
  complaint_contact: ['organization.complaint_contact'],
  accredited_organization: ['organization.accredited'],
};

function addGap(gaps: NoticeGap[], gap: NoticeGap): void {
  if (!gaps.some((g) => g.item === gap.item && g.field === gap.field && g.language === gap.language)) gaps.push(gap);
}

/** What the given generated blocks cannot fill, in each language. */
export function generatedGaps(keys: readonly GeneratedBlockKey[], input: NoticeInput, languages: readonly Language[] = LANGUAGES): NoticeGap[] {
  const gaps: NoticeGap[] = [];
  for (const key of keys) {
    for (const lang of languages) for (const g of renderGeneratedBlock(key, input, lang).gaps) addGap(gaps, g);
  }
  return gaps;
}

/** The data side: what the notice could not state from this input. */
export function noticeDataGaps(input: NoticeInput): NoticeGap[] {
  return generatedGaps(
    NOTICE_ITEMS.flatMap((item) => NOTICE_ITEM_BLOCKS[item]),
    input,
  );
}

/** The document side: items the notice document has no block for. */
export function noticeStructureGaps(content: PolicyContent): NoticeGap[] {
  const present = new Set(generatedKeysOf(content));
  const gaps: NoticeGap[] = [];
  for (const item of NOTICE_ITEMS) {
    for (const key of NOTICE_ITEM_BLOCKS[item]) if (!present.has(key)) gaps.push({ item, field: `block:${key}` });
  }
  return gaps;
}

export interface NoticeCompleteness {
  complete: boolean;
  /** Items that cannot be stated, in the order of the Act. */
  missingItems: NoticeItem[];
  gaps: NoticeGap[];
}

export function checkNoticeCompleteness(input: NoticeInput, content?: PolicyContent): NoticeCompleteness {
  const gaps = [...(content ? noticeStructureGaps(content) : []), ...noticeDataGaps(input)];
  const missingItems = NOTICE_ITEMS.filter((item) => gaps.some((g) => g.item === item));
  return { complete: gaps.length === 0, missingItems, gaps };
}
