// The signed-in staff member for the whole console: who it is, what the role may do (the
// permission list the session endpoint answers, used to show or hide menus; the server still
// checks every call), and the API client that sends the session's CSRF token on writes. A 401
// from any call means the session ended: the console returns to the sign-in page.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, createApiClient, type ApiClient } from '../shared/api.ts';
import type { Me, Permission, SessionAnswer, SessionInfo } from './api-types.ts';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const SIGNED_OUT_CODES = new Set(['unauthenticated', 'session_expired']);

let csrfToken = '';
const signedOutListeners = new Set<() => void>();

/** Every call of the console goes through this client. */
export const api: ApiClient = createApiClient({
  headers: (method): Record<string, string> => (WRITES.has(method) && csrfToken ? { 'x-csrf-token': csrfToken } : {}),
  onError: (error) => {
    if (error.status === 401 && SIGNED_OUT_CODES.has(error.code)) for (const l of signedOutListeners) l();
  },
});

export function rememberCsrf(token: string): void {
  csrfToken = token;
}

export type SessionState =
  | { kind: 'loading' }
  | { kind: 'signed_out'; reason?: 'expired' }
  | { kind: 'active'; info: SessionInfo };

interface SessionContextValue {
  state: SessionState;
  /** Reads the session again (after sign-in, enrolment). */
  refresh(): Promise<void>;
  signOut(): Promise<void>;
  /** After the sign-in steps: keep the CSRF token of the answer and load the session. */
  completeSignIn(answer: SessionAnswer): Promise<void>;
}

const NO_PERMISSIONS: readonly Permission[] = [];

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ kind: 'loading' });

  const refresh = useCallback(async () => {
    try {
      const info = await api<SessionInfo>('/api/admin/session');
      rememberCsrf(info.csrfToken);
      setState({ kind: 'active', info });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        setState({ kind: 'signed_out' });
        return;
      }
      throw err;
    }
  }, []);

  useEffect(() => {
    refresh().catch(() => setState({ kind: 'signed_out' }));
    const onSignedOut = () => setState((s) => (s.kind === 'active' ? { kind: 'signed_out', reason: 'expired' } : s));
    signedOutListeners.add(onSignedOut);
    return () => {
      signedOutListeners.delete(onSignedOut);
    };
  }, [refresh]);

  const signOut = useCallback(async () => {
    try {
      await api('/api/admin/auth/sign-out', { method: 'POST', body: {} });
    } finally {
      rememberCsrf('');
      setState({ kind: 'signed_out' });
    }
  }, []);

  const completeSignIn = useCallback(
    async (answer: SessionAnswer) => {
      rememberCsrf(answer.csrfToken);
      await refresh();
    },
    [refresh],
  );

  const value = useMemo(() => ({ state, refresh, signOut, completeSignIn }), [state, refresh, signOut, completeSignIn]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The active session's staff member and a permission check; only inside signed-in pages. */
export function useStaff(): { me: Me; can: (permission: Permission) => boolean; permissions: readonly Permission[] } {
  const { state } = useSession();
  const permissions = state.kind === 'active' ? state.info.permissions : NO_PERMISSIONS;
  const can = useCallback((p: Permission) => permissions.includes(p), [permissions]);
  if (state.kind !== 'active') throw new Error('useStaff without an active session');
  return { me: state.info.staff, can, permissions };
}
