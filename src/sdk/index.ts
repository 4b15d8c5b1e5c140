// madoguchi/sdk: the TypeScript client for the company's applications. Typed calls for every
// /api/app endpoint, and a local decision mode that loads the decision data into memory,
// follows the server's change feed (server-sent events, resuming from the last event after a
// disconnect) and decides in-process with plain Map lookups and no allocation per decision.
//
// No runtime dependencies and no imports from the rest of Madoguchi: the types below are the
// API's contract, declared here. Needs Node.js 20 (fetch, web streams, node:crypto).
import { createHmac } from 'node:crypto';

// ---------------------------------------------------------------------------------------------
// The contract

export type SubjectType = 'email' | 'user_id' | 'customer_id' | 'member_number' | 'phone' | 'device_id';
export interface Subject {
  type: SubjectType;
  value: string;
}

export type DenyReason = 'not_declared' | 'consent_required' | 'consent_withdrawn' | 'suspended_by_request' | 'provision_stopped';
export type AllowReason = 'stated_purpose' | 'consent_given';
export type DecisionReason = DenyReason | AllowReason;

export interface Decision {
  readonly allowed: boolean;
  readonly reason: DecisionReason;
  /** For suspended_by_request and provision_stopped: the restriction and the request behind it. */
  readonly restrictionId?: string;
  readonly requestId?: string | null;
}

export interface PurposeDecision extends Decision {
  readonly purpose: string;
}

export interface DecisionRequest {
  subject: Subject;
  purposes: string[];
  /** Give it when the use is a provision of the data to a third party. */
  recipient?: string;
}

export type ConsentSource = 'web' | 'app' | 'paper' | 'import';
export type ConsentState = 'granted' | 'withdrawn';

export interface ConsentRequest {
  subject: Subject;
  purposes: string[];
  source?: ConsentSource;
  /** The policy version shown; the company policy in force when left out. */
  policyVersion?: { kind: string; number: number };
  /** Web consent: the person's address and browser (Madoguchi keeps keyed hashes only). */
  evidence?: { ip?: string; userAgent?: string };
}

export interface RecordedConsent {
  receiptId: string;
  receiptHash: string;
  subjectKey: string;
  action: ConsentState;
  purposes: string[];
  source: ConsentSource;
  notice: { kind: string; number: number } | null;
  at: string;
  /** The change-feed position at which every connected client sees this record. */
  seq: number;
  receipt: Record<string, unknown>;
}

export interface RestrictionInfo {
  id: string;
  kind: 'suspension' | 'stop_provision';
  purposes: string[] | null;
  recipient: string | null;
  requestId: string | null;
}

export interface ConsentHistory {
  subjectKey: string;
  current: Array<{ purpose: string; state: ConsentState; source: ConsentSource; updatedAt: string }>;
  events: Array<{ id: string; receiptId: string; purpose: string; purposeVersion: number; action: ConsentState; source: ConsentSource; at: string }>;
  receipts: Array<{ id: string; action: ConsentState; source: ConsentSource; notice: { kind: string; number: number } | null; receiptHash: string; at: string; receipt: Record<string, unknown> }>;
  restrictions: Array<RestrictionInfo & { appliedAt: string; liftedAt: string | null; liftReason: string | null }>;
}

export interface PurposeFacts {
  code: string;
  basis: 'stated' | 'consent';
  active: boolean;
  version: number;
}

export interface SnapshotPage {
  seq: number;
  subjectKey: { algorithm: 'HMAC-SHA256/128'; secret: string };
  purposes: PurposeFacts[];
  subjects: Array<{ key: string; consents: Array<{ purpose: string; state: ConsentState }>; restrictions: RestrictionInfo[] }>;
  nextCursor: string | null;
}

export type FeedEvent =
  | { type: 'ready'; after: number; head: number }
  | { type: 'reset'; head: number }
  | { type: 'consent'; seq: number; subjectKey: string; purpose: string; state: ConsentState; at: string }
  | ({ type: 'restriction'; seq: number; subjectKey: string; active: boolean; at: string } & RestrictionInfo)
  | { type: 'purposes'; purposes: PurposeFacts[] };

export interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
}

/** A refusal from Madoguchi: the stable `code` and, for bad input, the fields concerned. */
export class MadoguchiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly details: Array<{ path?: string; reason?: string; message?: string }>;
  constructor(status: number, code: string, message: string, requestId: string | null, details: MadoguchiError['details']) {
    super(message);
    this.name = 'MadoguchiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.details = details;
  }
}

// ---------------------------------------------------------------------------------------------
// Subject keys, computed as the server does

export function normalizeSubjectValue(type: SubjectType, value: string): string {
  const trimmed = value.trim();
  switch (type) {
    case 'email':
      return trimmed.toLowerCase();
    case 'phone':
      return trimmed.replace(/[\s\-().]/g, '');
    case 'user_id':
    case 'customer_id':
    case 'member_number':
    case 'device_id':
      return trimmed;
  }
}

export function subjectKeyWith(secret: Buffer, subject: Subject): string {
  return createHmac('sha256', secret).update(`${subject.type}\0${normalizeSubjectValue(subject.type, subject.value)}`).digest().subarray(0, 16).toString('base64url');
}

// ---------------------------------------------------------------------------------------------
// Server-sent events over fetch

interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let id: string | null = null;
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line === '' || line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') id = val;
          else if (field === 'event') event = val;
          else if (field === 'data') data.push(val);
        }
        if (data.length > 0) yield { id, event, data: data.join('\n') };
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function toFeedEvent(m: SseMessage): FeedEvent | null {
  const data = JSON.parse(m.data) as Record<string, unknown>;
  switch (m.event) {
    case 'ready':
    case 'reset':
    case 'consent':
    case 'restriction':
    case 'purposes':
      return { ...data, type: m.event } as FeedEvent;
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The client

export interface ClientOptions {
  /** Where Madoguchi answers, e.g. https://privacy.example.co.jp */
  baseUrl: string;
  /** An API key (`mdg_…`) with consent:read, and consent:write to record consents. */
  apiKey: string;
  /** Per call (not for the change feed); 10 s by default. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class MadoguchiClient {
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await this.fetchImpl(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.apiKey}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    return MadoguchiClient.parse<T>(res);
  }

  private static async parse<T>(res: Response): Promise<T> {
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : null;
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string; requestId?: string; details?: MadoguchiError['details'] } } | null)?.error;
      throw new MadoguchiError(res.status, err?.code ?? 'http_error', err?.message ?? `HTTP ${res.status}`, err?.requestId ?? null, err?.details ?? []);
    }
    return json as T;
  }

  /** The key in use and its scopes. */
  keyInfo(): Promise<ApiKeyInfo> {
    return this.call('GET', '/api/app/key');
  }

  /** One answer per purpose, in the order asked. */
  async decide(request: DecisionRequest): Promise<PurposeDecision[]> {
    return (await this.call<{ decisions: PurposeDecision[] }>('POST', '/api/app/decisions', request)).decisions;
  }

  /** Up to 1,000 people at once; answers in the order asked. */
  async decideBatch(items: DecisionRequest[]): Promise<PurposeDecision[][]> {
    const { results } = await this.call<{ results: Array<{ index: number; decisions: PurposeDecision[] }> }>('POST', '/api/app/decisions', { items });
    const out: PurposeDecision[][] = new Array<PurposeDecision[]>(items.length);
    for (const r of results) out[r.index] = r.decisions;
    return out;
  }

  grantConsent(request: ConsentRequest): Promise<RecordedConsent> {
    return this.call('POST', '/api/app/consents', request);
  }

  withdrawConsent(request: ConsentRequest): Promise<RecordedConsent> {
    return this.call('POST', '/api/app/consents/withdraw', request);
  }

  /** By identity, or by the subject key a recording returned (keeps the identity out of the address). */
  history(who: { subject: Subject } | { subjectKey: string }, limit = 100): Promise<ConsentHistory> {
    const q = new URLSearchParams({ limit: String(limit) });
    if ('subject' in who) {
      q.set('subjectType', who.subject.type);
      q.set('subjectValue', who.subject.value);
    } else {
      q.set('subjectKey', who.subjectKey);
    }
    return this.call('GET', `/api/app/consents?${q.toString()}`);
  }

  snapshotPage(cursor: string | null = null, limit = 5000): Promise<SnapshotPage> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    return this.call('GET', `/api/app/snapshot?${q.toString()}`);
  }

  /**
   * One connection to the change feed, from `after` (absent: from now). Ends when the server
   * closes it or `signal` aborts; `LocalDecisions` reconnects by itself.
   */
  async *changes(options: { after?: number; signal?: AbortSignal } = {}): AsyncGenerator<FeedEvent> {
    const res = await this.fetchImpl(`${this.baseUrl}/api/app/changes`, {
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        accept: 'text/event-stream',
        ...(options.after === undefined ? {} : { 'last-event-id': String(options.after) }),
      },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!res.ok || !res.body) {
      await MadoguchiClient.parse(res);
      throw new MadoguchiError(res.status, 'http_error', 'the change feed did not open', null, []);
    }
    for await (const m of readSse(res.body)) {
      const ev = toFeedEvent(m);
      if (ev) yield ev;
    }
  }

  /** Loads the decision data and keeps it current; see LocalDecisions. */
  local(options: LocalOptions = {}): Promise<LocalDecisions> {
    return LocalDecisions.open(this, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Local decisions

export interface LocalOptions {
  /** Subjects per snapshot page (default 10,000). */
  pageSize?: number;
  /** First wait before reconnecting to the feed; doubles up to maxReconnectDelayMs. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** Told when the feed connects or drops, and of errors while following it. */
  onStatus?: (status: 'connected' | 'disconnected' | 'reloaded', error?: unknown) => void;
}

interface LocalPurpose {
  consent: boolean;
  active: boolean;
}

interface LocalRestriction {
  id: string;
  purposes: Set<string> | null;
  recipient: string | null;
  decision: Decision;
}

const ALLOW_STATED: Decision = Object.freeze({ allowed: true, reason: 'stated_purpose' });
const ALLOW_CONSENT: Decision = Object.freeze({ allowed: true, reason: 'consent_given' });
const DENY_NOT_DECLARED: Decision = Object.freeze({ allowed: false, reason: 'not_declared' });
const DENY_REQUIRED: Decision = Object.freeze({ allowed: false, reason: 'consent_required' });
const DENY_WITHDRAWN: Decision = Object.freeze({ allowed: false, reason: 'consent_withdrawn' });

interface LocalData {
  purposes: Map<string, LocalPurpose>;
  /** purpose → subject key → GRANTED | WITHDRAWN */
  consents: Map<string, Map<string, number>>;
  suspensions: Map<string, LocalRestriction[]>;
  stops: Map<string, LocalRestriction[]>;
}

function emptyData(): LocalData {
  return { purposes: new Map(), consents: new Map(), suspensions: new Map(), stops: new Map() };
}

const GRANTED = 1;
const WITHDRAWN = 2;

/**
 * The decision data in memory, kept current from the change feed. `decideKey` is the hot path:
 * Map lookups returning shared, frozen answers (no allocation). Compute a person's key once
 * with `subjectKey` (an HMAC) and keep it with the session; `decide` does both for convenience.
 */
export class LocalDecisions {
  private data: LocalData = emptyData();
  private secret: Buffer = Buffer.alloc(0);
  private position = 0;
  private live = false;
  private closed = false;
  private abort: AbortController | null = null;
  private waiters: Array<{ seq: number; resolve: () => void }> = [];
  private following: Promise<void> = Promise.resolve();

  private constructor(
    private readonly client: MadoguchiClient,
    private readonly options: LocalOptions,
  ) {}

  static async open(client: MadoguchiClient, options: LocalOptions = {}): Promise<LocalDecisions> {
    const local = new LocalDecisions(client, options);
    await local.load();
    local.following = local.follow();
    return local;
  }

  /** The change-feed position the data reflects. */
  get seq(): number {
    return this.position;
  }

  get connected(): boolean {
    return this.live;
  }

  /** Number of people with a consent or a restriction in memory. */
  get size(): number {
    const keys = new Set<string>();
    for (const m of this.data.consents.values()) for (const k of m.keys()) keys.add(k);
    for (const k of this.data.suspensions.keys()) keys.add(k);
    for (const k of this.data.stops.keys()) keys.add(k);
    return keys.size;
  }

  subjectKey(subject: Subject): string {
    return subjectKeyWith(this.secret, subject);
  }

  decide(subject: Subject, purpose: string, recipient?: string): Decision {
    return this.decideKey(this.subjectKey(subject), purpose, recipient);
  }

  /** Every purpose at once (allocates the answer list). */
  decideAll(subject: Subject, purposes: readonly string[], recipient?: string): PurposeDecision[] {
    const key = this.subjectKey(subject);
    return purposes.map((purpose) => ({ purpose, ...this.decideKey(key, purpose, recipient) }));
  }

  /** The same rule as the server: not declared; suspended; provision stopped; stated; consent. */
  decideKey(key: string, purpose: string, recipient?: string): Decision {
    const data = this.data;
    const p = data.purposes.get(purpose);
    if (p === undefined || !p.active) return DENY_NOT_DECLARED;
    const suspended = data.suspensions.get(key);
    if (suspended !== undefined) {
      for (let i = 0; i < suspended.length; i++) {
        const r = suspended[i];
        if (r !== undefined && (r.purposes === null || r.purposes.has(purpose))) return r.decision;
      }
    }
    if (recipient !== undefined) {
      const stopped = data.stops.get(key);
      if (stopped !== undefined) {
        for (let i = 0; i < stopped.length; i++) {
          const r = stopped[i];
          if (r !== undefined && (r.recipient === null || r.recipient === recipient)) return r.decision;
        }
      }
    }
    if (!p.consent) return ALLOW_STATED;
    const byKey = data.consents.get(purpose);
    const state = byKey === undefined ? undefined : byKey.get(key);
    return state === GRANTED ? ALLOW_CONSENT : state === WITHDRAWN ? DENY_WITHDRAWN : DENY_REQUIRED;
  }

  /** Resolves once the data reflects feed position `seq` (e.g. the `seq` of a recording). */
  waitFor(seq: number, timeoutMs = 5000): Promise<void> {
    if (this.position >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { seq, resolve: () => {} };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`change ${seq} not seen within ${timeoutMs} ms (at ${this.position})`));
      }, timeoutMs);
      waiter.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort?.abort();
    for (const w of this.waiters.splice(0)) w.resolve();
    await this.following;
  }

  // -------------------------------------------------------------------------------------------

  private static setPurposes(data: LocalData, list: readonly PurposeFacts[]): void {
    const next = new Map<string, LocalPurpose>();
    for (const p of list) next.set(p.code, { consent: p.basis === 'consent', active: p.active });
    data.purposes = next;
  }

  private static setConsent(data: LocalData, key: string, purpose: string, state: ConsentState): void {
    let byKey = data.consents.get(purpose);
    if (byKey === undefined) {
      byKey = new Map();
      data.consents.set(purpose, byKey);
    }
    byKey.set(key, state === 'granted' ? GRANTED : WITHDRAWN);
  }

  private static setRestriction(data: LocalData, key: string, r: RestrictionInfo, active: boolean): void {
    for (const map of [data.suspensions, data.stops]) {
      const list = map.get(key);
      if (list === undefined) continue;
      const kept = list.filter((x) => x.id !== r.id);
      if (kept.length === 0) map.delete(key);
      else map.set(key, kept);
    }
    if (!active) return;
    const decision: Decision = Object.freeze({
      allowed: false,
      reason: r.kind === 'suspension' ? 'suspended_by_request' : 'provision_stopped',
      restrictionId: r.id,
      requestId: r.requestId,
    });
    const local: LocalRestriction = { id: r.id, purposes: r.purposes === null ? null : new Set(r.purposes), recipient: r.recipient, decision };
    const map = r.kind === 'suspension' ? data.suspensions : data.stops;
    map.set(key, [...(map.get(key) ?? []), local]);
  }

  /** Builds the data aside and swaps it in whole, so decisions never see a half-loaded state. */
  private async load(): Promise<void> {
    const next = emptyData();
    let cursor: string | null = null;
    let first = true;
    let position = 0;
    let secret = this.secret;
    do {
      const page: SnapshotPage = await this.client.snapshotPage(cursor, this.options.pageSize ?? 10_000);
      if (first) {
        position = page.seq;
        secret = Buffer.from(page.subjectKey.secret, 'base64');
        first = false;
      }
      LocalDecisions.setPurposes(next, page.purposes);
      for (const s of page.subjects) {
        for (const c of s.consents) LocalDecisions.setConsent(next, s.key, c.purpose, c.state);
        for (const r of s.restrictions) LocalDecisions.setRestriction(next, s.key, r, true);
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
    this.data = next;
    this.secret = secret;
    this.position = position;
  }

  private apply(ev: FeedEvent): void {
    switch (ev.type) {
      case 'consent':
        LocalDecisions.setConsent(this.data, ev.subjectKey, ev.purpose, ev.state);
        break;
      case 'restriction':
        LocalDecisions.setRestriction(this.data, ev.subjectKey, ev, ev.active);
        break;
      case 'purposes':
        LocalDecisions.setPurposes(this.data, ev.purposes);
        return;
      case 'ready':
      case 'reset':
        return;
    }
    this.position = ev.seq;
    if (this.waiters.length > 0) {
      const due = this.waiters.filter((w) => w.seq <= this.position);
      this.waiters = this.waiters.filter((w) => w.seq > this.position);
      for (const w of due) w.resolve();
    }
  }

  private async follow(): Promise<void> {
    const initial = this.options.reconnectDelayMs ?? 500;
    const max = this.options.maxReconnectDelayMs ?? 10_000;
    let delay = initial;
    while (!this.closed) {
      this.abort = new AbortController();
      let reset = false;
      let failure: unknown = undefined;
      try {
        for await (const ev of this.client.changes({ after: this.position, signal: this.abort.signal })) {
          if (ev.type === 'ready') {
            this.live = true;
            delay = initial;
            this.options.onStatus?.('connected');
            continue;
          }
          if (ev.type === 'reset') {
            reset = true;
            break;
          }
          this.apply(ev);
        }
      } catch (err) {
        failure = err;
      }
      if (this.closed) break;
      const wasLive = this.live;
      this.live = false;
      if (reset) {
        // The server does not know our position (a restored database): start again from a snapshot.
        this.abort.abort();
        try {
          await this.load();
          this.options.onStatus?.('reloaded');
          continue;
        } catch (err) {
          failure = err;
        }
      }
      if (wasLive || failure !== undefined) this.options.onStatus?.('disconnected', failure);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, max);
    }
    this.live = false;
  }
}
