// What every email template is made of: `defineEmailTemplate` (variables as a zod schema, the
// content in Japanese and English), the line and URL schemas, and the staff signature. Domains
// define their templates with this kit; mail.templates.ts gathers them into one registry.
import { z } from 'zod';
import type { Language } from '../../lib/errors.ts';
import { renderContent, type EmailContent, type RenderedEmail } from './mail.render.ts';

/** One line of text that may appear in a subject or a salutation: no control characters. */
export const ZEmailLine = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^\p{Cc}]*$/u, 'must be one line without control characters');

export const ZEmailUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2000);

const ZObjectInput = z.record(z.string(), z.unknown());

export interface Common {
  organizationName: string;
}

/** Variables every template accepts besides its own. */
export interface CommonEmailVariables {
  organizationName?: string;
}

export interface EmailTemplate<S extends z.ZodType<object> = z.ZodType<object>> {
  /** The template's own variables (without the common ones). */
  readonly variables: S;
  /** Validates `input` (throws ZodError) and renders it. */
  render(language: Language, input: unknown, defaults: Common): RenderedEmail;
}

export function defineEmailTemplate<Shape extends z.ZodRawShape>(def: {
  variables: Shape;
  ja: (v: z.output<z.ZodObject<Shape>> & Common) => EmailContent;
  en: (v: z.output<z.ZodObject<Shape>> & Common) => EmailContent;
}): EmailTemplate<z.ZodObject<Shape, z.core.$strict>> {
  const schema = z.strictObject(def.variables);
  return {
    variables: schema,
    render(language, input, defaults) {
      const { organizationName, ...own } = ZObjectInput.parse(input);
      const values = {
        ...schema.parse(own),
        organizationName: ZEmailLine.optional().parse(organizationName) ?? defaults.organizationName,
      };
      return renderContent(language === 'ja' ? def.ja(values) : def.en(values), language);
    },
  };
}

export function staffSignature(org: string, language: Language): string[] {
  return language === 'ja'
    ? [`${org} 個人情報管理システム（Madoguchi）`, 'このメールは送信専用のアドレスからお送りしています。ご返信いただいてもお答えできません。']
    : [`${org} personal information system (Madoguchi)`, 'This address only sends mail; replies are not read.'];
}

