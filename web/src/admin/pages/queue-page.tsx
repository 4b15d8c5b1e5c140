// The request queue: filter by status, type, assignee and deadline, search by reference, id,
// email or name, sort, and assign from the list. The filters live in the URL, so a filtered
// queue can be bookmarked, shared with a colleague, and reached from the dashboard.
import { useState, type FormEvent } from 'react';
import { formatDate, useLanguage, useT } from '../../shared/i18n.tsx';
import { Link, navigate, useLocation } from '../../shared/router.tsx';
import { Button, ErrorAlert, Loading, Table, type Column } from '../../shared/ui.tsx';
import { useAsync } from '../../shared/use-async.ts';
import { OPEN_STATUSES, REQUEST_STATUSES, REQUEST_TYPES, type RequestDetail, type RequestSummary } from '../api-types.ts';
import { ActionResult, DeadlineBadge, PageHeader, StatusBadge, useAction, useAssignees } from '../admin-ui.tsx';
import { common } from '../messages/common.messages.ts';
import { deskMessages } from '../messages/desk.messages.ts';
import { api, useStaff } from '../session.tsx';

const SORTS = ['due_at', 'received_at', 'updated_at'] as const;
type Sort = (typeof SORTS)[number];

interface Filters {
  status: string; // 'open' | 'all' | a status
  type: string; // '' | a type
  assignee: string; // '' | 'me' | 'none' | id
  deadline: string; // '' | 'soon' | 'overdue'
  q: string;
  sort: Sort;
}

function filtersFrom(search: URLSearchParams): Filters {
  const sort = search.get('sort');
  return {
    status: search.get('status') ?? 'open',
    type: search.get('type') ?? '',
    assignee: search.get('assignee') ?? '',
    deadline: search.get('deadline') ?? '',
    q: search.get('q') ?? '',
    sort: SORTS.includes(sort as Sort) ? (sort as Sort) : 'due_at',
  };
}

function toSearch(f: Filters): string {
  const p = new URLSearchParams();
  if (f.status !== 'open') p.set('status', f.status);
  if (f.type) p.set('type', f.type);
  if (f.assignee) p.set('assignee', f.assignee);
  if (f.deadline) p.set('deadline', f.deadline);
  if (f.q.trim()) p.set('q', f.q.trim());
  if (f.sort !== 'due_at') p.set('sort', f.sort);
  const s = p.toString();
  return s ? `?${s}` : '';
}

function apiQuery(f: Filters, cursor: string | null): string {
  const p = new URLSearchParams();
  if (f.status === 'open') p.set('status', OPEN_STATUSES.join(','));
  else if (f.status !== 'all') p.set('status', f.status);
  if (f.type) p.set('type', f.type);
  if (f.assignee) p.set('assignee', f.assignee);
  if (f.deadline === 'soon') p.set('dueSoon', '7');
  if (f.deadline === 'overdue') p.set('overdue', 'true');
  if (f.q.trim()) p.set('q', f.q.trim());
  p.set('sort', f.sort);
  p.set('limit', '50');
  if (cursor) p.set('cursor', cursor);
  return p.toString();
}

function AssigneeSelect({ row, onChanged }: { row: RequestSummary; onChanged(detail: RequestDetail): void }) {
  const t = useT(deskMessages);
  const staff = useAssignees();
  const action = useAction();
  const change = async (value: string) => {
    const res = await action.run(() => api<{ request: RequestDetail }>(`/api/admin/requests/${encodeURIComponent(row.id)}/assign`, { body: { assigneeId: value || null } }));
    if (res) onChanged(res.request);
  };
  return (
    <>
      <select aria-label={t('queue.assignTo', { ref: row.reference })} value={row.assigneeId ?? ''} disabled={action.busy} onChange={(e) => void change(e.target.value)} className="select-compact">
        <option value="">{t('queue.nobody')}</option>
        {staff.map((s) => (
          <option key={s.id} value={s.id}>
            {s.displayName}
          </option>
        ))}
      </select>
      <ActionResult action={action} />
    </>
  );
}

export function QueuePage() {
  const t = useT(deskMessages);
  const tc = useT(common);
  const { lang } = useLanguage();
  const { can } = useStaff();
  const staff = useAssignees();
  const { search } = useLocation();
  const applied = filtersFrom(search);
  const key = toSearch(applied);
  const [draft, setDraft] = useState<Filters>(applied);
  const [draftKey, setDraftKey] = useState(key);
  if (draftKey !== key) {
    // The URL changed (back button, a dashboard link): the form follows it.
    setDraft(applied);
    setDraftKey(key);
  }
  const [extra, setExtra] = useState<{ key: string; rows: RequestSummary[]; cursor: string | null } | null>(null);
  const list = useAsync((signal) => api<{ requests: RequestSummary[]; nextCursor: string | null }>(`/api/admin/requests?${apiQuery(applied, null)}`, { signal }), [key]);
  const [edited, setEdited] = useState<Record<string, RequestSummary>>({});
  const more = useAction();

  const rows = [...(list.data?.requests ?? []), ...(extra?.key === key ? extra.rows : [])].map((r) => edited[r.id] ?? r);
  const cursor = extra?.key === key ? extra.cursor : (list.data?.nextCursor ?? null);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/admin/requests${toSearch(draft)}`);
  };
  const loadMore = async () => {
    if (!cursor) return;
    const page = await more.run(() => api<{ requests: RequestSummary[]; nextCursor: string | null }>(`/api/admin/requests?${apiQuery(applied, cursor)}`));
    if (page) setExtra({ key, rows: [...(extra?.key === key ? extra.rows : []), ...page.requests], cursor: page.nextCursor });
  };
  const set = (patch: Partial<Filters>) => setDraft((d) => ({ ...d, ...patch }));

  const columns: Column<RequestSummary>[] = [
    {
      key: 'reference',
      header: t('queue.col.reference'),
      cell: (r) => (
        <Link to={`/admin/requests/${encodeURIComponent(r.id)}`} className="mono">
          {r.reference}
        </Link>
      ),
    },
    {
      key: 'person',
      header: t('queue.col.person'),
      cell: (r) => (
        <>
          {r.personName ?? '—'}
          {r.requesterKind !== 'principal' ? <span className="badge badge-muted badge-inline">{t('queue.agent')}</span> : null}
        </>
      ),
    },
    { key: 'type', header: t('queue.col.type'), cell: (r) => tc(`type.${r.type}`) },
    { key: 'status', header: t('queue.col.status'), cell: (r) => <StatusBadge status={r.status} /> },
    {
      key: 'deadline',
      header: t('queue.col.deadline'),
      cell: (r) => (
        <>
          <DeadlineBadge request={r} />
          <span className="cell-sub">{formatDate(r.dueAt, lang)}</span>
        </>
      ),
    },
    { key: 'received', header: t('queue.col.received'), cell: (r) => formatDate(r.receivedAt, lang) },
    {
      key: 'assignee',
      header: t('queue.col.assignee'),
      cell: (r) =>
        can('requests.work') ? (
          <AssigneeSelect row={r} onChanged={(d) => setEdited((e) => ({ ...e, [d.id]: d }))} />
        ) : (
          (staff.find((s) => s.id === r.assigneeId)?.displayName ?? (r.assigneeId ? r.assigneeId : t('queue.nobody')))
        ),
    },
    { key: 'fee', header: t('queue.col.fee'), cell: (r) => tc(`fee.${r.feeStatus}`) },
  ];

  return (
    <>
      <PageHeader title={t('queue.title')} />
      <form className="filters" onSubmit={apply} aria-label={t('queue.filters')}>
        <div className="filter">
          <label htmlFor="f-q">{t('queue.search')}</label>
          <input id="f-q" type="search" value={draft.q} onChange={(e) => set({ q: e.target.value })} aria-describedby="f-q-hint" maxLength={254} />
          <span id="f-q-hint" className="field-hint">
            {t('queue.searchHint')}
          </span>
        </div>
        <div className="filter">
          <label htmlFor="f-status">{t('queue.status')}</label>
          <select id="f-status" value={draft.status} onChange={(e) => set({ status: e.target.value })}>
            <option value="open">{t('queue.openOnly')}</option>
            <option value="all">{t('queue.allStatuses')}</option>
            {REQUEST_STATUSES.map((s) => (
              <option key={s} value={s}>
                {tc(`status.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="filter">
          <label htmlFor="f-type">{t('queue.type')}</label>
          <select id="f-type" value={draft.type} onChange={(e) => set({ type: e.target.value })}>
            <option value="">{t('queue.allTypes')}</option>
            {REQUEST_TYPES.map((s) => (
              <option key={s} value={s}>
                {tc(`type.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="filter">
          <label htmlFor="f-assignee">{t('queue.assignee')}</label>
          <select id="f-assignee" value={draft.assignee} onChange={(e) => set({ assignee: e.target.value })}>
            <option value="">{t('queue.anyone')}</option>
            <option value="me">{t('queue.me')}</option>
            <option value="none">{t('queue.nobody')}</option>
            {staff.map((s) => (
              <option key={s.id} value={s.id}>
                {s.displayName}
              </option>
            ))}
          </select>
        </div>
        <div className="filter">
          <label htmlFor="f-deadline">{t('queue.deadline')}</label>
          <select id="f-deadline" value={draft.deadline} onChange={(e) => set({ deadline: e.target.value })}>
            <option value="">{t('queue.anyDeadline')}</option>
            <option value="soon">{t('queue.dueSoon')}</option>
            <option value="overdue">{t('queue.overdue')}</option>
          </select>
        </div>
        <div className="filter">
          <label htmlFor="f-sort">{t('queue.sort')}</label>
          <select id="f-sort" value={draft.sort} onChange={(e) => set({ sort: e.target.value as Sort })}>
            {SORTS.map((s) => (
              <option key={s} value={s}>
                {t(`queue.sort.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="filter filter-buttons">
          <Button type="submit">{t('queue.apply')}</Button>
          <Button variant="link" onClick={() => navigate('/admin/requests')}>
            {t('queue.reset')}
          </Button>
        </div>
      </form>
      <ErrorAlert error={list.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : (
        <Table caption={t('queue.caption', { n: rows.length })} columns={columns} rows={rows} rowKey={(r) => r.id} empty={t('queue.empty')} />
      )}
      <ErrorAlert error={more.error} />
      {cursor ? (
        <Button variant="secondary" busy={more.busy} onClick={() => void loadMore()}>
          {t('queue.more')}
        </Button>
      ) : null}
    </>
  );
}
