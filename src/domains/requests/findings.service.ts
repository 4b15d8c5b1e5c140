// What was found for a request: staff attach it by hand (entered records, a CSV or JSON export,
// or a scan or photo), the fulfilment engine adds its rows through addEngineFindings. Records
// and files are stored encrypted in the vault (disposed at retention); the table keeps only
// where they came from and how many rows. Findings change only while the request is being
// worked on (in progress or in review); opening one is audited like opening a document.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import { AppError, type ErrorDetail } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import type { PackageFinding } from '../delivery/package.build.ts';
import { parseCsvRows, parseJsonRows, textFileKind, type FileRefusal } from './finding-file.rules.ts';
import * as repo from './findings.repository.ts';
import { addEvent, findRequest, lockRequest, type RequestRow } from './request.core.ts';
import type { RequestStatus } from './request.ts';
import { inspectUpload } from './upload-check.ts';

export const FINDING_RECORDS_BLOB_KIND = 'request.finding_records';
export const FINDING_FILE_BLOB_KIND = 'request.finding_file';

export const MAX_FINDING_ROWS = 10_000;
export const MAX_FINDING_JSON_BYTES = 5 * 1024 * 1024;
export const MAX_FINDING_COLUMNS = 500;
/** Findings change only while the office works on the answer. */
export const FINDINGS_OPEN_STATUSES: readonly RequestStatus[] = ['in_progress', 'in_review'];

const line = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'one line without control characters');

const ZColumnName = z
  .string()
  .min(1)
  .max(200)
  .refine((k) => k !== '__proto__', 'not a usable column name');

/** One value of a record: records are flat, as a row of a table is. */
export const ZFindingValue = z.union([z.string().max(100_000), z.number(), z.boolean(), z.null()]);
export const ZFindingRecord = z
  .record(ZColumnName, ZFindingValue)
  .refine((r) => Object.keys(r).length <= MAX_FINDING_COLUMNS, `at most ${MAX_FINDING_COLUMNS} fields per record`);
export const ZFindingRecords = z.array(ZFindingRecord).max(MAX_FINDING_ROWS);
export type FindingRecord = z.infer<typeof ZFindingRecord>;

export const ZFindingTarget = z.strictObject({
  /** The system searched: a data-map name, or any name for a system outside the map. */
  systemName: line(100),
  collection: line(100),
  /** What staff call it, shown to the person (e.g. 会員情報). */
  label: line(200).optional(),
});

/** The JSON body of an entered finding; `records: []` records that nothing was found. */
export const ZManualFindingJson = ZFindingTarget.extend({ records: ZFindingRecords });

export interface ManualFindingInput {
  systemName: string;
  collection: string;
  label?: string | undefined;
  records?: unknown;
  file?: { bytes: Buffer; fileName: string };
}

export interface EngineFinding {
  systemName: string;
  collection: string;
  label?: string | null;
  rows: readonly object[];
}

export interface FindingView {
  id: string;
  source: 'manual' | 'engine';
  systemName: string;
  collection: string;
  label: string | null;
  rowCount: number;
  file: { fileName: string; contentType: string } | null;
  createdBy: string | null;
  createdAt: Date;
  removedAt: Date | null;
}

export interface OpenedFinding {
  finding: FindingView;
  records: object[] | null;
  file: { fileName: string; contentType: string; bytes: Buffer } | null;
}

export function toFindingView(row: repo.FindingRow): FindingView {
  return {
    id: row.id,
    source: row.source,
    systemName: row.system_name,
    collection: row.collection,
    label: row.label,
    rowCount: row.row_count,
    file: row.file_name !== null && row.content_type !== null ? { fileName: row.file_name, contentType: row.content_type } : null,
    createdBy: row.created_by,
    createdAt: row.created_at,
    removedAt: row.removed_at,
  };
}

function zodDetails(error: z.ZodError, prefix: string): ErrorDetail[] {
  return error.issues.slice(0, 20).map((i) => ({
    path: [prefix, ...i.path.map(String)].filter((p) => p !== '').join('.'),
    reason: i.code,
    message: i.message,
  }));
}

function invalid(path: string, reason: string, message: string): AppError {
  return new AppError('validation_failed', { details: [{ path, reason, message }] });
}

function checkRecords(value: unknown, path: string): FindingRecord[] {
  const parsed = ZFindingRecords.safeParse(value);
  if (!parsed.success) throw new AppError('validation_failed', { details: zodDetails(parsed.error, path) });
  if (Buffer.byteLength(JSON.stringify(parsed.data), 'utf8') > MAX_FINDING_JSON_BYTES) {
    throw new AppError('payload_too_large', {
      details: [{ path, reason: 'too_large', message: `records of at most ${MAX_FINDING_JSON_BYTES / (1024 * 1024)} MB as JSON` }],
    });
  }
  return parsed.data;
}

/** A binary file dressed as .csv/.json is of a type we do not take; a broken export is corrupt. */
function fileRefused(refusal: FileRefusal): AppError {
  return new AppError(refusal.notText ? 'upload_type_not_allowed' : 'upload_corrupt', {
    details: [{ path: 'file', reason: refusal.reason, message: refusal.message }],
  });
}

type FileContent = { kind: 'rows'; rows: FindingRecord[] } | { kind: 'file'; contentType: string };

/** A picture or PDF (checked by content, as requester uploads are) or a CSV/JSON export. */
function readFindingFile(file: { bytes: Buffer; fileName: string }): FileContent {
  const inspected = inspectUpload(file.bytes);
  if (inspected.ok) return { kind: 'file', contentType: inspected.check.contentType };
  const textKind = textFileKind(file.fileName);
  if (inspected.code !== 'upload_type_not_allowed' || inspected.reason !== 'unrecognised' || textKind === null) {
    throw new AppError(inspected.code, {
      details: [
        {
          path: 'file',
          reason: inspected.reason,
          message:
            inspected.code === 'upload_type_not_allowed'
              ? 'a JPEG, PNG, PDF or HEIC file, or a CSV (UTF-8) or JSON export named .csv or .json'
              : 'the file is damaged, incomplete or too large',
        },
      ],
    });
  }
  if (file.bytes.length > MAX_FINDING_JSON_BYTES) {
    throw new AppError('payload_too_large', {
      details: [{ path: 'file', reason: 'too_large', message: `a CSV or JSON file of at most ${MAX_FINDING_JSON_BYTES / (1024 * 1024)} MB` }],
    });
  }
  if (textKind === 'csv') {
    const parsed = parseCsvRows(file.bytes, { maxRows: MAX_FINDING_ROWS, maxColumns: MAX_FINDING_COLUMNS });
    if (!parsed.ok) throw fileRefused(parsed.refusal);
    return { kind: 'rows', rows: checkRecords(parsed.rows, 'file') };
  }
  const parsed = parseJsonRows(file.bytes);
  if (!parsed.ok) throw fileRefused(parsed.refusal);
  return { kind: 'rows', rows: checkRecords(parsed.value, 'file') };
}

async function lockOpenRequest(trx: Db, requestId: string): Promise<RequestRow> {
  const row = await lockRequest(trx, requestId);
  if (!FINDINGS_OPEN_STATUSES.includes(row.status as RequestStatus)) {
    throw new AppError('invalid_transition', {
      details: [{ reason: 'findings_closed', message: `findings can be changed while the request is in progress or in review, not while it is "${row.status}"` }],
    });
  }
  return row;
}

/**
 * Adds what staff found in one system: entered `records`, a `file`, or both (a scan with the
 * rows typed from it). A CSV or JSON file becomes the records. Checked fully before anything
 * is stored.
 */
export async function addManualFinding(
  ctx: AppContext,
  requestId: string,
  actor: Actor,
  input: ManualFindingInput,
  meta: { requestId?: string | null } = {},
): Promise<FindingView> {
  const target = ZFindingTarget.safeParse({ systemName: input.systemName, collection: input.collection, ...(input.label === undefined ? {} : { label: input.label }) });
  if (!target.success) throw new AppError('validation_failed', { details: zodDetails(target.error, '') });
  let records = input.records === undefined ? null : checkRecords(input.records, 'records');
  let file: { bytes: Buffer; fileName: string; contentType: string } | null = null;
  if (input.file) {
    const fileName = line(255).safeParse(input.file.fileName);
    if (!fileName.success) throw invalid('file.fileName', 'invalid', 'a file name of one line, at most 255 characters');
    const content = readFindingFile(input.file);
    if (content.kind === 'rows') {
      if (records !== null) throw invalid('records', 'records_twice', 'send the records either in the body or as a CSV/JSON file, not both');
      records = content.rows;
    } else {
      file = { bytes: input.file.bytes, fileName: fileName.data, contentType: content.contentType };
    }
  }
  if (records === null && file === null) throw invalid('records', 'required', 'send records (an empty list when nothing was found) or a file');

  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    await lockOpenRequest(trx, requestId);
    const recordsBlob = records === null ? null : await ctx.vault.storeJson(trx, { kind: FINDING_RECORDS_BLOB_KIND, value: records, now });
    const fileBlob = file === null ? null : await ctx.vault.store(trx, { kind: FINDING_FILE_BLOB_KIND, contentType: file.contentType, bytes: file.bytes, now });
    const id = newId('fnd');
    await repo.insertFinding(trx, {
      id,
      requestId,
      source: 'manual',
      systemName: target.data.systemName,
      collection: target.data.collection,
      label: target.data.label ?? null,
      recordsBlobId: recordsBlob?.id ?? null,
      rowCount: records?.length ?? 0,
      fileBlobId: fileBlob?.id ?? null,
      fileName: file?.fileName ?? null,
      contentType: file?.contentType ?? null,
      createdBy: actor.id,
      createdAt: now,
    });
    const facts = { findingId: id, source: 'manual', rows: records?.length ?? 0, file: file !== null };
    await addEvent(trx, ctx, requestId, { kind: 'finding.added', actor, data: facts, visibleToRequester: false });
    await appendAudit(trx, {
      action: 'request.finding_added',
      actor,
      target: { type: 'request', id: requestId },
      requestId: meta.requestId ?? null,
      details: { ...facts, ...(file ? { contentType: file.contentType } : {}) },
      at: now,
    });
    const row = await repo.findFindingRow(trx, requestId, id);
    if (!row) throw new AppError('internal_error');
    return toFindingView(row);
  });
}

/**
 * The engine's results, in the caller's transaction (the engine records its run with them):
 * one finding per collection, `rows` as the engine read them. The request must be in progress.
 */
export async function addEngineFindings(
  trx: Db,
  ctx: Pick<AppContext, 'vault' | 'clock'>,
  requestId: string,
  findings: readonly EngineFinding[],
  meta: { actor: Actor; requestId?: string | null },
): Promise<string[]> {
  const row = await lockRequest(trx, requestId);
  if (row.status !== 'in_progress') {
    throw new AppError('invalid_transition', { details: [{ reason: 'not_in_progress', message: 'the engine adds findings while the request is in progress' }] });
  }
  const now = ctx.clock.now();
  const ids: string[] = [];
  let rows = 0;
  for (const f of findings) {
    const blob = await ctx.vault.storeJson(trx, { kind: FINDING_RECORDS_BLOB_KIND, value: f.rows, now });
    const id = newId('fnd');
    await repo.insertFinding(trx, {
      id,
      requestId,
      source: 'engine',
      systemName: f.systemName,
      collection: f.collection,
      label: f.label ?? null,
      recordsBlobId: blob.id,
      rowCount: f.rows.length,
      fileBlobId: null,
      fileName: null,
      contentType: null,
      createdBy: null,
      createdAt: now,
    });
    ids.push(id);
    rows += f.rows.length;
  }
  const facts = { source: 'engine', findings: ids.length, rows };
  await addEvent(trx, ctx, requestId, { kind: 'finding.added', actor: meta.actor, data: facts, visibleToRequester: false });
  await appendAudit(trx, {
    action: 'request.finding_added',
    actor: meta.actor,
    target: { type: 'request', id: requestId },
    requestId: meta.requestId ?? null,
    details: { ...facts, findingIds: ids },
    at: now,
  });
  return ids;
}

/** Metadata of the request's findings (no records), oldest first. */
export async function listFindings(db: Db, requestId: string, options: { includeRemoved?: boolean } = {}): Promise<FindingView[]> {
  if (!(await findRequest(db, requestId))) throw new AppError('not_found');
  return (await repo.listFindingRows(db, requestId, options)).map(toFindingView);
}

/** Decrypts one finding's records and file for staff; audited. */
export async function openFinding(
  ctx: AppContext,
  requestId: string,
  findingId: string,
  actor: Actor,
  meta: { requestId?: string | null } = {},
): Promise<OpenedFinding> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await repo.findFindingRow(trx, requestId, findingId);
    if (!row) throw new AppError('not_found');
    const records = row.records_blob_id === null ? null : ((await ctx.vault.readJson(trx, row.records_blob_id)) as object[]);
    const file =
      row.file_blob_id === null
        ? null
        : { fileName: row.file_name ?? 'file', contentType: row.content_type ?? 'application/octet-stream', bytes: (await ctx.vault.read(trx, row.file_blob_id)).bytes };
    await appendAudit(trx, {
      action: 'request.finding_opened',
      actor,
      target: { type: 'request', id: requestId },
      requestId: meta.requestId ?? null,
      details: { findingId, rows: row.row_count, file: file !== null },
      at: ctx.clock.now(),
    });
    return { finding: toFindingView(row), records, file };
  });
}

/** Takes a finding out of the answer (kept, encrypted, until retention); audited. */
export async function removeFinding(
  ctx: AppContext,
  requestId: string,
  findingId: string,
  actor: Actor,
  meta: { requestId?: string | null } = {},
): Promise<FindingView> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    await lockOpenRequest(trx, requestId);
    if (!(await repo.markFindingRemoved(trx, requestId, findingId, now))) throw new AppError('not_found');
    await addEvent(trx, ctx, requestId, { kind: 'finding.removed', actor, data: { findingId }, visibleToRequester: false });
    await appendAudit(trx, {
      action: 'request.finding_removed',
      actor,
      target: { type: 'request', id: requestId },
      requestId: meta.requestId ?? null,
      details: { findingId },
      at: now,
    });
    const row = await repo.findFindingRow(trx, requestId, findingId);
    if (!row) throw new AppError('internal_error');
    return toFindingView(row);
  });
}

/** Every finding still in the answer, decrypted, for the package (the delivery audits its use). */
export async function readFindingsForPackage(db: Db, ctx: Pick<AppContext, 'vault'>, requestId: string): Promise<PackageFinding[]> {
  const out: PackageFinding[] = [];
  for (const row of await repo.listFindingRows(db, requestId)) {
    const rows = row.records_blob_id === null ? [] : ((await ctx.vault.readJson(db, row.records_blob_id)) as object[]);
    const finding: PackageFinding = { systemName: row.system_name, collection: row.collection, label: row.label, rows };
    if (row.file_blob_id !== null) {
      const { bytes } = await ctx.vault.read(db, row.file_blob_id);
      finding.file = { fileName: row.file_name ?? 'file', contentType: row.content_type ?? 'application/octet-stream', bytes };
    }
    out.push(finding);
  }
  return out;
}
