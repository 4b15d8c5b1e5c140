// The data map for staff: list systems, read one system's map, check and import data-map
// files (our YAML or Fides datasets, sent as text), export the map, download the ledger, and
// record a ledger review. Every staff role may read; a system owner sees only the systems they
// own (another system answers 404). Changes need inventory.manage and are audited.
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { DATA_CATEGORIES } from '../../../domains/inventory/data-categories.ts';
import { walkFields } from '../../../domains/inventory/datamap.rules.ts';
import {
  DATE_PATTERN,
  ERASE_STRATEGIES,
  HASH_ALGORITHMS,
  LIMITS,
  REFERENCE_DIRECTIONS,
  SYSTEM_NAME_PATTERN,
  VENDOR_ROLES,
  type DataMapIssue,
  type DataSystem,
} from '../../../domains/inventory/datamap.types.ts';
import {
  checkDataMapImport,
  exportDataMap,
  exportLedger,
  getSystemMap,
  importDataMap,
  listSystemSummaries,
  recordSystemReview,
  type DataMapInput,
} from '../../../domains/inventory/inventory.service.ts';
import type { StaffPrincipal } from '../../../domains/staff/staff.ts';
import { AppError } from '../../../lib/errors.ts';
import { currentStaff, requirePermission } from '../../auth.ts';

const staffSession = [{ staffSession: [] }];
const tags = ['admin: data map'];
/** Room for 5 MB of YAML once it is escaped into JSON. */
const FILES_BODY_LIMIT = 12 * 1024 * 1024;

const ZSystemName = z.string().regex(SYSTEM_NAME_PATTERN);

const ZFilesBody = z.strictObject({
  files: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(200),
        content: z.string().min(1).max(LIMITS.fileBytes),
        /** For a Fides dataset file: the system it belongs to. */
        system: ZSystemName.optional(),
      }),
    )
    .min(1)
    .max(50),
});

const ZIssue = z.object({
  severity: z.enum(['error', 'warning']),
  file: z.string(),
  path: z.string(),
  line: z.number().int().optional(),
  code: z.string(),
  message: z.string(),
});

const ZSystemSummary = z.object({
  name: z.string(),
  title: z.string().nullable(),
  kind: z.string().nullable(),
  owner: z.string().nullable(),
  country: z.string().nullable(),
  datasets: z.number().int(),
  collections: z.number().int(),
  fields: z.number().int(),
  specialCareFields: z.number().int(),
  lastReviewedOn: z.string().nullable(),
  reviewDueOn: z.string().nullable(),
  reviewOverdue: z.boolean(),
});

const ZErase = z.object({
  strategy: z.enum(ERASE_STRATEGIES),
  value: z.string().optional(),
  length: z.number().int().optional(),
  algorithm: z.enum(HASH_ALGORITHMS).optional(),
  suffix: z.string().optional(),
});

// Nested fields are answered flat, each with its dotted path, so the schema needs no recursion.
const ZFieldView = z.object({
  path: z.string(),
  name: z.string(),
  description: z.string().optional(),
  dataCategories: z.array(z.string()).optional(),
  purposes: z.array(z.string()),
  retention: z.object({ period: z.string(), from: z.string().optional(), basis: z.string() }).optional(),
  specialCare: z.boolean(),
  financial: z.boolean(),
  identity: z.string().optional(),
  primaryKey: z.boolean().optional(),
  references: z.array(z.object({ system: z.string().optional(), dataset: z.string(), field: z.string(), direction: z.enum(REFERENCE_DIRECTIONS).optional() })),
  erase: ZErase.optional(),
  dataType: z.string().optional(),
});

const ZSystemView = z.object({
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  kind: z.string().optional(),
  connection: z.string().optional(),
  owner: z.string().optional(),
  location: z.object({ country: z.string(), region: z.string().optional(), note: z.string().optional() }).optional(),
  storageMethod: z.string().optional(),
  vendors: z.array(z.object({ name: z.string(), role: z.enum(VENDOR_ROLES), country: z.string().optional(), service: z.string().optional() })),
  securityMeasures: z.array(z.string()),
  review: z.object({ lastReviewedOn: z.string(), reviewer: z.string(), intervalMonths: z.number().int() }).optional(),
  datasets: z.array(
    z.object({
      name: z.string(),
      title: z.string().optional(),
      description: z.string().optional(),
      collections: z.array(
        z.object({
          name: z.string(),
          description: z.string().optional(),
          access: z.array(z.string()),
          acquisition: z.string().optional(),
          thirdPartyProvision: z.string().optional(),
          recordCount: z.number().int().optional(),
          usePeriod: z.string().optional(),
          legalHolds: z.array(z.object({ reason: z.string(), basis: z.string().optional(), period: z.string().optional(), from: z.string().optional() })),
          erase: ZErase.optional(),
          fields: z.array(ZFieldView),
        }),
      ),
    }),
  ),
});

function systemView(system: DataSystem): z.input<typeof ZSystemView> {
  return {
    ...system,
    datasets: system.datasets.map((d) => ({
      ...d,
      collections: d.collections.map((c) => ({
        ...c,
        fields: [...walkFields(c.fields)].map(({ field, path }) => {
          const { fields: _children, specialCare, financial, ...rest } = field;
          return { ...rest, path, specialCare: specialCare ?? false, financial: financial ?? false };
        }),
      })),
    })),
  };
}

function inputsOf(body: z.infer<typeof ZFilesBody>): DataMapInput[] {
  return body.files.map((f) => ({ file: f.name, text: f.content, ...(f.system === undefined ? {} : { fidesSystem: f.system }) }));
}

/** System owners are limited to their own systems; everyone else sees all. */
function ownerScope(staff: StaffPrincipal): string | undefined {
  return staff.role === 'system_owner' ? staff.id : undefined;
}

function problemsAsError(errors: readonly DataMapIssue[]): AppError {
  return new AppError('validation_failed', {
    details: errors.slice(0, 200).map((e) => ({
      path: `${e.file}${e.line === undefined ? '' : `:${e.line}`}: ${e.path}`,
      reason: e.code,
      message: e.message,
    })),
  });
}

function download(reply: FastifyReply, contentType: string, filename: string, body: string | Buffer): FastifyReply {
  return reply
    .header('content-type', contentType)
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'no-store')
    .send(body);
}

export function inventoryRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/admin/inventory/systems',
      {
        onRequest: requirePermission(ctx, 'inventory.read'),
        schema: {
          tags,
          summary: 'Systems of the data map with their counts and review state',
          description: 'A system owner sees only the systems they own.',
          security: staffSession,
          response: { 200: z.object({ systems: z.array(ZSystemSummary) }) },
        },
      },
      async (request) => {
        const owner = ownerScope(currentStaff(request));
        return { systems: await listSystemSummaries(ctx, owner === undefined ? {} : { ownerStaffId: owner }) };
      },
    );

    app.get(
      '/api/admin/inventory/categories',
      {
        onRequest: requirePermission(ctx, 'inventory.read'),
        schema: {
          tags,
          summary: 'The data-category taxonomy with Japanese and English labels and its sensitivity flags',
          security: staffSession,
          response: {
            200: z.object({
              categories: z.array(
                z.object({
                  key: z.string(),
                  parent: z.string().nullable(),
                  ja: z.string(),
                  en: z.string(),
                  specialCare: z.boolean(),
                  pmarkSensitive: z.boolean(),
                  financial: z.boolean(),
                  individualNumber: z.boolean(),
                  replacedBy: z.string().optional(),
                }),
              ),
            }),
          },
        },
      },
      async () => ({ categories: [...DATA_CATEGORIES.values()] }),
    );

    app.get(
      '/api/admin/inventory/systems/:name',
      {
        onRequest: requirePermission(ctx, 'inventory.read'),
        schema: {
          tags,
          summary: "One system's map: datasets, collections and fields (nested fields flattened with their path)",
          security: staffSession,
          params: z.strictObject({ name: ZSystemName }),
          response: { 200: z.object({ system: ZSystemView }) },
        },
      },
      async (request) => {
        const owner = ownerScope(currentStaff(request));
        const system = await getSystemMap(ctx, request.params.name);
        if (owner !== undefined && system.owner !== owner) throw new AppError('not_found');
        return { system: systemView(system) };
      },
    );

    app.post(
      '/api/admin/inventory/validate',
      {
        onRequest: requirePermission(ctx, 'inventory.manage'),
        bodyLimit: FILES_BODY_LIMIT,
        schema: {
          tags,
          summary: 'Check data-map files against the stored map without importing them',
          description: 'Each file is our data-map YAML or a Fides dataset file, sent as text. Answers every problem and warning with its file, path and line.',
          security: staffSession,
          body: ZFilesBody,
          response: { 200: z.object({ ok: z.boolean(), systems: z.array(z.string()), errors: z.array(ZIssue), warnings: z.array(ZIssue) }) },
        },
      },
      async (request) => checkDataMapImport(ctx, inputsOf(request.body)),
    );

    app.post(
      '/api/admin/inventory/import',
      {
        onRequest: requirePermission(ctx, 'inventory.manage'),
        bodyLimit: FILES_BODY_LIMIT,
        schema: {
          tags,
          summary: 'Import data-map files',
          description:
            'Each system the files describe is replaced in one transaction; a Fides file replaces only its datasets within its system. ' +
            'With any problem nothing is written and the answer is 400 validation_failed listing every problem.',
          security: staffSession,
          body: ZFilesBody,
          response: {
            200: z.object({
              systems: z.array(z.object({ name: z.string(), created: z.boolean(), datasets: z.number().int(), collections: z.number().int(), fields: z.number().int() })),
              warnings: z.array(ZIssue),
            }),
          },
        },
      },
      async (request) => {
        const staff = currentStaff(request);
        const result = await importDataMap(ctx, inputsOf(request.body), { actor: { type: 'staff', id: staff.id }, requestId: request.id });
        if (!result.ok) throw problemsAsError(result.errors);
        return { systems: result.systems, warnings: result.warnings };
      },
    );

    app.get(
      '/api/admin/inventory/export',
      {
        onRequest: requirePermission(ctx, 'inventory.read'),
        schema: {
          tags,
          summary: 'Download the data map as our YAML (complete) or as Fides dataset YAML',
          security: staffSession,
          querystring: z.strictObject({ format: z.enum(['yaml', 'fides']).default('yaml'), system: ZSystemName.optional() }),
        },
      },
      async (request, reply) => {
        const staff = currentStaff(request);
        const owner = ownerScope(staff);
        const result = await exportDataMap(
          ctx,
          {
            format: request.query.format,
            ...(request.query.system === undefined ? {} : { systems: [request.query.system] }),
            ...(owner === undefined ? {} : { ownerStaffId: owner }),
          },
          { type: 'staff', id: staff.id },
          { requestId: request.id },
        );
        const name = request.query.format === 'fides' ? 'datamap-fides.yml' : 'datamap.yml';
        return download(reply, 'application/yaml; charset=utf-8', name, result.text);
      },
    );

    app.get(
      '/api/admin/inventory/ledger',
      {
        onRequest: requirePermission(ctx, 'inventory.read'),
        schema: {
          tags,
          summary: 'Download the personal-data ledger (個人情報管理台帳) as CSV (UTF-8 with BOM) or Excel',
          security: staffSession,
          querystring: z.strictObject({ format: z.enum(['csv', 'xlsx']).default('csv') }),
        },
      },
      async (request, reply) => {
        const staff = currentStaff(request);
        const owner = ownerScope(staff);
        const file = await exportLedger(ctx, request.query.format, { type: 'staff', id: staff.id }, { requestId: request.id }, owner === undefined ? {} : { ownerStaffId: owner });
        return download(reply, file.contentType, file.filename, file.body);
      },
    );

    app.post(
      '/api/admin/inventory/systems/:name/review',
      {
        onRequest: requirePermission(ctx, 'inventory.manage'),
        schema: {
          tags,
          summary: "Record that a system's ledger entry was reviewed (by the signed-in staff member)",
          security: staffSession,
          params: z.strictObject({ name: ZSystemName }),
          body: z.strictObject({
            reviewedOn: z.string().regex(DATE_PATTERN).optional(),
            intervalMonths: z.number().int().min(1).max(60).optional(),
          }),
          response: { 200: z.object({ system: ZSystemSummary }) },
        },
      },
      async (request) => {
        const staff = currentStaff(request);
        const system = await recordSystemReview(
          ctx,
          request.params.name,
          {
            reviewer: staff.id,
            ...(request.body.reviewedOn === undefined ? {} : { reviewedOn: request.body.reviewedOn }),
            ...(request.body.intervalMonths === undefined ? {} : { intervalMonths: request.body.intervalMonths }),
          },
          { type: 'staff', id: staff.id },
          { requestId: request.id },
        );
        return { system };
      },
    );
  };
}
