// API keys for the company's applications: the list (never the secret), creating one (the key
// is shown this once) and revoking one.
import { useState, type FormEvent } from 'react';
import { useT } from '../../shared/i18n.tsx';
import { Alert, Button, ErrorAlert, Field, Loading, Table, type Column } from '../../shared/ui.tsx';
import { useAsync } from '../../shared/use-async.ts';
import { API_KEY_SCOPES, type ApiKey } from '../api-types.ts';
import { ActionsHeader, ActionResult, DateTime, PageHeader, Section, useAction } from '../admin-ui.tsx';
import { manageMessages } from '../messages/manage.messages.ts';
import { api, useStaff } from '../session.tsx';

export function ApiKeysPage() {
  const t = useT(manageMessages);
  const { can } = useStaff();
  const [tick, setTick] = useState(0);
  const keys = useAsync((signal) => api<{ apiKeys: ApiKey[] }>('/api/admin/api-keys', { signal }).then((r) => r.apiKeys), [tick]);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [days, setDays] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const create = useAction();
  const revoke = useAction();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const res = await create.run(() => api<{ key: string }>('/api/admin/api-keys', { body: { name: name.trim(), scopes, ...(days ? { expiresInDays: Number(days) } : {}) } }));
    if (res) {
      setCreated(res.key);
      setName('');
      setScopes([]);
      setDays('');
      setTick((n) => n + 1);
    }
  };
  const doRevoke = async (k: ApiKey) => {
    if (!window.confirm(t('keys.revokeConfirm', { name: k.name }))) return;
    const ok = await revoke.run(() => api(`/api/admin/api-keys/${encodeURIComponent(k.id)}/revoke`, { method: 'POST', body: {} }), t('keys.revokedDone'));
    if (ok) setTick((n) => n + 1);
  };

  const columns: Column<ApiKey>[] = [
    { key: 'name', header: t('keys.col.name'), cell: (k) => k.name },
    { key: 'prefix', header: t('keys.col.prefix'), cell: (k) => <code>mdg_{k.prefix}_…</code> },
    { key: 'scopes', header: t('keys.col.scopes'), cell: (k) => k.scopes.join(', ') },
    { key: 'created', header: t('keys.col.created'), cell: (k) => <DateTime iso={k.createdAt} /> },
    { key: 'used', header: t('keys.col.lastUsed'), cell: (k) => <DateTime iso={k.lastUsedAt} /> },
    { key: 'expires', header: t('keys.col.expires'), cell: (k) => <DateTime iso={k.expiresAt} /> },
    { key: 'state', header: t('keys.col.state'), cell: (k) => <span className={k.revokedAt ? 'badge badge-muted' : 'badge badge-ok'}>{k.revokedAt ? t('keys.revoked') : t('keys.active')}</span> },
    {
      key: 'actions',
      header: <ActionsHeader />,
      cell: (k) =>
        can('api_keys.manage') && !k.revokedAt ? (
          <Button variant="link" onClick={() => void doRevoke(k)}>
            {t('keys.revoke')}
          </Button>
        ) : null,
    },
  ];

  return (
    <>
      <PageHeader title={t('keys.title')} />
      <ActionResult action={revoke} />
      {created ? (
        <Alert tone="success">
          <p>{t('keys.createdKey')}</p>
          <p>
            <label htmlFor="new-key" className="visually-hidden">
              {t('keys.title')}
            </label>
            <input id="new-key" type="text" readOnly className="mono" value={created} onFocus={(e) => e.currentTarget.select()} />
          </p>
        </Alert>
      ) : null}
      {keys.data ? <Table caption={t('keys.caption')} columns={columns} rows={keys.data} rowKey={(k) => k.id} /> : keys.loading ? <Loading /> : <ErrorAlert error={keys.error} />}
      {can('api_keys.manage') ? (
        <Section title={t('keys.create')}>
          <form onSubmit={submit}>
            <Field label={t('keys.name')} required>
              {(p) => <input {...p} type="text" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
            </Field>
            <fieldset>
              <legend>{t('keys.scopes')}</legend>
              {API_KEY_SCOPES.map((s) => (
                <label key={s} className="inline-choice">
                  <input type="checkbox" checked={scopes.includes(s)} onChange={() => setScopes((cur) => (cur.includes(s) ? cur.filter((x) => x !== s) : [...cur, s]))} />
                  <code>{s}</code>
                </label>
              ))}
            </fieldset>
            <Field label={t('keys.expires')}>{(p) => <input {...p} type="number" min={1} max={3650} className="input-short" value={days} onChange={(e) => setDays(e.target.value)} />}</Field>
            <ErrorAlert error={create.error} />
            <Button type="submit" busy={create.busy} disabled={!name.trim() || scopes.length === 0}>
              {t('keys.create')}
            </Button>
          </form>
        </Section>
      ) : null}
    </>
  );
}
