// The decision on a request: the outcomes its type allows, the reason picker (the policy's
// nine reasons and the reasons about a measure, each with its legal ground), parts withheld
// from a partial disclosure, saving a draft and asking for approval; for the officer,
// returning or approving; and the letter as a PDF (marked as a draft until approved).
import { useEffect, useState, type FormEvent } from 'react';
import { useLanguage, useT } from '../../shared/i18n.tsx';
import { Alert, Button, ErrorAlert, Field } from '../../shared/ui.tsx';
import { useAsync } from '../../shared/use-async.ts';
import type { DecisionOutcome, DecisionReason, DecisionState, RequestDetail, WithheldPart } from '../api-types.ts';
import { ActionResult, DateTime, Section, fetchBlobUrl, useAction, useStaffName, type ActionState } from '../admin-ui.tsx';
import { requestMessages } from '../messages/request.messages.ts';
import { api, useStaff } from '../session.tsx';

const DECIDING = ['in_progress', 'in_review'];

let reasonsPromise: Promise<DecisionReason[]> | null = null;
function loadReasons(): Promise<DecisionReason[]> {
  reasonsPromise ??= api<{ reasons: DecisionReason[] }>('/api/admin/requests/decision-reasons').then(
    (r) => r.reasons,
    (err: unknown) => {
      reasonsPromise = null;
      throw err;
    },
  );
  return reasonsPromise;
}

function ReasonPicker({ name, codes, reasons, value, onChange, legend }: { name: string; codes: readonly string[]; reasons: readonly DecisionReason[]; value: string; onChange(code: string): void; legend: string }) {
  const t = useT(requestMessages);
  const { lang } = useLanguage();
  return (
    <fieldset className="reason-picker">
      <legend>{legend}</legend>
      {codes.map((code) => {
        const r = reasons.find((x) => x.code === code);
        return (
          <label key={code} className="choice">
            <input type="radio" name={name} value={code} checked={value === code} onChange={() => onChange(code)} />
            <span>
              <span className="choice-title">
                {r?.policyNumber ? <span className="reason-no">{t('dec.policyNo', { n: r.policyNumber })}</span> : null}
                {r ? r.label[lang] : code}
              </span>
              {r ? <span className="choice-desc">{r.legalGround[lang]}</span> : null}
            </span>
          </label>
        );
      })}
    </fieldset>
  );
}

function LetterPreview({ requestId, tick }: { requestId: string; tick: number }) {
  const t = useT(requestMessages);
  const [url, setUrl] = useState<string | null>(null);
  const action = useAction();
  useEffect(() => {
    setUrl(null);
  }, [tick]);
  useEffect(
    () => () => {
      if (url) URL.revokeObjectURL(url);
    },
    [url],
  );
  const load = async () => {
    const blob = await action.run(() => fetchBlobUrl(`/api/admin/requests/${encodeURIComponent(requestId)}/decision/letter.pdf`));
    if (blob) setUrl(blob.url);
  };
  return (
    <div className="letter-preview">
      <p className="muted">{t('dec.letterNote')}</p>
      {url ? (
        <p className="btn-row">
          <a className="btn btn-secondary" href={url} target="_blank" rel="noopener noreferrer" data-testid="letter-link">
            {t('dec.letter')}
          </a>
          <a href={url} download="letter.pdf">
            letter.pdf
          </a>
        </p>
      ) : (
        <Button variant="secondary" busy={action.busy} onClick={() => void load()}>
          {t('dec.letter')}
        </Button>
      )}
      <ErrorAlert error={action.error} />
    </div>
  );
}

function DecisionForm({ request, state, reasons, action, onSaved }: { request: RequestDetail; state: DecisionState; reasons: readonly DecisionReason[]; action: ActionState; onSaved(): void }) {
  const t = useT(requestMessages);
  const current = state.decision && state.decision.status !== 'superseded' ? state.decision : null;
  const [outcome, setOutcome] = useState<DecisionOutcome | ''>(current?.outcome ?? '');
  const [reason, setReason] = useState(current?.reason ?? '');
  const [explanation, setExplanation] = useState(current?.explanation ?? '');
  const [details, setDetails] = useState(current?.details ?? '');
  const [parts, setParts] = useState<WithheldPart[]>(current?.withheld ?? []);
  const reasonCodes = outcome ? (state.choices.reasons[outcome] ?? []) : [];
  const needsDetails = outcome === 'done' || outcome === 'alternative';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!outcome) return;
    const body = {
      outcome,
      withheld: outcome === 'partial' ? parts.map((p) => ({ part: p.part.trim(), reason: p.reason, explanation: p.explanation.trim() })) : [],
      reason: reasonCodes.length > 0 ? reason || null : null,
      explanation: reasonCodes.length > 0 && explanation.trim() ? explanation.trim() : null,
      details: details.trim() ? details.trim() : null,
      expectedVersion: state.decision?.version ?? 0,
    };
    const ok = await action.run(() => api(`/api/admin/requests/${encodeURIComponent(request.id)}/decision`, { method: 'PUT', body }), t('dec.saved'));
    if (ok) onSaved();
  };
  const setPart = (i: number, patch: Partial<WithheldPart>) => setParts((ps) => ps.map((p, j) => (j === i ? { ...p, ...patch } : p)));

  return (
    <form onSubmit={submit} className="decision-form">
      <fieldset>
        <legend>{t('dec.outcome')}</legend>
        {state.choices.outcomes.map((o) => (
          <label key={o} className="choice">
            <input
              type="radio"
              name="outcome"
              value={o}
              checked={outcome === o}
              onChange={() => {
                setOutcome(o);
                setReason('');
              }}
            />
            <span className="choice-title">{t(`dec.outcome.${o}`)}</span>
          </label>
        ))}
      </fieldset>
      {reasonCodes.length > 0 ? (
        <>
          <ReasonPicker name="reason" legend={t('dec.reasonLegend')} codes={reasonCodes} reasons={reasons} value={reason} onChange={setReason} />
          <Field label={t('dec.explanation')} required>
            {(p) => <textarea {...p} value={explanation} maxLength={2000} onChange={(e) => setExplanation(e.target.value)} />}
          </Field>
        </>
      ) : null}
      {outcome === 'partial' ? (
        <fieldset>
          <legend>{t('dec.withheld')}</legend>
          {parts.map((p, i) => (
            <div key={i} className="withheld-part">
              <Field label={t('dec.part')} required>
                {(fp) => <input {...fp} type="text" maxLength={200} value={p.part} onChange={(e) => setPart(i, { part: e.target.value })} />}
              </Field>
              <ReasonPicker name={`part-reason-${i}`} legend={t('dec.partReason')} codes={state.choices.partReasons} reasons={reasons} value={p.reason} onChange={(code) => setPart(i, { reason: code })} />
              <Field label={t('dec.partExplanation')} required>
                {(fp) => <textarea {...fp} value={p.explanation} maxLength={2000} onChange={(e) => setPart(i, { explanation: e.target.value })} />}
              </Field>
              <Button variant="link" onClick={() => setParts((ps) => ps.filter((_, j) => j !== i))}>
                {t('dec.removePart')}
              </Button>
            </div>
          ))}
          <Button variant="secondary" onClick={() => setParts((ps) => [...ps, { part: '', reason: '', explanation: '' }])}>
            {t('dec.addPart')}
          </Button>
        </fieldset>
      ) : null}
      {outcome ? (
        <Field label={needsDetails ? t('dec.detailsRequired') : t('dec.details')} required={needsDetails}>
          {(p) => <textarea {...p} value={details} maxLength={4000} onChange={(e) => setDetails(e.target.value)} />}
        </Field>
      ) : null}
      <Button type="submit" busy={action.busy} disabled={!outcome}>
        {t('dec.save')}
      </Button>
    </form>
  );
}

export function DecisionPanel({ request, tick, onChanged }: { request: RequestDetail; tick: number; onChanged(): void }) {
  const t = useT(requestMessages);
  const { can } = useStaff();
  const staffName = useStaffName();
  const base = `/api/admin/requests/${encodeURIComponent(request.id)}/decision`;
  const state = useAsync((signal) => api<DecisionState>(base, { signal }), [base, tick]);
  const reasons = useAsync(() => loadReasons(), []);
  const [note, setNote] = useState('');
  const flow = useAction();
  // Kept here, not in the form: a saved draft is a new version, and the form starts afresh on it.
  const save = useAction();

  const s = state.data;
  const decision = s?.decision ?? null;
  const deciding = DECIDING.includes(request.status);
  const step = async (path: 'submit' | 'return' | 'approve', body: unknown, done: string) => {
    const ok = await flow.run(() => api(`${base}/${path}`, { method: 'POST', body }), done);
    if (ok) {
      setNote('');
      onChanged();
    }
  };

  return (
    <Section title={t('dec.title')} id="decision">
      <ErrorAlert error={state.error ?? reasons.error} />
      {decision ? (
        <p>
          <strong>{t('dec.current', { version: decision.version, status: t(`dec.status.${decision.status}`) })}</strong> — {t(`dec.outcome.${decision.outcome}`)} ·{' '}
          {staffName(decision.draftedBy)} · <DateTime iso={decision.draftedAt} />
        </p>
      ) : null}
      {!deciding && !decision ? <Alert tone="info">{t('dec.notYet')}</Alert> : null}
      {s && reasons.data && deciding && can('requests.work') ? (
        <>
          <p>{t('dec.lead')}</p>
          <DecisionForm key={`${decision?.id ?? 'new'}-${decision?.version ?? 0}`} request={request} state={s} reasons={reasons.data} action={save} onSaved={onChanged} />
          <ActionResult action={save} />
        </>
      ) : null}
      {decision ? <LetterPreview requestId={request.id} tick={tick} /> : null}
      <ActionResult action={flow} />
      {request.status === 'in_progress' && decision?.status === 'draft' && can('requests.work') ? (
        <Button busy={flow.busy} onClick={() => void step('submit', {}, t('dec.submitted'))}>
          {t('dec.submit')}
        </Button>
      ) : null}
      {request.status === 'in_review' && decision?.status === 'draft' && can('requests.decide') ? (
        <div className="officer-actions">
          <Button busy={flow.busy} onClick={() => void step('approve', { expectedVersion: decision.version }, t('dec.approved'))}>
            {t('dec.approve')}
          </Button>
          <details className="subtle">
            <summary>{t('dec.return')}</summary>
            <Field label={t('dec.returnNote')} required>
              {(p) => <textarea {...p} value={note} maxLength={4000} onChange={(e) => setNote(e.target.value)} />}
            </Field>
            <Button variant="secondary" busy={flow.busy} disabled={!note.trim()} onClick={() => void step('return', { note: note.trim() }, t('dec.returned'))}>
              {t('dec.return')}
            </Button>
          </details>
        </div>
      ) : null}
      {s && s.history.length > 1 ? (
        <details className="subtle">
          <summary>{t('dec.history')}</summary>
          <ol>
            {s.history.map((h) => (
              <li key={h.id}>
                v{h.version} · {t(`dec.outcome.${h.outcome}`)} · {t(`dec.status.${h.status}`)} · <DateTime iso={h.draftedAt} />
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </Section>
  );
}
