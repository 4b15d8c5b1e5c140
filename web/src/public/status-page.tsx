// The status page the tracking link opens: where the request stands, what is needed from the
// person now (the code, more documents, the fee with the bank details), messages from the
// office, the expected answer date, the answer's delivery, and withdrawal. The tracking token
// comes from the link's fragment or from this browser's storage, never from the server's URL.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../shared/api.ts';
import { formatBytes, formatDate, formatYen, hasStoredLanguage, useLanguage, useLocalized, useT } from '../shared/i18n.tsx';
import { Link } from '../shared/router.tsx';
import { Alert, Button, ErrorAlert, Field, Loading } from '../shared/ui.tsx';
import { useAsync } from '../shared/use-async.ts';
import { DocumentList, DocumentPicker, documentGroups, releaseEntry, useReleaseOnUnmount, type DocEntry } from './document-upload.tsx';
import { api, getStatus, sendMoreDocuments, withdraw, type DocumentRole, type RequestForm, type RequestStatusView } from './public-api.ts';
import { usePageTitle } from './public-context.tsx';
import { m, type PublicMessageKey } from './public.messages.ts';
import { forgetToken, isTrackingToken, rememberToken, storedToken, takeTokenFromFragment } from './tracking.ts';
import { TrackingLinkBox, VerifyCodeForm } from './verify-page.tsx';

const CLOSED_REASONS = ['identity_unconfirmed', 'agent_authority_unconfirmed', 'documents_incomplete', 'fee_unpaid', 'email_not_verified'] as const;

/** Asks for the tracking code when this browser does not have it. */
export function TokenForm({ onToken, message }: { onToken: (token: string) => void; message: string }) {
  const t = useT(m);
  const [value, setValue] = useState('');
  const [invalid, setInvalid] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    // Accept the whole link too: people paste what they have.
    const fromLink = /#t=([A-Za-z0-9_-]+)/.exec(value)?.[1];
    const token = (fromLink ?? value).trim();
    if (!isTrackingToken(token)) {
      setInvalid(true);
      return;
    }
    onToken(token);
  };
  return (
    <>
      <Alert tone="info">
        <p>{message}</p>
        <p>{t('status.needTokenHelp')}</p>
      </Alert>
      <form onSubmit={submit} noValidate>
        <Field id="tracking-code" label={t('status.tokenLabel')} error={invalid ? t('status.tokenInvalid') : null} required>
          {(props) => <input {...props} type="text" autoComplete="off" spellCheck={false} value={value} onChange={(e) => setValue(e.target.value)} />}
        </Field>
        <Button type="submit">{t('status.tokenShow')}</Button>
      </form>
    </>
  );
}

/** The token for a request: from `#t=` (then stored), else from storage; null if unknown. */
export function useTrackingToken(id: string): [string | null, (token: string | null) => void] {
  const [token, setToken] = useState<string | null>(() => takeTokenFromFragment(id) ?? storedToken(id));
  const set = (next: string | null) => {
    if (next) rememberToken(id, next);
    else forgetToken(id);
    setToken(next);
  };
  return [token, set];
}

function MoreDocuments({ status, token, onSent }: { status: RequestStatusView; token: string; onSent: (count: number) => void }) {
  const t = useT(m);
  const { lang } = useLanguage();
  const pick = useLocalized();
  const form = useAsync((signal) => api<RequestForm>('/api/public/request-form', { signal }), []);
  const [entries, setEntries] = useState<DocEntry[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useReleaseOnUnmount(entries);
  if (!form.data) return form.error ? <ErrorAlert error={form.error} /> : <Loading />;
  const settings = form.data;
  // The status does not say who asked; the person's own documents are what is usually missing,
  // and agents can add theirs under "other documents".
  const roles: DocumentRole[] = ['principal_identity', 'other'];
  const all = [...settings.identity.photoDocuments, ...settings.identity.nonPhotoDocuments];
  const typeLabel = (e: DocEntry) => (e.type === 'other' ? t('role.other') : pick(all.find((d) => d.code === e.type)?.label ?? { ja: e.type, en: e.type }));
  const send = async () => {
    if (entries.length === 0) return;
    setBusy(true);
    setError(null);
    try {
      const result = await sendMoreDocuments(status.id, token, entries.map((e) => ({ role: e.role, type: e.type })), entries.map((e) => e.file), lang);
      entries.forEach(releaseEntry);
      setEntries([]);
      // The status moves on (and this form goes) once the office has the documents.
      onSent(result.documentCount);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="upload-title" className="doc-section">
      <h3 id="upload-title">{t('status.uploadTitle')}</h3>
      <p>{t('wizard.uploadLimits', { size: formatBytes(settings.uploads.maxBytes), count: settings.uploads.maxFiles })}</p>
      <Alert tone="warning">{t('wizard.myNumberWarning')}</Alert>
      <DocumentList entries={entries} typeLabel={typeLabel} onRemove={(uid) => setEntries((list) => list.filter((e) => (e.uid === uid ? (releaseEntry(e), false) : true)))} />
      {roles.map((role) => (
        <DocumentPicker
          key={role}
          role={role}
          groups={documentGroups(settings, role, 'principal', t)}
          maxBytes={settings.uploads.maxBytes}
          slotsLeft={settings.uploads.maxFiles - entries.length}
          maxFiles={settings.uploads.maxFiles}
          onAdd={(added) => setEntries((list) => [...list, ...added])}
        />
      ))}
      <ErrorAlert error={error} />
      <Button onClick={() => void send()} busy={busy} disabled={entries.length === 0}>
        {t('status.uploadSend')}
      </Button>
    </section>
  );
}

function NextStepBox({ status, token, reload, onDocumentsSent }: { status: RequestStatusView; token: string; reload: () => void; onDocumentsSent: (count: number) => void }) {
  const t = useT(m);
  const { lang } = useLanguage();
  const next = status.next;
  const due = 'dueAt' in next && next.dueAt ? <p className="due">{t('status.dueBy', { date: formatDate(next.dueAt, lang) })}</p> : null;
  return (
    <section aria-labelledby="next-title" className={`next-box next-${next.action}`}>
      <h2 id="next-title">{t('status.nextTitle')}</h2>
      <p className="next-lead">{t(`status.next.${next.action}`)}</p>
      {due}
      {next.action === 'verify_email' ? <VerifyCodeForm id={status.id} token={token} onVerified={reload} /> : null}
      {next.action === 'send_documents' ? (
        <>
          {next.message ? <blockquote className="office-message pre">{next.message}</blockquote> : null}
          {status.canAddDocuments ? <MoreDocuments status={status} token={token} onSent={onDocumentsSent} /> : null}
        </>
      ) : null}
      {next.action === 'pay_fee' ? (
        <>
          <p className="fee-amount">
            {t('status.feeAmount')}: <strong>{formatYen(next.amountYen, lang)}</strong>
          </p>
          {next.bankTransfer ? (
            <>
              <h3>{t('status.bankTitle')}</h3>
              <dl className="bank">
                <div>
                  <dt>{t('status.bankName')}</dt>
                  <dd>{next.bankTransfer.bankName}</dd>
                </div>
                <div>
                  <dt>{t('status.branchName')}</dt>
                  <dd>{next.bankTransfer.branchName}</dd>
                </div>
                <div>
                  <dt>{t('status.accountType')}</dt>
                  <dd>{t(`status.accountType.${next.bankTransfer.accountType}`)}</dd>
                </div>
                <div>
                  <dt>{t('status.accountNumber')}</dt>
                  <dd>{next.bankTransfer.accountNumber}</dd>
                </div>
                <div>
                  <dt>{t('status.accountHolder')}</dt>
                  <dd>{next.bankTransfer.accountHolder}</dd>
                </div>
              </dl>
              <p className="muted">{t('status.feeNote')}</p>
            </>
          ) : (
            <p>{t('status.bankLater')}</p>
          )}
        </>
      ) : null}
    </section>
  );
}

function closedReasonText(reason: string, t: (k: PublicMessageKey) => string): string {
  return (CLOSED_REASONS as readonly string[]).includes(reason) ? t(`closed.${reason as (typeof CLOSED_REASONS)[number]}`) : t('closed.other');
}

function StatusView({ status, token, reload, onForget }: { status: RequestStatusView; token: string; reload: () => void; onForget: () => void }) {
  const t = useT(m);
  const { lang } = useLanguage();
  const [confirming, setConfirming] = useState(false);
  const [withdrawError, setWithdrawError] = useState<unknown>(null);
  const [withdrawn, setWithdrawn] = useState(false);
  const [documentsSent, setDocumentsSent] = useState<number | null>(null);
  const final = status.status === 'completed' || status.status === 'closed' || status.status === 'withdrawn';

  const doWithdraw = async () => {
    setWithdrawError(null);
    try {
      await withdraw(status.id, token, lang);
      setWithdrawn(true);
      setConfirming(false);
      reload();
    } catch (err) {
      setWithdrawError(err);
    }
  };

  return (
    <>
      <dl className="summary">
        <div>
          <dt>{t('status.reference')}</dt>
          <dd className="reference">{status.reference}</dd>
        </div>
        <div>
          <dt>{t('status.type')}</dt>
          <dd>{t(`type.${status.type}`)}</dd>
        </div>
        <div>
          <dt>{t('status.status')}</dt>
          <dd>
            <span className={`badge badge-${status.status}`}>{t(`statusName.${status.status}`)}</span>
          </dd>
        </div>
        <div>
          <dt>{t('status.received')}</dt>
          <dd>{formatDate(status.receivedAt, lang)}</dd>
        </div>
        {final ? (
          status.completedAt ? (
            <div>
              <dt>{t('status.completed')}</dt>
              <dd>{formatDate(status.completedAt, lang)}</dd>
            </div>
          ) : null
        ) : (
          <div>
            <dt>{t('status.due')}</dt>
            <dd>
              {formatDate(status.dueAt, lang)}
              {status.clockPaused ? <span className="muted"> — {t('status.duePaused')}</span> : null}
            </dd>
          </div>
        )}
        {status.status === 'closed' && status.closedReason ? (
          <div>
            <dt>{t('status.closedReason')}</dt>
            <dd>{closedReasonText(status.closedReason, t)}</dd>
          </div>
        ) : null}
      </dl>

      {withdrawn ? <Alert tone="success">{t('status.withdrawn')}</Alert> : null}
      {documentsSent !== null ? <Alert tone="success">{t('status.uploadSent', { count: documentsSent })}</Alert> : null}
      <NextStepBox
        status={status}
        token={token}
        reload={reload}
        onDocumentsSent={(count) => {
          setDocumentsSent(count);
          reload();
        }}
      />

      {status.deliveries.length > 0 ? (
        <section aria-labelledby="deliveries-title">
          <h2 id="deliveries-title">{t('status.deliveriesTitle')}</h2>
          <ul className="plain-list">
            {status.deliveries.map((d, i) => (
              <li key={i}>
                {d.method === 'electronic' ? t('status.deliveryElectronic', { date: formatDate(d.createdAt, lang) }) : t('status.deliveryPaper', { date: formatDate(d.createdAt, lang) })}
                {d.method === 'electronic' ? (
                  d.active ? (
                    <>
                      {d.expiresAt ? <> {t('status.deliveryExpires', { date: formatDate(d.expiresAt, lang, true) })}</> : null}
                      {d.downloadsLeft !== null ? <> · {t('status.deliveryLeft', { count: d.downloadsLeft })}</> : null}
                    </>
                  ) : (
                    <span className="muted"> {t('status.deliveryInactive')}</span>
                  )
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section aria-labelledby="messages-title">
        <h2 id="messages-title">{t('status.messagesTitle')}</h2>
        {status.messages.length === 0 ? (
          <p className="muted">{t('status.noMessages')}</p>
        ) : (
          <ul className="messages">
            {status.messages.map((msg, i) => (
              <li key={i}>
                <p className="muted">{formatDate(msg.at, lang, true)}</p>
                <p className="pre">{msg.text}</p>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">{t('status.timelineTitle')}</h2>
        <ol className="timeline">
          {status.timeline.map((e, i) => (
            <li key={i} className={i === status.timeline.length - 1 ? 'timeline-current' : undefined}>
              <span className="timeline-date">{formatDate(e.at, lang, true)}</span>
              <span className="timeline-status">{t(`statusName.${e.status}`)}</span>
            </li>
          ))}
        </ol>
      </section>

      <TrackingLinkBox id={status.id} token={token} />

      {status.canWithdraw ? (
        <section aria-labelledby="withdraw-title">
          <h2 id="withdraw-title">{t('status.withdrawTitle')}</h2>
          <p>{t('status.withdrawBody')}</p>
          <ErrorAlert error={withdrawError} />
          {confirming ? (
            <div className="btn-row" role="group" aria-label={t('status.withdrawConfirm')}>
              <p className="confirm-text">{t('status.withdrawConfirm')}</p>
              <Button variant="danger" onClick={() => void doWithdraw()}>
                {t('status.withdrawYes')}
              </Button>
              <Button variant="secondary" onClick={() => setConfirming(false)}>
                {t('status.withdrawNo')}
              </Button>
            </div>
          ) : (
            <Button variant="secondary" onClick={() => setConfirming(true)}>
              {t('status.withdraw')}
            </Button>
          )}
        </section>
      ) : null}

      <p className="btn-row">
        <Button variant="secondary" onClick={reload}>
          {t('status.refresh')}
        </Button>
        <Button variant="link" onClick={onForget}>
          {t('status.forget')}
        </Button>
      </p>
    </>
  );
}

export function StatusPage({ id }: { id: string }) {
  const t = useT(m);
  const { lang, setLang } = useLanguage();
  usePageTitle(t('status.title'));
  const [token, setToken] = useTrackingToken(id);
  const [forgotten, setForgotten] = useState(false);
  const status = useAsync((signal) => (token ? getStatus(id, token, lang, signal) : Promise.resolve(null)), [id, token, lang]);
  const missing = status.error instanceof ApiError && status.error.status === 404;
  const requestLanguage = status.data?.language;
  useEffect(() => {
    // Someone who wrote in English and opens the mailed link on a new device reads English,
    // unless they have chosen a language here themselves.
    if (requestLanguage && requestLanguage !== lang && !hasStoredLanguage()) setLang(requestLanguage);
  }, [requestLanguage, lang, setLang]);

  return (
    <>
      <h1>{t('status.title')}</h1>
      {forgotten ? <Alert tone="success">{t('status.forgotten')}</Alert> : null}
      {!token ? (
        <TokenForm message={t('status.needToken')} onToken={(tk) => setToken(tk)} />
      ) : missing ? (
        <>
          <Alert tone="error">{t('status.notFound')}</Alert>
          <TokenForm message={t('status.needToken')} onToken={(tk) => setToken(tk)} />
        </>
      ) : (
        <>
          {status.loading && !status.data ? <Loading /> : null}
          <ErrorAlert error={status.error} />
          {status.data ? (
            <StatusView
              status={status.data}
              token={token}
              reload={status.reload}
              onForget={() => {
                setToken(null);
                setForgotten(true);
              }}
            />
          ) : null}
        </>
      )}
      <p>
        <Link to="/">{t('notFound.home')}</Link>
      </p>
    </>
  );
}
