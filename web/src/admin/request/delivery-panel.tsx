// How the answer reaches the person: the download links (state, expiry, downloads; revoke or
// send a new one) and paper letters (print, mark posted).
import { useT } from '../../shared/i18n.tsx';
import { Button, ErrorAlert, Table, type Column } from '../../shared/ui.tsx';
import { useAsync } from '../../shared/use-async.ts';
import type { Delivery, RequestDetail } from '../api-types.ts';
import { ActionResult, ActionsHeader, DateTime, Section, downloadFrom, useAction } from '../admin-ui.tsx';
import { common } from '../messages/common.messages.ts';
import { requestMessages } from '../messages/request.messages.ts';
import { api, useStaff } from '../session.tsx';

export function DeliveryPanel({ request, tick, onChanged }: { request: RequestDetail; tick: number; onChanged(): void }) {
  const t = useT(requestMessages);
  const tc = useT(common);
  const { can } = useStaff();
  const base = `/api/admin/requests/${encodeURIComponent(request.id)}/deliveries`;
  const deliveries = useAsync((signal) => api<{ deliveries: Delivery[] }>(base, { signal }).then((r) => r.deliveries), [base, tick]);
  const action = useAction();

  const act = async (d: Delivery, path: 'revoke' | 'reissue' | 'posted') => {
    if (path === 'revoke' && !window.confirm(t('del.revokeConfirm'))) return;
    const ok = await action.run(() => api(`${base}/${encodeURIComponent(d.id)}/${path}`, { method: 'POST', body: {} }), t('del.done'));
    if (ok) onChanged();
  };

  const columns: Column<Delivery>[] = [
    { key: 'method', header: t('del.method'), cell: (d) => tc(`delivery.${d.method}`) },
    { key: 'state', header: t('del.state'), cell: (d) => <span className={d.state === 'active' || d.state === 'paper' ? 'badge badge-ok' : 'badge badge-muted'}>{t(`del.state.${d.state}`)}</span> },
    { key: 'created', header: t('req.received'), cell: (d) => <DateTime iso={d.createdAt} /> },
    {
      key: 'detail',
      header: tc('common.details'),
      cell: (d) =>
        d.method === 'electronic' ? (
          <>
            {t('del.expires')}: <DateTime iso={d.expiresAt} />
            <br />
            {t('del.downloads')}: {t('del.downloadsValue', { n: d.downloads, max: d.maxDownloads })}
          </>
        ) : (
          <>
            {t('del.posted')}: {d.postedAt ? <DateTime iso={d.postedAt} /> : t('del.notPosted')}
          </>
        ),
    },
    {
      key: 'actions',
      header: <ActionsHeader />,
      cell: (d) =>
        can('requests.work') ? (
          <div className="cell-actions">
            {d.method === 'electronic' && d.state === 'active' ? (
              <Button variant="secondary" busy={action.busy} onClick={() => void act(d, 'revoke')}>
                {t('del.revoke')}
              </Button>
            ) : null}
            {d.method === 'electronic' ? (
              <Button variant="secondary" busy={action.busy} onClick={() => void act(d, 'reissue')}>
                {t('del.reissue')}
              </Button>
            ) : null}
            {d.method === 'paper' ? (
              <>
                <Button variant="secondary" busy={action.busy} onClick={() => void action.run(() => downloadFrom(`${base}/${encodeURIComponent(d.id)}/print.pdf`, `${request.reference}.pdf`))}>
                  {t('del.print')}
                </Button>
                {d.postedAt === null ? (
                  <Button variant="secondary" busy={action.busy} onClick={() => void act(d, 'posted')}>
                    {t('del.markPosted')}
                  </Button>
                ) : null}
              </>
            ) : null}
          </div>
        ) : null,
    },
  ];

  return (
    <Section title={t('del.title')} id="delivery">
      <ErrorAlert error={deliveries.error} />
      <Table caption={t('del.caption')} columns={columns} rows={deliveries.data ?? []} rowKey={(d) => d.id} empty={t('del.none')} />
      <ActionResult action={action} />
    </Section>
  );
}
