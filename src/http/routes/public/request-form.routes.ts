// Public facts the privacy centre's pages need before anyone sends a request: which identity
// documents count and by which rule, the fee for each type and the extra costs, the upload
// limits (the request form), and, in plain categories, what personal data the organisation
// holds and for which purposes (from the data map). Bank details are never published here:
// they go to a requester with the fee notice. Both languages in one answer, so switching the
// page's language needs no second call.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { findDataCategory, isPersonalCategory } from '../../../domains/inventory/data-categories.ts';
import { walkFields } from '../../../domains/inventory/datamap.rules.ts';
import { loadDataMap } from '../../../domains/inventory/inventory.service.ts';
import { getRequestSettings } from '../../../domains/organization/organization.service.ts';
import { REQUEST_TYPES, type IdentityDocument } from '../../../domains/organization/request-settings.ts';
import { listPurposes } from '../../../domains/purposes/purpose.service.ts';
import { MAX_DOCUMENTS_PER_REQUEST, MAX_UPLOAD_BYTES, UPLOAD_CONTENT_TYPES } from '../../../domains/requests/request.ts';

const tags = ['public'];
const ZLoc = z.object({ ja: z.string(), en: z.string() });
const ZDocument = z.object({ code: z.string(), label: ZLoc, caution: ZLoc });
const ZYen = z.number().int();

const ZRequestForm = z.object({
  identity: z.object({
    photoDocuments: z.array(ZDocument),
    photoDocumentsRequired: z.number().int(),
    nonPhotoDocuments: z.array(ZDocument),
    nonPhotoDocumentsRequired: z.number().int(),
    statutoryAgentDocuments: z.array(ZDocument),
    appointedAgentDocuments: z.array(ZDocument),
    agentIdentityRequired: z.boolean(),
  }),
  fees: z.object({
    perRequest: z.object(Object.fromEntries(REQUEST_TYPES.map((t) => [t, ZYen])) as Record<(typeof REQUEST_TYPES)[number], typeof ZYen>),
    /** A fixed charge for paper, or null when the actual cost is charged. */
    paperDeliveryYen: ZYen.nullable(),
    specialMethodAtCost: z.boolean(),
  }),
  deadlines: z.object({ targetDays: z.number().int(), replyDays: z.number().int() }),
  delivery: z.object({ downloadLinkDays: z.number().int(), maxDownloads: z.number().int() }),
  documentRetentionMonths: z.number().int(),
  uploads: z.object({ maxBytes: z.number().int(), maxFiles: z.number().int(), contentTypes: z.array(z.string()) }),
});

const ZDataHeld = z.object({
  categories: z.array(
    z.object({
      key: z.string(),
      label: ZLoc,
      /** The more precise kinds within the category, e.g. email address within contact data. */
      items: z.array(z.object({ key: z.string(), label: ZLoc })),
      purposes: z.array(z.object({ code: z.string(), title: ZLoc })),
    }),
  ),
});

function publicDocument(d: IdentityDocument): z.infer<typeof ZDocument> {
  return { code: d.code, label: d.label, caution: d.caution };
}

/** `user.contact.email` → `user.contact`: the level a person recognises as one kind of data. */
function groupKey(key: string): string {
  return key.split('.').slice(0, 2).join('.');
}

/** `user.contact.address.city` → `user.contact.address`: finer parts add words, not meaning. */
function itemKey(key: string): string {
  return key.split('.').slice(0, 3).join('.');
}

function labelOf(key: string): { ja: string; en: string } {
  const category = findDataCategory(key);
  return category ? { ja: category.ja, en: category.en } : { ja: key, en: key };
}

export function publicRequestFormRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const rateLimit = { max: ctx.config.http.publicRateLimitPerMinute, timeWindow: '1 minute' };

    app.get(
      '/api/public/request-form',
      {
        config: { rateLimit },
        schema: {
          tags,
          summary: 'What a request needs: the identity documents that count and their rule, fees, deadlines and upload limits',
          description: 'Labels and cautions come in Japanese and English. Bank-transfer details are sent with the fee notice, not published.',
          response: { 200: ZRequestForm },
        },
      },
      async () => {
        const s = await getRequestSettings(ctx.db);
        return {
          identity: {
            photoDocuments: s.identity.photoDocuments.map(publicDocument),
            photoDocumentsRequired: s.identity.photoDocumentsRequired,
            nonPhotoDocuments: s.identity.nonPhotoDocuments.map(publicDocument),
            nonPhotoDocumentsRequired: s.identity.nonPhotoDocumentsRequired,
            statutoryAgentDocuments: s.identity.statutoryAgentDocuments.map(publicDocument),
            appointedAgentDocuments: s.identity.appointedAgentDocuments.map(publicDocument),
            agentIdentityRequired: s.identity.agentIdentityRequired,
          },
          fees: { perRequest: s.fees.perRequest, paperDeliveryYen: s.fees.paperDeliveryYen, specialMethodAtCost: s.fees.specialMethodAtCost },
          deadlines: { targetDays: s.deadlines.targetDays, replyDays: s.deadlines.replyDays },
          delivery: { downloadLinkDays: s.delivery.downloadLinkDays, maxDownloads: s.delivery.maxDownloads },
          documentRetentionMonths: s.documentRetentionMonths,
          uploads: { maxBytes: MAX_UPLOAD_BYTES, maxFiles: MAX_DOCUMENTS_PER_REQUEST, contentTypes: [...UPLOAD_CONTENT_TYPES] },
        };
      },
    );

    app.get(
      '/api/public/data-held',
      {
        config: { rateLimit },
        schema: {
          tags,
          summary: 'The kinds of personal data the organisation holds, and the purposes each serves (from the data map)',
          description: 'Categories only: no system names, storage places or record counts. Empty until a data map is imported.',
          response: { 200: ZDataHeld },
        },
      },
      async () => {
        const [map, purposes] = await Promise.all([loadDataMap(ctx.db), listPurposes(ctx.db)]);
        const titles = new Map(purposes.map((p) => [p.code, p.title]));
        const groups = new Map<string, { items: Set<string>; purposes: Set<string> }>();
        for (const system of map.systems) {
          for (const dataset of system.datasets) {
            for (const collection of dataset.collections) {
              for (const { field } of walkFields(collection.fields)) {
                for (const key of (field.dataCategories ?? []).filter(isPersonalCategory)) {
                  const group = groupKey(key);
                  const entry = groups.get(group) ?? { items: new Set<string>(), purposes: new Set<string>() };
                  if (itemKey(key) !== group) entry.items.add(itemKey(key));
                  for (const code of field.purposes) entry.purposes.add(code);
                  groups.set(group, entry);
                }
              }
            }
          }
        }
        const categories = [...groups.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, entry]) => ({
            key,
            label: labelOf(key),
            items: [...entry.items].sort().map((k) => ({ key: k, label: labelOf(k) })),
            // A purpose retired from the registry stays out: the notice no longer names it.
            purposes: [...entry.purposes].sort().flatMap((code) => {
              const title = titles.get(code);
              return title ? [{ code, title }] : [];
            }),
          }));
        return { categories };
      },
    );
  };
}
