// The audit log: filtered by action, actor, target, request and dates (Japanese calendar days),
// newest first with older pages on demand; and the check of the whole hash chain.
import { useState, type FormEvent } from 'react';
import { useT } from '../../shared/i18n.tsx';
import { Alert, Button, ErrorAlert, Loading, Table, type Column } from '../../shared/ui.tsx';
import { useAsync } from '../../shared/use-async.ts';
import type { AuditEntry, AuditVerifyResult } from '../api-types.ts';
import { DateTime, PageHeader, useAction } from '../admin-ui.tsx';
import { manageMessages } from '../messages/manage.messages.ts';
import { api } from '../session.tsx';

interface AuditFilters {
  action: string;
  actorType: string;
  actorId: string;
  targetType: string;
  targetId: string;
  requestId: string;
  from: string;
  to: string;
}

const EMPTY: AuditFilters = { action: '', actorType: '', actorId: '', targetType: '', targetId: '', requestId: '', from: '', to: '' };
const ACTOR_TYPES = ['staff', 'requester', 'api_key', 'system'] as const;

function query(f: AuditFilters, cursor: string | null): string {
  const p = new URLSearchParams();
  for (const k of ['action', 'actorType', 'actorId', 'targetType', 'targetId', 'requestId'] as const) if (f[k].trim()) p.set(k, f[k].trim());
  // Days are Japanese calendar days: from the start of `from` to the end of `to`.
  if (f.from) p.set('from', `${f.from}T00:00:00+09:00`);
  if (f.to) p.set('to', new Date(new Date(`${f.to}T00:00:00+09:00`).getTime() + 86_400_000).toISOString());
  p.set('limit', '100');
  if (cursor) p.set('cursor', cursor);
  return p.toString();
}

export function AuditPage() {
  const t = useT(manageMessages);
  const [draft, setDraft] = useState<AuditFilters>(EMPTY);
  const [applied, setApplied] = useState<AuditFilters>(EMPTY);
  const page = useAsync((signal) => api<{ entries: AuditEntry[]; nextCursor: string | null }>(`/api/admin/audit?${query(applied, null)}`, { signal }), [applied]);
  const [older, setOlder] = useState<{ for: AuditFilters; entries: AuditEntry[]; cursor: string | null } | null>(null);
  const more = useAction();
  const verify = useAction();
  const [verdict, setVerdict] = useState<AuditVerifyResult | null>(null);

  const entries = [...(page.data?.entries ?? []), ...(older?.for === applied ? older.entries : [])];
  const cursor = older?.for === applied ? older.cursor : (page.data?.nextCursor ?? null);
  const knownActions = [...new Set(entries.map((e) => e.action))].sort();

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setApplied({ ...draft });
  };
  const loadMore = async () => {
    if (!cursor) return;
    const next = await more.run(() => api<{ entries: AuditEntry[]; nextCursor: string | null }>(`/api/admin/audit?${query(applied, cursor)}`));
    if (next) setOlder({ for: applied, entries: [...(older?.for === applied ? older.entries : []), ...next.entries], cursor: next.nextCursor });
  };
  const runVerify = async () => {
    const r = await verify.run(() => api<AuditVerifyResult>('/api/admin/audit/verify', { method: 'POST', body: {} }));
    if (r) setVerdict(r);
  };
  const input = (key: keyof AuditFilters, label: string, type = 'text', list?: string) => (
    <div className="filter">
      <label htmlFor={`audit-${key}`}>{label}</label>
      <input id={`audit-${key}`} type={type} list={list} maxLength={200} value={draft[key]} onChange={(e) => setDraft((d) => ({ ...d, [key]: e.target.value }))} />
    </div>
  );

  const columns: Column<AuditEntry>[] = [
    { key: 'seq', header: t('audit.col.seq'), cell: (e) => e.seq, className: 'num' },
    { key: 'at', header: t('audit.col.at'), cell: (e) => <DateTime iso={e.at} /> },
    { key: 'actor', header: t('audit.col.actor'), cell: (e) => <code>{`${e.actor.type}${e.actor.id ? `:${e.actor.id}` : ''}`}</code> },
    { key: 'action', header: t('audit.col.action'), cell: (e) => <code>{e.action}</code> },
    { key: 'target', header: t('audit.col.target'), cell: (e) => (e.target ? <code>{`${e.target.type}${e.target.id ? `:${e.target.id}` : ''}`}</code> : '—') },
    {
      key: 'details',
      header: t('audit.col.details'),
      cell: (e) => (Object.keys(e.details).length > 0 ? <code className="details-json">{JSON.stringify(e.details)}</code> : '—'),
    },
  ];

  return (
    <>
      <PageHeader title={t('audit.title')}>
        <Button variant="secondary" busy={verify.busy} onClick={() => void runVerify()}>
          {t('audit.verify')}
        </Button>
      </PageHeader>
      <ErrorAlert error={verify.error} />
      {verdict ? (
        verdict.ok ? (
          <Alert tone="success">{t('audit.verifyOk', { n: verdict.entries, head: verdict.headSeq })}</Alert>
        ) : (
          <Alert tone="error">{t('audit.verifyBroken', { seq: verdict.firstBroken.seq, reason: verdict.firstBroken.reason })}</Alert>
        )
      ) : null}
      <form className="filters" onSubmit={apply} aria-label={t('audit.filters')}>
        {input('action', t('audit.action'), 'text', 'audit-actions')}
        <datalist id="audit-actions">
          {knownActions.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <div className="filter">
          <label htmlFor="audit-actorType">{t('audit.actorType')}</label>
          <select id="audit-actorType" value={draft.actorType} onChange={(e) => setDraft((d) => ({ ...d, actorType: e.target.value }))}>
            <option value="">{t('audit.any')}</option>
            {ACTOR_TYPES.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        {input('actorId', t('audit.actorId'))}
        {input('targetType', t('audit.targetType'))}
        {input('targetId', t('audit.targetId'))}
        {input('requestId', t('audit.requestId'))}
        {input('from', t('audit.from'), 'date')}
        {input('to', t('audit.to'), 'date')}
        <div className="filter filter-buttons">
          <Button type="submit">{t('audit.apply')}</Button>
          <Button
            variant="link"
            onClick={() => {
              setDraft(EMPTY);
              setApplied(EMPTY);
            }}
          >
            {t('audit.any')}
          </Button>
        </div>
      </form>
      <ErrorAlert error={page.error} />
      {page.loading && !page.data ? <Loading /> : <Table caption={t('audit.caption', { n: entries.length })} columns={columns} rows={entries} rowKey={(e) => e.id} empty={t('audit.empty')} />}
      <ErrorAlert error={more.error} />
      {cursor ? (
        <Button variant="secondary" busy={more.busy} onClick={() => void loadMore()}>
          {t('audit.more')}
        </Button>
      ) : null}
    </>
  );
}
