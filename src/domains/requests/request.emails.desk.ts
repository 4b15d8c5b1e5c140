// Request-desk emails (desk): see request.emails.ts.
// import { defineEmailTemplate, staffSignature, ZEmailLine, ZEmailUrl } from '../mail/mail.template-kit.ts';

export const DESK_EMAIL_TEMPLATES = {
  // entries: 'request.<name>': defineEmailTemplate({ variables, ja, en })
} as const;
