// What the generated parts of the policies (and the APPI Art. 32 notice above all) are made
// from. The notice generator reads only this, so it stays a pure function: the organisation
// profile and request settings, the purposes of use of all retained data, the security
// control measures, and the foreign countries where retained data is handled.
//
// Where the data map plugs in: `purposes` and `foreignCountries` are filled by the sources in
// notice-sources.ts; the ledger replaces the default sources there, nothing here changes.
import { z } from 'zod';
import type { Language } from '../../lib/errors.ts';
import {
  ZOrganizationProfile,
  ZSecurityMeasure,
  type OrganizationProfile,
  type SecurityMeasure,
} from '../organization/organization.ts';
import { ZRequestSettingsShape, type RequestSettings } from '../organization/request-settings.ts';
import type { NoticePurpose } from '../purposes/purpose.ts';
import type { Localized } from './localized.ts';

export interface NoticeForeignCountry {
  /** ISO 3166-1 alpha-2. */
  code: string;
  /** The country's name and the measures taken after researching its personal-information
   * regime; null when the data map names a country nobody has described yet (a gap). */
  name: Localized | null;
  measures: Localized | null;
}

export interface NoticeInput {
  organization: OrganizationProfile | null;
  settings: RequestSettings;
  /** Purposes of use of all retained personal data. */
  purposes: NoticePurpose[];
  securityMeasures: SecurityMeasure[];
  /** null: where retained data is handled has not been established (a gap); []: Japan only. */
  foreignCountries: NoticeForeignCountry[] | null;
}

const ZLoc = z.object({ ja: z.string(), en: z.string() });

/** For reading a stored snapshot back (past versions render from what was true then). */
export const ZNoticeInput = z.object({
  organization: ZOrganizationProfile.nullable(),
  settings: ZRequestSettingsShape,
  purposes: z.array(z.object({ code: z.string(), title: ZLoc, description: ZLoc, basis: z.enum(['stated', 'consent']) })),
  securityMeasures: z.array(ZSecurityMeasure),
  foreignCountries: z.array(z.object({ code: z.string(), name: ZLoc.nullable(), measures: ZLoc.nullable() })).nullable(),
});

/** The items APPI Art. 32(1) and Cabinet Order Art. 10 require the notice to state. */
export const NOTICE_ITEMS = [
  'business_identity',
  'purposes_of_use',
  'request_procedures',
  'security_measures',
  'complaint_contact',
  'accredited_organization',
] as const;
export type NoticeItem = (typeof NOTICE_ITEMS)[number];

export const NOTICE_ITEM_LABELS: Record<NoticeItem, Localized> = {
  business_identity: { ja: '事業者の名称・住所・代表者の氏名', en: 'name and address of the business and name of its representative' },
  purposes_of_use: { ja: 'すべての保有個人データの利用目的', en: 'purposes of use of all retained personal data' },
  request_procedures: { ja: '開示等の請求に応じる手続き（手数料の額を含む）', en: 'procedures for requests, including the fee' },
  security_measures: { ja: '安全管理のために講じた措置（外国の名称を含む）', en: 'security control measures taken, including foreign countries' },
  complaint_contact: { ja: '苦情の申出先', en: 'where to send complaints' },
  accredited_organization: { ja: '認定個人情報保護団体の名称と苦情の申出先', en: 'accredited personal information protection organisation' },
};

/** One thing the notice cannot state: which item, which field (a dotted path), which language
 * (absent when the value is missing in both). */
export interface NoticeGap {
  item: NoticeItem;
  field: string;
  language?: Language;
}
