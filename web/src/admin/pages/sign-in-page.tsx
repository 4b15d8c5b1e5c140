// Signing in: email and password, then the six-digit code of the authenticator app, or — when
// the role requires a second factor and none is set up — the enrolment with a QR code drawn in
// the browser (the secret never goes to another service). Also the password set-up reached
// through the one-time link an administrator hands out.
import { useState, type FormEvent } from 'react';
import { useT } from '../../shared/i18n.tsx';
import { Alert, Button, ErrorAlert, Field } from '../../shared/ui.tsx';
import { Link } from '../../shared/router.tsx';
import type { SessionAnswer } from '../api-types.ts';
import { useAction } from '../admin-ui.tsx';
import { authMessages } from '../messages/auth.messages.ts';
import { common } from '../messages/common.messages.ts';
import { QrCode } from '../qr-svg.tsx';
import { api, rememberCsrf, useSession } from '../session.tsx';

type Step = { kind: 'password' } | { kind: 'code' } | { kind: 'enroll'; secret: string; otpauthUrl: string };

function CodeInput({ value, onChange, label, hint }: { value: string; onChange(v: string): void; label: string; hint: string }) {
  return (
    <Field label={label} hint={hint} required>
      {(props) => (
        <input
          {...props}
          name="code"
          type="text"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]{6}"
          maxLength={6}
          value={value}
          onChange={(e) => onChange(e.target.value.replace(/\D/g, '').slice(0, 6))}
          className="input-code"
        />
      )}
    </Field>
  );
}

/** The enrolment step: QR code, the key for typing in, and the first code to confirm it. */
export function EnrollAuthenticator({ secret, otpauthUrl, onConfirmed }: { secret: string; otpauthUrl: string; onConfirmed(answer: SessionAnswer): Promise<void> | void }) {
  const t = useT(authMessages);
  const [code, setCode] = useState('');
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const answer = await action.run(() => api<SessionAnswer>('/api/admin/auth/mfa/enroll/confirm', { body: { code } }));
    if (answer) await onConfirmed(answer);
  };
  return (
    <div className="enroll">
      <p>{t('enroll.lead')}</p>
      <div className="enroll-grid">
        <QrCode text={otpauthUrl} label={t('enroll.qrLabel')} />
        <div>
          <p className="enroll-secret-label">{t('enroll.secret')}</p>
          <p>
            <code className="secret" data-testid="totp-secret">
              {secret.replace(/(.{4})/g, '$1 ').trim()}
            </code>
          </p>
          <p className="field-hint">{t('enroll.secretHint')}</p>
        </div>
      </div>
      <ErrorAlert error={action.error} />
      <form onSubmit={submit} noValidate>
        <CodeInput value={code} onChange={setCode} label={t('mfa.code')} hint={t('mfa.codeHint')} />
        <Button type="submit" busy={action.busy} disabled={code.length !== 6}>
          {t('enroll.confirm')}
        </Button>
      </form>
    </div>
  );
}

export function SignInPage({ expired }: { expired: boolean }) {
  const t = useT(authMessages);
  const tc = useT(common);
  const { completeSignIn } = useSession();
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const action = useAction();

  const afterAnswer = async (answer: SessionAnswer) => {
    rememberCsrf(answer.csrfToken);
    if (answer.stage === 'active') {
      await completeSignIn(answer);
      return;
    }
    if (answer.stage === 'mfa_pending') {
      setCode('');
      setStep({ kind: 'code' });
      return;
    }
    const enrolment = await api<{ secret: string; otpauthUrl: string }>('/api/admin/auth/mfa/enroll', { method: 'POST', body: {} });
    setStep({ kind: 'enroll', ...enrolment });
  };

  const submitPassword = async (e: FormEvent) => {
    e.preventDefault();
    await action.run(async () => afterAnswer(await api<SessionAnswer>('/api/admin/auth/sign-in', { body: { email: email.trim(), password } })));
    setPassword('');
  };

  const submitCode = async (e: FormEvent) => {
    e.preventDefault();
    await action.run(async () => afterAnswer(await api<SessionAnswer>('/api/admin/auth/mfa', { body: { code } })));
  };

  const restart = () => {
    action.reset();
    setStep({ kind: 'password' });
  };

  return (
    <div className="auth-card">
      {step.kind === 'password' ? (
        <>
          <h1>{t('signIn.title')}</h1>
          <p>{t('signIn.lead')}</p>
          {expired ? <Alert tone="warning">{tc('session.expired')}</Alert> : null}
          <ErrorAlert error={action.error} />
          <form onSubmit={submitPassword}>
            <Field label={t('signIn.email')} required>
              {(props) => <input {...props} name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />}
            </Field>
            <Field label={t('signIn.password')} required>
              {(props) => (
                <input {...props} name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
              )}
            </Field>
            <Button type="submit" busy={action.busy}>
              {t('signIn.submit')}
            </Button>
          </form>
        </>
      ) : step.kind === 'code' ? (
        <>
          <h1>{t('mfa.title')}</h1>
          <p>{t('mfa.lead')}</p>
          <ErrorAlert error={action.error} />
          <form onSubmit={submitCode} noValidate>
            <CodeInput value={code} onChange={setCode} label={t('mfa.code')} hint={t('mfa.codeHint')} />
            <div className="btn-row">
              <Button type="submit" busy={action.busy} disabled={code.length !== 6}>
                {t('mfa.submit')}
              </Button>
              <Button variant="link" onClick={restart}>
                {t('mfa.restart')}
              </Button>
            </div>
          </form>
        </>
      ) : (
        <>
          <h1>{t('enroll.title')}</h1>
          <EnrollAuthenticator secret={step.secret} otpauthUrl={step.otpauthUrl} onConfirmed={afterAnswer} />
        </>
      )}
    </div>
  );
}

export function SetupPasswordPage({ token }: { token: string }) {
  const t = useT(authMessages);
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [done, setDone] = useState(false);
  const action = useAction();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password !== again) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    const ok = await action.run(() => api('/api/admin/auth/password-setup', { body: { token, password } }));
    if (ok !== undefined) setDone(true);
  };

  return (
    <div className="auth-card">
      <h1>{t('setup.title')}</h1>
      {done ? (
        <>
          <Alert tone="success">{t('setup.done')}</Alert>
          <p>
            <Link to="/admin/">{t('setup.toSignIn')}</Link>
          </p>
        </>
      ) : !token ? (
        <Alert tone="error">{t('setup.noToken')}</Alert>
      ) : (
        <>
          <p>{t('setup.lead')}</p>
          <ErrorAlert error={action.error} />
          <form onSubmit={submit} noValidate>
            <Field label={t('setup.password')} hint={t('setup.passwordHint')} required>
              {(props) => <input {...props} type="password" autoComplete="new-password" minLength={12} value={password} onChange={(e) => setPassword(e.target.value)} />}
            </Field>
            <Field label={t('setup.confirm')} error={mismatch ? t('setup.mismatch') : null} required>
              {(props) => <input {...props} type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} />}
            </Field>
            <Button type="submit" busy={action.busy} disabled={password.length === 0}>
              {t('setup.submit')}
            </Button>
          </form>
        </>
      )}
    </div>
  );
}
