// Policies: every document with what is in force, upcoming and drafted; one document's
// versions, a preview of any version in either language, the comparison of two versions, and
// the draft's editor (texts side by side in Japanese and English, generated blocks kept as
// they are), with what would stop it from being published, and publishing.
import { useState, type FormEvent } from 'react';
import { formatDate, useLanguage, useLocalized, useT, type Language } from '../../shared/i18n.tsx';
import { Link } from '../../shared/router.tsx';
import { Alert, Button, ErrorAlert, Field, Loading, Table, type Column } from '../../shared/ui.tsx';
import { useAsync } from '../../shared/use-async.ts';
import type { Localized, PolicyArticle, PolicyBlock, PolicyContent, PolicyDiff, PolicyDocument, PolicyReadiness, PolicyVersion, PolicyVersionSummary } from '../api-types.ts';
import { ActionsHeader, ActionResult, PageHeader, Section, useAction } from '../admin-ui.tsx';
import { manageMessages } from '../messages/manage.messages.ts';
import { api, useStaff } from '../session.tsx';

interface RenderedBlock {
  type: 'paragraph' | 'list';
  text?: string;
  items?: Array<{ label: string; text: string; subItems: Array<{ label: string; text: string }> }>;
}

interface Rendered {
  title: string;
  language: Language;
  preamble: RenderedBlock[];
  articles: Array<{ key: string; label: string; heading: string; blocks: RenderedBlock[] }>;
  closing: RenderedBlock[];
  gaps: Array<{ item: string; field: string }>;
}

export function PoliciesPage() {
  const t = useT(manageMessages);
  const { lang } = useLanguage();
  const docs = useAsync((signal) => api<{ documents: PolicyDocument[] }>('/api/admin/policies', { signal }).then((r) => r.documents), []);
  if (!docs.data) return docs.loading ? <Loading /> : <ErrorAlert error={docs.error} />;
  return (
    <>
      <PageHeader title={t('pol.title')} />
      <ul className="cards">
        {docs.data.map((d) => (
          <li key={d.kind} className="card">
            <h2>
              <Link to={`/admin/policies/${d.kind}`}>{d.title[lang]}</Link>
            </h2>
            <p>{d.inForce ? t('pol.inForce', { n: d.inForce.number, date: d.inForce.effectiveDate }) : t('pol.none')}</p>
            {d.upcoming ? <p>{t('pol.upcoming', { n: d.upcoming.number, date: d.upcoming.effectiveDate })}</p> : null}
            {d.draft !== null ? <p className="badge badge-warn">{t('pol.draft', { n: d.draft })}</p> : null}
          </li>
        ))}
      </ul>
    </>
  );
}

function Blocks({ blocks }: { blocks: readonly RenderedBlock[] }) {
  return (
    <>
      {blocks.map((b, i) =>
        b.type === 'paragraph' ? (
          <p key={i} className="prewrap">
            {b.text}
          </p>
        ) : (
          <ol key={i} className="policy-list">
            {(b.items ?? []).map((item, j) => (
              <li key={j}>
                <span className="policy-label">{item.label}</span> {item.text}
                {item.subItems.length > 0 ? (
                  <ol className="policy-list">
                    {item.subItems.map((s, k) => (
                      <li key={k}>
                        <span className="policy-label">{s.label}</span> {s.text}
                      </li>
                    ))}
                  </ol>
                ) : null}
              </li>
            ))}
          </ol>
        ),
      )}
    </>
  );
}

function Preview({ kind, number }: { kind: string; number: number }) {
  const t = useT(manageMessages);
  const { lang } = useLanguage();
  const [previewLang, setPreviewLang] = useState<Language>(lang);
  const rendered = useAsync((signal) => api<Rendered>(`/api/admin/policies/${kind}/versions/${number}/rendered?lang=${previewLang}`, { signal }), [kind, number, previewLang]);
  return (
    <>
      <div className="inline-field">
        <label htmlFor="preview-lang">{t('pol.previewLang')}</label>
        <select id="preview-lang" value={previewLang} onChange={(e) => setPreviewLang(e.target.value as Language)}>
          <option value="ja">日本語</option>
          <option value="en">English</option>
        </select>
      </div>
      <ErrorAlert error={rendered.error} />
      {rendered.data ? (
        <article className="policy-preview" lang={rendered.data.language}>
          <h3>{rendered.data.title}</h3>
          <Blocks blocks={rendered.data.preamble} />
          {rendered.data.articles.map((a) => (
            <section key={a.key}>
              <h4>
                {a.label} {a.heading}
              </h4>
              <Blocks blocks={a.blocks} />
            </section>
          ))}
          <Blocks blocks={rendered.data.closing} />
        </article>
      ) : null}
    </>
  );
}

function DiffView({ kind, versions }: { kind: string; versions: readonly PolicyVersionSummary[] }) {
  const t = useT(manageMessages);
  const loc = useLocalized();
  const { lang } = useLanguage();
  const numbers = versions.map((v) => v.number).sort((a, b) => a - b);
  const [from, setFrom] = useState(numbers[Math.max(0, numbers.length - 2)] ?? 1);
  const [to, setTo] = useState(numbers[numbers.length - 1] ?? 1);
  const diff = useAction();
  const [result, setResult] = useState<PolicyDiff | null>(null);
  const compare = async (e: FormEvent) => {
    e.preventDefault();
    const r = await diff.run(() => api<PolicyDiff>(`/api/admin/policies/${kind}/diff?from=${from}&to=${to}`));
    if (r) setResult(r);
  };
  return (
    <>
      <form className="filters" onSubmit={compare}>
        <div className="filter">
          <label htmlFor="diff-from">{t('pol.diffFrom')}</label>
          <select id="diff-from" value={from} onChange={(e) => setFrom(Number(e.target.value))}>
            {numbers.map((n) => (
              <option key={n} value={n}>
                v{n}
              </option>
            ))}
          </select>
        </div>
        <div className="filter">
          <label htmlFor="diff-to">{t('pol.diffTo')}</label>
          <select id="diff-to" value={to} onChange={(e) => setTo(Number(e.target.value))}>
            {numbers.map((n) => (
              <option key={n} value={n}>
                v{n}
              </option>
            ))}
          </select>
        </div>
        <div className="filter filter-buttons">
          <Button type="submit" variant="secondary" busy={diff.busy}>
            {t('pol.compare')}
          </Button>
        </div>
      </form>
      <ErrorAlert error={diff.error} />
      {result?.identical ? <Alert tone="info">{t('pol.identical')}</Alert> : null}
      {result && !result.identical ? (
        <div className="diff">
          {result.articles
            .filter((a) => a.status !== 'unchanged')
            .map((a) => (
              <section key={a.key} className={`diff-article diff-${a.status}`}>
                <h4>
                  <span className="badge badge-muted">{t(`pol.${a.status === 'changed' ? 'changed' : a.status === 'added' ? 'added' : 'removed'}`)}</span> {a.label ? loc(a.label) : ''} {loc(a.heading)}
                </h4>
                {a.units.map((u, i) => (
                  <p key={i} className="diff-unit" lang={lang}>
                    <span className="policy-label">{loc(u.label)}</span>{' '}
                    {u[lang].segments.map((s, j) =>
                      s.op === 'equal' ? <span key={j}>{s.text}</span> : s.op === 'insert' ? <ins key={j}>{s.text}</ins> : <del key={j}>{s.text}</del>,
                    )}
                  </p>
                ))}
              </section>
            ))}
        </div>
      ) : null}
    </>
  );
}

function LocalizedInputs({ value, onChange, labelJa, labelEn, multiline = false }: { value: Localized; onChange(v: Localized): void; labelJa: string; labelEn: string; multiline?: boolean }) {
  return (
    <div className="bilingual">
      <Field label={labelJa}>
        {(p) =>
          multiline ? (
            <textarea {...p} lang="ja" value={value.ja} onChange={(e) => onChange({ ...value, ja: e.target.value })} />
          ) : (
            <input {...p} lang="ja" type="text" value={value.ja} onChange={(e) => onChange({ ...value, ja: e.target.value })} />
          )
        }
      </Field>
      <Field label={labelEn}>
        {(p) =>
          multiline ? (
            <textarea {...p} lang="en" value={value.en} onChange={(e) => onChange({ ...value, en: e.target.value })} />
          ) : (
            <input {...p} lang="en" type="text" value={value.en} onChange={(e) => onChange({ ...value, en: e.target.value })} />
          )
        }
      </Field>
    </div>
  );
}

function BlockEditor({ block, onChange, onRemove }: { block: PolicyBlock; onChange(b: PolicyBlock): void; onRemove(): void }) {
  const t = useT(manageMessages);
  if (block.type === 'generated') return <p className="generated-block">{t('pol.generated', { name: block.key })}</p>;
  if (block.type === 'paragraph') {
    return (
      <div className="block-edit">
        <LocalizedInputs value={block.text} onChange={(text) => onChange({ ...block, text })} labelJa={t('pol.paragraphJa')} labelEn={t('pol.paragraphEn')} multiline />
        <Button variant="link" onClick={onRemove}>
          {t('pol.removeBlock')}
        </Button>
      </div>
    );
  }
  return (
    <div className="block-edit">
      {block.items.map((item, i) => (
        <LocalizedInputs
          key={i}
          value={item.text}
          onChange={(text) => onChange({ ...block, items: block.items.map((it, j) => (j === i ? { ...it, text } : it)) })}
          labelJa={`${t('pol.itemJa')} ${i + 1}`}
          labelEn={`${t('pol.itemEn')} ${i + 1}`}
          multiline
        />
      ))}
    </div>
  );
}

function DraftEditor({ kind, number, onChanged }: { kind: string; number: number; onChanged(): void }) {
  const t = useT(manageMessages);
  const [tick, setTick] = useState(0);
  const loaded = useAsync((signal) => api<{ version: PolicyVersion; readiness: PolicyReadiness }>(`/api/admin/policies/${kind}/versions/${number}`, { signal }), [kind, number, tick]);
  const [content, setContent] = useState<PolicyContent | null>(null);
  const [summary, setSummary] = useState<Localized>({ ja: '', en: '' });
  const [effectiveDate, setEffectiveDate] = useState('');
  const [loadedFor, setLoadedFor] = useState<string | null>(null);
  const save = useAction();
  const publish = useAction();
  const discard = useAction();

  const v = loaded.data?.version;
  const key = v ? `${v.number}-${v.updatedAt}` : null;
  if (v && key !== loadedFor) {
    setContent(v.content);
    setSummary(v.summary);
    setEffectiveDate(v.effectiveDate ?? '');
    setLoadedFor(key);
  }
  if (!loaded.data || !content) return loaded.loading ? <Loading /> : <ErrorAlert error={loaded.error} />;
  const readiness = loaded.data.readiness;

  const setArticle = (i: number, a: PolicyArticle) => setContent({ ...content, articles: content.articles.map((x, j) => (j === i ? a : x)) });
  const addArticle = () => {
    let n = content.articles.length + 1;
    while (content.articles.some((a) => a.key === `article-${n}`)) n++;
    setContent({ ...content, articles: [...content.articles, { key: `article-${n}`, heading: { ja: '', en: '' }, blocks: [{ type: 'paragraph', text: { ja: '', en: '' } }] }] });
  };
  const onSave = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await save.run(() => api(`/api/admin/policies/${kind}/versions/${number}`, { method: 'PUT', body: { content, summary, effectiveDate: effectiveDate || null } }), t('pol.saved'));
    if (ok) setTick((n) => n + 1);
  };
  const onPublish = async () => {
    const ok = await publish.run(() => api(`/api/admin/policies/${kind}/versions/${number}/publish`, { method: 'POST', body: {} }), t('pol.published'));
    if (ok) onChanged();
  };
  const onDiscard = async () => {
    const ok = await discard.run(() => api(`/api/admin/policies/${kind}/versions/${number}`, { method: 'DELETE' }), t('pol.discarded'));
    if (ok) onChanged();
  };

  return (
    <form onSubmit={onSave} className="policy-editor">
      <Section title={t('pol.readiness')}>
        {readiness.translationGaps.length === 0 && readiness.noticeGaps.length === 0 ? (
          <Alert tone="success">{t('pol.ready')}</Alert>
        ) : (
          <Alert tone="warning">
            <ul>
              {readiness.translationGaps.slice(0, 30).map((g, i) => (
                <li key={`t${i}`}>{t('pol.translationGap', { path: g.path, lang: g.language })}</li>
              ))}
              {readiness.noticeGaps.slice(0, 30).map((g, i) => (
                <li key={`n${i}`}>{t('pol.noticeGap', { item: g.item, field: g.field })}</li>
              ))}
            </ul>
          </Alert>
        )}
      </Section>
      <div className="form-grid">
        <Field label={t('pol.effectiveDate')}>{(p) => <input {...p} type="date" value={effectiveDate} onChange={(e) => setEffectiveDate(e.target.value)} />}</Field>
      </div>
      <LocalizedInputs value={summary} onChange={setSummary} labelJa={t('pol.summaryJa')} labelEn={t('pol.summaryEn')} multiline />
      <LocalizedInputs value={content.title} onChange={(title) => setContent({ ...content, title })} labelJa={t('pol.titleJa')} labelEn={t('pol.titleEn')} />
      {content.articles.map((a, i) => (
        <fieldset key={a.key} className="article-edit">
          <legend>
            {t('pol.article', { n: i + 1 })} <code>{a.key}</code>
          </legend>
          <LocalizedInputs value={a.heading} onChange={(heading) => setArticle(i, { ...a, heading })} labelJa={t('pol.headingJa')} labelEn={t('pol.headingEn')} />
          {a.blocks.map((b, j) => (
            <BlockEditor
              key={j}
              block={b}
              onChange={(nb) => setArticle(i, { ...a, blocks: a.blocks.map((x, k) => (k === j ? nb : x)) })}
              onRemove={() => setArticle(i, { ...a, blocks: a.blocks.filter((_, k) => k !== j) })}
            />
          ))}
          <div className="btn-row-tight">
            <Button variant="secondary" onClick={() => setArticle(i, { ...a, blocks: [...a.blocks, { type: 'paragraph', text: { ja: '', en: '' } }] })}>
              {t('pol.addParagraph')}
            </Button>
            <Button variant="link" onClick={() => setContent({ ...content, articles: content.articles.filter((_, k) => k !== i) })}>
              {t('pol.removeArticle')}
            </Button>
          </div>
        </fieldset>
      ))}
      <Button variant="secondary" onClick={addArticle}>
        {t('pol.addArticle')}
      </Button>
      <ActionResult action={save} />
      <ActionResult action={publish} />
      <ActionResult action={discard} />
      <div className="btn-row">
        <Button type="submit" busy={save.busy}>
          {t('pol.save')}
        </Button>
        <Button variant="secondary" busy={publish.busy} onClick={() => void onPublish()}>
          {t('pol.publish')}
        </Button>
        <Button variant="danger" busy={discard.busy} onClick={() => void onDiscard()}>
          {t('pol.discard')}
        </Button>
      </div>
    </form>
  );
}

export function PolicyDocumentPage({ kind }: { kind: string }) {
  const t = useT(manageMessages);
  const { lang } = useLanguage();
  const { can } = useStaff();
  const [tick, setTick] = useState(0);
  const doc = useAsync((signal) => api<{ document: PolicyDocument }>(`/api/admin/policies/${encodeURIComponent(kind)}`, { signal }).then((r) => r.document), [kind, tick]);
  const [selected, setSelected] = useState<number | null>(null);
  const create = useAction();

  if (!doc.data) return doc.loading ? <Loading /> : <ErrorAlert error={doc.error} />;
  const d = doc.data;
  const shown = selected ?? d.inForce?.number ?? d.versions[0]?.number ?? null;
  const newDraft = async () => {
    const ok = await create.run(() => api(`/api/admin/policies/${kind}/versions`, { body: {} }), t('pol.draftCreated'));
    if (ok) setTick((n) => n + 1);
  };

  const columns: Column<PolicyVersionSummary>[] = [
    { key: 'n', header: t('pol.col.version'), cell: (v) => `v${v.number}` },
    { key: 'standing', header: t('pol.col.standing'), cell: (v) => t(`pol.standing.${v.standing}`) },
    { key: 'effective', header: t('pol.col.effective'), cell: (v) => (v.effectiveDate ? formatDate(`${v.effectiveDate}T00:00:00+09:00`, lang) : '—') },
    { key: 'summary', header: t('pol.col.summary'), cell: (v) => v.summary[lang] || '—' },
    {
      key: 'open',
      header: <ActionsHeader />,
      cell: (v) => (
        <Button variant="link" onClick={() => setSelected(v.number)} aria-pressed={shown === v.number}>
          {t('pol.preview')} v{v.number}
        </Button>
      ),
    },
  ];

  return (
    <>
      <p className="crumb">
        <Link to="/admin/policies">← {t('pol.back')}</Link>
      </p>
      <PageHeader title={d.title[lang]}>
        {can('policies.manage') && d.draft === null ? (
          <Button variant="secondary" busy={create.busy} onClick={() => void newDraft()}>
            {t('pol.newDraft')}
          </Button>
        ) : null}
      </PageHeader>
      <ActionResult action={create} />
      <Section title={t('pol.versions')}>
        <Table caption={t('pol.versions')} columns={columns} rows={d.versions} rowKey={(v) => String(v.number)} />
      </Section>
      {d.draft !== null && can('policies.manage') ? (
        <Section title={t('pol.edit')}>
          <DraftEditor key={d.draft} kind={kind} number={d.draft} onChanged={() => setTick((n) => n + 1)} />
        </Section>
      ) : null}
      {shown !== null ? (
        <Section title={`${t('pol.preview')} v${shown}`}>
          <Preview kind={kind} number={shown} />
        </Section>
      ) : null}
      {d.versions.length > 1 ? (
        <Section title={t('pol.diff')}>
          <DiffView kind={kind} versions={d.versions} />
        </Section>
      ) : null}
    </>
  );
}
