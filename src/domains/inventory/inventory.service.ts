// Use cases of the data map: check files (on their own or against the stored map), import them
// (each system they describe is replaced in one transaction, all or nothing, audited), read
// the map back, export it as our YAML or as Fides datasets, and write the ledger.
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { listPurposes } from '../purposes/purpose.service.ts';
import { listStaff } from '../staff/staff.repository.ts';
import { assembleDataMap, type AssembledDataMap, type DataMapInput } from './datamap-assemble.ts';
import { exportDataMapYaml } from './datamap-yaml.ts';
import { fieldFlags, isReviewOverdue, japanDate, reviewDueOn, walkFields, type ValidateOptions } from './datamap.rules.ts';
import { DEFAULT_REVIEW_INTERVAL_MONTHS, type DataMap, type DataMapIssue, type DataSystem } from './datamap.types.ts';
import { exportFidesYaml } from './fides-yaml.ts';
import * as repo from './inventory.repository.ts';
import { childrenToRows, systemsFromRows, systemToRow } from './inventory.rows.ts';
import { buildLedgerRows, ledgerCsv, ledgerXlsx, type LedgerOptions } from './ledger.ts';

export type { DataMapInput } from './datamap-assemble.ts';

export interface RequestMeta {
  requestId?: string | null;
}

export interface DataMapCheck {
  ok: boolean;
  errors: DataMapIssue[];
  warnings: DataMapIssue[];
  /** Systems the files describe. */
  systems: string[];
}

function toCheck(a: AssembledDataMap): DataMapCheck {
  return { ok: a.ok, errors: a.errors, warnings: a.warnings, systems: a.touched };
}

/** Checks files on their own, without a database: what `madoguchi datamap validate` does. */
export function validateDataMapFiles(inputs: readonly DataMapInput[], options: ValidateOptions = {}): DataMapCheck {
  return toCheck(assembleDataMap(inputs, null, options));
}

export async function loadDataMap(db: Db, filter: { systems?: readonly string[] } = {}): Promise<DataMap> {
  let ids: string[] | null = null;
  if (filter.systems) {
    const all = await repo.listSystems(db);
    ids = [];
    for (const name of filter.systems) {
      const row = all.find((s) => s.name === name);
      if (!row) throw new AppError('not_found', { details: [{ path: 'system', reason: 'unknown_system', message: `no system named '${name}'` }] });
      ids.push(row.id);
    }
  }
  return { systems: systemsFromRows(await repo.loadMapRows(db, ids)) };
}

async function activeStaffIds(db: Db): Promise<string[]> {
  return (await listStaff(db, 100_000)).filter((s) => s.status === 'active').map((s) => s.id);
}

/** Checks files against the stored map (references to stored systems resolve), writing nothing. */
export async function checkDataMapImport(ctx: AppContext, inputs: readonly DataMapInput[], options: Pick<ValidateOptions, 'knownPurposeCodes'> = {}): Promise<DataMapCheck> {
  const stored = await loadDataMap(ctx.db);
  const knownStaffIds = await activeStaffIds(ctx.db);
  return toCheck(assembleDataMap(inputs, stored, { ...options, knownStaffIds }));
}

export interface ImportedSystem {
  name: string;
  created: boolean;
  datasets: number;
  collections: number;
  fields: number;
}

export type ImportResult =
  | { ok: true; systems: ImportedSystem[]; warnings: DataMapIssue[] }
  | { ok: false; errors: DataMapIssue[]; warnings: DataMapIssue[] };

export interface ImportOptions extends RequestMeta {
  actor: Actor;
  /** Purpose codes of the organisation; when given, unknown ones are refused. */
  knownPurposeCodes?: readonly string[];
}

function countOf(system: DataSystem): { datasets: number; collections: number; fields: number } {
  let collections = 0;
  let fields = 0;
  for (const d of system.datasets) {
    collections += d.collections.length;
    for (const c of d.collections) fields += [...walkFields(c.fields)].length;
  }
  return { datasets: system.datasets.length, collections, fields };
}

/**
 * Imports data-map files. The whole map (stored systems with these applied) is checked first;
 * with any error nothing is written and every problem is returned. Otherwise each system the
 * files describe is replaced in one transaction and the import is audited per system.
 */
export async function importDataMap(ctx: AppContext, inputs: readonly DataMapInput[], options: ImportOptions): Promise<ImportResult> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    await repo.lockDataMap(trx);
    const stored = { systems: systemsFromRows(await repo.loadMapRows(trx, null)) };
    const knownStaffIds = await activeStaffIds(trx);
    const assembled = assembleDataMap(inputs, stored, {
      knownStaffIds,
      ...(options.knownPurposeCodes ? { knownPurposeCodes: options.knownPurposeCodes } : {}),
    });
    if (!assembled.ok) return { ok: false as const, errors: assembled.errors, warnings: assembled.warnings };

    const imported: ImportedSystem[] = [];
    for (const name of assembled.touched) {
      const system = assembled.map.systems.find((s) => s.name === name);
      if (!system) continue;
      const { id, created } = await repo.upsertSystem(trx, systemToRow(system, newId('sys'), now));
      await repo.deleteDatasetsOfSystem(trx, id);
      const rows = childrenToRows(system, id);
      await repo.insertDatasets(trx, rows.datasets);
      await repo.insertCollections(trx, rows.collections);
      await repo.insertFields(trx, rows.fields);
      await repo.insertReferences(trx, rows.references);
      await repo.insertLegalHolds(trx, rows.legalHolds);
      const counts = countOf(system);
      const specialCare = system.datasets.reduce(
        (n, d) => n + d.collections.reduce((m, c) => m + [...walkFields(c.fields)].filter(({ field }) => fieldFlags(field).specialCare).length, 0),
        0,
      );
      await appendAudit(trx, {
        action: 'datamap.imported',
        actor: options.actor,
        target: { type: 'inventory_system', id },
        requestId: options.requestId ?? null,
        details: { system: name, created, ...counts, specialCareFields: specialCare, files: inputs.map((i) => i.file) },
        at: now,
      });
      imported.push({ name, created, ...counts });
    }
    return { ok: true as const, systems: imported, warnings: assembled.warnings };
  });
}

export type ExportFormat = 'yaml' | 'fides';

const LOST_IN_FIDES = 'purposes, retention, legal holds, ledger details and system details have no place in a Fides dataset and were left out';

function holdsMoreThanFides(system: DataSystem): boolean {
  return system.datasets.some((d) =>
    d.collections.some(
      (c) => c.legalHolds.length > 0 || c.access.length > 0 || [...walkFields(c.fields)].some(({ field }) => field.purposes.length > 0 || field.retention !== undefined),
    ),
  );
}

/** A system owner (role system_owner) sees only the systems they own. */
function onlyOwnedBy(map: DataMap, ownerStaffId: string | undefined): DataMap {
  return ownerStaffId === undefined ? map : { systems: map.systems.filter((s) => s.owner === ownerStaffId) };
}

export interface ExportResult {
  text: string;
  /** What the chosen format could not hold (Fides has no place for purposes, retention, …). */
  warnings: string[];
  systems: number;
}

export async function exportDataMap(
  ctx: AppContext,
  options: { format: ExportFormat; systems?: readonly string[]; ownerStaffId?: string },
  actor: Actor,
  meta: RequestMeta = {},
): Promise<ExportResult> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const map = onlyOwnedBy(await loadDataMap(trx, options.systems ? { systems: options.systems } : {}), options.ownerStaffId);
    let result: ExportResult;
    if (options.format === 'yaml') {
      result = { text: exportDataMapYaml(map.systems), warnings: [], systems: map.systems.length };
    } else {
      const fides = exportFidesYaml(map.systems.flatMap((s) => s.datasets));
      const lost = map.systems.some(holdsMoreThanFides) ? [LOST_IN_FIDES] : [];
      result = { text: fides.text, warnings: [...fides.warnings, ...lost], systems: map.systems.length };
    }
    await appendAudit(trx, {
      action: 'datamap.exported',
      actor,
      requestId: meta.requestId ?? null,
      details: { format: options.format, systems: map.systems.map((s) => s.name) },
      at: now,
    });
    return result;
  });
}

export async function getSystemMap(ctx: AppContext, name: string): Promise<DataSystem> {
  const row = await repo.findSystemByName(ctx.db, name);
  if (!row) throw new AppError('not_found');
  const [system] = systemsFromRows(await repo.loadMapRows(ctx.db, [row.id]));
  if (!system) throw new AppError('not_found');
  return system;
}

export interface SystemSummary {
  name: string;
  title: string | null;
  kind: string | null;
  owner: string | null;
  country: string | null;
  datasets: number;
  collections: number;
  fields: number;
  specialCareFields: number;
  lastReviewedOn: string | null;
  reviewDueOn: string | null;
  reviewOverdue: boolean;
}

/** Every system with its counts and review state; `ownerStaffId` narrows to one owner's systems. */
export async function listSystemSummaries(ctx: AppContext, filter: { ownerStaffId?: string } = {}): Promise<SystemSummary[]> {
  const now = ctx.clock.now();
  const rows = await repo.listSystems(ctx.db);
  const counts = new Map((await repo.countsBySystem(ctx.db)).map((c) => [c.system_id, c]));
  return rows
    .filter((r) => filter.ownerStaffId === undefined || r.owner_staff_id === filter.ownerStaffId)
    .map((r) => {
      const c = counts.get(r.id);
      const review =
        r.last_reviewed_on === null || r.reviewer_staff_id === null
          ? undefined
          : { lastReviewedOn: r.last_reviewed_on, reviewer: r.reviewer_staff_id, intervalMonths: r.review_interval_months ?? DEFAULT_REVIEW_INTERVAL_MONTHS };
      return {
        name: r.name,
        title: r.title,
        kind: r.kind,
        owner: r.owner_staff_id,
        country: r.location_country,
        datasets: c?.datasets ?? 0,
        collections: c?.collections ?? 0,
        fields: c?.fields ?? 0,
        specialCareFields: c?.special_care_fields ?? 0,
        lastReviewedOn: r.last_reviewed_on,
        reviewDueOn: reviewDueOn({ review }),
        reviewOverdue: isReviewOverdue({ review }, now),
      };
    });
}

export type LedgerFormat = 'csv' | 'xlsx';

export const LEDGER_CONTENT_TYPES: Record<LedgerFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export interface LedgerFile {
  body: Buffer;
  contentType: string;
  /** e.g. personal-data-ledger-2026-11-27.csv */
  filename: string;
  rows: number;
}

/** Writes the ledger of the whole map; the export is audited (it is a record auditors receive). */
export async function exportLedger(
  ctx: AppContext,
  format: LedgerFormat,
  actor: Actor,
  meta: RequestMeta = {},
  options: LedgerOptions & { ownerStaffId?: string } = {},
): Promise<LedgerFile> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const map = onlyOwnedBy(await loadDataMap(trx), options.ownerStaffId);
    // The ledger names each purpose as the organisation's registry does, beside its code.
    const purposeTitles =
      options.purposeTitles ?? new Map((await listPurposes(trx, { includeRetired: true })).map((p) => [p.code, p.title.ja] as const));
    const rows = buildLedgerRows(map, { purposeTitles });
    const body = format === 'csv' ? Buffer.from(ledgerCsv(rows), 'utf8') : ledgerXlsx(rows);
    await appendAudit(trx, {
      action: 'datamap.ledger_exported',
      actor,
      requestId: meta.requestId ?? null,
      details: { format, rows: rows.length, systems: map.systems.length },
      at: now,
    });
    return { body, contentType: LEDGER_CONTENT_TYPES[format], filename: `personal-data-ledger-${japanDate(now)}.${format}`, rows: rows.length };
  });
}

/**
 * Records that a system's ledger entry was reviewed (by `reviewer`, on `reviewedOn` or today in
 * Japan): the next review falls due one interval later and reminders stop until then.
 */
export async function recordSystemReview(
  ctx: AppContext,
  name: string,
  review: { reviewer: string; reviewedOn?: string; intervalMonths?: number },
  actor: Actor,
  meta: RequestMeta = {},
): Promise<SystemSummary> {
  const now = ctx.clock.now();
  const reviewedOn = review.reviewedOn ?? japanDate(now);
  if (reviewedOn > japanDate(now)) {
    throw new AppError('validation_failed', { details: [{ path: 'reviewedOn', reason: 'in_future', message: 'a review cannot be recorded for a future date' }] });
  }
  await ctx.db.transaction().execute(async (trx) => {
    const row = await repo.findSystemByName(trx, name);
    if (!row) throw new AppError('not_found');
    await repo.setSystemReview(trx, row.id, {
      reviewer: review.reviewer,
      reviewedOn,
      intervalMonths: review.intervalMonths ?? row.review_interval_months ?? DEFAULT_REVIEW_INTERVAL_MONTHS,
      now,
    });
    await appendAudit(trx, {
      action: 'datamap.reviewed',
      actor,
      target: { type: 'inventory_system', id: row.id },
      requestId: meta.requestId ?? null,
      details: { system: name, reviewedOn, reviewer: review.reviewer },
      at: now,
    });
  });
  const summary = (await listSystemSummaries(ctx)).find((s) => s.name === name);
  if (!summary) throw new AppError('not_found');
  return summary;
}
