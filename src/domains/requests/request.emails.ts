// The emails of the request desk, in Japanese and English: to the requester at every step they
// must know of, and to staff before the target day and at escalation. Each part of the desk
// keeps its templates in its own file; mail.templates.ts gathers them into the one registry.
import { DECISION_EMAIL_TEMPLATES } from './request.emails.decision.ts';
import { DELIVERY_EMAIL_TEMPLATES } from './request.emails.delivery.ts';
import { DESK_EMAIL_TEMPLATES } from './request.emails.desk.ts';
import { INTAKE_EMAIL_TEMPLATES } from './request.emails.intake.ts';

export const REQUEST_EMAIL_TEMPLATES = {
  ...INTAKE_EMAIL_TEMPLATES,
  ...DESK_EMAIL_TEMPLATES,
  ...DELIVERY_EMAIL_TEMPLATES,
  ...DECISION_EMAIL_TEMPLATES,
} as const;
