// Response shapes of the policy and notice API, as allowlists: a field added to a domain
// object later does not travel until it is named here. Shared by the admin and public routes.
import { z } from 'zod';
import { NOTICE_ITEMS } from './notice-input.ts';
import { POLICY_KINDS, ZPolicyContent, type PolicyVersion } from './policy.ts';
import type { PolicyDocumentView, RenderedVersion, VersionSummary } from './policy.service.ts';

const ZLoc = z.object({ ja: z.string(), en: z.string() });
export const ZPolicyKind = z.enum(POLICY_KINDS);
export const ZStanding = z.enum(['draft', 'in_force', 'upcoming', 'past']);

export const ZVersionSummaryView = z.object({
  number: z.number(),
  status: z.enum(['draft', 'published']),
  standing: ZStanding,
  effectiveDate: z.string().nullable(),
  summary: ZLoc,
  createdAt: z.iso.datetime(),
  publishedAt: z.iso.datetime().nullable(),
});

export function toVersionSummaryView(v: VersionSummary): z.infer<typeof ZVersionSummaryView> {
  return {
    number: v.number,
    status: v.status,
    standing: v.standing,
    effectiveDate: v.effectiveDate,
    summary: v.summary,
    createdAt: v.createdAt.toISOString(),
    publishedAt: v.publishedAt ? v.publishedAt.toISOString() : null,
  };
}

const ZVersionRef = z.object({ number: z.number(), effectiveDate: z.string() }).nullable();

export const ZPolicyDocumentView = z.object({
  kind: ZPolicyKind,
  title: ZLoc,
  historyBefore: z.array(z.string()),
  inForce: ZVersionRef,
  upcoming: ZVersionRef,
  draft: z.number().nullable(),
  versions: z.array(ZVersionSummaryView),
});

export function toPolicyDocumentView(d: PolicyDocumentView): z.infer<typeof ZPolicyDocumentView> {
  return { ...d, versions: d.versions.map(toVersionSummaryView) };
}

export const ZPolicyVersionView = z.object({
  kind: ZPolicyKind,
  number: z.number(),
  status: z.enum(['draft', 'published']),
  effectiveDate: z.string().nullable(),
  summary: ZLoc,
  content: ZPolicyContent,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  publishedAt: z.iso.datetime().nullable(),
});

export function toPolicyVersionView(v: PolicyVersion): z.infer<typeof ZPolicyVersionView> {
  return {
    kind: v.kind,
    number: v.number,
    status: v.status,
    effectiveDate: v.effectiveDate,
    summary: v.summary,
    content: v.content,
    createdAt: v.createdAt.toISOString(),
    updatedAt: v.updatedAt.toISOString(),
    publishedAt: v.publishedAt ? v.publishedAt.toISOString() : null,
  };
}

const ZRenderedSubItem = z.object({ label: z.string(), text: z.string() });
const ZRenderedBlock = z.discriminatedUnion('type', [
  z.object({ type: z.literal('paragraph'), text: z.string(), source: z.string().nullable() }),
  z.object({
    type: z.literal('list'),
    style: z.enum(['numbered', 'bullet']),
    items: z.array(z.object({ label: z.string(), text: z.string(), subItems: z.array(ZRenderedSubItem) })),
    source: z.string().nullable(),
  }),
]);

export const ZNoticeGapView = z.object({ item: z.enum(NOTICE_ITEMS), field: z.string(), language: z.enum(['ja', 'en']).optional() });

/** A version as the public reads it. */
export const ZRenderedVersionView = z.object({
  kind: ZPolicyKind,
  language: z.enum(['ja', 'en']),
  number: z.number(),
  standing: ZStanding,
  effectiveDate: z.string().nullable(),
  summary: z.string(),
  title: z.string(),
  preamble: z.array(ZRenderedBlock),
  articles: z.array(z.object({ key: z.string(), number: z.number(), label: z.string(), heading: z.string(), blocks: z.array(ZRenderedBlock) })),
  closing: z.array(ZRenderedBlock),
  revisionHistory: z.array(z.string()),
  text: z.string(),
});

/** The same for staff, with what could not be filled. */
export const ZAdminRenderedVersionView = ZRenderedVersionView.extend({ status: z.enum(['draft', 'published']), gaps: z.array(ZNoticeGapView) });

export function toRenderedVersionView(v: RenderedVersion): z.infer<typeof ZRenderedVersionView> {
  const r = v.rendered;
  return {
    kind: v.kind,
    language: r.language,
    number: v.number,
    standing: v.standing,
    effectiveDate: v.effectiveDate,
    summary: v.summary,
    title: r.title,
    preamble: r.preamble,
    articles: r.articles,
    closing: r.closing,
    revisionHistory: r.revisionHistory,
    text: r.text,
  };
}

export function toAdminRenderedVersionView(v: RenderedVersion): z.infer<typeof ZAdminRenderedVersionView> {
  return { ...toRenderedVersionView(v), status: v.status, gaps: v.rendered.gaps };
}

const ZSegment = z.object({ op: z.enum(['equal', 'insert', 'delete']), text: z.string() });
const ZTextDiff = z.object({ before: z.string().nullable(), after: z.string().nullable(), segments: z.array(ZSegment) });

export const ZPolicyDiffView = z.object({
  from: z.number(),
  to: z.number(),
  identical: z.boolean(),
  articles: z.array(
    z.object({
      key: z.string(),
      status: z.enum(['added', 'removed', 'changed', 'unchanged']),
      heading: ZLoc,
      label: ZLoc.nullable(),
      numberBefore: z.number().nullable(),
      numberAfter: z.number().nullable(),
      units: z.array(z.object({ status: z.enum(['added', 'removed', 'changed']), label: ZLoc, ja: ZTextDiff, en: ZTextDiff })),
    }),
  ),
  text: ZLoc,
});
