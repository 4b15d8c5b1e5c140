// Identity review: the documents (each opened on demand and shown in the page, the opening
// audited by the server), marking a file that shows an Individual Number so it is destroyed,
// the acceptance rule's verdict, and the checklist with the decision.
import { useEffect, useState, type FormEvent } from 'react';
import { formatBytes, formatDate, useLanguage, useT } from '../../shared/i18n.tsx';
import { Alert, Button, ErrorAlert, Field, Table, type Column } from '../../shared/ui.tsx';
import { useAsync } from '../../shared/use-async.ts';
import type { IdentityDocumentSetting, IdentityEvaluation, RequestDetail, RequestDocument } from '../api-types.ts';
import { ActionsHeader, ActionResult, DateTime, Section, fetchBlobUrl, useAction } from '../admin-ui.tsx';
import { requestMessages } from '../messages/request.messages.ts';
import { api, useStaff } from '../session.tsx';

type CheckResult = 'match' | 'mismatch' | 'not_shown';
const CHECKS = ['name', 'address', 'dateOfBirth'] as const;
type DecisionKind = 'verified' | 'more_documents' | 'cannot_verify';

interface Viewed {
  doc: RequestDocument;
  url: string;
  type: string;
}

function DocumentViewer({ viewed, name, onClose }: { viewed: Viewed; name: string; onClose(): void }) {
  const t = useT(requestMessages);
  const isImage = viewed.type === 'image/jpeg' || viewed.type === 'image/png';
  const isPdf = viewed.type === 'application/pdf';
  return (
    <figure className="viewer" aria-label={t('docs.viewerTitle', { name })}>
      <figcaption>
        <strong>{t('docs.viewerTitle', { name })}</strong>
        <Button variant="link" onClick={onClose}>
          {t('docs.close')}
        </Button>
      </figcaption>
      {isImage ? <img src={viewed.url} alt={t('docs.imageAlt', { name })} className="viewer-image" /> : null}
      {isPdf ? (
        <p>
          <a href={viewed.url} target="_blank" rel="noopener noreferrer" className="btn btn-secondary">
            {t('docs.openPdf')}
          </a>
        </p>
      ) : null}
      {!isImage && !isPdf ? <Alert tone="info">{t('docs.noPreview')}</Alert> : null}
      <p>
        <a href={viewed.url} download={`${viewed.doc.id}`}>
          {name}
        </a>
      </p>
    </figure>
  );
}

function Evaluation({ evaluation }: { evaluation: IdentityEvaluation }) {
  const t = useT(requestMessages);
  if (evaluation.accepted) return <Alert tone="success">{t('id.accepted')}</Alert>;
  return (
    <Alert tone="warning" title={t('id.rule')}>
      <ul>
        {evaluation.shortfalls.map((s, i) => (
          <li key={i}>
            {t('id.shortfall', {
              what: t(`id.shortfall.${s.reason}`, { photo: s.photoNeeded ?? 0, nonPhoto: s.nonPhotoNeeded ?? 0 }),
            })}
            {s.missingCodes && s.missingCodes.length > 0 ? <span className="mono"> ({s.missingCodes.join(', ')})</span> : null}
          </li>
        ))}
      </ul>
    </Alert>
  );
}

function IdentityCheckForm({ request, evaluation, onDone }: { request: RequestDetail; evaluation: IdentityEvaluation | null; onDone(): void }) {
  const t = useT(requestMessages);
  const { can } = useStaff();
  const [checklist, setChecklist] = useState<Record<(typeof CHECKS)[number], CheckResult | ''>>({ name: '', address: '', dateOfBirth: '' });
  const [kind, setKind] = useState<DecisionKind>('verified');
  const [override, setOverride] = useState('');
  const [message, setMessage] = useState('');
  const [dueDays, setDueDays] = useState('');
  const [reason, setReason] = useState<'identity_unconfirmed' | 'agent_authority_unconfirmed'>('identity_unconfirmed');
  const action = useAction();
  const complete = CHECKS.every((c) => checklist[c] !== '');
  const needsOverride = kind === 'verified' && ((evaluation && !evaluation.accepted) || CHECKS.some((c) => checklist[c] === 'mismatch'));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const decision =
      kind === 'verified'
        ? { kind, ...(override.trim() ? { overrideReason: override.trim() } : {}) }
        : kind === 'more_documents'
          ? { kind, message: message.trim(), ...(dueDays ? { dueDays: Number(dueDays) } : {}) }
          : { kind, reason, ...(message.trim() ? { message: message.trim() } : {}) };
    const ok = await action.run(() => api(`/api/admin/requests/${encodeURIComponent(request.id)}/identity-check`, { body: { checklist, decision } }), t('id.saved'));
    if (ok) onDone();
  };

  return (
    <form onSubmit={submit} className="identity-form">
      <fieldset>
        <legend>{t('id.checklist')}</legend>
        <div className="checklist">
          {CHECKS.map((c) => (
            <fieldset key={c} className="check-row">
              <legend>{t(`id.check.${c}`)}</legend>
              {(['match', 'mismatch', 'not_shown'] as const).map((r) => (
                <label key={r} className="inline-choice">
                  <input type="radio" name={`check-${c}`} value={r} checked={checklist[c] === r} onChange={() => setChecklist((s) => ({ ...s, [c]: r }))} />
                  {t(`id.result.${r}`)}
                </label>
              ))}
            </fieldset>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>{t('id.decision')}</legend>
        {(['verified', 'more_documents', 'cannot_verify'] as const).map((k) => (
          <label key={k} className="choice">
            <input type="radio" name="identity-decision" value={k} checked={kind === k} onChange={() => setKind(k)} />
            <span className="choice-title">{t(`id.decision.${k}`)}</span>
          </label>
        ))}
      </fieldset>
      {kind === 'verified' && needsOverride && can('requests.decide') ? (
        <Field label={t('id.override')} hint={t('id.overrideHint')} required>
          {(p) => <textarea {...p} value={override} maxLength={4000} onChange={(e) => setOverride(e.target.value)} />}
        </Field>
      ) : null}
      {kind === 'verified' && needsOverride && !can('requests.decide') ? <Alert tone="warning">{t('id.overrideHint')}</Alert> : null}
      {kind === 'more_documents' ? (
        <>
          <Field label={t('id.moreMessage')} required>
            {(p) => <textarea {...p} value={message} maxLength={4000} onChange={(e) => setMessage(e.target.value)} />}
          </Field>
          <Field label={t('id.dueDays')}>
            {(p) => <input {...p} type="number" min={1} max={90} value={dueDays} onChange={(e) => setDueDays(e.target.value)} className="input-short" />}
          </Field>
        </>
      ) : null}
      {kind === 'cannot_verify' ? (
        <>
          <Field label={t('id.cannotReason')} required>
            {(p) => (
              <select {...p} value={reason} onChange={(e) => setReason(e.target.value as typeof reason)}>
                <option value="identity_unconfirmed">{t('id.cannotReason.identity_unconfirmed')}</option>
                <option value="agent_authority_unconfirmed">{t('id.cannotReason.agent_authority_unconfirmed')}</option>
              </select>
            )}
          </Field>
          <Field label={t('id.cannotMessage')}>{(p) => <textarea {...p} value={message} maxLength={4000} onChange={(e) => setMessage(e.target.value)} />}</Field>
        </>
      ) : null}
      <ActionResult action={action} />
      <Button type="submit" busy={action.busy} disabled={!complete || (kind === 'more_documents' && !message.trim())}>
        {t('id.submit')}
      </Button>
    </form>
  );
}

export function IdentityPanel({ request, labels, tick, onChanged }: { request: RequestDetail; labels: Map<string, IdentityDocumentSetting>; tick: number; onChanged(): void }) {
  const t = useT(requestMessages);
  const { lang } = useLanguage();
  const { can } = useStaff();
  const base = `/api/admin/requests/${encodeURIComponent(request.id)}`;
  const docs = useAsync((signal) => api<{ documents: RequestDocument[] }>(`${base}/documents`, { signal }).then((r) => r.documents), [base, tick]);
  const evaluation = useAsync((signal) => api<IdentityEvaluation>(`${base}/identity-evaluation`, { signal }), [base, tick]);
  const [viewed, setViewed] = useState<Viewed | null>(null);
  const opening = useAction();
  const destroying = useAction();

  useEffect(
    () => () => {
      if (viewed) URL.revokeObjectURL(viewed.url);
    },
    [viewed],
  );

  const nameOf = (d: RequestDocument) => labels.get(d.documentType)?.label[lang] ?? d.documentType;
  const open = async (doc: RequestDocument) => {
    const blob = await opening.run(() => fetchBlobUrl(`${base}/documents/${encodeURIComponent(doc.id)}/content`));
    if (blob) setViewed({ doc, url: blob.url, type: blob.type || doc.contentType });
  };
  const destroy = async (doc: RequestDocument) => {
    if (!window.confirm(t('docs.myNumberConfirm'))) return;
    const ok = await destroying.run(() => api(`${base}/documents/${encodeURIComponent(doc.id)}/my-number`, { method: 'POST', body: {} }), t('docs.myNumberDone'));
    if (ok) {
      if (viewed?.doc.id === doc.id) setViewed(null);
      onChanged();
    }
  };

  const columns: Column<RequestDocument>[] = [
    { key: 'role', header: t('docs.role'), cell: (d) => t(`docs.role.${d.role}`) },
    { key: 'type', header: t('docs.documentType'), cell: (d) => nameOf(d) },
    { key: 'file', header: t('docs.file'), cell: (d) => `${d.contentType.replace('image/', '').replace('application/', '').toUpperCase()} · ${formatBytes(d.byteSize)}` },
    {
      key: 'uploaded',
      header: t('docs.uploaded'),
      cell: (d) => (
        <>
          <DateTime iso={d.uploadedAt} /> <span className="cell-sub">{t(`docs.by.${d.uploadedBy}`)}</span>
        </>
      ),
    },
    { key: 'state', header: t('docs.state'), cell: (d) => t(`docs.state.${d.status}`) },
    {
      key: 'actions',
      header: <ActionsHeader />,
      cell: (d) =>
        d.status === 'received' && can('requests.documents') ? (
          <div className="cell-actions">
            <Button variant="secondary" onClick={() => void open(d)} busy={opening.busy} aria-label={`${t('docs.open')}: ${nameOf(d)}`}>
              {t('docs.open')}
            </Button>
            <Button variant="link" onClick={() => void destroy(d)} busy={destroying.busy}>
              {t('docs.myNumber')}
            </Button>
          </div>
        ) : null,
    },
  ];

  const reviewing = request.status === 'identity_review' && can('requests.work') && request.actions.includes('identity_verified');
  return (
    <Section title={t('id.title')} id="identity">
      {request.identityVerifiedAt ? <Alert tone="success">{t('id.verifiedAt', { time: formatDate(request.identityVerifiedAt, lang, true) })}</Alert> : null}
      <ErrorAlert error={docs.error} />
      <p className="muted">{t('docs.openHint')}</p>
      <Table caption={t('docs.caption')} columns={columns} rows={docs.data ?? []} rowKey={(d) => d.id} empty={t('docs.none')} />
      <ErrorAlert error={opening.error} />
      <ActionResult action={destroying} />
      {viewed ? <DocumentViewer viewed={viewed} name={nameOf(viewed.doc)} onClose={() => setViewed(null)} /> : null}
      {evaluation.data && request.status !== 'completed' && request.status !== 'closed' ? <Evaluation evaluation={evaluation.data} /> : null}
      {reviewing ? <IdentityCheckForm request={request} evaluation={evaluation.data} onDone={onChanged} /> : null}
    </Section>
  );
}
