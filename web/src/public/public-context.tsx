// What every page of the privacy centre shares: the organisation (loaded once by the frame)
// and the tab title.
import { createContext, useContext, useEffect } from 'react';
import { useLanguage, useLocalized, useT } from '../shared/i18n.tsx';
import type { Organization } from './public-api.ts';
import { m } from './public.messages.ts';

export const OrganizationContext = createContext<Organization | null>(null);

export function useOrganization(): Organization | null {
  return useContext(OrganizationContext);
}

/** The organisation's name in the current language, or a neutral word while it loads. */
export function useOrgName(): string {
  const org = useOrganization();
  const pick = useLocalized();
  const { lang } = useLanguage();
  return org ? pick(org.name) : lang === 'ja' ? '当社' : 'we';
}

/** Sets the tab title: the page first, then the privacy centre. */
export function usePageTitle(page: string | null): void {
  const t = useT(m);
  const org = useOrganization();
  const pick = useLocalized();
  useEffect(() => {
    const site = org ? t('site.titleWithOrg', { org: pick(org.name) }) : t('site.title');
    document.title = page ? `${page} | ${site}` : site;
  }, [page, org, t, pick]);
}

