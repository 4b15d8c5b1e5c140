// The desk at a glance: open requests (by status and by type), what is due soon and overdue
// (each figure a link to the queue so filtered), how long answers take (mean and 90th
// percentile against the target of the settings), and requests received and answered per month.
import { formatDate, useLanguage, useT } from '../../shared/i18n.tsx';
import { Link } from '../../shared/router.tsx';
import { ErrorAlert, Loading } from '../../shared/ui.tsx';
import { useAsync } from '../../shared/use-async.ts';
import type { Organization, RequestStats } from '../api-types.ts';
import { PageHeader } from '../admin-ui.tsx';
import { BarChart, LineChart, type BarDatum } from '../charts.tsx';
import { common } from '../messages/common.messages.ts';
import { deskMessages } from '../messages/desk.messages.ts';
import { api, useStaff } from '../session.tsx';

function Tile({ label, value, to, tone }: { label: string; value: string; to?: string; tone?: 'bad' | 'warn' }) {
  const body = (
    <>
      <span className="tile-value">{value}</span>
      <span className="tile-label">{label}</span>
    </>
  );
  return <li className={`tile${tone ? ` tile-${tone}` : ''}`}>{to ? <Link to={to}>{body}</Link> : body}</li>;
}

export function DashboardPage() {
  const t = useT(deskMessages);
  const tc = useT(common);
  const { lang } = useLanguage();
  const { can } = useStaff();
  const stats = useAsync((signal) => api<RequestStats>('/api/admin/requests/stats?dueSoonDays=7', { signal }), []);
  const org = useAsync(
    (signal) => (can('organization.read') ? api<{ organization: Organization }>('/api/admin/organization', { signal }).then((r) => r.organization) : Promise.resolve(null)),
    [can],
  );

  if (stats.loading && !stats.data) return <Loading />;
  if (!stats.data) return <ErrorAlert error={stats.error} />;
  const s = stats.data;
  const target = org.data?.settings.deadlines.targetDays ?? null;
  const days = (n: number | null) => (n === null ? '—' : t('dash.daysValue', { n: n.toFixed(1) }));

  const byStatus: BarDatum[] = s.open.byStatus.map((b) => ({ key: b.status, label: tc(`status.${b.status}`), value: b.count, tone: b.status === 'in_review' ? 'warn' : 'brand' }));
  const byType: BarDatum[] = s.open.byType.map((b) => ({ key: b.type, label: tc(`type.${b.type}`), value: b.count }));
  const answerTimes: BarDatum[] = [
    { key: 'avg', label: t('dash.avg'), value: s.completion.averageDays ?? 0, unit: t('dash.daysUnit') },
    { key: 'p90', label: t('dash.p90'), value: s.completion.p90Days ?? 0, unit: t('dash.daysUnit'), tone: target !== null && (s.completion.p90Days ?? 0) > target ? 'bad' : 'brand' },
    ...(target === null ? [] : [{ key: 'target', label: t('dash.target'), value: target, unit: t('dash.daysUnit'), tone: 'muted' as const }]),
  ];

  return (
    <>
      <PageHeader title={t('dash.title')}>
        <span className="muted">{t('dash.asOf', { time: formatDate(s.asOf, lang, true) })}</span>
      </PageHeader>
      <ul className="tiles">
        <Tile label={t('dash.open')} value={String(s.open.total)} to="/admin/requests" />
        <Tile label={t('dash.dueSoon', { n: s.deadlines.dueSoonDays })} value={String(s.deadlines.dueSoon)} to="/admin/requests?deadline=soon" tone={s.deadlines.dueSoon > 0 ? 'warn' : undefined} />
        <Tile label={t('dash.overdue')} value={String(s.deadlines.overdue)} to="/admin/requests?deadline=overdue" tone={s.deadlines.overdue > 0 ? 'bad' : undefined} />
        <Tile label={t('dash.paused')} value={String(s.deadlines.paused)} />
        <Tile label={t('dash.avg')} value={days(s.completion.averageDays)} />
        <Tile label={t('dash.p90')} value={days(s.completion.p90Days)} />
      </ul>
      <div className="chart-grid-2">
        <BarChart title={t('dash.byStatus')} data={byStatus} categoryHeader={t('dash.category.status')} valueHeader={t('dash.requests')} />
        <BarChart title={t('dash.byType')} data={byType} categoryHeader={t('dash.category.type')} valueHeader={t('dash.requests')} />
        <div>
          <BarChart title={t('dash.timeToAnswer')} data={answerTimes} categoryHeader={t('dash.category.measure')} valueHeader={t('dash.timeToAnswer')} />
          <p className="muted">
            {s.completion.count === 0 ? t('dash.noCompleted') : t('dash.completedCount', { n: s.completion.count, since: formatDate(s.completion.since, lang) })}
          </p>
        </div>
        <LineChart
          title={t('dash.perMonth')}
          categoryHeader={t('dash.category.month')}
          categories={s.months.map((m) => m.month)}
          series={[
            { key: 'received', label: t('dash.received'), values: s.months.map((m) => m.received), tone: 'brand' },
            { key: 'answered', label: t('dash.answered'), values: s.months.map((m) => m.answered), tone: 'accent' },
          ]}
        />
      </div>
    </>
  );
}
