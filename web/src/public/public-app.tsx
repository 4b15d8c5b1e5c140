// The privacy centre: the page frame (header, navigation, language switch, footer) and the
// client-side routes. The organisation is loaded once and shared with every page.
import type { ReactNode } from 'react';
import { useLocalized, useT } from '../shared/i18n.tsx';
import { Link, matchPath, useFocusOnNavigate, useLocation } from '../shared/router.tsx';
import { LanguageSwitch, SkipLink } from '../shared/ui.tsx';
import { useAsync } from '../shared/use-async.ts';
import { DownloadPage } from './download-page.tsx';
import { HomePage } from './home-page.tsx';
import { PolicyIndexPage, PolicyPage, PolicyVersionPage } from './policy-pages.tsx';
import { OrganizationContext, usePageTitle } from './public-context.tsx';
import { api, type Organization } from './public-api.ts';
import { m } from './public.messages.ts';
import { RequestWizard } from './request-wizard.tsx';
import { StatusPage } from './status-page.tsx';
import { VerifyPage } from './verify-page.tsx';
import './public.css';

interface Route {
  pattern: string;
  render: (params: Record<string, string>) => ReactNode;
}

const ROUTES: Route[] = [
  { pattern: '/', render: () => <HomePage /> },
  { pattern: '/policies', render: () => <PolicyIndexPage /> },
  { pattern: '/policies/:kind', render: (p) => <PolicyPage kind={p.kind ?? ''} /> },
  { pattern: '/policies/:kind/versions/:number', render: (p) => <PolicyVersionPage kind={p.kind ?? ''} number={Number(p.number)} /> },
  { pattern: '/notice', render: () => <PolicyPage kind="appi-notice" /> },
  { pattern: '/privacy-notice', render: () => <PolicyPage kind="website-privacy" /> },
  { pattern: '/requests/new', render: () => <RequestWizard /> },
  { pattern: '/requests/:id', render: (p) => <StatusPage id={p.id ?? ''} /> },
  { pattern: '/requests/:id/verify', render: (p) => <VerifyPage id={p.id ?? ''} /> },
  { pattern: '/requests/:id/download', render: (p) => <DownloadPage id={p.id ?? ''} /> },
];

function NotFound() {
  const t = useT(m);
  usePageTitle(t('notFound.title'));
  return (
    <>
      <h1>{t('notFound.title')}</h1>
      <p>
        <Link to="/">{t('notFound.home')}</Link>
      </p>
    </>
  );
}

function NavLink({ to, children, current }: { to: string; children: ReactNode; current: boolean }) {
  return (
    <Link to={to} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

export function PublicApp() {
  const t = useT(m);
  const { pathname } = useLocation();
  const org = useAsync((signal) => api<Organization>('/api/public/organization', { signal }), []);
  const pick = useLocalized();
  useFocusOnNavigate(pathname);

  let page: ReactNode = null;
  for (const route of ROUTES) {
    const params = matchPath(route.pattern, pathname);
    if (params) {
      // Keyed by path so a page's state starts afresh when its parameters change.
      page = <div key={pathname}>{route.render(params)}</div>;
      break;
    }
  }

  const section = pathname === '/' ? 'home' : pathname.startsWith('/policies') ? 'policies' : pathname === '/notice' ? 'notice' : pathname === '/privacy-notice' ? 'privacy' : pathname.startsWith('/requests') ? 'request' : null;

  return (
    <OrganizationContext.Provider value={org.data}>
      <SkipLink />
      <header className="site-header">
        <div className="site-header-inner">
          <Link to="/" className="site-name">
            {org.data ? <span className="site-org">{pick(org.data.name)}</span> : null}
            <span className="site-title">{t('site.title')}</span>
          </Link>
          <LanguageSwitch />
        </div>
        <nav aria-label={t('nav.label')} className="site-nav">
          <ul>
            <li>
              <NavLink to="/" current={section === 'home'}>
                {t('nav.home')}
              </NavLink>
            </li>
            <li>
              <NavLink to="/policies" current={section === 'policies'}>
                {t('nav.policies')}
              </NavLink>
            </li>
            <li>
              <NavLink to="/notice" current={section === 'notice'}>
                {t('nav.notice')}
              </NavLink>
            </li>
            <li>
              <NavLink to="/privacy-notice" current={section === 'privacy'}>
                {t('nav.privacyNotice')}
              </NavLink>
            </li>
            <li>
              <NavLink to="/requests/new" current={section === 'request'}>
                {t('nav.request')}
              </NavLink>
            </li>
          </ul>
        </nav>
      </header>
      <main id="main" className="site-main" tabIndex={-1}>
        {page ?? <NotFound />}
      </main>
      <footer className="site-footer">
        <p>{t('footer.note')}</p>
        <p>
          <a href="/api/docs">{t('footer.api')}</a>
        </p>
      </footer>
    </OrganizationContext.Provider>
  );
}
