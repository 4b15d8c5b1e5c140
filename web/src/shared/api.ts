// The one way the browser talks to the JSON API. Every failure becomes an ApiError carrying
// the server's `{ error: { code, message, requestId, details } }`, so screens can react to a
// stable code and show the server's message (already in the language we asked for).
import type { Language } from './i18n.tsx';

export interface ApiErrorDetail {
  path: string;
  reason: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly details: readonly ApiErrorDetail[];

  constructor(status: number, code: string, message: string, requestId: string | null, details: readonly ApiErrorDetail[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.details = details;
  }
}

/** Status 0 / code `network_error`: the request never got an answer. */
export const NETWORK_ERROR = 'network_error';

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A plain object is sent as JSON; FormData as multipart. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as `Authorization: Bearer …` (tracking tokens, never put in a URL). */
  bearer?: string;
  lang?: Language;
  signal?: AbortSignal;
}

export interface ApiClientOptions {
  /** Headers added to every call, e.g. the admin console's CSRF token on writes. */
  headers?: (method: string) => Record<string, string>;
  /** Called on every ApiError before it is thrown (e.g. sign-out on 401). */
  onError?: (error: ApiError) => void;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function parseDetails(value: unknown): ApiErrorDetail[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((d) => ({
    path: typeof d.path === 'string' ? d.path : '',
    reason: typeof d.reason === 'string' ? d.reason : '',
    message: typeof d.message === 'string' ? d.message : '',
  }));
}

async function toApiError(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // A proxy's HTML error page or an empty body: fall through to the generic error.
  }
  const err = isRecord(body) && isRecord(body.error) ? body.error : null;
  const headerId = response.headers.get('x-request-id');
  if (err && typeof err.code === 'string') {
    return new ApiError(
      response.status,
      err.code,
      typeof err.message === 'string' ? err.message : err.code,
      typeof err.requestId === 'string' ? err.requestId : headerId,
      parseDetails(err.details),
    );
  }
  return new ApiError(response.status, 'http_error', `HTTP ${response.status}`, headerId);
}

export interface ApiClient {
  <T>(path: string, request?: ApiRequest): Promise<T>;
  /** For downloads: the raw response once it is known to be a success. */
  raw(path: string, request?: ApiRequest): Promise<Response>;
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const send = async (path: string, request: ApiRequest = {}): Promise<Response> => {
    const method = request.method ?? (request.body === undefined ? 'GET' : 'POST');
    const headers: Record<string, string> = { accept: 'application/json', ...(options.headers?.(method) ?? {}), ...(request.headers ?? {}) };
    if (request.lang) headers['accept-language'] = request.lang;
    if (request.bearer) headers.authorization = `Bearer ${request.bearer}`;
    let body: BodyInit | undefined;
    if (request.body instanceof FormData) body = request.body;
    else if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.body);
    }
    let response: Response;
    try {
      response = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: request.signal, cache: 'no-store' });
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
      const error = new ApiError(0, NETWORK_ERROR, 'network error', null);
      options.onError?.(error);
      throw error;
    }
    if (!response.ok) {
      const error = await toApiError(response);
      options.onError?.(error);
      throw error;
    }
    return response;
  };
  const client = (async <T,>(path: string, request?: ApiRequest): Promise<T> => {
    const response = await send(path, request);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }) as ApiClient;
  client.raw = send;
  return client;
}
