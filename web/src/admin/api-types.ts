// The shapes the admin API answers with, as the console reads them. They mirror the response
// allowlists of src/http/routes/admin/*.ts (the OpenAPI document at /api/openapi.json is the
// reference); only the fields the console uses are named.

export const REQUEST_STATUSES = ['received', 'identity_review', 'awaiting_documents', 'awaiting_fee', 'in_progress', 'in_review', 'completed', 'closed', 'withdrawn'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export const OPEN_STATUSES: readonly RequestStatus[] = ['received', 'identity_review', 'awaiting_documents', 'awaiting_fee', 'in_progress', 'in_review'];

export const REQUEST_TYPES = ['purpose_notification', 'disclosure', 'provision_record_disclosure', 'correction', 'suspension', 'stop_provision'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export const STAFF_ROLES = ['admin', 'privacy_officer', 'handler', 'auditor', 'system_owner'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export type Permission =
  | 'staff.read'
  | 'staff.manage'
  | 'api_keys.read'
  | 'api_keys.manage'
  | 'audit.read'
  | 'audit.export'
  | 'mailbox.read'
  | 'jobs.read'
  | 'organization.read'
  | 'organization.manage'
  | 'policies.read'
  | 'policies.manage'
  | 'self.read'
  | 'inventory.read'
  | 'inventory.manage'
  | 'requests.read'
  | 'requests.work'
  | 'requests.documents'
  | 'requests.decide'
  | 'connections.read'
  | 'connections.manage'
  | 'fulfillment.run'
  | 'consent.read'
  | 'consent.manage';

export interface Me {
  id: string;
  email: string;
  displayName: string;
  role: StaffRole;
  mfaEnabled: boolean;
}

export type SessionStage = 'mfa_pending' | 'mfa_enroll' | 'active';

export interface SessionAnswer {
  stage: SessionStage;
  csrfToken: string;
  staff?: Me;
}

export interface SessionInfo {
  staff: Me;
  permissions: Permission[];
  csrfToken: string;
  session: { stage: SessionStage; expiresAt: string; idleTimeoutMinutes: number };
}

export type FeeStatus = 'not_set' | 'not_applicable' | 'pending' | 'paid' | 'waived';
export type RequesterKind = 'principal' | 'statutory_agent' | 'appointed_agent';

export interface RequestSummary {
  id: string;
  reference: string;
  type: RequestType;
  status: RequestStatus;
  language: 'ja' | 'en';
  requesterKind: RequesterKind;
  deliveryMethod: 'electronic' | 'paper';
  personName: string | null;
  assigneeId: string | null;
  receivedAt: string;
  dueAt: string;
  escalationAt: string;
  paused: boolean;
  overdue: boolean;
  replyDueAt: string | null;
  feeStatus: FeeStatus;
  closedReason: string | null;
  completedAt: string | null;
  updatedAt: string;
}

export interface Address {
  postalCode?: string;
  text: string;
}

export interface RequestSubject {
  person: { name: string; nameKana?: string; address: Address; dateOfBirth: string; email?: string; phone?: string };
  agent: { name: string; address: Address; dateOfBirth?: string; relationship: string } | null;
  contact: { email: string; phone?: string };
  concerns: { description: string; correction?: { current: string; requested: string }; grounds?: string };
}

export interface Payment {
  id: string;
  kind: 'payment' | 'waiver';
  amountYen: number;
  paidOn: string | null;
  payerName: string | null;
  reference: string | null;
  recordedBy: string;
  recordedAt: string;
}

export interface RequestDetail extends RequestSummary {
  emailVerifiedAt: string | null;
  identityVerifiedAt: string | null;
  identityVerifiedBy: string | null;
  retentionUntil: string | null;
  disposedAt: string | null;
  version: number;
  assignee: { id: string; displayName: string } | null;
  subject: RequestSubject | null;
  fee: {
    applies: boolean;
    status: FeeStatus;
    baseYen: number;
    paperYen: number;
    extraYen: number;
    totalYen: number;
    paperAtCost: boolean;
    askedYen: number | null;
    paidYen: number;
  };
  payments: Payment[];
  documents: { total: number; received: number; destroyed: number };
  actions: string[];
}

export interface TimelineEntry {
  id: string;
  seq: number;
  kind: string;
  fromStatus: string | null;
  toStatus: string | null;
  actor: { type: string; id: string | null };
  data: Record<string, unknown>;
  text: string | null;
  visibleToRequester: boolean;
  at: string;
}

export type DocumentRole = 'principal_identity' | 'agent_identity' | 'agent_authority' | 'other';

export interface RequestDocument {
  id: string;
  role: DocumentRole;
  documentType: string;
  contentType: string;
  byteSize: number;
  status: 'received' | 'destroyed' | 'disposed';
  uploadedBy: 'requester' | 'staff';
  uploadedAt: string;
  destroyedReason: string | null;
  destroyedAt: string | null;
}

export interface IdentityEvaluation {
  accepted: boolean;
  shortfalls: Array<{
    reason: 'principal_identity' | 'agent_authority' | 'agent_identity';
    photoNeeded?: number;
    nonPhotoNeeded?: number;
    kind?: 'statutory' | 'appointed';
    missingCodes?: string[];
  }>;
  documents: Record<'principal_identity' | 'agent_identity' | 'agent_authority' | 'other', string[]>;
}

export interface Finding {
  id: string;
  source: 'manual' | 'engine';
  systemName: string;
  collection: string;
  label: string | null;
  rowCount: number;
  file: { fileName: string; contentType: string } | null;
  createdBy: string | null;
  createdAt: string;
  removedAt: string | null;
}

export type FindingRecord = Record<string, string | number | boolean | null>;

export interface Delivery {
  id: string;
  decisionId: string | null;
  method: 'electronic' | 'paper';
  state: 'active' | 'expired' | 'used_up' | 'revoked' | 'paper';
  expiresAt: string | null;
  maxDownloads: number;
  downloads: number;
  createdAt: string;
  lastDownloadedAt: string | null;
  expiryWarnedAt: string | null;
  revokedAt: string | null;
  postedAt: string | null;
}

export const DECISION_OUTCOMES = ['full', 'partial', 'none', 'done', 'not_done', 'alternative'] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

export interface WithheldPart {
  part: string;
  reason: string;
  explanation: string;
}

export interface Decision {
  id: string;
  version: number;
  status: 'draft' | 'approved' | 'superseded';
  outcome: DecisionOutcome;
  withheld: WithheldPart[];
  reason: string | null;
  explanation: string | null;
  details: string | null;
  draftedBy: string;
  draftedAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
  hasLetter: boolean;
}

export interface DecisionState {
  request: { id: string; type: RequestType; status: RequestStatus };
  decision: Decision | null;
  history: Array<Pick<Decision, 'id' | 'version' | 'status' | 'outcome' | 'draftedBy' | 'draftedAt' | 'approvedBy' | 'approvedAt'>>;
  choices: { outcomes: DecisionOutcome[]; reasons: Record<string, string[]>; partReasons: string[] };
}

export interface Localized {
  ja: string;
  en: string;
}

export interface DecisionReason {
  code: string;
  policyNumber: number | null;
  label: Localized;
  legalGround: Localized;
  forParts: boolean;
}

export interface Assignee {
  id: string;
  displayName: string;
  role: StaffRole;
}

export interface RequestStats {
  asOf: string;
  open: {
    total: number;
    byStatus: Array<{ status: RequestStatus; count: number }>;
    byType: Array<{ type: RequestType; count: number }>;
    cells: Array<{ status: RequestStatus; type: RequestType; count: number }>;
  };
  deadlines: { dueSoonDays: number; dueSoon: number; overdue: number; paused: number };
  completion: { since: string; count: number; averageDays: number | null; p90Days: number | null };
  months: Array<{ month: string; received: number; answered: number }>;
}

export interface StaffMember {
  id: string;
  email: string;
  displayName: string;
  role: StaffRole;
  status: 'active' | 'disabled';
  mfaEnabled: boolean;
  passwordSet: boolean;
  lastSigninAt: string | null;
  createdAt: string;
}

export const API_KEY_SCOPES = ['consent:read', 'consent:write', 'requests:create', 'requests:read', 'provisions:write', 'inventory:read'] as const;

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface AuditEntry {
  seq: number;
  id: string;
  at: string;
  actor: { type: string; id: string | null };
  action: string;
  target: { type: string; id: string | null } | null;
  requestId: string | null;
  subjectRef: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export type AuditVerifyResult =
  | { ok: true; entries: number; headSeq: number }
  | { ok: false; entries: number; headSeq: number; firstBroken: { seq: number; id: string | null; reason: string } };

export interface MailboxSummary {
  id: string;
  template: string;
  language: 'ja' | 'en';
  status: string;
  created_at: string;
  sent_at: string | null;
  subject: string | null;
  recipient: string | null;
}

export interface MailboxMessage extends MailboxSummary {
  attempts: number;
  last_error: string | null;
  text: string | null;
  html: string | null;
}

export interface SystemSummary {
  name: string;
  title: string | null;
  kind: string | null;
  owner: string | null;
  country: string | null;
  datasets: number;
  collections: number;
  fields: number;
  specialCareFields: number;
  lastReviewedOn: string | null;
  reviewDueOn: string | null;
  reviewOverdue: boolean;
}

export interface FieldReference {
  system?: string;
  dataset: string;
  field: string;
  direction?: string;
}

export interface SystemField {
  path: string;
  name: string;
  description?: string;
  dataCategories?: string[];
  purposes: string[];
  retention?: { period: string; from?: string; basis: string };
  specialCare: boolean;
  financial: boolean;
  identity?: string;
  primaryKey?: boolean;
  references: FieldReference[];
  dataType?: string;
}

export interface SystemCollection {
  name: string;
  description?: string;
  access: string[];
  acquisition?: string;
  thirdPartyProvision?: string;
  recordCount?: number;
  usePeriod?: string;
  fields: SystemField[];
}

export interface SystemMap {
  name: string;
  title?: string;
  description?: string;
  kind?: string;
  owner?: string;
  location?: { country: string; region?: string; note?: string };
  storageMethod?: string;
  vendors: Array<{ name: string; role: string; country?: string; service?: string }>;
  securityMeasures: string[];
  review?: { lastReviewedOn: string; reviewer: string; intervalMonths: number };
  datasets: Array<{ name: string; title?: string; description?: string; collections: SystemCollection[] }>;
}

export interface DataMapIssue {
  severity: 'error' | 'warning';
  file: string;
  path: string;
  line?: number;
  code: string;
  message: string;
}

export const POLICY_KINDS = ['company-policy', 'request-procedures', 'website-privacy', 'appi-notice'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

export interface PolicyVersionSummary {
  number: number;
  status: 'draft' | 'published';
  standing: 'draft' | 'in_force' | 'upcoming' | 'past';
  effectiveDate: string | null;
  summary: Localized;
  createdAt: string;
  publishedAt: string | null;
}

export interface PolicyDocument {
  kind: PolicyKind;
  title: Localized;
  historyBefore: string[];
  inForce: { number: number; effectiveDate: string } | null;
  upcoming: { number: number; effectiveDate: string } | null;
  draft: number | null;
  versions: PolicyVersionSummary[];
}

export type PolicyBlock =
  | { type: 'paragraph'; text: Localized }
  | { type: 'list'; style: 'numbered' | 'bullet'; items: Array<{ text: Localized; subItems: Array<{ text: Localized }> }> }
  | { type: 'generated'; key: string };

export interface PolicyArticle {
  key: string;
  heading: Localized;
  blocks: PolicyBlock[];
}

export interface PolicyContent {
  title: Localized;
  numbering: 'articles' | 'sections';
  preamble: PolicyBlock[];
  articles: PolicyArticle[];
  closing: PolicyBlock[];
}

export interface PolicyVersion {
  kind: PolicyKind;
  number: number;
  status: 'draft' | 'published';
  effectiveDate: string | null;
  summary: Localized;
  content: PolicyContent;
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
}

export interface PolicyReadiness {
  translationGaps: Array<{ path: string; language: 'ja' | 'en' }>;
  noticeGaps: Array<{ item: string; field: string; language?: 'ja' | 'en' }>;
}

export interface DiffSegment {
  op: 'equal' | 'insert' | 'delete';
  text: string;
}

export interface TextDiff {
  before: string | null;
  after: string | null;
  segments: DiffSegment[];
}

export interface PolicyDiff {
  from: number;
  to: number;
  identical: boolean;
  articles: Array<{
    key: string;
    status: 'added' | 'removed' | 'changed' | 'unchanged';
    heading: Localized;
    label: Localized | null;
    numberBefore: number | null;
    numberAfter: number | null;
    units: Array<{ status: 'added' | 'removed' | 'changed'; label: Localized; ja: TextDiff; en: TextDiff }>;
  }>;
  text: Localized;
}

export interface IdentityDocumentSetting {
  code: string;
  label: Localized;
  caution: Localized;
}

export interface RequestSettings {
  identity: {
    photoDocuments: IdentityDocumentSetting[];
    photoDocumentsRequired: number;
    nonPhotoDocuments: IdentityDocumentSetting[];
    nonPhotoDocumentsRequired: number;
    statutoryAgentDocuments: IdentityDocumentSetting[];
    appointedAgentDocuments: IdentityDocumentSetting[];
    agentIdentityRequired: boolean;
  };
  fees: {
    perRequest: Record<RequestType, number>;
    paperDeliveryYen: number | null;
    specialMethodAtCost: boolean;
    bankTransfer: {
      bankName: Localized;
      branchName: Localized;
      accountType: 'ordinary' | 'checking';
      accountNumber: string;
      accountHolder: Localized;
    } | null;
  };
  deadlines: { targetDays: number; escalationDays: number; pauseWhileWaiting: boolean; replyDays: number };
  documentRetentionMonths: number;
  delivery: { downloadLinkDays: number; maxDownloads: number };
}

export interface Organization {
  id: string;
  profile: { name: Localized } & Record<string, unknown> | null;
  profileVersion: number;
  settings: RequestSettings;
  settingsVersion: number;
  usingDefaultSettings: boolean;
  security: Record<string, unknown>;
  securityVersion: number;
  updatedAt: string;
}

/** GET /api/admin/requests/:id/fulfillment: what the engine planned and did for a request. */
export type EngineAction = 'access' | 'erasure' | 'correction' | 'stop_provision';

export interface FulfillmentCollectionSummary {
  node: string;
  status: string;
  rows?: number;
  found?: number;
  planned?: number;
  changed?: number;
  held?: number;
  shared?: number;
  error?: string;
}

export interface FulfillmentStrategyField {
  field: string;
  strategy: string;
}

export interface FulfillmentTask {
  id: string;
  requestId: string | null;
  runId: string | null;
  system: string;
  action: string;
  status: 'open' | 'done';
  owner: string | null;
  dueAt: string;
  createdAt: string;
  completedAt: string | null;
  completedBy: string | null;
}

export interface FulfillmentView {
  request: { id: string; type: string; status: string };
  action: EngineAction | null;
  answeredBy: string | null;
  unavailableReason: string | null;
  plan: {
    identityTypes: string[];
    collections: Array<{
      id: string;
      system: string;
      dataset: string;
      collection: string;
      step: number;
      systemKind: string | null;
      handling: 'connected' | 'manual' | 'unconnected';
      searchedBy: Array<{ field: string; from: string }>;
    }>;
    notSearched: Array<{ id: string; reason: string }>;
    cutEdges: Array<{ from: string; fromField: string; to: string; toField: string; reason: string }>;
  } | null;
  runs: Array<{
    id: string;
    action: string;
    status: string;
    dryRun: boolean;
    createdBy: string | null;
    createdAt: string;
    finishedAt: string | null;
    categories: string[];
    collections: FulfillmentCollectionSummary[];
    outcome: FulfillmentCollectionSummary[];
    steps: Array<{ node: string; status: string; planned: number; changed: number; errorCode: string | null }>;
  }>;
  erasure: {
    runId: string;
    status: string;
    categories: string[];
    collections: Array<{
      node: string;
      status: string;
      rowsFound: number;
      unchanged: number;
      changes: Array<{ ref: string; action: 'delete' | 'update'; fields: FulfillmentStrategyField[] }>;
      held: Array<{ field: string; reason: string; basis: string | null }>;
      shared: Array<{ ref: string; reasons: string[]; fields: FulfillmentStrategyField[] }>;
      skippedFields: Array<{ field: string; reason: string }>;
      error: string | null;
    }>;
  } | null;
  tasks: FulfillmentTask[];
}

export interface FulfillmentExecution {
  status: 'completed' | 'partial' | 'already_done' | 'left_to_staff' | 'not_applicable';
  action: EngineAction | null;
  runId: string | null;
  changed: number;
  collections: Array<{ node: string; status: string; planned?: number; changed: number; error?: string }>;
}
