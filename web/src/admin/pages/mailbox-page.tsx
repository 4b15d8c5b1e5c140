// The development mailbox: with no SMTP server (the embedded mode) the mail Madoguchi would send
// is kept here, and the page says so plainly. Each message opens with its text and its HTML
// (in a sandboxed frame that runs nothing); every opening is audited by the server.
import { useState } from 'react';
import { useT } from '../../shared/i18n.tsx';
import { Alert, Button, ErrorAlert, Loading, Table, type Column } from '../../shared/ui.tsx';
import { useAsync } from '../../shared/use-async.ts';
import type { MailboxMessage, MailboxSummary } from '../api-types.ts';
import { ActionsHeader, DateTime, PageHeader, Section, useAction } from '../admin-ui.tsx';
import { manageMessages } from '../messages/manage.messages.ts';
import { api } from '../session.tsx';

interface MailboxPage {
  mode: 'development' | 'smtp';
  messages: MailboxSummary[];
  nextCursor: string | null;
}

export function MailboxPage() {
  const t = useT(manageMessages);
  const first = useAsync((signal) => api<MailboxPage>('/api/admin/dev-mailbox?limit=50', { signal }), []);
  const [extra, setExtra] = useState<{ messages: MailboxSummary[]; cursor: string | null } | null>(null);
  const [open, setOpen] = useState<MailboxMessage | null>(null);
  const opening = useAction();
  const more = useAction();

  if (!first.data) return first.loading ? <Loading /> : <ErrorAlert error={first.error} />;
  const messages = [...first.data.messages, ...(extra?.messages ?? [])];
  const cursor = extra ? extra.cursor : first.data.nextCursor;

  const show = async (m: MailboxSummary) => {
    const res = await opening.run(() => api<{ message: MailboxMessage }>(`/api/admin/dev-mailbox/${encodeURIComponent(m.id)}`));
    if (res) setOpen(res.message);
  };
  const loadMore = async () => {
    if (!cursor) return;
    const next = await more.run(() => api<MailboxPage>(`/api/admin/dev-mailbox?limit=50&cursor=${encodeURIComponent(cursor)}`));
    if (next) setExtra({ messages: [...(extra?.messages ?? []), ...next.messages], cursor: next.nextCursor });
  };

  const columns: Column<MailboxSummary>[] = [
    { key: 'created', header: t('mail.col.created'), cell: (m) => <DateTime iso={m.created_at} /> },
    { key: 'to', header: t('mail.col.to'), cell: (m) => m.recipient ?? '—' },
    { key: 'subject', header: t('mail.col.subject'), cell: (m) => m.subject ?? '—' },
    { key: 'template', header: t('mail.col.template'), cell: (m) => <code>{m.template}</code> },
    { key: 'status', header: t('mail.col.status'), cell: (m) => m.status },
    {
      key: 'open',
      header: <ActionsHeader />,
      cell: (m) => (
        <Button variant="secondary" onClick={() => void show(m)} aria-label={`${t('mail.open')}: ${m.subject ?? m.template}`}>
          {t('mail.open')}
        </Button>
      ),
    },
  ];

  return (
    <>
      <PageHeader title={t('mail.title')} />
      <Alert tone={first.data.mode === 'development' ? 'warning' : 'info'}>{first.data.mode === 'development' ? t('mail.dev') : t('mail.smtp')}</Alert>
      <ErrorAlert error={opening.error} />
      {open ? (
        <Section title={open.subject ?? open.template} id="mail-view">
          <p className="muted">
            {open.recipient} · <DateTime iso={open.created_at} /> · <code>{open.template}</code>
          </p>
          {open.text === null && open.html === null ? <Alert tone="info">{t('mail.disposed')}</Alert> : null}
          {open.text !== null ? (
            <>
              <h3>{t('mail.text')}</h3>
              <pre className="mail-text" lang={open.language}>
                {open.text}
              </pre>
            </>
          ) : null}
          {open.html !== null ? (
            <details className="subtle">
              <summary>{t('mail.html')}</summary>
              <iframe title={t('mail.htmlTitle')} sandbox="" srcDoc={open.html} className="mail-html" />
            </details>
          ) : null}
        </Section>
      ) : null}
      <Table caption={t('mail.caption')} columns={columns} rows={messages} rowKey={(m) => m.id} empty={t('mail.empty')} />
      <ErrorAlert error={more.error} />
      {cursor ? (
        <Button variant="secondary" busy={more.busy} onClick={() => void loadMore()}>
          {t('mail.more')}
        </Button>
      ) : null}
    </>
  );
}
