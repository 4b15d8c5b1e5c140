// The request wizard: type → who asks → the person and the request → identity documents →
// delivery → review and send → the email code. Each step is checked in the browser with the
// server's rules; anything the server still refuses is shown at the field it names, on the
// step where that field lives. After sending, the tracking token stays in this browser.
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../shared/api.ts';
import { formatBytes, formatDate, formatYen, useLanguage, useLocalized, useT } from '../shared/i18n.tsx';
import { navigate } from '../shared/router.tsx';
import { Alert, Button, ErrorAlert, Field, Loading } from '../shared/ui.tsx';
import { useAsync } from '../shared/use-async.ts';
import { DocumentList, DocumentPicker, documentGroups, releaseEntry, ruleShortfalls, useReleaseOnUnmount, type DocEntry } from './document-upload.tsx';
import { api, REQUEST_TYPES, REQUESTER_KINDS, submitRequest, type DeliveryMethod, type DocumentRole, type RequestForm, type RequesterKind, type RequestType, type SubmissionJson, type Submitted } from './public-api.ts';
import { sharedMessages } from '../shared/shared.messages.ts';
import { usePageTitle } from './public-context.tsx';
import { m, type PublicMessageKey } from './public.messages.ts';
import { rememberToken } from './tracking.ts';
import { VerifyCodeForm, TrackingLinkBox } from './verify-page.tsx';

const STEPS = ['type', 'requester', 'details', 'documents', 'delivery', 'review'] as const;
type Step = (typeof STEPS)[number];

interface Address {
  postalCode: string;
  text: string;
}

interface WizardData {
  type: RequestType | null;
  kind: RequesterKind | null;
  agent: { name: string; relationship: string; address: Address };
  person: { name: string; nameKana: string; address: Address; dateOfBirth: string };
  contact: { email: string; phone: string };
  concerns: { description: string; current: string; requested: string; grounds: string };
  delivery: DeliveryMethod;
  documents: DocEntry[];
}

const EMPTY: WizardData = {
  type: null,
  kind: null,
  agent: { name: '', relationship: '', address: { postalCode: '', text: '' } },
  person: { name: '', nameKana: '', address: { postalCode: '', text: '' }, dateOfBirth: '' },
  contact: { email: '', phone: '' },
  concerns: { description: '', current: '', requested: '', grounds: '' },
  delivery: 'electronic',
  documents: [],
};

/** Field path (as the server names it, without `request.`) → the id of its control. */
function fieldId(path: string): string {
  return `f-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

type Errors = Record<string, string>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const POSTAL = /^\d{3}-?\d{4}$/;
const PHONE = /^\+?[0-9][0-9\- ()]{5,19}$/;

function todayIso(): string {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}

type T = (key: PublicMessageKey, vars?: Record<string, string | number>) => string;

function validate(step: Step, d: WizardData, t: T): Errors {
  const e: Errors = {};
  const text = (path: string, value: string, max: number, required: boolean) => {
    const v = value.trim();
    if (!v) {
      if (required) e[path] = t('wizard.validation.required');
    } else if (v.length > max) e[path] = t('wizard.validation.tooLong', { max });
  };
  const postal = (path: string, value: string) => {
    if (value.trim() && !POSTAL.test(value.trim())) e[path] = t('wizard.validation.postal');
  };
  switch (step) {
    case 'type':
      if (!d.type) e.type = t('wizard.validation.choose');
      break;
    case 'requester':
      if (!d.kind) e['requester.kind'] = t('wizard.validation.choose');
      if (d.kind && d.kind !== 'principal') {
        text('requester.agent.name', d.agent.name, 100, true);
        text('requester.agent.relationship', d.agent.relationship, 100, true);
        postal('requester.agent.address.postalCode', d.agent.address.postalCode);
        text('requester.agent.address.text', d.agent.address.text, 300, true);
      }
      break;
    case 'details': {
      text('person.name', d.person.name, 100, true);
      text('person.nameKana', d.person.nameKana, 100, false);
      postal('person.address.postalCode', d.person.address.postalCode);
      text('person.address.text', d.person.address.text, 300, true);
      const dob = d.person.dateOfBirth;
      if (!/^\d{4}-\d{2}-\d{2}$/.test(dob) || dob < '1900-01-01' || dob > todayIso()) e['person.dateOfBirth'] = t('wizard.validation.date');
      const email = d.contact.email.trim();
      if (!email) e['contact.email'] = t('wizard.validation.required');
      else if (!EMAIL.test(email) || email.length > 254) e['contact.email'] = t('wizard.validation.email');
      if (d.contact.phone.trim() && !PHONE.test(d.contact.phone.trim())) e['contact.phone'] = t('wizard.validation.phone');
      text('concerns.description', d.concerns.description, 4000, true);
      if (d.type === 'correction') {
        text('concerns.correction.current', d.concerns.current, 2000, true);
        text('concerns.correction.requested', d.concerns.requested, 2000, true);
      }
      if (d.type === 'suspension' || d.type === 'stop_provision') text('concerns.grounds', d.concerns.grounds, 2000, false);
      break;
    }
    case 'documents':
    case 'delivery':
    case 'review':
      break;
  }
  return e;
}

/** Which step holds a field the server named (`request.person.dateOfBirth` → details). */
function stepOfPath(path: string): Step {
  const p = path.replace(/^request\./, '');
  if (p.startsWith('type')) return 'type';
  if (p.startsWith('requester')) return 'requester';
  if (p.startsWith('person') || p.startsWith('contact') || p.startsWith('concerns')) return 'details';
  if (p.startsWith('documents')) return 'documents';
  if (p.startsWith('delivery')) return 'delivery';
  return 'review';
}

function toSubmission(d: WizardData, lang: 'ja' | 'en'): SubmissionJson {
  const opt = (v: string) => (v.trim() ? v.trim() : undefined);
  const address = (a: Address) => ({ ...(opt(a.postalCode) ? { postalCode: a.postalCode.trim() } : {}), text: a.text.trim() });
  const kind = d.kind ?? 'principal';
  const type = d.type ?? 'disclosure';
  const phone = opt(d.contact.phone);
  const kana = opt(d.person.nameKana);
  const grounds = opt(d.concerns.grounds);
  return {
    type,
    language: lang,
    requester: kind === 'principal' ? { kind } : { kind, agent: { name: d.agent.name.trim(), relationship: d.agent.relationship.trim(), address: address(d.agent.address) } },
    person: { name: d.person.name.trim(), ...(kana ? { nameKana: kana } : {}), address: address(d.person.address), dateOfBirth: d.person.dateOfBirth },
    contact: { email: d.contact.email.trim(), ...(phone ? { phone } : {}) },
    concerns: {
      description: d.concerns.description.trim(),
      ...(type === 'correction' ? { correction: { current: d.concerns.current.trim(), requested: d.concerns.requested.trim() } } : {}),
      ...((type === 'suspension' || type === 'stop_provision') && grounds ? { grounds } : {}),
    },
    delivery: { method: d.delivery },
    documents: d.documents.map((doc) => ({ role: doc.role, type: doc.type })),
  };
}

function ErrorSummary({ errors, labels }: { errors: Errors; labels: Record<string, string> }) {
  const t = useT(m);
  const ref = useRef<HTMLDivElement>(null);
  const keys = Object.keys(errors);
  const signature = keys.join('|');
  useEffect(() => {
    // Focus the summary whenever a new set of problems appears, so it is read out first.
    if (signature) ref.current?.focus();
  }, [signature]);
  if (keys.length === 0) return null;
  return (
    <div className="alert alert-error error-summary" role="alert" tabIndex={-1} ref={ref}>
      <p className="alert-title">{t('wizard.fixErrors')}</p>
      <ul>
        {keys.map((k) => (
          <li key={k}>
            <a href={`#${fieldId(k)}`}>
              {labels[k] ? `${labels[k]}: ` : ''}
              {errors[k]}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Choice({ name, value, checked, onChange, title, description, id }: { name: string; value: string; checked: boolean; onChange: () => void; title: ReactNode; description?: ReactNode; id?: string }) {
  return (
    <label className="choice">
      <input type="radio" name={name} value={value} checked={checked} onChange={onChange} id={id} />
      <span>
        <span className="choice-title">{title}</span>
        {description ? <span className="choice-desc">{description}</span> : null}
      </span>
    </label>
  );
}

function TextInput({ path, label, value, onChange, errors, required = false, hint, type = 'text', autoComplete, multiline = false, max, min, inputMode }: {
  path: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  errors: Errors;
  required?: boolean;
  hint?: string;
  type?: string;
  autoComplete?: string;
  multiline?: boolean;
  max?: string;
  min?: string;
  inputMode?: 'text' | 'numeric' | 'tel' | 'email';
}) {
  return (
    <Field id={fieldId(path)} label={label} hint={hint} error={errors[path] ?? null} required={required}>
      {(props) =>
        multiline ? (
          <textarea {...props} value={value} onChange={(e) => onChange(e.target.value)} rows={5} />
        ) : (
          <input {...props} type={type} value={value} onChange={(e) => onChange(e.target.value)} autoComplete={autoComplete} max={max} min={min} inputMode={inputMode} />
        )
      }
    </Field>
  );
}

export function RequestWizard() {
  const t = useT(m);
  const ts = useT(sharedMessages);
  const { lang } = useLanguage();
  const pick = useLocalized();
  usePageTitle(t('wizard.title'));
  const form = useAsync((signal) => api<RequestForm>('/api/public/request-form', { signal }), []);
  const [data, setData] = useState<WizardData>(EMPTY);
  const [step, setStep] = useState<Step>('type');
  const [errors, setErrors] = useState<Errors>({});
  const [docErrors, setDocErrors] = useState<Record<number, string>>({});
  const [agreed, setAgreed] = useState(false);
  const [returnToReview, setReturnToReview] = useState(false);
  const [busy, setBusy] = useState(false);
  const [submitError, setSubmitError] = useState<unknown>(null);
  const [sent, setSent] = useState<(Submitted & { email: string }) | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const firstRender = useRef(true);
  useReleaseOnUnmount(data.documents);

  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    // A new step is a new page to a screen reader: move focus to its heading.
    headingRef.current?.focus();
  }, [step, sent]);

  if (form.loading && !form.data) return <Loading />;
  if (!form.data) return <ErrorAlert error={form.error} />;
  const settings = form.data;

  if (sent) {
    return (
      <>
        <h1>{t('wizard.title')}</h1>
        <h2 ref={headingRef} tabIndex={-1}>
          {t('wizard.sentTitle')}
        </h2>
        <Alert tone="success">{t('wizard.sentBody', { reference: sent.reference, email: sent.email })}</Alert>
        <VerifyCodeForm id={sent.id} token={sent.trackingToken} onVerified={() => navigate(`/requests/${encodeURIComponent(sent.id)}`)} />
        <TrackingLinkBox id={sent.id} token={sent.trackingToken} />
      </>
    );
  }

  const index = STEPS.indexOf(step);
  const stepName = (s: Step) => t(`wizard.step.${s}`);
  const update = (patch: (d: WizardData) => WizardData) => setData((d) => patch(d));
  const kind = data.kind ?? 'principal';
  const labels: Record<string, string> = {
    type: t('wizard.step.type'),
    'requester.kind': t('wizard.step.requester'),
    'requester.agent.name': t('wizard.agentName'),
    'requester.agent.relationship': t('wizard.agentRelationship'),
    'requester.agent.address.postalCode': t('wizard.postalCode'),
    'requester.agent.address.text': t('wizard.agentAddress'),
    'person.name': t('wizard.name'),
    'person.nameKana': t('wizard.nameKana'),
    'person.address.postalCode': t('wizard.postalCode'),
    'person.address.text': t('wizard.address'),
    'person.dateOfBirth': t('wizard.dateOfBirth'),
    'contact.email': t('wizard.email'),
    'contact.phone': t('wizard.phone'),
    'concerns.description': t('wizard.description'),
    'concerns.correction.current': t('wizard.correctionCurrent'),
    'concerns.correction.requested': t('wizard.correctionRequested'),
    'concerns.grounds': t('wizard.grounds'),
    agree: t('wizard.step.review'),
  };

  const goTo = (s: Step) => {
    setErrors({});
    setStep(s);
  };

  const next = (event: FormEvent) => {
    event.preventDefault();
    const found = validate(step, data, t);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    if (returnToReview) {
      setReturnToReview(false);
      setStep('review');
      return;
    }
    const following = STEPS[index + 1];
    if (following) setStep(following);
  };

  const back = () => {
    const previous = STEPS[index - 1];
    if (previous) goTo(previous);
  };

  const edit = (s: Step) => {
    setReturnToReview(true);
    goTo(s);
  };

  const send = async (event: FormEvent) => {
    event.preventDefault();
    if (!agreed) {
      setErrors({ agree: t('wizard.agreeRequired') });
      return;
    }
    // Every step again: the person may have changed the type after filling the details.
    for (const s of STEPS) {
      const found = validate(s, data, t);
      if (Object.keys(found).length > 0) {
        setErrors(found);
        setStep(s);
        return;
      }
    }
    setBusy(true);
    setSubmitError(null);
    try {
      const submission = toSubmission(data, lang);
      const created = await submitRequest(submission, data.documents.map((d) => d.file), lang);
      rememberToken(created.id, created.trackingToken);
      data.documents.forEach(releaseEntry);
      setSent({ ...created, email: submission.contact.email });
    } catch (err) {
      setSubmitError(err);
      if (err instanceof ApiError && err.details.length > 0) {
        const fieldErrors: Errors = {};
        const perDocument: Record<number, string> = {};
        for (const d of err.details) {
          const path = d.path.replace(/^request\./, '');
          const doc = /^documents\.(\d+)/.exec(path);
          if (doc?.[1] !== undefined) perDocument[Number(doc[1])] = err.message;
          else if (path) fieldErrors[path] = d.message || err.message;
        }
        const first = err.details[0];
        const target = first ? stepOfPath(first.path) : 'review';
        if (target !== 'review') {
          setReturnToReview(true);
          setErrors(fieldErrors);
          setDocErrors(perDocument);
          setStep(target);
        }
      } else if (err instanceof ApiError && ['upload_too_large', 'upload_type_not_allowed', 'upload_corrupt', 'too_many_documents', 'document_type_not_accepted'].includes(err.code)) {
        setReturnToReview(true);
        setStep('documents');
      }
    } finally {
      setBusy(false);
    }
  };

  const typeLabel = (entry: DocEntry) => {
    if (entry.type === 'other') return t('role.other');
    const all = [...settings.identity.photoDocuments, ...settings.identity.nonPhotoDocuments, ...settings.identity.statutoryAgentDocuments, ...settings.identity.appointedAgentDocuments];
    const found = all.find((d) => d.code === entry.type);
    return found ? pick(found.label) : entry.type;
  };

  const feeText = (type: RequestType) => {
    const yen = settings.fees.perRequest[type];
    return yen > 0 ? t('fee.amount', { amount: formatYen(yen, lang) }) : t('fee.none');
  };

  const slotsLeft = settings.uploads.maxFiles - data.documents.length;
  const addDocs = (entries: DocEntry[]) => update((d) => ({ ...d, documents: [...d.documents, ...entries] }));
  const removeDoc = (uid: string) =>
    update((d) => {
      const gone = d.documents.find((x) => x.uid === uid);
      if (gone) releaseEntry(gone);
      return { ...d, documents: d.documents.filter((x) => x.uid !== uid) };
    });
  const rolesFor: DocumentRole[] = kind === 'principal' ? ['principal_identity'] : [...(settings.identity.agentIdentityRequired ? (['agent_identity'] as const) : []), 'agent_authority'];
  const shortfalls = ruleShortfalls(settings, kind, data.documents);

  const ruleText = (role: DocumentRole): string => {
    const photo = settings.identity.photoDocumentsRequired;
    const nonPhoto = settings.identity.nonPhotoDocumentsRequired;
    switch (role) {
      case 'principal_identity':
        return t('wizard.rulePrincipal', { photo, nonPhoto });
      case 'agent_identity':
        return t('wizard.ruleAgentIdentity', { photo, nonPhoto });
      case 'agent_authority':
        return kind === 'statutory_agent' ? t('wizard.ruleStatutory') : t('wizard.ruleAppointed');
      case 'other':
        return '';
    }
  };

  let body: ReactNode;
  switch (step) {
    case 'type':
      body = (
        <fieldset>
          <legend className="legend-large">{t('wizard.typeLegend')}</legend>
          {errors.type ? <p className="field-error">{errors.type}</p> : null}
          {REQUEST_TYPES.map((type, i) => (
            <Choice
              key={type}
              id={i === 0 ? fieldId('type') : undefined}
              name="type"
              value={type}
              checked={data.type === type}
              onChange={() => update((d) => ({ ...d, type }))}
              title={t(`type.${type}`)}
              description={
                <>
                  {t(`typeDesc.${type}`)}
                  <br />
                  <span className="fee-note">{feeText(type)}</span>
                </>
              }
            />
          ))}
        </fieldset>
      );
      break;
    case 'requester':
      body = (
        <>
          <fieldset>
            <legend className="legend-large">{t('wizard.requesterLegend')}</legend>
            {errors['requester.kind'] ? <p className="field-error">{errors['requester.kind']}</p> : null}
            {REQUESTER_KINDS.map((k, i) => (
              <Choice
                key={k}
                id={i === 0 ? fieldId('requester.kind') : undefined}
                name="kind"
                value={k}
                checked={data.kind === k}
                onChange={() => update((d) => ({ ...d, kind: k, documents: d.kind === k ? d.documents : (d.documents.forEach(releaseEntry), []) }))}
                title={t(`kind.${k}`)}
                description={t(`kindDesc.${k}`)}
              />
            ))}
          </fieldset>
          {data.kind && data.kind !== 'principal' ? (
            <section aria-labelledby="agent-title">
              <h3 id="agent-title">{t('wizard.agentTitle')}</h3>
              <TextInput path="requester.agent.name" label={t('wizard.agentName')} value={data.agent.name} onChange={(v) => update((d) => ({ ...d, agent: { ...d.agent, name: v } }))} errors={errors} required autoComplete="name" />
              <TextInput path="requester.agent.relationship" label={t('wizard.agentRelationship')} hint={t('wizard.agentRelationshipHint')} value={data.agent.relationship} onChange={(v) => update((d) => ({ ...d, agent: { ...d.agent, relationship: v } }))} errors={errors} required />
              <TextInput path="requester.agent.address.postalCode" label={t('wizard.postalCode')} hint={t('wizard.postalCodeHint')} value={data.agent.address.postalCode} onChange={(v) => update((d) => ({ ...d, agent: { ...d.agent, address: { ...d.agent.address, postalCode: v } } }))} errors={errors} autoComplete="postal-code" inputMode="numeric" />
              <TextInput path="requester.agent.address.text" label={t('wizard.agentAddress')} value={data.agent.address.text} onChange={(v) => update((d) => ({ ...d, agent: { ...d.agent, address: { ...d.agent.address, text: v } } }))} errors={errors} required autoComplete="street-address" />
            </section>
          ) : null}
        </>
      );
      break;
    case 'details':
      body = (
        <>
          <section aria-labelledby="person-title">
            <h3 id="person-title">{kind === 'principal' ? t('wizard.personTitle') : t('wizard.personTitleAgent')}</h3>
            <TextInput path="person.name" label={t('wizard.name')} value={data.person.name} onChange={(v) => update((d) => ({ ...d, person: { ...d.person, name: v } }))} errors={errors} required autoComplete={kind === 'principal' ? 'name' : 'off'} />
            <TextInput path="person.nameKana" label={t('wizard.nameKana')} hint={t('wizard.nameKanaHint')} value={data.person.nameKana} onChange={(v) => update((d) => ({ ...d, person: { ...d.person, nameKana: v } }))} errors={errors} />
            <TextInput path="person.address.postalCode" label={t('wizard.postalCode')} hint={t('wizard.postalCodeHint')} value={data.person.address.postalCode} onChange={(v) => update((d) => ({ ...d, person: { ...d.person, address: { ...d.person.address, postalCode: v } } }))} errors={errors} autoComplete={kind === 'principal' ? 'postal-code' : 'off'} inputMode="numeric" />
            <TextInput path="person.address.text" label={t('wizard.address')} hint={t('wizard.addressHint')} value={data.person.address.text} onChange={(v) => update((d) => ({ ...d, person: { ...d.person, address: { ...d.person.address, text: v } } }))} errors={errors} required autoComplete={kind === 'principal' ? 'street-address' : 'off'} />
            <TextInput path="person.dateOfBirth" label={t('wizard.dateOfBirth')} type="date" min="1900-01-01" max={todayIso()} value={data.person.dateOfBirth} onChange={(v) => update((d) => ({ ...d, person: { ...d.person, dateOfBirth: v } }))} errors={errors} required autoComplete={kind === 'principal' ? 'bday' : 'off'} />
          </section>
          <section aria-labelledby="contact-title">
            <h3 id="contact-title">{t('wizard.contactTitle')}</h3>
            <TextInput path="contact.email" label={t('wizard.email')} hint={t('wizard.emailHint')} type="email" value={data.contact.email} onChange={(v) => update((d) => ({ ...d, contact: { ...d.contact, email: v } }))} errors={errors} required autoComplete="email" inputMode="email" />
            <TextInput path="contact.phone" label={t('wizard.phone')} type="tel" value={data.contact.phone} onChange={(v) => update((d) => ({ ...d, contact: { ...d.contact, phone: v } }))} errors={errors} autoComplete="tel" inputMode="tel" />
          </section>
          <section aria-labelledby="concerns-title">
            <h3 id="concerns-title">{t('wizard.concernsTitle')}</h3>
            <TextInput path="concerns.description" label={t('wizard.description')} hint={t('wizard.descriptionHint')} multiline value={data.concerns.description} onChange={(v) => update((d) => ({ ...d, concerns: { ...d.concerns, description: v } }))} errors={errors} required />
            {data.type === 'correction' ? (
              <>
                <TextInput path="concerns.correction.current" label={t('wizard.correctionCurrent')} multiline value={data.concerns.current} onChange={(v) => update((d) => ({ ...d, concerns: { ...d.concerns, current: v } }))} errors={errors} required />
                <TextInput path="concerns.correction.requested" label={t('wizard.correctionRequested')} multiline value={data.concerns.requested} onChange={(v) => update((d) => ({ ...d, concerns: { ...d.concerns, requested: v } }))} errors={errors} required />
              </>
            ) : null}
            {data.type === 'suspension' || data.type === 'stop_provision' ? (
              <TextInput path="concerns.grounds" label={t('wizard.grounds')} hint={t('wizard.groundsHint')} multiline value={data.concerns.grounds} onChange={(v) => update((d) => ({ ...d, concerns: { ...d.concerns, grounds: v } }))} errors={errors} />
            ) : null}
          </section>
        </>
      );
      break;
    case 'documents':
      body = (
        <>
          <p>{t('wizard.uploadLimits', { size: formatBytes(settings.uploads.maxBytes), count: settings.uploads.maxFiles })}</p>
          <Alert tone="warning">{t('wizard.myNumberWarning')}</Alert>
          {rolesFor.map((role) => {
            const groups = documentGroups(settings, role, kind, t);
            const entries = data.documents.filter((d) => d.role === role);
            return (
              <section key={role} aria-labelledby={`role-${role}`} className="doc-section">
                <h3 id={`role-${role}`}>{t(`role.${role}`)}</h3>
                <p>{ruleText(role)}</p>
                {role === 'agent_authority' ? (
                  <ul>
                    {groups.flatMap((g) => g.documents).map((d) => (
                      <li key={d.code}>{pick(d.label)}</li>
                    ))}
                  </ul>
                ) : (
                  <details className="doc-accepted">
                    <summary>{t('wizard.ruleTitle')}</summary>
                    {groups.map((g) => (
                      <div key={g.label}>
                        <p className="card-sub">{g.label}</p>
                        <ul>
                          {g.documents.map((d) => (
                            <li key={d.code}>
                              {pick(d.label)}
                              {pick(d.caution) ? <span className="muted"> — {pick(d.caution)}</span> : null}
                            </li>
                          ))}
                        </ul>
                      </div>
                    ))}
                  </details>
                )}
                <DocumentList entries={entries} typeLabel={typeLabel} onRemove={removeDoc} />
                {entries.map((e) => {
                  const problem = docErrors[data.documents.indexOf(e)];
                  return problem ? (
                    <Alert key={e.uid} tone="error">
                      {e.file.name}: {problem}
                    </Alert>
                  ) : null;
                })}
                <DocumentPicker role={role} groups={groups} maxBytes={settings.uploads.maxBytes} slotsLeft={slotsLeft} maxFiles={settings.uploads.maxFiles} onAdd={addDocs} />
              </section>
            );
          })}
          <section aria-labelledby="role-other" className="doc-section">
            <h3 id="role-other">{t('role.other')}</h3>
            <DocumentList entries={data.documents.filter((d) => d.role === 'other')} typeLabel={typeLabel} onRemove={removeDoc} />
            <DocumentPicker role="other" groups={[]} maxBytes={settings.uploads.maxBytes} slotsLeft={slotsLeft} maxFiles={settings.uploads.maxFiles} onAdd={addDocs} />
          </section>
          {shortfalls.length === 0 ? <Alert tone="success">{t('wizard.ruleMet')}</Alert> : <Alert tone="warning">{t('wizard.ruleNotMet')}</Alert>}
        </>
      );
      break;
    case 'delivery': {
      const paper = settings.fees.paperDeliveryYen;
      body = (
        <fieldset>
          <legend className="legend-large">{t('wizard.deliveryLegend')}</legend>
          <Choice name="delivery" value="electronic" checked={data.delivery === 'electronic'} onChange={() => update((d) => ({ ...d, delivery: 'electronic' }))} title={t('wizard.delivery.electronic')} description={t('wizard.deliveryDesc.electronic', { days: settings.delivery.downloadLinkDays })} />
          <Choice
            name="delivery"
            value="paper"
            checked={data.delivery === 'paper'}
            onChange={() => update((d) => ({ ...d, delivery: 'paper' }))}
            title={t('wizard.delivery.paper')}
            description={
              <>
                {t('wizard.deliveryDesc.paper')} {paper === null ? t('wizard.paperAtCost') : paper > 0 ? t('wizard.paperFixed', { amount: formatYen(paper, lang) }) : ''}
              </>
            }
          />
        </fieldset>
      );
      break;
    }
    case 'review': {
      const s = toSubmission(data, lang);
      const row = (label: string, value: ReactNode) => (
        <div className="review-row" key={label}>
          <dt>{label}</dt>
          <dd>{value || t('wizard.none')}</dd>
        </div>
      );
      const section = (target: Step, rows: ReactNode[]) => (
        <section className="review-section" aria-labelledby={`review-${target}`} key={target}>
          <div className="review-head">
            <h3 id={`review-${target}`}>{stepName(target)}</h3>
            <Button variant="link" onClick={() => edit(target)} aria-label={t('wizard.editSection', { section: stepName(target) })}>
              {t('wizard.edit')}
            </Button>
          </div>
          <dl>{rows}</dl>
        </section>
      );
      const addr = (a: { postalCode?: string; text: string }) => `${a.postalCode ? `〒${a.postalCode} ` : ''}${a.text}`;
      body = (
        <>
          <p>{t('wizard.reviewIntro')}</p>
          <ErrorAlert error={submitError} />
          {section('type', [row(t('wizard.step.type'), lang === 'ja' ? `${t(`type.${s.type}`)}（${feeText(s.type)}）` : `${t(`type.${s.type}`)} (${feeText(s.type)})`)])}
          {section('requester', [
            row(t('wizard.step.requester'), t(`kind.${s.requester.kind}`)),
            ...(s.requester.agent ? [row(t('wizard.agentName'), s.requester.agent.name), row(t('wizard.agentRelationship'), s.requester.agent.relationship), row(t('wizard.agentAddress'), addr(s.requester.agent.address))] : []),
          ])}
          {section('details', [
            row(t('wizard.name'), s.person.name),
            row(t('wizard.nameKana'), s.person.nameKana ?? ''),
            row(t('wizard.address'), addr(s.person.address)),
            row(t('wizard.dateOfBirth'), formatDate(s.person.dateOfBirth, lang)),
            row(t('wizard.email'), s.contact.email),
            row(t('wizard.phone'), s.contact.phone ?? ''),
            row(t('wizard.description'), <span className="pre">{s.concerns.description}</span>),
            ...(s.concerns.correction ? [row(t('wizard.correctionCurrent'), <span className="pre">{s.concerns.correction.current}</span>), row(t('wizard.correctionRequested'), <span className="pre">{s.concerns.correction.requested}</span>)] : []),
            ...(s.concerns.grounds ? [row(t('wizard.grounds'), <span className="pre">{s.concerns.grounds}</span>)] : []),
          ])}
          {section('documents', [row(t('wizard.step.documents'), <DocumentList entries={data.documents} typeLabel={typeLabel} />)])}
          {shortfalls.length > 0 ? <Alert tone="warning">{t('wizard.ruleNotMet')}</Alert> : null}
          {section('delivery', [row(t('wizard.step.delivery'), t(`wizard.delivery.${s.delivery.method}`))])}
          <div className={errors.agree ? 'field field-invalid' : 'field'}>
            <label className="checkbox" htmlFor={fieldId('agree')}>
              <input id={fieldId('agree')} type="checkbox" checked={agreed} onChange={(e) => setAgreed(e.target.checked)} aria-invalid={errors.agree ? true : undefined} aria-describedby={errors.agree ? 'agree-error' : undefined} />
              {t('wizard.agreeLabel')}
            </label>
            {errors.agree ? (
              <p className="field-error" id="agree-error">
                {errors.agree}
              </p>
            ) : null}
          </div>
        </>
      );
      break;
    }
  }

  return (
    <>
      <h1>{t('wizard.title')}</h1>
      <ol className="progress" aria-label={t('wizard.progress', { current: index + 1, total: STEPS.length, name: stepName(step) })}>
        {STEPS.map((s, i) => (
          <li key={s} className={i < index ? 'done' : i === index ? 'current' : undefined} aria-current={i === index ? 'step' : undefined}>
            <span className="progress-num">{i + 1}</span>
            <span className="progress-name">{stepName(s)}</span>
          </li>
        ))}
      </ol>
      <form onSubmit={step === 'review' ? send : next} noValidate>
        <h2 ref={headingRef} tabIndex={-1}>
          <span className="visually-hidden">{t('wizard.progress', { current: index + 1, total: STEPS.length, name: '' })}</span>
          {stepName(step)}
        </h2>
        <ErrorSummary errors={errors} labels={labels} />
        {body}
        <div className="btn-row">
          {index > 0 ? (
            <Button variant="secondary" onClick={back} disabled={busy}>
              {ts('common.back')}
            </Button>
          ) : null}
          {step === 'review' ? (
            <Button type="submit" busy={busy}>
              {busy ? t('wizard.submitting') : t('wizard.submit')}
            </Button>
          ) : (
            <Button type="submit">{returnToReview ? t('wizard.step.review') : ts('common.next')}</Button>
          )}
        </div>
      </form>
    </>
  );
}
