// Purposes of use (APPI Art. 17–21): the registry every other part of Madoguchi refers to by
// code. The data map names the purposes each collection serves; the Art. 32 notice and the
// policies list them; consent records point at the ones that need consent. A change makes a
// new version, so what was published at any time can be read back.
import { z } from 'zod';
import { ZLocalized, ZLocalizedRequired } from '../policies/localized.ts';
import type { Localized } from '../policies/localized.ts';

export const ZPurposeCode = z.string().regex(/^[a-z][a-z0-9_]{1,63}$/, 'lower-case letters, digits and _ (2–64)');

/** Category keys are the data map's (`user.contact.email`); the registry stores them as given. */
export const ZDataCategoryKey = z
  .string()
  .max(120)
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){0,5}$/, 'dotted lower-case key such as user.contact.email');

/** stated: announced and relied on as a purpose of use; consent: used only with the person's
 * consent (newsletters, say), so the consent records decide per person. */
export const PURPOSE_BASES = ['stated', 'consent'] as const;
export type PurposeBasis = (typeof PURPOSE_BASES)[number];

export const ZPurposeFields = z.strictObject({
  title: ZLocalizedRequired(200),
  description: ZLocalized(2000),
  dataCategories: z.array(ZDataCategoryKey).max(100),
  basis: z.enum(PURPOSE_BASES),
  sortOrder: z.number().int().min(0).max(100_000),
});
export type PurposeFields = z.infer<typeof ZPurposeFields>;

export const ZCreatePurposeInput = ZPurposeFields.extend({ code: ZPurposeCode });
export type CreatePurposeInput = z.infer<typeof ZCreatePurposeInput>;

export const ZUpdatePurposeInput = ZPurposeFields.extend({
  /** The version the editor started from; a newer one answers 409 instead of being overwritten. */
  expectedVersion: z.number().int().min(1).optional(),
});

export type PurposeStatus = 'active' | 'retired';

export interface Purpose extends PurposeFields {
  code: string;
  status: PurposeStatus;
  version: number;
  updatedAt: Date;
}

export const ZPurposeView = z.object({
  code: z.string(),
  title: z.object({ ja: z.string(), en: z.string() }),
  description: z.object({ ja: z.string(), en: z.string() }),
  dataCategories: z.array(z.string()),
  basis: z.enum(PURPOSE_BASES),
  sortOrder: z.number(),
  status: z.enum(['active', 'retired']),
  version: z.number(),
  updatedAt: z.iso.datetime(),
});
export type PurposeView = z.infer<typeof ZPurposeView>;

export function toPurposeView(p: Purpose): PurposeView {
  return {
    code: p.code,
    title: p.title,
    description: p.description,
    dataCategories: p.dataCategories,
    basis: p.basis,
    sortOrder: p.sortOrder,
    status: p.status,
    version: p.version,
    updatedAt: p.updatedAt.toISOString(),
  };
}

/** What the notice and the policies need of a purpose. */
export interface NoticePurpose {
  code: string;
  title: Localized;
  description: Localized;
  basis: PurposeBasis;
}

export function toNoticePurpose(p: Purpose): NoticePurpose {
  return { code: p.code, title: p.title, description: p.description, basis: p.basis };
}
