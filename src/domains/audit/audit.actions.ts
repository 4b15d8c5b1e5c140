// The closed list of audit actions. Names are a public contract (exports and API filters
// use them): add new ones, never rename or reuse one.
export const AUDIT_ACTIONS = [
  // staff and access
  'staff.created',
  'staff.password_set',
  'staff.signed_in',
  'staff.signin_failed',
  'staff.signed_out',
  'staff.mfa_enrolled',
  'staff.mfa_reset',
  'staff.role_changed',
  'staff.disabled',
  'api_key.created',
  'api_key.revoked',
  'staff.setup_link_issued',
  // encryption and retention
  'keys.rotated',
  'blob.disposed',
  // mail
  'email.queued',
  'email.sent',
  'email.viewed',
  'email.failed',
  // jobs
  'job.dead',
  // audit itself
  'audit.exported',
  // organisation
  'organization.seeded',
  'organization.updated',
  'settings.updated',
  // purposes of use and policies
  'purpose.created',
  'purpose.updated',
  'purpose.retired',
  'policy.draft_created',
  'policy.draft_updated',
  'policy.draft_deleted',
  'policy.published',
  // data map and ledger
  'datamap.imported',
  'datamap.exported',
  'datamap.ledger_exported',
  'datamap.review_reminded',
  'datamap.reviewed',
  // data-subject requests (the desk)
  'request.submitted',
  'request.email_verified',
  'request.verification_failed',
  'request.documents_added',
  'request.withdrawn',
  'request.status_changed',
  'request.assigned',
  'request.note_added',
  'request.document_opened',
  'request.identity_checked',
  'request.my_number_destroyed',
  'request.fee_set',
  'request.payment_recorded',
  'request.fee_waived',
  'request.finding_added',
  'request.finding_opened',
  'request.finding_removed',
  'request.decision_recorded',
  'request.letter_generated',
  'request.delivery_created',
  'request.delivery_downloaded',
  'request.delivery_revoked',
  'request.message_sent',
  'request.deadline_reminded',
  'request.retention_disposed',
  'request.delivery_printed',
  'request.delivery_posted',
  // fulfilment engine and connectors
  'connection.created',
  'connection.updated',
  'connection.deleted',
  'connection.tested',
  'fulfillment.planned',
  'fulfillment.access_run',
  'fulfillment.erasure_run',
  'fulfillment.correction_run',
  'fulfillment.restriction_applied',
  'fulfillment.task_created',
  'fulfillment.task_completed',
  'fulfillment.task_opened',
  // consent, restrictions and the decision API
  'consent.granted',
  'consent.withdrawn',
  'consent.imported',
  'restriction.applied',
  'restriction.lifted',
  'cookie_tag.created',
  'cookie_tag.updated',
  'cookie_tag.deleted',
  'cookie_settings.updated',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const ACTOR_TYPES = ['staff', 'requester', 'api_key', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export interface Actor {
  type: ActorType;
  /** Staff id, API key id, request id for a requester, or a job/command name for the system. */
  id: string | null;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: 'madoguchi' };
