// The organisation profile and its security statement: who the business is, where people
// send requests and complaints, whether it belongs to an accredited personal information
// protection organisation, and the security control measures it publishes. These are the
// facts the APPI Art. 32 notice and the request procedures are generated from, so they are
// zod schemas shared by the admin API, the seed and the notice generator.
//
// Sections may be null while an organisation is being set up; a null section is a gap the
// notice completeness check names, never silently skipped.
import { z } from 'zod';
import { ZLocalized } from '../policies/localized.ts';

export const ZPostalCode = z
  .string()
  .trim()
  .regex(/^(\d{3}-\d{4})?$/, 'must look like 123-4567');

export const ZPhone = z
  .string()
  .trim()
  .regex(/^[0-9+()\- ]{6,24}$/, 'must be a telephone number');

export const ZContactEmail = z.email({ error: 'must be an email address' }).max(254);

export const ZPostalAddress = z.strictObject({
  postalCode: ZPostalCode,
  address: ZLocalized(300),
});
export type PostalAddress = z.infer<typeof ZPostalAddress>;

/** A role holder: the representative, or the Personal Information Handling Officer. The name
 * may stay empty for the officer, whom many companies publish by title only. */
export const ZRoleHolder = z.strictObject({
  title: ZLocalized(120),
  name: ZLocalized(120),
});
export type RoleHolder = z.infer<typeof ZRoleHolder>;

export const ZRequestContact = z.strictObject({
  /** The desk's name, e.g. 個人情報お問い合わせ窓口. */
  desk: ZLocalized(120),
  email: ZContactEmail,
  phone: ZPhone.nullable(),
  /** Opening hours of the desk, free text; may be empty. */
  hours: ZLocalized(200),
  /** Where requests that need paper go (a power of attorney with a registered seal, say). */
  postal: z
    .strictObject({
      postalCode: ZPostalCode,
      address: ZLocalized(300),
      recipient: ZLocalized(200),
    })
    .nullable(),
});
export type RequestContact = z.infer<typeof ZRequestContact>;

export const ZComplaintContact = z.strictObject({
  desk: ZLocalized(120),
  email: ZContactEmail.nullable(),
  phone: ZPhone.nullable(),
  hours: ZLocalized(200),
});
export type ComplaintContact = z.infer<typeof ZComplaintContact>;

/** 'none' is a statement ("we belong to no accredited organisation"), which the notice must
 * say; null means nobody has answered the question yet. */
export const ZAccreditedOrganization = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('none') }),
  z.strictObject({
    status: z.literal('member'),
    name: ZLocalized(200),
    /** Where a principal may complain to that organisation (address, telephone, web page). */
    complaintContact: ZLocalized(600),
  }),
]);
export type AccreditedOrganization = z.infer<typeof ZAccreditedOrganization>;

export const ZOrganizationProfile = z.strictObject({
  name: z.strictObject({ ja: z.string().trim().min(1).max(200), en: z.string().trim().max(200) }),
  headOffice: ZPostalAddress.nullable(),
  representative: ZRoleHolder.nullable(),
  officer: ZRoleHolder.nullable(),
  requestContact: ZRequestContact.nullable(),
  complaintContact: ZComplaintContact.nullable(),
  accreditedOrganization: ZAccreditedOrganization.nullable(),
});
export type OrganizationProfile = z.infer<typeof ZOrganizationProfile>;

/** The categories of the PPC guideline's sample list of security control measures. */
export const SECURITY_MEASURE_CATEGORIES = [
  'basic_policy',
  'rules',
  'organizational',
  'human',
  'physical',
  'technical',
  'external_environment',
] as const;
export type SecurityMeasureCategory = (typeof SECURITY_MEASURE_CATEGORIES)[number];

export const ZSecurityMeasure = z.strictObject({
  category: z.enum(SECURITY_MEASURE_CATEGORIES),
  text: ZLocalized(2000),
});
export type SecurityMeasure = z.infer<typeof ZSecurityMeasure>;

export const ZCountryCode = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US');

/** What the business learned about a foreign country's personal-information regime and what
 * it does about it (PPC Q&A 10-24). Which countries apply comes from the data map when it is
 * plugged in (see policies/notice-sources.ts); this is the text for each. */
export const ZForeignCountryNote = z.strictObject({
  code: ZCountryCode,
  name: ZLocalized(120),
  measures: ZLocalized(2000),
});
export type ForeignCountryNote = z.infer<typeof ZForeignCountryNote>;

export const ZSecuritySettings = z.strictObject({
  measures: z.array(ZSecurityMeasure).max(40),
  /** null: not yet stated where retained data is handled; []: only in Japan. */
  foreignCountries: z.array(ZForeignCountryNote).max(60).nullable(),
});
export type SecuritySettings = z.infer<typeof ZSecuritySettings>;

export const EMPTY_SECURITY_SETTINGS: SecuritySettings = { measures: [], foreignCountries: null };

/** A profile that names only the business; everything else is still to be filled in. */
export function minimalProfile(name: { ja: string; en: string }): OrganizationProfile {
  return {
    name,
    headOffice: null,
    representative: null,
    officer: null,
    requestContact: null,
    complaintContact: null,
    accreditedOrganization: null,
  };
}
