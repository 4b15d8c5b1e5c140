// Small pieces the console's pages share: page headings, status and deadline badges, a
// definition list, the busy/error/success state of a button's action, and staff names for ids
// (read once from the list of staff who work requests).
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { formatDate, useLanguage, useT } from '../shared/i18n.tsx';
import { Alert, ErrorAlert } from '../shared/ui.tsx';
import type { Assignee, RequestStatus, RequestSummary } from './api-types.ts';
import { common } from './messages/common.messages.ts';
import { api } from './session.tsx';

export function PageHeader({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {children ? <div className="page-actions">{children}</div> : null}
    </div>
  );
}

export function Section({ title, id, children, actions }: { title: ReactNode; id?: string; children: ReactNode; actions?: ReactNode }) {
  const headingId = id ? `${id}-title` : undefined;
  return (
    <section className="panel" id={id} aria-labelledby={headingId}>
      <div className="panel-head">
        <h2 id={headingId}>{title}</h2>
        {actions ? <div className="panel-actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}

export function StatusBadge({ status }: { status: RequestStatus }) {
  const t = useT(common);
  return <span className={`badge badge-status badge-${status}`}>{t(`status.${status}`)}</span>;
}

const DAY_MS = 86_400_000;

/** How far the answer is from its due day, as a badge coloured by urgency. */
export function DeadlineBadge({ request, now = Date.now() }: { request: Pick<RequestSummary, 'dueAt' | 'paused' | 'overdue' | 'status' | 'completedAt'>; now?: number }) {
  const t = useT(common);
  const { lang } = useLanguage();
  const due = formatDate(request.dueAt, lang);
  if (request.completedAt !== null || ['completed', 'closed', 'withdrawn'].includes(request.status)) {
    return <span className="badge badge-muted">{t('deadline.done')}</span>;
  }
  if (request.paused) return <span className="badge badge-muted" title={due}>{t('deadline.paused')}</span>;
  if (request.overdue) return <span className="badge badge-bad" title={due}>{t('deadline.overdue')}</span>;
  const days = Math.floor((new Date(request.dueAt).getTime() - now) / DAY_MS);
  if (days < 1) return <span className="badge badge-bad" title={due}>{t('deadline.today')}</span>;
  return (
    <span className={days <= 3 ? 'badge badge-warn' : 'badge badge-ok'} title={due}>
      {t('deadline.inDays', { n: days })}
    </span>
  );
}

/** The header of a column of buttons: named for screen readers, silent on screen. */
export function ActionsHeader() {
  const t = useT(common);
  return <span className="visually-hidden">{t('common.actions')}</span>;
}

export function DefinitionList({ items }: { items: ReadonlyArray<readonly [ReactNode, ReactNode] | null | false> }) {
  return (
    <dl className="deflist">
      {items.map((item, i) =>
        item ? (
          <div key={i} className="deflist-row">
            <dt>{item[0]}</dt>
            <dd>{item[1] ?? '—'}</dd>
          </div>
        ) : null,
      )}
    </dl>
  );
}

export interface ActionState {
  busy: boolean;
  error: unknown;
  done: string | null;
  /** Runs `work`; on success shows `doneMessage` (if any) and returns its value. */
  run<T>(work: () => Promise<T>, doneMessage?: string): Promise<T | undefined>;
  reset(): void;
}

export function useAction(): ActionState {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const run = useCallback(async <T,>(work: () => Promise<T>, doneMessage?: string): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const value = await work();
      if (doneMessage) setDone(doneMessage);
      return value;
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  const reset = useCallback(() => {
    setError(null);
    setDone(null);
  }, []);
  return { busy, error, done, run, reset };
}

/** The outcome of an action: the server's error, or a short confirmation. */
export function ActionResult({ action }: { action: ActionState }) {
  if (action.error) return <ErrorAlert error={action.error} />;
  if (action.done) return <Alert tone="success">{action.done}</Alert>;
  return null;
}

let assigneesPromise: Promise<Assignee[]> | null = null;

/** Staff who work requests, fetched once per page load (names for ids in lists and timelines). */
export function useAssignees(): Assignee[] {
  const [list, setList] = useState<Assignee[]>([]);
  useEffect(() => {
    let live = true;
    assigneesPromise ??= api<{ staff: Assignee[] }>('/api/admin/requests/assignees').then(
      (r) => r.staff,
      () => {
        assigneesPromise = null;
        return [];
      },
    );
    void assigneesPromise.then((staff) => {
      if (live) setList(staff);
    });
    return () => {
      live = false;
    };
  }, []);
  return list;
}

export function useStaffName(): (id: string | null) => string {
  const staff = useAssignees();
  const t = useT(common);
  return useCallback(
    (id: string | null) => {
      if (id === null) return t('common.system');
      return staff.find((s) => s.id === id)?.displayName ?? t('common.unknownStaff', { id: id.slice(0, 12) });
    },
    [staff, t],
  );
}

export function DateTime({ iso, withTime = true }: { iso: string | null; withTime?: boolean }) {
  const { lang } = useLanguage();
  if (!iso) return <>—</>;
  return <time dateTime={iso}>{formatDate(iso, lang, withTime)}</time>;
}

/** Opens bytes from an admin route in a new tab (documents, letters) through a blob URL, so
 * the session cookie is used and nothing is written to disk unless the person saves it. */
export async function fetchBlobUrl(path: string): Promise<{ url: string; type: string }> {
  const response = await api.raw(path);
  const blob = await response.blob();
  return { url: URL.createObjectURL(blob), type: blob.type };
}

/** Saves a response as a file with the name the server suggested (or `fallback`). */
export async function downloadFrom(path: string, fallback: string): Promise<void> {
  const response = await api.raw(path);
  const disposition = response.headers.get('content-disposition') ?? '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  const plain = /filename="([^"]+)"/i.exec(disposition)?.[1];
  const name = star ? decodeURIComponent(star) : (plain ?? fallback);
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
