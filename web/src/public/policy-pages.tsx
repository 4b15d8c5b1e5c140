// The published policies: the list in force, one policy as in force today with its revision
// history and published versions, and any earlier version as it read then.
import { Fragment } from 'react';
import { ApiError } from '../shared/api.ts';
import { formatDate, useLanguage, useT } from '../shared/i18n.tsx';
import { Link } from '../shared/router.tsx';
import { Alert, ErrorAlert, Loading, Table } from '../shared/ui.tsx';
import { useAsync } from '../shared/use-async.ts';
import { policyPath } from './home-page.tsx';
import { api, POLICY_KINDS, type PolicyKind, type PolicySummary, type PolicyVersionSummary, type RenderedBlock, type RenderedPolicy } from './public-api.ts';
import { usePageTitle } from './public-context.tsx';
import { m } from './public.messages.ts';

function isPolicyKind(kind: string): kind is PolicyKind {
  return (POLICY_KINDS as readonly string[]).includes(kind);
}

/** Keeps the line breaks of the source text without HTML. */
function Lines({ text }: { text: string }) {
  const lines = text.split('\n');
  return (
    <>
      {lines.map((line, i) => (
        <Fragment key={i}>
          {i > 0 ? <br /> : null}
          {line}
        </Fragment>
      ))}
    </>
  );
}

function Block({ block }: { block: RenderedBlock }) {
  if (block.type === 'paragraph') {
    return (
      <p>
        <Lines text={block.text} />
      </p>
    );
  }
  // The labels ((1), (a), …) are part of the text, so the list markers are hidden.
  return (
    <ul className={`policy-list policy-list-${block.style}`}>
      {block.items.map((item, i) => (
        <li key={i}>
          {item.label ? <span className="policy-label">{item.label}</span> : null}
          <span>
            <Lines text={item.text} />
          </span>
          {item.subItems.length > 0 ? (
            <ul className="policy-list">
              {item.subItems.map((sub, j) => (
                <li key={j}>
                  {sub.label ? <span className="policy-label">{sub.label}</span> : null}
                  <span>
                    <Lines text={sub.text} />
                  </span>
                </li>
              ))}
            </ul>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function PolicyDocument({ policy }: { policy: RenderedPolicy }) {
  const t = useT(m);
  const { lang } = useLanguage();
  return (
    <article className="policy" lang={policy.language}>
      <h1>{policy.title}</h1>
      <p className="muted">
        {t('policies.version', { number: policy.number })}
        {policy.effectiveDate ? ` · ${t('policies.effective', { date: formatDate(policy.effectiveDate, lang) })}` : ''}
      </p>
      {policy.preamble.map((b, i) => (
        <Block key={i} block={b} />
      ))}
      {policy.articles.map((a) => (
        <section key={a.key} aria-labelledby={`article-${a.key}`}>
          <h2 id={`article-${a.key}`}>
            {a.label} {a.heading}
          </h2>
          {a.blocks.map((b, i) => (
            <Block key={i} block={b} />
          ))}
        </section>
      ))}
      {policy.closing.map((b, i) => (
        <Block key={i} block={b} />
      ))}
      {policy.revisionHistory.length > 0 ? (
        <section aria-labelledby="history-title">
          <h2 id="history-title">{t('policies.historyTitle')}</h2>
          <ul className="history">
            {policy.revisionHistory.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ul>
        </section>
      ) : null}
    </article>
  );
}

function versionPath(kind: PolicyKind, number: number): string {
  return `/policies/${kind}/versions/${number}`;
}

function VersionTable({ kind, versions }: { kind: PolicyKind; versions: readonly PolicyVersionSummary[] }) {
  const t = useT(m);
  const { lang } = useLanguage();
  return (
    <section aria-labelledby="versions-title">
      <h2 id="versions-title">{t('policies.versionsTitle')}</h2>
      <Table
        caption={<span className="visually-hidden">{t('policies.versionsTitle')}</span>}
        rows={versions}
        rowKey={(v) => String(v.number)}
        columns={[
          { key: 'number', className: 'nowrap', header: t('policies.colVersion'), cell: (v) => <Link to={v.standing === 'in_force' ? policyPath(kind) : versionPath(kind, v.number)}>{t('policies.version', { number: v.number })}</Link> },
          { key: 'effective', className: 'nowrap', header: t('policies.colEffective'), cell: (v) => formatDate(v.effectiveDate, lang) },
          { key: 'standing', className: 'nowrap', header: t('policies.colStanding'), cell: (v) => t(`policies.standing.${v.standing}`) },
          { key: 'summary', header: t('policies.colSummary'), cell: (v) => v.summary || '—' },
        ]}
      />
    </section>
  );
}

function notFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

export function PolicyIndexPage() {
  const t = useT(m);
  const { lang } = useLanguage();
  usePageTitle(t('policies.title'));
  const list = useAsync((signal) => api<{ policies: PolicySummary[] }>(`/api/public/policies?lang=${lang}`, { signal }), [lang]);
  return (
    <>
      <h1>{t('policies.title')}</h1>
      <p>{t('policies.intro')}</p>
      {list.loading && !list.data ? <Loading /> : null}
      <ErrorAlert error={list.error} />
      {list.data ? (
        <ul className="card-list">
          {list.data.policies.map((p) => (
            <li key={p.kind} className="card">
              <h2 className="card-title">
                <Link to={policyPath(p.kind)}>{p.title}</Link>
              </h2>
              <p className="muted">
                {t('policies.version', { number: p.number })} · {t('policies.effective', { date: formatDate(p.effectiveDate, lang) })}
              </p>
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

export function PolicyPage({ kind }: { kind: string }) {
  const t = useT(m);
  const { lang } = useLanguage();
  const known = isPolicyKind(kind);
  const doc = useAsync(
    (signal) => (known ? api<RenderedPolicy & { versions: PolicyVersionSummary[] }>(`/api/public/policies/${kind}?lang=${lang}`, { signal }) : Promise.resolve(null)),
    [kind, lang],
  );
  usePageTitle(doc.data?.title ?? null);
  if (!known || notFound(doc.error)) return <Alert tone="warning">{t('policies.notFound')}</Alert>;
  return (
    <>
      {doc.loading && !doc.data ? <Loading /> : null}
      <ErrorAlert error={doc.error} />
      {doc.data ? (
        <>
          <PolicyDocument policy={doc.data} />
          {doc.data.versions.length > 0 ? <VersionTable kind={doc.data.kind} versions={doc.data.versions} /> : null}
          <p>
            <Link to="/policies">{t('policies.all')}</Link>
          </p>
        </>
      ) : null}
    </>
  );
}

export function PolicyVersionPage({ kind, number }: { kind: string; number: number }) {
  const t = useT(m);
  const { lang } = useLanguage();
  const known = isPolicyKind(kind) && Number.isInteger(number) && number > 0;
  const doc = useAsync(
    (signal) => (known ? api<RenderedPolicy>(`/api/public/policies/${kind}/versions/${number}?lang=${lang}`, { signal }) : Promise.resolve(null)),
    [kind, number, lang],
  );
  usePageTitle(doc.data ? `${doc.data.title} ${t('policies.version', { number })}` : null);
  if (!known || notFound(doc.error)) return <Alert tone="warning">{t('policies.notFound')}</Alert>;
  const data = doc.data;
  return (
    <>
      {doc.loading && !data ? <Loading /> : null}
      <ErrorAlert error={doc.error} />
      {data ? (
        <>
          {data.standing === 'past' ? (
            <Alert tone="warning">
              <p>{t('policies.pastNotice', { number: data.number, date: data.effectiveDate ? formatDate(data.effectiveDate, lang) : '—' })}</p>
              <p>
                <Link to={policyPath(data.kind)}>{t('policies.current')}</Link>
              </p>
            </Alert>
          ) : data.standing === 'upcoming' && data.effectiveDate ? (
            <Alert tone="info">{t('policies.upcomingNotice', { date: formatDate(data.effectiveDate, lang) })}</Alert>
          ) : null}
          <PolicyDocument policy={data} />
          <p>
            <Link to={policyPath(data.kind)}>{t('policies.current')}</Link> · <Link to="/policies">{t('policies.all')}</Link>
          </p>
        </>
      ) : null}
    </>
  );
}
