// Staff accounts and roles for administrators: the list, adding a person (the answer is the
// one-time link on which they choose a password), changing a role, disabling an account,
// resetting a lost authenticator and issuing a new set-up link. Others with staff.read see the
// list only.
import { useState, type FormEvent } from 'react';
import { formatDate, useLanguage, useT } from '../../shared/i18n.tsx';
import { Alert, Button, ErrorAlert, Field, Loading, Table, type Column } from '../../shared/ui.tsx';
import { useAsync } from '../../shared/use-async.ts';
import { STAFF_ROLES, type StaffMember, type StaffRole } from '../api-types.ts';
import { ActionsHeader, ActionResult, DateTime, PageHeader, Section, useAction } from '../admin-ui.tsx';
import { common } from '../messages/common.messages.ts';
import { manageMessages } from '../messages/manage.messages.ts';
import { api, useStaff } from '../session.tsx';

interface SetupLink {
  setupLink: string;
  setupLinkExpiresAt: string;
}

function LinkShown({ link }: { link: SetupLink }) {
  const t = useT(manageMessages);
  const { lang } = useLanguage();
  return (
    <Alert tone="success">
      <p>{t('staff.created', { date: formatDate(link.setupLinkExpiresAt, lang, true) })}</p>
      <p>
        <label htmlFor="setup-link" className="visually-hidden">
          {t('staff.setupLink')}
        </label>
        <input id="setup-link" type="text" readOnly value={link.setupLink} className="mono" onFocus={(e) => e.currentTarget.select()} />
      </p>
    </Alert>
  );
}

function CreateStaff({ onCreated }: { onCreated(link: SetupLink): void }) {
  const t = useT(manageMessages);
  const tc = useT(common);
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<StaffRole>('handler');
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const created = await action.run(() => api<SetupLink>('/api/admin/staff', { body: { email: email.trim(), role, ...(displayName.trim() ? { displayName: displayName.trim() } : {}) } }));
    if (created) {
      setEmail('');
      setDisplayName('');
      onCreated(created);
    }
  };
  return (
    <form onSubmit={submit}>
      <div className="form-grid">
        <Field label={t('staff.email')} required>
          {(p) => <input {...p} type="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        <Field label={t('staff.displayName')}>{(p) => <input {...p} type="text" maxLength={100} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />}</Field>
        <Field label={t('staff.role')} required>
          {(p) => (
            <select {...p} value={role} onChange={(e) => setRole(e.target.value as StaffRole)}>
              {STAFF_ROLES.map((r) => (
                <option key={r} value={r}>
                  {tc(`role.${r}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <ErrorAlert error={action.error} />
      <Button type="submit" busy={action.busy} disabled={!email.trim()}>
        {t('staff.create')}
      </Button>
    </form>
  );
}

export function StaffPage() {
  const t = useT(manageMessages);
  const tc = useT(common);
  const { can, me } = useStaff();
  const [tick, setTick] = useState(0);
  const staff = useAsync((signal) => api<{ staff: StaffMember[] }>('/api/admin/staff', { signal }).then((r) => r.staff), [tick]);
  const [link, setLink] = useState<SetupLink | null>(null);
  const action = useAction();
  const manage = can('staff.manage');

  const post = async (s: StaffMember, path: string, body: unknown, confirmText?: string) => {
    if (confirmText && !window.confirm(confirmText)) return;
    const res = await action.run(() => api<Partial<SetupLink>>(`/api/admin/staff/${encodeURIComponent(s.id)}/${path}`, { body }), t('staff.updated'));
    if (res) {
      if (res.setupLink && res.setupLinkExpiresAt) setLink({ setupLink: res.setupLink, setupLinkExpiresAt: res.setupLinkExpiresAt });
      setTick((n) => n + 1);
    }
  };

  const columns: Column<StaffMember>[] = [
    { key: 'name', header: t('staff.col.name'), cell: (s) => s.displayName },
    { key: 'email', header: t('staff.col.email'), cell: (s) => s.email },
    {
      key: 'role',
      header: t('staff.col.role'),
      cell: (s) =>
        manage && s.status === 'active' && s.id !== me.id ? (
          <select aria-label={t('staff.changeRole', { name: s.displayName })} className="select-compact" value={s.role} onChange={(e) => void post(s, 'role', { role: e.target.value })}>
            {STAFF_ROLES.map((r) => (
              <option key={r} value={r}>
                {tc(`role.${r}`)}
              </option>
            ))}
          </select>
        ) : (
          tc(`role.${s.role}`)
        ),
    },
    {
      key: 'status',
      header: t('staff.col.status'),
      cell: (s) => (
        <>
          <span className={s.status === 'active' ? 'badge badge-ok' : 'badge badge-muted'}>{s.status === 'active' ? t('staff.active') : t('staff.disabled')}</span>
          {!s.passwordSet ? <span className="cell-sub">{t('staff.noPassword')}</span> : null}
        </>
      ),
    },
    { key: 'mfa', header: t('staff.col.mfa'), cell: (s) => (s.mfaEnabled ? tc('common.yes') : tc('common.no')) },
    { key: 'last', header: t('staff.col.lastSignIn'), cell: (s) => <DateTime iso={s.lastSigninAt} /> },
    {
      key: 'actions',
      header: <ActionsHeader />,
      cell: (s) =>
        manage && s.status === 'active' && s.id !== me.id ? (
          <div className="cell-actions">
            <Button variant="link" onClick={() => void post(s, 'setup-link', {})}>
              {t('staff.newLink')}
            </Button>
            {s.mfaEnabled ? (
              <Button variant="link" onClick={() => void post(s, 'reset-mfa', {}, t('staff.resetMfaConfirm', { name: s.displayName }))}>
                {t('staff.resetMfa')}
              </Button>
            ) : null}
            <Button variant="link" onClick={() => void post(s, 'disable', {}, t('staff.disableConfirm', { name: s.displayName }))}>
              {t('staff.disable')}
            </Button>
          </div>
        ) : null,
    },
  ];

  return (
    <>
      <PageHeader title={t('staff.title')} />
      <ActionResult action={action} />
      {link ? <LinkShown link={link} /> : null}
      {staff.data ? <Table caption={t('staff.caption')} columns={columns} rows={staff.data} rowKey={(s) => s.id} /> : staff.loading ? <Loading /> : <ErrorAlert error={staff.error} />}
      {manage ? (
        <Section title={t('staff.create')}>
          <CreateStaff
            onCreated={(l) => {
              setLink(l);
              setTick((n) => n + 1);
            }}
          />
        </Section>
      ) : null}
    </>
  );
}
