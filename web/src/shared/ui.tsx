// The few UI pieces both apps share. They carry the accessibility wiring (labels, hints and
// errors tied to inputs, live regions for alerts) so each screen does not have to redo it.
import { useId, type ButtonHTMLAttributes, type ReactNode } from 'react';
import { ApiError, NETWORK_ERROR } from './api.ts';
import { LANGUAGES, useLanguage, useT } from './i18n.tsx';
import { sharedMessages } from './shared.messages.ts';

type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'link';

export function Button({ variant = 'primary', busy = false, className, children, disabled, type = 'button', ...rest }: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: ButtonVariant; busy?: boolean }) {
  return (
    <button type={type} className={['btn', `btn-${variant}`, className].filter(Boolean).join(' ')} disabled={disabled || busy} aria-busy={busy || undefined} {...rest}>
      {children}
    </button>
  );
}

export interface FieldControlProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: boolean;
  'aria-required'?: boolean;
}

/**
 * A labelled form control. `children` receives the props to spread on the input so the label,
 * hint and error are announced with it.
 */
export function Field({ id: fixedId, label, hint, error, required = false, children }: { id?: string; label: ReactNode; hint?: ReactNode; error?: string | null; required?: boolean; children: (props: FieldControlProps) => ReactNode }) {
  const t = useT(sharedMessages);
  const generatedId = useId();
  // A fixed id lets an error summary link straight to the control.
  const id = fixedId ?? generatedId;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ');
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>
        {label}
        <span className={required ? 'field-required' : 'field-optional'}>{required ? t('common.required') : t('common.optional')}</span>
      </label>
      {hint ? (
        <div className="field-hint" id={hintId}>
          {hint}
        </div>
      ) : null}
      {children({ id, ...(describedBy ? { 'aria-describedby': describedBy } : {}), ...(error ? { 'aria-invalid': true } : {}), ...(required ? { 'aria-required': true } : {}) })}
      {error ? (
        <div className="field-error" id={errorId}>
          {error}
        </div>
      ) : null}
    </div>
  );
}

type AlertTone = 'info' | 'success' | 'warning' | 'error';

export function Alert({ tone = 'info', title, children }: { tone?: AlertTone; title?: ReactNode; children?: ReactNode }) {
  // Errors interrupt (role=alert); everything else is announced politely.
  return (
    <div className={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {title ? <p className="alert-title">{title}</p> : null}
      {children}
    </div>
  );
}

/** Shows an ApiError (or anything thrown) as an alert with the server's message and reference. */
export function ErrorAlert({ error }: { error: unknown }) {
  const t = useT(sharedMessages);
  if (!error) return null;
  if (error instanceof ApiError) {
    const message = error.code === NETWORK_ERROR ? t('error.network') : error.message;
    return (
      <Alert tone="error">
        <p>{message}</p>
        {error.details.length > 0 ? (
          <ul>
            {error.details.map((d, i) => (
              <li key={i}>{d.message}</li>
            ))}
          </ul>
        ) : null}
        {error.requestId ? <p className="alert-ref">{t('error.reference', { requestId: error.requestId })}</p> : null}
      </Alert>
    );
  }
  return <Alert tone="error">{t('error.unexpected')}</Alert>;
}

export interface Column<Row> {
  key: string;
  header: ReactNode;
  cell: (row: Row) => ReactNode;
  className?: string;
}

/** A data table that scrolls sideways on a phone instead of breaking the page. */
export function Table<Row>({ caption, columns, rows, rowKey, empty }: { caption: ReactNode; columns: readonly Column<Row>[]; rows: readonly Row[]; rowKey: (row: Row) => string; empty?: ReactNode }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" className={c.className}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length}>{empty ?? '—'}</td>
            </tr>
          ) : (
            rows.map((row) => (
              <tr key={rowKey(row)}>
                {columns.map((c) => (
                  <td key={c.key} className={c.className}>
                    {c.cell(row)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

/** Two buttons rather than a select: each names its language in that language. */
export function LanguageSwitch() {
  const { lang, setLang } = useLanguage();
  const t = useT(sharedMessages);
  return (
    <div className="lang-switch" role="group" aria-label={t('language.label')}>
      {LANGUAGES.map((l) => (
        <button key={l} type="button" lang={l} className={l === lang ? 'lang-current' : undefined} aria-pressed={l === lang} onClick={() => setLang(l)}>
          {t(l === 'ja' ? 'language.ja' : 'language.en')}
        </button>
      ))}
    </div>
  );
}

export function Loading() {
  const t = useT(sharedMessages);
  return (
    <p className="loading" role="status">
      {t('common.loading')}
    </p>
  );
}

export function SkipLink() {
  const t = useT(sharedMessages);
  return (
    <a className="skip-link" href="#main">
      {t('common.skipToContent')}
    </a>
  );
}
