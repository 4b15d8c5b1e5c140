// The download page the mailed link opens (`/requests/:id/download?d=<deliveryToken>`): the
// package is fetched with the request's tracking token in the Authorization header and saved
// as a file; the delivery token is dropped from the address bar once read.
import { useState } from 'react';
import { ApiError } from '../shared/api.ts';
import { useLanguage, useT } from '../shared/i18n.tsx';
import { Link, useLocation } from '../shared/router.tsx';
import { Alert, Button, ErrorAlert } from '../shared/ui.tsx';
import { api } from './public-api.ts';
import { usePageTitle } from './public-context.tsx';
import { m } from './public.messages.ts';
import { TokenForm, useTrackingToken } from './status-page.tsx';

const DELIVERY_TOKEN = /^[A-Za-z0-9_-]{20,200}$/;

function fileNameOf(response: Response, fallback: string): string {
  const header = response.headers.get('content-disposition') ?? '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header)?.[1];
  if (star) {
    try {
      return decodeURIComponent(star);
    } catch {
      // fall through to the plain name
    }
  }
  return /filename="([^"]+)"/i.exec(header)?.[1] ?? fallback;
}

export function DownloadPage({ id }: { id: string }) {
  const t = useT(m);
  const { lang } = useLanguage();
  usePageTitle(t('download.title'));
  const { search } = useLocation();
  // Read once: the address bar keeps the link (it is only a pointer without the tracking token).
  const [deliveryToken] = useState(() => search.get('d') ?? '');
  const [token, setToken] = useTrackingToken(id);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const validLink = DELIVERY_TOKEN.test(deliveryToken);

  const download = async () => {
    if (!token) return;
    setBusy(true);
    setError(null);
    try {
      const response = await api.raw(`/api/public/deliveries/${encodeURIComponent(deliveryToken)}`, { bearer: token, lang, headers: { accept: 'application/zip' } });
      const blob = await response.blob();
      const name = fileNameOf(response, 'answer.zip');
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      // Give the browser a moment to start saving before the URL goes.
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setSaved(name);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  let problem: string | null = null;
  if (error instanceof ApiError) {
    if (error.code === 'link_expired') problem = t('download.expired');
    else if (error.status === 404) problem = t('download.notFound');
  }

  return (
    <>
      <h1>{t('download.title')}</h1>
      {!validLink ? (
        <Alert tone="error">{t('download.badLink')}</Alert>
      ) : !token ? (
        <TokenForm message={t('download.needToken')} onToken={(tk) => setToken(tk)} />
      ) : (
        <>
          <p>{t('download.intro')}</p>
          {problem ? <Alert tone="error">{problem}</Alert> : <ErrorAlert error={error} />}
          {saved ? <Alert tone="success">{t('download.done', { name: saved })}</Alert> : null}
          <Button onClick={() => void download()} busy={busy}>
            {busy ? t('download.downloading') : t('download.button')}
          </Button>
        </>
      )}
      <p>
        <Link to={`/requests/${encodeURIComponent(id)}`}>{t('verify.toStatus')}</Link>
      </p>
    </>
  );
}
