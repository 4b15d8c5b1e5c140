// The data map and the personal-data ledger: the graph of every system's collections and their
// references, the ledger of systems (review state, downloads as CSV or Excel), importing map
// files with the same validation as the command line, and one system's collections and fields.
import { useState, type FormEvent } from 'react';
import { formatDate, useLanguage, useT } from '../../shared/i18n.tsx';
import { Link } from '../../shared/router.tsx';
import { Alert, Button, ErrorAlert, Field, Loading, Table, type Column } from '../../shared/ui.tsx';
import { useAsync } from '../../shared/use-async.ts';
import type { DataMapIssue, SystemCollection, SystemMap, SystemSummary } from '../api-types.ts';
import { ActionResult, DefinitionList, PageHeader, Section, downloadFrom, useAction } from '../admin-ui.tsx';
import { DataMapGraph, buildGraph } from '../datamap-graph.tsx';
import { manageMessages } from '../messages/manage.messages.ts';
import { api, useStaff } from '../session.tsx';

async function loadMaps(signal: AbortSignal): Promise<{ summaries: SystemSummary[]; maps: SystemMap[] }> {
  const { systems } = await api<{ systems: SystemSummary[] }>('/api/admin/inventory/systems', { signal });
  const maps = await Promise.all(systems.map((s) => api<{ system: SystemMap }>(`/api/admin/inventory/systems/${encodeURIComponent(s.name)}`, { signal }).then((r) => r.system)));
  return { summaries: systems, maps };
}

function ReviewCell({ s }: { s: SystemSummary }) {
  const t = useT(manageMessages);
  const { lang } = useLanguage();
  if (s.reviewOverdue) return <span className="badge badge-bad">{t('map.reviewOverdue')}</span>;
  if (!s.lastReviewedOn) return <span className="badge badge-muted">{t('map.noReview')}</span>;
  return <>{s.reviewDueOn ? t('map.reviewDue', { date: formatDate(`${s.reviewDueOn}T00:00:00+09:00`, lang) }) : s.lastReviewedOn}</>;
}

function ImportForm({ onImported }: { onImported(): void }) {
  const t = useT(manageMessages);
  const [files, setFiles] = useState<File[]>([]);
  const [issues, setIssues] = useState<DataMapIssue[]>([]);
  const check = useAction();
  const importing = useAction();
  const read = () => Promise.all(files.map(async (f) => ({ name: f.name, content: await f.text() })));

  const validate = async (e: FormEvent) => {
    e.preventDefault();
    const result = await check.run(async () => api<{ ok: boolean; systems: string[]; errors: DataMapIssue[]; warnings: DataMapIssue[] }>('/api/admin/inventory/validate', { body: { files: await read() } }));
    if (!result) return;
    setIssues([...result.errors, ...result.warnings]);
    if (result.ok) check.reset();
  };
  const doImport = async () => {
    const result = await importing.run(
      async () => api<{ systems: Array<{ name: string }>; warnings: DataMapIssue[] }>('/api/admin/inventory/import', { body: { files: await read() } }),
    );
    if (result) {
      setIssues(result.warnings);
      onImported();
    }
  };

  const columns: Column<DataMapIssue & { i: number }>[] = [
    { key: 'sev', header: t('map.severity'), cell: (i) => <span className={i.severity === 'error' ? 'badge badge-bad' : 'badge badge-warn'}>{t(`map.issue.${i.severity}`)}</span> },
    { key: 'where', header: t('map.files'), cell: (i) => `${i.file}${i.line === undefined ? '' : `:${i.line}`} ${i.path}` },
    { key: 'msg', header: t('map.problem'), cell: (i) => `${i.message} (${i.code})` },
  ];
  return (
    <form onSubmit={validate}>
      <p>{t('map.importLead')}</p>
      <Field label={t('map.files')} required>
        {(p) => <input {...p} type="file" multiple accept=".yml,.yaml,.json" onChange={(e) => setFiles([...(e.target.files ?? [])])} />}
      </Field>
      <div className="btn-row">
        <Button type="submit" variant="secondary" busy={check.busy} disabled={files.length === 0}>
          {t('map.validate')}
        </Button>
        <Button busy={importing.busy} disabled={files.length === 0} onClick={() => void doImport()}>
          {t('map.doImport')}
        </Button>
      </div>
      <ErrorAlert error={check.error ?? importing.error} />
      {issues.length > 0 ? <Table caption={t('map.issues')} columns={columns} rows={issues.map((i, n) => ({ ...i, i: n }))} rowKey={(i) => String(i.i)} /> : null}
    </form>
  );
}

export function DataMapPage() {
  const t = useT(manageMessages);
  const { can } = useStaff();
  const [tick, setTick] = useState(0);
  const data = useAsync((signal) => loadMaps(signal), [tick]);
  const download = useAction();

  if (!data.data) return data.loading ? <Loading /> : <ErrorAlert error={data.error} />;
  const { summaries, maps } = data.data;
  const { nodes, edges } = buildGraph(maps);
  const name = (id: string) => {
    const n = nodes.find((x) => x.id === id);
    return n ? `${n.system} / ${n.dataset} / ${n.collection}` : id;
  };

  const columns: Column<SystemSummary>[] = [
    { key: 'name', header: t('map.col.system'), cell: (s) => <Link to={`/admin/inventory/${encodeURIComponent(s.name)}`}>{s.title ? `${s.title} (${s.name})` : s.name}</Link> },
    { key: 'kind', header: t('map.col.kind'), cell: (s) => s.kind ?? '—' },
    { key: 'country', header: t('map.col.country'), cell: (s) => s.country ?? '—' },
    { key: 'collections', header: t('map.col.collections'), cell: (s) => s.collections, className: 'num' },
    { key: 'fields', header: t('map.col.fields'), cell: (s) => s.fields, className: 'num' },
    { key: 'special', header: t('map.col.special'), cell: (s) => s.specialCareFields, className: 'num' },
    { key: 'review', header: t('map.col.review'), cell: (s) => <ReviewCell s={s} /> },
  ];

  return (
    <>
      <PageHeader title={t('map.title')} />
      <Section title={t('map.graph')} id="graph">
        <p>{t('map.graphLead')}</p>
        {nodes.length === 0 ? <Alert tone="info">{t('map.graphEmpty')}</Alert> : <DataMapGraph systems={maps} label={(n, e) => t('map.graphLabel', { n, e })} />}
        {edges.length > 0 ? (
          <details className="subtle">
            <summary>{t('map.edges')}</summary>
            <Table
              caption={t('map.edges')}
              columns={[
                { key: 'from', header: t('map.edgeFrom'), cell: (e: (typeof edges)[number]) => name(e.from) },
                { key: 'to', header: t('map.edgeTo'), cell: (e: (typeof edges)[number]) => name(e.to) },
                { key: 'via', header: t('map.col.field'), cell: (e: (typeof edges)[number]) => <code>{e.via}</code> },
              ]}
              rows={edges}
              rowKey={(e) => `${e.from}>${e.to}>${e.via}`}
            />
          </details>
        ) : null}
      </Section>
      <Section
        title={t('map.ledger')}
        id="ledger"
        actions={
          <div className="btn-row-tight">
            <Button variant="secondary" busy={download.busy} onClick={() => void download.run(() => downloadFrom('/api/admin/inventory/ledger?format=csv', 'ledger.csv'))}>
              {t('map.download')} ({t('map.csv')})
            </Button>
            <Button variant="secondary" busy={download.busy} onClick={() => void download.run(() => downloadFrom('/api/admin/inventory/ledger?format=xlsx', 'ledger.xlsx'))}>
              {t('map.xlsx')}
            </Button>
            <Button variant="secondary" busy={download.busy} onClick={() => void download.run(() => downloadFrom('/api/admin/inventory/export?format=yaml', 'datamap.yml'))}>
              {t('map.exportYaml')}
            </Button>
          </div>
        }
      >
        <ErrorAlert error={download.error} />
        <Table caption={t('map.systems')} columns={columns} rows={summaries} rowKey={(s) => s.name} />
      </Section>
      {can('inventory.manage') ? (
        <Section title={t('map.import')} id="import">
          <ImportForm onImported={() => setTick((n) => n + 1)} />
        </Section>
      ) : null}
    </>
  );
}

function CollectionTable({ dataset, collection }: { dataset: string; collection: SystemCollection }) {
  const t = useT(manageMessages);
  const columns: Column<SystemCollection['fields'][number]>[] = [
    {
      key: 'field',
      header: t('map.col.field'),
      cell: (f) => (
        <>
          <code>{f.path}</code>
          {f.description ? <span className="cell-sub">{f.description}</span> : null}
          {f.specialCare ? <span className="badge badge-bad badge-inline">{t('map.col.special')}</span> : null}
        </>
      ),
    },
    { key: 'cat', header: t('map.col.categories'), cell: (f) => (f.dataCategories ?? []).join(', ') || '—' },
    { key: 'purposes', header: t('map.col.purposes'), cell: (f) => f.purposes.join(', ') || '—' },
    { key: 'retention', header: t('map.col.retention'), cell: (f) => (f.retention ? `${f.retention.period}${f.retention.from ? ` (${f.retention.from})` : ''}` : '—') },
    { key: 'refs', header: t('map.col.refs'), cell: (f) => f.references.map((r) => `${r.system ? `${r.system}:` : ''}${r.dataset}.${r.field}`).join(', ') || '—' },
  ];
  return (
    <>
      <h3>{t('map.collection', { dataset, collection: collection.name })}</h3>
      {collection.description ? <p>{collection.description}</p> : null}
      <DefinitionList
        items={[
          collection.recordCount !== undefined ? [t('map.recordCount', { n: collection.recordCount }), ''] : null,
          collection.acquisition ? [t('map.acquisition'), collection.acquisition] : null,
          collection.thirdPartyProvision ? [t('map.provision'), collection.thirdPartyProvision] : null,
          collection.usePeriod ? [t('map.usePeriod'), collection.usePeriod] : null,
          collection.access.length > 0 ? [t('map.access'), collection.access.join('、')] : null,
        ]}
      />
      <Table caption={collection.name} columns={columns} rows={collection.fields} rowKey={(f) => f.path} />
    </>
  );
}

export function SystemPage({ name }: { name: string }) {
  const t = useT(manageMessages);
  const { can } = useStaff();
  const [tick, setTick] = useState(0);
  const system = useAsync((signal) => api<{ system: SystemMap }>(`/api/admin/inventory/systems/${encodeURIComponent(name)}`, { signal }).then((r) => r.system), [name, tick]);
  const review = useAction();
  if (!system.data) return system.loading ? <Loading /> : <ErrorAlert error={system.error} />;
  const s = system.data;
  const markReviewed = async () => {
    const ok = await review.run(() => api(`/api/admin/inventory/systems/${encodeURIComponent(name)}/review`, { body: {} }), t('map.reviewed'));
    if (ok) setTick((n) => n + 1);
  };
  return (
    <>
      <p className="crumb">
        <Link to="/admin/inventory">← {t('map.back')}</Link>
      </p>
      <PageHeader title={s.title ? `${s.title} (${s.name})` : t('map.system', { name: s.name })}>
        {can('inventory.manage') ? (
          <Button variant="secondary" busy={review.busy} onClick={() => void markReviewed()}>
            {t('map.markReviewed')}
          </Button>
        ) : null}
      </PageHeader>
      <ActionResult action={review} />
      {s.description ? <p>{s.description}</p> : null}
      <DefinitionList
        items={[
          [t('map.col.kind'), s.kind ?? '—'],
          [t('map.owner'), s.owner ?? '—'],
          [t('map.location'), s.location ? [s.location.country, s.location.region, s.location.note].filter(Boolean).join(' · ') : '—'],
          [t('map.storage'), s.storageMethod ?? '—'],
          [t('map.vendors'), s.vendors.map((v) => `${v.name} (${v.role}${v.country ? `, ${v.country}` : ''})`).join('; ') || '—'],
          [t('map.lastReview'), s.review ? `${s.review.lastReviewedOn} · ${s.review.reviewer}` : '—'],
        ]}
      />
      {s.securityMeasures.length > 0 ? (
        <>
          <h2>{t('map.security')}</h2>
          <ul>
            {s.securityMeasures.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </>
      ) : null}
      {s.datasets.map((d) => (
        <Section key={d.name} title={d.title ? `${d.title} (${d.name})` : d.name}>
          {d.collections.map((c) => (
            <CollectionTable key={c.name} dataset={d.name} collection={c} />
          ))}
        </Section>
      ))}
    </>
  );
}
