// Confirming the email address with the six-digit code: the form (also shown by the wizard
// right after sending), the page the mailed link opens (`/requests/:id/verify?code=…`, code
// filled in but sent only on a click, so a mail scanner opening the link confirms nothing),
// and the box with the tracking link to keep.
import { useEffect, useState, type FormEvent } from 'react';
import { useLanguage, useT } from '../shared/i18n.tsx';
import { Link, navigate, useLocation } from '../shared/router.tsx';
import { Alert, Button, ErrorAlert, Field } from '../shared/ui.tsx';
import { resendCode, verifyEmail } from './public-api.ts';
import { usePageTitle } from './public-context.tsx';
import { m } from './public.messages.ts';
import { storedToken, trackingLink } from './tracking.ts';

export function VerifyCodeForm({ id, token, initialCode = '', onVerified }: { id: string; token: string | null; initialCode?: string; onVerified: (already: boolean) => void }) {
  const t = useT(m);
  const { lang } = useLanguage();
  const [code, setCode] = useState(initialCode);
  const [invalid, setInvalid] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [resent, setResent] = useState<number | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const digits = code.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(digits)) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    setBusy(true);
    setError(null);
    try {
      const result = await verifyEmail(id, digits, lang);
      onVerified(result.alreadyVerified);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const resend = async () => {
    if (!token) return;
    setError(null);
    try {
      const result = await resendCode(id, token, lang);
      setResent(result.sendsLeft);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form onSubmit={submit} noValidate className="verify-form">
      <Field id="verification-code" label={t('wizard.code')} hint={t('wizard.codeHint')} error={invalid ? t('wizard.codeInvalid') : null} required>
        {(props) => (
          <input {...props} className="code-input" type="text" inputMode="numeric" autoComplete="one-time-code" maxLength={7} value={code} onChange={(e) => setCode(e.target.value)} />
        )}
      </Field>
      <ErrorAlert error={error} />
      {resent !== null ? <Alert tone="success">{t('wizard.resent', { left: resent })}</Alert> : null}
      <div className="btn-row">
        <Button type="submit" busy={busy}>
          {t('wizard.verify')}
        </Button>
        {token ? (
          <Button variant="secondary" onClick={() => void resend()}>
            {t('wizard.resend')}
          </Button>
        ) : null}
      </div>
    </form>
  );
}

export function TrackingLinkBox({ id, token }: { id: string; token: string }) {
  const t = useT(m);
  const [copied, setCopied] = useState(false);
  const link = trackingLink(id, token);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
    } catch {
      // Clipboard refused (permissions): the link stays selectable on the page.
    }
  };
  return (
    <section className="track-box" aria-labelledby="track-title">
      <h2 id="track-title">{t('wizard.trackTitle')}</h2>
      <p>{t('wizard.trackBody')}</p>
      <p className="track-link">
        <a href={link}>{link}</a>
      </p>
      <Button variant="secondary" onClick={() => void copy()}>
        {t('wizard.copy')}
      </Button>
      {copied ? (
        <span role="status" className="copied">
          {t('wizard.copied')}
        </span>
      ) : null}
    </section>
  );
}

export function VerifyPage({ id }: { id: string }) {
  const t = useT(m);
  usePageTitle(t('verify.title'));
  const { search } = useLocation();
  const [initialCode] = useState(() => search.get('code') ?? '');
  const [done, setDone] = useState<null | 'done' | 'already'>(null);
  const token = storedToken(id);

  useEffect(() => {
    // The code has done its job once it is in the form: keep it out of history and bookmarks.
    if (search.has('code')) window.history.replaceState(null, '', window.location.pathname);
  }, [search]);

  return (
    <>
      <h1>{t('verify.title')}</h1>
      {done ? (
        <>
          <Alert tone="success">{done === 'already' ? t('verify.already') : t('verify.done')}</Alert>
          {token ? (
            <p>
              <Link to={`/requests/${encodeURIComponent(id)}`} className="btn btn-primary">
                {t('verify.toStatus')}
              </Link>
            </p>
          ) : (
            <p>{t('verify.noToken')}</p>
          )}
        </>
      ) : (
        <>
          <p>{t('verify.intro')}</p>
          <VerifyCodeForm
            id={id}
            token={token}
            initialCode={/^\d{6}$/.test(initialCode) ? initialCode : ''}
            onVerified={(already) => {
              if (token) navigate(`/requests/${encodeURIComponent(id)}`);
              else setDone(already ? 'already' : 'done');
            }}
          />
        </>
      )}
    </>
  );
}
