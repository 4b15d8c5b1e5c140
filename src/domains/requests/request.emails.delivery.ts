// Request-desk emails (delivery): see request.emails.ts.
// import { defineEmailTemplate, staffSignature, ZEmailLine, ZEmailUrl } from '../mail/mail.template-kit.ts';

export const DELIVERY_EMAIL_TEMPLATES = {
  // entries: 'request.<name>': defineEmailTemplate({ variables, ja, en })
} as const;
