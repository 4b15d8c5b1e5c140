// The console's frame and routes: the header with the menu (each entry shown only when the
// role holds its permission), the language switch and the account; the pages under /admin;
// and the sign-in page whenever there is no active session (the URL is kept, so the page
// asked for opens once signed in).
import { useEffect, useState, type ReactNode } from 'react';
import { useT } from '../shared/i18n.tsx';
import { Link, matchPath, useFocusOnNavigate, useLocation } from '../shared/router.tsx';
import { Alert, LanguageSwitch, Loading, SkipLink } from '../shared/ui.tsx';
import type { Permission } from './api-types.ts';
import { common } from './messages/common.messages.ts';
import { AccountPage } from './pages/account-page.tsx';
import { ApiKeysPage } from './pages/api-keys-page.tsx';
import { AuditPage } from './pages/audit-page.tsx';
import { DashboardPage } from './pages/dashboard-page.tsx';
import { DataMapPage, SystemPage } from './pages/datamap-page.tsx';
import { MailboxPage } from './pages/mailbox-page.tsx';
import { PoliciesPage, PolicyDocumentPage } from './pages/policies-page.tsx';
import { QueuePage } from './pages/queue-page.tsx';
import { RequestPage } from './pages/request-page.tsx';
import { SettingsPage } from './pages/settings-page.tsx';
import { SetupPasswordPage, SignInPage } from './pages/sign-in-page.tsx';
import { StaffPage } from './pages/staff-page.tsx';
import { SessionProvider, useSession, useStaff } from './session.tsx';

interface NavItem {
  to: string;
  label: keyof (typeof common)['ja'];
  permission: Permission;
  /** Paths under this entry (for aria-current). */
  prefix: string;
}

const NAV: readonly NavItem[] = [
  { to: '/admin/', label: 'nav.dashboard', permission: 'requests.read', prefix: '/admin/dashboard' },
  { to: '/admin/requests', label: 'nav.requests', permission: 'requests.read', prefix: '/admin/requests' },
  { to: '/admin/inventory', label: 'nav.datamap', permission: 'inventory.read', prefix: '/admin/inventory' },
  { to: '/admin/policies', label: 'nav.policies', permission: 'policies.read', prefix: '/admin/policies' },
  { to: '/admin/settings', label: 'nav.settings', permission: 'organization.read', prefix: '/admin/settings' },
  { to: '/admin/staff', label: 'nav.staff', permission: 'staff.read', prefix: '/admin/staff' },
  { to: '/admin/api-keys', label: 'nav.apiKeys', permission: 'api_keys.read', prefix: '/admin/api-keys' },
  { to: '/admin/audit', label: 'nav.audit', permission: 'audit.read', prefix: '/admin/audit' },
  { to: '/admin/dev-mailbox', label: 'nav.mailbox', permission: 'mailbox.read', prefix: '/admin/dev-mailbox' },
];

interface RouteDef {
  pattern: string;
  permission: Permission;
  render(params: Record<string, string>): ReactNode;
}

const ROUTES: readonly RouteDef[] = [
  { pattern: '/admin/requests', permission: 'requests.read', render: () => <QueuePage /> },
  { pattern: '/admin/requests/:id', permission: 'requests.read', render: (p) => <RequestPage id={p.id ?? ''} /> },
  { pattern: '/admin/inventory', permission: 'inventory.read', render: () => <DataMapPage /> },
  { pattern: '/admin/inventory/:name', permission: 'inventory.read', render: (p) => <SystemPage name={p.name ?? ''} /> },
  { pattern: '/admin/policies', permission: 'policies.read', render: () => <PoliciesPage /> },
  { pattern: '/admin/policies/:kind', permission: 'policies.read', render: (p) => <PolicyDocumentPage kind={p.kind ?? ''} /> },
  { pattern: '/admin/settings', permission: 'organization.read', render: () => <SettingsPage /> },
  { pattern: '/admin/staff', permission: 'staff.read', render: () => <StaffPage /> },
  { pattern: '/admin/api-keys', permission: 'api_keys.read', render: () => <ApiKeysPage /> },
  { pattern: '/admin/audit', permission: 'audit.read', render: () => <AuditPage /> },
  { pattern: '/admin/dev-mailbox', permission: 'mailbox.read', render: () => <MailboxPage /> },
  { pattern: '/admin/account', permission: 'self.read', render: () => <AccountPage /> },
];

function isCurrent(item: NavItem, pathname: string): boolean {
  if (item.to === '/admin/') return pathname === '/admin' || pathname === '/admin/' || pathname.startsWith(item.prefix);
  return pathname === item.prefix || pathname.startsWith(`${item.prefix}/`);
}

function Home() {
  const { can } = useStaff();
  const t = useT(common);
  if (can('requests.read')) return <DashboardPage />;
  // Roles without the request desk (system owners) start at the first page they may see.
  const first = NAV.find((n) => can(n.permission));
  return (
    <>
      <h1>{t('app.title')}</h1>
      {first ? (
        <p>
          <Link to={first.to}>{t(first.label)}</Link>
        </p>
      ) : null}
    </>
  );
}

function Pages() {
  const { pathname } = useLocation();
  const { can } = useStaff();
  const t = useT(common);
  if (pathname === '/admin' || pathname === '/admin/' || pathname === '/admin/dashboard') return <Home />;
  for (const route of ROUTES) {
    const params = matchPath(route.pattern, pathname);
    if (!params) continue;
    if (!can(route.permission)) return <Alert tone="warning" title={t('page.forbidden')} />;
    return <>{route.render(params)}</>;
  }
  return <h1>{t('page.notFound')}</h1>;
}

function Header({ signedIn }: { signedIn: boolean }) {
  const t = useT(common);
  return (
    <header className="admin-header">
      <div className="admin-header-inner">
        <Link to="/admin/" className="brand">
          {t('app.brand')}
          <span className="brand-sub">{t('app.sub')}</span>
        </Link>
        <div className="header-tools">
          <LanguageSwitch />
          {signedIn ? <AccountMenu /> : null}
        </div>
      </div>
    </header>
  );
}

function AccountMenu() {
  const t = useT(common);
  const { me } = useStaff();
  const { signOut } = useSession();
  return (
    <div className="account">
      <Link to="/admin/account" className="account-link" title={t('account.signedInAs', { name: me.displayName, role: t(`role.${me.role}`) })}>
        {me.displayName}
      </Link>
      <button type="button" className="btn-signout" onClick={() => void signOut()}>
        {t('account.signOut')}
      </button>
    </div>
  );
}

function Nav() {
  const t = useT(common);
  const { can } = useStaff();
  const { pathname } = useLocation();
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [pathname]);
  return (
    <nav className="admin-nav" aria-label={t('nav.label')}>
      <button type="button" className="nav-toggle" aria-expanded={open} aria-controls="admin-nav-list" onClick={() => setOpen((o) => !o)}>
        {t('nav.menu')}
      </button>
      <ul id="admin-nav-list" className={open ? 'nav-open' : undefined}>
        {NAV.filter((n) => can(n.permission)).map((n) => (
          <li key={n.to}>
            <Link to={n.to} aria-current={isCurrent(n, pathname) ? 'page' : undefined}>
              {t(n.label)}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Console() {
  const { state } = useSession();
  const { pathname, search } = useLocation();
  useFocusOnNavigate(pathname);
  useEffect(() => {
    document.title = 'Madoguchi';
  }, []);

  if (pathname.startsWith('/admin/setup-password')) {
    return (
      <>
        <SkipLink />
        <Header signedIn={false} />
        <main id="main" className="auth-main">
          <SetupPasswordPage token={search.get('token') ?? ''} />
        </main>
      </>
    );
  }
  if (state.kind === 'loading') {
    return (
      <main id="main" className="auth-main">
        <Loading />
      </main>
    );
  }
  if (state.kind === 'signed_out') {
    return (
      <>
        <SkipLink />
        <Header signedIn={false} />
        <main id="main" className="auth-main">
          <SignInPage expired={state.reason === 'expired'} />
        </main>
      </>
    );
  }
  return (
    <>
      <SkipLink />
      <Header signedIn />
      <div className="admin-body">
        <Nav />
        <main id="main" className="admin-main">
          <Pages />
        </main>
      </div>
    </>
  );
}

export function AdminApp() {
  return (
    <SessionProvider>
      <Console />
    </SessionProvider>
  );
}
