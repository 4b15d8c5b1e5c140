// Request-desk emails (intake): see request.emails.ts.
// import { defineEmailTemplate, staffSignature, ZEmailLine, ZEmailUrl } from '../mail/mail.template-kit.ts';

export const INTAKE_EMAIL_TEMPLATES = {
  // entries: 'request.<name>': defineEmailTemplate({ variables, ja, en })
} as const;
