// The privacy centre's front page: what the organisation holds and why (from the data map and
// the purposes of use), how a request works, and where the published policies are.
import { formatDate, useLanguage, useLocalized, useT, type Language } from '../shared/i18n.tsx';
import { Link } from '../shared/router.tsx';
import { ErrorAlert, Loading } from '../shared/ui.tsx';
import { useAsync } from '../shared/use-async.ts';
import { api, type DataHeld, type PolicySummary, type Purpose, type RequestForm } from './public-api.ts';
import { useOrgName, usePageTitle } from './public-context.tsx';
import { m } from './public.messages.ts';

export function policyPath(kind: PolicySummary['kind']): string {
  if (kind === 'appi-notice') return '/notice';
  if (kind === 'website-privacy') return '/privacy-notice';
  return `/policies/${kind}`;
}

function bracket(text: string, lang: Language): string {
  return lang === 'ja' ? `（${text}）` : `(${text})`;
}

export function HomePage() {
  const t = useT(m);
  const { lang } = useLanguage();
  const pick = useLocalized();
  const org = useOrgName();
  usePageTitle(null);
  const form = useAsync((signal) => api<RequestForm>('/api/public/request-form', { signal }), []);
  const held = useAsync((signal) => api<DataHeld>('/api/public/data-held', { signal }), []);
  const purposes = useAsync((signal) => api<{ purposes: Purpose[] }>(`/api/public/purposes?lang=${lang}`, { signal }), [lang]);
  const policies = useAsync((signal) => api<{ policies: PolicySummary[] }>(`/api/public/policies?lang=${lang}`, { signal }), [lang]);

  return (
    <>
      <section className="hero" aria-labelledby="home-title">
        <h1 id="home-title">{t('site.titleWithOrg', { org })}</h1>
        <p className="lead">{t('home.lead', { org })}</p>
        <p>
          <Link to="/requests/new" className="btn btn-primary btn-large">
            {t('home.start')}
          </Link>
        </p>
      </section>

      <section aria-labelledby="how-title">
        <h2 id="how-title">{t('home.howTitle')}</h2>
        <ol className="steps">
          <li>{t('home.how1')}</li>
          <li>{t('home.how2')}</li>
          <li>{t('home.how3')}</li>
          <li>{t('home.how4', { days: form.data?.deadlines.targetDays ?? 14 })}</li>
        </ol>
        <p className="muted">{t('home.feeNote')}</p>
      </section>

      <section aria-labelledby="held-title">
        <h2 id="held-title">{t('home.heldTitle')}</h2>
        {held.loading ? <Loading /> : null}
        <ErrorAlert error={held.error} />
        {held.data && held.data.categories.length > 0 ? (
          <>
            <p>{t('home.heldIntro')}</p>
            <ul className="card-grid">
              {held.data.categories.map((c) => (
                <li key={c.key} className="card">
                  <h3>{pick(c.label)}</h3>
                  {c.items.length > 0 ? (
                    <p>
                      <span className="muted">{t('home.heldIncludes')}：</span>
                      {c.items.map((i) => pick(i.label)).join(lang === 'ja' ? '、' : ', ')}
                    </p>
                  ) : null}
                  {c.purposes.length > 0 ? (
                    <>
                      <p className="card-sub">{t('home.heldUsedFor')}</p>
                      <ul>
                        {c.purposes.map((p) => (
                          <li key={p.code}>{pick(p.title)}</li>
                        ))}
                      </ul>
                    </>
                  ) : null}
                </li>
              ))}
            </ul>
          </>
        ) : held.data ? (
          <p>{t('home.heldEmpty')}</p>
        ) : null}
      </section>

      <section aria-labelledby="purposes-title">
        <h2 id="purposes-title">{t('home.purposesTitle')}</h2>
        {purposes.loading && !purposes.data ? <Loading /> : null}
        <ErrorAlert error={purposes.error} />
        {purposes.data ? (
          <ol className="purpose-list">
            {purposes.data.purposes.map((p) => (
              <li key={p.code}>
                <strong>{p.title}</strong>
                {p.basis === 'consent' ? <span className="tag">{t('home.purposeConsent')}</span> : null}
                <br />
                <span className="muted">{p.description}</span>
              </li>
            ))}
          </ol>
        ) : null}
      </section>

      <section aria-labelledby="docs-title">
        <h2 id="docs-title">{t('home.docsTitle')}</h2>
        <ErrorAlert error={policies.error} />
        {policies.data ? (
          <ul className="link-list">
            {policies.data.policies.map((p) => (
              <li key={p.kind}>
                <Link to={policyPath(p.kind)}>{p.title}</Link> <span className="muted">{bracket(t('policies.effective', { date: formatDate(p.effectiveDate, lang) }), lang)}</span>
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      <section aria-labelledby="track-title">
        <h2 id="track-title">{t('home.trackTitle')}</h2>
        <p>{t('home.trackBody')}</p>
      </section>
    </>
  );
}
