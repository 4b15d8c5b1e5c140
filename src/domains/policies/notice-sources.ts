// Gathers the notice input from the database. Two parts come from sources that can be
// replaced, and this is where the data map (src/domains/inventory) plugs in:
//
//   purposes            — purposes of use of all retained data. Default: every active purpose
//                         in the registry. The ledger may narrow this to the purposes its
//                         collections actually name.
//   foreignCountryCodes — ISO codes of the foreign countries where retained data is handled.
//                         Default: the countries the organisation declared in its security
//                         statement. The ledger should answer the countries of its systems'
//                         locations and vendors outside JP; a country it names that the
//                         statement does not describe becomes a gap the notice names.
//
// Callers pass `sources` explicitly (no module-level state); `defaultNoticeSources()` is the
// single place to switch the default once the ledger is ready.
import type { Db } from '../../db/database.ts';
import type { ForeignCountryNote } from '../organization/organization.ts';
import { getOrganizationState } from '../organization/organization.service.ts';
import { DEFAULT_REQUEST_SETTINGS } from '../organization/request-settings.ts';
import { activeNoticePurposes } from '../purposes/purpose.service.ts';
import type { NoticePurpose } from '../purposes/purpose.ts';
import type { NoticeForeignCountry, NoticeInput } from './notice-input.ts';

export interface NoticeSources {
  purposes(db: Db): Promise<NoticePurpose[]>;
  /** null when it is not known where retained data is handled. */
  foreignCountryCodes(db: Db, declared: readonly ForeignCountryNote[] | null): Promise<string[] | null>;
}

export function defaultNoticeSources(): NoticeSources {
  return {
    purposes: (db) => activeNoticePurposes(db),
    foreignCountryCodes: async (_db, declared) => (declared === null ? null : declared.map((c) => c.code)),
  };
}

/** Pairs the countries the source names with the organisation's description of each. */
export function describeCountries(codes: readonly string[] | null, declared: readonly ForeignCountryNote[] | null): NoticeForeignCountry[] | null {
  if (codes === null) return null;
  return [...new Set(codes)]
    .filter((code) => code !== 'JP')
    .map((code) => {
      const note = declared?.find((c) => c.code === code);
      return { code, name: note?.name ?? null, measures: note?.measures ?? null };
    });
}

export async function buildNoticeInput(db: Db, sources: NoticeSources = defaultNoticeSources()): Promise<NoticeInput> {
  const org = await getOrganizationState(db);
  const declared = org?.security.foreignCountries ?? null;
  const codes = await sources.foreignCountryCodes(db, declared);
  return {
    organization: org?.profile ?? null,
    settings: org?.settings ?? DEFAULT_REQUEST_SETTINGS,
    purposes: await sources.purposes(db),
    securityMeasures: org?.security.measures ?? [],
    foreignCountries: describeCountries(codes, declared),
  };
}
