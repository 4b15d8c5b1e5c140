// Where the browser keeps a request's tracking token. The token is the key to the status page
// and the download, so it never goes into a URL the server sees: it is kept in localStorage
// (this device only) and travels in links only in the fragment (`#t=…`), which browsers do
// not send to servers and which the page removes from the address bar once read.
const PREFIX = 'madoguchi.tracking.';

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,200}$/;

export function isTrackingToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

export function rememberToken(requestId: string, token: string): void {
  try {
    window.localStorage.setItem(PREFIX + requestId, token);
  } catch {
    // Storage refused: keep it for this tab at least.
    try {
      window.sessionStorage.setItem(PREFIX + requestId, token);
    } catch {
      // Nothing more we can do; the page shows the tracking link to keep.
    }
  }
}

export function storedToken(requestId: string): string | null {
  try {
    const value = window.localStorage.getItem(PREFIX + requestId) ?? window.sessionStorage.getItem(PREFIX + requestId);
    return value && isTrackingToken(value) ? value : null;
  } catch {
    return null;
  }
}

export function forgetToken(requestId: string): void {
  try {
    window.localStorage.removeItem(PREFIX + requestId);
    window.sessionStorage.removeItem(PREFIX + requestId);
  } catch {
    // Nothing stored, nothing to forget.
  }
}

/**
 * Takes `#t=<token>` from the address, stores it and strips it from the visible URL (keeping
 * the path and query), so it is not copied along or seen over a shoulder.
 */
export function takeTokenFromFragment(requestId: string): string | null {
  const hash = window.location.hash.startsWith('#') ? window.location.hash.slice(1) : '';
  const token = new URLSearchParams(hash).get('t');
  if (!token || !isTrackingToken(token)) return null;
  rememberToken(requestId, token);
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
  return token;
}

/** The link that opens the status page on any device: the token rides in the fragment. */
export function trackingLink(requestId: string, token: string): string {
  return `${window.location.origin}/requests/${encodeURIComponent(requestId)}#t=${token}`;
}
