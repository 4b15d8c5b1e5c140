// The privacy centre's view of the public JSON API: the shapes it reads (mirroring the
// server's response schemas) and one client for every call.
import { createApiClient } from '../shared/api.ts';

export const api = createApiClient();

export type Lang = 'ja' | 'en';
export interface Loc {
  ja: string;
  en: string;
}

export const REQUEST_TYPES = ['purpose_notification', 'disclosure', 'provision_record_disclosure', 'correction', 'suspension', 'stop_provision'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export const REQUESTER_KINDS = ['principal', 'statutory_agent', 'appointed_agent'] as const;
export type RequesterKind = (typeof REQUESTER_KINDS)[number];

export const REQUEST_STATUSES = ['received', 'identity_review', 'awaiting_documents', 'awaiting_fee', 'in_progress', 'in_review', 'completed', 'closed', 'withdrawn'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export type DocumentRole = 'principal_identity' | 'agent_identity' | 'agent_authority' | 'other';
export type DeliveryMethod = 'electronic' | 'paper';

export interface Organization {
  id: string;
  name: Loc;
}

export interface Purpose {
  code: string;
  title: string;
  description: string;
  basis: string;
}

export interface DataHeld {
  categories: Array<{ key: string; label: Loc; items: Array<{ key: string; label: Loc }>; purposes: Array<{ code: string; title: Loc }> }>;
}

export interface IdentityDocument {
  code: string;
  label: Loc;
  caution: Loc;
}

export interface RequestForm {
  identity: {
    photoDocuments: IdentityDocument[];
    photoDocumentsRequired: number;
    nonPhotoDocuments: IdentityDocument[];
    nonPhotoDocumentsRequired: number;
    statutoryAgentDocuments: IdentityDocument[];
    appointedAgentDocuments: IdentityDocument[];
    agentIdentityRequired: boolean;
  };
  fees: { perRequest: Record<RequestType, number>; paperDeliveryYen: number | null; specialMethodAtCost: boolean };
  deadlines: { targetDays: number; replyDays: number };
  delivery: { downloadLinkDays: number; maxDownloads: number };
  documentRetentionMonths: number;
  uploads: { maxBytes: number; maxFiles: number; contentTypes: string[] };
}

export type PolicyKind = 'company-policy' | 'request-procedures' | 'website-privacy' | 'appi-notice';
export const POLICY_KINDS: readonly PolicyKind[] = ['company-policy', 'request-procedures', 'website-privacy', 'appi-notice'];

export interface PolicySummary {
  kind: PolicyKind;
  title: string;
  number: number;
  effectiveDate: string;
}

export type Standing = 'draft' | 'in_force' | 'upcoming' | 'past';

export type RenderedBlock =
  | { type: 'paragraph'; text: string; source: string | null }
  | { type: 'list'; style: 'numbered' | 'bullet'; items: Array<{ label: string; text: string; subItems: Array<{ label: string; text: string }> }>; source: string | null };

export interface RenderedPolicy {
  kind: PolicyKind;
  language: Lang;
  number: number;
  standing: Standing;
  effectiveDate: string | null;
  summary: string;
  title: string;
  preamble: RenderedBlock[];
  articles: Array<{ key: string; number: number; label: string; heading: string; blocks: RenderedBlock[] }>;
  closing: RenderedBlock[];
  revisionHistory: string[];
}

export interface PolicyVersionSummary {
  number: number;
  effectiveDate: string;
  standing: Standing;
  summary: string;
}

export interface Submitted {
  id: string;
  reference: string;
  status: RequestStatus;
  trackingToken: string;
}

export interface BankTransfer {
  bankName: string;
  branchName: string;
  accountType: 'ordinary' | 'checking';
  accountNumber: string;
  accountHolder: string;
}

export type NextStep =
  | { action: 'verify_email' }
  | { action: 'send_documents'; message: string | null; dueAt: string | null }
  | { action: 'pay_fee'; amountYen: number; bankTransfer: BankTransfer | null; dueAt: string | null }
  | { action: 'wait' }
  | { action: 'download' }
  | { action: 'none' };

export interface RequestStatusView {
  id: string;
  reference: string;
  type: RequestType;
  status: RequestStatus;
  language: Lang;
  receivedAt: string;
  dueAt: string;
  clockPaused: boolean;
  emailVerified: boolean;
  completedAt: string | null;
  closedReason: string | null;
  next: NextStep;
  messages: Array<{ at: string; text: string }>;
  timeline: Array<{ at: string; status: RequestStatus }>;
  deliveries: Array<{ method: DeliveryMethod; createdAt: string; expiresAt: string | null; downloadsLeft: number | null; active: boolean }>;
  canAddDocuments: boolean;
  canWithdraw: boolean;
}

export interface DeclaredDocument {
  role: DocumentRole;
  type: string;
}

/** The `request` part of a submission (see ZRequestSubmission on the server). */
export interface SubmissionJson {
  type: RequestType;
  language: Lang;
  requester: { kind: RequesterKind; agent?: { name: string; address: { postalCode?: string; text: string }; relationship: string } };
  person: { name: string; nameKana?: string; address: { postalCode?: string; text: string }; dateOfBirth: string; email?: string; phone?: string };
  contact: { email: string; phone?: string };
  concerns: { description: string; correction?: { current: string; requested: string }; grounds?: string };
  delivery: { method: DeliveryMethod };
  documents: DeclaredDocument[];
}

export function submitRequest(submission: SubmissionJson, files: readonly File[], lang: Lang): Promise<Submitted> {
  const form = new FormData();
  // A plain text part: a Blob would travel as a file, which the server rightly refuses here.
  form.append('request', JSON.stringify(submission));
  for (const f of files) form.append('documents', f, f.name);
  return api<Submitted>('/api/public/requests', { method: 'POST', body: form, lang });
}

export function verifyEmail(id: string, code: string, lang: Lang): Promise<{ id: string; status: RequestStatus; alreadyVerified: boolean }> {
  return api(`/api/public/requests/${encodeURIComponent(id)}/email-verification`, { method: 'POST', body: { code }, lang });
}

export function resendCode(id: string, token: string, lang: Lang): Promise<{ expiresAt: string; sendsLeft: number }> {
  return api(`/api/public/requests/${encodeURIComponent(id)}/email-verification/resend`, { method: 'POST', bearer: token, lang });
}

export function getStatus(id: string, token: string, lang: Lang, signal?: AbortSignal): Promise<RequestStatusView> {
  return api(`/api/public/requests/${encodeURIComponent(id)}`, { bearer: token, lang, ...(signal ? { signal } : {}) });
}

export function sendMoreDocuments(id: string, token: string, declared: readonly DeclaredDocument[], files: readonly File[], lang: Lang): Promise<{ documentCount: number }> {
  const form = new FormData();
  form.append('documents', JSON.stringify(declared));
  for (const f of files) form.append('files', f, f.name);
  return api(`/api/public/requests/${encodeURIComponent(id)}/documents`, { method: 'POST', body: form, bearer: token, lang });
}

export function withdraw(id: string, token: string, lang: Lang): Promise<{ id: string; status: RequestStatus }> {
  return api(`/api/public/requests/${encodeURIComponent(id)}/withdraw`, { method: 'POST', bearer: token, lang });
}
